package dev.saef.protocol;

import org.bouncycastle.tls.SessionParameters;
import org.bouncycastle.tls.TlsContext;
import org.bouncycastle.tls.TlsSession;

/**
 * Destroys the master secret Bouncy Castle keeps in a {@link TlsSession}. Bouncy Castle destroys the
 * connection's own copy when the handshake completes, but the session keeps another (for resumption)
 * that nothing zeroes: invalidating a session only marks it not resumable. A session in the
 * {@link SessionCache} keeps its master secret until it leaves the cache (expiry, eviction,
 * invalidation); any other session's is destroyed when its connection ends (RFC 5246 section 8.1
 * asks to delete secrets once no longer needed).
 */
final class SessionSecrets {
    private SessionSecrets() {
    }

    /**
     * The connection on {@code context} ended: destroys its session's master secret unless the session
     * is cached; a cached session is dropped from the cache (and destroyed) when the connection ended
     * with a fatal alert (RFC 5246 section 7.2.2: such a session must not be resumed).
     */
    static void connectionClosed(TlsContext context, SessionCache cache, boolean fatal) {
        TlsSession session = context == null ? null : context.getSession();
        if (session == null) {
            return;
        }
        CachedSession cached = cache == null ? null : cache.find(session);
        if (cached == null) {
            destroy(session);
        } else if (fatal) {
            cached.invalidate();
        }
    }

    /** Invalidates the session and zeroes its master secret; a no-op without a session. Idempotent. */
    static void destroy(TlsSession session) {
        if (session == null) {
            return;
        }
        session.invalidate();
        SessionParameters parameters = session.exportSessionParameters(); // shares the master secret object
        if (parameters != null) {
            parameters.clear(); // destroys it: zeroes the octets
        }
    }
}
