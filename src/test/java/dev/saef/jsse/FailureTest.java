package dev.saef.jsse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saef.keys.Association;
import java.net.InetAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Failed handshakes between real SAEF peers, and the exact message each side's user sees. Keys
 * never appear in any message.
 */
@Timeout(60)
class FailureTest {

    static final String KPSA = "ae42@sp.example.com";

    /** What each side threw. */
    record Outcome(Throwable client, Throwable server) {
    }

    static Outcome run(String serverTable, String clientKpsa, String clientKey, String[] clientSuites,
            String[] serverSuites) throws Exception {
        return run(serverTable, java.util.function.UnaryOperator.identity(), clientKpsa, clientKey, clientSuites,
                serverSuites);
    }

    static Outcome run(String serverTable, java.util.function.UnaryOperator<dev.saef.config.SaefConfiguration> serverTweak,
            String clientKpsa, String clientKey, String[] clientSuites, String[] serverSuites) throws Exception {
        SSLContext server = Peers.context(serverTable, serverTweak);
        try (SSLServerSocket ss = (SSLServerSocket) server.getServerSocketFactory()
                .createServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            if (serverSuites != null) {
                ss.setEnabledCipherSuites(serverSuites);
            }
            int port = ss.getLocalPort();
            CompletableFuture<Throwable> serverSide = CompletableFuture.supplyAsync(() -> {
                try (SSLSocket s = (SSLSocket) ss.accept()) {
                    s.startHandshake();
                    return null;
                } catch (Throwable t) {
                    return t;
                }
            });
            SSLContext client = Peers.context(Peers.clientTable(clientKpsa, "127.0.0.1:" + port, clientKey));
            Throwable clientError = null;
            try (SSLSocket s = (SSLSocket) client.getSocketFactory().createSocket("127.0.0.1", port)) {
                if (clientSuites != null) {
                    s.setEnabledCipherSuites(clientSuites);
                }
                s.startHandshake();
            } catch (Throwable t) {
                clientError = t;
            }
            return new Outcome(clientError, serverSide.get(30, TimeUnit.SECONDS));
        }
    }

    static void assertNoKeyIn(Outcome o) {
        for (Throwable t = o.client(); t != null; t = t.getCause()) {
            assertFalse(String.valueOf(t.getMessage()).contains(Peers.KEY_HEX), t.toString());
            assertFalse(String.valueOf(t.getMessage()).contains(Peers.OTHER_KEY_HEX), t.toString());
        }
        for (Throwable t = o.server(); t != null; t = t.getCause()) {
            assertFalse(String.valueOf(t.getMessage()).contains(Peers.KEY_HEX), t.toString());
            assertFalse(String.valueOf(t.getMessage()).contains(Peers.OTHER_KEY_HEX), t.toString());
        }
    }

    @Test
    void wrongKey() throws Exception {
        Outcome o = run(Peers.serverTable(KPSA, "CAE01", Peers.KEY_HEX), KPSA, Peers.OTHER_KEY_HEX, null, null);
        assertInstanceOf(SSLHandshakeException.class, o.server());
        assertEquals("the client's Finished message failed verification (alert bad_record_mac): the client used a"
                + " different Kpsa for KpsaID ae42@sp.example.com", o.server().getMessage());
        assertInstanceOf(SSLHandshakeException.class, o.client());
        assertEquals("the server could not verify our Finished message (alert bad_record_mac): it does not hold our Kpsa for KpsaID "
                + "ae42@sp.example.com" + ": either the Kpsa differs between the two sides, or the server does not know this KpsaID and hides"
                + " that (as GnuTLS does); provision the same KpsaID and Kpsa on both sides (TS-0003 clause 8.2.2.1)", o.client().getMessage());
        assertNoKeyIn(o);
    }

    /** Default (saef.unknownIdentity=hide): the client sees a wrong key; the server's message says what happened. */
    @Test
    void unknownIdentity() throws Exception {
        Outcome o = run(Peers.serverTable(KPSA, "CAE01", Peers.KEY_HEX), "stranger@evil.example.org",
                Peers.KEY_HEX, null, null);
        assertInstanceOf(SSLHandshakeException.class, o.server());
        assertEquals("the client offered KpsaID 'stranger@evil.example.org', which is not provisioned in"
                + " association table test-table; answered as for a wrong Kpsa (alert bad_record_mac) so that clients"
                + " cannot tell unknown KpsaIDs from known ones (saef.unknownIdentity=hide, RFC 4279 section 5)",
                o.server().getMessage());
        assertEquals("the server could not verify our Finished message (alert bad_record_mac): it does not hold our Kpsa"
                + " for KpsaID stranger@evil.example.org: either the Kpsa differs between the two sides, or the server"
                + " does not know this KpsaID and hides that (as GnuTLS does); provision the same KpsaID and Kpsa on both"
                + " sides (TS-0003 clause 8.2.2.1)", o.client().getMessage());
        assertNoKeyIn(o);
    }

    @Test
    void unknownIdentityRevealed() throws Exception {
        Outcome o = run(Peers.serverTable(KPSA, "CAE01", Peers.KEY_HEX), c -> c.withHideUnknownIdentities(false),
                "stranger@evil.example.org", Peers.KEY_HEX, null, null);
        assertEquals("the client offered KpsaID 'stranger@evil.example.org', which is not provisioned in"
                + " association table test-table; sent alert unknown_psk_identity", o.server().getMessage());
        assertEquals("the server does not know KpsaID stranger@evil.example.org (alert unknown_psk_identity):"
                + " provision the same KpsaID and Kpsa on both sides (TS-0003 clause 8.2.2.1)", o.client().getMessage());
        assertNoKeyIn(o);
    }

    @Test
    void noSharedSuite() throws Exception {
        Outcome o = run(Peers.serverTable(KPSA, "CAE01", Peers.KEY_HEX), KPSA, Peers.KEY_HEX,
                new String[] {"TLS_PSK_WITH_AES_128_CBC_SHA256"}, new String[] {"TLS_PSK_WITH_AES_128_CCM_8"});
        assertEquals("no cipher suite in common (alert handshake_failure): the client offered"
                + " [TLS_PSK_WITH_AES_128_CBC_SHA256, TLS_EMPTY_RENEGOTIATION_INFO_SCSV];"
                + " this server accepts [TLS_PSK_WITH_AES_128_CCM_8]", o.server().getMessage());
        assertEquals("the server rejected the handshake (alert handshake_failure): most likely no cipher suite in"
                + " common; we offered [TLS_PSK_WITH_AES_128_CBC_SHA256]", o.client().getMessage());
    }

    @Test
    void noAssociationForHost() throws Exception {
        // with saef.fallback=none: a clear error
        SSLContext client = Peers.context(Peers.clientTable(KPSA, "cse.example.net:8443", Peers.KEY_HEX),
                c -> c.withJdkFallback(false));
        SSLEngine e = client.createSSLEngine("other.example.net", 443);
        e.setUseClientMode(true);
        SSLHandshakeException x = assertThrows(SSLHandshakeException.class, e::beginHandshake);
        assertEquals("no PSK-SAEF association for other.example.net:443 in association table test-table: add a line"
                + " '<KpsaID> peer=<CSE-ID of the server> address=other.example.net:443' (TS-0003 clause 8.2.2.1,"
                + " Association Configuration)", x.getMessage());
        assertTrue(e.isOutboundDone() && e.isInboundDone());

        // with the default saef.fallback=jdk: the JDK's certificate TLS takes the peer over
        SSLContext lenient = Peers.context(Peers.clientTable(KPSA, "cse.example.net:8443", Peers.KEY_HEX));
        SSLEngine j = lenient.createSSLEngine("other.example.net", 443);
        j.setUseClientMode(true);
        j.beginHandshake();
        assertTrue(java.util.List.of(j.getEnabledCipherSuites()).contains("TLS_AES_128_GCM_SHA256"),
                "the JDK's suites after delegation");
        // a peer with an association never falls back
        SSLEngine own = lenient.createSSLEngine("cse.example.net", 8443);
        own.setUseClientMode(true);
        own.beginHandshake();
        assertTrue(java.util.List.of(own.getEnabledCipherSuites()).stream().allMatch(n -> n.contains("PSK")));
    }

    @Test
    void clientAssociationWithoutPeerIsRefused() throws Exception {
        SSLContext client = Peers.context(KPSA + " address=cse.example.net key=hex:" + Peers.KEY_HEX + "\n");
        SSLEngine e = client.createSSLEngine("cse.example.net", 443);
        e.setUseClientMode(true);
        SSLHandshakeException x = assertThrows(SSLHandshakeException.class, e::beginHandshake);
        assertEquals("association ae42@sp.example.com (test-table:1) has no peer=: as a client (Entity A) SAEF binds"
                + " the session to the configured IdB, the server's CSE-ID (TS-0003 clause 8.2.2.1); add"
                + " peer=<CSE-ID>", x.getMessage());
    }

    @Test
    void suitesOutsideTheProfileAreRefused() throws Exception {
        SSLContext ctx = Peers.context(Peers.serverTable(KPSA, null, Peers.KEY_HEX));
        SSLEngine e = ctx.createSSLEngine();
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class,
                () -> e.setEnabledCipherSuites(new String[] {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"}));
        assertTrue(x.getMessage().startsWith("setEnabledCipherSuites: cipher suite TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
                + " is not a PSK suite (certificate suites, clause 10.2.3, are not provided by the SAEF provider)."),
                x.getMessage());
        x = assertThrows(IllegalArgumentException.class,
                () -> e.setEnabledCipherSuites(new String[] {"TLS_PSK_WITH_NULL_SHA256"}));
        assertTrue(x.getMessage().contains("insecure and not allowed"), x.getMessage());
        x = assertThrows(IllegalArgumentException.class,
                () -> e.setEnabledCipherSuites(new String[] {"TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256"}));
        assertTrue(x.getMessage().contains("set saef.enableEcdhePsk=true"), x.getMessage());
        x = assertThrows(IllegalArgumentException.class, () -> e.setEnabledProtocols(new String[] {"TLSv1.3"}));
        assertEquals("setEnabledProtocols: protocol TLSv1.3 is not supported; TS-0003 clause 10.2.1 requires TLS 1.2"
                + " (TLSv1.2) over TCP", x.getMessage());
        // nothing changed
        assertEquals(java.util.List.of(ctx.getDefaultSSLParameters().getCipherSuites()),
                java.util.List.of(e.getEnabledCipherSuites()));
    }

    @Test
    void plaintextPeerGetsAClearError() throws Exception {
        try (java.net.ServerSocket plain = new java.net.ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            CompletableFuture.runAsync(() -> {
                try (java.net.Socket s = plain.accept()) {
                    s.getOutputStream().write("HTTP/1.1 400 Bad Request\r\n\r\n".getBytes());
                    s.getInputStream().read(new byte[100]);
                } catch (Exception ignored) {
                    // test server
                }
            });
            int port = plain.getLocalPort();
            SSLContext client = Peers.context(Peers.clientTable(KPSA, "127.0.0.1:" + port, Peers.KEY_HEX));
            try (SSLSocket s = (SSLSocket) client.getSocketFactory().createSocket("127.0.0.1", port)) {
                javax.net.ssl.SSLException x = assertThrows(javax.net.ssl.SSLException.class, s::startHandshake);
                assertTrue(x.getMessage().contains("PSK-SAEF handshake failed") || x.getMessage().contains("alert"),
                        x.getMessage());
            }
        }
    }
}
