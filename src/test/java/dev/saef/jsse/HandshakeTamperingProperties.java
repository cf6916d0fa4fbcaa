package dev.saef.jsse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Handshake fuzzing with an active attacker on the wire: a real client and server engine run a full
 * PSK / DHE_PSK / ECDHE_PSK handshake through a man in the middle that alters one byte of any flight
 * in either direction (ClientHello; ServerHello..ServerHelloDone; ClientKeyExchange, ChangeCipherSpec,
 * Finished; the server's ChangeCipherSpec, Finished) or cuts a flight short.
 *
 * <p>Whatever is altered, each engine must either stop with an {@link SSLException} that says why, or
 * wait for more bytes; no other exception, no loop. A handshake that completes on both sides despite
 * the change is allowed only when the byte lies outside what TLS authenticates - the record header's
 * version field - and then the two sides must share one session and carry data intact. Everything in
 * a handshake message is covered by the Finished MACs (RFC 5246 section 7.4.9), so altering it must
 * never yield a session.
 */
class HandshakeTamperingProperties {

    private static final int RECORD_HEADER = 5;

    @Provide
    Arbitrary<String> suites() {
        return Arbitraries.of("TLS_PSK_WITH_AES_128_CBC_SHA256", "TLS_PSK_WITH_AES_128_CCM_8",
                "TLS_DHE_PSK_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256");
    }

    @Property(tries = 300)
    void alteredFlightNeverYieldsASession(@ForAll("suites") String suite,
            @ForAll @IntRange(min = 0, max = 3) int flight, @ForAll @IntRange(min = 0, max = 2000) int position,
            @ForAll @IntRange(min = 1, max = 255) int xor) throws Exception {
        Wire wire = new Wire(flight, position, xor, -1);
        Outcome o = run(suite, wire);
        assertTrue(wire.applied, "every full handshake has four flights");
        if (o.clientDone && o.serverDone && o.clientFailure == null && o.serverFailure == null) {
            assertTrue(wire.hitRecordVersion, () -> "handshake completed although byte " + wire.appliedAt
                    + " of flight " + flight + " was altered (" + suite + ")");
            assertSameSessionAndData(o);
        } else {
            assertTrue(o.clientFailure != null || o.serverFailure != null || o.stalled,
                    "neither side completed, failed nor waited");
        }
    }

    @Property(tries = 100)
    void truncatedFlightNeverYieldsASession(@ForAll("suites") String suite,
            @ForAll @IntRange(min = 0, max = 3) int flight, @ForAll @IntRange(min = 1, max = 2000) int cut)
            throws Exception {
        Wire wire = new Wire(flight, 0, 0, cut);
        Outcome o = run(suite, wire);
        assertTrue(wire.applied);
        assertFalse(o.clientDone && o.serverDone && o.clientFailure == null && o.serverFailure == null,
                "a handshake completed over a truncated flight");
    }

    // ---------------------------------------------------------------------------------------------

    private static void assertSameSessionAndData(Outcome o) throws SSLException {
        assertEquals(o.client.getSession().getCipherSuite(), o.server.getSession().getCipherSuite());
        byte[] msg = "retrieve /id-in/cnt".getBytes(StandardCharsets.US_ASCII);
        assertArrayEquals(msg, EnginePair.transfer(o.client, o.server, msg));
        assertArrayEquals(msg, EnginePair.transfer(o.server, o.client, msg));
    }

    private static Outcome run(String suite, Wire wire) throws Exception {
        EnginePair p = EngineHandshakeTest.pair("/id-mn1");
        p.client.setEnabledCipherSuites(new String[] {suite});
        Outcome o = new Outcome(p.client, p.server);
        Side client = new Side(p.client);
        Side server = new Side(p.server);
        p.client.beginHandshake();
        p.server.beginHandshake();
        for (int step = 0; step < 100; step++) {
            boolean moved = client.step(server, wire) | server.step(client, wire);
            if ((client.done && server.done) || (client.failure != null && server.failure != null)) {
                break;
            }
            if (!moved) {
                o.stalled = true; // both wait for bytes that will never come (e.g. a cut flight)
                break;
            }
        }
        o.clientDone = client.done;
        o.serverDone = server.done;
        o.clientFailure = client.failure;
        o.serverFailure = server.failure;
        for (SSLException e : new SSLException[] {client.failure, server.failure}) {
            if (e != null) {
                assertNotNull(e.getMessage());
                assertFalse(e.getMessage().isBlank(), "an SSLException without a message");
            }
        }
        // The server completes when it sends its Finished; if the client then rejects that flight,
        // the server learns it from the client's alert - a failure after completion, as in real TLS.
        assertTrue(client.failure == null || !client.done, "client failed after completing");
        return o;
    }

    private static final class Outcome {
        final SSLEngine client;
        final SSLEngine server;
        boolean clientDone;
        boolean serverDone;
        boolean stalled;
        SSLException clientFailure;
        SSLException serverFailure;

        Outcome(SSLEngine client, SSLEngine server) {
            this.client = client;
            this.server = server;
        }
    }

    /** The attacker: counts flights (each sender's uninterrupted run of wraps) and alters one. */
    private static final class Wire {
        final int targetFlight;
        final int position;
        final int xor;
        final int cut;
        int flight = -1;
        Side lastSender;
        boolean applied;
        boolean hitRecordVersion;
        int appliedAt = -1;
        private byte[] pending = new byte[0];
        private Side pendingFrom;

        Wire(int targetFlight, int position, int xor, int cut) {
            this.targetFlight = targetFlight;
            this.position = position;
            this.xor = xor;
            this.cut = cut;
        }

        /** Collects what {@code from} wrapped; a new sender starts a new flight. */
        void send(Side from, byte[] bytes) {
            if (from != lastSender) {
                flush();
                flight++;
                lastSender = from;
            }
            pending = concat(pending, bytes);
            pendingFrom = from;
        }

        /** Delivers the collected flight to the peer, altered if it is the target flight. */
        void flush() {
            if (pendingFrom == null || pending.length == 0) {
                return;
            }
            byte[] out = pending;
            if (flight == targetFlight && !applied) {
                applied = true;
                if (cut > 0) {
                    out = Arrays.copyOf(out, Math.max(0, out.length - 1 - (cut % out.length)));
                } else {
                    appliedAt = position % out.length;
                    hitRecordVersion = isRecordVersionByte(out, appliedAt);
                    out[appliedAt] ^= (byte) xor;
                }
            }
            pendingFrom.peer.inbound = concat(pendingFrom.peer.inbound, out);
            pending = new byte[0];
            pendingFrom = null;
        }

        private static boolean isRecordVersionByte(byte[] records, int at) {
            int p = 0;
            while (p + RECORD_HEADER <= records.length) {
                if (at == p + 1 || at == p + 2) {
                    return true;
                }
                int len = ((records[p + 3] & 0xff) << 8) | (records[p + 4] & 0xff);
                p += RECORD_HEADER + len;
            }
            return false;
        }
    }

    /** One engine and the bytes that reached it. */
    private static final class Side {
        final SSLEngine engine;
        Side peer;
        byte[] inbound = new byte[0];
        boolean done;
        SSLException failure;

        Side(SSLEngine engine) {
            this.engine = engine;
        }

        /** Lets the engine do what its handshake status asks; returns whether anything moved. */
        boolean step(Side other, Wire wire) throws Exception {
            peer = other;
            if (done && inbound.length == 0) {
                return false;
            }
            HandshakeStatus hs = engine.getHandshakeStatus();
            try {
                switch (hs) {
                    case NEED_TASK: {
                        Runnable t;
                        while ((t = engine.getDelegatedTask()) != null) {
                            t.run();
                        }
                        return true;
                    }
                    case NEED_WRAP: {
                        ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
                        SSLEngineResult r = engine.wrap(ByteBuffer.allocate(0), out);
                        done |= r.getHandshakeStatus() == HandshakeStatus.FINISHED;
                        out.flip();
                        byte[] bytes = new byte[out.remaining()];
                        out.get(bytes);
                        wire.send(this, bytes);
                        return bytes.length > 0 || r.getStatus() == SSLEngineResult.Status.CLOSED;
                    }
                    case NEED_UNWRAP:
                    case NEED_UNWRAP_AGAIN:
                    case NOT_HANDSHAKING:
                    default: {
                        wire.flush();
                        if (inbound.length == 0 || engine.isInboundDone()) {
                            return false;
                        }
                        ByteBuffer in = ByteBuffer.wrap(inbound);
                        ByteBuffer app = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize());
                        SSLEngineResult r = engine.unwrap(in, app);
                        done |= r.getHandshakeStatus() == HandshakeStatus.FINISHED;
                        assertEquals(0, app.position(), "application data during the handshake");
                        int consumed = r.bytesConsumed();
                        inbound = Arrays.copyOfRange(inbound, consumed, inbound.length);
                        return consumed > 0 || r.getHandshakeStatus() != HandshakeStatus.NEED_UNWRAP;
                    }
                }
            } catch (SSLException e) {
                if (failure == null) {
                    failure = e;
                }
                // after a failure the engine may still want to send its alert; let it, then stop
                int alertBytes = drainAlert(wire);
                String m = String.valueOf(e.getMessage());
                if (m.contains("no alert sent")) {
                    assertEquals(0, alertBytes, "claims no alert but sent one: " + m);
                } else if (m.contains("sent alert")) {
                    assertTrue(alertBytes > 0, "claims an alert it never sent: " + m);
                }
                return false;
            }
        }

        /** @return how many bytes the failed engine still sent (its alert, if any) */
        private int drainAlert(Wire wire) {
            int sent = 0;
            try {
                for (int i = 0; i < 3 && engine.getHandshakeStatus() == HandshakeStatus.NEED_WRAP; i++) {
                    ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
                    engine.wrap(ByteBuffer.allocate(0), out);
                    out.flip();
                    byte[] bytes = new byte[out.remaining()];
                    out.get(bytes);
                    sent += bytes.length;
                    wire.send(this, bytes);
                }
                wire.flush();
            } catch (SSLException ignored) {
                // the alert is best effort
            }
            inbound = new byte[0];
            return sent;
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
