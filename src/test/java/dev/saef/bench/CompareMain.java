package dev.saef.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * The SAEF-vs-SunJSSE (and, for DTLS, SAEF-vs-Scandium) ratio table of issue 10 item 5 and issue 9
 * item 8, in one JVM: {@code bench/run.sh --compare [--quick]} runs this main.
 *
 * <p>Every JMH measurement runs in this JVM ({@code forks(0)}), and the two sides of each row
 * alternate: round 1 measures SAEF then the reference for every row, round 2 the reference first,
 * and so on; a row's figure is the median of its rounds. Noise that drifts over minutes (the other
 * jobs of a shared machine) thus hits both sides alike, and the ratio is what to read. The table
 * then adds the latency and rate of 1 000 concurrent socket handshakes
 * ({@link ConcurrentHandshakeMeasurement}: SAEF, SunJSSE, SAEF, SunJSSE after a warm-up round each;
 * median of the rounds; --quick one round each), the heap per idle established TLS engine pair
 * ({@link IdleHeapMeasurement}), the heap and
 * threads per idle DTLS session on the server side ({@link DtlsSessionScaleMeasurement}), OpenSSL's
 * raw AES-128-CCM figure (measured by {@code bench/run.sh} with {@code openssl speed}, passed in
 * {@code -Dsaef.compare.opensslCcm=MB/s}) and the allocation per bulk record (JMH's GC profiler).
 *
 * <p>Arguments: {@code quick} (1 round of 1 s + 1 s, 2 000 TLS pairs, 1 000 DTLS sessions: about 2
 * minutes on a quiet 2-core machine) or {@code full} (3 rounds of 2 s + 2 s, 10 000 pairs, 10 000
 * DTLS sessions: under 10 minutes). Markdown on standard output, progress on standard error.
 */
public final class CompareMain {

    private CompareMain() {
    }

    /** One JMH measurement: benchmark method, parameters, threads. */
    record Run(String benchmark, Map<String, String> params, int threadCount, boolean gcProfiled) {
        static Run of(String benchmark, String... kv) {
            Map<String, String> p = new LinkedHashMap<>();
            for (int i = 0; i < kv.length; i += 2) {
                p.put(kv[i], kv[i + 1]);
            }
            return new Run(benchmark, p, 1, false);
        }

        Run threads(int t) {
            return new Run(benchmark, params, t, gcProfiled);
        }

        Run gc() {
            return new Run(benchmark, params, threadCount, true);
        }

        String label() {
            return benchmark.substring(benchmark.lastIndexOf('.', benchmark.lastIndexOf('.') - 1) + 1) + " " + params
                    + (threadCount > 1 ? " threads=" + threadCount : "");
        }
    }

    /** One row: SAEF against a reference, with issue 10's target for SAEF / reference. */
    static final class Row {
        final String what;
        final String unit;
        final Run saef;
        final Run reference;
        final String referenceName;
        final double target;
        final boolean lowerIsBetter;
        final List<Double> saefScores = new ArrayList<>();
        final List<Double> referenceScores = new ArrayList<>();
        Double saefValue;
        Double referenceValue;
        String note = "";

        Row(String what, String unit, Run saef, Run reference, String referenceName, double target,
                boolean lowerIsBetter) {
            this.what = what;
            this.unit = unit;
            this.saef = saef;
            this.reference = reference;
            this.referenceName = referenceName;
            this.target = target;
            this.lowerIsBetter = lowerIsBetter;
        }

        double saef() {
            return saefValue != null ? saefValue : median(saefScores);
        }

        double reference() {
            return referenceValue != null ? referenceValue : median(referenceScores);
        }
    }

    static final String ENGINE = "dev.saef.bench.EngineHandshakeBenchmark.handshake";
    static final String SOCKET = "dev.saef.bench.SocketHandshakeBenchmark.handshake";
    static final String RESUMED = "dev.saef.bench.ResumedHandshakeBenchmark.handshake";
    static final String BULK = "dev.saef.bench.BulkThroughputBenchmark.wrapUnwrap16k";
    static final String DTLS_HS = "dev.saef.bench.DtlsBenchmark.handshake";
    static final String DTLS_BULK = "dev.saef.bench.DtlsBenchmark.bulk";

    public static void main(String[] args) throws Exception {
        boolean quick = args.length > 0 && "quick".equals(args[0]);
        int rounds = Integer.getInteger("saef.compare.rounds", quick ? 1 : 3);
        TimeValue time = TimeValue.seconds(quick ? 1 : 2);
        int tlsPairs = quick ? 2_000 : 10_000;
        int dtlsSessions = quick ? 1_000 : 10_000;
        Instant start = Instant.now();
        String loadBefore = loadAverage();

        List<Row> rows = new ArrayList<>();
        String sunRef = "SunJSSE TLS 1.2 ECDHE-ECDSA P-256";
        rows.add(new Row("full handshakes/s, in-memory engines (SAEF PSK AES_128_GCM)", "/s",
                Run.of(ENGINE, "config", "SAEF_PSK_GCM"), Run.of(ENGINE, "config", "SUN_ECDHE_ECDSA_GCM_TLS12"),
                sunRef, 25, false));
        rows.add(new Row("full handshakes/s, loopback sockets, TCP_NODELAY", "/s",
                Run.of(SOCKET, "config", "SAEF_PSK_GCM", "tcpNoDelay", "true", "resume", "false"),
                Run.of(SOCKET, "config", "SUN_ECDHE_ECDSA_GCM_TLS12", "tcpNoDelay", "true", "resume", "false"),
                sunRef, 15, false));
        rows.add(new Row("resumed handshakes/s, in-memory engines", "/s",
                Run.of(RESUMED, "config", "SAEF_PSK_GCM"), Run.of(RESUMED, "config", "SUN_ECDHE_ECDSA_GCM_TLS12"),
                sunRef + " (resumed)", 1, false));
        rows.add(new Row("resumed handshakes/s, loopback sockets, TCP_NODELAY", "/s",
                Run.of(SOCKET, "config", "SAEF_PSK_GCM", "tcpNoDelay", "true", "resume", "true"),
                Run.of(SOCKET, "config", "SUN_ECDHE_ECDSA_GCM_TLS12", "tcpNoDelay", "true", "resume", "true"),
                sunRef + " (resumed)", 1, false));
        rows.add(new Row("bulk MB/s, AES_128_GCM, 16 KiB records", "MB/s",
                Run.of(BULK, "config", "SAEF_PSK_GCM").gc(), Run.of(BULK, "config", "SUN_ECDHE_ECDSA_GCM_TLS12"),
                "SunJSSE TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", 1, false));
        rows.add(new Row("bulk MB/s, AES_128_CBC_SHA256, 16 KiB records", "MB/s",
                Run.of(BULK, "config", "SAEF_PSK_CBC_SHA256").gc(),
                Run.of(BULK, "config", "SUN_ECDHE_ECDSA_CBC_SHA256_TLS12"),
                "SunJSSE TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", 1, false));
        Row ccm = new Row("bulk MB/s, AES_128_CCM_8, 16 KiB records", "MB/s",
                Run.of(BULK, "config", "SAEF_PSK_CCM_8").gc(), null,
                "OpenSSL raw AES-128-CCM (`openssl speed -evp aes-128-ccm`, 16 KiB)", 0.5, false);
        rows.add(ccm);
        rows.add(new Row("full handshakes/s, in-memory engines, 2 threads vs 1 (SAEF PSK AES_128_GCM)", "/s",
                Run.of(ENGINE, "config", "SAEF_PSK_GCM").threads(2), Run.of(ENGINE, "config", "SAEF_PSK_GCM"),
                "SAEF, 1 thread", 1.8, false));
        Row dtlsHs = new Row("DTLS PSK CCM_8 full handshakes/s, loopback UDP, one client at a time", "/s",
                Run.of(DTLS_HS, "impl", "SAEF_UDP"), Run.of(DTLS_HS, "impl", "SCANDIUM_UDP"),
                "Scandium 3.14.0 DTLSConnector", Double.NaN, false);
        rows.add(dtlsHs);
        rows.add(new Row("DTLS PSK CCM_8 bulk MB/s, loopback UDP, 1 KiB datagrams", "MB/s",
                Run.of(DTLS_BULK, "impl", "SAEF_UDP"), Run.of(DTLS_BULK, "impl", "SCANDIUM_UDP"),
                "Scandium 3.14.0 DTLSConnector", Double.NaN, false));
        rows.add(new Row("DTLS PSK CCM_8 full handshakes/s, in-memory engines (no Scandium counterpart)", "/s",
                Run.of(DTLS_HS, "impl", "SAEF_ENGINES"), null, "-", Double.NaN, false));
        rows.add(new Row("DTLS PSK CCM_8 bulk MB/s, in-memory engines, 1 KiB datagrams", "MB/s",
                Run.of(DTLS_BULK, "impl", "SAEF_ENGINES"), null, "-", Double.NaN, false));

        rows.removeIf(r -> !selected(r.what));
        Map<String, Double> allocPerRecord = new LinkedHashMap<>();
        for (int round = 0; round < rounds; round++) {
            for (Row row : rows) {
                boolean saefFirst = round % 2 == 0;
                for (int k = 0; k < 2; k++) {
                    boolean saef = (k == 0) == saefFirst;
                    Run run = saef ? row.saef : row.reference;
                    if (run == null) {
                        continue;
                    }
                    RunResult r;
                    try {
                        r = jmh(run, time);
                    } catch (Exception | LinkageError e) {
                        // One broken row must not cost the whole table: say what failed, go on.
                        row.note = "failed: " + rootCause(e);
                        progress("round %d/%d  %-70s FAILED: %s", round + 1, rounds, run.label(), rootCause(e));
                        continue;
                    }
                    double score = r.getPrimaryResult().getScore();
                    (saef ? row.saefScores : row.referenceScores).add(score);
                    progress("round %d/%d  %-70s %12.1f %s", round + 1, rounds, run.label(), score,
                            r.getPrimaryResult().getScoreUnit());
                    if (run.gcProfiled()) {
                        for (Map.Entry<String, Result> e : r.getSecondaryResults().entrySet()) {
                            if (e.getKey().endsWith("gc.alloc.rate.norm")) {
                                // one op = one byte (OperationsPerInvocation(16384)): B/op x 16384 = B per record
                                allocPerRecord.put(run.params().get("config"),
                                        e.getValue().getScore() * BulkThroughputBenchmark.RECORD);
                            }
                        }
                    }
                }
            }
        }

        String openssl = System.getProperty("saef.compare.opensslCcm", "");
        if (!openssl.isBlank()) {
            ccm.referenceValue = Double.parseDouble(openssl);
        } else {
            ccm.referenceValue = Double.NaN;
            ccm.note = "openssl not found: no reference";
        }

        Row concurrentP99 = new Row("p99 ms handshake latency (connect to handshake complete), 1,000 concurrent "
                + "loopback socket handshakes, " + ConcurrentHandshakeMeasurement.SERVER_THREADS + " server threads",
                "ms", null, null, sunRef, Double.NaN, true);
        Row concurrentRate = new Row("full handshakes/s, 1,000 concurrent loopback socket handshakes (latch to last "
                + "client done)", "/s", null, null, sunRef, Double.NaN, false);
        if (selected(concurrentP99.what) || selected(concurrentRate.what)) {
            rows.add(concurrentP99);
            rows.add(concurrentRate);
            concurrent(rounds, quick, concurrentP99, concurrentRate);
        }

        for (int recordSize : new int[] {32, BulkThroughputBenchmark.RECORD}) {
            Row heap = new Row("KiB heap per idle established TLS engine pair (client + server), "
                    + String.format(Locale.ROOT, "%,d", tlsPairs) + " pairs, AES_128_GCM, after "
                    + (recordSize == 32 ? "a 32-byte record" : "a 16 KiB record") + " each way", "KiB", null, null,
                    "SunJSSE TLS 1.2 ECDHE-ECDSA P-256", 1, true);
            if (!selected(heap.what)) {
                continue;
            }
            rows.add(heap);
            try {
                progress("heap per idle TLS engine pair, %d pairs each, %d-byte records", tlsPairs, recordSize);
                double[] kib = tlsHeap(tlsPairs, recordSize);
                heap.saefValue = kib[0];
                heap.referenceValue = kib[1];
            } catch (Exception | OutOfMemoryError e) {
                heap.saefValue = Double.NaN;
                heap.referenceValue = Double.NaN;
                heap.note = "failed: " + rootCause(e);
            }
        }

        Row dHeap = new Row("KiB heap per idle DTLS session, server side, "
                + String.format(Locale.ROOT, "%,d", dtlsSessions) + " sessions (SAEF `DtlsServer`)", "KiB", null, null,
                "Scandium 3.14.0 DTLSConnector", Double.NaN, true);
        Row dThreads = new Row("server threads with " + String.format(Locale.ROOT, "%,d", dtlsSessions)
                + " idle DTLS sessions (the peak while they connected is in the last column)", "threads", null, null,
                "Scandium 3.14.0 DTLSConnector", Double.NaN, true);
        DtlsSessionScaleMeasurement.Result[] dtls = new DtlsSessionScaleMeasurement.Result[2];
        String[] impls = {"saef", "scandium"};
        boolean dtlsScale = selected(dHeap.what) || selected(dThreads.what);
        if (dtlsScale) {
            rows.add(dHeap);
            rows.add(dThreads);
        }
        for (int i = 0; i < 2 && dtlsScale; i++) {
            try {
                progress("DTLS server with %d idle sessions: %s", dtlsSessions, impls[i]);
                dtls[i] = DtlsSessionScaleMeasurement.measure(impls[i], dtlsSessions);
                progress("%s", dtls[i].line());
            } catch (Exception | OutOfMemoryError e) {
                dHeap.note = dThreads.note = impls[i] + " failed: " + rootCause(e);
            }
        }
        dHeap.saefValue = dtls[0] == null ? Double.NaN : dtls[0].bytesPerSession() / 1024;
        dHeap.referenceValue = dtls[1] == null ? Double.NaN : dtls[1].bytesPerSession() / 1024;
        dThreads.saefValue = dtls[0] == null ? Double.NaN : dtls[0].threads();
        dThreads.referenceValue = dtls[1] == null ? Double.NaN : dtls[1].threads();
        if (dtls[0] != null && dtls[1] != null) {
            dThreads.note = "peak " + dtls[0].peakThreads() + " / " + dtls[1].peakThreads();
        }

        print(rows, allocPerRecord, quick, rounds, time, start, loadBefore);
        if (dtls[0] != null && dtls[1] != null) {
            System.out.printf(Locale.ROOT, "%nNew server threads by name with %,d DTLS sessions: SAEF %s; Scandium %s. "
                    + "SAEF's `saef-dtls-handshake-*` threads end 30 s after the last handshake.%n", dtlsSessions,
                    dtls[0].newThreads(), dtls[1].newThreads());
        }
        System.exit(0);
    }

    /** Fills the two rows of 1 000 concurrent socket handshakes ({@link ConcurrentHandshakeMeasurement}). */
    static void concurrent(int rounds, boolean quick, Row concurrentP99, Row concurrentRate) {
        try {
            progress("1,000 concurrent socket handshakes, %d round(s) per side", rounds == 1 ? 1 : 2);
            ConcurrentHandshakeMeasurement.Result[] c = ConcurrentHandshakeMeasurement.compare(1000,
                    quick ? 100 : 1000, rounds == 1 ? 1 : 2, ConcurrentHandshakeMeasurement.SERVER_THREADS);
            concurrentP99.saefValue = c[0].p99();
            concurrentP99.referenceValue = c[1].p99();
            concurrentRate.saefValue = c[0].perSecond();
            concurrentRate.referenceValue = c[1].perSecond();
            concurrentP99.note = String.format(Locale.ROOT, "p50 %.1f / %.1f ms, max %.1f / %.1f ms", c[0].p50(),
                    c[1].p50(), c[0].max(), c[1].max());
            if (c[0].resumed() + c[1].resumed() > 0) {
                concurrentP99.note += ", resumed (left out) " + c[0].resumed() + " / " + c[1].resumed();
            }
            if (c[0].failed() + c[1].failed() > 0) {
                concurrentRate.note = "failed clients " + c[0].failed() + " / " + c[1].failed() + ", last: "
                        + (c[0].lastFailure() != null ? c[0].lastFailure() : c[1].lastFailure());
            }
        } catch (Exception | OutOfMemoryError e) {
            concurrentP99.saefValue = concurrentP99.referenceValue = Double.NaN;
            concurrentRate.saefValue = concurrentRate.referenceValue = Double.NaN;
            concurrentP99.note = "failed: " + rootCause(e);
        }
    }

    /**
     * @param recordSize octets of the one record sent each way after the handshake
     * @return KiB per idle established engine pair {SAEF PSK GCM, SunJSSE ECDHE-ECDSA GCM}
     */
    static double[] tlsHeap(int pairs, int recordSize) throws Exception {
        SSLContext[] sun = IdleHeapMeasurement.sunEcdsa();
        SSLContext saefServer = BenchSupport.saefContext(BenchSupport.KPSA + " peer=CAE01 key=hex:"
                + BenchSupport.KEY_HEX + "\n");
        SSLContext saefClient = BenchSupport.saefContext(BenchSupport.KPSA + " peer=/id-in address="
                + BenchSupport.ENGINE_PEER_HOST + ":" + BenchSupport.ENGINE_PEER_PORT + " key=hex:"
                + BenchSupport.KEY_HEX + "\n");
        String sunSuite = "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256";
        String saefSuite = "TLS_PSK_WITH_AES_128_GCM_SHA256";
        IdleHeapMeasurement.tls(sun[0], sun[1], sunSuite, 50, recordSize);
        IdleHeapMeasurement.tls(saefClient, saefServer, saefSuite, 50, recordSize);
        double sunHeap = IdleHeapMeasurement.perPair(pairs,
                () -> IdleHeapMeasurement.tls(sun[0], sun[1], sunSuite, pairs, recordSize)) / 1024;
        double saefHeap = IdleHeapMeasurement.perPair(pairs,
                () -> IdleHeapMeasurement.tls(saefClient, saefServer, saefSuite, pairs, recordSize)) / 1024;
        return new double[] {saefHeap, sunHeap};
    }

    /**
     * The rows to measure: {@code -Dsaef.compare.only=REGEX} (bench/run.sh {@code --only REGEX}) keeps
     * the rows whose description matches it (case-insensitive, anywhere in the text); unset: all.
     */
    static final Pattern ONLY = System.getProperty("saef.compare.only", "").isBlank() ? null
            : Pattern.compile(System.getProperty("saef.compare.only"), Pattern.CASE_INSENSITIVE);

    static boolean selected(String what) {
        return ONLY == null || ONLY.matcher(what).find();
    }

    static RunResult jmh(Run run, TimeValue time) throws Exception {
        ChainedOptionsBuilder o = new OptionsBuilder()
                .include("^" + Pattern.quote(run.benchmark()) + "$")
                .forks(0)
                .warmupIterations(1).warmupTime(time)
                .measurementIterations(1).measurementTime(time)
                .threads(run.threadCount())
                .shouldFailOnError(true)
                .verbosity(VerboseMode.SILENT);
        for (Map.Entry<String, String> p : run.params().entrySet()) {
            o.param(p.getKey(), p.getValue());
        }
        if (run.gcProfiled()) {
            o.addProfiler(GCProfiler.class);
        }
        return new Runner(o.build()).runSingle();
    }

    static void print(List<Row> rows, Map<String, Double> alloc, boolean quick, int rounds, TimeValue time,
            Instant start, String loadBefore) {
        StringBuilder out = new StringBuilder();
        out.append("## SAEF against SunJSSE (and Scandium for DTLS), one JVM\n\n");
        out.append(String.format(Locale.ROOT,
                "Machine: %s, %d cores; %s %s (%s); %s %s. Load average (1/5/15 min) %s at the start, %s at the end. "
                        + "Run %s, %s, %d round(s) of %s warm-up + %s measurement per side, sides alternating; "
                        + "source %s. SunJSSE: jdk.tls.namedGroups=%s.%n%n",
                cpuModel(), Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name"),
                Runtime.version(), System.getProperty("java.vm.vendor"), System.getProperty("os.name"),
                System.getProperty("os.arch"), loadBefore, loadAverage(), start.truncatedTo(ChronoUnit.SECONDS),
                quick ? "--quick" : "full", rounds, time, time, System.getProperty("saef.compare.source", "?"),
                System.getProperty("jdk.tls.namedGroups", "(JDK default)")));
        out.append("| what | SAEF | reference | reference value | ratio | target | met |\n");
        out.append("| --- | ---: | --- | ---: | ---: | ---: | --- |\n");
        for (Row r : rows) {
            double s = r.saef();
            double ref = r.reference();
            double ratio = s / ref;
            String target = Double.isNaN(r.target) ? "-" : (r.lowerIsBetter ? "≤ " : "≥ ") + fmt(r.target) + "×";
            String met = Double.isNaN(r.target) || Double.isNaN(ratio) ? "-"
                    : (r.lowerIsBetter ? ratio <= r.target : ratio >= r.target) ? "met" : "**not met**";
            out.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s%s |%n", r.what, value(s, r.unit),
                    r.referenceName, value(ref, r.unit), Double.isNaN(ratio) ? "-" : fmt(ratio) + "×", target, met,
                    r.note.isEmpty() ? "" : " (" + r.note + ")"));
        }
        out.append("\nRatios are SAEF / reference (for heap, threads and latency: lower is better). ");
        out.append("Allocation per 16 KiB record, wrap + unwrap, SAEF (JMH GC profiler, gc.alloc.rate.norm × 16 384): ");
        List<String> parts = new ArrayList<>();
        alloc.forEach((k, v) -> parts.add(String.format(Locale.ROOT, "%s %,.0f B", k, v)));
        out.append(parts.isEmpty() ? "not measured" : String.join(", ", parts)).append(".\n");
        System.out.print(out);
        System.out.flush();
    }

    static String rootCause(Throwable e) {
        Throwable c = e;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return (c.getClass().getSimpleName() + ": " + c.getMessage()).replace('|', '/').replace('\n', ' ');
    }

    static String value(double v, String unit) {
        if (Double.isNaN(v)) {
            return "-";
        }
        return switch (unit) {
            case "/s", "threads" -> String.format(Locale.ROOT, "%,.0f", v);
            default -> String.format(Locale.ROOT, "%,.1f", v);
        };
    }

    static String fmt(double v) {
        // one decimal up to 100: a ratio of 14.8 against a target of 15 must not print as "15"
        return v >= 100 ? String.format(Locale.ROOT, "%.0f", v)
                : v >= 10 ? String.format(Locale.ROOT, "%.1f", v) : String.format(Locale.ROOT, "%.2f", v);
    }

    static double median(List<Double> xs) {
        if (xs.isEmpty()) {
            return Double.NaN;
        }
        double[] a = xs.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(a);
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }

    static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: fall through
        }
        return System.getProperty("os.arch") + " (CPU model unknown)";
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + "/" + f[1] + "/" + f[2];
        } catch (IOException | RuntimeException e) {
            return String.format(Locale.ROOT, "%.2f",
                    ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        }
    }

    private static void progress(String format, Object... args) {
        System.err.printf("[compare] " + format + "%n", args);
    }
}
