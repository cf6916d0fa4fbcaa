package dev.saef.jsse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A client that restarts its handshake from the address of an established peer (RFC 6347 section
 * 4.2.8: a device that rebooted and kept its port), over real UDP with real handshakes: it gets a new
 * session at once (long before the idle timeout) and the old one is gone; a ClientHello from that
 * address without a valid cookie (a sender who spoofs the address but cannot receive there) is only
 * answered statelessly and the established session keeps working; a new handshake that never
 * completes leaves the old session as it was. Each with and without RFC 9146 connection IDs (the old
 * peer is found by its ID, the restart, like every ClientHello, by its address).
 */
@Timeout(60)
class DtlsServerRestartTest {

    static final String KPSA = DtlsEndpointsTest.KPSA;
    /** Far longer than any test here: a restart must not wait for the old peer to idle out. */
    static final Duration IDLE = Duration.ofSeconds(120);

    /** Echoes, and records which peers connected and why peers closed. */
    static final class Echo implements DtlsServer.Handler {
        final List<Integer> connectedPeers = new CopyOnWriteArrayList<>();
        final List<String> closedPeers = new CopyOnWriteArrayList<>();

        @Override
        public void onConnected(DtlsServer.Peer peer) {
            connectedPeers.add(peer.number());
        }

        @Override
        public void onMessage(DtlsServer.Peer peer, byte[] data) throws java.io.IOException {
            peer.send(("echo:" + new String(data, StandardCharsets.UTF_8) + " from " + peer.principal().getName())
                    .getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public void onClosed(DtlsServer.Peer peer, String reason) {
            closedPeers.add("#" + peer.number() + " " + reason);
        }
    }

    static DatagramSocket socket(int port) throws Exception {
        DatagramSocket s = new DatagramSocket(port, InetAddress.getLoopbackAddress());
        s.setSoTimeout(300);
        return s;
    }

    static SSLEngine clientEngine(SSLContext ctx, int port) {
        SSLEngine e = ctx.createSSLEngine("localhost", port);
        e.setUseClientMode(true);
        return e;
    }

    /** A request echoed through {@code d} (resent until the echo comes, as UDP may lose either). */
    static void assertEchoes(DtlsDriver d, String text) throws Exception {
        String want = "echo:" + text + " from CAE01";
        for (int attempt = 0; attempt < 20; attempt++) {
            d.send(text.getBytes(StandardCharsets.UTF_8));
            try {
                while (true) {
                    if (want.equals(new String(d.receive(), StandardCharsets.UTF_8))) {
                        return;
                    }
                }
            } catch (SocketTimeoutException e) {
                // send again
            }
        }
        throw new AssertionError("no echo of " + text);
    }

    /** Runs {@code d}'s handshake, failing after {@code seconds} (the socket is closed to stop it). */
    static void handshakeWithin(DtlsDriver d, DatagramSocket s, int seconds, String what) throws Exception {
        CompletableFuture<Void> f = CompletableFuture.runAsync(() -> {
            try {
                d.handshake();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        try {
            f.get(seconds, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            s.close();
            throw new AssertionError(what + ": no handshake within " + seconds + " s");
        }
    }

    /**
     * Starts a client handshake over {@code s} and abandons it once the server's ServerHello came: the
     * ClientHello, the server's HelloVerifyRequest, the ClientHello with the cookie, the ServerHello.
     *
     * @throws AssertionError when the server does not answer one of those steps within 3 s
     */
    static void startAndAbandon(SSLEngine e, DatagramSocket s, InetSocketAddress to) throws Exception {
        e.beginHandshake();
        sendAll(e, s, to);
        byte[] hvr = receiveHandshake(s, 3, "HelloVerifyRequest");
        e.unwrap(ByteBuffer.wrap(hvr), ByteBuffer.allocate(e.getSession().getApplicationBufferSize()));
        sendAll(e, s, to);
        receiveHandshake(s, 2, "ServerHello");
        e.closeOutbound();
    }

    private static void sendAll(SSLEngine e, DatagramSocket s, InetSocketAddress to) throws Exception {
        ArrayDeque<byte[]> out = new ArrayDeque<>();
        DtlsMemoryPair.drain(e, out);
        assertFalse(out.isEmpty(), "the client engine sent nothing");
        for (byte[] d : out) {
            s.send(new DatagramPacket(d, d.length, to));
        }
    }

    /** @return the next epoch-0 datagram holding the handshake message {@code type}, within 3 s */
    private static byte[] receiveHandshake(DatagramSocket s, int type, String name) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (System.nanoTime() < deadline) {
            byte[] buf = new byte[2048];
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                s.receive(p);
            } catch (SocketTimeoutException again) {
                continue;
            }
            if (p.getLength() > 13 && buf[0] == 22 && buf[3] == 0 && buf[4] == 0 && buf[13] == type) {
                return java.util.Arrays.copyOf(buf, p.getLength());
            }
        }
        throw new AssertionError("the server did not answer with a " + name + " within 3 s");
    }

    static SSLContext serverContext(int cidLength) throws Exception {
        return cidLength == 0 ? DtlsEndpointsTest.serverContext() : DtlsConnectionIdTest.serverContext(cidLength);
    }

    static SSLContext clientContext(int port, int cidLength) throws Exception {
        return cidLength == 0 ? DtlsEndpointsTest.clientContext(KPSA, port) : DtlsConnectionIdTest.clientContext(port, cidLength);
    }

    @ParameterizedTest(name = "connection ID length {0}")
    @ValueSource(ints = {0, 6})
    void clientRestartingFromTheSamePortGetsANewSessionPromptly(int cidLength) throws Exception {
        Echo echo = new Echo();
        try (DtlsServer server = DtlsServer.builder(serverContext(cidLength)).idleTimeout(IDLE).start(echo)) {
            int port = server.localAddress().getPort();
            InetSocketAddress to = new InetSocketAddress("127.0.0.1", port);
            SSLContext ctx = clientContext(port, cidLength);
            DatagramSocket first = socket(0);
            int localPort = first.getLocalPort();
            SSLEngine e1 = clientEngine(ctx, port);
            DtlsDriver d1 = new DtlsDriver(e1, first, to, "client before the restart");
            handshakeWithin(d1, first, 20, "first handshake");
            assertEchoes(d1, "before");
            byte[] oldId = e1.getSession().getId();
            assertEquals(cidLength > 0, ((SaefDtlsEngine) e1).connectionIdReceived() != null, "connection IDs in use");
            first.close(); // the device reboots: no close_notify, the old association stays on the server

            long t0 = System.nanoTime();
            try (DatagramSocket again = socket(localPort)) {
                SSLEngine e2 = clientEngine(ctx, port);
                DtlsDriver d2 = new DtlsDriver(e2, again, to, "client after the restart");
                handshakeWithin(d2, again, 10, "the restarted client (RFC 6347 section 4.2.8)");
                long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                assertTrue(millis < 10_000, "new session after " + millis + " ms (idle timeout " + IDLE + ")");
                assertNotEquals(new String(oldId, StandardCharsets.ISO_8859_1),
                        new String(e2.getSession().getId(), StandardCharsets.ISO_8859_1));
                assertEchoes(d2, "after");
                DtlsEndpointsTest.waitFor(() -> echo.closedPeers.size() == 1, "the old peer is closed");
                assertTrue(echo.closedPeers.get(0).startsWith("#1 replaced by peer #2"), echo.closedPeers.toString());
                assertEquals(List.of(1, 2), echo.connectedPeers);
                assertEquals(1, server.peerCount(), "the old association is gone");
            }
        }
    }

    @ParameterizedTest(name = "connection ID length {0}")
    @ValueSource(ints = {0, 6})
    void clientHelloWithoutCookieFromAnEstablishedAddressChangesNothing(int cidLength) throws Exception {
        Echo echo = new Echo();
        try (DtlsServer server = DtlsServer.builder(serverContext(cidLength)).idleTimeout(IDLE).start(echo);
                DatagramSocket s = socket(0)) {
            int port = server.localAddress().getPort();
            InetSocketAddress to = new InetSocketAddress("127.0.0.1", port);
            SSLContext ctx = clientContext(port, cidLength);
            DtlsDriver d = new DtlsDriver(clientEngine(ctx, port), s, to, "established client");
            handshakeWithin(d, s, 20, "handshake");
            assertEchoes(d, "before");
            long hvrs = server.helloVerifyRequests();
            // a new ClientHello (another random, no cookie) with the established client's address, sent by
            // someone who never sees the answer (the established client's engine discards it)
            SSLEngine spoofer = clientEngine(ctx, port);
            spoofer.beginHandshake();
            ArrayDeque<byte[]> hello = new ArrayDeque<>();
            DtlsMemoryPair.drain(spoofer, hello);
            for (int i = 0; i < 3; i++) {
                s.send(new DatagramPacket(hello.peek(), hello.peek().length, to));
            }
            DtlsEndpointsTest.waitFor(() -> server.helloVerifyRequests() == hvrs + 3,
                    "each is answered statelessly with a HelloVerifyRequest (RFC 6347 section 4.2.8)");
            assertEchoes(d, "after");
            assertEquals(1, server.peerCount());
            assertEquals(List.of(1), echo.connectedPeers);
            assertEquals(List.of(), echo.closedPeers, "nothing was closed or replaced");
            spoofer.closeOutbound();
        }
    }

    @ParameterizedTest(name = "connection ID length {0}")
    @ValueSource(ints = {0, 6})
    void restartHandshakeThatNeverCompletesLeavesTheOldSessionUsable(int cidLength) throws Exception {
        Echo echo = new Echo();
        try (DtlsServer server = DtlsServer.builder(serverContext(cidLength)).idleTimeout(IDLE)
                .handshakeTimeout(Duration.ofSeconds(2)).start(echo);
                DatagramSocket s = socket(0)) {
            int port = server.localAddress().getPort();
            InetSocketAddress to = new InetSocketAddress("127.0.0.1", port);
            SSLContext ctx = clientContext(port, cidLength);
            DtlsDriver d = new DtlsDriver(clientEngine(ctx, port), s, to, "established client");
            handshakeWithin(d, s, 20, "handshake");
            assertEchoes(d, "before");
            // from the same address: a new handshake that passes the cookie exchange, then is abandoned
            startAndAbandon(clientEngine(ctx, port), s, to);
            assertEchoes(d, "during the new handshake");
            DtlsEndpointsTest.waitFor(() -> echo.closedPeers.size() == 1, "the abandoned handshake times out");
            assertTrue(echo.closedPeers.get(0).startsWith("#2 dropped: handshake not complete"), echo.closedPeers.toString());
            assertEchoes(d, "after the new handshake timed out");
            assertEquals(1, server.peerCount());
            assertEquals(List.of(1), echo.connectedPeers);
        }
    }
}
