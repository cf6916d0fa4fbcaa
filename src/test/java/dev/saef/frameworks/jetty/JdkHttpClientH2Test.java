package dev.saef.frameworks.jetty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import javax.net.ssl.SSLContext;
import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code java.net.http.HttpClient} over HTTP/2 (ALPN h2) and HTTP/1.1 on a SAEF SSLEngine, against a
 * Jetty 12 h2 server on SAEF: the JDK client offers h2 and http/1.1; over DHE_PSK (allowed for h2 by
 * RFC 7540 section 9.2.2) the server selects h2.
 */
@Timeout(60)
class JdkHttpClientH2Test {

    @Test
    void httpClientNegotiatesH2OverPskSaef() throws Exception {
        JettySaef.ServerSpec spec = new JettySaef.ServerSpec();
        spec.h2 = true;
        Server server = JettySaef.startServer(JettySaef.serverContext(), spec);
        try {
            int port = JettySaef.port(server);
            SSLContext ctx = JettySaef.clientContext("localhost", port);
            for (HttpClient.Version version : new HttpClient.Version[] {HttpClient.Version.HTTP_2,
                    HttpClient.Version.HTTP_1_1}) {
                HttpClient client = HttpClient.newBuilder().sslContext(ctx).version(version).build();
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("https://localhost:" + port + "/"))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode(), r.body());
                assertEquals(version, r.version(), r.body());
                Map<String, String> f = JettySaef.fields(r.body());
                assertEquals(JettySaef.AE_ID, f.get("bound"), r.body());
                String suite = r.sslSession().orElseThrow().getCipherSuite();
                assertEquals(suite, f.get("suite"));
                if (version == HttpClient.Version.HTTP_2) {
                    assertTrue(suite.startsWith("TLS_DHE_PSK_"), suite);
                }
                assertEquals(JettySaef.CSE_ID, r.sslSession().orElseThrow().getPeerPrincipal().getName());
            }
        } finally {
            JettySaef.stop(server);
        }
    }
}
