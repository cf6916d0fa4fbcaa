package dev.saef.jsse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saef.identity.SaefPrincipal;
import dev.saef.profile.CipherSuiteInfo;
import dev.saef.profile.SuiteProfile;
import java.nio.ByteBuffer;
import java.util.Random;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLEngineResult.Status;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Real PSK-SAEF handshakes between SAEF engines in memory, every profile suite. */
class EngineHandshakeTest {

    static final String KPSA = "cse-mn1@sp.example.com";

    static Stream<String> allSuites() {
        return SuiteProfile.all().stream().map(CipherSuiteInfo::name);
    }

    static EnginePair pair(String serverPeer) throws Exception {
        SSLContext server = Peers.context(Peers.serverTable(KPSA, serverPeer, Peers.KEY_HEX),
                c -> c.withEcdhePskEnabled(true));
        SSLContext client = Peers.context(Peers.clientTable(KPSA, "mn1.example.net:443", Peers.KEY_HEX),
                c -> c.withEcdhePskEnabled(true));
        SSLEngine ce = client.createSSLEngine("mn1.example.net", 443);
        ce.setUseClientMode(true);
        SSLEngine se = server.createSSLEngine();
        se.setUseClientMode(false);
        return new EnginePair(ce, se);
    }

    @ParameterizedTest
    @MethodSource("allSuites")
    void everySuite(String suite) throws Exception {
        EnginePair p = pair("/id-mn1");
        p.client.setEnabledCipherSuites(new String[] {suite});
        assertEquals("SSL_NULL_WITH_NULL_NULL", p.client.getSession().getCipherSuite());
        boolean[] finished = p.handshake();
        assertTrue(finished[0] && finished[1], "both sides report FINISHED exactly when done");
        assertEquals(HandshakeStatus.NOT_HANDSHAKING, p.client.getHandshakeStatus());
        assertEquals(HandshakeStatus.NOT_HANDSHAKING, p.server.getHandshakeStatus());
        assertEquals(suite, p.client.getSession().getCipherSuite());
        assertEquals(suite, p.server.getSession().getCipherSuite());
        assertEquals("/id-in", p.client.getSession().getPeerPrincipal().getName());
        assertEquals("/id-mn1", p.server.getSession().getPeerPrincipal().getName());
        assertEquals("", p.client.getApplicationProtocol());

        byte[] data = new byte[70_000];
        new Random(7).nextBytes(data);
        assertArrayEquals(data, EnginePair.transfer(p.client, p.server, data));
        assertArrayEquals(data, EnginePair.transfer(p.server, p.client, data));
    }

    @Test
    void credentialIdBindingOverEngines() throws Exception {
        EnginePair p = pair(null);
        p.handshake();
        SaefPrincipal principal = (SaefPrincipal) p.server.getSession().getPeerPrincipal();
        assertEquals("12-" + KPSA, principal.getName());
        assertTrue(principal.isDerivedFromCredentialId());
    }

    @Test
    void closeNotifyExchange() throws Exception {
        EnginePair p = pair("/id-mn1");
        p.handshake();
        p.client.closeOutbound();
        assertEquals(HandshakeStatus.NEED_WRAP, p.client.getHandshakeStatus());
        ByteBuffer net = ByteBuffer.allocate(p.client.getSession().getPacketBufferSize());
        SSLEngineResult r = p.client.wrap(ByteBuffer.allocate(0), net);
        assertEquals(Status.CLOSED, r.getStatus());
        assertTrue(r.bytesProduced() > 0);
        assertTrue(p.client.isOutboundDone());
        net.flip();
        ByteBuffer app = ByteBuffer.allocate(p.server.getSession().getApplicationBufferSize());
        r = p.server.unwrap(net, app);
        assertEquals(Status.CLOSED, r.getStatus());
        assertTrue(p.server.isInboundDone());
        // the server answers with its own close_notify
        assertEquals(HandshakeStatus.NEED_WRAP, p.server.getHandshakeStatus());
        ByteBuffer back = ByteBuffer.allocate(p.server.getSession().getPacketBufferSize());
        r = p.server.wrap(ByteBuffer.allocate(0), back);
        assertEquals(Status.CLOSED, r.getStatus());
        assertTrue(p.server.isOutboundDone());
        back.flip();
        r = p.client.unwrap(back, app);
        assertEquals(Status.CLOSED, r.getStatus());
        assertTrue(p.client.isInboundDone());
    }

    @Test
    void closeInboundWithoutCloseNotifyIsReportedAsPossibleTruncation() throws Exception {
        EnginePair p = pair("/id-mn1");
        p.handshake();
        SSLException e = assertThrows(SSLException.class, p.server::closeInbound);
        assertTrue(e.getMessage().contains("truncation"), e.getMessage());
    }

    @Test
    void bufferUnderflowAndOverflow() throws Exception {
        EnginePair p = pair("/id-mn1");
        p.handshake();
        ByteBuffer net = ByteBuffer.allocate(p.client.getSession().getPacketBufferSize());
        byte[] data = new byte[1000];
        p.client.wrap(ByteBuffer.wrap(data), net);
        net.flip();
        // only part of the record: underflow, nothing consumed
        ByteBuffer partial = ByteBuffer.wrap(net.array(), 0, net.limit() - 1);
        ByteBuffer app = ByteBuffer.allocate(p.server.getSession().getApplicationBufferSize());
        SSLEngineResult r = p.server.unwrap(partial, app);
        assertEquals(Status.BUFFER_UNDERFLOW, r.getStatus());
        assertEquals(0, r.bytesConsumed());
        // destination too small: overflow, nothing consumed
        r = p.server.unwrap(net, ByteBuffer.allocate(10));
        assertEquals(Status.BUFFER_OVERFLOW, r.getStatus());
        assertEquals(0, r.bytesConsumed());
        // then the whole record with a proper buffer
        r = p.server.unwrap(net, app);
        assertEquals(Status.OK, r.getStatus());
        assertEquals(1000, r.bytesProduced());
        // wrap into a too small buffer: overflow
        r = p.client.wrap(ByteBuffer.wrap(data), ByteBuffer.allocate(100));
        assertEquals(Status.BUFFER_OVERFLOW, r.getStatus());
    }

    @Test
    void corruptedRecordFailsWithBadRecordMacAndNoPlaintext() throws Exception {
        EnginePair p = pair("/id-mn1");
        p.handshake();
        ByteBuffer net = ByteBuffer.allocate(p.client.getSession().getPacketBufferSize());
        p.client.wrap(ByteBuffer.wrap("secret-data".getBytes()), net);
        net.flip();
        net.put(net.limit() - 3, (byte) (net.get(net.limit() - 3) ^ 1));
        ByteBuffer app = ByteBuffer.allocate(p.server.getSession().getApplicationBufferSize());
        SSLException e = assertThrows(SSLException.class, () -> p.server.unwrap(net, app));
        assertTrue(e.getMessage().contains("bad_record_mac"), e.getMessage());
        assertEquals(0, app.position());
        // the alert goes out on the next wrap, then the engine is closed
        assertEquals(HandshakeStatus.NEED_WRAP, p.server.getHandshakeStatus());
        ByteBuffer alert = ByteBuffer.allocate(p.server.getSession().getPacketBufferSize());
        assertEquals(Status.CLOSED, p.server.wrap(ByteBuffer.allocate(0), alert).getStatus());
        assertTrue(alert.position() > 0);
        assertTrue(p.server.isOutboundDone());
    }

    @Test
    void sessionBeforeHandshakeHasNoPeer() throws Exception {
        EnginePair p = pair("/id-mn1");
        assertThrows(SSLPeerUnverifiedException.class, () -> p.client.getSession().getPeerPrincipal());
        assertNull(p.client.getApplicationProtocol());
        assertThrows(IllegalArgumentException.class, () -> {
            p.client.beginHandshake();
            p.client.setUseClientMode(false);
        });
    }
}
