package dev.saef.jsse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saef.identity.IdentityMode;
import dev.saef.identity.KpsaId;
import dev.saef.identity.SaefPrincipal;
import dev.saef.keys.KeyStoreKeyProvider;
import dev.saef.keys.KeyStoreKeyWriter;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.crypto.spec.SecretKeySpec;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.HandshakeCompletedEvent;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The parts of the JSSE API frameworks rely on, each exercised over a real handshake. */
@Timeout(60)
class JsseSurfaceTest {

    static final String KPSA = "ae42@sp.example.com";

    @Test
    void sslParametersRoundTripKeepsSettingsAndPskState() throws Exception {
        SSLContext ctx = Peers.context(Peers.clientTable(KPSA, "cse.example.net", Peers.KEY_HEX));
        SSLEngine e = ctx.createSSLEngine("cse.example.net", 443);
        e.setUseClientMode(true);
        SSLParameters p = e.getSSLParameters();
        assertArrayEquals(new String[] {"TLSv1.2"}, p.getProtocols());
        p.setCipherSuites(new String[] {"TLS_PSK_WITH_AES_128_CBC_SHA256"});
        p.setEndpointIdentificationAlgorithm("HTTPS");
        p.setServerNames(List.of(new SNIHostName("cse.example.net")));
        p.setApplicationProtocols(new String[] {"http/1.1"});
        // a framework copies the values into a fresh SSLParameters, as HttpClient does
        SSLParameters copy = new SSLParameters(p.getCipherSuites(), p.getProtocols());
        copy.setEndpointIdentificationAlgorithm(p.getEndpointIdentificationAlgorithm());
        copy.setServerNames(p.getServerNames());
        copy.setApplicationProtocols(p.getApplicationProtocols());
        e.setSSLParameters(copy);
        SSLParameters back = e.getSSLParameters();
        assertArrayEquals(new String[] {"TLS_PSK_WITH_AES_128_CBC_SHA256"}, back.getCipherSuites());
        assertEquals("HTTPS", back.getEndpointIdentificationAlgorithm());
        assertEquals(List.of(new SNIHostName("cse.example.net")), back.getServerNames());
        assertArrayEquals(new String[] {"http/1.1"}, back.getApplicationProtocols());
        assertArrayEquals(new String[] {"TLS_PSK_WITH_AES_128_CBC_SHA256"}, e.getEnabledCipherSuites());
        // null suites/protocols mean "unchanged"
        e.setSSLParameters(new SSLParameters());
        assertArrayEquals(new String[] {"TLS_PSK_WITH_AES_128_CBC_SHA256"}, e.getEnabledCipherSuites());
        // the mandatory suites are always supported
        List<String> supported = List.of(e.getSupportedCipherSuites());
        assertTrue(supported.contains("TLS_PSK_WITH_AES_128_CBC_SHA256"));
        assertTrue(supported.contains("TLS_PSK_WITH_AES_128_CCM_8"));
        assertTrue(List.of(ctx.getDefaultSSLParameters().getCipherSuites()).contains("TLS_PSK_WITH_AES_128_CCM_8"));
    }

    @Test
    void httpsEndpointIdentificationRequiresTheAssociationOfThatHost() throws Exception {
        dev.saef.config.SaefConfiguration config = Peers.config(Peers.clientTable(KPSA, "cse.example.net",
                Peers.KEY_HEX));
        dev.saef.keys.Association only = config.associations().associations().get(0);
        // a custom key manager that hands out the same association for every host
        dev.saef.keys.PskKeyManager lax = new dev.saef.keys.PskKeyManager() {
            @Override
            public java.util.Optional<dev.saef.keys.Association> chooseClientAssociation(String h, int p) {
                return java.util.Optional.of(only);
            }

            @Override
            public java.util.Optional<dev.saef.keys.Association> chooseServerAssociation(byte[] id) {
                return java.util.Optional.empty();
            }

            @Override
            public javax.crypto.SecretKey getKey(dev.saef.keys.Association a)
                    throws java.security.GeneralSecurityException {
                return config.keys().getKey(a.kpsaId());
            }

            @Override
            public String describe() {
                return "lax test key manager";
            }
        };
        SSLContext ctx = SSLContext.getInstance("TLS", Peers.PROVIDER);
        ctx.init(new javax.net.ssl.KeyManager[] {lax}, null, null);
        SSLEngine e = ctx.createSSLEngine("evil.example.org", 443);
        e.setUseClientMode(true);
        SSLParameters sp = e.getSSLParameters();
        sp.setEndpointIdentificationAlgorithm("HTTPS");
        e.setSSLParameters(sp);
        javax.net.ssl.SSLHandshakeException x = assertThrows(javax.net.ssl.SSLHandshakeException.class,
                e::beginHandshake);
        assertEquals("endpoint identification (HTTPS) failed: the key manager chose association ae42@sp.example.com"
                + " (test-table:1), which is configured for cse.example.net, not for evil.example.org:443",
                x.getMessage());
        // without endpoint identification the application's key manager decides
        SSLEngine plain = ctx.createSSLEngine("evil.example.org", 443);
        plain.setUseClientMode(true);
        plain.beginHandshake();
        assertEquals(javax.net.ssl.SSLEngineResult.HandshakeStatus.NEED_WRAP, plain.getHandshakeStatus());
    }

    @Test
    void alpnNegotiation() throws Exception {
        // server list
        EnginePair p = EngineHandshakeTest.pair("/id-mn1");
        setAlpn(p.client, "h2", "http/1.1");
        setAlpn(p.server, "http/1.1");
        p.handshake();
        assertEquals("http/1.1", p.client.getApplicationProtocol());
        assertEquals("http/1.1", p.server.getApplicationProtocol());
        // selector, seeing the client's offer and the engine's handshake session state
        p = EngineHandshakeTest.pair("/id-mn1");
        setAlpn(p.client, "h2", "http/1.1");
        AtomicReference<List<String>> offered = new AtomicReference<>();
        p.server.setHandshakeApplicationProtocolSelector((engine, names) -> {
            offered.set(names);
            return "h2";
        });
        p.handshake();
        assertEquals(List.of("h2", "http/1.1"), offered.get());
        assertEquals("h2", p.client.getApplicationProtocol());
        // no ALPN on the server: the client's offer is ignored, "" on both sides
        p = EngineHandshakeTest.pair("/id-mn1");
        setAlpn(p.client, "h2");
        p.handshake();
        assertEquals("", p.client.getApplicationProtocol());
        assertEquals("", p.server.getApplicationProtocol());
        // selector refusing: no_application_protocol
        EnginePair refused = EngineHandshakeTest.pair("/id-mn1");
        setAlpn(refused.client, "h2", "x\nWARN forged log line");
        refused.server.setHandshakeApplicationProtocolSelector((engine, names) -> null);
        javax.net.ssl.SSLException x = assertThrows(javax.net.ssl.SSLException.class, refused::handshake);
        assertTrue(x.getMessage().contains("no_application_protocol"), x.getMessage());
        // the names the client offered are peer input: shown printable, never with a line break
        assertTrue(x.getMessage().contains("accepted none of ['h2', 0x780a"), x.getMessage());
        assertFalse(x.getMessage().contains("\n"), x.getMessage());
    }

    private static void setAlpn(SSLEngine e, String... names) {
        SSLParameters sp = e.getSSLParameters();
        sp.setApplicationProtocols(names);
        e.setSSLParameters(sp);
    }

    @Test
    void serverSniMatcherRefusesOtherNames() throws Exception {
        SSLContext server = Peers.context(Peers.serverTable(KPSA, "CAE01", Peers.KEY_HEX));
        for (String host : new String[] {"cse.example.net", "other.example.net"}) {
            SSLEngine se = server.createSSLEngine();
            se.setUseClientMode(false);
            SSLParameters sp = se.getSSLParameters();
            sp.setSNIMatchers(List.of(javax.net.ssl.SNIHostName.createSNIMatcher("cse\\.example\\.net")));
            se.setSSLParameters(sp);
            SSLContext client = Peers.context(Peers.clientTable(KPSA, host, Peers.KEY_HEX));
            SSLEngine ce = client.createSSLEngine(host, 443);
            ce.setUseClientMode(true);
            EnginePair p = new EnginePair(ce, se);
            if (host.startsWith("cse")) {
                p.handshake();
                assertEquals(List.of(new SNIHostName(host)), ((ExtendedSSLSession) se.getSession())
                        .getRequestedServerNames());
            } else {
                javax.net.ssl.SSLException x = assertThrows(javax.net.ssl.SSLException.class, p::handshake);
                assertTrue(x.getMessage().contains("server name other.example.net, which the SNI matcher refuses"),
                        x.getMessage());
            }
        }
    }

    @Test
    void jdkClientCipherSuitesPropertyNarrowsTheClientDefaults() throws Exception {
        String old = System.getProperty("jdk.tls.client.cipherSuites");
        System.setProperty("jdk.tls.client.cipherSuites",
                "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_PSK_WITH_AES_128_CCM_8,TLS_PSK_WITH_AES_128_CBC_SHA256");
        SSLContext ctx;
        try {
            ctx = Peers.context(Peers.clientTable(KPSA, "cse.example.net", Peers.KEY_HEX));
        } finally {
            if (old == null) {
                System.clearProperty("jdk.tls.client.cipherSuites");
            } else {
                System.setProperty("jdk.tls.client.cipherSuites", old);
            }
        }
        SSLEngine e = ctx.createSSLEngine("cse.example.net", 443);
        assertArrayEquals(new String[] {"TLS_PSK_WITH_AES_128_CCM_8", "TLS_PSK_WITH_AES_128_CBC_SHA256"},
                ctx.getDefaultSSLParameters().getCipherSuites());
        e.setUseClientMode(true);
        assertArrayEquals(new String[] {"TLS_PSK_WITH_AES_128_CCM_8", "TLS_PSK_WITH_AES_128_CBC_SHA256"},
                e.getEnabledCipherSuites());
        e.setUseClientMode(false);
        assertTrue(e.getEnabledCipherSuites().length > 2, "server defaults are not narrowed");
    }

    @Test
    void handshakeListenerLocalPrincipalAndNoSniForIpLiterals() throws Exception {
        SSLContext server = Peers.context(Peers.serverTable(KPSA, "CAE01", Peers.KEY_HEX),
                c -> c.withLocalId("/id-in"));
        try (SSLServerSocket ss = (SSLServerSocket) server.getServerSocketFactory()
                .createServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            int port = ss.getLocalPort();
            CompletableFuture<ExtendedSSLSession> seen = CompletableFuture.supplyAsync(() -> {
                try (SSLSocket s = (SSLSocket) ss.accept()) {
                    s.startHandshake();
                    s.getInputStream().read();
                    return (ExtendedSSLSession) s.getSession();
                } catch (Exception x) {
                    throw new RuntimeException(x);
                }
            });
            SSLContext client = Peers.context(Peers.clientTable(KPSA, "127.0.0.1:" + port, Peers.KEY_HEX),
                    c -> c.withLocalId("CAE01"));
            AtomicReference<HandshakeCompletedEvent> event = new AtomicReference<>();
            CountDownLatch done = new CountDownLatch(1);
            try (SSLSocket s = (SSLSocket) client.getSocketFactory().createSocket("127.0.0.1", port)) {
                s.addHandshakeCompletedListener(ev -> {
                    event.set(ev);
                    done.countDown();
                });
                s.startHandshake();
                assertTrue(done.await(10, TimeUnit.SECONDS));
                assertEquals(s.getSession(), event.get().getSession());
                assertEquals("/id-in", event.get().getPeerPrincipal().getName());
                assertEquals("CAE01", s.getSession().getLocalPrincipal().getName());
                s.getOutputStream().write(1);
            }
            ExtendedSSLSession ss2 = seen.get(30, TimeUnit.SECONDS);
            assertEquals(List.of(), ss2.getRequestedServerNames(), "no SNI for an IP literal (RFC 6066 section 3)");
            assertEquals("/id-in", ss2.getLocalPrincipal().getName());
            assertEquals("CAE01", ss2.getPeerPrincipal().getName());
        }
    }

    @Test
    void socketTimeoutInterruptsAReadAndKeepsTheConnection() throws Exception {
        SSLContext server = Peers.context(Peers.serverTable(KPSA, "CAE01", Peers.KEY_HEX));
        try (SSLServerSocket ss = (SSLServerSocket) server.getServerSocketFactory()
                .createServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            int port = ss.getLocalPort();
            CountDownLatch go = new CountDownLatch(1);
            CompletableFuture<Void> srv = CompletableFuture.runAsync(() -> {
                try (SSLSocket s = (SSLSocket) ss.accept()) {
                    s.startHandshake();
                    go.await(10, TimeUnit.SECONDS);
                    OutputStream out = s.getOutputStream();
                    out.write("late".getBytes());
                    out.flush();
                    s.getInputStream().read();
                } catch (Exception x) {
                    throw new RuntimeException(x);
                }
            });
            SSLContext client = Peers.context(Peers.clientTable(KPSA, "127.0.0.1:" + port, Peers.KEY_HEX));
            try (SSLSocket s = (SSLSocket) client.getSocketFactory().createSocket("127.0.0.1", port)) {
                s.setSoTimeout(200);
                s.startHandshake();
                assertThrows(SocketTimeoutException.class, () -> s.getInputStream().read());
                go.countDown();
                s.setSoTimeout(10_000);
                assertEquals("late", new String(s.getInputStream().readNBytes(4)));
            }
            srv.get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void eofWithoutCloseNotifyIsATruncationError() throws Exception {
        try (ServerSocket plain = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            int port = plain.getLocalPort();
            SSLContext server = Peers.context(Peers.serverTable(KPSA, "CAE01", Peers.KEY_HEX));
            // a PSK server that drops TCP after the handshake without close_notify
            CompletableFuture<Void> srv = CompletableFuture.runAsync(() -> {
                try (Socket raw = plain.accept();
                     SSLSocket s = (SSLSocket) server.getSocketFactory().createSocket(raw, null, port, false)) {
                    s.setUseClientMode(false);
                    s.startHandshake();
                    s.getOutputStream().write("x".getBytes());
                    raw.close();
                } catch (Exception x) {
                    throw new RuntimeException(x);
                }
            });
            SSLContext client = Peers.context(Peers.clientTable(KPSA, "127.0.0.1:" + port, Peers.KEY_HEX));
            try (SSLSocket s = (SSLSocket) client.getSocketFactory().createSocket("127.0.0.1", port)) {
                assertEquals('x', s.getInputStream().read());
                javax.net.ssl.SSLException x = assertThrows(javax.net.ssl.SSLException.class,
                        () -> s.getInputStream().read());
                assertEquals("the peer closed the TCP connection without sending close_notify: the data received"
                        + " may have been truncated", x.getMessage());
            }
            srv.get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void keyManagerFactoryFromPkcs12KeepsExactCaseKpsaId(@TempDir Path dir) throws Exception {
        String kpsa = "AE123-LOCK@in.provider.com";
        char[] pw = "store-pass".toCharArray();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        byte[] key = HexFormat.of().parseHex(Peers.KEY_HEX);
        KeyStoreKeyWriter.storeKey(ks, KpsaId.parse(kpsa, IdentityMode.STRICT), new SecretKeySpec(key, "HmacSHA256"),
                pw);
        Path store = dir.resolve("keys.p12");
        try (OutputStream out = Files.newOutputStream(store)) {
            ks.store(out, pw);
        }
        KeyStore loaded = KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(store)) {
            loaded.load(in, pw);
        }
        Path table = dir.resolve("associations");
        Files.writeString(table, kpsa + " peer=CAE123\n");
        Files.setPosixFilePermissions(table, PosixFilePermissions.fromString("rw-------"));
        String old = System.getProperty("saef.associations");
        System.setProperty("saef.associations", table.toString());
        SSLContext server;
        try {
            KeyManagerFactory kmf = KeyManagerFactory.getInstance("PSK", Peers.PROVIDER);
            kmf.init(loaded, pw);
            server = SSLContext.getInstance("TLSv1.2", Peers.PROVIDER);
            server.init(kmf.getKeyManagers(), null, null);
        } finally {
            if (old == null) {
                System.clearProperty("saef.associations");
            } else {
                System.setProperty("saef.associations", old);
            }
        }
        SSLEngine se = server.createSSLEngine();
        se.setUseClientMode(false);
        SSLContext client = Peers.context(kpsa + " peer=/id-in address=h:1 key=hex:" + Peers.KEY_HEX);
        SSLEngine ce = client.createSSLEngine("h", 1);
        ce.setUseClientMode(true);
        EnginePair p = new EnginePair(ce, se);
        p.handshake();
        SaefPrincipal bound = (SaefPrincipal) se.getSession().getPeerPrincipal();
        assertEquals("CAE123", bound.getName());
        assertEquals(kpsa, bound.kpsaId().orElseThrow().value(), "the KpsaID keeps its case on the wire");
        assertNotNull(se.getSession().getCipherSuite());
    }
}
