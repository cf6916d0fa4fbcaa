package dev.saef.keys.jdbc;

import dev.saef.keys.PskSecretKey;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.security.auth.DestroyFailedException;

/**
 * The key-encryption key (KEK) of a database key store and the wrapping of each Kpsa under it.
 *
 * <ul>
 *   <li>KEK = PBKDF2-HMAC-SHA256 (RFC 8018 section 5.2) of the key store password, with the store's random
 *       salt and iteration count (kept in the database), {@value #KEK_OCTETS} octets: an AES-256 key. The
 *       password and the KEK never enter the database.</li>
 *   <li>A Kpsa is stored as AES key wrap with padding (RFC 5649, the JDK's {@code AES/KWP/NoPadding}) of
 *       {@code SHA-256("saef-kpsa-id" || KpsaID)[0..16) || Kpsa}: the 16-octet tag binds the ciphertext to its row,
 *       so a database writer who swaps the ciphertexts of two rows gets an error, not another identity's key. The
 *       wrap's integrity check (RFC 5649 section 3) makes a wrong KEK an error, never a wrong key.</li>
 *   <li>A check value, the wrap of {@value #CHECK_OCTETS} random octets, tells a wrong password apart from a
 *       damaged row when the store is opened.</li>
 * </ul>
 * The KEK octets are held in a {@link PskSecretKey} (algorithm {@code AES}) that {@link #destroy()} zeroes; every
 * intermediate array (password bytes, tag, plaintext) is zeroed after use. Thread-safe (a new {@code Cipher} per
 * call).
 */
final class KeyWrap {

    /** KEK length: AES-256. */
    static final int KEK_OCTETS = 32;
    /** Salt length, octets. */
    static final int SALT_OCTETS = 16;
    /** Length of the random check value. */
    static final int CHECK_OCTETS = 32;
    /** Length of the KpsaID binding tag. */
    static final int TAG_OCTETS = 16;
    /** The wrap transformation: RFC 5649 (AES key wrap with padding; any key length). */
    static final String TRANSFORMATION = "AES/KWP/NoPadding";
    private static final byte[] TAG_LABEL = "saef-kpsa-id".getBytes(StandardCharsets.US_ASCII);

    private final PskSecretKey kek;

    private KeyWrap(PskSecretKey kek) {
        this.kek = kek;
    }

    /**
     * Derives the KEK.
     *
     * @param password the key store password; not modified (the caller zeroes it)
     * @param salt the store's salt
     * @param iterations the store's PBKDF2 iteration count
     */
    static KeyWrap derive(char[] password, byte[] salt, int iterations) throws GeneralSecurityException {
        PBEKeySpec spec = new PBEKeySpec(password, salt, iterations, KEK_OCTETS * 8);
        SecretKey derived = null;
        byte[] octets = null;
        try {
            derived = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec);
            octets = derived.getEncoded();
            return new KeyWrap(new PskSecretKey(octets, "AES"));
        } finally {
            spec.clearPassword();
            if (octets != null) {
                Arrays.fill(octets, (byte) 0);
            }
            destroyQuietly(derived);
        }
    }

    /** @return {@code n} random octets */
    static byte[] random(int n) {
        byte[] b = new byte[n];
        new SecureRandom().nextBytes(b);
        return b;
    }

    /** @return a new check value: the wrap of random octets */
    byte[] newCheckValue() throws GeneralSecurityException {
        byte[] r = random(CHECK_OCTETS);
        try {
            return wrapRaw(r);
        } finally {
            Arrays.fill(r, (byte) 0);
        }
    }

    /** @return whether the check value unwraps under this KEK (false: another password made the store) */
    boolean verifies(byte[] checkValue) throws GeneralSecurityException {
        byte[] r;
        try {
            r = unwrapRaw(checkValue);
        } catch (InvalidKeyException e) {
            return false; // RFC 5649 integrity check failed
        }
        Arrays.fill(r, (byte) 0);
        return true;
    }

    /**
     * @param kpsaId the row's KpsaID
     * @param key the Kpsa octets; not modified
     * @return the wrapped key for the row
     */
    byte[] wrap(String kpsaId, byte[] key) throws GeneralSecurityException {
        byte[] tag = tag(kpsaId);
        byte[] plain = new byte[TAG_OCTETS + key.length];
        try {
            System.arraycopy(tag, 0, plain, 0, TAG_OCTETS);
            System.arraycopy(key, 0, plain, TAG_OCTETS, key.length);
            return wrapRaw(plain);
        } finally {
            Arrays.fill(plain, (byte) 0);
            Arrays.fill(tag, (byte) 0);
        }
    }

    /**
     * @param kpsaId the row's KpsaID
     * @param wrapped the row's wrapped key
     * @return the Kpsa, as a key the caller owns
     * @throws InvalidKeyException when the wrap's integrity check or the KpsaID tag fails (the row was made under
     *     another password, damaged, or copied from another KpsaID); the message names neither key nor KEK
     */
    PskSecretKey unwrap(String kpsaId, byte[] wrapped) throws GeneralSecurityException {
        byte[] plain;
        try {
            plain = unwrapRaw(wrapped);
        } catch (InvalidKeyException e) {
            throw new InvalidKeyException("the stored key of KpsaID " + kpsaId + " fails the AES key wrap integrity"
                    + " check (RFC 5649): the row was written under another key store password, or is damaged");
        }
        byte[] tag = tag(kpsaId);
        try {
            if (plain.length <= TAG_OCTETS
                    || !MessageDigest.isEqual(Arrays.copyOf(plain, TAG_OCTETS), tag)) {
                throw new InvalidKeyException("the stored key of KpsaID " + kpsaId + " belongs to another KpsaID"
                        + " (the row's ciphertext was copied or moved); re-add the key with saef keys add");
            }
            byte[] key = Arrays.copyOfRange(plain, TAG_OCTETS, plain.length);
            try {
                return new PskSecretKey(key);
            } finally {
                Arrays.fill(key, (byte) 0);
            }
        } finally {
            Arrays.fill(plain, (byte) 0);
            Arrays.fill(tag, (byte) 0);
        }
    }

    private static byte[] tag(String kpsaId) throws GeneralSecurityException {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        sha.update(TAG_LABEL);
        byte[] digest = sha.digest(kpsaId.getBytes(StandardCharsets.UTF_8));
        try {
            return Arrays.copyOf(digest, TAG_OCTETS);
        } finally {
            Arrays.fill(digest, (byte) 0);
        }
    }

    private byte[] wrapRaw(byte[] plain) throws GeneralSecurityException {
        Cipher c = Cipher.getInstance(TRANSFORMATION);
        c.init(Cipher.ENCRYPT_MODE, kek);
        return c.doFinal(plain);
    }

    private byte[] unwrapRaw(byte[] wrapped) throws GeneralSecurityException {
        Cipher c = Cipher.getInstance(TRANSFORMATION);
        c.init(Cipher.DECRYPT_MODE, kek);
        try {
            return c.doFinal(wrapped);
        } catch (javax.crypto.BadPaddingException
                | javax.crypto.IllegalBlockSizeException e) {
            throw new InvalidKeyException("integrity check failed");
        }
    }

    /** Zeroes the KEK. */
    void destroy() {
        kek.destroy();
    }

    private static void destroyQuietly(SecretKey k) {
        if (k != null && !k.isDestroyed()) {
            try {
                k.destroy();
            } catch (DestroyFailedException e) {
                // the JDK's PBKDF2 key object may not support it on this release; its octets were copied out
            }
        }
    }
}
