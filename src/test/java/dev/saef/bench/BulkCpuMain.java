package dev.saef.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Bulk throughput per CPU second, for a machine too busy for wall-clock figures: runs
 * {@link BulkThroughputBenchmark}'s wrap + unwrap of 16 KiB records for each configuration named on the
 * command line (default: SAEF GCM, SunJSSE GCM, SAEF CBC_SHA256, SunJSSE CBC_SHA256), alternating
 * between them in blocks, and prints MB of plaintext per second of the benchmark thread's CPU time
 * ({@link ThreadMXBean#getCurrentThreadCpuTime()}), median of the blocks. Other processes on the machine
 * then cost wall time but hardly CPU time of this thread (they still share caches and, with SMT, cores),
 * so the figures and their ratios stay comparable on a loaded machine.
 *
 * <p>{@code java -cp ... dev.saef.bench.BulkCpuMain [seconds] [config ...]} (seconds of CPU per
 * configuration after 3 s of warm-up each; default 6).
 */
public final class BulkCpuMain {

    private BulkCpuMain() {
    }

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 6;
        List<String> configs = args.length > 1 ? Arrays.asList(args).subList(1, args.length)
                : List.of("SAEF_PSK_GCM", "SUN_ECDHE_ECDSA_GCM_TLS12", "SAEF_PSK_CBC_SHA256",
                        "SUN_ECDHE_ECDSA_CBC_SHA256_TLS12");
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        BulkThroughputBenchmark[] b = new BulkThroughputBenchmark[configs.size()];
        List<List<Double>> rates = new ArrayList<>();
        for (int i = 0; i < b.length; i++) {
            b[i] = new BulkThroughputBenchmark();
            b[i].config = configs.get(i);
            b[i].setUp();
            rates.add(new ArrayList<>());
            long until = threads.getCurrentThreadCpuTime() + 3_000_000_000L;
            while (threads.getCurrentThreadCpuTime() < until) { // warm-up
                b[i].wrapUnwrap16k();
            }
        }
        int records = 2_000; // one block: 32 MB
        double spent = 0;
        while (spent < seconds) {
            for (int i = 0; i < b.length; i++) {
                long t0 = threads.getCurrentThreadCpuTime();
                for (int k = 0; k < records; k++) {
                    b[i].wrapUnwrap16k();
                }
                long ns = threads.getCurrentThreadCpuTime() - t0;
                rates.get(i).add((double) records * BulkThroughputBenchmark.RECORD * 1_000 / ns); // MB/s
                if (i == 0) {
                    spent += ns / 1e9;
                }
            }
        }
        for (int i = 0; i < b.length; i++) {
            double[] r = rates.get(i).stream().mapToDouble(Double::doubleValue).sorted().toArray();
            System.out.printf(Locale.ROOT, "%-36s %8.1f MB per CPU second (median of %d blocks, min %.1f, max %.1f)%n",
                    configs.get(i), r[r.length / 2], r.length, r[0], r[r.length - 1]);
        }
        System.exit(0);
    }
}
