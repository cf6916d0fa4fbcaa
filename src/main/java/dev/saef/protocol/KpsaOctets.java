package dev.saef.protocol;

import javax.crypto.SecretKey;
import javax.security.auth.DestroyFailedException;
import javax.security.auth.Destroyable;

/**
 * Takes the octets of a Kpsa handed out by a {@link dev.saef.keys.PskKeyManager} for one handshake
 * and destroys the key object at once, so that the only copy left is the array BC zeroes after
 * deriving the master secret (TS-0003 clause 8.2.2.1: Kpsa is the TLS {@code psk}).
 */
final class KpsaOctets {
    private KpsaOctets() {
    }

    /**
     * @return {@code key.getEncoded()} (a fresh array the caller zeroes), or null when {@code key} is
     *     null or has no encoding; {@code key} is destroyed when it can be
     */
    static byte[] take(SecretKey key) {
        if (key == null) {
            return null;
        }
        try {
            return key.getEncoded();
        } finally {
            destroy(key);
        }
    }

    private static void destroy(Destroyable key) {
        if (key.isDestroyed()) {
            return;
        }
        try {
            key.destroy();
        } catch (DestroyFailedException | RuntimeException e) {
            // SecretKeySpec on Java 17 cannot be destroyed; nothing more can be done for it
        }
    }
}
