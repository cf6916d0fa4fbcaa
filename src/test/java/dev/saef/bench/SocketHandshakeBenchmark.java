package dev.saef.bench;

import dev.saef.bench.BenchSupport.Config;
import dev.saef.bench.BenchSupport.Impl;
import dev.saef.bench.BenchSupport.Stack;
import java.io.IOException;
import java.net.InetAddress;
import java.net.SocketException;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Full TLS 1.2 handshakes per second over loopback TCP through the blocking socket API, the path
 * {@code HttpsURLConnection} takes: one operation = client connect + {@code startHandshake()} +
 * {@code close()}, against an {@link SSLServerSocket} whose accept thread does accept +
 * {@code startHandshake()} + {@code close()} per connection.
 *
 * <p>TCP_NODELAY is left at its default (off) on both sides on purpose (parameter
 * {@code tcpNoDelay}, with {@code true} as the control): an implementation that writes a handshake
 * flight as several small writes meets Nagle's algorithm and delayed ACKs and drops to tens of
 * handshakes per second (about one 40 ms delayed-ACK timeout per handshake). SAEF writes each flight
 * in one write; SunJSSE (JDK 17) writes each TLS 1.2 handshake record separately and shows exactly
 * that collapse. Without such stalls the socket rate is the {@link EngineHandshakeBenchmark} rate
 * plus loopback TCP set-up, round trips and thread hand-offs (a few hundred microseconds).
 *
 * <p>Sessions are invalidated after each handshake (the client would otherwise resume its cached
 * session for 127.0.0.1:port), unless {@code resume} is true: then every measured handshake is an
 * abbreviated one.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 3)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class SocketHandshakeBenchmark {

    static final String HOST = "127.0.0.1";

    @Param({"SAEF_PSK_CBC_SHA256", "SAEF_PSK_GCM", "SUN_ECDHE_RSA_GCM_TLS12", "SUN_ECDHE_ECDSA_GCM_TLS12"})
    public String config;

    /**
     * {@code false} (default): every handshake is a full one (the client invalidates its session).
     * {@code true}: the client keeps its session, so every handshake after the set-up's first one
     * resumes it (RFC 5246 section 7.3, session ID; both providers' default session caches); the
     * set-up checks that the second handshake really resumed.
     */
    @Param({"false"})
    public boolean resume;

    /**
     * TCP_NODELAY on both ends. {@code false} is the JDK default and what HttpsURLConnection gets:
     * the measurement that matters. {@code true} is the control that shows how much of the
     * {@code false} result is Nagle/delayed-ACK waiting rather than CPU.
     */
    @Param({"false", "true"})
    public boolean tcpNoDelay;

    private Stack stack;
    private SSLServerSocket serverSocket;
    private SSLSocketFactory clientFactory;
    private int port;
    private Thread acceptor;
    private volatile boolean stopping;
    private final AtomicLong served = new AtomicLong();
    private final AtomicLong serverFailures = new AtomicLong();
    private final AtomicReference<Throwable> lastServerFailure = new AtomicReference<>();
    private volatile SSLSession lastServerSession;
    private long clientHandshakes;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        Config cfg = Config.valueOf(config);
        // The SAEF client association: address=127.0.0.1 (any port).
        stack = Stack.create(cfg, HOST);
        serverSocket = (SSLServerSocket) stack.server.getServerSocketFactory()
                .createServerSocket(0, 50, InetAddress.getByName(HOST));
        port = serverSocket.getLocalPort();
        if (cfg.suite != null) {
            serverSocket.setEnabledCipherSuites(new String[] {cfg.suite});
        }
        if (cfg.impl == Impl.SUN) {
            serverSocket.setEnabledProtocols(new String[] {BenchSupport.TLS12});
        }
        clientFactory = stack.client.getSocketFactory();
        acceptor = new Thread(this::acceptLoop, "bench-tls-acceptor");
        acceptor.setDaemon(true);
        acceptor.start();

        // Sanity: expected protocol/suite on both ends, and two consecutive handshakes are full ones.
        SSLSession first = connectOnce();
        SSLSession second = connectOnce();
        stack.verify(first);
        stack.verify(second);
        byte[] id1 = first.getId();
        byte[] id2 = second.getId();
        boolean resumed = id1 != null && id1.length > 0 && Arrays.equals(id1, id2);
        if (resumed != resume) {
            throw new IllegalStateException(config + ": the second handshake " + (resumed ? "resumed" : "did not resume")
                    + " the first session (resume=" + resume + ")");
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (served.get() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        if (served.get() < 2) {
            throw new IllegalStateException(config + ": server completed " + served.get() + " of 2 handshakes",
                    lastServerFailure.get());
        }
        stack.verify(lastServerSession);
        clientHandshakes = 0;
        served.set(0);
    }

    private void acceptLoop() {
        while (!stopping) {
            try (SSLSocket s = (SSLSocket) serverSocket.accept()) {
                s.setSoTimeout(10_000);
                if (tcpNoDelay) {
                    s.setTcpNoDelay(true);
                }
                s.startHandshake();
                lastServerSession = s.getSession();
                served.incrementAndGet();
            } catch (SocketException e) {
                if (!stopping) {
                    serverFailures.incrementAndGet();
                    lastServerFailure.set(e);
                }
            } catch (IOException | RuntimeException e) {
                serverFailures.incrementAndGet();
                lastServerFailure.set(e);
            }
        }
    }

    private SSLSession connectOnce() throws IOException {
        try (SSLSocket s = (SSLSocket) clientFactory.createSocket(HOST, port)) {
            s.setSoTimeout(10_000);
            if (tcpNoDelay) {
                s.setTcpNoDelay(true);
            }
            if (stack.config.suite != null) {
                s.setEnabledCipherSuites(new String[] {stack.config.suite});
            }
            if (stack.config.impl == Impl.SUN) {
                s.setEnabledProtocols(new String[] {BenchSupport.TLS12});
            }
            s.startHandshake();
            SSLSession session = s.getSession();
            if (!resume) {
                session.invalidate(); // no resumption next time: every handshake is a full one
            }
            return session;
        }
    }

    @Benchmark
    public SSLSession handshake() throws IOException {
        clientHandshakes++;
        return connectOnce();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        stopping = true;
        serverSocket.close();
        acceptor.join(5_000);
        if (serverFailures.get() > 0) {
            System.out.println("[" + config + "] server-side failures: " + serverFailures.get() + " (last: "
                    + lastServerFailure.get() + ")");
        }
        System.err.println("[" + config + ", tcpNoDelay=" + tcpNoDelay + ", resume=" + resume + "] handshakes: client " + clientHandshakes + ", server " + served.get());
    }
}
