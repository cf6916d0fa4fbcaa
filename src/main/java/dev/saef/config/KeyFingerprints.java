package dev.saef.config;

import dev.saef.keys.Association;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Keyed fingerprints of associations, so that a reload can tell whether a session's association
 * (KpsaID, peer identity, address and Kpsa, TS-0003 clause 8.2.2.1) is unchanged without keeping a
 * second copy of any Kpsa: HMAC-SHA256 (RFC 2104) under a random key made once per process, which
 * never leaves it. Without that key a fingerprint cannot be used to test guesses of a Kpsa.
 * Fingerprints are compared in constant time ({@link MessageDigest#isEqual}). Thread-safe.
 */
final class KeyFingerprints {

    private static final String ALGORITHM = "HmacSHA256";
    private static final SecretKeySpec PROCESS_KEY = processKey();

    private KeyFingerprints() {
    }

    private static SecretKeySpec processKey() {
        byte[] k = new byte[32];
        new SecureRandom().nextBytes(k);
        try {
            return new SecretKeySpec(k, ALGORITHM);
        } finally {
            Arrays.fill(k, (byte) 0); // SecretKeySpec keeps its own copy
        }
    }

    /**
     * @param a the association
     * @param kpsa its key octets (read, not kept or changed)
     * @return the 32-octet fingerprint of the association with that key
     */
    static byte[] of(Association a, byte[] kpsa) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(PROCESS_KEY);
            field(mac, a.kpsaId().toWire());
            field(mac, a.peerId().orElse("").getBytes(StandardCharsets.UTF_8));
            field(mac, a.address().map(Object::toString).orElse("").getBytes(StandardCharsets.UTF_8));
            field(mac, kpsa);
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
        }
    }

    /** Length-prefixed, so that no two different associations hash the same octets. */
    private static void field(Mac mac, byte[] v) {
        mac.update(ByteBuffer.allocate(4).putInt(v.length).array());
        mac.update(v);
    }

    /** @return whether both fingerprints are present and equal; constant time in their contents */
    static boolean same(byte[] x, byte[] y) {
        return x != null && y != null && MessageDigest.isEqual(x, y);
    }
}
