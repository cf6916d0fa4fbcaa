package dev.saef.bench;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
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
 * The server's cost of refusing a client, unknown KpsaID versus wrong Kpsa: what a client probing
 * for provisioned KpsaIDs can time ({@code saef.unknownIdentity}, RFC 4279 section 5). One
 * operation = a fresh SAEF server {@link SSLEngine} receives a recorded ClientHello, answers with
 * its first flight, receives the recorded ClientKeyExchange/ChangeCipherSpec/Finished and answers
 * with its fatal alert. Only the server's work is on the benchmark thread: the two client flights
 * are recorded once per trial from a real SAEF client (an attacker replays them the same way; the
 * recorded Finished can never verify, exactly as with a wrong key, and for DHE_PSK the server still
 * computes its Diffie-Hellman secret from the recorded public value).
 *
 * <p>With {@code hide} (the default) both probes should cost the same; {@code reveal} shows the
 * difference the old behaviour leaked (an unknown KpsaID is refused before any key derivation or
 * Diffie-Hellman computation). The trial set-up checks that each probe ends in the expected alert.
 *
 * <p>On a busy machine separate JMH trials drift with the load; {@link #main} measures the two
 * probes interleaved instead (pairs in alternating order, same JVM, same moment) and prints
 * quartiles: {@code java -cp <test classpath> dev.saef.bench.UnknownIdentityBenchmark <suite> <pairs>
 * [hide|reveal]}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class UnknownIdentityBenchmark {

    static final String STRANGER = "stranger@evil.example.org";
    static final String OTHER_KEY_HEX = "ffeeddccbbaa99887766554433221100";

    @Param({"TLS_PSK_WITH_AES_128_CBC_SHA256", "TLS_DHE_PSK_WITH_AES_128_GCM_SHA256"})
    public String suite;

    @Param({"WRONG_KEY", "UNKNOWN_IDENTITY"})
    public String probe;

    @Param({"hide", "reveal"})
    public String unknownIdentity;

    private SSLContext server;
    private byte[] clientHello;
    private byte[] clientSecondFlight;
    private final ByteBuffer net = ByteBuffer.allocate(1 << 17);
    private final ByteBuffer app = ByteBuffer.allocate(1 << 16);
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        boolean hide = switch (unknownIdentity) {
            case "hide" -> true;
            case "reveal" -> false;
            default -> throw new IllegalArgumentException(unknownIdentity);
        };
        server = BenchSupport.saefContext(BenchSupport.KPSA + " peer=CAE01 key=hex:" + BenchSupport.KEY_HEX + "\n",
                c -> c.withHideUnknownIdentities(hide));
        boolean unknown = switch (probe) {
            case "WRONG_KEY" -> false;
            case "UNKNOWN_IDENTITY" -> true;
            default -> throw new IllegalArgumentException(probe);
        };
        SSLContext client = BenchSupport.saefContext((unknown ? STRANGER : BenchSupport.KPSA) + " peer=/id-in address="
                + BenchSupport.ENGINE_PEER_HOST + ":" + BenchSupport.ENGINE_PEER_PORT + " key=hex:"
                + (unknown ? BenchSupport.KEY_HEX : OTHER_KEY_HEX) + "\n");
        SSLEngine c = client.createSSLEngine(BenchSupport.ENGINE_PEER_HOST, BenchSupport.ENGINE_PEER_PORT);
        c.setUseClientMode(true);
        c.setEnabledCipherSuites(new String[] {suite});
        SSLEngine s = serverEngine();
        c.beginHandshake();
        clientHello = exchange(c, new byte[0]);
        byte[] serverFlight = exchange(s, clientHello);
        clientSecondFlight = exchange(c, serverFlight);
        // Sanity: the replayed flights end in the alert this configuration promises, on every run.
        int expected = unknown && !hide ? 115 : 20; // unknown_psk_identity, else bad_record_mac
        for (int i = 0; i < 3; i++) {
            byte[] answer = serverRejects();
            int alert = answer.length >= 7 && answer[answer.length - 7] == 21 ? answer[answer.length - 1] & 0xFF : -1;
            if (alert != expected) {
                throw new IllegalStateException(suite + " " + probe + " " + unknownIdentity + ": the server's last"
                        + " record is not the fatal alert " + expected + " (got " + alert + ")");
            }
        }
    }

    private SSLEngine serverEngine() {
        SSLEngine s = server.createSSLEngine();
        s.setUseClientMode(false);
        s.setEnabledCipherSuites(new String[] {suite});
        return s;
    }

    /** One refusal, server side only; returns everything the server sent after the client's second flight. */
    @Benchmark
    public byte[] serverRejects() throws SSLException {
        SSLEngine s = serverEngine();
        exchange(s, clientHello);
        return exchange(s, clientSecondFlight);
    }

    /** Paired, interleaved timing of both probes (see the class comment); prints quartiles in microseconds. */
    public static void main(String[] args) throws Exception {
        String suite = args.length > 0 ? args[0] : "TLS_PSK_WITH_AES_128_CBC_SHA256";
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
        String mode = args.length > 2 ? args[2] : "hide";
        UnknownIdentityBenchmark wrong = new UnknownIdentityBenchmark();
        UnknownIdentityBenchmark unknown = new UnknownIdentityBenchmark();
        for (UnknownIdentityBenchmark b : new UnknownIdentityBenchmark[] {wrong, unknown}) {
            b.suite = suite;
            b.unknownIdentity = mode;
            b.probe = b == wrong ? "WRONG_KEY" : "UNKNOWN_IDENTITY";
            b.setUp();
        }
        for (int i = 0; i < n; i++) { // warm-up
            wrong.serverRejects();
            unknown.serverRejects();
        }
        long[] tw = new long[n];
        long[] tu = new long[n];
        for (int i = 0; i < n; i++) {
            UnknownIdentityBenchmark first = (i & 1) == 0 ? wrong : unknown;
            UnknownIdentityBenchmark second = first == wrong ? unknown : wrong;
            long t0 = System.nanoTime();
            first.serverRejects();
            long t1 = System.nanoTime();
            second.serverRejects();
            long t2 = System.nanoTime();
            (first == wrong ? tw : tu)[i] = t1 - t0;
            (first == wrong ? tu : tw)[i] = t2 - t1;
        }
        java.util.Arrays.sort(tw);
        java.util.Arrays.sort(tu);
        System.out.printf("%s %s, %d pairs: wrong key p25/median/p75 %.1f/%.1f/%.1f us; unknown KpsaID %.1f/%.1f/%.1f us%n",
                suite, mode, n, tw[n / 4] / 1e3, tw[n / 2] / 1e3, tw[3 * n / 4] / 1e3, tu[n / 4] / 1e3, tu[n / 2] / 1e3,
                tu[3 * n / 4] / 1e3);
    }

    /**
     * Feeds {@code input} to the engine, running tasks, and collects what it wraps until it waits
     * for more input or is done. A handshake failure is expected (the alert is then wrapped).
     */
    private byte[] exchange(SSLEngine e, byte[] input) throws SSLException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer in = ByteBuffer.wrap(input);
        for (int guard = 0; guard < 100; guard++) {
            HandshakeStatus hs = e.getHandshakeStatus();
            if (hs == HandshakeStatus.NEED_TASK) {
                Runnable t;
                while ((t = e.getDelegatedTask()) != null) {
                    t.run();
                }
            } else if (hs == HandshakeStatus.NEED_WRAP) {
                net.clear();
                try {
                    e.wrap(EMPTY, net);
                } catch (SSLException x) {
                    // the failure is reported again by wrap; its alert was already produced
                }
                out.write(net.array(), 0, net.position());
                if (e.isOutboundDone() && net.position() == 0) {
                    break;
                }
            } else if (in.hasRemaining() && !e.isInboundDone()) {
                app.clear();
                try {
                    e.unwrap(in, app);
                } catch (SSLException x) {
                    // expected: the client's Finished cannot verify (or the identity is refused)
                }
            } else {
                break;
            }
        }
        return out.toByteArray();
    }
}
