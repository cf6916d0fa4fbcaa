package dev.saef.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saef.jsse.DtlsClient;
import dev.saef.jsse.DtlsServer;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLContext;
import org.eclipse.californium.elements.DtlsEndpointContext;
import org.eclipse.californium.elements.EndpointContext;
import org.eclipse.californium.elements.RawData;
import org.eclipse.californium.elements.util.Bytes;
import org.eclipse.californium.scandium.dtls.cipher.CipherSuite;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * RFC 9146 connection IDs between SAEF ({@code saef.dtls.connectionIdLength}) and Eclipse Californium's
 * Scandium 3.14.0 ({@code DTLS_CONNECTION_ID_LENGTH}, the RFC code point 54: {@link ScandiumPeer}), both
 * roles, over real UDP through a relay that plays a NAT: the two negotiate an ID each way (Scandium's
 * endpoint context names both; every record on the wire after the handshake is {@code tls12_cid}),
 * exchange data, then the client's address changes mid-session (the relay's outside port) and data
 * still flows over the same session, the server now answering the new address. Controls: without
 * connection IDs the same rebinding ends the flow, so the tests can fail.
 */
@Timeout(60)
class DtlsScandiumConnectionIdTest {

    /** The length of the IDs SAEF asks its peer to put in records (SAEF's {@code connectionIdLength}). */
    static final int SAEF_CID = 8;
    /** The length of the IDs Scandium asks for: another length, so each direction is told apart. */
    static final int SCANDIUM_CID = 6;
    static final int TLS12_CID = 25;
    static final Duration HANDSHAKE = Duration.ofSeconds(20);
    static final CipherSuite SUITE = CipherSuite.TLS_PSK_WITH_AES_128_CCM_8;

    static SSLContext saefClient(int port, int cid) throws Exception {
        return InteropContexts.dtlsContext(InteropContexts.clientTable(DtlsInterop.KPSA, port, DtlsInterop.KEY),
                c -> c.withConnectionIdLength(cid));
    }

    static SSLContext saefServer(int cid) throws Exception {
        return InteropContexts.dtlsContext(
                InteropContexts.serverTable(DtlsInterop.KPSA, DtlsInterop.CLIENT_AE, DtlsInterop.KEY),
                c -> c.withConnectionIdLength(cid));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static int length(EndpointContext ctx, org.eclipse.californium.elements.Definition<Bytes> key) {
        Bytes b = ctx.get(key);
        return b == null ? 0 : b.length();
    }

    @Test
    void saefClientKeepsItsSessionWithAScandiumServerWhenItsAddressChanges() throws Exception {
        try (ScandiumPeer scandium = ScandiumPeer.server(List.of(SUITE), 0, 1_000, SCANDIUM_CID);
                NatRelay nat = new NatRelay(scandium.address());
                DtlsClient c = DtlsClient.connect(saefClient(nat.port(), SAEF_CID), "127.0.0.1", nat.port(),
                        HANDSHAKE)) {
            c.send(bytes("before"));
            assertArrayEquals(bytes("before"), c.receive(DtlsInterop.WAIT), "echoed by Scandium");
            RawData first = scandium.poll(DtlsInterop.WAIT.toMillis());
            assertNotNull(first, "Scandium's server received nothing");
            EndpointContext ctx = first.getEndpointContext();
            assertEquals(SCANDIUM_CID, length(ctx, DtlsEndpointContext.KEY_READ_CONNECTION_ID),
                    "Scandium reads records carrying its own ID");
            assertEquals(SAEF_CID, length(ctx, DtlsEndpointContext.KEY_WRITE_CONNECTION_ID),
                    "Scandium writes records carrying SAEF's ID");
            assertEquals(nat.outsidePort(), first.getInetSocketAddress().getPort());
            assertEquals(TLS12_CID, nat.lastToServer()[0] & 0xff, "SAEF's records carry Scandium's ID");
            assertEquals(TLS12_CID, nat.lastToClient()[0] & 0xff, "Scandium's records carry SAEF's ID");
            Bytes session = ctx.get(DtlsEndpointContext.KEY_SESSION_ID);

            int before = nat.outsidePort();
            nat.rebind(); // NAT rebinding: from now on the client's datagrams reach Scandium from another port
            assertNotEquals(before, nat.outsidePort());
            for (int i = 0; i < 3; i++) {
                c.send(bytes("after" + i));
                assertArrayEquals(bytes("after" + i), c.receive(DtlsInterop.WAIT), "echoed after the rebinding");
                RawData seen = scandium.poll(DtlsInterop.WAIT.toMillis());
                assertNotNull(seen);
                assertEquals(nat.outsidePort(), seen.getInetSocketAddress().getPort(),
                        "Scandium took the new address from the ID");
                assertEquals(session, seen.getEndpointContext().get(DtlsEndpointContext.KEY_SESSION_ID),
                        "the same session, no new handshake");
            }
        }
    }

    @Test
    void scandiumClientKeepsItsSessionWithTheSaefServerWhenItsAddressChanges() throws Exception {
        try (DtlsInterop.EchoServer saef = new DtlsInterop.EchoServer(saefServer(SAEF_CID), 0);
                NatRelay nat = new NatRelay(saef.server.localAddress());
                ScandiumPeer client = ScandiumPeer.client(SUITE, 0, 500, SCANDIUM_CID)) {
            InetSocketAddress to = new InetSocketAddress(InetAddress.getLoopbackAddress(), nat.port());
            client.send(bytes("before"), to);
            DtlsServer.Peer peer = saef.awaitConnected();
            DtlsInterop.assertServerSide(peer, SUITE.name());
            RawData echo = client.poll(DtlsInterop.WAIT.toMillis());
            assertNotNull(echo, "Scandium's client got no echo from the SAEF server");
            assertArrayEquals(bytes("before"), echo.getBytes());
            assertEquals(SCANDIUM_CID, length(echo.getEndpointContext(), DtlsEndpointContext.KEY_READ_CONNECTION_ID));
            assertEquals(SAEF_CID, length(echo.getEndpointContext(), DtlsEndpointContext.KEY_WRITE_CONNECTION_ID));
            assertEquals(TLS12_CID, nat.lastToServer()[0] & 0xff, "Scandium's records carry SAEF's ID");
            assertEquals(TLS12_CID, nat.lastToClient()[0] & 0xff, "SAEF's records carry Scandium's ID");
            assertEquals(nat.outsidePort(), peer.address().getPort());
            Bytes session = echo.getEndpointContext().get(DtlsEndpointContext.KEY_SESSION_ID);

            int before = nat.outsidePort();
            nat.rebind();
            assertNotEquals(before, nat.outsidePort());
            for (int i = 0; i < 3; i++) {
                client.send(bytes("after" + i), to);
                RawData back = client.poll(DtlsInterop.WAIT.toMillis());
                assertNotNull(back, "no echo after the rebinding (" + i + ")");
                assertArrayEquals(bytes("after" + i), back.getBytes());
                assertEquals(session, back.getEndpointContext().get(DtlsEndpointContext.KEY_SESSION_ID),
                        "the same session on Scandium's side");
            }
            assertEquals(nat.outsidePort(), peer.address().getPort(), "the SAEF server answers the new address");
            assertTrue(saef.connected.isEmpty(), "no second handshake: " + saef.connected);
            assertEquals(1, saef.server.peerCount());
            assertTrue(peer.isConnected());
        }
    }

    @Test
    void withoutConnectionIdsTheSameRebindingEndsTheFlowBothWays() throws Exception {
        try (ScandiumPeer scandium = ScandiumPeer.server(List.of(SUITE), 0, 1_000, 0);
                NatRelay nat = new NatRelay(scandium.address());
                DtlsClient c = DtlsClient.connect(saefClient(nat.port(), 0), "127.0.0.1", nat.port(), HANDSHAKE)) {
            c.send(bytes("before"));
            assertArrayEquals(bytes("before"), c.receive(DtlsInterop.WAIT));
            assertEquals(23, nat.lastToServer()[0], "plain application_data records");
            nat.rebind();
            c.send(bytes("after"));
            assertNull(c.receive(Duration.ofSeconds(2)), "Scandium dropped records from the unknown address");
        }
        try (DtlsInterop.EchoServer saef = new DtlsInterop.EchoServer(saefServer(0), 0);
                NatRelay nat = new NatRelay(saef.server.localAddress());
                ScandiumPeer client = ScandiumPeer.client(SUITE, 0, 500, 0)) {
            InetSocketAddress to = new InetSocketAddress(InetAddress.getLoopbackAddress(), nat.port());
            client.send(bytes("before"), to);
            saef.awaitConnected();
            assertNotNull(client.poll(DtlsInterop.WAIT.toMillis()));
            assertEquals(23, nat.lastToServer()[0], "plain application_data records");
            nat.rebind();
            client.send(bytes("after"), to);
            assertNull(client.poll(2_000), "the SAEF server dropped records from the unknown address");
        }
    }

    /**
     * A UDP relay in front of a server that plays a NAT: the client talks to its inside socket; it
     * forwards from an outside socket, and {@link #rebind()} replaces that socket by one on another port
     * (closing the old one). Keeps the last datagram of each direction.
     */
    static final class NatRelay implements AutoCloseable {
        private final InetSocketAddress server;
        private final DatagramSocket inside;
        private final Thread insideThread;
        private final List<Thread> outsideThreads = new CopyOnWriteArrayList<>();
        private volatile DatagramSocket outside;
        private volatile SocketAddress client;
        private volatile byte[] lastToServer;
        private volatile byte[] lastToClient;
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
                        lastToClient = java.util.Arrays.copyOf(buf, p.getLength());
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

        byte[] lastToClient() {
            return lastToClient.clone();
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
