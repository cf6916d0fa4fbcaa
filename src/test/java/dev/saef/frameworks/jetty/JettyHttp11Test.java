package dev.saef.frameworks.jetty;

import static dev.saef.frameworks.jetty.JettySaef.AE_ID;
import static dev.saef.frameworks.jetty.JettySaef.CSE_ID;
import static dev.saef.frameworks.jetty.JettySaef.KPSA;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.saef.identity.SaefPrincipal;
import java.security.Security;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLHandshakeException;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Jetty 12 server and client (HTTP/1.1) over SAEF, configured through {@code SslContextFactory}
 * with a SAEF {@code SSLContext}. Checks that Jetty really uses the SAEF engine (Jetty silently falls
 * back to the JDK's provider when it cannot get the configured one), that Jetty's cipher suite filters
 * keep the PSK suites, and what a Jetty handler sees.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class JettyHttp11Test {

    @Test
    void jettyServerAndClientSpeakPskSaefAndSeeTheBoundIdentity() throws Exception {
        JettySaef.ServerSpec spec = new JettySaef.ServerSpec();
        Server server = JettySaef.startServer(JettySaef.serverContext(), spec);
        HttpClient client = null;
        try {
            int port = JettySaef.port(server);
            SslContextFactory.Client ssl = JettySaef.clientSsl(JettySaef.clientContext("localhost", port));
            // endpoint identification stays on (Jetty's default for clients): for PSK it means "the
            // association used is the one configured for this host"
            assertEquals("HTTPS", ssl.getEndpointIdentificationAlgorithm());
            List<SSLEngine> clientEngines = new CopyOnWriteArrayList<>();
            client = JettySaef.startClient(ssl, JettySaef.ClientKind.HTTP11, clientEngines);
            AtomicReference<EndPoint.SslSessionData> clientSide = new AtomicReference<>();
            ContentResponse r = client.newRequest("https://localhost:" + port + "/whoami")
                    // after the handshake: Jetty caches the SslSessionData of the first call, and the
                    // HTTP/1.1 request begins before the TLS handshake (the JDK's engine behaves the same)
                    .onResponseBegin(resp -> clientSide.set(resp.getRequest().getConnection().getSslSessionData()))
                    .timeout(15, TimeUnit.SECONDS).send();

            assertEquals(200, r.getStatus(), r.getContentAsString());
            assertEquals(HttpVersion.HTTP_1_1, r.getVersion());
            Map<String, String> f = JettySaef.fields(r.getContentAsString());
            assertEquals("HTTP/1.1", f.get("version"), r.getContentAsString());
            assertEquals("true", f.get("secure"));
            assertEquals(SaefPrincipal.class.getName(), f.get("principal"), r.getContentAsString());
            assertEquals(AE_ID, f.get("bound"));
            assertEquals(KPSA, f.get("kpsa"));
            assertEquals("true", f.get("configured"));
            assertEquals(CSE_ID, f.get("local"));
            assertEquals("TLSv1.2", f.get("protocol"));
            assertEquals("none", f.get("certs"));
            assertTrue(f.get("suite").startsWith("TLS_PSK_") || f.get("suite").startsWith("TLS_DHE_PSK_"),
                    r.getContentAsString());

            // Jetty used our engines on both sides (no silent fallback to SunJSSE)
            assertEquals(1, spec.engines.size());
            assertEquals("dev.saef.jsse.SaefSSLEngine", spec.engines.get(0).getClass().getName());
            assertEquals("dev.saef.jsse.SaefSSLEngine", clientEngines.get(0).getClass().getName());

            // the client sees IdB, the CSE-ID the association is bound to
            EndPoint.SslSessionData c = clientSide.get();
            assertNotNull(c);
            assertEquals(f.get("suite"), c.cipherSuite());
            assertTrue(c.sslSession().getPeerPrincipal() instanceof SaefPrincipal);
            assertEquals(CSE_ID, c.sslSession().getPeerPrincipal().getName());
            assertEquals(AE_ID, c.sslSession().getLocalPrincipal().getName());

            // a second request reuses the connection
            ContentResponse again = client.GET("https://localhost:" + port + "/again");
            assertEquals(AE_ID, JettySaef.fields(again.getContentAsString()).get("bound"));
            assertEquals(1, spec.engines.size());
        } finally {
            JettySaef.stop(client);
            JettySaef.stop(server);
        }
    }

    /**
     * Jetty's default excludes ({@code ^.*_(MD5|SHA|SHA1)$}, {@code ^TLS_RSA_.*$}, {@code ^SSL_.*$},
     * {@code ^.*_NULL_.*$}, {@code ^.*_anon_.*$}) match none of the clause 10.2.2 suites, so Jetty
     * enables exactly SAEF's defaults; include patterns select among SAEF's supported suites.
     */
    @Test
    void jettyCipherSuiteFiltersKeepThePskSuites() throws Exception {
        SSLContext ctx = JettySaef.serverContext();
        SslContextFactory.Server plain = new SslContextFactory.Server();
        plain.setSslContext(ctx);
        SslContextFactory.Server dheOnly = new SslContextFactory.Server();
        dheOnly.setSslContext(ctx);
        dheOnly.setIncludeCipherSuites("^TLS_DHE_PSK_WITH_AES_.*_GCM_.*$");
        try {
            plain.start();
            dheOnly.start();
            String[] defaults = ctx.getDefaultSSLParameters().getCipherSuites();
            assertTrue(defaults.length > 0);
            assertArrayEquals(defaults, plain.getSelectedCipherSuites());
            assertTrue(Arrays.stream(plain.getSelectedCipherSuites()).allMatch(s -> s.contains("PSK")));
            assertTrue(Arrays.asList(plain.getSelectedCipherSuites()).contains("TLS_PSK_WITH_AES_128_CBC_SHA256"),
                    "the TLS mandatory suite survives Jetty's excludes");
            assertArrayEquals(new String[] {"TLS_DHE_PSK_WITH_AES_128_GCM_SHA256", "TLS_DHE_PSK_WITH_AES_256_GCM_SHA384"},
                    dheOnly.getSelectedCipherSuites());
            // the engine Jetty creates is ours, with Jetty's selection applied
            SSLEngine e = dheOnly.newSSLEngine();
            assertEquals("dev.saef.jsse.SaefSSLEngine", e.getClass().getName());
            assertArrayEquals(dheOnly.getSelectedCipherSuites(), e.getEnabledCipherSuites());
            assertArrayEquals(new String[] {"TLSv1.2"}, e.getEnabledProtocols());
        } finally {
            dheOnly.stop();
            plain.stop();
        }
    }

    /**
     * The pitfall: {@code setProvider("SAEF")} without the provider installed does not fail - Jetty logs
     * "Unable to get SSLContext instance for protocol [TLS] on provider [SAEF], using default" (at INFO)
     * and builds a SunJSSE context. Hence the tests assert the engine class and the principal type.
     */
    @Test
    void providerNameWithoutInstalledProviderFallsBackSilently() throws Exception {
        assumeTrue(Security.getProvider("SAEF") == null, "SAEF is installed in this JVM");
        SslContextFactory.Server ssl = new SslContextFactory.Server();
        ssl.setProvider("SAEF");
        try {
            ssl.start();
            SSLEngine e = ssl.newSSLEngine();
            assertFalse(e.getClass().getName().startsWith("dev.saef."), e.getClass().getName());
            assertEquals("SunJSSE", ssl.getSslContext().getProvider().getName());
            assertTrue(Arrays.stream(ssl.getSelectedCipherSuites()).noneMatch(s -> s.contains("PSK")));
        } finally {
            ssl.stop();
        }
    }

    /**
     * Jetty's {@code SecureRequestCustomizer} defaults to {@code sniHostCheck=true}, and
     * {@code SslConnectionFactory} adds such a customizer when none is configured: it then requires a
     * server certificate matching the Host header, and a PSK session has none, so every request is
     * answered "400 Invalid SNI". PSK servers need {@code new SecureRequestCustomizer(false)}.
     */
    @Test
    void defaultSecureRequestCustomizerRejectsPskRequests() throws Exception {
        JettySaef.ServerSpec spec = new JettySaef.ServerSpec();
        spec.sniHostCheck = true;
        Server server = JettySaef.startServer(JettySaef.serverContext(), spec);
        HttpClient client = null;
        try {
            int port = JettySaef.port(server);
            client = JettySaef.startClient(JettySaef.clientSsl(JettySaef.clientContext("localhost", port)),
                    JettySaef.ClientKind.HTTP11, null);
            ContentResponse r = client.newRequest("https://localhost:" + port + "/").timeout(15, TimeUnit.SECONDS)
                    .send();
            assertEquals(400, r.getStatus());
            assertTrue(r.getContentAsString().contains("Invalid SNI"), r.getContentAsString());
            assertEquals(1, spec.engines.size(), "the PSK handshake itself succeeded");
        } finally {
            JettySaef.stop(client);
            JettySaef.stop(server);
        }
    }

    /**
     * Endpoint identification (HTTPS, on by default in Jetty's client): a host with no association is
     * refused (here with fallback off), and a wrong key fails the handshake; neither reaches the handler.
     */
    @Test
    void clientRefusesHostsWithoutAssociationAndWrongKeys() throws Exception {
        JettySaef.ServerSpec spec = new JettySaef.ServerSpec();
        Server server = JettySaef.startServer(JettySaef.serverContext(), spec);
        HttpClient client = null;
        HttpClient wrongKey = null;
        try {
            int port = JettySaef.port(server);
            client = JettySaef.startClient(JettySaef.clientSsl(JettySaef.clientContext("localhost", port)),
                    JettySaef.ClientKind.HTTP11, null);
            HttpClient c = client;
            ExecutionException x = assertThrows(ExecutionException.class, () -> c
                    .newRequest("https://127.0.0.1:" + port + "/").timeout(15, TimeUnit.SECONDS).send());
            assertTrue(String.valueOf(rootMessage(x)).contains("no PSK-SAEF association for 127.0.0.1:" + port),
                    String.valueOf(rootMessage(x)));

            SSLContext bad = JettySaef.context(KPSA + " peer=" + CSE_ID + " address=localhost:" + port
                    + " key=hex:00000000000000000000000000000000\n", cfg -> cfg.withJdkFallback(false));
            wrongKey = JettySaef.startClient(JettySaef.clientSsl(bad), JettySaef.ClientKind.HTTP11, null);
            HttpClient w = wrongKey;
            ExecutionException y = assertThrows(ExecutionException.class, () -> w
                    .newRequest("https://localhost:" + port + "/").timeout(15, TimeUnit.SECONDS).send());
            assertTrue(hasCause(y, SSLHandshakeException.class), String.valueOf(rootMessage(y)));
            assertTrue(spec.engines.isEmpty());
        } finally {
            JettySaef.stop(wrongKey);
            JettySaef.stop(client);
            JettySaef.stop(server);
        }
    }

    static String rootMessage(Throwable t) {
        Throwable r = t;
        while (r.getCause() != null && r.getCause() != r) {
            r = r.getCause();
        }
        return r.getClass().getName() + ": " + r.getMessage();
    }

    static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }
}
