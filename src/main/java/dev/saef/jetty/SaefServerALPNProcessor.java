package dev.saef.jetty;

import java.util.List;
import java.util.function.BiFunction;
import javax.net.ssl.SSLEngine;
import org.eclipse.jetty.alpn.server.ALPNServerConnection;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.ssl.ALPNProcessor;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.io.ssl.SslHandshakeListener;

/**
 * Server-side ALPN for Jetty 12 over SAEF engines. Jetty's own {@code JDK9ServerALPNProcessor}
 * (jetty-alpn-java-server) only {@code appliesTo} engines whose class is in the {@code java.base}
 * module, so {@link org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory} rejects every SAEF
 * connection with "Connection rejected: No ALPN Processor for dev.saef.jsse.SaefSSLEngine".
 *
 * <p>This processor does exactly what Jetty's does, through the standard Java 9 ALPN API that the SAEF
 * engine implements: {@link SSLEngine#setHandshakeApplicationProtocolSelector} calls
 * {@link ALPNServerConnection#select} (which applies Jetty's RFC 7540 9.2.2 cipher check through
 * {@code getHandshakeSession()}), and a handshake listener falls back to the default protocol when
 * the client offered no ALPN. Registered through {@code META-INF/services/org.eclipse.jetty.io.ssl.ALPNProcessor$Server}.
 */
public final class SaefServerALPNProcessor implements ALPNProcessor.Server {

    /** The SAEF engine (package-private {@code dev.saef.jsse.SaefSSLEngine}) and nothing else. */
    static boolean isSaefEngine(SSLEngine engine) {
        return engine != null && engine.getClass().getName().startsWith("dev.saef.jsse.");
    }

    @Override
    public boolean appliesTo(SSLEngine sslEngine) {
        return isSaefEngine(sslEngine);
    }

    @Override
    public void configure(SSLEngine sslEngine, Connection connection) {
        ALPNServerConnection alpn = (ALPNServerConnection) connection;
        Callback callback = new Callback(alpn);
        sslEngine.setHandshakeApplicationProtocolSelector(callback);
        ((SslConnection.SslEndPoint) alpn.getEndPoint()).getSslConnection().addHandshakeListener(callback);
    }

    @Override
    public String toString() {
        return "SaefServerALPNProcessor";
    }

    private static final class Callback implements BiFunction<SSLEngine, List<String>, String>, SslHandshakeListener {
        private final ALPNServerConnection alpn;

        Callback(ALPNServerConnection alpn) {
            this.alpn = alpn;
        }

        @Override
        public String apply(SSLEngine engine, List<String> offered) {
            try {
                alpn.select(offered);
                return alpn.getProtocol();
            } catch (Throwable x) {
                return null; // JSSE semantics: the engine sends no_application_protocol
            }
        }

        @Override
        public void handshakeSucceeded(Event event) {
            if (alpn.getProtocol() == null) {
                alpn.unsupported(); // the client sent no ALPN extension: Jetty's default protocol
            }
        }
    }
}
