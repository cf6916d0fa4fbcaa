package dev.saef.bench;

import dev.saef.bench.BenchSupport.Buffers;
import dev.saef.bench.BenchSupport.Config;
import dev.saef.bench.BenchSupport.Stack;
import java.nio.ByteBuffer;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Record-layer throughput after one handshake: each invocation wraps 16 KiB of application data
 * into one TLS record on the client engine and unwraps it on the server engine (encrypt + MAC and
 * decrypt + verify on the benchmark thread).
 *
 * <p>Units: {@code @OperationsPerInvocation(16384)} makes one "op" one byte, and the output unit is
 * microseconds, so <b>the score in ops/us is MB/s</b> (10^6 bytes per second) of plaintext moved
 * through wrap + unwrap.
 *
 * <p>Note: SAEF CBC suites use encrypt-then-MAC (RFC 7366, on by default); SunJSSE has no EtM and
 * runs MAC-then-encrypt with its constant-time padding check.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 3)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class BulkThroughputBenchmark {

    static final int RECORD = 16384;

    @Param({"SAEF_PSK_CBC_SHA256", "SAEF_PSK_CCM_8", "SAEF_PSK_GCM", "SUN_ECDHE_RSA_GCM_TLS12",
            "SUN_ECDHE_RSA_CBC_SHA256_TLS12", "SUN_ECDHE_ECDSA_GCM_TLS12", "SUN_ECDHE_ECDSA_CBC_SHA256_TLS12"})
    public String config;

    private SSLEngine client;
    private SSLEngine server;
    private ByteBuffer plain;
    private ByteBuffer net;
    private ByteBuffer app;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        Stack stack = Stack.create(Config.valueOf(config),
                BenchSupport.ENGINE_PEER_HOST + ":" + BenchSupport.ENGINE_PEER_PORT);
        if (stack.config.suite != null) {
            String[] supported = stack.client.getSupportedSSLParameters().getCipherSuites();
            if (!java.util.Arrays.asList(supported).contains(stack.config.suite)) {
                throw new IllegalStateException(config + ": " + stack.config.suite + " is not supported here");
            }
        }
        client = stack.clientEngine();
        server = stack.serverEngine();
        BenchSupport.handshake(client, server, new Buffers());
        stack.verify(client.getSession());
        stack.verify(server.getSession());

        byte[] data = new byte[RECORD];
        new Random(42).nextBytes(data);
        plain = ByteBuffer.wrap(data);
        net = ByteBuffer.allocate(Math.max(client.getSession().getPacketBufferSize(), 2 * RECORD + 4096));
        app = ByteBuffer.allocate(Math.max(server.getSession().getApplicationBufferSize(), 2 * RECORD));

        // Sanity: the data survives the round trip, as one record.
        int n = wrapUnwrap();
        byte[] back = new byte[n];
        app.flip();
        app.get(back);
        if (!java.util.Arrays.equals(data, back)) {
            throw new IllegalStateException(config + ": round trip corrupted the data");
        }
    }

    private int wrapUnwrap() throws SSLException {
        plain.clear();
        net.clear();
        while (plain.hasRemaining()) {
            SSLEngineResult r = client.wrap(plain, net);
            if (r.getStatus() != SSLEngineResult.Status.OK || r.bytesConsumed() == 0) {
                throw new SSLException("wrap: " + r);
            }
        }
        net.flip();
        app.clear();
        while (net.hasRemaining()) {
            SSLEngineResult r = server.unwrap(net, app);
            if (r.getStatus() != SSLEngineResult.Status.OK || r.bytesConsumed() == 0) {
                throw new SSLException("unwrap: " + r);
            }
        }
        if (app.position() != RECORD) {
            throw new SSLException("unwrapped " + app.position() + " bytes, expected " + RECORD);
        }
        return app.position();
    }

    /** Score (ops/us) = MB/s of plaintext through client wrap + server unwrap. */
    @Benchmark
    @OperationsPerInvocation(RECORD)
    public int wrapUnwrap16k() throws SSLException {
        return wrapUnwrap();
    }
}
