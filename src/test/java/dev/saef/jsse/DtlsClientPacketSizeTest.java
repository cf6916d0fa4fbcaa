package dev.saef.jsse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link DtlsClient}'s maximum packet size ({@code SSLParameters.setMaximumPacketSize} of its engine)
 * over real UDP: a relay between client and {@link DtlsServer} records the size of every datagram the
 * client sends; with a limit of 256 octets none is larger, the handshake (PSK, and DHE_PSK whose
 * ClientKeyExchange must be fragmented) and application data larger than a datagram still get through;
 * without the limit the same run sends larger datagrams (so the test can fail). Values below the DTLS
 * minimum are refused with a clear error.
 */
@Timeout(60)
class DtlsClientPacketSizeTest {

    static final int MTU = 256;

    static SSLContext serverContext(String suites) throws Exception {
        return DtlsEngineTest.dtls(Peers.serverTable(DtlsEndpointsTest.KPSA, "CAE01", Peers.KEY_HEX),
                c -> c.toBuilder().cipherSuites(suites).build());
    }

    static SSLContext clientContext(int port, String suites) throws Exception {
        return DtlsEngineTest.dtls(Peers.clientTable(DtlsEndpointsTest.KPSA, "localhost:" + port, Peers.KEY_HEX),
                c -> c.toBuilder().cipherSuites(suites).build());
    }

    /** Echoes every datagram's payload as it came. */
    static final class RawEcho implements DtlsServer.Handler {
        @Override
        public void onConnected(DtlsServer.Peer peer) {
        }

        @Override
        public void onMessage(DtlsServer.Peer peer, byte[] data) throws IOException {
            peer.send(data);
        }

        @Override
        public void onClosed(DtlsServer.Peer peer, String reason) {
        }
    }

    /** What one run through the relay showed. */
    record Run(String suite, List<Integer> clientDatagrams) {
        int largest() {
            return clientDatagrams.stream().mapToInt(Integer::intValue).max().orElse(0);
        }
    }

    /**
     * Handshake with {@code suite}, send {@code payload} (several records when it exceeds one) and
     * read the echo back, with the client's limit {@code clientLimit} and the server's {@code serverLimit}.
     */
    static Run run(String suite, int clientLimit, int serverLimit, byte[] payload) throws Exception {
        DtlsServer.Builder b = DtlsServer.builder(serverContext(suite));
        if (serverLimit > 0) {
            b.maximumPacketSize(serverLimit);
        }
        try (DtlsServer server = b.start(new RawEcho()); SizeRelay relay = new SizeRelay(server.localAddress())) {
            try (DtlsClient c = DtlsClient.connect(clientContext(relay.port(), suite), "localhost", relay.port(),
                    DtlsEndpointsTest.HANDSHAKE, clientLimit)) {
                assertEquals(suite, c.session().getCipherSuite());
                if (clientLimit > 0) {
                    assertEquals(clientLimit, c.session().getPacketBufferSize());
                }
                c.send(payload);
                ByteArrayOutputStream echoed = new ByteArrayOutputStream();
                while (echoed.size() < payload.length) {
                    byte[] d = c.receive(DtlsEndpointsTest.WAIT);
                    if (d == null) {
                        throw new AssertionError("echo incomplete: " + echoed.size() + " of " + payload.length);
                    }
                    echoed.write(d);
                }
                assertArrayEquals(payload, echoed.toByteArray());
            }
            return new Run(suite, List.copyOf(relay.toServer));
        }
    }

    static byte[] payload(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + 7);
        }
        return b;
    }

    @Test
    void everyDatagramTheClientSendsFitsTheLimitAndTheHandshakeStillSucceeds() throws Exception {
        for (String suite : new String[] {"TLS_PSK_WITH_AES_128_CCM_8", "TLS_DHE_PSK_WITH_AES_128_GCM_SHA256"}) {
            Run r = run(suite, MTU, MTU, payload(1_000));
            assertTrue(r.largest() <= MTU, suite + ": a datagram of " + r.largest() + " octets, over " + MTU
                    + ": " + r.clientDatagrams());
            assertTrue(r.largest() > MTU - 64, suite + ": the limit was reached, so it was what kept them small: "
                    + r.clientDatagrams());
        }
    }

    @Test
    void withoutTheLimitTheSameRunSendsLargerDatagrams() throws Exception {
        // the control: the relay sees datagrams over 256 octets when neither end has a limit (a server
        // limited to 256 would drop them: SAEF's engine accepts no datagram over its own limit)
        Run r = run("TLS_DHE_PSK_WITH_AES_128_GCM_SHA256", 0, 0, payload(1_000));
        assertTrue(r.largest() > MTU, "largest " + r.largest() + ": " + r.clientDatagrams());
    }

    @Test
    void aSmallLimitWorksAgainstAServerWithTheDefaultLimit() throws Exception {
        // a PSK server's flights are small: the client's limit alone suffices when the replies fit it
        Run r = run("TLS_PSK_WITH_AES_128_CCM_8", MTU, 0, payload(600));
        assertTrue(r.largest() <= MTU, "largest " + r.largest() + ": " + r.clientDatagrams());
    }

    @Test
    void valuesOutsideTheRangeAreRefusedBeforeAnyDatagram() throws Exception {
        SSLContext ctx = clientContext(9, "TLS_PSK_WITH_AES_128_CCM_8");
        for (int bad : new int[] {-1, 1, DtlsClient.MIN_PACKET_SIZE - 1, DtlsClient.MAX_PACKET_SIZE + 1}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> DtlsClient.connect(ctx, "localhost", 9, Duration.ofSeconds(1), bad));
            assertTrue(e.getMessage().startsWith("maximumPacketSize " + bad + " is out of range: give 0"),
                    e.getMessage());
            assertTrue(e.getMessage().contains("256..65507"), e.getMessage());
        }
        assertEquals(256, DtlsClient.MIN_PACKET_SIZE);
    }

    @Test
    void theServerBuilderRefusesTheSameValues() throws Exception {
        SSLContext ctx = clientContext(9, "TLS_PSK_WITH_AES_128_CCM_8");
        for (int bad : new int[] {-1, 1, DtlsClient.MIN_PACKET_SIZE - 1, DtlsClient.MAX_PACKET_SIZE + 1}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> DtlsServer.builder(ctx).maximumPacketSize(bad));
            assertTrue(e.getMessage().contains("256..65507"), e.getMessage());
        }
        DtlsServer.builder(ctx).maximumPacketSize(0).maximumPacketSize(256).maximumPacketSize(65_507);
    }

    /** A UDP relay between one client and the server that records the size of each datagram to the server. */
    static final class SizeRelay implements AutoCloseable {
        final List<Integer> toServer = new CopyOnWriteArrayList<>();
        private final DatagramSocket socket;
        private final Thread thread;

        SizeRelay(InetSocketAddress server) throws IOException {
            socket = new DatagramSocket(0, InetAddress.getLoopbackAddress());
            thread = new Thread(() -> {
                SocketAddress client = null;
                byte[] buf = new byte[65_535];
                while (!socket.isClosed()) {
                    try {
                        DatagramPacket p = new DatagramPacket(buf, buf.length);
                        socket.receive(p);
                        if (p.getSocketAddress().equals(server)) {
                            if (client != null) {
                                socket.send(new DatagramPacket(buf, p.getLength(), client));
                            }
                        } else {
                            client = p.getSocketAddress();
                            toServer.add(p.getLength());
                            socket.send(new DatagramPacket(buf, p.getLength(), server));
                        }
                    } catch (IOException e) {
                        // closed, or an ICMP error: keep relaying until closed
                    }
                }
            }, "size-relay");
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
}
