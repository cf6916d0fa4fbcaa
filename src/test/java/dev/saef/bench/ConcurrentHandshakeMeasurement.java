package dev.saef.bench;

import dev.saef.bench.BenchSupport.Config;
import dev.saef.bench.BenchSupport.Impl;
import dev.saef.bench.BenchSupport.Stack;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * Latency of many TLS 1.2 handshakes started at once over loopback sockets (issue 10 item 3: "1 000
 * concurrent socket handshakes with p99 latency reported"), SAEF against SunJSSE in one JVM: a main,
 * not a test.
 *
 * <p>One round: an {@link SSLServerSocket} on 127.0.0.1 with an accept backlog of {@value #BACKLOG}
 * and one accept thread that hands every accepted socket to a fixed pool of server threads (default
 * {@value #SERVER_THREADS}); each server thread does {@code startHandshake()}, echoes one byte and
 * closes. {@code N} client platform threads (default 1 000; Java 17 has no virtual threads) wait on
 * one start latch; when it opens each connects (plain TCP connect with a timeout, then the TLS
 * socket layered over it), runs {@code startHandshake()}, sends one byte, reads the echo and
 * closes. A client's handshake latency is connect start to handshake complete (so it includes the
 * wait in the accept backlog and for a server thread); the rate is the completed clients divided by
 * the time from the latch opening to the last client finishing. TCP_NODELAY is on at both ends.
 * Every socket has a read timeout and the connect a connect timeout ({@value #TIMEOUT_MS} ms), and
 * the round as a whole a deadline: failures and timeouts are counted and reported, never waited for
 * forever. Each client invalidates its session right after the handshake; a client that still
 * resumed a session (one created before it started connecting: another client's, cached in the
 * moment between that client's handshake and its invalidation) is counted apart and left out of
 * the latencies and the rate, so the figures are full handshakes. The latency starts when the
 * client thread starts its connect: on a small machine the 1 000 threads the latch wakes reach
 * their connect over some hundreds of milliseconds, which the rate (wall time of the whole round)
 * shows and the latency does not.
 *
 * <p>The stacks: SAEF PSK {@code TLS_PSK_WITH_AES_128_GCM_SHA256} and SunJSSE
 * {@code TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256} with a P-256 key made by keytool (run with
 * {@code -Djdk.tls.namedGroups=secp256r1} for P-256 ECDHE, as {@code bench/run.sh --compare} does).
 * After one warm-up round per stack, rounds alternate SAEF, SunJSSE, SAEF, SunJSSE, ...; every
 * figure reported is the median over the rounds.
 *
 * <p>Arguments: clients (default 1000), rounds per stack (default 2), server threads (default
 * {@value #SERVER_THREADS}), clients in the warm-up round (default: clients). Run with e.g.
 * {@code java -Djdk.tls.namedGroups=secp256r1 -cp target/test-classes:target/classes:<deps>
 * dev.saef.bench.ConcurrentHandshakeMeasurement 1000 2 16 1000}. {@link CompareMain} adds its rows to
 * the {@code bench/run.sh --compare} table.
 */
public final class ConcurrentHandshakeMeasurement {

    static final String HOST = "127.0.0.1";
    static final int BACKLOG = 2048;
    static final int SERVER_THREADS = 16;
    static final int TIMEOUT_MS = 15_000;
    /** Stack size of a client thread: 1 000 of them at the default 1 MiB (or more) reserve needlessly. */
    private static final long CLIENT_STACK = 512 * 1024;

    private ConcurrentHandshakeMeasurement() {
    }

    /** Figures of one round, or the median over rounds (latencies in ms). */
    record Result(int clients, int ok, int failed, int resumed, double p50, double p90, double p99, double max,
            double perSecond, String lastFailure) {

        String line(String name) {
            return String.format(Locale.ROOT,
                    "%s: %d clients, %d ok, %d failed, %d resumed; handshake ms p50 %.1f p90 %.1f p99 %.1f max %.1f;"
                            + " %.0f handshakes/s%s",
                    name, clients, ok, failed, resumed, p50, p90, p99, max, perSecond,
                    lastFailure == null ? "" : " (last failure: " + lastFailure + ")");
        }

        /** The median of every figure over {@code rounds}; failures and resumptions are summed. */
        static Result median(List<Result> rounds) {
            String last = null;
            int failed = 0;
            int resumed = 0;
            for (Result r : rounds) {
                failed += r.failed;
                resumed += r.resumed;
                if (r.lastFailure != null) {
                    last = r.lastFailure;
                }
            }
            return new Result(rounds.get(0).clients, (int) med(rounds, Result::ok), failed, resumed,
                    med(rounds, Result::p50), med(rounds, Result::p90), med(rounds, Result::p99),
                    med(rounds, Result::max), med(rounds, Result::perSecond), last);
        }

        private static double med(List<Result> rounds, java.util.function.ToDoubleFunction<Result> f) {
            return CompareMain.median(rounds.stream().map(r -> f.applyAsDouble(r)).toList());
        }
    }

    public static void main(String[] args) throws Exception {
        int clients = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int serverThreads = args.length > 2 ? Integer.parseInt(args[2]) : SERVER_THREADS;
        int warmupClients = args.length > 3 ? Integer.parseInt(args[3]) : clients;
        long start = System.nanoTime();
        Result[] r = compare(clients, warmupClients, rounds, serverThreads);
        System.out.printf(Locale.ROOT, "%n%,d concurrent TLS 1.2 socket handshakes over loopback, %d server threads, "
                + "backlog %d, median of %d round(s) per stack, %s, %d cpus, %.0f s in all%n%n", clients, serverThreads,
                BACKLOG, rounds, Runtime.version(), Runtime.getRuntime().availableProcessors(),
                (System.nanoTime() - start) / 1e9);
        System.out.println("| stack | p50 ms | p90 ms | p99 ms | max ms | handshakes/s | failed | resumed |");
        System.out.println("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        String[] names = {"SAEF PSK AES_128_GCM", "SunJSSE ECDHE-ECDSA P-256 AES_128_GCM"};
        for (int i = 0; i < 2; i++) {
            System.out.printf(Locale.ROOT, "| %s | %.1f | %.1f | %.1f | %.1f | %,.0f | %d | %d |%n", names[i], r[i].p50,
                    r[i].p90, r[i].p99, r[i].max, r[i].perSecond, r[i].failed, r[i].resumed);
        }
        System.out.printf(Locale.ROOT, "%nSAEF / SunJSSE: p99 %.2f× (lower is better), handshakes/s %.2f×%n",
                r[0].p99 / r[1].p99, r[0].perSecond / r[1].perSecond);
        if (r[0].lastFailure != null || r[1].lastFailure != null) {
            System.out.println("Last failures: SAEF " + r[0].lastFailure + "; SunJSSE " + r[1].lastFailure);
        }
        System.exit(0);
    }

    /**
     * One warm-up round per stack, then {@code rounds} alternating rounds (SAEF first).
     *
     * @return the medians {SAEF PSK GCM, SunJSSE ECDHE-ECDSA GCM}
     */
    static Result[] compare(int clients, int warmupClients, int rounds, int serverThreads) throws Exception {
        Stack[] stacks = {Stack.create(Config.SAEF_PSK_GCM, HOST), Stack.create(Config.SUN_ECDHE_ECDSA_GCM_TLS12, HOST)};
        String[] names = {"SAEF", "SunJSSE"};
        List<List<Result>> results = List.of(new ArrayList<>(), new ArrayList<>());
        for (int i = 0; i < 2; i++) {
            progress("%s", round(stacks[i], warmupClients, serverThreads).line(names[i] + " warm-up"));
        }
        for (int round = 0; round < rounds; round++) {
            for (int i = 0; i < 2; i++) {
                Result r = round(stacks[i], clients, serverThreads);
                progress("%s", r.line(names[i] + " round " + (round + 1) + "/" + rounds));
                results.get(i).add(r);
            }
        }
        return new Result[] {Result.median(results.get(0)), Result.median(results.get(1))};
    }

    /** One round: a fresh server socket and pool, {@code clients} clients released at once. */
    static Result round(Stack stack, int clients, int serverThreads) throws Exception {
        SSLServerSocket server = (SSLServerSocket) stack.server.getServerSocketFactory()
                .createServerSocket(0, BACKLOG, InetAddress.getByName(HOST));
        restrict(stack, null, server);
        int port = server.getLocalPort();
        ExecutorService pool = Executors.newFixedThreadPool(serverThreads, r -> {
            Thread t = new Thread(r, "bench-concurrent-server");
            t.setDaemon(true);
            return t;
        });
        AtomicInteger serverFailures = new AtomicInteger();
        AtomicReference<String> lastFailure = new AtomicReference<>();
        Thread acceptor = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    SSLSocket s = (SSLSocket) server.accept();
                    pool.execute(() -> serve(s, serverFailures, lastFailure));
                } catch (SocketException e) {
                    return; // closed at the end of the round
                } catch (IOException | RejectedExecutionException e) {
                    serverFailures.incrementAndGet();
                    lastFailure.set("server accept: " + CompareMain.rootCause(e));
                }
            }
        }, "bench-concurrent-acceptor");
        acceptor.setDaemon(true);
        acceptor.start();

        SSLSocketFactory factory = stack.client.getSocketFactory();
        CountDownLatch go = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(clients);
        long[] latency = new long[clients];
        Arrays.fill(latency, -1);
        AtomicInteger failed = new AtomicInteger();
        AtomicInteger resumed = new AtomicInteger();
        List<Thread> threads = new ArrayList<>(clients);
        for (int i = 0; i < clients; i++) {
            int id = i;
            Thread t = new Thread(null, () -> {
                try {
                    go.await();
                    long l = client(stack, factory, port);
                    if (l < 0) {
                        resumed.incrementAndGet();
                    } else {
                        latency[id] = l;
                    }
                } catch (Exception e) {
                    failed.incrementAndGet();
                    lastFailure.set("client: " + CompareMain.rootCause(e));
                } finally {
                    done.countDown();
                }
            }, "bench-concurrent-client-" + i, CLIENT_STACK);
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
        long t0 = System.nanoTime();
        go.countDown();
        // Every client ends by itself within connect + read timeouts; the deadline is a last resort.
        boolean all = done.await(3L * TIMEOUT_MS, TimeUnit.MILLISECONDS);
        long elapsed = System.nanoTime() - t0;
        server.close();
        pool.shutdownNow();
        pool.awaitTermination(5, TimeUnit.SECONDS);
        acceptor.join(5_000);
        int stuck = 0;
        if (!all) {
            for (Thread t : threads) {
                if (t.isAlive()) {
                    stuck++;
                    t.interrupt();
                }
            }
            lastFailure.set(stuck + " clients still running at the round's deadline");
        }
        if (serverFailures.get() > 0 && lastFailure.get() != null) {
            lastFailure.set(lastFailure.get() + "; server-side failures: " + serverFailures.get());
        }
        long[] ok = Arrays.stream(latency).filter(l -> l >= 0).sorted().toArray();
        if (ok.length == 0) {
            return new Result(clients, 0, failed.get() + stuck, resumed.get(), Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0,
                    lastFailure.get());
        }
        return new Result(clients, ok.length, failed.get() + stuck, resumed.get(),
                ms(percentile(ok, 50)), ms(percentile(ok, 90)), ms(percentile(ok, 99)), ms(ok[ok.length - 1]),
                ok.length / (elapsed / 1e9), lastFailure.get());
    }

    /**
     * One client: connect, handshake, 1-byte echo, close.
     *
     * @return connect-to-handshake-complete in ns, or -1 if the handshake resumed a session
     */
    private static long client(Stack stack, SSLSocketFactory factory, int port) throws IOException {
        long begin = System.nanoTime();
        long beginMillis = System.currentTimeMillis();
        Socket plain = new Socket();
        try {
            plain.setTcpNoDelay(true);
            plain.setSoTimeout(TIMEOUT_MS);
            plain.connect(new InetSocketAddress(HOST, port), TIMEOUT_MS);
        } catch (IOException e) {
            plain.close();
            throw e;
        }
        try (SSLSocket s = (SSLSocket) factory.createSocket(plain, HOST, port, true)) {
            s.setSoTimeout(TIMEOUT_MS);
            restrict(stack, s, null);
            s.startHandshake();
            long latency = System.nanoTime() - begin;
            SSLSession session = s.getSession();
            session.invalidate(); // the next client makes a full handshake too
            stack.verify(session);
            boolean wasResumed = session.getCreationTime() < beginMillis;
            OutputStream out = s.getOutputStream();
            out.write(42);
            out.flush();
            InputStream in = s.getInputStream();
            int echo = in.read();
            if (echo != 42) {
                throw new IOException("echo: expected 42, read " + echo);
            }
            return wasResumed ? -1 : latency;
        }
    }

    /** One server connection: handshake, echo one byte, close. */
    private static void serve(SSLSocket s, AtomicInteger failures, AtomicReference<String> lastFailure) {
        try (s) {
            s.setSoTimeout(TIMEOUT_MS);
            s.setTcpNoDelay(true);
            s.startHandshake();
            InputStream in = s.getInputStream();
            int b = in.read();
            if (b < 0) {
                throw new IOException("client closed before its byte");
            }
            OutputStream out = s.getOutputStream();
            out.write(b);
            out.flush();
        } catch (IOException | RuntimeException e) {
            failures.incrementAndGet();
            lastFailure.set("server: " + CompareMain.rootCause(e));
        }
    }

    private static void restrict(Stack stack, SSLSocket socket, SSLServerSocket server) {
        String[] suites = stack.config.suite == null ? null : new String[] {stack.config.suite};
        String[] protocols = stack.config.impl == Impl.SUN ? new String[] {BenchSupport.TLS12} : null;
        if (socket != null) {
            if (suites != null) {
                socket.setEnabledCipherSuites(suites);
            }
            if (protocols != null) {
                socket.setEnabledProtocols(protocols);
            }
        }
        if (server != null) {
            if (suites != null) {
                server.setEnabledCipherSuites(suites);
            }
            if (protocols != null) {
                server.setEnabledProtocols(protocols);
            }
        }
    }

    /** Nearest-rank percentile of sorted values. */
    static long percentile(long[] sorted, double p) {
        int rank = (int) Math.ceil(p / 100 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    private static double ms(long ns) {
        return ns / 1e6;
    }

    private static void progress(String format, Object... args) {
        System.err.printf("[concurrent] " + format + "%n", args);
    }
}
