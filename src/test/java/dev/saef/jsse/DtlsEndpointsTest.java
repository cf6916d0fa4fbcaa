package dev.saef.jsse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saef.identity.SaefPrincipal;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The ready-made DTLS endpoints ({@link DtlsServer}, {@link DtlsClient}) over real UDP on loopback:
 * echo both ways with the binding of both sides, two clients at once, the idle and peer limits, and
 * close_notify.
 */
@Timeout(60)
class DtlsEndpointsTest {

    static final String KPSA = "ae42@sp.example.com";
    static final String KPSA2 = "ae43@sp.example.com";
    static final Duration HANDSHAKE = Duration.ofSeconds(20);
    static final Duration WAIT = Duration.ofSeconds(10);

    static SSLContext serverContext() throws Exception {
        return DtlsEngineTest.dtls(Peers.serverTable(KPSA, "CAE01", Peers.KEY_HEX)
                + Peers.serverTable(KPSA2, "CAE02", Peers.KEY_HEX), c -> c);
    }

    static SSLContext clientContext(String kpsa, int port) throws Exception {
        return DtlsEngineTest.dtls(Peers.clientTable(kpsa, "localhost:" + port, Peers.KEY_HEX), c -> c);
    }

    /** Echoes every datagram, recording the principal each peer was bound to and why peers ended. */
    static final class Echo implements DtlsServer.Handler {
        final Map<String, String> boundTo = new ConcurrentHashMap<>();
        final List<String> closed = new CopyOnWriteArrayList<>();

        @Override
        public void onConnected(DtlsServer.Peer peer) {
            try {
                SaefPrincipal p = assertInstanceOf(SaefPrincipal.class, peer.principal());
                boundTo.put(p.kpsaId().orElseThrow().value(), p.getName());
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }

        @Override
        public void onMessage(DtlsServer.Peer peer, byte[] data) throws IOException {
            byte[] reply = ("echo:" + new String(data, StandardCharsets.UTF_8) + " from "
                    + peer.principal().getName()).getBytes(StandardCharsets.UTF_8);
            peer.send(reply);
        }

        @Override
        public void onClosed(DtlsServer.Peer peer, String reason) {
            closed.add(reason);
        }
    }

    /** No test leaves a handshake thread behind (it would wait for its handshake time limit). */
    @org.junit.jupiter.api.AfterEach
    void noHandshakeThreadLeft() throws InterruptedException {
        waitFor(DtlsEndpointsTest::noThreadInBouncyCastleHandshake, "every DTLS handshake thread has returned");
    }

    static boolean noThreadInBouncyCastleHandshake() {
        return Thread.getAllStackTraces().entrySet().stream().noneMatch(t -> t.getKey().getName()
                .startsWith("saef-dtls-handshake-") && java.util.Arrays.stream(t.getValue()).anyMatch(
                        f -> f.getClassName().startsWith("org.bouncycastle.tls.DTLS")));
    }

    static String text(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    @Test
    void echoBothWaysWithBothSidesBound() throws Exception {
        Echo echo = new Echo();
        try (DtlsServer server = DtlsServer.builder(serverContext()).start(echo)) {
            int port = server.localAddress().getPort();
            try (DtlsClient c = DtlsClient.connect(clientContext(KPSA, port), "localhost", port, HANDSHAKE)) {
                assertEquals("DTLSv1.2", c.session().getProtocol());
                assertEquals("TLS_PSK_WITH_AES_128_CCM_8", c.session().getCipherSuite());
                SaefPrincipal server2 = assertInstanceOf(SaefPrincipal.class, c.principal());
                assertEquals("/id-in", server2.getName()); // IdB, clause 8.2.2.1
                for (int i = 0; i < 3; i++) {
                    c.send(("ping" + i).getBytes(StandardCharsets.UTF_8));
                    assertEquals("echo:ping" + i + " from CAE01", text(c.receive(WAIT)));
                }
                assertEquals(Map.of(KPSA, "CAE01"), echo.boundTo);
                assertEquals(1, server.peerCount());
            }
            // close() sent close_notify: the server forgets the peer
            waitFor(() -> server.peerCount() == 0, "the peer is removed after its close_notify");
            assertEquals(List.of("closed by the client (close_notify)"), echo.closed);
        }
    }

    @Test
    void twoClientsAtOnceAreKeptApartByAddress() throws Exception {
        Echo echo = new Echo();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (DtlsServer server = DtlsServer.builder(serverContext()).start(echo)) {
            int port = server.localAddress().getPort();
            List<Future<String>> runs = pool.invokeAll(List.of(KPSA, KPSA2).stream().map(k -> (java.util.concurrent
                    .Callable<String>) () -> {
                        try (DtlsClient c = DtlsClient.connect(clientContext(k, port), "localhost", port, HANDSHAKE)) {
                            StringBuilder sb = new StringBuilder();
                            for (int i = 0; i < 5; i++) {
                                c.send((k + "#" + i).getBytes(StandardCharsets.UTF_8));
                                sb.append(text(c.receive(WAIT))).append('\n');
                            }
                            return sb.toString();
                        }
                    }).toList(), 50, TimeUnit.SECONDS);
            for (int n = 0; n < 2; n++) {
                String k = n == 0 ? KPSA : KPSA2;
                String who = n == 0 ? "CAE01" : "CAE02";
                StringBuilder want = new StringBuilder();
                for (int i = 0; i < 5; i++) {
                    want.append("echo:").append(k).append('#').append(i).append(" from ").append(who).append('\n');
                }
                assertEquals(want.toString(), runs.get(n).get());
            }
            assertEquals(Map.of(KPSA, "CAE01", KPSA2, "CAE02"), echo.boundTo);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void anIdlePeerIsDroppedAndToldSo() throws Exception {
        Echo echo = new Echo();
        try (DtlsServer server = DtlsServer.builder(serverContext()).idleTimeout(Duration.ofMillis(800)).start(echo)) {
            int port = server.localAddress().getPort();
            try (DtlsClient c = DtlsClient.connect(clientContext(KPSA, port), "localhost", port, HANDSHAKE)) {
                c.send("hi".getBytes(StandardCharsets.UTF_8));
                assertEquals("echo:hi from CAE01", text(c.receive(WAIT)));
                assertEquals(1, server.peerCount());
                // silent: the server drops the peer after 0.8 s and sends close_notify
                assertNull(c.receive(WAIT));
                assertTrue(c.isClosedByPeer(), "the client saw the server's close_notify");
                assertEquals(0, server.peerCount());
                waitFor(() -> !echo.closed.isEmpty(), "onClosed");
                assertEquals(List.of("dropped: idle for 800 ms"), echo.closed);
            }
        }
    }

    @Test
    void peersBeyondTheLimitAreNotServed() throws Exception {
        Echo echo = new Echo();
        try (DtlsServer server = DtlsServer.builder(serverContext()).maxPeers(1).start(echo)) {
            int port = server.localAddress().getPort();
            try (DtlsClient first = DtlsClient.connect(clientContext(KPSA, port), "localhost", port, HANDSHAKE)) {
                SSLHandshakeException e = assertThrows(SSLHandshakeException.class,
                        () -> DtlsClient.connect(clientContext(KPSA2, port), "localhost", port, Duration.ofSeconds(2)));
                assertTrue(e.getMessage().contains("not complete after 2000 ms"), e.getMessage());
                // its cookie-less ClientHello is answered statelessly; its ClientHello with the cookie is dropped
                assertTrue(server.droppedDatagrams() >= 1, "the second client's ClientHello was dropped");
                // the failed client's engine was closed: no handshake thread waits on for its own time limit
                waitFor(() -> Thread.getAllStackTraces().entrySet().stream().noneMatch(t -> t.getKey().getName()
                        .startsWith("saef-dtls-handshake-") && java.util.Arrays.stream(t.getValue()).anyMatch(
                                f -> f.getClassName().equals("org.bouncycastle.tls.DTLSClientProtocol"))),
                        "the failed client's handshake thread ends");
                first.send("still here".getBytes(StandardCharsets.UTF_8));
                assertEquals("echo:still here from CAE01", text(first.receive(WAIT)));
            }
        }
    }

    @Test
    void closeSendsCloseNotifyToEveryPeer() throws Exception {
        Echo echo = new Echo();
        DtlsServer server = DtlsServer.builder(serverContext()).start(echo);
        int port = server.localAddress().getPort();
        try (DtlsClient c = DtlsClient.connect(clientContext(KPSA, port), "localhost", port, HANDSHAKE)) {
            server.close();
            assertNull(c.receive(WAIT));
            assertTrue(c.isClosedByPeer());
            assertEquals(List.of("the server closed"), echo.closed);
        }
    }

    @Test
    void theServerRetransmitsItsFlightWhenTheClientFallsSilent() throws Exception {
        Echo echo = new Echo();
        try (DtlsServer server = DtlsServer.builder(serverContext()).start(echo);
                java.net.DatagramSocket raw = new java.net.DatagramSocket(0, java.net.InetAddress.getLoopbackAddress())) {
            int port = server.localAddress().getPort();
            raw.connect(server.localAddress());
            javax.net.ssl.SSLEngine ce = clientContext(KPSA, port).createSSLEngine("localhost", port);
            ce.setUseClientMode(true);
            ce.beginHandshake();
            sendWrapped(ce, raw); // ClientHello
            byte[] buf = new byte[20_000];
            java.net.DatagramPacket p = new java.net.DatagramPacket(buf, buf.length);
            raw.setSoTimeout(5_000);
            raw.receive(p); // HelloVerifyRequest
            ce.unwrap(java.nio.ByteBuffer.wrap(buf, 0, p.getLength()), java.nio.ByteBuffer.allocate(0));
            DtlsMemoryPair.runTasks(ce);
            while (ce.getHandshakeStatus() == javax.net.ssl.SSLEngineResult.HandshakeStatus.NEED_UNWRAP_AGAIN) {
                ce.unwrap(java.nio.ByteBuffer.allocate(0), java.nio.ByteBuffer.allocate(0));
                DtlsMemoryPair.runTasks(ce);
            }
            sendWrapped(ce, raw); // ClientHello with the cookie
            raw.receive(p); // the server's flight (ServerHello ... ServerHelloDone)
            long flight = System.nanoTime();
            // the client now falls silent: the server, waiting for it, sends its flight again after about 1 s
            raw.setSoTimeout(200);
            long again = -1;
            while (System.nanoTime() - flight < TimeUnit.SECONDS.toNanos(4) && again < 0) {
                try {
                    raw.receive(p);
                    long at = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - flight);
                    if (at >= 700) {
                        again = at;
                    }
                } catch (java.net.SocketTimeoutException e) {
                    // keep waiting
                }
            }
            ce.closeOutbound(); // ends its handshake thread (which would wait for the handshake timeout)
            assertTrue(again >= 700 && again < 3_000, "retransmitted after " + again + " ms (RFC 6347 4.2.4: 1 s)");
            assertEquals(1, server.peerCount());
        }
    }

    private static void sendWrapped(javax.net.ssl.SSLEngine e, java.net.DatagramSocket s) throws Exception {
        DtlsMemoryPair.runTasks(e); // the engine's handshake thread makes the flight
        while (e.getHandshakeStatus() == javax.net.ssl.SSLEngineResult.HandshakeStatus.NEED_WRAP) {
            java.nio.ByteBuffer net = java.nio.ByteBuffer.allocate(e.getSession().getPacketBufferSize());
            e.wrap(java.nio.ByteBuffer.allocate(0), net);
            net.flip();
            s.send(new java.net.DatagramPacket(net.array(), net.remaining()));
        }
    }

    @Test
    void handshakeAndEchoSurviveLostDatagramsBothWays() throws Exception {
        Echo echo = new Echo();
        try (DtlsServer server = DtlsServer.builder(serverContext()).start(echo);
                LossyProxy proxy = new LossyProxy(server.localAddress(),
                        i -> i == 0 || i == 2, // the client's first ClientHello and its first flight after the cookie
                        i -> i == 1)) { // the server's first datagram after the HelloVerifyRequest
            int port = proxy.port();
            try (DtlsClient c = DtlsClient.connect(clientContext(KPSA, port), "localhost", port, HANDSHAKE)) {
                c.send("through loss".getBytes(StandardCharsets.UTF_8));
                assertEquals("echo:through loss from CAE01", text(c.receive(WAIT)));
            }
            assertTrue(proxy.dropped.get() >= 3, "dropped " + proxy.dropped.get());
        }
    }

    /** A UDP relay between one client and a server that drops chosen datagrams of each direction. */
    static final class LossyProxy implements AutoCloseable {
        final java.net.DatagramSocket socket;
        final java.util.concurrent.atomic.AtomicInteger dropped = new java.util.concurrent.atomic.AtomicInteger();
        private final Thread thread;

        LossyProxy(java.net.InetSocketAddress server, java.util.function.IntPredicate dropToServer,
                java.util.function.IntPredicate dropToClient) throws IOException {
            socket = new java.net.DatagramSocket(0, java.net.InetAddress.getLoopbackAddress());
            thread = new Thread(() -> {
                java.net.SocketAddress client = null;
                int toServer = 0;
                int toClient = 0;
                byte[] buf = new byte[65_535];
                while (!socket.isClosed()) {
                    try {
                        java.net.DatagramPacket p = new java.net.DatagramPacket(buf, buf.length);
                        socket.receive(p);
                        boolean fromServer = p.getSocketAddress().equals(server);
                        if (!fromServer) {
                            client = p.getSocketAddress();
                        }
                        boolean drop = fromServer ? dropToClient.test(toClient++) : dropToServer.test(toServer++);
                        if (drop) {
                            dropped.incrementAndGet();
                        } else if (fromServer && client != null) {
                            socket.send(new java.net.DatagramPacket(buf, p.getLength(), client));
                        } else if (!fromServer) {
                            socket.send(new java.net.DatagramPacket(buf, p.getLength(), server));
                        }
                    } catch (IOException e) {
                        // closed, or an ICMP error: keep relaying until closed
                    }
                }
            }, "lossy-proxy");
            thread.setDaemon(true);
            thread.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        @Override
        public void close() throws InterruptedException {
            socket.close();
            thread.join(5_000);
        }
    }

    @Test
    void aTlsContextIsRefused() throws Exception {
        SSLContext tls = Peers.context(Peers.serverTable(KPSA, "CAE01", Peers.KEY_HEX));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DtlsServer.builder(tls));
        assertTrue(e.getMessage().contains("needs a DTLS SSLContext"), e.getMessage());
    }

    static void waitFor(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out: " + what);
            }
            Thread.sleep(20);
        }
    }
}
