package dev.saef.config;

import dev.saef.identity.KpsaId;
import dev.saef.keys.PskKeyProvider;
import dev.saef.keys.PskSecretKey;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import javax.crypto.SecretKey;
import javax.security.auth.Destroyable;

/**
 * The Kpsa keys written inline in an association table ({@code key=hex:}, {@code key=base64:},
 * {@code key=text:}; oneM2M TS-0003 clause 8.2.2.1, Credential Configuration), as a
 * {@link PskKeyProvider}. This object owns the key octets: {@link #getKey} hands out fresh
 * {@link PskSecretKey} copies the caller may destroy, and {@link #close()} (same as
 * {@link #destroy()}) zeroes the octets, after which lookups fail with
 * {@link IllegalStateException}. Thread-safe.
 */
public final class InlineKeys implements PskKeyProvider, AutoCloseable, Destroyable {

    private final String sourceName;
    /** Guarded by {@code this}. */
    private final Map<KpsaId, byte[]> keys;
    private boolean destroyed;

    /**
     * @param sourceName the table's name, for messages
     * @param keys the key octets by KpsaID; taken over (not copied): this object zeroes them
     */
    InlineKeys(String sourceName, Map<KpsaId, byte[]> keys) {
        this.sourceName = Objects.requireNonNull(sourceName, "sourceName");
        this.keys = Objects.requireNonNull(keys, "keys");
    }

    /**
     * @return a fresh key the caller owns, or null when the table gave no inline key for the KpsaID
     * @throws IllegalStateException after {@link #destroy()}
     */
    @Override
    public synchronized SecretKey getKey(KpsaId kpsaId) {
        Objects.requireNonNull(kpsaId, "kpsaId");
        checkOpen();
        byte[] k = keys.get(kpsaId);
        return k == null ? null : new PskSecretKey(k);
    }

    /** @throws IllegalStateException after {@link #destroy()} */
    @Override
    public synchronized boolean hasKey(KpsaId kpsaId) {
        Objects.requireNonNull(kpsaId, "kpsaId");
        checkOpen();
        return keys.containsKey(kpsaId);
    }

    /** @return how many inline keys there are (0 after {@link #destroy()}) */
    public synchronized int size() {
        return keys.size();
    }

    private void checkOpen() {
        if (destroyed) {
            throw new IllegalStateException("association table " + sourceName + " has been destroyed");
        }
    }

    /** Zeroes every key; later lookups fail. */
    @Override
    public synchronized void destroy() {
        for (byte[] k : keys.values()) {
            Arrays.fill(k, (byte) 0);
        }
        keys.clear();
        destroyed = true;
    }

    @Override
    public synchronized boolean isDestroyed() {
        return destroyed;
    }

    /** Same as {@link #destroy()}. */
    @Override
    public void close() {
        destroy();
    }

    /** @return the table's name; no key material */
    @Override
    public String toString() {
        return "inline keys of " + sourceName;
    }
}
