package dev.saef.jsse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A DTLS server on the open Internet (issue 9, item 2): a stateless cookie exchange before any
 * per-peer state, oversized handshake fragments dropped before Bouncy Castle 1.84 sizes a buffer
 * from them, invalid records dropped silently (RFC 6347 section 4.1.2.7).
 */
@Timeout(60)
class DtlsServerHardeningTest {

    static final String KPSA = DtlsEngineTest.KPSA;

    private static DtlsMemoryPair pair() throws Exception {
        SSLContext server = DtlsEngineTest.dtls(Peers.serverTable(KPSA, "CAE01", Peers.KEY_HEX), c -> c);
        SSLContext client = DtlsEngineTest.dtls(Peers.clientTable(KPSA, "localhost:5684", Peers.KEY_HEX), c -> c);
        SSLEngine se = server.createSSLEngine("192.0.2.7", 40000);
        se.setUseClientMode(false);
        SSLEngine ce = client.createSSLEngine("localhost", 5684);
        ce.setUseClientMode(true);
        return new DtlsMemoryPair(ce, se);
    }

    private static int started(SSLEngine server) {
        return ((SaefDtlsEngine) server).context().dtls().handshakesStarted();
    }

    @Test
    void cookieExchangeComesBeforeAnyHandshakeState() throws Exception {
        DtlsMemoryPair p = pair();
        p.client.beginHandshake();
        DtlsMemoryPair.drain(p.client, p.toServer);
        byte[] clientHello = p.toServer.peek();
        // the same cookie-less ClientHello many times (as a flood from one spoofed address would)
        for (int i = 0; i < 50; i++) {
            SSLEngine s = pair().server;
            DtlsMemoryPair.feed(s, new ArrayDeque<>(java.util.List.of(clientHello)));
            ArrayDeque<byte[]> out = new ArrayDeque<>();
            DtlsMemoryPair.drain(s, out);
            assertEquals(1, out.size());
            byte[] hvr = out.peek();
            assertEquals(22, hvr[0]); // handshake record
            assertEquals(3, hvr[13]); // hello_verify_request (RFC 6347 section 4.2.1)
            assertTrue(hvr.length < clientHello.length, "no amplification: " + hvr.length + " >= " + clientHello.length);
            assertEquals(0, started(s), "no handshake (no thread, no Bouncy Castle state) before a valid cookie");
        }
        p.server.beginHandshake();
        DtlsMemoryPair.feed(p.server, p.toServer);
        assertEquals(0, started(p.server));
        p.runUntil(x -> x.client.getSession().isValid() && x.server.getSession().isValid()
                && x.client.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING
                && x.server.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING);
        assertEquals(1, started(p.server));
    }

    /** A handshake fragment that claims a message of 2^24-1 octets (a ClientKeyExchange), one octet long. */
    private static byte[] oversizedFragment(int messageSeq, long recordSeq) {
        byte[] d = new byte[13 + 12 + 1];
        d[0] = 22;
        d[1] = (byte) 0xfe;
        d[2] = (byte) 0xfd;
        for (int i = 0; i < 6; i++) {
            d[5 + i] = (byte) (recordSeq >>> (8 * (5 - i)));
        }
        d[12] = 13;
        d[13] = 16; // client_key_exchange
        d[14] = (byte) 0xff; // length 0xffffff
        d[15] = (byte) 0xff;
        d[16] = (byte) 0xff;
        d[17] = (byte) (messageSeq >>> 8);
        d[18] = (byte) messageSeq;
        d[24] = 1; // fragment_offset 0, fragment_length 1
        d[25] = 1;
        return d;
    }

    private static long handshakeThreadAllocations() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long[] ids = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("saef-dtls-handshake-")).mapToLong(Thread::getId).toArray();
        return Arrays.stream(mx.getThreadAllocatedBytes(ids)).filter(b -> b > 0).sum();
    }

    @Test
    void oversizedHandshakeFragmentsNeverReachBouncyCastle() throws Exception {
        DtlsMemoryPair p = pair();
        p.client.beginHandshake();
        p.server.beginHandshake();
        // ClientHello, HelloVerifyRequest, ClientHello with cookie: the server's handshake thread now waits
        // for the client's second flight (ClientKeyExchange is message_seq 2)
        DtlsMemoryPair.drain(p.client, p.toServer);
        DtlsMemoryPair.feed(p.server, p.toServer);
        DtlsMemoryPair.drain(p.server, p.toClient);
        DtlsMemoryPair.feed(p.client, p.toClient);
        DtlsMemoryPair.drain(p.client, p.toServer);
        DtlsMemoryPair.feed(p.server, p.toServer);
        assertEquals(1, started(p.server));
        long before = handshakeThreadAllocations();
        for (int i = 0; i < 16; i++) {
            SSLEngineResult r = p.server.unwrap(ByteBuffer.wrap(oversizedFragment(2 + i, 1000 + i)),
                    ByteBuffer.allocate(p.server.getSession().getApplicationBufferSize()));
            assertEquals(SSLEngineResult.Status.OK, r.getStatus());
            assertEquals(0, r.bytesProduced());
        }
        long allocated = handshakeThreadAllocations() - before;
        // 16 such fragments would make Bouncy Castle 1.84 allocate 16 x 16 MiB of reassembly buffers
        assertTrue(allocated < 4 << 20, "the handshake threads allocated " + allocated + " bytes");
        // and the real handshake goes on
        p.runUntil(x -> x.client.getSession().isValid() && x.server.getSession().isValid()
                && x.client.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING
                && x.server.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING);
        assertEquals("TLS_PSK_WITH_AES_128_CCM_8", p.server.getSession().getCipherSuite());
    }

    @Test
    void invalidRecordsAreDroppedSilently() throws Exception {
        DtlsMemoryPair p = pair();
        p.handshake();
        byte[] hello = "hello".getBytes(StandardCharsets.UTF_8);
        ByteBuffer net = ByteBuffer.allocate(p.client.getSession().getPacketBufferSize());
        p.client.wrap(ByteBuffer.wrap(hello), net);
        net.flip();
        byte[] record = new byte[net.remaining()];
        net.get(record);
        byte[] flipped = record.clone();
        flipped[flipped.length - 1] ^= 1; // fails authentication
        byte[] truncated = Arrays.copyOf(record, record.length - 3);
        byte[] garbage = new byte[40];
        new java.util.Random(7).nextBytes(garbage);
        for (byte[] bad : new byte[][] {flipped, truncated, garbage, new byte[0 + 1], Arrays.copyOf(record, 13)}) {
            ByteBuffer app = ByteBuffer.allocate(p.server.getSession().getApplicationBufferSize());
            SSLEngineResult r = p.server.unwrap(ByteBuffer.wrap(bad), app);
            assertEquals(SSLEngineResult.Status.OK, r.getStatus());
            assertEquals(bad.length, r.bytesConsumed());
            assertEquals(0, r.bytesProduced());
        }
        ByteBuffer app = ByteBuffer.allocate(p.server.getSession().getApplicationBufferSize());
        p.server.unwrap(ByteBuffer.wrap(record), app);
        app.flip();
        byte[] got = new byte[app.remaining()];
        app.get(got);
        assertArrayEquals(hello, got);
        assertTrue(p.server.getSession().isValid());
    }

    /**
     * RFC 6347 section 4.1.2.6: an established association keeps a replay window (Bouncy Castle's
     * DTLSReplayWindow, per epoch); a captured application-data datagram sent again is dropped, not
     * delivered twice, in both directions, while new records still are.
     */
    @Test
    void aReplayedApplicationDatagramIsDroppedNotDeliveredTwice() throws Exception {
        DtlsMemoryPair p = pair();
        p.handshake();
        for (SSLEngine[] dir : new SSLEngine[][] {{p.client, p.server}, {p.server, p.client}}) {
            SSLEngine from = dir[0];
            SSLEngine to = dir[1];
            byte[] captured = wrapData(from, "transfer 100".getBytes(StandardCharsets.UTF_8));
            assertArrayEquals("transfer 100".getBytes(StandardCharsets.UTF_8), unwrapData(to, captured));
            for (int i = 0; i < 3; i++) {
                assertArrayEquals(new byte[0], unwrapData(to, captured), "replay " + i + " was delivered again");
            }
            byte[] next = wrapData(from, "transfer 7".getBytes(StandardCharsets.UTF_8));
            assertArrayEquals("transfer 7".getBytes(StandardCharsets.UTF_8), unwrapData(to, next));
            assertArrayEquals(new byte[0], unwrapData(to, captured), "an older record replayed after a newer one");
            assertTrue(to.getSession().isValid());
        }
    }

    /**
     * The client's final flight arrives again after the handshake (its retransmission crossed the
     * server's Finished): the server queues its own final flight again (RFC 6347 section 4.2.4). The
     * application data it sends next must still reach the client: each record travels in a datagram
     * of its own (a Bouncy Castle 1.84 peer drops application data packed behind a retransmitted
     * Finished), and the pending records go first.
     */
    @Test
    void applicationDataAfterARetransmittedFinalFlightIsDelivered() throws Exception {
        DtlsMemoryPair p = pair();
        p.client.beginHandshake();
        p.server.beginHandshake();
        for (int flight = 0; flight < 3; flight++) { // ClientHello, HVR, ClientHello+cookie, server flight, ...
            DtlsMemoryPair.drain(p.client, p.toServer);
            DtlsMemoryPair.feed(p.server, p.toServer);
            if (flight < 2) {
                DtlsMemoryPair.drain(p.server, p.toClient);
                DtlsMemoryPair.feed(p.client, p.toClient);
            }
        }
        // the server completed; its final flight (ChangeCipherSpec, Finished) is lost for now
        ArrayDeque<byte[]> held = new ArrayDeque<>();
        DtlsMemoryPair.drain(p.server, held);
        assertTrue(!held.isEmpty());
        // the client's timer (RFC 6347 section 4.2.4, 1 s) sends its final flight again, with new sequence numbers
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (p.client.getHandshakeStatus() != HandshakeStatus.NEED_WRAP && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        ArrayDeque<byte[]> again = new ArrayDeque<>();
        DtlsMemoryPair.drain(p.client, again);
        assertTrue(again.size() >= 3, "the client retransmitted its final flight: " + again.size());
        DtlsMemoryPair.feed(p.client, held); // now the client completes
        assertTrue(p.client.getSession().isValid());
        DtlsMemoryPair.feed(p.server, again); // and the server, established, answers the retransmission
        assertEquals(HandshakeStatus.NEED_WRAP, p.server.getHandshakeStatus(), "the server retransmits its final flight");
        byte[] data = "after the retransmission".getBytes(StandardCharsets.UTF_8);
        ByteBuffer src = ByteBuffer.wrap(data);
        java.util.List<byte[]> datagrams = new java.util.ArrayList<>();
        for (int i = 0; i < 10 && (src.hasRemaining() || p.server.getHandshakeStatus() == HandshakeStatus.NEED_WRAP); i++) {
            ByteBuffer net = ByteBuffer.allocate(p.server.getSession().getPacketBufferSize());
            p.server.wrap(src, net); // JDK style: wrap until the data is consumed and nothing waits
            net.flip();
            byte[] d = new byte[net.remaining()];
            net.get(d);
            datagrams.add(d);
        }
        assertTrue(!src.hasRemaining());
        java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
        for (byte[] d : datagrams) {
            got.write(unwrapData(p.client, d));
        }
        assertArrayEquals(data, got.toByteArray());
    }

    private static byte[] wrapData(SSLEngine e, byte[] data) throws Exception {
        ByteBuffer net = ByteBuffer.allocate(e.getSession().getPacketBufferSize());
        SSLEngineResult r = e.wrap(ByteBuffer.wrap(data), net);
        assertEquals(data.length, r.bytesConsumed());
        net.flip();
        byte[] d = new byte[net.remaining()];
        net.get(d);
        return d;
    }

    private static byte[] unwrapData(SSLEngine e, byte[] datagram) throws Exception {
        ByteBuffer app = ByteBuffer.allocate(e.getSession().getApplicationBufferSize());
        SSLEngineResult r = e.unwrap(ByteBuffer.wrap(datagram), app);
        assertEquals(SSLEngineResult.Status.OK, r.getStatus());
        assertEquals(datagram.length, r.bytesConsumed());
        app.flip();
        byte[] got = new byte[app.remaining()];
        app.get(got);
        return got;
    }

    @Test
    void closeNotifyEndsBothSides() throws Exception {
        DtlsMemoryPair p = pair();
        p.handshake();
        p.client.closeOutbound();
        assertEquals(HandshakeStatus.NEED_WRAP, p.client.getHandshakeStatus());
        ByteBuffer net = ByteBuffer.allocate(p.client.getSession().getPacketBufferSize());
        SSLEngineResult r = p.client.wrap(ByteBuffer.allocate(0), net);
        assertEquals(SSLEngineResult.Status.CLOSED, r.getStatus());
        assertTrue(r.bytesProduced() > 0);
        assertTrue(p.client.isOutboundDone());
        net.flip();
        SSLEngineResult s = p.server.unwrap(net, ByteBuffer.allocate(p.server.getSession().getApplicationBufferSize()));
        assertEquals(SSLEngineResult.Status.CLOSED, s.getStatus());
        assertTrue(p.server.isInboundDone());
        assertEquals(HandshakeStatus.NEED_WRAP, p.server.getHandshakeStatus()); // its own close_notify
        ByteBuffer back = ByteBuffer.allocate(p.server.getSession().getPacketBufferSize());
        assertEquals(SSLEngineResult.Status.CLOSED, p.server.wrap(ByteBuffer.allocate(0), back).getStatus());
        assertTrue(p.server.isOutboundDone());
    }

    @Test
    void establishedAssociationsHoldNoThread() throws Exception {
        // handshake threads of other tests' contexts (e.g. a deliberately abandoned handshake waiting for
        // its timeout) are not this test's business: only threads started from here on are checked
        java.util.Set<Thread> before = new java.util.HashSet<>(Thread.getAllStackTraces().keySet());
        java.util.List<DtlsMemoryPair> pairs = new java.util.ArrayList<>();
        for (int i = 0; i < 40; i++) {
            DtlsMemoryPair p = pair();
            p.handshake();
            pairs.add(p);
        }
        // every handshake thread is back in its pool (or gone): none waits in Bouncy Castle for a peer.
        // A thread may still be returning from the handshake it just completed: allow it a moment
        // (up to 30 s: a heavily loaded machine schedules it late).
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        String inBouncyCastle;
        do {
            inBouncyCastle = null;
            for (java.util.Map.Entry<Thread, StackTraceElement[]> t : Thread.getAllStackTraces().entrySet()) {
                if (t.getKey().getName().startsWith("saef-dtls-handshake-") && !before.contains(t.getKey())) {
                    for (StackTraceElement f : t.getValue()) {
                        if (f.getClassName().startsWith("org.bouncycastle") && inBouncyCastle == null) {
                            inBouncyCastle = t.getKey().getName() + " is in " + f + "; stack: "
                                    + java.util.Arrays.toString(t.getValue());
                        }
                    }
                }
            }
            if (inBouncyCastle != null) {
                Thread.sleep(20);
            }
        } while (inBouncyCastle != null && System.nanoTime() < deadline);
        assertTrue(inBouncyCastle == null, inBouncyCastle);
        // and all 40 associations still carry data
        for (DtlsMemoryPair p : pairs) {
            ByteBuffer net = ByteBuffer.allocate(p.client.getSession().getPacketBufferSize());
            p.client.wrap(ByteBuffer.wrap(new byte[] {1, 2, 3}), net);
            net.flip();
            ByteBuffer app = ByteBuffer.allocate(p.server.getSession().getApplicationBufferSize());
            p.server.unwrap(net, app);
            assertEquals(3, app.position());
        }
    }
}
