package dev.saef.protocol;

import dev.saef.keys.Association;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The TLS 1.2 sessions of one role of one {@code SSLContext} that can be resumed with an abbreviated
 * handshake (RFC 5246 sections 7.3 and 7.4.1.2, session IDs). Behind the standard
 * {@code SSLSessionContext}: a size limit (least recently used sessions leave first; 0 means no limit)
 * and a lifetime counted from the full handshake (0 means no limit).
 *
 * <p><b>Binding.</b> A resumed session keeps the binding of the full handshake that established it
 * (peer principal, KpsaID, Credential-ID; TS-0003 clause 8.2.2.1), so it may be resumed only while its
 * association is unchanged. Each cached session carries a fingerprint of the association (KpsaID,
 * {@code peer=}) and of its Kpsa: HMAC-SHA256 under a random key of this cache that never leaves the
 * process, so the cache holds no Kpsa nor anything that would let a Kpsa be tested offline. Before a
 * session is offered (client) or accepted (server) the association and its Kpsa are looked up again
 * and the fingerprints compared in constant time; a removed or replaced association or key drops the
 * session and the connection runs a full handshake.
 *
 * <p><b>Secrets.</b> A session's master secret stays in memory while the session is cached, and is
 * destroyed when it leaves the cache (expiry, eviction, invalidation). Thread-safe: one lock guards
 * the maps, held for map operations only.
 */
public final class SessionCache {

    /** Default number of sessions kept, as SunJSSE's ({@code javax.net.ssl.sessionCacheSize}). */
    public static final int DEFAULT_SIZE = 20480;
    /** Default lifetime in seconds, as SunJSSE's: 24 hours. */
    public static final int DEFAULT_TIMEOUT_SECONDS = 86400;

    private final byte[] fingerprintKey = new byte[32];
    /** HMAC-SHA256 under fingerprintKey, keyed once, only ever cloned ({@link #keyedMac()}); racy lazy init is harmless. */
    private volatile Mac fingerprintMac;
    /**
     * By session ID. The key of a cached session is the session itself ({@link CachedSession#equals}:
     * same ID), so an entry costs the map's node only; lookups wrap the ID in a {@link IdKey}.
     */
    private final Map<Object, CachedSession> byId = new LinkedHashMap<>(16, 0.75f, true);
    private final Map<String, CachedSession> byPeer = new HashMap<>();
    private int maxSize = DEFAULT_SIZE;
    private int timeoutSeconds = DEFAULT_TIMEOUT_SECONDS;

    /** @param random the source of the fingerprint key */
    public SessionCache(SecureRandom random) {
        random.nextBytes(fingerprintKey);
    }

    /**
     * @return HMAC-SHA256, under this cache's key, of the association's KpsaID and {@code peer=} and
     *     of the Kpsa octets (which the caller keeps and zeroes)
     */
    byte[] fingerprint(Association association, byte[] kpsa) {
        try {
            Mac mac = keyedMac();
            update(mac, association.kpsaId().toWire());
            update(mac, association.peerId().orElse("").getBytes(StandardCharsets.UTF_8));
            update(mac, kpsa);
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    /**
     * @return HMAC-SHA256 keyed with the fingerprint key: a copy of a Mac keyed once (the provider
     *     lookup and key set-up cost more than the MAC itself; the prototype is only ever cloned, so
     *     concurrent callers share nothing mutable), or a newly keyed one if the provider's Mac
     *     cannot be cloned
     */
    private Mac keyedMac() throws GeneralSecurityException {
        Mac proto = fingerprintMac;
        if (proto == null) {
            proto = Mac.getInstance("HmacSHA256");
            proto.init(new SecretKeySpec(fingerprintKey, "HmacSHA256"));
            fingerprintMac = proto;
        }
        try {
            return (Mac) proto.clone();
        } catch (CloneNotSupportedException e) {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(fingerprintKey, "HmacSHA256"));
            return mac;
        }
    }

    private static void update(Mac mac, byte[] field) {
        mac.update(new byte[] {(byte) (field.length >>> 24), (byte) (field.length >>> 16), (byte) (field.length >>> 8),
            (byte) field.length});
        mac.update(field);
    }

    /** @return true when both fingerprints are present and equal (constant time) */
    static boolean sameFingerprint(byte[] a, byte[] b) {
        return a != null && b != null && MessageDigest.isEqual(a, b);
    }

    /** Client: the key of a peer's sessions: host (case-insensitive), port and KpsaID. */
    static String peerKey(String host, int port, Association association) {
        if (host == null || host.isEmpty() || port < 0) {
            return null; // SunJSSE does not cache without a peer either
        }
        return host.toLowerCase(Locale.ROOT) + ":" + port + " " + association.kpsaId();
    }

    /** Sets the size limit (0: no limit), evicting the least recently used sessions beyond it. */
    public void setSize(int size) {
        if (size < 0) {
            throw new IllegalArgumentException("session cache size " + size + " is negative");
        }
        List<CachedSession> out;
        synchronized (this) {
            maxSize = size;
            out = evictBeyondLimit();
        }
        out.forEach(CachedSession::destroy);
    }

    /** @return the size limit, 0 for none */
    public synchronized int size() {
        return maxSize;
    }

    /** Sets the lifetime in seconds (0: no limit); sessions now older leave the cache. */
    public void setTimeoutSeconds(int seconds) {
        if (seconds < 0) {
            throw new IllegalArgumentException("session timeout " + seconds + " s is negative");
        }
        synchronized (this) {
            timeoutSeconds = seconds;
        }
        ids(); // prunes
    }

    /** @return the lifetime in seconds, 0 for none */
    public synchronized int timeoutSeconds() {
        return timeoutSeconds;
    }

    private boolean expired(CachedSession s, long now) {
        return timeoutSeconds > 0 && now - s.info().creationTime() >= timeoutSeconds * 1000L;
    }

    /** @return the IDs of the sessions that can still be resumed (expired ones are removed) */
    public List<byte[]> ids() {
        List<byte[]> ids = new ArrayList<>();
        List<CachedSession> out = new ArrayList<>();
        long now = System.currentTimeMillis();
        synchronized (this) {
            for (Iterator<CachedSession> it = byId.values().iterator(); it.hasNext();) {
                CachedSession s = it.next();
                if (expired(s, now) || !s.isResumable()) {
                    it.remove();
                    removePeer(s);
                    out.add(s);
                } else {
                    ids.add(s.id());
                }
            }
        }
        out.forEach(CachedSession::destroy);
        return ids;
    }

    /** @return the resumable session with this ID, or null (an expired one is removed) */
    public CachedSession get(byte[] id) {
        if (id == null || id.length == 0) {
            return null;
        }
        CachedSession s;
        synchronized (this) {
            s = byId.get(new IdKey(id));
        }
        return live(s);
    }

    /** Client: the session last established with this peer over this association, or null. */
    CachedSession forPeer(String peerKey) {
        if (peerKey == null) {
            return null;
        }
        CachedSession s;
        synchronized (this) {
            s = byPeer.get(peerKey);
        }
        return live(s);
    }

    private CachedSession live(CachedSession s) {
        if (s == null) {
            return null;
        }
        boolean expired;
        synchronized (this) {
            expired = expired(s, System.currentTimeMillis());
        }
        if (expired || !s.isResumable()) {
            remove(s);
            return null;
        }
        return s;
    }

    /** Adds a session established by a full handshake; a client's earlier session with the same peer leaves. */
    void put(CachedSession s) {
        List<CachedSession> out = new ArrayList<>();
        synchronized (this) {
            CachedSession old = byId.remove(s); // an equal key stays in the map on put: drop the old one first
            byId.put(s, s);
            if (old != null && old != s) {
                removePeer(old);
                out.add(old);
            }
            if (s.peerKey != null) {
                CachedSession before = byPeer.put(s.peerKey, s);
                if (before != null && before != s && removeId(before)) {
                    out.add(before);
                }
            }
            out.addAll(evictBeyondLimit());
        }
        out.forEach(CachedSession::destroy);
    }

    /** Removes {@code s} itself (not another session with its ID) from byId; caller holds the lock. */
    private boolean removeId(CachedSession s) {
        if (byId.get(s) != s) {
            return false;
        }
        byId.remove(s);
        return true;
    }

    /** Removes {@code s} itself from byPeer, if it is there; caller holds the lock. */
    private void removePeer(CachedSession s) {
        if (s.peerKey != null && byPeer.get(s.peerKey) == s) {
            byPeer.remove(s.peerKey);
        }
    }

    private List<CachedSession> evictBeyondLimit() {
        List<CachedSession> out = new ArrayList<>();
        if (maxSize == 0) {
            return out;
        }
        for (Iterator<CachedSession> it = byId.values().iterator(); byId.size() > maxSize && it.hasNext();) {
            CachedSession s = it.next(); // least recently used first (access order)
            it.remove();
            removePeer(s);
            out.add(s);
        }
        return out;
    }

    /** Removes the session (if still cached) and destroys its master secret. */
    void remove(CachedSession s) {
        synchronized (this) {
            removeId(s);
            removePeer(s);
        }
        s.destroy();
    }

    /** @return true when {@code s} is the Bouncy Castle session of a cached session */
    synchronized boolean holds(org.bouncycastle.tls.TlsSession s) {
        if (s == null) {
            return false;
        }
        CachedSession c = byId.get(new IdKey(s.getSessionID()));
        return c != null && c.tlsSession() == s;
    }

    /** @return the cached session whose Bouncy Castle session is {@code s}, or null */
    synchronized CachedSession find(org.bouncycastle.tls.TlsSession s) {
        if (s == null) {
            return null;
        }
        CachedSession c = byId.get(new IdKey(s.getSessionID()));
        return c != null && c.tlsSession() == s ? c : null;
    }

    /** Empties the cache, destroying every master secret (the context is going away, or a test). */
    public void clear() {
        List<CachedSession> out;
        synchronized (this) {
            out = new ArrayList<>(byId.values());
            byId.clear();
            byPeer.clear();
        }
        out.forEach(CachedSession::destroy);
    }

    /** @return the number of sessions cached (expired ones included until next looked at) */
    public synchronized int count() {
        return byId.size();
    }

    @Override
    public String toString() {
        return "SessionCache[" + count() + " sessions]";
    }

    /**
     * A session ID to look a session up by: equal to (and with the same hash code as) the cached
     * session with that ID ({@link CachedSession#equals}).
     */
    static final class IdKey {
        final byte[] id;

        IdKey(byte[] id) {
            this.id = id;
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(id);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof IdKey k ? Arrays.equals(id, k.id)
                    : o instanceof CachedSession c && Arrays.equals(id, c.idNoCopy());
        }
    }
}
