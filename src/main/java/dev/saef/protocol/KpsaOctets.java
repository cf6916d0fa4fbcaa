package dev.saef.protocol;

import dev.saef.keys.PskKeyManager;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.SecretKey;
import javax.security.auth.DestroyFailedException;
import javax.security.auth.Destroyable;

/**
 * Takes the octets of a Kpsa handed out by a {@link dev.saef.keys.PskKeyManager} for one handshake
 * and destroys the key object at once, so that the only copy left is the array BC zeroes after
 * deriving the master secret (TS-0003 clause 8.2.2.1: Kpsa is the TLS {@code psk}). The key object
 * belongs to SAEF once returned ({@link dev.saef.keys.PskKeyManager}): a key manager that hands out a
 * cached object finds it destroyed, and gets an error that says so instead of a silent failure.
 */
final class KpsaOctets {
    static final String REUSED = "the key manager returned a key object that is already destroyed:"
            + " PskKeyManager.getKey must return a new key object on each call, which SAEF destroys after use";

    private KpsaOctets() {
    }

    /**
     * @return {@code key.getEncoded()} (a fresh array the caller zeroes), or null when {@code key} is
     *     null or has no encoding; {@code key} is destroyed when it can be
     * @throws GeneralSecurityException ({@link #REUSED}) when {@code key} was already destroyed, or
     *     when it is longer than {@link PskKeyManager#MAX_KEY_LENGTH_BYTES}
     */
    static byte[] take(SecretKey key) throws GeneralSecurityException {
        if (key == null) {
            return null;
        }
        try {
            if (key.isDestroyed()) {
                throw new GeneralSecurityException(REUSED);
            }
            byte[] octets = key.getEncoded();
            if (octets != null && octets.length > PskKeyManager.MAX_KEY_LENGTH_BYTES) {
                int n = octets.length;
                Arrays.fill(octets, (byte) 0);
                throw new GeneralSecurityException("the key manager returned a key of " + n + " octets; a PSK has at"
                        + " most " + PskKeyManager.MAX_KEY_LENGTH_BYTES + " (RFC 4279 section 2)");
            }
            return octets;
        } catch (IllegalStateException e) {
            throw new GeneralSecurityException(REUSED, e); // destroyed meanwhile by another handshake
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
