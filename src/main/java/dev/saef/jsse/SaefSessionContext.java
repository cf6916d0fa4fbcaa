package dev.saef.jsse;

import dev.saef.protocol.CachedSession;
import dev.saef.protocol.SessionCache;
import java.util.Collections;
import java.util.Enumeration;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSessionContext;

/**
 * The client or server session context of an SAEF {@code SSLContext}: the TLS 1.2 sessions that can
 * be resumed with an abbreviated handshake (RFC 5246 session IDs), kept in the protocol core's
 * {@link SessionCache}. {@link #setSessionCacheSize} limits how many (least recently used leave
 * first; 0: no limit; initially {@code javax.net.ssl.sessionCacheSize}, else {@value SessionCache#DEFAULT_SIZE}),
 * {@link #setSessionTimeout} how
 * long after the full handshake a session may be resumed (0: no limit; default
 * {@value SessionCache#DEFAULT_TIMEOUT_SECONDS} s). A session is resumed only while the association
 * and Kpsa it was established with are unchanged (TS-0003 clause 8.2.2.1 binding); its master secret
 * is destroyed when it leaves the cache. With {@code saef.sessionTickets=true} a server gives clients
 * that ask for one a session ticket (RFC 5077) instead of keeping their session: such sessions are not
 * in the server context, and the timeout also limits how long a ticket is accepted.
 */
final class SaefSessionContext implements SSLSessionContext {
    private final SessionCache cache;

    SaefSessionContext(SessionCache cache) {
        this.cache = cache;
    }

    /** @return the cache behind this context */
    SessionCache cache() {
        return cache;
    }

    /** @return the cached session with this ID as an {@code SSLSession}, or null */
    @Override
    public SSLSession getSession(byte[] sessionId) {
        if (sessionId == null) {
            throw new NullPointerException("sessionId");
        }
        CachedSession s = cache.get(sessionId);
        return s == null ? null : new SaefSSLSession(s, this);
    }

    @Override
    public Enumeration<byte[]> getIds() {
        return Collections.enumeration(cache.ids());
    }

    @Override
    public void setSessionTimeout(int seconds) {
        if (seconds < 0) {
            throw new IllegalArgumentException("timeout < 0");
        }
        cache.setTimeoutSeconds(seconds);
    }

    @Override
    public int getSessionTimeout() {
        return cache.timeoutSeconds();
    }

    @Override
    public void setSessionCacheSize(int size) {
        if (size < 0) {
            throw new IllegalArgumentException("size < 0");
        }
        cache.setSize(size);
    }

    @Override
    public int getSessionCacheSize() {
        return cache.size();
    }
}
