package dev.saef.frameworks.jetty;

import dev.saef.config.AssociationTable;
import dev.saef.config.SaefConfiguration;
import dev.saef.identity.IdentityMode;
import dev.saef.identity.SaefPrincipal;
import dev.saef.jsse.SaefProvider;
import dev.saef.config.PskKeyManagerParameters;
import java.io.StringReader;
import java.security.Principal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.HttpClientTransport;
import org.eclipse.jetty.client.transport.HttpClientConnectionFactory;
import org.eclipse.jetty.client.transport.HttpClientTransportDynamic;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.ClientConnectionFactoryOverHTTP2;
import org.eclipse.jetty.http2.client.transport.HttpClientTransportOverHTTP2;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ssl.SslHandshakeListener;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * Jetty 12 over SAEF for the tests of this package: SAEF contexts built through the public API (as
 * {@code dev.saef.jsse.Peers} does), a Jetty server (HTTP/1.1, or ALPN with h2 and http/1.1) whose
 * handler answers with the identity bound to the TLS session, and Jetty clients.
 */
final class JettySaef {
    static final SaefProvider PROVIDER = new SaefProvider();

    /** Throwaway test key and identities. */
    static final String KPSA = "ae-jetty@in.example.com";
    static final String KEY = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";
    static final String AE_ID = "CAEjetty";
    static final String CSE_ID = "/id-in";

    /** Ephemeral AEAD: acceptable for h2 (RFC 7540 section 9.2.2 and Appendix A). */
    static final String H2_SUITE = "TLS_DHE_PSK_WITH_AES_128_GCM_SHA256";
    /** Non-ephemeral: on RFC 7540's black list, refused for h2 by Jetty's HTTP2ServerConnectionFactory. */
    static final String PLAIN_PSK_GCM = "TLS_PSK_WITH_AES_128_GCM_SHA256";

    private JettySaef() {
    }

    static SSLContext context(String table, UnaryOperator<SaefConfiguration> tweak) throws Exception {
        AssociationTable t = AssociationTable.parse("jetty-test", new StringReader(table), IdentityMode.STRICT, true);
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("PSK", PROVIDER);
        kmf.init(new PskKeyManagerParameters(tweak.apply(SaefConfiguration.of(t, t.inlineKeys()))));
        SSLContext ctx = SSLContext.getInstance("TLS", PROVIDER);
        ctx.init(kmf.getKeyManagers(), null, null);
        return ctx;
    }

    /** The CSE (Entity B): the AE's KpsaID is pre-configured as CAEjetty. */
    static SSLContext serverContext() throws Exception {
        return context(KPSA + " peer=" + AE_ID + " key=hex:" + KEY + "\n", c -> c.withLocalId(CSE_ID));
    }

    /** The AE (Entity A): the CSE /id-in at {@code host:port}; no fallback to certificate TLS. */
    static SSLContext clientContext(String host, int port) throws Exception {
        return context(KPSA + " peer=" + CSE_ID + " address=" + host + ":" + port + " key=hex:" + KEY + "\n",
                c -> c.withLocalId(AE_ID).withJdkFallback(false));
    }

    /** Server options. */
    static final class ServerSpec {
        boolean h2;
        /** SecureRequestCustomizer's sniHostCheck: must be false for PSK (there is no certificate). */
        boolean sniHostCheck;
        Consumer<SslContextFactory.Server> ssl = s -> { };
        final List<SSLEngine> engines = new CopyOnWriteArrayList<>();
    }

    static Server startServer(SSLContext ctx, ServerSpec spec) throws Exception {
        SslContextFactory.Server ssl = new SslContextFactory.Server();
        if (ctx != null) {
            ssl.setSslContext(ctx);
        }
        spec.ssl.accept(ssl);
        return startServer(ssl, spec);
    }

    static Server startServer(SslContextFactory.Server ssl, ServerSpec spec) throws Exception {
        QueuedThreadPool threads = new QueuedThreadPool(16, 2);
        threads.setName("jetty-saef-test");
        Server server = new Server(threads);
        HttpConfiguration config = new HttpConfiguration();
        config.addCustomizer(new SecureRequestCustomizer(spec.sniHostCheck));
        HttpConnectionFactory http11 = new HttpConnectionFactory(config);
        List<ConnectionFactory> factories = new ArrayList<>();
        if (spec.h2) {
            // Jetty's server sets useCipherSuitesOrder(true), which SAEF honours: order the server's
            // suites so that those RFC 7540 allows for h2 (ephemeral AEAD: DHE_PSK) come first.
            ssl.setCipherComparator(org.eclipse.jetty.http2.HTTP2Cipher.COMPARATOR);
            ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory("h2", "http/1.1");
            alpn.setDefaultProtocol(http11.getProtocol());
            factories.add(new SslConnectionFactory(ssl, alpn.getProtocol()));
            factories.add(alpn);
            factories.add(new HTTP2ServerConnectionFactory(config));
        } else {
            factories.add(new SslConnectionFactory(ssl, http11.getProtocol()));
        }
        factories.add(http11);
        ServerConnector connector = new ServerConnector(server, 1, 1, factories.toArray(new ConnectionFactory[0]));
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        connector.addBean(new SslHandshakeListener() {
            @Override
            public void handshakeSucceeded(Event event) {
                spec.engines.add(event.getSSLEngine());
            }
        });
        server.addConnector(connector);
        server.setHandler(new IdentityHandler());
        server.start();
        return server;
    }

    static int port(Server server) {
        return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    static void stop(Server server) {
        if (server != null) {
            try {
                server.stop();
            } catch (Exception e) {
                throw new AssertionError("stopping Jetty failed", e);
            }
        }
    }

    static void stop(HttpClient client) {
        if (client != null) {
            try {
                client.stop();
            } catch (Exception e) {
                throw new AssertionError("stopping the Jetty client failed", e);
            }
        }
    }

    /**
     * Answers with what the server knows about the TLS session: the bound identity (peer principal)
     * found through {@link EndPoint.SslSessionData}, set as a request attribute by
     * {@link SecureRequestCustomizer}.
     */
    static final class IdentityHandler extends Handler.Abstract {
        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            EndPoint.SslSessionData data = (EndPoint.SslSessionData) request.getAttribute(
                    EndPoint.SslSessionData.ATTRIBUTE);
            StringBuilder body = new StringBuilder();
            body.append("version=").append(request.getConnectionMetaData().getHttpVersion().asString());
            body.append(" secure=").append(request.isSecure());
            if (data == null || data.sslSession() == null) {
                body.append(" no-ssl-session-data");
            } else {
                SSLSession session = data.sslSession();
                body.append(" suite=").append(data.cipherSuite());
                body.append(" protocol=").append(session.getProtocol());
                body.append(" certs=").append(data.peerCertificates() == null ? "none" : data.peerCertificates().length);
                Principal p;
                try {
                    p = session.getPeerPrincipal();
                } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
                    p = null; // e.g. a certificate client (handed to the JDK's TLS) without client auth
                }
                body.append(" principal=").append(p == null ? "none" : p.getClass().getName());
                body.append(" bound=").append(p == null ? "-" : p.getName());
                if (p instanceof SaefPrincipal sp) {
                    body.append(" kpsa=").append(sp.kpsaId().map(Object::toString).orElse("-"));
                    body.append(" configured=").append(sp.isConfigured());
                }
                Principal local = session.getLocalPrincipal();
                body.append(" local=").append(local == null ? "-" : local.getName());
            }
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
            Content.Sink.write(response, true, body.toString(), callback);
            return true;
        }
    }

    /** Which transport the client uses. */
    enum ClientKind {
        HTTP11, H2, DYNAMIC_H2_AND_HTTP11
    }

    static HttpClient startClient(SslContextFactory.Client ssl, ClientKind kind, List<SSLEngine> engines)
            throws Exception {
        ClientConnector connector = new ClientConnector();
        connector.setSslContextFactory(ssl);
        connector.setSelectors(1);
        HttpClientTransport transport = switch (kind) {
            case HTTP11 -> new HttpClientTransportOverHTTP(connector);
            case H2 -> new HttpClientTransportOverHTTP2(new HTTP2Client(connector));
            case DYNAMIC_H2_AND_HTTP11 -> new HttpClientTransportDynamic(connector,
                    new ClientConnectionFactoryOverHTTP2.HTTP2(new HTTP2Client(connector)),
                    HttpClientConnectionFactory.HTTP11);
        };
        QueuedThreadPool threads = new QueuedThreadPool(16, 2);
        threads.setName("jetty-saef-client");
        HttpClient client = new HttpClient(transport);
        client.setExecutor(threads);
        client.setConnectTimeout(10_000);
        if (engines != null) {
            client.addBean(new SslHandshakeListener() {
                @Override
                public void handshakeSucceeded(Event event) {
                    engines.add(event.getSSLEngine());
                }
            });
        }
        client.start();
        return client;
    }

    static SslContextFactory.Client clientSsl(SSLContext ctx) {
        SslContextFactory.Client ssl = new SslContextFactory.Client();
        ssl.setSslContext(ctx);
        return ssl;
    }

    /** {@code key=value} pairs of the handler's answer. */
    static java.util.Map<String, String> fields(String body) {
        java.util.Map<String, String> m = new java.util.LinkedHashMap<>();
        for (String part : body.trim().split(" ")) {
            int eq = part.indexOf('=');
            m.put(eq < 0 ? part : part.substring(0, eq), eq < 0 ? "" : part.substring(eq + 1));
        }
        return m;
    }
}
