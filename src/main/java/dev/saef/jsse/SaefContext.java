package dev.saef.jsse;

import dev.saef.protocol.ConnectionSpec;
import dev.saef.protocol.DtlsConnection;
import dev.saef.protocol.DtlsHandshakes;
import dev.saef.protocol.SaefPolicy;
import dev.saef.protocol.TlsConnection;
import javax.net.ssl.SSLException;

/**
 * What every engine and socket of one initialised {@code SSLContext} shares: the protocol policy,
 * the session contexts and the hand-off to the JDK's TLS ({@link JdkHandOff}). Immutable.
 */
final class SaefContext {
    private final SaefPolicy policy;
    private final SaefSessionContext clientSessions;
    private final SaefSessionContext serverSessions;

    private final java.util.List<dev.saef.profile.CipherSuiteInfo> clientDefaults;
    private final java.util.List<dev.saef.profile.CipherSuiteInfo> serverDefaults;

    private final JdkHandOff handOff;
    /** DTLS contexts only: the handshake threads and the cookie secret; null for TLS. */
    private final DtlsHandshakes dtls;
    /** The JMX name of this context's handshake counters, or null when JMX refused the bean. */
    private final javax.management.ObjectName handshakesName;

    SaefContext(SaefPolicy policy) {
        this(policy, null, null, null);
    }

    SaefContext(SaefPolicy policy, javax.net.ssl.KeyManager[] jdkKeyManagers, javax.net.ssl.TrustManager[] jdkTrustManagers,
            java.security.SecureRandom jdkRandom) {
        this(policy, jdkKeyManagers, jdkTrustManagers, jdkRandom, false);
    }

    /** @param datagram true for a {@code DTLS} context: DTLS 1.2 engines, the DTLS suite order */
    SaefContext(SaefPolicy policy, javax.net.ssl.KeyManager[] jdkKeyManagers, javax.net.ssl.TrustManager[] jdkTrustManagers,
            java.security.SecureRandom jdkRandom, boolean datagram) {
        this.policy = policy;
        this.dtls = datagram ? new DtlsHandshakes(policy) : null;
        // javax.net.ssl.sessionCacheSize: the initial size of both caches, as in SunJSSE
        int cacheSize = dev.saef.config.SaefProperties.jdkSessionCacheSize(
                System.getProperty(dev.saef.config.SaefProperties.JDK_SESSION_CACHE_SIZE));
        policy.clientSessionCache().setSize(cacheSize);
        policy.serverSessionCache().setSize(cacheSize);
        this.clientSessions = new SaefSessionContext(policy.clientSessionCache());
        this.serverSessions = new SaefSessionContext(policy.serverSessionCache());
        this.handOff = new JdkHandOff(policy, jdkKeyManagers, jdkTrustManagers, jdkRandom);
        // The standard JSSE properties narrow the defaults to the PSK suites they name, if any.
        if (datagram) {
            this.clientDefaults = policy.profile().datagramDefaults();
            this.serverDefaults = clientDefaults;
        } else {
            this.clientDefaults = policy.profile().defaultsFiltered(System.getProperty("jdk.tls.client.cipherSuites"));
            this.serverDefaults = policy.profile().defaultsFiltered(System.getProperty("jdk.tls.server.cipherSuites"));
        }
        this.handshakesName = Handshakes.register(this, policy.handshakeStats());
    }

    /** @return the JMX name of this context's {@link HandshakesMBean}, or null when JMX refused it */
    javax.management.ObjectName handshakesName() {
        return handshakesName;
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

    /** Who runs each connection, SAEF or the JDK's TLS, and the hand-off itself. */
    JdkHandOff handOff() {
        return handOff;
    }

    SaefParameters newParameters(boolean clientMode) {
        return new SaefParameters(policy.profile(), clientDefaults, serverDefaults, clientMode, dtls != null);
    }

    /** @return the DTLS handshake pool and cookie verifier, or null for a TLS context */
    DtlsHandshakes dtls() {
        return dtls;
    }

    /** @return whether this is a {@code DTLS} context */
    boolean datagram() {
        return dtls != null;
    }

    /** Starts a DTLS association (DTLS contexts only). */
    DtlsConnection openDatagram(ConnectionSpec spec, int packetSize, byte[] clientId) throws SSLException {
        return DtlsConnection.start(policy, spec, dtls, packetSize, clientId);
    }

    /** Starts a TLS connection for a socket: key lookups run in place. */
    TlsConnection open(ConnectionSpec spec) throws SSLException {
        return TlsConnection.start(policy, spec);
    }

    /** Starts a TLS connection for an engine: a server's key lookups that may block run as delegated tasks. */
    TlsConnection openForEngine(ConnectionSpec spec) throws SSLException {
        return TlsConnection.start(policy, spec, true);
    }

    /** The application's view of the session negotiated on {@code c}; it turns invalid when {@code c} fails. */
    SaefSSLSession session(TlsConnection c, String host, int port, boolean client) {
        return new SaefSSLSession(c.session(), host, port, client ? clientSessions : serverSessions, c,
                c.cachedSession());
    }
}
