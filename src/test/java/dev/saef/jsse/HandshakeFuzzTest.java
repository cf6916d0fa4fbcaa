package dev.saef.jsse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.saef.fuzz.FuzzInput;
import dev.saef.fuzz.KnownFindings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLEngineResult.Status;
import javax.net.ssl.SSLException;

/**
 * Coverage-guided fuzzing (Jazzer) of the handshake as a malicious peer plays it, both roles: a
 * fresh SAEF {@link SSLEngine} (server: the attacker is the client sending ClientHello,
 * ClientKeyExchange, ChangeCipherSpec, Finished; client: the attacker is the server sending
 * ServerHello, ServerKeyExchange, ServerHelloDone, ...) receives records built from the fuzz input.
 * The seeds are real transcripts of SAEF handshakes (plain PSK, DHE_PSK, ECDHE_PSK), written by
 * {@link #main}, so the fuzzer starts from well-formed flights and mutates fields from there.
 *
 * <p>Oracle: SAEF throws nothing but {@link SSLException} (with a message), never hangs, never
 * completes a handshake (the attacker has no Kpsa, so it cannot produce a valid Finished), and when
 * it fails it sends a fatal alert that is not {@code internal_error} (RFC 5246 section 7.2.2), unless
 * it failed because the attacker sent a fatal alert itself, or it is a server that has not answered
 * anything yet (SAEF sends nothing before a valid ClientHello).
 *
 * <p>Input ({@link FuzzInput}): flags (bit 0: SAEF is the client; bits 1-2: suites SAEF enables:
 * default, DHE_PSK, ECDHE_PSK, plain PSK), then operations: {@code 0 RAW n bytes}, {@code 1 HANDSHAKE
 * msg_type n body} (framed into handshake records), {@code 2 RECORD type version n fragment},
 * {@code 3 FRAGMENT size} (record size for HANDSHAKE; 0: one record).
 */
class HandshakeFuzzTest {

    static final String[][] SUITES = {null, {"TLS_DHE_PSK_WITH_AES_128_CBC_SHA256"},
        {"TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256"}, {"TLS_PSK_WITH_AES_128_CBC_SHA256"}};

    private static final SSLContext SERVER = context(Peers.serverTable(BcAttacker.KPSA, "/id-mn1", Peers.KEY_HEX));
    private static final SSLContext CLIENT = context(Peers.clientTable(BcAttacker.KPSA, "mn1.example.net:443",
            Peers.KEY_HEX));

    private static SSLContext context(String table) {
        try {
            return Peers.context(table, c -> c.withEcdhePskEnabled(true));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static SSLEngine engine(boolean client, int variant) {
        SSLEngine e;
        if (client) {
            e = CLIENT.createSSLEngine("mn1.example.net", 443);
            e.setUseClientMode(true);
        } else {
            e = SERVER.createSSLEngine();
            e.setUseClientMode(false);
        }
        if (SUITES[variant] != null) {
            e.setEnabledCipherSuites(SUITES[variant]);
        }
        return e;
    }

    @FuzzTest(maxDuration = "10m")
    void handshake(byte[] data) throws Exception {
        FuzzInput in = new FuzzInput(data);
        int flags = in.u8();
        new Run(engine((flags & 1) != 0, (flags >> 1) & 3)).run(in);
    }

    static final class Run {
        final SSLEngine saef;
        ByteBuffer inbound = ByteBuffer.allocate(1 << 16);
        final ByteBuffer app;
        final ByteBuffer net;
        int fragment;
        boolean attackerSentAlert;
        final ByteArrayOutputStream sent = new ByteArrayOutputStream();

        Run(SSLEngine saef) {
            this.saef = saef;
            this.app = ByteBuffer.allocate(saef.getSession().getApplicationBufferSize());
            this.net = ByteBuffer.allocate(saef.getSession().getPacketBufferSize());
        }

        void run(FuzzInput in) throws Exception {
            try {
                saef.beginHandshake();
                drive(); // a client sends its ClientHello
                for (int ops = 0; ops < 32 && in.hasMore(); ops++) {
                    switch (in.u8() % 4) {
                        case 0 -> receive(in.lengthPrefixed(4096));
                        case 1 -> {
                            int type = in.u8();
                            byte[] body = in.lengthPrefixed(8192);
                            byte[] msg = new byte[4 + body.length];
                            msg[0] = (byte) type;
                            msg[1] = (byte) (body.length >> 16);
                            msg[2] = (byte) (body.length >> 8);
                            msg[3] = (byte) body.length;
                            System.arraycopy(body, 0, msg, 4, body.length);
                            int size = fragment == 0 ? Math.max(1, msg.length) : fragment;
                            for (int off = 0; off < msg.length; off += size) {
                                receive(record(22, 0x0303, msg, off, Math.min(size, msg.length - off)));
                            }
                        }
                        case 2 -> {
                            int type = in.u8();
                            int version = in.u16();
                            byte[] frag = in.lengthPrefixed(4096);
                            attackerSentAlert |= type == 21;
                            receive(record(type, version, frag, 0, frag.length));
                        }
                        default -> fragment = in.u16() % 16385;
                    }
                }
            } catch (SSLException e) {
                failed(e);
                return;
            }
            assertEquals("SSL_NULL_WITH_NULL_NULL", saef.getSession().getCipherSuite(),
                    "a handshake completed with an attacker who has no Kpsa");
        }

        private void receive(byte[] bytes) throws Exception {
            if (inbound.remaining() < bytes.length) {
                ByteBuffer bigger = ByteBuffer.allocate(inbound.capacity() + bytes.length + (1 << 16));
                inbound.flip();
                bigger.put(inbound);
                inbound = bigger;
            }
            inbound.put(bytes);
            drive();
        }

        /** Lets SAEF consume its input and send what it wants; everything it sends is kept in {@link #sent}. */
        private void drive() throws Exception {
            for (int guard = 0; guard < 1000; guard++) {
                HandshakeStatus hs = saef.getHandshakeStatus();
                if (hs == HandshakeStatus.NEED_TASK) {
                    Runnable t;
                    while ((t = saef.getDelegatedTask()) != null) {
                        t.run();
                    }
                } else if (hs == HandshakeStatus.NEED_WRAP) {
                    net.clear();
                    SSLEngineResult r = saef.wrap(ByteBuffer.allocate(0), net);
                    sent.write(net.array(), 0, net.position());
                    check(r);
                    if (r.getStatus() == Status.CLOSED) {
                        return;
                    }
                } else if (hs == HandshakeStatus.NEED_UNWRAP || hs == HandshakeStatus.NEED_UNWRAP_AGAIN) {
                    inbound.flip();
                    SSLEngineResult r;
                    try {
                        r = saef.unwrap(inbound, app);
                    } finally {
                        inbound.compact();
                    }
                    check(r);
                    if (r.getStatus() != Status.OK || inbound.position() == 0) {
                        if (saef.getHandshakeStatus() != HandshakeStatus.NEED_WRAP
                                && saef.getHandshakeStatus() != HandshakeStatus.NEED_TASK) {
                            return;
                        }
                    }
                } else {
                    return;
                }
            }
            fail("SAEF's engine makes no progress (1000 steps)");
        }

        private void check(SSLEngineResult r) {
            if (r.getHandshakeStatus() == HandshakeStatus.FINISHED) {
                fail("SAEF finished a handshake with an attacker who has no Kpsa");
            }
        }

        /** SAEF failed: clean, with a message, closed inbound, and a fatal alert that is not internal_error. */
        private void failed(SSLException e) throws Exception {
            if (Boolean.getBoolean("saef.fuzz.verbose")) {
                System.err.println("SAEF " + (saef.getUseClientMode() ? "client" : "server") + " failed: " + e.getMessage());
            }
            assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), "SSLException without a message");
            assertTrue(saef.isInboundDone(), "inbound not done after " + e);
            for (int guard = 0; guard < 10; guard++) {
                net.clear();
                SSLEngineResult r;
                try {
                    r = saef.wrap(ByteBuffer.allocate(0), net);
                } catch (SSLException again) {
                    break;
                }
                sent.write(net.array(), 0, net.position());
                if (r.bytesProduced() == 0) {
                    break;
                }
            }
            assertEquals("SSL_NULL_WITH_NULL_NULL", saef.getSession().getCipherSuite());
            List<int[]> alerts = alerts(sent.toByteArray());
            if (alerts.isEmpty()) {
                // A server that has not answered anything yet (no valid ClientHello) stays silent by design.
                boolean silentServer = !saef.getUseClientMode() && sent.size() == 0;
                // An alert record can also hide in the raw bytes of operation 0: a failure caused by the
                // peer's own alert (fatal, or close_notify during the handshake) needs no alert back.
                boolean peerAlert = e.getCause() instanceof org.bouncycastle.tls.TlsFatalAlertReceived;
                if (!attackerSentAlert && !peerAlert && !silentServer) {
                    KnownFindings.raise(new AssertionError("SAEF failed without sending an alert: " + e, e));
                }
                return;
            }
            int[] last = alerts.get(alerts.size() - 1);
            if (last[1] == 80) {
                KnownFindings.raise(new AssertionError("SAEF answered a malformed handshake with internal_error (RFC 5246"
                        + " 7.2.2: for our own faults only): " + e, e));
            }
        }
    }

    static byte[] record(int type, int version, byte[] b, int off, int len) {
        byte[] r = new byte[5 + len];
        r[0] = (byte) type;
        r[1] = (byte) (version >> 8);
        r[2] = (byte) version;
        r[3] = (byte) (len >> 8);
        r[4] = (byte) len;
        System.arraycopy(b, off, r, 5, len);
        return r;
    }

    /** The alert records in a byte stream: {@code [level, description]}, or {@code [-1, -1]} when encrypted. */
    static List<int[]> alerts(byte[] stream) {
        List<int[]> out = new ArrayList<>();
        for (int p = 0; p + 5 <= stream.length;) {
            int len = (stream[p + 3] & 0xFF) << 8 | stream[p + 4] & 0xFF;
            if (stream[p] == 21) {
                out.add(len == 2 && p + 7 <= stream.length ? new int[] {stream[p + 5], stream[p + 6] & 0xFF}
                        : new int[] {-1, -1});
            }
            p += 5 + len;
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------------
    // Seeds: real transcripts

    /**
     * Writes the seed corpus: for each suite variant and role, the records a genuine peer sent in a
     * real SAEF-to-SAEF handshake, as RECORD operations. Run from the project root:
     * {@code java -cp target/test-classes:target/classes:... dev.saef.jsse.HandshakeFuzzTest}.
     */
    public static void main(String[] args) throws Exception {
        Path dir = Paths.get(args.length > 0 ? args[0] : "src/test/resources/dev/saef/jsse/HandshakeFuzzTestInputs/handshake");
        Files.createDirectories(dir);
        String[] names = {"default", "dhe", "ecdhe", "psk"};
        for (int variant = 0; variant < 4; variant++) {
            byte[][] transcript = transcript(variant);
            // transcript[0]: client -> server; transcript[1]: server -> client
            Files.write(dir.resolve("seed-server-" + names[variant]), ops(variant << 1, transcript[0]));
            Files.write(dir.resolve("seed-client-" + names[variant]), ops(variant << 1 | 1, transcript[1]));
        }
    }

    private static byte[] ops(int flags, byte[] stream) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(flags);
        for (int p = 0; p + 5 <= stream.length;) {
            int len = (stream[p + 3] & 0xFF) << 8 | stream[p + 4] & 0xFF;
            out.write(2);
            out.write(stream, p, 3); // type, version
            out.write(len >> 8);
            out.write(len);
            out.write(stream, p + 5, len);
            p += 5 + len;
        }
        return out.toByteArray();
    }

    /** Runs a real handshake (and one application record each way); returns both directions' bytes. */
    static byte[][] transcript(int variant) throws Exception {
        SSLEngine c = engine(true, variant);
        SSLEngine s = engine(false, variant);
        ByteArrayOutputStream cs = new ByteArrayOutputStream();
        ByteArrayOutputStream sc = new ByteArrayOutputStream();
        ByteBuffer toS = ByteBuffer.allocate(1 << 16);
        ByteBuffer toC = ByteBuffer.allocate(1 << 16);
        ByteBuffer sink = ByteBuffer.allocate(1 << 16);
        ByteBuffer net = ByteBuffer.allocate(1 << 16);
        c.beginHandshake();
        s.beginHandshake();
        for (int i = 0; i < 100 && (c.getHandshakeStatus() != HandshakeStatus.NOT_HANDSHAKING
                || s.getHandshakeStatus() != HandshakeStatus.NOT_HANDSHAKING); i++) {
            step(c, toC, toS, cs, sink, net);
            step(s, toS, toC, sc, sink, net);
        }
        return new byte[][] {cs.toByteArray(), sc.toByteArray()};
    }

    private static void step(SSLEngine e, ByteBuffer in, ByteBuffer out, ByteArrayOutputStream log, ByteBuffer sink,
            ByteBuffer net) throws SSLException {
        HandshakeStatus hs = e.getHandshakeStatus();
        if (hs == HandshakeStatus.NEED_TASK) {
            Runnable t;
            while ((t = e.getDelegatedTask()) != null) {
                t.run();
            }
        } else if (hs == HandshakeStatus.NEED_WRAP) {
            net.clear();
            e.wrap(ByteBuffer.allocate(0), net);
            log.write(net.array(), 0, net.position());
            net.flip();
            out.put(net);
        } else if (hs == HandshakeStatus.NEED_UNWRAP) {
            in.flip();
            sink.clear();
            e.unwrap(in, sink);
            in.compact();
        }
    }
}
