package dev.saef.jetty;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import org.eclipse.jetty.alpn.client.ALPNClientConnection;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.ssl.ALPNProcessor;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.io.ssl.SslHandshakeListener;

/**
 * Client-side ALPN for Jetty 12 over SAEF engines. Jetty's {@code JDK9ClientALPNProcessor}
 * (jetty-alpn-java-client, pulled in by jetty-http2-client-transport) only {@code appliesTo} engines
 * of the {@code java.base} module, so {@code ALPNClientConnectionFactory} fails every SAEF connection
 * with "No ALPNProcessor for SaefSSLEngine[...]". Same logic as Jetty's, through the standard API:
 * {@link SSLParameters#setApplicationProtocols} before the handshake, {@link SSLEngine#getApplicationProtocol}
 * after it. Registered through {@code META-INF/services/org.eclipse.jetty.io.ssl.ALPNProcessor$Client}.
 */
public final class SaefClientALPNProcessor implements ALPNProcessor.Client {

    @Override
    public boolean appliesTo(SSLEngine sslEngine) {
        return SaefServerALPNProcessor.isSaefEngine(sslEngine);
    }

    @Override
    public void configure(SSLEngine sslEngine, Connection connection) {
        ALPNClientConnection alpn = (ALPNClientConnection) connection;
        SSLParameters params = sslEngine.getSSLParameters();
        params.setApplicationProtocols(alpn.getProtocols().toArray(new String[0]));
        sslEngine.setSSLParameters(params);
        ((SslConnection.SslEndPoint) connection.getEndPoint()).getSslConnection()
                .addHandshakeListener(new SslHandshakeListener() {
                    @Override
                    public void handshakeSucceeded(Event event) {
                        String protocol = alpn.getSSLEngine().getApplicationProtocol();
                        alpn.selected(protocol == null || protocol.isEmpty() ? null : protocol);
                    }
                });
    }

    @Override
    public String toString() {
        return "SaefClientALPNProcessor";
    }
}
