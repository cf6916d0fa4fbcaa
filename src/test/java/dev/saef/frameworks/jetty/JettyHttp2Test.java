package dev.saef.frameworks.jetty;
import dev.saef.jetty.SaefClientALPNProcessor;
import dev.saef.jetty.SaefServerALPNProcessor;

import static dev.saef.frameworks.jetty.JettySaef.AE_ID;
import static dev.saef.frameworks.jetty.JettySaef.CSE_ID;
import static dev.saef.frameworks.jetty.JettySaef.H2_SUITE;
import static dev.saef.frameworks.jetty.JettySaef.PLAIN_PSK_GCM;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saef.identity.SaefPrincipal;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLEngine;
import org.eclipse.jetty.alpn.java.client.JDK9ClientALPNProcessor;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * HTTP/2 (h2 over TLS with ALPN) between a Jetty 12 client and server over SAEF. Needs the SAEF ALPN
 * processors of this package (registered in src/test/resources/META-INF/services): Jetty's own only
 * apply to engines of the java.base module. RFC 7540 section 9.2.2 forbids TLS 1.2 suites that are not
 * ephemeral AEAD suites for h2 (Appendix A lists TLS_PSK_WITH_AES_128_GCM_SHA256, all plain PSK and
 * all CBC suites); Jetty's HTTP2ServerConnectionFactory enforces it during ALPN, so h2 over SAEF uses
 * TLS_DHE_PSK_WITH_AES_{128,256}_GCM or TLS_DHE_PSK_WITH_AES_{128,256}_CCM.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class JettyHttp2Test {

    @Test
    void jettysOwnAlpnProcessorRefusesNonJdkEngines() throws Exception {
        SSLEngine saef = JettySaef.clientContext("localhost", 1).createSSLEngine("localhost", 1);
        // JDK9ClientALPNProcessor.appliesTo: engine.getClass().getModule().getName() equals "java.base"
        assertFalse(new JDK9ClientALPNProcessor().appliesTo(saef));
        assertTrue(new SaefClientALPNProcessor().appliesTo(saef));
        assertTrue(new SaefServerALPNProcessor().appliesTo(saef));
        javax.net.ssl.SSLContext sun = javax.net.ssl.SSLContext.getInstance("TLS", "SunJSSE");
        sun.init(null, null, null);
        SSLEngine jdk = sun.createSSLEngine();
        assertTrue(new JDK9ClientALPNProcessor().appliesTo(jdk));
        assertFalse(new SaefClientALPNProcessor().appliesTo(jdk), "JDK engines stay with Jetty's processors");
    }

    @Test
    void h2OverDhePskBetweenJettyClientAndServer() throws Exception {
        JettySaef.ServerSpec spec = new JettySaef.ServerSpec();
        spec.h2 = true;
        Server server = JettySaef.startServer(JettySaef.serverContext(), spec);
        HttpClient client = null;
        try {
            int port = JettySaef.port(server);
            SslContextFactory.Client ssl = JettySaef.clientSsl(JettySaef.clientContext("localhost", port));
            ssl.setIncludeCipherSuites(H2_SUITE);
            List<SSLEngine> engines = new CopyOnWriteArrayList<>();
            client = JettySaef.startClient(ssl, JettySaef.ClientKind.H2, engines);
            AtomicReference<EndPoint.SslSessionData> clientSide = new AtomicReference<>();
            ContentResponse r = client.newRequest("https://localhost:" + port + "/h2")
                    .onResponseBegin(resp -> clientSide.set(resp.getRequest().getConnection().getSslSessionData()))
                    .timeout(15, TimeUnit.SECONDS).send();
            assertEquals(200, r.getStatus(), r.getContentAsString());
            assertEquals(HttpVersion.HTTP_2, r.getVersion());
            Map<String, String> f = JettySaef.fields(r.getContentAsString());
            assertEquals("HTTP/2.0", f.get("version"), r.getContentAsString());
            assertEquals(H2_SUITE, f.get("suite"));
            assertEquals(SaefPrincipal.class.getName(), f.get("principal"));
            assertEquals(AE_ID, f.get("bound"));
            assertEquals("h2", engines.get(0).getApplicationProtocol());
            assertEquals("h2", spec.engines.get(0).getApplicationProtocol());
            assertEquals("dev.saef.jsse.SaefSSLEngine", spec.engines.get(0).getClass().getName());
            assertEquals(CSE_ID, clientSide.get().sslSession().getPeerPrincipal().getName());

            // several streams on the one connection
            for (int i = 0; i < 5; i++) {
                ContentResponse again = client.GET("https://localhost:" + port + "/h2/" + i);
                assertEquals(HttpVersion.HTTP_2, again.getVersion());
                assertEquals(AE_ID, JettySaef.fields(again.getContentAsString()).get("bound"));
            }
            assertEquals(1, spec.engines.size(), "one TLS connection");
        } finally {
            JettySaef.stop(client);
            JettySaef.stop(server);
        }
    }

    /** A client offering h2 and http/1.1 over a default suite list gets h2 when DHE_PSK comes first. */
    @Test
    void dynamicClientNegotiatesH2AndHttp11ByAlpn() throws Exception {
        JettySaef.ServerSpec spec = new JettySaef.ServerSpec();
        spec.h2 = true;
        Server server = JettySaef.startServer(JettySaef.serverContext(), spec);
        HttpClient h2First = null;
        HttpClient http11Only = null;
        try {
            int port = JettySaef.port(server);
            SslContextFactory.Client ssl = JettySaef.clientSsl(JettySaef.clientContext("localhost", port));
            // the SAEF server takes the client's order: put the h2-acceptable suites first
            ssl.setCipherComparator(org.eclipse.jetty.http2.HTTP2Cipher.COMPARATOR);
            h2First = JettySaef.startClient(ssl, JettySaef.ClientKind.DYNAMIC_H2_AND_HTTP11, null);
            ContentResponse r = h2First.newRequest("https://localhost:" + port + "/").timeout(15, TimeUnit.SECONDS)
                    .send();
            assertEquals(HttpVersion.HTTP_2, r.getVersion(), r.getContentAsString());
            String suite = JettySaef.fields(r.getContentAsString()).get("suite");
            assertTrue(suite.startsWith("TLS_DHE_PSK_") || suite.startsWith("TLS_PSK_DHE_"), suite);

            // a client that offers no ALPN at all gets Jetty's default protocol (http/1.1)
            http11Only = JettySaef.startClient(JettySaef.clientSsl(JettySaef.clientContext("localhost", port)),
                    JettySaef.ClientKind.HTTP11, null);
            ContentResponse r11 = http11Only.newRequest("https://localhost:" + port + "/").timeout(15,
                    TimeUnit.SECONDS).send();
            assertEquals(HttpVersion.HTTP_1_1, r11.getVersion());
            assertEquals(AE_ID, JettySaef.fields(r11.getContentAsString()).get("bound"));
        } finally {
            JettySaef.stop(http11Only);
            JettySaef.stop(h2First);
            JettySaef.stop(server);
        }
    }

    /**
     * RFC 7540 section 9.2.2 over SAEF: with a black-listed suite (non-ephemeral
     * TLS_PSK_WITH_AES_128_GCM_SHA256) Jetty's server must not select h2: a client offering h2 and
     * http/1.1 gets http/1.1, an h2-only client gets no_application_protocol.
     */
    @Test
    void h2IsRefusedOverBlackListedPskSuites() throws Exception {
        JettySaef.ServerSpec spec = new JettySaef.ServerSpec();
        spec.h2 = true;
        Server server = JettySaef.startServer(JettySaef.serverContext(), spec);
        HttpClient dynamic = null;
        HttpClient h2Only = null;
        try {
            int port = JettySaef.port(server);
            SslContextFactory.Client ssl = JettySaef.clientSsl(JettySaef.clientContext("localhost", port));
            ssl.setIncludeCipherSuites(PLAIN_PSK_GCM);
            dynamic = JettySaef.startClient(ssl, JettySaef.ClientKind.DYNAMIC_H2_AND_HTTP11, null);
            ContentResponse r = dynamic.newRequest("https://localhost:" + port + "/").timeout(15, TimeUnit.SECONDS)
                    .send();
            assertEquals(PLAIN_PSK_GCM, JettySaef.fields(r.getContentAsString()).get("suite"));
            assertEquals(HttpVersion.HTTP_1_1, r.getVersion(), "h2 must not be selected over " + PLAIN_PSK_GCM);

            SslContextFactory.Client ssl2 = JettySaef.clientSsl(JettySaef.clientContext("localhost", port));
            ssl2.setIncludeCipherSuites(PLAIN_PSK_GCM);
            h2Only = JettySaef.startClient(ssl2, JettySaef.ClientKind.H2, null);
            HttpClient c = h2Only;
            ExecutionException x = assertThrows(ExecutionException.class, () -> c
                    .newRequest("https://localhost:" + port + "/").timeout(15, TimeUnit.SECONDS).send());
            assertTrue(JettyHttp11Test.rootMessage(x).contains("no_application_protocol"), JettyHttp11Test.rootMessage(x));
        } finally {
            JettySaef.stop(h2Only);
            JettySaef.stop(dynamic);
            JettySaef.stop(server);
        }
    }

}
