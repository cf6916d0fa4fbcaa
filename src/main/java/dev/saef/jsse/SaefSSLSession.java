package dev.saef.jsse;

import dev.saef.protocol.CachedSession;
import dev.saef.protocol.SessionInfo;
import dev.saef.protocol.TlsConnection;
import java.security.Principal;
import java.security.cert.Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLKeyException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSessionBindingEvent;
import javax.net.ssl.SSLSessionBindingListener;
import javax.net.ssl.SSLSessionContext;

/**
 * A PSK-SAEF session as the application sees it. {@link #getPeerPrincipal()} is the identity the
 * security association is bound to (TS-0003 clause 8.2.2.1): IdB on the client; on the server the
 * CSE-ID/AE-ID configured for the KpsaID, else the Credential-ID {@code 12-<KpsaID>} (clause 10.4).
 * It is a {@link dev.saef.identity.SaefPrincipal}. There are no certificates:
 * {@link #getPeerCertificates()} throws {@link SSLPeerUnverifiedException}.
 *
 * <p>{@link #isValid()} turns false when the session is invalidated and as soon as its connection
 * ended with a fatal alert, sent or received (RFC 5246 section 7.2.2: such a session must not be
 * used again), and when the association it is bound to was removed or replaced by a reload of the
 * association table or key store ({@code dev.saef.config.ReloadingKeyManager}). A resumable session is
 * one entry of its context's session cache, whichever connection or {@code SSLSessionContext.getSession}
 * call returned it: {@link #invalidate()} removes it from the cache (no connection resumes it again) and
 * destroys its master secret.
 */
final class SaefSSLSession extends ExtendedSSLSession {

    static final int PACKET_BUFFER_SIZE = 5 + 16384 + 2048;
    static final int APPLICATION_BUFFER_SIZE = 16384 + 2048;

    private final SessionInfo info; // null: the "null session" before a handshake completes
    /** Handshake session only: the suite chosen so far (else null). */
    private final String handshakeSuite;
    private final String peerHost;
    private final int peerPort;
    private final SSLSessionContext context;
    /** The connection this session was negotiated on (null for the null and handshake sessions). */
    private final TlsConnection connection;
    /** The cache entry of a resumable session (shared by every connection that resumes it), else null. */
    private final CachedSession cached;
    /** Application values ({@link #putValue}); made on the first put, so that most sessions hold no map. */
    private volatile Map<String, Object> values;
    private volatile long lastAccessed;
    private volatile boolean valid;

    SaefSSLSession(SessionInfo info, String peerHost, int peerPort, SSLSessionContext context,
            TlsConnection connection, CachedSession cached) {
        this(info, peerHost, peerPort, context, null, connection, cached);
    }

    /** A cached session as {@code SSLSessionContext.getSession} returns it (no connection). */
    SaefSSLSession(CachedSession cached, SSLSessionContext context) {
        this(cached.info(), cached.peerHost(), cached.peerPort(), context, null, null, cached);
        this.lastAccessed = cached.lastAccessedTime();
    }

    private SaefSSLSession(SessionInfo info, String peerHost, int peerPort, SSLSessionContext context,
            String handshakeSuite, TlsConnection connection, CachedSession cached) {
        this.cached = cached;
        this.handshakeSuite = handshakeSuite;
        this.connection = connection;
        this.info = info;
        this.peerHost = peerHost;
        this.peerPort = peerPort;
        this.context = context;
        this.lastAccessed = info != null ? info.creationTime() : System.currentTimeMillis();
        this.valid = info != null;
    }

    static SaefSSLSession nullSession(String peerHost, int peerPort) {
        return new SaefSSLSession(null, peerHost, peerPort, null, null, null, null);
    }

    /** The session under construction: TLSv1.2 and the suite once chosen; no peer yet. */
    static SaefSSLSession handshakeSession(String peerHost, int peerPort, String suiteSoFar) {
        return new SaefSSLSession(null, peerHost, peerPort, null, suiteSoFar, null, null);
    }

    /** @return the protocol-level facts of this session, or null for the null session */
    SessionInfo info() {
        return info;
    }

    @Override
    public byte[] getId() {
        return info == null ? new byte[0] : info.sessionId();
    }

    @Override
    public SSLSessionContext getSessionContext() {
        return context;
    }

    @Override
    public long getCreationTime() {
        return info == null ? lastAccessed : info.creationTime();
    }

    @Override
    public long getLastAccessedTime() {
        return lastAccessed;
    }

    void touch() {
        lastAccessed = System.currentTimeMillis();
    }

    @Override
    public void invalidate() {
        valid = false;
        if (cached != null) {
            cached.invalidate(); // leaves the cache: no connection resumes it again
        }
    }

    /**
     * @return false once invalidated (through any view of a cached session), once the connection ended
     *     with a fatal alert (sent or received), or once its association (KpsaID, peer, Kpsa) was removed
     *     or replaced by a reload
     */
    @Override
    public boolean isValid() {
        return valid && (cached == null || cached.isValid())
                && (connection == null || (connection.failure() == null && connection.associationCurrent()));
    }

    @Override
    public void putValue(String name, Object value) {
        if (name == null || value == null) {
            throw new IllegalArgumentException("name and value must not be null");
        }
        Object old = values().put(name, value);
        if (old instanceof SSLSessionBindingListener l) {
            l.valueUnbound(new SSLSessionBindingEvent(this, name));
        }
        if (value instanceof SSLSessionBindingListener l) {
            l.valueBound(new SSLSessionBindingEvent(this, name));
        }
    }

    @Override
    public Object getValue(String name) {
        if (name == null) {
            throw new IllegalArgumentException("name must not be null");
        }
        Map<String, Object> v = values;
        return v == null ? null : v.get(name);
    }

    @Override
    public void removeValue(String name) {
        if (name == null) {
            throw new IllegalArgumentException("name must not be null");
        }
        Map<String, Object> v = values;
        Object old = v == null ? null : v.remove(name);
        if (old instanceof SSLSessionBindingListener l) {
            l.valueUnbound(new SSLSessionBindingEvent(this, name));
        }
    }

    @Override
    public String[] getValueNames() {
        Map<String, Object> v = values;
        return v == null ? new String[0] : v.keySet().toArray(new String[0]);
    }

    private Map<String, Object> values() {
        Map<String, Object> v = values;
        if (v == null) {
            synchronized (this) {
                v = values;
                if (v == null) {
                    v = new ConcurrentHashMap<>();
                    values = v;
                }
            }
        }
        return v;
    }

    @Override
    public Certificate[] getPeerCertificates() throws SSLPeerUnverifiedException {
        throw new SSLPeerUnverifiedException("PSK-SAEF sessions have no certificates: the peer was authenticated"
                + " by its Kpsa; use getPeerPrincipal() for the bound identity (TS-0003 clause 8.2.2.1)");
    }

    @Override
    public Certificate[] getLocalCertificates() {
        return null;
    }

    @SuppressWarnings({"deprecation", "removal"})
    @Override
    public javax.security.cert.X509Certificate[] getPeerCertificateChain() throws SSLPeerUnverifiedException {
        throw new SSLPeerUnverifiedException("PSK-SAEF sessions have no certificates");
    }

    @Override
    public Principal getPeerPrincipal() throws SSLPeerUnverifiedException {
        if (info == null) {
            throw new SSLPeerUnverifiedException("peer not authenticated: the PSK-SAEF handshake has not completed");
        }
        return info.peerPrincipal();
    }

    @Override
    public Principal getLocalPrincipal() {
        return info == null ? null : info.localPrincipal();
    }

    @Override
    public String getCipherSuite() {
        if (info == null) {
            return handshakeSuite != null ? handshakeSuite : "SSL_NULL_WITH_NULL_NULL";
        }
        return info.cipherSuite();
    }

    @Override
    public String getProtocol() {
        if (info == null) {
            return handshakeSuite != null ? "TLSv1.2" : "NONE";
        }
        return info.protocol();
    }

    @Override
    public String getPeerHost() {
        return peerHost;
    }

    @Override
    public int getPeerPort() {
        return peerPort;
    }

    /** DTLS: the engine's maximum packet size; 0 for TLS (the TLS record limit). */
    private int packetSize;

    /** A DTLS session: reports the engine's maximum packet size as its packet buffer size. */
    static SaefSSLSession datagram(SessionInfo info, String peerHost, int peerPort, SSLSessionContext context,
            int packetSize) {
        SaefSSLSession s = new SaefSSLSession(info, peerHost, peerPort, context, null, null);
        s.packetSize = packetSize;
        return s;
    }

    @Override
    public int getPacketBufferSize() {
        if (packetSize > 0) {
            return packetSize;
        }
        return PACKET_BUFFER_SIZE;
    }

    @Override
    public int getApplicationBufferSize() {
        return APPLICATION_BUFFER_SIZE;
    }

    @Override
    public String[] getLocalSupportedSignatureAlgorithms() {
        return new String[0];
    }

    @Override
    public String[] getPeerSupportedSignatureAlgorithms() {
        return new String[0];
    }

    @Override
    public List<SNIServerName> getRequestedServerNames() {
        return info == null ? List.of() : info.requestedServerNames();
    }

    @Override
    public List<byte[]> getStatusResponses() {
        return List.of();
    }

    @Override
    public String toString() {
        return "SaefSSLSession[" + getProtocol() + ", " + getCipherSuite()
                + (info == null ? "" : ", peer=" + info.peerPrincipal().getName()) + "]";
    }

    /**
     * RFC 5705 keying material from this session's connection (the {@code ExtendedSSLSession} method
     * Java 25 added; declared here so that it overrides there while the provider compiles for 17, where
     * {@link KeyExport#exportKeyingMaterial} reaches it). Works while the connection is open; see
     * {@code TlsConnection#exportKeyingMaterial} for the rules.
     *
     * @param label the exporter label (printable ASCII)
     * @param context the context value, or null for none
     * @param length octets wanted
     * @return fresh octets, owned by the caller
     * @throws SSLKeyException when nothing can be exported (no completed handshake, closed, no EMS)
     */
    public byte[] exportKeyingMaterialData(String label, byte[] context, int length) throws SSLKeyException {
        Objects.requireNonNull(label, "label");
        if (connection == null) {
            throw new SSLKeyException("no keying material to export: this session has no completed handshake");
        }
        return connection.exportKeyingMaterial(label, context, length);
    }

    /**
     * The same octets as {@link #exportKeyingMaterialData} as a key of algorithm {@code keyAlg}; the
     * intermediate copy is zeroed.
     *
     * @param keyAlg the key's algorithm name, e.g. {@code HmacSHA256}
     * @param label the exporter label
     * @param context the context value, or null for none
     * @param length octets wanted
     * @return a new key, owned by the caller
     * @throws SSLKeyException when nothing can be exported
     */
    public SecretKey exportKeyingMaterialKey(String keyAlg, String label, byte[] context, int length)
            throws SSLKeyException {
        Objects.requireNonNull(keyAlg, "keyAlg");
        if (keyAlg.isEmpty()) {
            throw new IllegalArgumentException("empty key algorithm");
        }
        byte[] octets = exportKeyingMaterialData(label, context, length);
        try {
            return new SecretKeySpec(octets, keyAlg);
        } finally {
            Arrays.fill(octets, (byte) 0);
        }
    }
}
