package dev.saef.bench;

import dev.saef.jsse.DtlsClient;
import dev.saef.jsse.DtlsServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import org.eclipse.californium.scandium.DTLSConnector;
import org.eclipse.californium.scandium.config.DtlsConfig;

/**
 * Heap per idle DTLS session and threads used, at N established DTLS 1.2 PSK CCM_8 sessions, on the
 * server side: SAEF's {@link DtlsServer} against a Scandium 3.14.0 {@link DTLSConnector} server (issue
 * 9 item 8). A main, not a test.
 *
 * <p>The N clients run in a child JVM ({@code clients} mode: SAEF {@link DtlsClient}s, each on its own
 * UDP socket, each sending one 32-octet datagram), so the measuring JVM holds only the server: heap
 * per session = (used heap with the N sessions - used heap of the started, empty server, after GC) / N;
 * threads = the threads alive with N sessions that were not alive before the server started (by
 * identity; this measurement's own sampler and the JDK's reaper of the child process left out), right
 * after the last session was established, and their peak while the sessions connected (sampled every
 * 50 ms): pool threads that end after an idle keep-alive (SAEF's handshake threads: 30 s) are
 * still counted.
 * The same client program serves both servers, so the comparison is like with like.
 *
 * <p>Usage: {@code DtlsSessionScaleMeasurement server saef|scandium N} (prints one line:
 * {@code impl sessions KiB/session threads peakThreads seconds newThreads}) or {@code ... clients PORT N}.
 */
public final class DtlsSessionScaleMeasurement {

    private DtlsSessionScaleMeasurement() {
    }

    /** What one server run measured. */
    record Result(String impl, int sessions, double bytesPerSession, int threads, int peakThreads, long seconds,
            String newThreads) {
        String line() {
            return String.format(Locale.ROOT, "%s sessions=%d KiB/session=%.2f threads=%d peakThreads=%d seconds=%d"
                    + " newThreads=%s", impl, sessions, bytesPerSession / 1024, threads, peakThreads, seconds, newThreads);
        }
    }

    /** Name of the thread that samples the thread count while the sessions connect. */
    static final String SAMPLER = "bench-thread-sampler";

    /**
     * The live threads that are not in {@code existing}: the server's, leaving out this measurement's
     * own (the sampler and the JDK's reaper of the child process).
     */
    static List<Thread> newThreads(Set<Thread> existing) {
        List<Thread> found = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (!existing.contains(t) && t.isAlive() && !t.getName().equals(SAMPLER)
                    && !t.getName().startsWith("process reaper")) {
                found.add(t);
            }
        }
        return found;
    }

    /** Threads grouped by name with digits folded ("pool-3-thread-7" counts as "pool-#-thread-#"). */
    static String byName(List<Thread> threads) {
        java.util.Map<String, Integer> m = new java.util.TreeMap<>();
        for (Thread t : threads) {
            m.merge(t.getName().replaceAll("[0-9]+", "#"), 1, Integer::sum);
        }
        StringBuilder b = new StringBuilder();
        m.forEach((name, n) -> b.append(b.length() == 0 ? "" : ", ").append('"').append(name).append("\":").append(n));
        return "{" + b + "}";
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 3 && "server".equals(args[0])) {
            System.out.println(measure(args[1], Integer.parseInt(args[2])).line());
            System.exit(0);
        } else if (args.length == 3 && "clients".equals(args[0])) {
            clients(Integer.parseInt(args[1]), Integer.parseInt(args[2]));
        } else {
            System.err.println("usage: DtlsSessionScaleMeasurement server saef|scandium N | clients PORT N");
            System.exit(2);
        }
    }

    /** Starts the server, lets a child JVM establish {@code n} sessions, measures, stops everything. */
    static Result measure(String impl, int n) throws Exception {
        Set<Thread> existing = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        existing.addAll(Thread.getAllStackTraces().keySet());
        AtomicInteger peak = new AtomicInteger();
        AtomicBoolean sampling = new AtomicBoolean(true);
        Thread sampler = new Thread(() -> {
            while (sampling.get()) {
                peak.accumulateAndGet(newThreads(existing).size(), Math::max);
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, SAMPLER);
        sampler.setDaemon(true);
        AtomicLong received = new AtomicLong();
        DtlsServer saef = null;
        DTLSConnector scandium = null;
        int port;
        if ("saef".equals(impl)) {
            SSLContext ctx = BenchSupport.saefDtlsContext(BenchSupport.KPSA + " peer=CAE01 key=hex:"
                    + BenchSupport.KEY_HEX + "\n");
            saef = DtlsServer.builder(ctx).bind(new InetSocketAddress(DtlsBenchmark.HOST, 0)).maxPeers(n + 100)
                    .idleTimeout(Duration.ofMinutes(30)).start((peer, data) -> received.incrementAndGet());
            port = saef.localAddress().getPort();
        } else if ("scandium".equals(impl)) {
            scandium = DtlsBenchmark.scandium(DtlsConfig.DtlsRole.SERVER_ONLY, n + 100);
            scandium.setRawDataReceiver(d -> received.incrementAndGet());
            scandium.start();
            port = scandium.getAddress().getPort();
        } else {
            throw new IllegalArgumentException("impl: saef or scandium, not " + impl);
        }
        // Heap per session is the marginal cost: the started, empty server is the baseline.
        long before = IdleHeapMeasurement.settledUsed();
        long t0 = System.nanoTime();
        sampler.start();
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xss256k", "-cp", System.getProperty("java.class.path"), DtlsSessionScaleMeasurement.class.getName(),
                "clients", Integer.toString(port), Integer.toString(n))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            if (line == null || !line.startsWith("established " + n)) {
                throw new IllegalStateException(impl + ": the client JVM said " + line);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (received.get() < n && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            if (received.get() < n) {
                throw new IllegalStateException(impl + ": the server received " + received.get() + " of " + n
                        + " datagrams");
            }
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0);
            if (saef != null && saef.peerCount() != n) {
                throw new IllegalStateException("SAEF server holds " + saef.peerCount() + " peers, expected " + n);
            }
            long after = IdleHeapMeasurement.settledUsed();
            sampling.set(false);
            sampler.join();
            List<Thread> serverThreads = newThreads(existing);
            peak.accumulateAndGet(serverThreads.size(), Math::max);
            return new Result(impl, n, (double) (after - before) / n, serverThreads.size(), peak.get(), seconds,
                    byName(serverThreads));
        } finally {
            sampling.set(false);
            child.getOutputStream().close(); // the child closes its clients and exits
            if (!child.waitFor(60, TimeUnit.SECONDS)) {
                child.destroyForcibly();
            }
            if (saef != null) {
                saef.close();
            }
            if (scandium != null) {
                scandium.destroy();
            }
        }
    }

    /** Child JVM: {@code n} SAEF DTLS clients to 127.0.0.1:port, 4 connecting at a time; waits for stdin EOF. */
    static void clients(int port, int n) throws Exception {
        SSLContext ctx = BenchSupport.saefDtlsContext(BenchSupport.KPSA + " peer=/id-in address=" + DtlsBenchmark.HOST
                + " key=hex:" + BenchSupport.KEY_HEX + "\n");
        List<DtlsClient> clients = java.util.Collections.synchronizedList(new ArrayList<>(n));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<?>> done = new ArrayList<>(n);
        byte[] hello = new byte[32];
        for (int i = 0; i < n; i++) {
            done.add(pool.submit(() -> {
                IOException last = null;
                for (int attempt = 0; attempt < 3; attempt++) {
                    try {
                        DtlsClient c = DtlsClient.connect(ctx, DtlsBenchmark.HOST, port, Duration.ofSeconds(20));
                        c.send(hello);
                        clients.add(c);
                        return null;
                    } catch (IOException e) {
                        last = e;
                    }
                }
                throw last;
            }));
        }
        for (Future<?> f : done) {
            f.get();
        }
        pool.shutdown();
        System.out.println("established " + clients.size());
        System.out.flush();
        while (System.in.read() >= 0) {
            // wait for the parent to close our stdin
        }
        for (DtlsClient c : clients) {
            c.close();
        }
        System.exit(0);
    }
}
