package dev.saef.jsse;

import dev.saef.protocol.ConnectionSpec;
import dev.saef.protocol.SaefPolicy;
import dev.saef.protocol.TlsConnection;
import javax.net.ssl.SSLException;

/**
 * What every engine and socket of one initialised {@code SSLContext} shares: the protocol policy
 * and the session contexts. Immutable.
 */
final class SaefContext {
    private final SaefPolicy policy;
    private javax.net.ssl.SSLContext jdkContext;
    private final SaefSessionContext clientSessions = new SaefSessionContext();
    private final SaefSessionContext serverSessions = new SaefSessionContext();

    private final java.util.List<dev.saef.profile.CipherSuiteInfo> clientDefaults;
    private final java.util.List<dev.saef.profile.CipherSuiteInfo> serverDefaults;

    /** Certificate key managers / trust managers given to {@code init}, for connections handed to the JDK. */
    private final javax.net.ssl.KeyManager[] jdkKeyManagers;
    private final javax.net.ssl.TrustManager[] jdkTrustManagers;
    private final java.security.SecureRandom jdkRandom;

    SaefContext(SaefPolicy policy) {
        this(policy, null, null, null);
    }

    SaefContext(SaefPolicy policy, javax.net.ssl.KeyManager[] jdkKeyManagers, javax.net.ssl.TrustManager[] jdkTrustManagers,
            java.security.SecureRandom jdkRandom) {
        this.jdkKeyManagers = jdkKeyManagers;
        this.jdkTrustManagers = jdkTrustManagers;
        this.jdkRandom = jdkRandom;
        this.policy = policy;
        // The standard JSSE properties narrow the defaults to the PSK suites they name, if any.
        this.clientDefaults = policy.profile().defaultsFiltered(System.getProperty("jdk.tls.client.cipherSuites"));
        this.serverDefaults = policy.profile().defaultsFiltered(System.getProperty("jdk.tls.server.cipherSuites"));
    }

    SaefPolicy policy() {
        return policy;
    }

    SaefSessionContext clientSessions() {
        return clientSessions;
    }

    SaefSessionContext serverSessions() {
        return serverSessions;
    }

    /** @return true when a client connection to this peer goes to the JDK's TLS (no association, fallback on) */
    boolean delegatesToJdk(String host, int port) {
        boolean delegate = policy.jdkFallback() && host != null
                && policy.keyManager().chooseClientAssociation(host, port).isEmpty();
        if (delegate) {
            dev.saef.protocol.DebugLog.log("client " + host + ":" + port + ": no PSK-SAEF association, handed to the"
                    + " JDK's TLS (saef.fallback=jdk)");
        }
        return delegate;
    }

    /** The JDK's default context (SunJSSE; javax.net.ssl.keyStore/trustStore), created on first use. */
    javax.net.ssl.SSLContext jdkContext() throws javax.net.ssl.SSLException {
        synchronized (this) {
            if (jdkContext == null) {
                try {
                    if (jdkKeyManagers == null && jdkTrustManagers == null) {
                        jdkContext = javax.net.ssl.SSLContext.getInstance("Default", "SunJSSE");
                    } else {
                        // the application's own certificate key material and trust anchors
                        javax.net.ssl.SSLContext c = javax.net.ssl.SSLContext.getInstance("TLS", "SunJSSE");
                        c.init(jdkKeyManagers, jdkTrustManagers, jdkRandom);
                        jdkContext = c;
                    }
                } catch (java.security.GeneralSecurityException e) {
                    throw new javax.net.ssl.SSLException("saef.fallback=jdk: the JDK's TLS (SunJSSE) is not available: "
                            + e.getMessage(), e);
                }
            }
            return jdkContext;
        }
    }

    /** A JDK client engine carrying over what the application set that applies to certificate TLS. */
    javax.net.ssl.SSLEngine jdkEngine(String host, int port, SaefParameters params) throws javax.net.ssl.SSLException {
        javax.net.ssl.SSLEngine e = jdkContext().createSSLEngine(host, port);
        e.setUseClientMode(true);
        e.setSSLParameters(params.forJdk(e.getSSLParameters()));
        return e;
    }

    /**
     * @return whether a server may hand clients that offer no PSK suite to the JDK's TLS: fallback on
     *     and certificate key material configured (key managers given to {@code init}, or
     *     {@code javax.net.ssl.keyStore})
     */
    boolean serverMayDelegate() {
        return policy.jdkFallback()
                && (jdkKeyManagers != null || System.getProperty("javax.net.ssl.keyStore") != null);
    }

    /** A JDK server engine for a client that offered no PSK suite. */
    javax.net.ssl.SSLEngine jdkServerEngine(String host, int port, SaefParameters params)
            throws javax.net.ssl.SSLException {
        dev.saef.protocol.DebugLog.log("server: client " + host + ":" + port + " offers no PSK suite, handed to the"
                + " JDK's TLS (saef.fallback=jdk, javax.net.ssl.keyStore)");
        javax.net.ssl.SSLEngine e = jdkContext().createSSLEngine(host, port);
        e.setUseClientMode(false);
        e.setSSLParameters(params.forJdk(e.getSSLParameters()));
        return e;
    }

    /** A JDK server socket over {@code transport}, replaying the bytes already read from it. */
    javax.net.ssl.SSLSocket jdkServerSocket(java.net.Socket transport, byte[] consumed, int length,
            SaefParameters params) throws java.io.IOException {
        dev.saef.protocol.DebugLog.log("server: client " + transport.getRemoteSocketAddress() + " offers no PSK suite,"
                + " handed to the JDK's TLS (saef.fallback=jdk, javax.net.ssl.keyStore)");
        javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) jdkContext().getSocketFactory().createSocket(transport,
                new java.io.ByteArrayInputStream(consumed, 0, length), false);
        s.setSSLParameters(params.forJdk(s.getSSLParameters()));
        return s;
    }

    /** A JDK client socket layered over {@code transport} (not closing it), with the carried-over settings. */
    javax.net.ssl.SSLSocket jdkSocket(java.net.Socket transport, String host, int port, SaefParameters params)
            throws java.io.IOException {
        javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) jdkContext().getSocketFactory()
                .createSocket(transport, host, port, false);
        s.setUseClientMode(true);
        s.setSSLParameters(params.forJdk(s.getSSLParameters()));
        return s;
    }

    SaefParameters newParameters(boolean clientMode) {
        return new SaefParameters(policy.profile(), clientDefaults, serverDefaults, clientMode);
    }

    TlsConnection open(ConnectionSpec spec) throws SSLException {
        return TlsConnection.start(policy, spec);
    }

    /** The application's view of the session negotiated on {@code c}; it turns invalid when {@code c} fails. */
    SaefSSLSession session(TlsConnection c, String host, int port, boolean client) {
        return new SaefSSLSession(c.session(), host, port, client ? clientSessions : serverSessions, c);
    }
}
