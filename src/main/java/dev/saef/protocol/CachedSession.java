package dev.saef.protocol;

import java.util.Arrays;
import org.bouncycastle.tls.SessionParameters;
import org.bouncycastle.tls.TlsSession;

/**
 * One resumable TLS 1.2 session in a {@link SessionCache} (RFC 5246 section 7.4.1.2, session IDs):
 * the bound session as the application saw it ({@link SessionInfo}: association, principal,
 * creation time), Bouncy Castle's {@link TlsSession} with the master secret, and a keyed fingerprint
 * of the association and Kpsa it was derived from ({@link SessionCache#fingerprint}), which is
 * compared again with the current association before every resumption. Holds no Kpsa.
 *
 * <p>The master secret is destroyed (its octets zeroed) when the session leaves the cache: expiry,
 * eviction, {@link #invalidate()}, a fatal alert on a connection that used it, or a changed or removed
 * association.
 */
public final class CachedSession {
    private final SessionCache cache;
    private final byte[] id;
    private final TlsSession tlsSession;
    private final SessionInfo info;
    private final byte[] fingerprint;
    private final String peerHost;
    private final int peerPort;
    private final int cipherSuite;
    /** Client: host, port and KpsaID the session may be offered to; null on a server. */
    final String peerKey;
    /** Client: the RFC 5077 ticket the server gave for this session, offered with it; else null. */
    private final byte[] ticket;
    private volatile long lastAccessed;
    private volatile boolean valid = true;

    CachedSession(SessionCache cache, TlsSession tlsSession, SessionInfo info, byte[] fingerprint, String peerHost,
            int peerPort, String peerKey) {
        this(cache, tlsSession, info, fingerprint, peerHost, peerPort, peerKey, null);
    }

    CachedSession(SessionCache cache, TlsSession tlsSession, SessionInfo info, byte[] fingerprint, String peerHost,
            int peerPort, String peerKey, byte[] ticket) {
        this.ticket = ticket == null ? null : ticket.clone();
        this.cache = cache;
        byte[] sid = tlsSession.getSessionID();
        // one read-only copy of the ID per session: the SessionInfo's, when it is the same ID
        this.id = java.util.Arrays.equals(sid, info.sessionIdShared()) ? info.sessionIdShared() : sid.clone();
        this.tlsSession = tlsSession;
        this.info = info;
        this.fingerprint = fingerprint.clone();
        this.peerHost = peerHost;
        this.peerPort = peerPort;
        this.peerKey = peerKey;
        SessionParameters p = tlsSession.exportSessionParameters();
        this.cipherSuite = p == null ? -1 : p.getCipherSuite();
        this.lastAccessed = info.creationTime();
    }

    /** @return the session ID */
    public byte[] id() {
        return id.clone();
    }

    byte[] idNoCopy() {
        return id;
    }

    /** @return the session as established by its full handshake (binding, suite, creation time) */
    public SessionInfo info() {
        return info;
    }

    /** @return the peer host the session was established with (client), or null */
    public String peerHost() {
        return peerHost;
    }

    /** @return the peer port, or -1 */
    public int peerPort() {
        return peerPort;
    }

    /** @return when the session was last used (established or resumed), in ms since the epoch */
    public long lastAccessedTime() {
        return lastAccessed;
    }

    void touch() {
        lastAccessed = System.currentTimeMillis();
    }

    /** @return the session's cipher suite code */
    int cipherSuite() {
        return cipherSuite;
    }

    /** @return client: the session ticket to offer with this session (RFC 5077 3.4), or null */
    byte[] ticket() {
        return ticket == null ? null : ticket.clone();
    }

    TlsSession tlsSession() {
        return tlsSession;
    }

    byte[] fingerprint() {
        return fingerprint;
    }

    /** @return false once invalidated (by the application, or by a fatal alert on a connection that used it) */
    public boolean isValid() {
        return valid;
    }

    /** @return true while the session can still be resumed: valid, resumable and its master secret alive */
    boolean isResumable() {
        if (!valid || !tlsSession.isResumable()) {
            return false;
        }
        SessionParameters p = tlsSession.exportSessionParameters();
        return p != null && p.getMasterSecret() != null && p.getMasterSecret().isAlive();
    }

    /** Invalidates the session: it is removed from its cache and its master secret destroyed (RFC 5246 7.2). */
    public void invalidate() {
        valid = false;
        cache.remove(this);
    }

    /** Destroys the master secret; the session can no longer be resumed. Idempotent. */
    void destroy() {
        SessionSecrets.destroy(tlsSession);
    }

    /**
     * Sessions are keyed by their ID in their {@link SessionCache}: equal when the IDs are equal (also to
     * a {@link SessionCache.IdKey} of that ID), so that the cache needs no key object per session.
     */
    @Override
    public boolean equals(Object o) {
        return o instanceof CachedSession c ? Arrays.equals(id, c.id)
                : o instanceof SessionCache.IdKey k && Arrays.equals(id, k.id);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(id);
    }

    @Override
    public String toString() {
        return "CachedSession[" + info.cipherSuite() + ", KpsaID " + info.association().kpsaId() + ", id "
                + Arrays.hashCode(id) + "]";
    }
}
