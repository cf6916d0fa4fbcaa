package dev.saef.jsse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saef.config.DtlsLimits;
import dev.saef.protocol.DtlsHandshakes;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLHandshakeException;
import dev.saef.config.SaefConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 9, item 2 remains: the DTLS handshake limits of a context ({@code saef.dtls.handshakeTimeout},
 * {@code saef.dtls.handshakeThreads}, {@code saef.dtls.peerHandshakeMemory},
 * {@code saef.dtls.handshakeMemory}) hold against peers that pass the cookie exchange and then go
 * silent, or keep sending handshake fragments. Real engines and real handshakes; the memory is
 * measured with the handshake queues' own accounting.
 */
@Timeout(90)
class DtlsHandshakeLimitsTest {

    static final String KPSA = DtlsEngineTest.KPSA;

    private static DtlsHandshakes pool(SSLEngine e) {
        return ((SaefDtlsEngine) e).context().dtls();
    }

    /**
     * Drives a fresh client through the cookie exchange with {@code se} and hands the server its
     * ClientHello with a valid cookie, without running the server's delegated task: the server has
     * then started (or queued) its handshake, which waits for the client's next flight.
     */
    private static SSLEngine startHandshake(SSLContext clientCtx, SSLEngine se) throws Exception {
        SSLEngine ce = clientCtx.createSSLEngine("localhost", 5684);
        ce.setUseClientMode(true);
        ce.beginHandshake();
        ArrayDeque<byte[]> toServer = new ArrayDeque<>();
        ArrayDeque<byte[]> toClient = new ArrayDeque<>();
        DtlsMemoryPair.drain(ce, toServer); // ClientHello
        DtlsMemoryPair.feed(se, toServer);
        DtlsMemoryPair.drain(se, toClient); // HelloVerifyRequest (no handshake, no task yet)
        DtlsMemoryPair.feed(ce, toClient);
        DtlsMemoryPair.drain(ce, toServer); // ClientHello with the cookie
        for (byte[] d : toServer) {
            se.unwrap(ByteBuffer.wrap(d), ByteBuffer.allocate(se.getSession().getApplicationBufferSize()));
        }
        return ce;
    }

    private static SSLContext server(UnaryOperator<DtlsLimits> limits) throws Exception {
        return DtlsEngineTest.dtls(Peers.serverTable(KPSA, "CAE01", Peers.KEY_HEX),
                c -> c.toBuilder().dtlsLimits(limits.apply(c.dtlsLimits())).build());
    }

    private static SSLContext client() throws Exception {
        return DtlsEngineTest.dtls(Peers.clientTable(KPSA, "localhost:5684", Peers.KEY_HEX),
                c -> c.toBuilder().dtlsHandshakeTimeout(Duration.ofSeconds(2)).build());
    }

    private static SSLEngine serverEngine(SSLContext ctx) {
        SSLEngine se = ctx.createSSLEngine("192.0.2.7", 40000);
        se.setUseClientMode(false);
        return se;
    }

    /** Waits until no handshake of the pool runs; @return the milliseconds waited, or -1 after {@code maxMillis} */
    private static long awaitNoActiveHandshake(DtlsHandshakes pool, long maxMillis) throws InterruptedException {
        long t0 = System.nanoTime();
        while (pool.activeHandshakes() > 0) {
            if (System.nanoTime() - t0 > TimeUnit.MILLISECONDS.toNanos(maxMillis)) {
                return -1;
            }
            Thread.sleep(10);
        }
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    }

    @Test
    void anAbandonedHandshakeReleasesItsThreadAtTheDtlsHandshakeTimeout() throws Exception {
        SSLContext serverCtx = server(l -> l.withHandshakeTimeoutMillis(1000));
        SSLEngine se = serverEngine(serverCtx);
        SSLEngine ce = startHandshake(client(), se);
        ce.closeOutbound(); // the client goes silent (and its own handshake thread ends)
        DtlsHandshakes pool = pool(se);
        assertEquals(1, pool.handshakesStarted());
        long t0 = System.nanoTime();
        assertTrue(pool.activeHandshakes() == 1 || pool.handshakesStarted() == 1);
        long waited = awaitNoActiveHandshake(pool, 10_000);
        assertTrue(waited >= 0, "the abandoned handshake still holds a pool thread after 10 s; its timeout is 1 s");
        long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(elapsed < 6_000, "released after " + elapsed + " ms");
        // the engine reports the timeout, naming the property to change
        DtlsMemoryPair.runTasks(se);
        assertEquals(HandshakeStatus.NEED_WRAP, se.getHandshakeStatus());
        SSLHandshakeException x = assertThrows(SSLHandshakeException.class, () -> {
            for (int i = 0; i < 10; i++) {
                se.wrap(ByteBuffer.allocate(0), ByteBuffer.allocate(se.getSession().getPacketBufferSize()));
            }
        });
        assertTrue(x.getMessage().contains("timed out after 1000 ms (saef.dtls.handshakeTimeout)"), x.getMessage());
    }

    @Test
    void aFloodOfSilentHandshakesUsesAtMostTheConfiguredThreadsAndEndsAtTheTimeout() throws Exception {
        SSLContext serverCtx = server(l -> l.withHandshakeTimeoutMillis(1000).withHandshakeThreads(3));
        SSLContext clientCtx = client();
        List<SSLEngine> clients = new ArrayList<>();
        DtlsHandshakes pool = null;
        int maxActive = 0;
        for (int i = 0; i < 9; i++) {
            SSLEngine se = serverEngine(serverCtx);
            clients.add(startHandshake(clientCtx, se));
            pool = pool(se);
            maxActive = Math.max(maxActive, pool.activeHandshakes());
        }
        clients.forEach(SSLEngine::closeOutbound);
        assertEquals(9, pool.handshakesStarted());
        long t0 = System.nanoTime();
        while (pool.activeHandshakes() > 0 && System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(20)) {
            maxActive = Math.max(maxActive, pool.activeHandshakes());
            Thread.sleep(10);
        }
        assertTrue(maxActive <= 3, maxActive + " handshakes ran at once; saef.dtls.handshakeThreads is 3");
        assertEquals(3, pool.maxThreads());
        assertEquals(0, pool.activeHandshakes(), "9 silent handshakes in 3 threads end after about 3 timeouts of 1 s");
        assertEquals(0, pool.pendingBytes());
    }

    /** A handshake fragment that passes the datagram filter: 1000 octets of a 30000-octet ClientKeyExchange. */
    static byte[] fragment(int messageSeq, long recordSeq, int offset) {
        int len = 1000;
        int msgLength = 30_000;
        byte[] d = new byte[13 + 12 + len];
        d[0] = 22;
        d[1] = (byte) 0xfe;
        d[2] = (byte) 0xfd;
        for (int i = 0; i < 6; i++) {
            d[5 + i] = (byte) (recordSeq >>> (8 * (5 - i)));
        }
        d[11] = (byte) ((12 + len) >>> 8);
        d[12] = (byte) (12 + len);
        d[13] = 16; // client_key_exchange
        d[14] = (byte) (msgLength >>> 16);
        d[15] = (byte) (msgLength >>> 8);
        d[16] = (byte) msgLength;
        d[17] = (byte) (messageSeq >>> 8);
        d[18] = (byte) messageSeq;
        d[19] = (byte) (offset >>> 16);
        d[20] = (byte) (offset >>> 8);
        d[21] = (byte) offset;
        d[23] = (byte) (len >>> 8);
        d[24] = (byte) len;
        return d;
    }

    @Test
    void pendingHandshakeMemoryStaysWithinThePerPeerAndTheTotalBudget() throws Exception {
        long perPeer = 32 * 1024;
        long total = 64 * 1024;
        SSLContext serverCtx = server(l -> l.withHandshakeTimeoutMillis(5000).withHandshakeThreads(1)
                .withHandshakeMemory(perPeer, total));
        SSLContext clientCtx = client();
        List<SSLEngine> clients = new ArrayList<>();
        // the first handshake takes the only thread and waits for a client that never answers
        SSLEngine first = serverEngine(serverCtx);
        clients.add(startHandshake(clientCtx, first));
        DtlsHandshakes pool = pool(first);
        // four more pass the cookie exchange; their handshakes wait for the thread, and their peers send
        // fragments (200 each, 1025 octets a datagram: 200 KiB a peer, 800 KiB in all)
        List<SSLEngine> flooded = new ArrayList<>();
        for (int p = 0; p < 4; p++) {
            SSLEngine se = serverEngine(serverCtx);
            clients.add(startHandshake(clientCtx, se));
            flooded.add(se);
        }
        int sent = 0;
        for (int i = 0; i < 200; i++) {
            for (SSLEngine se : flooded) {
                SSLEngineResult r = se.unwrap(ByteBuffer.wrap(fragment(2, 10 + i, (i % 29) * 1000)),
                        ByteBuffer.allocate(se.getSession().getApplicationBufferSize()));
                assertEquals(SSLEngineResult.Status.OK, r.getStatus());
                assertEquals(0, r.bytesProduced());
                sent++;
            }
        }
        long pendingNow = pool.pendingBytes();
        long sum = 0;
        for (SSLEngine se : flooded) {
            SaefDtlsEngine e = (SaefDtlsEngine) se;
            assertTrue(e.peakPendingHandshakeBytes() <= perPeer, "one peer had " + e.peakPendingHandshakeBytes()
                    + " bytes waiting; the per-peer budget is " + perPeer);
            sum += e.pendingHandshakeBytes();
        }
        System.out.printf("handshake memory: %d datagrams of 1025 bytes sent to 4 waiting handshakes; %d bytes waiting"
                + " (peak %d, budget %d), %d datagrams dropped%n", sent, pendingNow, pool.peakPendingBytes(), total,
                pool.droppedDatagrams());
        assertTrue(pool.peakPendingBytes() <= total, "the context had " + pool.peakPendingBytes()
                + " bytes waiting; its budget is " + total);
        assertTrue(pendingNow > total - 2 * 1025, "the budget is used, not refused early: " + pendingNow);
        assertEquals(pendingNow, sum, "the context's accounting is the sum of its queues'");
        long accepted = pendingNow / 1025;
        assertEquals(sent - accepted, pool.droppedDatagrams(), "every datagram over a budget is counted");
        // when the handshakes end (timeout, or failure on the junk fragments), the budget is returned
        clients.forEach(SSLEngine::closeOutbound);
        first.closeOutbound();
        flooded.forEach(SSLEngine::closeOutbound);
        assertEquals(0, pool.pendingBytes());
        assertTrue(awaitNoActiveHandshake(pool, 20_000) >= 0, "closed engines end their handshakes");
    }
}
