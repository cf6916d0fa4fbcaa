package dev.saef.bench;

import dev.saef.bench.BenchSupport.Buffers;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Resumed (abbreviated, RFC 5246 section 7.3) TLS 1.2 handshakes per second between a fresh client
 * and a fresh server {@link SSLEngine} in memory: one operation = one handshake that resumes the
 * session of a full handshake made once in the set-up, both sides' CPU cost on the benchmark thread.
 *
 * <p>SAEF: plain PSK, AES-128-GCM (resumed by session ID, and by RFC 5077 session ticket with
 * {@code saef.sessionTickets} and {@code saef.clientSessionTickets} on) and CBC-SHA256. SunJSSE: TLS 1.2
 * {@code TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256} with a P-256 certificate, whose client engines get
 * a peer host and port so that the JDK resumes too. The set-up checks that the handshakes really are
 * resumed (same creation time as the first session).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 3)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class ResumedHandshakeBenchmark {

    static final String SUN_SUITE = "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256";
    static final String HOST = "cse.bench.example";
    static final int PORT = 4433;

    @Param({"SAEF_PSK_GCM", "SAEF_PSK_GCM_TICKET", "SAEF_PSK_CBC_SHA256", "SUN_ECDHE_ECDSA_GCM_TLS12"})
    public String config;

    private SSLContext client;
    private SSLContext server;
    private String suite;
    private final Buffers buffers = new Buffers();

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        switch (config) {
            case "SAEF_PSK_GCM", "SAEF_PSK_GCM_TICKET", "SAEF_PSK_CBC_SHA256" -> {
                suite = config.startsWith("SAEF_PSK_GCM") ? "TLS_PSK_WITH_AES_128_GCM_SHA256"
                        : "TLS_PSK_WITH_AES_128_CBC_SHA256";
                boolean tickets = config.endsWith("_TICKET"); // RFC 5077: the server keeps no session
                server = BenchSupport.saefContext(BenchSupport.KPSA + " peer=CAE01 key=hex:" + BenchSupport.KEY_HEX
                        + "\n", c -> c.withSessionTickets(tickets));
                client = BenchSupport.saefContext(BenchSupport.KPSA + " peer=/id-in address=" + HOST + ":" + PORT
                        + " key=hex:" + BenchSupport.KEY_HEX + "\n", c -> c.withClientSessionTickets(tickets));
            }
            case "SUN_ECDHE_ECDSA_GCM_TLS12" -> {
                suite = SUN_SUITE;
                SSLContext[] pair = sunEcdsaContexts();
                client = pair[0];
                server = pair[1];
            }
            default -> throw new IllegalArgumentException(config);
        }
        SSLSession first = handshake();
        if (config.endsWith("_TICKET") && server.getServerSessionContext().getIds().hasMoreElements()) {
            throw new IllegalStateException(config + ": the server kept the session instead of issuing a ticket");
        }
        for (int i = 0; i < 3; i++) {
            SSLSession again = handshake();
            if (again.getCreationTime() != first.getCreationTime() || !suite.equals(again.getCipherSuite())
                    || !"TLSv1.2".equals(again.getProtocol())) {
                throw new IllegalStateException(config + ": handshake " + (i + 2) + " did not resume the first session ("
                        + again.getProtocol() + " " + again.getCipherSuite() + ")");
            }
        }
    }

    @Benchmark
    public SSLSession handshake() throws Exception {
        SSLEngine c = client.createSSLEngine(HOST, PORT);
        c.setUseClientMode(true);
        c.setEnabledCipherSuites(new String[] {suite});
        c.setEnabledProtocols(new String[] {"TLSv1.2"});
        SSLEngine s = server.createSSLEngine();
        s.setUseClientMode(false);
        s.setEnabledCipherSuites(new String[] {suite});
        s.setEnabledProtocols(new String[] {"TLSv1.2"});
        BenchSupport.handshake(c, s, buffers);
        return c.getSession();
    }

    /** SunJSSE client and server contexts over a P-256 certificate made by keytool. */
    private static SSLContext[] sunEcdsaContexts() throws Exception {
        return BenchSupport.SunMaterial.keytool("CN=" + HOST, "SAN=dns:" + HOST, "-keyalg", "EC", "-groupname", "secp256r1",
                "-sigalg", "SHA256withECDSA").sunContexts();
    }
}
