package dev.saef.jsse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * RFC 9146 connection IDs through {@link DtlsServer} and {@link DtlsClient} (issue 9, item 3): a
 * client whose address changes mid-session (NAT rebinding, played by an in-test UDP relay that
 * changes its source port) keeps its session when both sides use connection IDs, and loses it
 * without them; a forged or replayed record from another address never moves the peer (RFC 9146
 * section 6).
 */
@Timeout(60)
class DtlsConnectionIdTest {

    static final int CID_LENGTH = 8;

    static SSLContext serverContext(int cidLength) throws Exception {
        return DtlsEngineTest.dtls(Peers.serverTable(DtlsEndpointsTest.KPSA, "CAE01", Peers.KEY_HEX),
                c -> c.withConnectionIdLength(cidLength));
    }

    static SSLContext clientContext(int port, int cidLength) throws Exception {
        return DtlsEngineTest.dtls(Peers.clientTable(DtlsEndpointsTest.KPSA, "localhost:" + port, Peers.KEY_HEX),
                c -> c.withConnectionIdLength(cidLength));
    }

    /** Echoes every datagram and keeps the peers it saw connect. */
    static final class Echo implements DtlsServer.Handler {
        final List<DtlsServer.Peer> connected = new CopyOnWriteArrayList<>();
        final List<String> closed = new CopyOnWriteArrayList<>();

        @Override
        public void onConnected(DtlsServer.Peer peer) {
            connected.add(peer);
        }

        @Override
        public void onMessage(DtlsServer.Peer peer, byte[] data) throws IOException {
            peer.send(("echo:" + new String(data, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public void onClosed(DtlsServer.Peer peer, String reason) {
            closed.add(reason);
        }
    }

    private static String echo(DtlsClient c, String text, Duration wait) throws IOException {
        c.send(text.getBytes(StandardCharsets.UTF_8));
        return DtlsEndpointsTest.text(c.receive(wait));
    }

    @Test
    void withConnectionIdsAClientKeepsItsSessionWhenItsAddressChanges() throws Exception {
        Echo echo = new Echo();
        try (DtlsServer server = DtlsServer.builder(serverContext(CID_LENGTH)).start(echo);
                NatRelay nat = new NatRelay(server.localAddress())) {
            try (DtlsClient c = DtlsClient.connect(clientContext(nat.port(), CID_LENGTH), "localhost", nat.port(),
                    DtlsEndpointsTest.HANDSHAKE)) {
                assertEquals("echo:before", echo(c, "before", DtlsEndpointsTest.WAIT));
                DtlsServer.Peer peer = echo.connected.get(0);
                int before = nat.outsidePort();
                assertEquals(before, peer.address().getPort());
                assertEquals(ConnectionIdsOnTheWire.TLS12_CID, nat.lastToServer()[0] & 0xff,
                        "the client's records carry the server's connection ID (content type tls12_cid)");

                nat.rebind(); // NAT rebinding: the client's datagrams now reach the server from another port
                assertNotEquals(before, nat.outsidePort());
                for (int i = 0; i < 3; i++) {
                    assertEquals("echo:after" + i, echo(c, "after" + i, DtlsEndpointsTest.WAIT));
                }
                assertEquals(nat.outsidePort(), peer.address().getPort(), "the server now sends to the new address");
                assertEquals(1, server.peerCount());
                assertEquals(1, echo.connected.size(), "the same session, no new handshake");
                assertTrue(peer.isConnected());
            }
            DtlsEndpointsTest.waitFor(() -> server.peerCount() == 0, "the peer is removed after its close_notify");
            assertEquals(List.of("closed by the client (close_notify)"), echo.closed);
        }
    }

    @Test
    void withoutConnectionIdsTheSameRebindingBreaksTheSession() throws Exception {
        Echo echo = new Echo();
        try (DtlsServer server = DtlsServer.builder(serverContext(0)).start(echo);
                NatRelay nat = new NatRelay(server.localAddress())) {
            try (DtlsClient c = DtlsClient.connect(clientContext(nat.port(), 0), "localhost", nat.port(),
                    DtlsEndpointsTest.HANDSHAKE)) {
                assertEquals("echo:before", echo(c, "before", DtlsEndpointsTest.WAIT));
                assertEquals(23, nat.lastToServer()[0], "plain application_data records");
                DtlsServer.Peer peer = echo.connected.get(0);
                int before = nat.outsidePort();
                nat.rebind();
                // the server sees datagrams from an unknown address that are no ClientHello: it drops them
                assertNull(echo(c, "after", Duration.ofSeconds(2)));
                assertEquals(before, peer.address().getPort());
                assertEquals(1, server.peerCount());
            }
        }
    }

    @Test
    void aConnectionIdClientTalksToAServerWithoutThemAndViceVersa() throws Exception {
        for (int[] lengths : new int[][] {{CID_LENGTH, 0}, {0, CID_LENGTH}}) {
            Echo echo = new Echo();
            try (DtlsServer server = DtlsServer.builder(serverContext(lengths[0])).start(echo)) {
                int port = server.localAddress().getPort();
                try (DtlsClient c = DtlsClient.connect(clientContext(port, lengths[1]), "localhost", port,
                        DtlsEndpointsTest.HANDSHAKE)) {
                    assertEquals("echo:plain", echo(c, "plain", DtlsEndpointsTest.WAIT));
                }
            }
        }
    }

    @Test
    void forgedOrReplayedConnectionIdRecordsFromAnotherAddressDoNotMoveThePeer() throws Exception {
        Echo echo = new Echo();
        try (DtlsServer server = DtlsServer.builder(serverContext(CID_LENGTH)).start(echo);
                NatRelay nat = new NatRelay(server.localAddress());
                DatagramSocket attacker = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            try (DtlsClient c = DtlsClient.connect(clientContext(nat.port(), CID_LENGTH), "localhost", nat.port(),
                    DtlsEndpointsTest.HANDSHAKE)) {
                assertEquals("echo:genuine", echo(c, "genuine", DtlsEndpointsTest.WAIT));
                DtlsServer.Peer peer = echo.connected.get(0);
                InetSocketAddress home = peer.address();
                byte[] seen = nat.lastToServer(); // an on-path attacker saw this record
                assertEquals(ConnectionIdsOnTheWire.TLS12_CID, seen[0] & 0xff);

                byte[] forged = seen.clone();
                for (int i = 5; i < 11; i++) {
                    forged[i] = (byte) 0x7f; // a far newer sequence number
                }
                forged[forged.length - 1] ^= 1; // and a ciphertext that cannot authenticate
                byte[] truncated = java.util.Arrays.copyOf(seen, 11 + CID_LENGTH + 1); // the ID, then nothing sane
                byte[] lying = seen.clone();
                lying[11 + CID_LENGTH] = (byte) 0xff; // a length beyond the datagram
                for (byte[] d : new byte[][] {seen, forged, truncated, lying, seen}) {
                    attacker.send(new DatagramPacket(d, d.length, server.localAddress()));
                }
                attacker.setSoTimeout(700);
                byte[] buf = new byte[2048];
                try {
                    DatagramPacket p = new DatagramPacket(buf, buf.length);
                    attacker.receive(p);
                    throw new AssertionError("the server answered the attacker with " + p.getLength() + " octets");
                } catch (SocketTimeoutException expected) {
                    // nothing goes to the attacker's address
                }
                assertEquals(home, peer.address(), "the peer did not move");
                assertSame(peer, echo.connected.get(0));
                assertTrue(peer.isConnected(), "no forged record ended the session");
                assertEquals("echo:still mine", echo(c, "still mine", DtlsEndpointsTest.WAIT));
                assertEquals(home, peer.address());
                assertEquals(1, server.peerCount());
            }
        }
    }

    @Test
    void forgedConnectionIdRecordsDoNotKeepAnIdlePeerAlive() throws Exception {
        Echo echo = new Echo();
        try (DtlsServer server = DtlsServer.builder(serverContext(CID_LENGTH)).idleTimeout(Duration.ofSeconds(1))
                        .start(echo);
                NatRelay nat = new NatRelay(server.localAddress());
                DatagramSocket attacker = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            try (DtlsClient c = DtlsClient.connect(clientContext(nat.port(), CID_LENGTH), "localhost", nat.port(),
                    DtlsEndpointsTest.HANDSHAKE)) {
                assertEquals("echo:once", echo(c, "once", DtlsEndpointsTest.WAIT));
                byte[] forged = nat.lastToServer();
                // the client falls silent; the attacker sends records with its connection ID but no valid MAC
                long end = System.nanoTime() + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(3_000);
                long seq = 1_000;
                while (System.nanoTime() < end && server.peerCount() > 0) {
                    forged[10] = (byte) seq++;
                    forged[forged.length - 1] ^= 1;
                    attacker.send(new DatagramPacket(forged, forged.length, server.localAddress()));
                    Thread.sleep(100);
                }
                assertEquals(0, server.peerCount(), "the silent peer went idle despite the forged records");
                DtlsEndpointsTest.waitFor(() -> !echo.closed.isEmpty(), "onClosed");
                assertEquals(List.of("dropped: idle for 1 s"), echo.closed);
            }
        }
    }

    /** Content types on the wire (RFC 9146 section 4). */
    static final class ConnectionIdsOnTheWire {
        static final int TLS12_CID = 25;
    }

    /**
     * A UDP relay in front of the server that plays a NAT: the client talks to its inside socket; it
     * forwards from an outside socket, and {@link #rebind()} replaces that socket by one on another port
     * (closing the old one, so that whatever the server still sends to the old address is lost).
     */
    static final class NatRelay implements AutoCloseable {
        private final InetSocketAddress server;
        private final DatagramSocket inside;
        private final Thread insideThread;
        private final List<Thread> outsideThreads = new CopyOnWriteArrayList<>();
        private volatile DatagramSocket outside;
        private volatile SocketAddress client;
        private volatile byte[] lastToServer;
        private volatile boolean closed;

        NatRelay(InetSocketAddress server) throws IOException {
            this.server = server;
            this.inside = new DatagramSocket(0, InetAddress.getLoopbackAddress());
            this.outside = openOutside();
            this.insideThread = new Thread(this::relayToServer, "nat-inside");
            insideThread.setDaemon(true);
            insideThread.start();
        }

        private DatagramSocket openOutside() throws IOException {
            DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress());
            Thread t = new Thread(() -> relayToClient(s), "nat-outside-" + s.getLocalPort());
            t.setDaemon(true);
            t.start();
            outsideThreads.add(t);
            return s;
        }

        private void relayToServer() {
            byte[] buf = new byte[65_535];
            while (!closed) {
                try {
                    DatagramPacket p = new DatagramPacket(buf, buf.length);
                    inside.receive(p);
                    client = p.getSocketAddress();
                    lastToServer = java.util.Arrays.copyOf(buf, p.getLength());
                    outside.send(new DatagramPacket(buf, p.getLength(), server));
                } catch (IOException e) {
                    // closed, or the outside socket was just replaced: go on until closed
                }
            }
        }

        private void relayToClient(DatagramSocket s) {
            byte[] buf = new byte[65_535];
            while (!s.isClosed()) {
                try {
                    DatagramPacket p = new DatagramPacket(buf, buf.length);
                    s.receive(p);
                    SocketAddress to = client;
                    if (to != null && p.getSocketAddress().equals(server)) {
                        inside.send(new DatagramPacket(buf, p.getLength(), to));
                    }
                } catch (IOException e) {
                    // closed
                }
            }
        }

        /** The NAT gives the client a new outside port. */
        void rebind() throws IOException {
            DatagramSocket old = outside;
            outside = openOutside();
            old.close();
        }

        int port() {
            return inside.getLocalPort();
        }

        int outsidePort() {
            return outside.getLocalPort();
        }

        byte[] lastToServer() {
            return lastToServer.clone();
        }

        @Override
        public void close() throws InterruptedException {
            closed = true;
            inside.close();
            outside.close();
            insideThread.join(5_000);
            for (Thread t : outsideThreads) {
                t.join(5_000);
            }
        }
    }
}
