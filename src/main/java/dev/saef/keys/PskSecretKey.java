package dev.saef.keys;

import java.io.IOException;
import java.io.NotSerializableException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Arrays;
import java.util.Objects;
import javax.crypto.SecretKey;

/**
 * A Provisioned Secure Connection Key, Kpsa (oneM2M TS-0003 clause 8.2.2.1), held as raw octets
 * that {@link #destroy()} zeroes. {@link PskKeyProvider}s hand these out so that the caller can wipe
 * its copy once the handshake has used it ({@code SecretKeySpec} cannot be wiped).
 *
 * <p>Algorithm name {@value #ALGORITHM} unless another is given (key stores need a name they know,
 * see {@link KeyStoreKeyWriter#STORE_KEY_ALGORITHM}); format {@code RAW}. Equality is identity:
 * key octets are never compared outside the handshake. Not serializable, and {@link #toString()}
 * shows no key octets. Thread-safe.
 */
public final class PskSecretKey implements SecretKey {

    /** Unused: instances refuse serialization. */
    private static final long serialVersionUID = 1L;

    /** The algorithm name of PSK-SAEF keys created by this project: an opaque TLS pre-shared key. */
    public static final String ALGORITHM = "TlsPsk";

    // Transient: key octets never enter a serial form (and writeObject refuses anyway).
    private final transient byte[] key;
    private final transient String algorithm;
    private transient boolean destroyed;

    /**
     * @param key the key octets; copied (the caller keeps and should zero its array)
     * @throws IllegalArgumentException when the key is empty
     */
    public PskSecretKey(byte[] key) {
        this(key, ALGORITHM);
    }

    /**
     * @param key the key octets; copied (the caller keeps and should zero its array)
     * @param algorithm the algorithm name reported by {@link #getAlgorithm()}
     * @throws IllegalArgumentException when the key is empty
     */
    public PskSecretKey(byte[] key, String algorithm) {
        Objects.requireNonNull(key, "key");
        this.algorithm = Objects.requireNonNull(algorithm, "algorithm");
        if (key.length == 0) {
            throw new IllegalArgumentException("a PSK must have at least one octet");
        }
        this.key = key.clone();
    }

    @Override
    public String getAlgorithm() {
        return algorithm;
    }

    /** @return {@code RAW} */
    @Override
    public String getFormat() {
        return "RAW";
    }

    /**
     * @return a fresh copy of the key octets; the caller zeroes it after use
     * @throws IllegalStateException when the key has been destroyed
     */
    @Override
    public synchronized byte[] getEncoded() {
        if (destroyed) {
            throw new IllegalStateException("this PSK has been destroyed");
        }
        return key.clone();
    }

    /** @return the key length in octets (not secret: TLS reveals it through the premaster secret length) */
    public synchronized int length() {
        return key.length;
    }

    /** Zeroes the key octets; later {@link #getEncoded()} calls fail. */
    @Override
    public synchronized void destroy() {
        Arrays.fill(key, (byte) 0);
        destroyed = true;
    }

    @Override
    public synchronized boolean isDestroyed() {
        return destroyed;
    }

    /** @return the algorithm and state, never key octets */
    @Override
    public String toString() {
        return "PskSecretKey[" + algorithm + (isDestroyed() ? ", destroyed]" : "]");
    }

    /**
     * @param out unused
     * @throws NotSerializableException always: keys must not be serialized
     */
    private void writeObject(ObjectOutputStream out) throws IOException {
        throw new NotSerializableException("PSK-SAEF keys are not serializable");
    }

    /**
     * @param in unused
     * @throws NotSerializableException always
     */
    private void readObject(ObjectInputStream in) throws IOException {
        throw new NotSerializableException("PSK-SAEF keys are not serializable");
    }
}
