package dev.saef.jsse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saef.config.PskKeyManagerParameters;
import dev.saef.config.SaefConfiguration;
import dev.saef.identity.SaefPrincipal;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;
import java.util.function.UnaryOperator;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * SSLContext "DTLS" from SAEF: a client engine and a server engine, each driven like the JDK's own
 * DTLS engine ({@link DtlsDriver}), over real UDP sockets on the loopback interface.
 */
@Timeout(60)
class DtlsEngineTest {

    static final String KPSA = "ae42@sp.example.com";
    private static final ExecutorService SERVERS = Executors.newCachedThreadPool();

    @AfterAll
    static void stop() {
        SERVERS.shutdownNow();
    }

    static SSLContext dtls(String table, UnaryOperator<SaefConfiguration> tweak) throws Exception {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("PSK", Peers.PROVIDER);
        kmf.init(new PskKeyManagerParameters(tweak.apply(Peers.config(table))));
        SSLContext ctx = SSLContext.getInstance("DTLS", Peers.PROVIDER);
        ctx.init(kmf.getKeyManagers(), null, null);
        return ctx;
    }

    /** What one client/server run produced. */
    record Run(SSLEngine client, SSLEngine server, DtlsDriver clientDriver, DtlsDriver serverDriver,
            Throwable clientFailure, Throwable serverFailure, byte[] atServer, byte[] atClient) {
    }

    static Run run(String clientKey, IntPredicate clientDrops, IntPredicate serverDrops, int packetSize,
            Duration handshakeTimeout) throws Exception {
        UnaryOperator<SaefConfiguration> tweak = c -> c.toBuilder().handshakeTimeout(handshakeTimeout).build();
        try (DatagramSocket serverSocket = new DatagramSocket(0, InetAddress.getLoopbackAddress());
                DatagramSocket clientSocket = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            serverSocket.setSoTimeout(400);
            clientSocket.setSoTimeout(400);
            int port = serverSocket.getLocalPort();
            SSLContext server = dtls(Peers.serverTable(KPSA, "CAE01", Peers.KEY_HEX), tweak);
            SSLContext client = dtls(Peers.clientTable(KPSA, "localhost:" + port, clientKey), tweak);
            SSLEngine se = server.createSSLEngine("127.0.0.1", clientSocket.getLocalPort());
            se.setUseClientMode(false);
            SSLEngine ce = client.createSSLEngine("localhost", port);
            ce.setUseClientMode(true);
            if (packetSize > 0) {
                for (SSLEngine e : List.of(se, ce)) {
                    SSLParameters p = e.getSSLParameters();
                    p.setMaximumPacketSize(packetSize);
                    e.setSSLParameters(p);
                }
            }
            DtlsDriver sd = new DtlsDriver(se, serverSocket, clientSocket.getLocalSocketAddress(), "server")
                    .dropOutgoing(serverDrops);
            DtlsDriver cd = new DtlsDriver(ce, clientSocket, new InetSocketAddress(InetAddress.getLoopbackAddress(), port),
                    "client").dropOutgoing(clientDrops);
            byte[] ping = "ping over DTLS".getBytes(StandardCharsets.UTF_8);
            byte[] pong = "pong over DTLS".getBytes(StandardCharsets.UTF_8);
            Future<byte[]> serverSide = SERVERS.submit(() -> {
                sd.handshake();
                byte[] got = sd.receive();
                sd.send(pong);
                return got;
            });
            Throwable clientFailure = null;
            Throwable serverFailure = null;
            byte[] atClient = null;
            byte[] atServer = null;
            try {
                cd.handshake();
                cd.send(ping);
                atClient = cd.receive();
            } catch (Exception e) {
                clientFailure = e;
            }
            try {
                atServer = serverSide.get(45, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                serverFailure = e.getCause();
            }
            return new Run(ce, se, cd, sd, clientFailure, serverFailure, atServer, atClient);
        }
    }

    private static final IntPredicate NONE = i -> false;

    @Test
    void contextIsDtlsAndHasNoSockets() throws Exception {
        SSLContext ctx = dtls(Peers.serverTable(KPSA, "CAE01", Peers.KEY_HEX), c -> c);
        assertEquals("DTLS", ctx.getProtocol());
        assertEquals("SAEF", ctx.getProvider().getName());
        assertEquals("SAEF", SSLContext.getInstance("DTLSv1.2", Peers.PROVIDER).getProvider().getName());
        assertThrows(UnsupportedOperationException.class, ctx::getSocketFactory);
        SSLEngine e = ctx.createSSLEngine();
        assertArrayEquals(new String[] {"DTLSv1.2"}, e.getEnabledProtocols());
        assertEquals("TLS_PSK_WITH_AES_128_CCM_8", e.getEnabledCipherSuites()[0]);
        assertThrows(IllegalArgumentException.class, () -> e.setEnabledProtocols(new String[] {"TLSv1.2"}));
        assertEquals(16709, e.getSSLParameters().getMaximumPacketSize());
    }

    @Test
    void handshakeBindsAndCarriesDataBothWays() throws Exception {
        Run r = run(Peers.KEY_HEX, NONE, NONE, 0, Duration.ofSeconds(20));
        assertNoFailure(r);
        assertArrayEquals("ping over DTLS".getBytes(StandardCharsets.UTF_8), r.atServer());
        assertArrayEquals("pong over DTLS".getBytes(StandardCharsets.UTF_8), r.atClient());
        SSLSession cs = r.client().getSession();
        SSLSession ss = r.server().getSession();
        assertEquals("DTLSv1.2", cs.getProtocol());
        assertEquals("TLS_PSK_WITH_AES_128_CCM_8", cs.getCipherSuite());
        assertEquals("TLS_PSK_WITH_AES_128_CCM_8", ss.getCipherSuite());
        SaefPrincipal serverSeen = assertInstanceOf(SaefPrincipal.class, cs.getPeerPrincipal());
        assertEquals("/id-in", serverSeen.getName()); // IdB, clause 8.2.2.1
        assertEquals(KPSA, serverSeen.kpsaId().orElseThrow().value());
        SaefPrincipal clientSeen = assertInstanceOf(SaefPrincipal.class, ss.getPeerPrincipal());
        assertEquals("CAE01", clientSeen.getName());
        assertEquals(KPSA, clientSeen.kpsaId().orElseThrow().value());
        assertEquals(0, r.clientDriver().timeouts.get() + r.serverDriver().timeouts.get(), "no loss, no timeout");
    }

    @Test
    void smallPacketSizeFragmentsAndHonoursGetPacketBufferSize() throws Exception {
        Run r = run(Peers.KEY_HEX, NONE, NONE, 512, Duration.ofSeconds(20));
        assertNoFailure(r);
        assertEquals(512, r.client().getSession().getPacketBufferSize());
        assertEquals(512, r.server().getSSLParameters().getMaximumPacketSize());
    }

    @Test
    void lostFirstFlightIsRetransmittedOnWrapAfterTimeout() throws Exception {
        // the client's first ClientHello and the server's first HelloVerifyRequest never arrive
        Run r = run(Peers.KEY_HEX, i -> i == 0, i -> i == 0, 0, Duration.ofSeconds(20));
        assertNoFailure(r);
        assertEquals(1, r.clientDriver().dropped.get());
        assertEquals(1, r.serverDriver().dropped.get());
        assertTrue(r.clientDriver().timeouts.get() >= 1, "the client timed out and wrapped again");
        assertEquals("TLS_PSK_WITH_AES_128_CCM_8", r.client().getSession().getCipherSuite());
    }

    /**
     * RFC 6347 section 4.1: a retransmitted flight goes out in new records (new sequence numbers), as
     * the JDK's engine does; a byte-identical copy is a replay the peer discards (section 4.1.2.6), which
     * made the application's retransmissions useless against OpenSSL and GnuTLS.
     */
    @Test
    void aFlightResentOnWrapGetsNewRecordSequenceNumbers() throws Exception {
        SSLContext ctx = dtls(Peers.clientTable(KPSA, "localhost:5684", Peers.KEY_HEX), c -> c);
        SSLEngine ce = ctx.createSSLEngine("localhost", 5684);
        ce.setUseClientMode(true);
        ce.beginHandshake();
        try {
            long previous = -1;
            for (int flight = 0; flight < 3; flight++) {
                java.nio.ByteBuffer net = java.nio.ByteBuffer.allocate(ce.getSession().getPacketBufferSize());
                for (int i = 0; i < 200 && net.position() == 0; i++) {
                    Runnable task;
                    while ((task = ce.getDelegatedTask()) != null) {
                        task.run();
                    }
                    ce.wrap(java.nio.ByteBuffer.allocate(0), net); // the first time the ClientHello, then a resend
                }
                assertTrue(net.position() >= 13, "flight " + flight + " was sent");
                assertEquals(22, net.get(0), "a handshake record");
                assertEquals(0, ((net.get(3) & 0xFF) << 8) | (net.get(4) & 0xFF), "epoch 0");
                long seq = 0;
                for (int k = 5; k < 11; k++) {
                    seq = (seq << 8) | (net.get(k) & 0xFF);
                }
                assertTrue(seq > previous, "flight " + flight + " reuses record sequence number " + seq);
                previous = seq;
            }
        } finally {
            ce.closeOutbound();
        }
    }

    @Test
    void wrongKeyFailsWithAClearMessage() throws Exception {
        Run r = run(Peers.OTHER_KEY_HEX, NONE, NONE, 0, Duration.ofSeconds(3));
        SSLHandshakeException c = assertInstanceOf(SSLHandshakeException.class, r.clientFailure());
        assertTrue(c.getMessage().contains("does not hold our Kpsa for KpsaID " + KPSA), c.getMessage());
        SSLHandshakeException s = assertInstanceOf(SSLHandshakeException.class, r.serverFailure());
        assertTrue(s.getMessage().contains("the client used a different Kpsa for KpsaID " + KPSA), s.getMessage());
        for (Throwable t : List.of(c, s)) {
            assertFalse(t.getMessage().contains(Peers.KEY_HEX) || t.getMessage().contains(Peers.OTHER_KEY_HEX));
        }
        assertFalse(r.client().getSession().isValid());
    }

    private static void assertNoFailure(Run r) {
        if (r.clientFailure() != null || r.serverFailure() != null) {
            AssertionError e = new AssertionError("client: " + r.clientFailure() + ", server: " + r.serverFailure());
            if (r.clientFailure() != null) {
                e.addSuppressed(r.clientFailure());
            }
            if (r.serverFailure() != null) {
                e.addSuppressed(r.serverFailure());
            }
            throw e;
        }
        assertNotNull(r.atServer());
    }

    @Test
    void reflectedClientHelloIsRefused() throws Exception {
        // one context as client and server: its server must refuse its own ClientHello (reflection check)
        SSLContext ctx = dtls(Peers.clientTable(KPSA, "localhost:5684", Peers.KEY_HEX), c -> c);
        SSLEngine ce = ctx.createSSLEngine("localhost", 5684);
        ce.setUseClientMode(true);
        SSLEngine se = ctx.createSSLEngine("127.0.0.1", 40000);
        se.setUseClientMode(false);
        DtlsMemoryPair p = new DtlsMemoryPair(ce, se);
        javax.net.ssl.SSLException x = assertThrows(javax.net.ssl.SSLException.class, p::handshake);
        assertTrue(x.getMessage().contains("reflected back"), x.getMessage());
    }

    @Test
    void wrapAfterTimeoutRetransmitsUnlessDisabled() throws Exception {
        for (boolean enabled : new boolean[] {true, false}) {
            SSLContext ctx = dtls(Peers.clientTable(KPSA, "localhost:5684", Peers.KEY_HEX), c -> c);
            SSLEngine ce = ctx.createSSLEngine("localhost", 5684);
            ce.setUseClientMode(true);
            SSLParameters params = ce.getSSLParameters();
            params.setEnableRetransmissions(enabled);
            ce.setSSLParameters(params);
            java.util.ArrayDeque<byte[]> lost = new java.util.ArrayDeque<>();
            ce.beginHandshake();
            DtlsMemoryPair.drain(ce, lost); // the ClientHello, lost on the way
            assertEquals(1, lost.size());
            assertEquals(javax.net.ssl.SSLEngineResult.HandshakeStatus.NEED_UNWRAP, ce.getHandshakeStatus());
            java.nio.ByteBuffer net = java.nio.ByteBuffer.allocate(ce.getSession().getPacketBufferSize());
            javax.net.ssl.SSLEngineResult r = ce.wrap(java.nio.ByteBuffer.allocate(0), net); // after a receive timeout
            if (enabled) {
                assertEquals(lost.peek().length, r.bytesProduced());
                net.flip();
                byte[] again = new byte[net.remaining()];
                net.get(again);
                // the same ClientHello in a new record: only the record sequence number differs (RFC 6347 4.1)
                assertTrue(new java.math.BigInteger(1, java.util.Arrays.copyOfRange(again, 5, 11))
                        .compareTo(new java.math.BigInteger(1, java.util.Arrays.copyOfRange(lost.peek(), 5, 11))) > 0);
                System.arraycopy(lost.peek(), 5, again, 5, 6);
                assertArrayEquals(lost.peek(), again);
            } else {
                assertEquals(0, r.bytesProduced());
            }
            ce.closeOutbound();
        }
    }
}
