package dev.saef.bench;

import dev.saef.bench.BenchSupport.Buffers;
import dev.saef.bench.BenchSupport.Config;
import dev.saef.bench.BenchSupport.Stack;
import java.util.concurrent.TimeUnit;
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
 * Full TLS handshakes per second between a fresh client and a fresh server {@link SSLEngine},
 * entirely in memory (no sockets): one benchmark operation = one complete handshake, both sides'
 * CPU cost on the benchmark thread.
 *
 * <p>SAEF: plain PSK with CBC-SHA256 (TLS mandatory), CCM_8 (DTLS mandatory) and DHE_PSK-GCM (the
 * cost of forward secrecy: an ffdhe2048 exchange). SunJSSE: TLS 1.2 ECDHE_RSA-GCM with a 2048-bit
 * RSA certificate (what a certificate-based HTTPS deployment would pay), and the JDK's TLS 1.3
 * default for reference, and TLS 1.2 ECDHE_ECDSA-GCM with a P-256 certificate (issue 10's reference). No session is ever resumed: the client session is invalidated after each
 * handshake (SunJSSE engines without a peer are not cached anyway); see
 * {@link ResumedHandshakeBenchmark} for abbreviated handshakes.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 3)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class EngineHandshakeBenchmark {

    /**
     * The contexts, shared by all benchmark threads (JMH {@code -t 2}: two threads handshake on the
     * same client and server {@code SSLContext}, so a lock in the provider's shared state shows).
     */
    @State(Scope.Benchmark)
    public static class Shared {
        @Param({"SAEF_PSK_CBC_SHA256", "SAEF_PSK_CCM_8", "SAEF_PSK_GCM", "SAEF_DHE_PSK_GCM",
                "SUN_ECDHE_RSA_GCM_TLS12", "SUN_ECDHE_ECDSA_GCM_TLS12", "SUN_TLS13_DEFAULT"})
        public String config;

        Stack stack;

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            stack = Stack.create(Config.valueOf(config),
                    BenchSupport.ENGINE_PEER_HOST + ":" + BenchSupport.ENGINE_PEER_PORT);
            // Sanity: the configuration negotiates what it claims, on both sides, twice in a row.
            Buffers buffers = new Buffers();
            for (int i = 0; i < 2; i++) {
                SSLEngine c = stack.clientEngine();
                SSLEngine s = stack.serverEngine();
                BenchSupport.handshake(c, s, buffers);
                stack.verify(c.getSession());
                stack.verify(s.getSession());
                c.getSession().invalidate();
            }
        }
    }

    private final Buffers buffers = new Buffers();

    @Benchmark
    public SSLSession handshake(Shared shared) throws Exception {
        Stack stack = shared.stack;
        SSLEngine c = stack.clientEngine();
        SSLEngine s = stack.serverEngine();
        BenchSupport.handshake(c, s, buffers);
        SSLSession session = c.getSession();
        session.invalidate(); // the next handshake is a full one
        return session;
    }
}
