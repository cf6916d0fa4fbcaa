package dev.saef.config;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A bounded set of {@code psk_identity} values a key manager found unknown, so that a flood of
 * unknown identities (RFC 4279 section 7: the identity is sent in the clear, before the client has
 * proved anything) is answered from memory instead of reaching the key source again. At most
 * {@code capacity} identities, the least recently seen evicted first. Entries are kept as
 * ISO-8859-1 strings of the exact octets: comparable keys, so hash collisions chosen by a client
 * cost logarithmic, not linear, lookups. Holds no key material. One cache belongs to one snapshot
 * of the configuration ({@link ReloadingKeyManager}), so a reload starts with an empty one: an
 * identity provisioned by the reload is never refused from the cache. Thread-safe (one lock).
 */
final class UnknownIdentityCache {

    /** Default capacity: 4096 identities of at most 128 octets, well under 2 MB. */
    static final int DEFAULT_CAPACITY = 4096;

    private final int capacity;
    /** Guarded by {@code this}; access order, for least-recently-seen eviction. */
    private final LinkedHashMap<String, Boolean> unknown;

    UnknownIdentityCache(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity " + capacity);
        }
        this.capacity = capacity;
        this.unknown = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                return size() > UnknownIdentityCache.this.capacity;
            }
        };
    }

    /** @return whether the identity was found unknown before (and not evicted since) */
    synchronized boolean isUnknown(byte[] identity) {
        return identity != null && unknown.get(key(identity)) != null;
    }

    /** Records an identity the key source did not know. */
    synchronized void remember(byte[] identity) {
        if (identity != null) {
            unknown.put(key(identity), Boolean.TRUE);
        }
    }

    synchronized int size() {
        return unknown.size();
    }

    private static String key(byte[] identity) {
        return new String(identity, StandardCharsets.ISO_8859_1);
    }
}
