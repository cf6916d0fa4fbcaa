package dev.saef.jsse;

import dev.saef.protocol.ClientHelloInspector;
import dev.saef.protocol.DebugLog;
import dev.saef.protocol.SaefPolicy;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;

/**
 * The one place that decides who runs a connection, SAEF or the JDK's TLS (SunJSSE), and that
 * performs the hand-off ({@code saef.fallback=jdk}, the default):
 * <ul>
 *   <li>a client connection goes to the JDK when no PSK-SAEF association is configured for its
 *       host and port (TS-0003 clause 8.2.2.1: the association selects the peer; a peer without one
 *       is not a PSK-SAEF peer);</li>
 *   <li>a server connection goes to the JDK when certificate key material is configured (key
 *       managers given to {@code init}, or {@code javax.net.ssl.keyStore}) and the client's
 *       ClientHello offers no PSK suite.</li>
 * </ul>
 * The JDK socket or engine is created here with the application's certificate key managers and
 * trust managers, and the connection's {@link ConnectionSettings} switch to it
 * ({@link ConnectionSettings#handOff}) before its handshake starts. With {@code saef.fallback=none}
 * nothing is ever handed off: the connection fails closed.
 */
final class JdkHandOff {

    private final SaefPolicy policy;
    /** Certificate key managers / trust managers given to {@code init}, for connections handed to the JDK. */
    private final KeyManager[] keyManagers;
    private final TrustManager[] trustManagers;
    private final SecureRandom random;
    private SSLContext jdkContext; // guarded by this

    JdkHandOff(SaefPolicy policy, KeyManager[] keyManagers, TrustManager[] trustManagers, SecureRandom random) {
        this.policy = policy;
        this.keyManagers = keyManagers;
        this.trustManagers = trustManagers;
        this.random = random;
    }

    /** @return true when a client connection to this peer goes to the JDK's TLS (no association, fallback on) */
    boolean clientGoesToJdk(String host, int port) {
        boolean delegate = policy.jdkFallback() && host != null
                && policy.keyManager().chooseClientAssociation(host, port).isEmpty();
        if (delegate) {
            DebugLog.log("client " + host + ":" + port + ": no PSK-SAEF association, handed to the"
                    + " JDK's TLS (saef.fallback=jdk)");
        }
        return delegate;
    }

    /**
     * @return whether a server must look at the ClientHello before choosing: fallback on and
     *     certificate key material configured (key managers given to {@code init}, or
     *     {@code javax.net.ssl.keyStore})
     */
    boolean serverMayHandOff() {
        return policy.jdkFallback() && (keyManagers != null || System.getProperty("javax.net.ssl.keyStore") != null);
    }

    /** @return whether a server whose ClientHello got {@code verdict} goes to the JDK's TLS */
    boolean serverGoesToJdk(ClientHelloInspector.Verdict verdict) {
        return serverMayHandOff() && verdict == ClientHelloInspector.Verdict.NO_PSK;
    }

    /** The JDK's context (SunJSSE; javax.net.ssl.keyStore/trustStore or the managers given), made on first use. */
    private synchronized SSLContext jdkContext() throws SSLException {
        if (jdkContext == null) {
            try {
                if (keyManagers == null && trustManagers == null) {
                    jdkContext = SSLContext.getInstance("Default", "SunJSSE");
                } else {
                    // the application's own certificate key material and trust anchors
                    SSLContext c = SSLContext.getInstance("TLS", "SunJSSE");
                    c.init(keyManagers, trustManagers, random);
                    jdkContext = c;
                }
            } catch (GeneralSecurityException e) {
                throw new SSLException("saef.fallback=jdk: the JDK's TLS (SunJSSE) is not available: "
                        + e.getMessage(), e);
            }
        }
        return jdkContext;
    }

    /** Hands a client engine to a JDK engine for the same peer. */
    SSLEngine clientEngine(String host, int port, ConnectionSettings<?> settings) throws SSLException {
        SSLEngine e = jdkContext().createSSLEngine(host, port);
        e.setUseClientMode(true);
        settings.handOff(JdkSettings.of(e));
        return e;
    }

    /** Hands a server engine whose client offered no PSK suite to a JDK server engine. */
    SSLEngine serverEngine(String host, int port, ConnectionSettings<?> settings) throws SSLException {
        DebugLog.log("server: client " + host + ":" + port + " offers no PSK suite, handed to the"
                + " JDK's TLS (saef.fallback=jdk, javax.net.ssl.keyStore)");
        SSLEngine e = jdkContext().createSSLEngine(host, port);
        e.setUseClientMode(false);
        settings.handOff(JdkSettings.of(e));
        return e;
    }

    /** Hands a client socket to a JDK client socket layered over {@code transport} (not closing it). */
    SSLSocket clientSocket(Socket transport, String host, int port, ConnectionSettings<?> settings)
            throws IOException {
        SSLSocket s = (SSLSocket) jdkContext().getSocketFactory().createSocket(transport, host, port, false);
        s.setUseClientMode(true);
        settings.handOff(JdkSettings.of(s));
        return s;
    }

    /** Hands a server socket to a JDK server socket over {@code transport}, replaying the bytes already read. */
    SSLSocket serverSocket(Socket transport, byte[] consumed, int length, ConnectionSettings<?> settings)
            throws IOException {
        DebugLog.log("server: client " + transport.getRemoteSocketAddress() + " offers no PSK suite,"
                + " handed to the JDK's TLS (saef.fallback=jdk, javax.net.ssl.keyStore)");
        SSLSocket s = (SSLSocket) jdkContext().getSocketFactory().createSocket(transport,
                new ByteArrayInputStream(consumed, 0, length), false);
        settings.handOff(JdkSettings.of(s));
        return s;
    }
}
