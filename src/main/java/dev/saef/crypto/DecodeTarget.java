package dev.saef.crypto;

/**
 * Where the calling thread's next application-data record may be decrypted to: the caller's own
 * buffer ({@code SSLEngine.unwrap}'s destination), lent for the duration of one offered record.
 *
 * <p>Without a target, {@link AeadRecordCipher} decrypts a record in place, in the transport's
 * pooled record buffer, and the plaintext is copied from there to the caller (and the record buffer
 * zeroed). With a target, it decrypts an application-data record straight from the record buffer into
 * the target, so the record buffer never holds that plaintext and one copy is saved. The cipher
 * writes to the target only through its AEAD decryption, which releases plaintext only for a record
 * whose tag verified ({@link AesGcm}); should decryption fail anyway, the cipher zeroes the range it
 * may have written, and the transport zeroes it again if processing the record fails afterwards.
 *
 * <p>A target serves at most one record ({@link #claim}); {@link #withdraw()} ends the loan and says
 * whether it was used. Only {@link AeadRecordCipher} claims targets (TLS 1.2 AES-GCM and AES-CCM);
 * other record ciphers decrypt in place as before.
 */
public final class DecodeTarget {

    private static final ThreadLocal<DecodeTarget> CURRENT = ThreadLocal.withInitial(DecodeTarget::new);

    private byte[] array;
    private int offset;
    private int capacity;
    private boolean used;

    private DecodeTarget() {
    }

    /**
     * Lends {@code array[offset, offset + capacity)} to the calling thread's next application-data
     * record, until {@link #withdraw()}.
     *
     * @param array the caller's buffer
     * @param offset where the plaintext may start
     * @param capacity how many octets may be written
     */
    public static void lend(byte[] array, int offset, int capacity) {
        DecodeTarget t = CURRENT.get();
        t.array = array;
        t.offset = offset;
        t.capacity = capacity;
        t.used = false;
    }

    /**
     * Ends the loan of {@link #lend}.
     *
     * @return true when a record was decrypted into the target meanwhile
     */
    public static boolean withdraw() {
        DecodeTarget t = CURRENT.get();
        boolean wasUsed = t.used;
        t.array = null;
        t.used = false;
        return wasUsed;
    }

    /**
     * The target for one record of {@code length} octets of plaintext, if one is lent, unused and large
     * enough; it is used up.
     *
     * @return the target, or null (decrypt in place)
     */
    static DecodeTarget claim(int length) {
        DecodeTarget t = CURRENT.get();
        if (t.array == null || t.used || length > t.capacity) {
            return null;
        }
        t.used = true;
        return t;
    }

    byte[] array() {
        return array;
    }

    int offset() {
        return offset;
    }
}
