package dev.saef.frameworks;

import static dev.saef.frameworks.FrameworkPeers.AE_ID;
import static dev.saef.frameworks.FrameworkPeers.AE_KEY;
import static dev.saef.frameworks.FrameworkPeers.AE_KPSA;
import static dev.saef.frameworks.FrameworkPeers.ANON_KEY;
import static dev.saef.frameworks.FrameworkPeers.ANON_KPSA;
import static dev.saef.frameworks.FrameworkPeers.CSE_ID;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpsServer;
import dev.saef.identity.SaefPrincipal;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.client5.http.async.methods.SimpleRequestBuilder;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManagerBuilder;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.client5.http.ssl.ClientTlsStrategyBuilder;
import org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy;
import org.apache.hc.client5.http.ssl.HostnameVerificationPolicy;
import org.apache.hc.client5.http.ssl.NoopHostnameVerifier;
import org.apache.hc.client5.http.ssl.SSLConnectionSocketFactoryBuilder;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpVersion;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.nio.ssl.TlsStrategy;
import org.apache.hc.core5.http.ssl.TLS;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Apache HttpClient 5.4 (classic over our SSLSocket, async over our SSLEngine) against PSK-SAEF
 * servers (the JDK's HttpsServer and Netty, both on SAEF). The TLS configuration is an SSLContext
 * from the provider and {@link HostnameVerificationPolicy#BUILTIN}: HttpClient's own host name
 * verifiers ({@code CLIENT}/{@code BOTH}, the default) read the peer certificate, which a PSK
 * session does not have; {@code BUILTIN} leaves the check to JSSE's HTTPS endpoint identification,
 * which SAEF implements as "the association used is the one configured for this host".
 */
@Timeout(90)
class ApacheHttpClientTest {

    static HttpsServer jdkServer;
    static NettyPskHttpServer nettyServer;

    @BeforeAll
    static void startServers() throws Exception {
        jdkServer = JdkHttpsServers.pskServer(FrameworkPeers.cseContext());
        nettyServer = new NettyPskHttpServer(SslContextBuilder.forServer(FrameworkPeers.cseKeyManagerFactory())
                .sslProvider(SslProvider.JDK).sslContextProvider(FrameworkPeers.PROVIDER).build());
    }

    @AfterAll
    static void stopServers() {
        if (jdkServer != null) {
            jdkServer.stop(0);
        }
        if (nettyServer != null) {
            nettyServer.close();
        }
    }

    static String url(int port, String path) {
        return "https://localhost:" + port + path;
    }

    static SSLContext aeContext(String kpsaId, String key, int port) throws Exception {
        return FrameworkPeers.aeContext(kpsaId, key, "localhost:" + port);
    }

    /** The classic client as a user configures it: TlsSocketStrategy with the SAEF SSLContext. */
    static CloseableHttpClient classicClient(SSLContext ctx) {
        return HttpClients.custom()
                .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
                        .setTlsSocketStrategy(
                                new DefaultClientTlsStrategy(ctx, HostnameVerificationPolicy.BUILTIN, null))
                        .build())
                .build();
    }

    /** The async client: a TlsStrategy from ClientTlsStrategyBuilder with the SAEF SSLContext. */
    static CloseableHttpAsyncClient asyncClient(SSLContext ctx) {
        ClientTlsStrategyBuilder tls = ClientTlsStrategyBuilder.create().setSslContext(ctx).setTlsVersions(TLS.V_1_2);
        tls.setHostnameVerificationPolicy(HostnameVerificationPolicy.BUILTIN); // returns void in 5.4
        return asyncClient(tls.build());
    }

    static CloseableHttpAsyncClient asyncClient(TlsStrategy strategy) {
        CloseableHttpAsyncClient client = HttpAsyncClients.custom()
                .setConnectionManager(PoolingAsyncClientConnectionManagerBuilder.create().setTlsStrategy(strategy)
                        .build())
                .build();
        client.start();
        return client;
    }

    static void assertBoundToCse(SSLSession s) throws Exception {
        assertNotNull(s, "no SSLSession in the HttpClientContext");
        SaefPrincipal idB = assertInstanceOf(SaefPrincipal.class, s.getPeerPrincipal());
        assertEquals(CSE_ID, idB.getName());
        assertEquals("TLSv1.2", s.getProtocol());
    }

    @Test
    void classicClientOverSaefSocket() throws Exception {
        int port = jdkServer.getAddress().getPort();
        try (CloseableHttpClient client = classicClient(aeContext(AE_KPSA, AE_KEY, port))) {
            HttpClientContext context = HttpClientContext.create();
            String peer = client.execute(new HttpGet(url(port, "/classic")), context, r -> {
                assertEquals(200, r.getCode());
                EntityUtils.consume(r.getEntity());
                return r.getFirstHeader("X-SAEF-Peer").getValue();
            });
            assertEquals("bound=" + AE_ID + " kpsa=" + AE_KPSA + " configured=true suite="
                    + "TLS_PSK_WITH_AES_128_GCM_SHA256 protocol=TLSv1.2", peer);
            assertBoundToCse(context.getSSLSession());
            // a pooled, kept-alive connection carries a large body both ways
            for (int i = 0; i < 3; i++) {
                byte[] up = FrameworkPeers.payload(150_000 + i, i);
                HttpPost post = new HttpPost(url(port, "/classic-post?size=" + (400_000 + i)));
                post.setEntity(new ByteArrayEntity(up, ContentType.APPLICATION_OCTET_STREAM));
                HttpClientContext c2 = HttpClientContext.create();
                int n = i;
                client.execute(post, c2, r -> {
                    assertEquals(FrameworkPeers.sha256(up), r.getFirstHeader("X-Request-SHA256").getValue());
                    assertArrayEquals(FrameworkPeers.payload(400_000 + n, 7), EntityUtils.toByteArray(r.getEntity()));
                    return null;
                });
                assertBoundToCse(c2.getSSLSession());
            }
        }
    }

    /**
     * The deprecated {@code SSLConnectionSocketFactory} always runs a {@code HostnameVerifier} (even
     * {@code NoopHostnameVerifier}) after reading the peer certificate chain: it cannot be used with
     * PSK-SAEF. Use {@code DefaultClientTlsStrategy} with {@code HostnameVerificationPolicy.BUILTIN}.
     */
    @Test
    @SuppressWarnings("deprecation")
    void deprecatedSslConnectionSocketFactoryNeedsACertificate() throws Exception {
        int port = jdkServer.getAddress().getPort();
        try (CloseableHttpClient client = HttpClients.custom()
                .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
                        .setSSLSocketFactory(SSLConnectionSocketFactoryBuilder.create()
                                .setSslContext(aeContext(AE_KPSA, AE_KEY, port))
                                .setHostnameVerifier(NoopHostnameVerifier.INSTANCE)
                                .build())
                        .build())
                .build()) {
            SSLPeerUnverifiedException e = assertThrows(
                    SSLPeerUnverifiedException.class,
                    () -> client.execute(new HttpGet(url(port, "/deprecated")), r -> r.getCode()));
            assertTrue(e.getMessage().startsWith("PSK-SAEF sessions have no certificates"), e.getMessage());
        }
    }

    @Test
    void classicClientUnknownAeIdIsBoundToCredentialId() throws Exception {
        int port = jdkServer.getAddress().getPort();
        try (CloseableHttpClient client = classicClient(aeContext(ANON_KPSA, ANON_KEY, port))) {
            String peer = client.execute(new HttpGet(url(port, "/anon")), r -> r.getFirstHeader("X-SAEF-Peer")
                    .getValue());
            assertTrue(peer.startsWith("bound=12-" + ANON_KPSA + " kpsa=" + ANON_KPSA + " configured=false "), peer);
        }
    }

    @Test
    void asyncClientOverSaefEngine() throws Exception {
        for (int port : new int[] {jdkServer.getAddress().getPort(), nettyServer.port()}) {
            // the README's async strategy: BUILTIN plus HTTPS endpoint identification on the engine
            try (CloseableHttpAsyncClient client = asyncClient(ApacheZeroCodeMain.strictBuiltin(
                    aeContext(AE_KPSA, AE_KEY, port)))) {
                HttpClientContext context = HttpClientContext.create();
                SimpleHttpResponse r = client.execute(SimpleRequestBuilder.get(url(port, "/async")).build(), context,
                        null).get(20, TimeUnit.SECONDS);
                assertEquals(200, r.getCode());
                // ALPN offered h2 and http/1.1; neither server selects a protocol: HTTP/1.1
                assertEquals(HttpVersion.HTTP_1_1, r.getVersion());
                assertTrue(r.getFirstHeader("X-SAEF-Peer").getValue().startsWith("bound=" + AE_ID + " kpsa=" + AE_KPSA
                        + " configured=true "), r.getFirstHeader("X-SAEF-Peer").getValue());
                assertBoundToCse(context.getSSLSession());
                // concurrent requests with bodies of many records, over the pool
                List<Future<SimpleHttpResponse>> all = new ArrayList<>();
                for (int i = 0; i < 6; i++) {
                    all.add(client.execute(SimpleRequestBuilder.post(url(port, "/async-post?size=" + (200_000 + i)))
                            .setBody(FrameworkPeers.payload(120_000 + i, i), ContentType.APPLICATION_OCTET_STREAM)
                            .build(), null));
                }
                for (int i = 0; i < all.size(); i++) {
                    SimpleHttpResponse p = all.get(i).get(30, TimeUnit.SECONDS);
                    assertEquals(200, p.getCode());
                    assertEquals(FrameworkPeers.sha256(FrameworkPeers.payload(120_000 + i, i)),
                            p.getFirstHeader("X-Request-SHA256").getValue());
                    assertArrayEquals(FrameworkPeers.payload(200_000 + i, 7), p.getBodyBytes());
                }
            }
        }
        assertTrue(nettyServer.errors.isEmpty(), "Netty server errors: " + nettyServer.errors);
    }

    @Test
    void asyncClientUnknownAeIdIsBoundToCredentialId() throws Exception {
        int port = nettyServer.port();
        try (CloseableHttpAsyncClient client = asyncClient(aeContext(ANON_KPSA, ANON_KEY, port))) {
            SimpleHttpResponse r = client.execute(SimpleRequestBuilder.get(url(port, "/anon")).build(), null)
                    .get(20, TimeUnit.SECONDS);
            String peer = r.getFirstHeader("X-SAEF-Peer").getValue();
            assertTrue(peer.startsWith("bound=12-" + ANON_KPSA + " kpsa=" + ANON_KPSA + " configured=false "), peer);
        }
    }

    /** Runs {@link ApacheZeroCodeMain} in a JVM configured only by system properties; returns its lines. */
    static List<String> runZeroCode(Path dir, Path p12, int certPort, int certIpPort, int seconds) throws Exception {
        int pskPort = jdkServer.getAddress().getPort();
        Path table = FrameworkPeers.writeTable(dir, "associations",
                "# Apache HttpClient zero-code AE\n" + FrameworkPeers.aeTable(AE_KPSA, AE_KEY, "localhost:" + pskPort));
        List<String> cmd = FrameworkPeers.javaCommand(List.of(
                "-Djava.security.properties=" + Paths.get("saef.security").toAbsolutePath(),
                "-Dsaef.associations=" + table, "-Dsaef.localId=" + AE_ID,
                "-Djavax.net.ssl.trustStore=" + p12, "-Djavax.net.ssl.trustStorePassword="
                        + JdkHttpsServers.STORE_PASSWORD),
                ApacheZeroCodeMain.class, url(pskPort, ""), url(certPort, ""), "https://127.0.0.1:" + certIpPort);
        List<String> out = FrameworkPeers.runJvm(cmd, dir, seconds);
        System.out.println(String.join("\n", out));
        return out;
    }

    /**
     * Zero code: a forked JVM configured only by {@code -Djava.security.properties=saef.security}
     * and {@code -Dsaef.*}. {@code HttpClients.createSystem()} reaches certificate servers (handed to
     * the JDK's TLS) but not the PSK CSE: its default host name verifier demands a peer certificate.
     * With the same default SSLContext and {@code HostnameVerificationPolicy.BUILTIN} (still no SAEF
     * import) both kinds of peer work, classic and async; on the async path host names are verified
     * only with the {@code initializeEngine} override ({@link ApacheZeroCodeMain#strictBuiltin}).
     */
    @Test
    void zeroCodeInForkedJvm(@TempDir Path dir) throws Exception {
        Path p12 = JdkHttpsServers.certificateStore(dir);
        // two certificate servers: see keptAliveFallbackConnectionDoesNotStallTheServer for why not one
        HttpsServer certServer = JdkHttpsServers.certificateServer(p12);
        HttpsServer certIpServer = JdkHttpsServers.certificateServer(p12);
        try {
            List<String> out = runZeroCode(dir, p12, certServer.getAddress().getPort(),
                    certIpServer.getAddress().getPort(), 60);
            String all = String.join("\n", out);
            assertEquals("default-provider SAEF", line(out, "default-provider"), all);
            String bound = "bound=" + AE_ID + " kpsa=" + AE_KPSA + " configured=true suite="
                    + "TLS_PSK_WITH_AES_128_GCM_SHA256 protocol=TLSv1.2";
            // the default verifier (policy BOTH) reads the peer certificate: certificate peers only
            for (String api : List.of("classic", "async")) {
                String v = api.equals("async") ? " HTTP/1.1" : "";
                String err = line(out, api + "-system-psk-error");
                assertTrue(err.contains("SSLPeerUnverifiedException: PSK-SAEF sessions have no certificates"), err);
                assertEquals(api + "-system-cert 200" + v + " cert-ok", line(out, api + "-system-cert"), all);
                // wrong host name: refused (classic by JSSE, async by HttpClient's verifier)
                assertTrue(line(out, api + "-system-certip-error").contains("127.0.0.1"), all);
            }
            // BUILTIN: PSK-SAEF to the CSE, certificate TLS to the others, host names checked by JSSE ...
            assertEquals("classic-builtin-psk 200 " + bound, line(out, "classic-builtin-psk"), all);
            assertEquals("classic-builtin-cert 200 cert-ok", line(out, "classic-builtin-cert"), all);
            assertTrue(line(out, "classic-builtin-certip-error").contains(
                    "No subject alternative names matching IP address 127.0.0.1"), all);
            assertEquals("async-strict-psk 200 HTTP/1.1 " + bound, line(out, "async-strict-psk"), all);
            assertEquals("async-strict-cert 200 HTTP/1.1 cert-ok", line(out, "async-strict-cert"), all);
            assertTrue(line(out, "async-strict-certip-error").contains(
                    "No subject alternative names matching IP address 127.0.0.1"), all);
            // ... except on HttpClient 5.4.4's async path without the override: no host name check at all
            assertEquals("async-builtin-psk 200 HTTP/1.1 " + bound, line(out, "async-builtin-psk"), all);
            assertEquals("async-builtin-certip 200 HTTP/1.1 cert-ok", line(out, "async-builtin-certip"), all);
            assertFalse(all.contains(AE_KEY));
        } finally {
            certServer.stop(0);
            certIpServer.stop(0);
        }
    }

    /**
     * Regression test for a SAEF socket bug (client side of saef.fallback=jdk): every read and write
     * on a socket handed to the JDK's TLS calls {@code startHandshake()} on the JDK socket again,
     * which for TLS 1.3 sends a KeyUpdate (update_requested). The KeyUpdate that follows a response
     * wakes the JDK HttpsServer's dispatcher for the idle kept-alive connection; it then blocks
     * reading a request that never comes, and the next connection to that server hangs.
     */
    @Test
    void keptAliveFallbackConnectionDoesNotStallTheServer(@TempDir Path dir) throws Exception {
        Path p12 = JdkHttpsServers.certificateStore(dir);
        HttpsServer certServer = JdkHttpsServers.certificateServer(p12);
        try {
            int port = certServer.getAddress().getPort();
            List<String> out = runZeroCode(dir, p12, port, port, 30);
            assertEquals("classic-system-cert 200 cert-ok", line(out, "classic-system-cert"));
            assertTrue(line(out, "classic-system-certip-error").contains("127.0.0.1"), String.join("\n", out));
        } finally {
            certServer.stop(0);
        }
    }

    static String line(List<String> out, String prefix) {
        return out.stream().filter(l -> l.startsWith(prefix + " ")).findFirst()
                .orElseThrow(() -> new AssertionError("no '" + prefix + "' line in:\n" + String.join("\n", out)));
    }
}
