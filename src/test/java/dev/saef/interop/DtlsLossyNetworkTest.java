package dev.saef.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saef.interop.LossyUdpProxy.Direction;
import dev.saef.jsse.DtlsClient;
import dev.saef.jsse.DtlsDriver;
import dev.saef.jsse.DtlsServer;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import org.eclipse.californium.elements.RawData;
import org.eclipse.californium.scandium.dtls.cipher.CipherSuite;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * DTLS 1.2 PSK-SAEF over a lossy link ({@link LossyUdpProxy}: 5 % loss, 10 % duplicates, 10 %
 * reordering, 0-20 ms delay, multi-record datagrams split, MTU 512, seeded and logged): handshakes
 * complete and data gets through: SAEF to SAEF ({@link DtlsClient} / {@link DtlsServer}, DHE_PSK, whose
 * server flight must be fragmented to the MTU) and SAEF against Scandium in both directions (the
 * mandatory CCM_8 suite; SAEF's client is the JDK-style engine loop of {@code DtlsDriver}). In every test the proxy also drops the first datagram carrying
 * a ServerHello of each client, so both sides must retransmit (RFC 6347 section 4.2.4): the client its
 * ClientHello, the server its flight; the proxy counts the handshake fragments each side sent more
 * than once. Application data has no retransmission in DTLS: the tests resend a request until its
 * echo arrives, as a CoAP client would; the proxy's duplicates of application records must be dropped
 * by the receiver's replay window (a duplicate echo would be seen twice). A failing run prints its
 * seed; {@code -Dsaef.lossy.seed=N} replays it.
 */
@Timeout(60)
class DtlsLossyNetworkTest {

    /** A bad but usable link: what a constrained device on a lossy radio sees. */
    static final LossyUdpProxy.Impairments LINK = new LossyUdpProxy.Impairments(0.05, 0.10, 0.10, 0.5, 20, 512);
    static final int MTU = 512;
    static final int MESSAGES = 5;
    static final int SERVER_HELLO = 2;

    private static LossyUdpProxy proxy(InetSocketAddress server) throws Exception {
        return new LossyUdpProxy(server, LINK, LossyUdpProxy.seedFromProperty()).dropFirst(Direction.TO_CLIENT,
                SERVER_HELLO);
    }

    /** Both sides retransmitted a handshake flight, and nothing exceeded the MTU. */
    private static void assertRetransmittedWithinMtu(LossyUdpProxy p) {
        String why = p.stats();
        System.out.println("LossyUdpProxy " + why);
        assertTrue(p.stats(Direction.TO_CLIENT).forcedDrops.get() >= 1, why);
        assertTrue(p.stats(Direction.TO_SERVER).retransmittedFragments.get() >= 1, "the client retransmitted: " + why);
        assertTrue(p.stats(Direction.TO_CLIENT).retransmittedFragments.get() >= 1, "the server retransmitted: " + why);
        assertEquals(0, p.stats(Direction.TO_SERVER).oversize.get(), "client datagrams over the MTU: " + why);
        assertEquals(0, p.stats(Direction.TO_CLIENT).oversize.get(), "server datagrams over the MTU: " + why);
    }

    private static byte[] message(String from, int i) {
        return (from + " message " + i).getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Sends {@link #MESSAGES} requests through a {@link DtlsClient}, each resent until its echo comes
     * back; a stale echo of an earlier resend is skipped, an echo seen twice fails.
     */
    private static SSLSession dtlsClientExchange(SSLContext ctx, int port, String name) throws Exception {
        try (DtlsClient c = DtlsClient.connect(ctx, "127.0.0.1", port, Duration.ofSeconds(40))) {
            for (int i = 0; i < MESSAGES; i++) {
                byte[] m = message(name, i);
                Set<String> seen = new HashSet<>();
                boolean echoed = false;
                for (int attempt = 0; attempt < 30 && !echoed; attempt++) {
                    c.send(m);
                    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300);
                    while (!echoed && System.nanoTime() < deadline) {
                        byte[] got = c.receive(Duration.ofMillis(Math.max(1, (deadline - System.nanoTime()) / 1_000_000)));
                        if (got != null) {
                            echoed = Arrays.equals(m, got);
                            seen.add(new String(got, StandardCharsets.US_ASCII));
                        }
                    }
                }
                assertTrue(echoed, name + ": message " + i + " never echoed; seen " + seen);
            }
            return c.session();
        }
    }

    @Test
    void saefClientAndSaefServerThroughLossyLink() throws Exception {
        try (DtlsInterop.EchoServer srv = new DtlsInterop.EchoServer(DtlsInterop.serverContext(), MTU);
                LossyUdpProxy p = proxy(srv.server.localAddress())) {
            // DHE_PSK: its ServerKeyExchange (2048-bit group) exceeds 512 octets, so the server must
            // fragment its flight to the MTU (DtlsServer.Builder#maximumPacketSize); the mandatory CCM_8
            // suite crosses the same link in the Scandium tests below
            String suite = "TLS_PSK_DHE_WITH_AES_128_CCM_8";
            SSLContext ctx = InteropContexts.dtlsContext(InteropContexts.clientTable(DtlsInterop.KPSA, p.port(),
                    DtlsInterop.KEY), c -> c.withCipherSuites(suite));
            SSLSession session;
            try {
                session = dtlsClientExchange(ctx, p.port(), "saef");
            } catch (java.io.IOException e) {
                throw new AssertionError("through the lossy link: " + p.stats(), e);
            }
            assertEquals(suite, session.getCipherSuite(), p.stats());
            DtlsServer.Peer peer = srv.awaitConnected();
            DtlsInterop.assertServerSide(peer, suite);
            assertRetransmittedWithinMtu(p);
        }
    }

    @Test
    void saefClientWithScandiumServerThroughLossyLink() throws Exception {
        String suite = "TLS_PSK_WITH_AES_128_CCM_8";
        try (ScandiumPeer server = ScandiumPeer.server(List.of(CipherSuite.TLS_PSK_WITH_AES_128_CCM_8), MTU, 500);
                LossyUdpProxy p = proxy(server.address())) {
            // the JDK-style loop: retransmission = wrap after a receive timeout (300 ms here)
            try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
                socket.setSoTimeout(300);
                SSLEngine e = DtlsInterop.clientContext(p.port()).createSSLEngine("127.0.0.1", p.port());
                e.setUseClientMode(true);
                e.setEnabledCipherSuites(new String[] {suite});
                InetSocketAddress to = new InetSocketAddress("127.0.0.1", p.port());
                DtlsDriver d = new DtlsDriver(e, socket, to, "SAEF client");
                d.handshake();
                assertEquals(suite, e.getSession().getCipherSuite());
                for (int i = 0; i < MESSAGES; i++) {
                    byte[] m = message("saef", i);
                    boolean echoed = false;
                    for (int attempt = 0; attempt < 30 && !echoed; attempt++) {
                        d.send(m);
                        try {
                            while (!echoed) {
                                echoed = Arrays.equals(m, d.receive());
                            }
                        } catch (SocketTimeoutException timeout) {
                            // lost on the way there or back: send again
                        }
                    }
                    assertTrue(echoed, "message " + i + " never echoed by Scandium; " + p.stats());
                }
                DtlsInterop.closeNotify(e, socket, to);
            }
            RawData seen = server.poll(1_000);
            assertNotNull(seen);
            assertEquals(DtlsInterop.KPSA, seen.getSenderIdentity().getName());
            assertRetransmittedWithinMtu(p);
        }
    }

    @Test
    void scandiumClientWithSaefServerThroughLossyLink() throws Exception {
        try (DtlsInterop.EchoServer srv = new DtlsInterop.EchoServer(DtlsInterop.serverContext(), MTU);
                LossyUdpProxy p = proxy(srv.server.localAddress());
                ScandiumPeer client = ScandiumPeer.client(CipherSuite.TLS_PSK_WITH_AES_128_CCM_8, MTU, 500)) {
            InetSocketAddress to = new InetSocketAddress("127.0.0.1", p.port());
            for (int i = 0; i < MESSAGES; i++) {
                byte[] m = message("scandium", i);
                boolean echoed = false;
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                // the first send starts Scandium's handshake; a request is sent again only once Scandium
                // has sent it (or given up) and no echo came within 300 ms
                AtomicBoolean settled = client.sendTracked(m, to);
                while (!echoed && System.nanoTime() < end) {
                    RawData r = client.poll(300);
                    if (r != null) {
                        echoed = Arrays.equals(m, r.getBytes());
                    } else if (settled.get()) {
                        settled = client.sendTracked(m, to);
                    }
                }
                assertTrue(echoed, "message " + i + " never echoed by the SAEF server; " + p.stats());
            }
            DtlsServer.Peer peer = srv.awaitConnected();
            DtlsInterop.assertServerSide(peer, "TLS_PSK_WITH_AES_128_CCM_8");
            assertRetransmittedWithinMtu(p);
        }
    }
}
