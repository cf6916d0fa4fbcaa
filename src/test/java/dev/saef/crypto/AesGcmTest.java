package dev.saef.crypto;

import static dev.saef.crypto.GcmTestSupport.bcSeal;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.util.Arrays;
import java.util.Random;

import javax.crypto.Cipher;
import javax.crypto.SecretKey;

import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.TlsFatalAlert;
import org.junit.jupiter.api.Test;

/** Edge cases, API contract, nonce discipline and hygiene of {@link AesGcm}. */
class AesGcmTest
{
    private final Random random = new Random(0x5AEF);

    private byte[] bytes(int n)
    {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private static short alertOf(org.junit.jupiter.api.function.Executable e)
    {
        return assertThrows(TlsFatalAlert.class, e).getAlertDescription();
    }

    @Test
    void allKeySizesAndRecordSizesAgreeWithBouncyCastle() throws Exception
    {
        for (int keyLen : new int[] { 16, 24, 32 })
        {
            for (int len : new int[] { 0, 1, 15, 16, 17, 100, 16383, 16384, 16385, 70000 })
            {
                byte[] key = bytes(keyLen), nonce = bytes(12), aad = bytes(13), pt = bytes(len);
                byte[] sealed = GcmTestSupport.seal(key, nonce, aad, pt);
                assertArrayEquals(bcSeal(key, nonce, aad, pt), sealed, "key " + keyLen + " len " + len);
                assertArrayEquals(pt, GcmTestSupport.open(key, nonce, aad, sealed));
            }
        }
    }

    @Test
    void rejectsInvalidParameters() throws Exception
    {
        AesGcm c = new AesGcm(true);
        for (int bad : new int[] { 0, 8, 15, 17, 20, 31, 33, 64 })
        {
            assertEquals(AlertDescription.internal_error, alertOf(() -> c.setKey(new byte[64], 0, bad)), "key " + bad);
        }
        assertEquals(AlertDescription.internal_error, alertOf(() -> c.setKey(new byte[16], 1, 16)));
        assertEquals(AlertDescription.internal_error, alertOf(() -> c.setKey(null, 0, 16)));

        // RFC 5288: the nonce is exactly 12 octets (salt || nonce_explicit) ...
        for (int bad : new int[] { 0, 1, 8, 11, 13, 16, 60 })
        {
            assertEquals(AlertDescription.internal_error, alertOf(() -> c.init(new byte[bad], 16)), "nonce " + bad);
        }
        assertEquals(AlertDescription.internal_error, alertOf(() -> c.init(null, 16)));
        // ... and the tag is the full 16 octets
        for (int bad : new int[] { 0, 4, 8, 12, 15, 17, 32 })
        {
            assertEquals(AlertDescription.internal_error, alertOf(() -> c.init(new byte[12], bad)), "tag " + bad);
        }
    }

    @Test
    void enforcesCallOrderAndOneMessagePerInit() throws Exception
    {
        AesGcm noKey = new AesGcm(true);
        noKey.init(new byte[12], 16);
        assertThrows(IllegalStateException.class, () -> noKey.doFinal(null, new byte[1], 0, 1, new byte[17], 0));

        AesGcm enc = GcmTestSupport.cipher(true, bytes(16));
        assertThrows(IllegalStateException.class, () -> enc.doFinal(null, new byte[1], 0, 1, new byte[17], 0));
        enc.init(bytes(12), 16);
        enc.doFinal(null, new byte[1], 0, 1, new byte[17], 0);
        // same nonce again without init: refused
        assertThrows(IllegalStateException.class, () -> enc.doFinal(null, new byte[1], 0, 1, new byte[17], 0));

        // a failed init leaves nothing pending
        enc.init(bytes(12), 16);
        assertThrows(TlsFatalAlert.class, () -> enc.init(new byte[8], 16));
        assertThrows(IllegalStateException.class, () -> enc.doFinal(null, new byte[1], 0, 1, new byte[17], 0));
    }

    /**
     * BC's pattern is init, getOutputSize (possibly more than once), doFinal per record. Neither
     * init nor getOutputSize may initialise the JCE cipher, or re-initialising it with the same
     * key and nonce would trip SunJCE's GCM IV-reuse check.
     */
    @Test
    void repeatedInitAndGetOutputSizeDoNotTripTheJdkIvReuseCheck() throws Exception
    {
        byte[] key = bytes(16), nonce = bytes(12), pt = bytes(300);
        AesGcm enc = GcmTestSupport.cipher(true, key);
        enc.init(nonce, 16);
        assertEquals(316, enc.getOutputSize(300));
        enc.init(nonce, 16);
        enc.init(nonce, 16);
        assertEquals(316, enc.getOutputSize(300));
        byte[] out = new byte[316];
        assertEquals(316, enc.doFinal(null, pt, 0, pt.length, out, 0));
        assertArrayEquals(bcSeal(key, nonce, new byte[0], pt), out);
    }

    /** The JDK's GCM reuse check stays armed: the same key and nonce back to back cannot encrypt twice. */
    @Test
    void encryptingTwiceUnderTheSameNonceFails() throws Exception
    {
        byte[] key = bytes(32), nonce = bytes(12), pt = bytes(40);
        AesGcm enc = GcmTestSupport.cipher(true, key);
        GcmTestSupport.seal(enc, nonce, null, pt);
        byte[] out = new byte[56];
        enc.init(nonce, 16);
        assertEquals(AlertDescription.internal_error, alertOf(() -> enc.doFinal(null, pt, 0, pt.length, out, 0)));
        assertArrayEquals(new byte[56], out);

        // a new nonce works again
        byte[] next = bytes(12);
        assertArrayEquals(bcSeal(key, next, new byte[0], pt), GcmTestSupport.seal(enc, next, null, pt));
    }

    /** Decryption is not subject to the reuse check (e.g. a record opened twice by a test harness). */
    @Test
    void decryptingTwiceUnderTheSameNonceWorks() throws Exception
    {
        byte[] key = bytes(16), nonce = bytes(12), aad = bytes(13), pt = bytes(1000);
        byte[] sealed = GcmTestSupport.seal(key, nonce, aad, pt);
        AesGcm dec = GcmTestSupport.cipher(false, key);
        assertArrayEquals(pt, GcmTestSupport.open(dec, nonce, aad, sealed));
        assertArrayEquals(pt, GcmTestSupport.open(dec, nonce, aad, sealed));
    }

    /** After a failed decryption the same instance keeps working (the JCE cipher is re-initialised per record). */
    @Test
    void recoversAfterTagFailure() throws Exception
    {
        byte[] key = bytes(16), nonce = bytes(12), pt = bytes(500);
        byte[] sealed = GcmTestSupport.seal(key, nonce, null, pt);
        AesGcm dec = GcmTestSupport.cipher(false, key);
        byte[] bad = sealed.clone();
        bad[3] ^= 0x40;
        dec.init(nonce, 16);
        assertEquals(AlertDescription.bad_record_mac, alertOf(() -> dec.doFinal(null, bad, 0, bad.length, bad, 0)));
        assertArrayEquals(pt, GcmTestSupport.open(dec, nonce, null, sealed));
    }

    @Test
    void checksBuffersBeforeTouchingAnything() throws Exception
    {
        byte[] key = bytes(16), nonce = bytes(12), pt = bytes(40);
        byte[] sealed = GcmTestSupport.seal(key, nonce, null, pt);

        AesGcm enc = GcmTestSupport.cipher(true, key);
        enc.init(nonce, 16);
        byte[] small = new byte[55];
        assertThrows(IllegalArgumentException.class, () -> enc.doFinal(null, pt, 0, pt.length, small, 0));
        assertArrayEquals(new byte[55], small);
        enc.init(nonce, 16);
        assertThrows(IllegalArgumentException.class, () -> enc.doFinal(null, pt, 1, pt.length, new byte[56], 0));
        enc.init(nonce, 16);
        assertThrows(IllegalArgumentException.class, () -> enc.doFinal(null, pt, 0, pt.length, new byte[56], -1));
        // nothing was encrypted above, so this nonce is still unused as far as the JDK is concerned
        assertArrayEquals(sealed, GcmTestSupport.seal(enc, nonce, null, pt));

        AesGcm dec = GcmTestSupport.cipher(false, key);
        dec.init(nonce, 16);
        byte[] smallPlain = new byte[39];
        assertThrows(IllegalArgumentException.class, () -> dec.doFinal(null, sealed, 0, sealed.length, smallPlain, 0));
        assertArrayEquals(new byte[39], smallPlain);

        // shorter than the tag: an authentication failure, not a crash
        for (int len : new int[] { 0, 1, 15 })
        {
            dec.init(nonce, 16);
            assertEquals(AlertDescription.bad_record_mac,
                alertOf(() -> dec.doFinal(null, sealed, 0, len, new byte[16], 0)), "len " + len);
        }
    }

    @Test
    void outputSize() throws Exception
    {
        AesGcm enc = new AesGcm(true), dec = new AesGcm(false);
        assertEquals(116, enc.getOutputSize(100));
        assertEquals(84, dec.getOutputSize(100));
        assertEquals(0, dec.getOutputSize(10));
        assertEquals(16, enc.getOutputSize(0));
        assertTrue(enc.isEncrypting());
        assertFalse(dec.isEncrypting());
    }

    @Test
    void rekeyingSwitchesKeysAndDestroysTheOldCopy() throws Exception
    {
        byte[] k1 = bytes(16), k2 = bytes(32), pt = bytes(500);
        AesGcm enc = GcmTestSupport.cipher(true, k1);
        byte[] n1 = bytes(12);
        assertArrayEquals(bcSeal(k1, n1, new byte[0], pt), GcmTestSupport.seal(enc, n1, null, pt));
        SecretKey first = keyOf(enc);

        enc.setKey(k2, 0, 32);
        SecretKey second = keyOf(enc);
        assertNotSame(first, second);
        assertTrue(first.isDestroyed());
        assertArrayEquals(new byte[16], rawBytes(first), "old key copy not zeroed");
        // the same nonce under a new key is a different (key, IV) pair for the JDK
        assertArrayEquals(bcSeal(k2, n1, new byte[0], pt), GcmTestSupport.seal(enc, n1, null, pt));

        byte[] block = new byte[50];
        System.arraycopy(k1, 0, block, 17, 16);
        enc.setKey(block, 17, 16);
        byte[] n2 = bytes(12);
        assertArrayEquals(bcSeal(k1, n2, new byte[0], pt), GcmTestSupport.seal(enc, n2, null, pt));
        assertArrayEquals(new byte[32], rawBytes(second), "old key copy not zeroed");
    }

    @Test
    void destroyZeroesTheKeyAndDisablesTheInstance() throws Exception
    {
        byte[] key = bytes(32);
        AesGcm enc = GcmTestSupport.cipher(true, key);
        SecretKey k = keyOf(enc);
        assertArrayEquals(key, k.getEncoded());
        enc.init(bytes(12), 16);
        enc.destroy();
        assertTrue(k.isDestroyed());
        assertArrayEquals(new byte[32], rawBytes(k));
        assertThrows(IllegalStateException.class, k::getEncoded);
        assertThrows(IllegalStateException.class, () -> enc.doFinal(null, new byte[1], 0, 1, new byte[17], 0));
        enc.destroy(); // idempotent
    }

    @Test
    void keyCopyIsNotTheCallersArray() throws Exception
    {
        byte[] key = bytes(16);
        AesGcm enc = GcmTestSupport.cipher(true, key);
        byte[] expected = key.clone();
        Arrays.fill(key, (byte)0); // BC zeroes its key block after setKey
        byte[] nonce = bytes(12), pt = bytes(64);
        assertArrayEquals(bcSeal(expected, nonce, new byte[0], pt), GcmTestSupport.seal(enc, nonce, null, pt));
    }

    @Test
    void nonceAndScratchAreZeroAfterSuccessAndFailure() throws Exception
    {
        byte[] key = bytes(32), nonce = bytes(12), aad = bytes(13), pt = bytes(3000);
        AesGcm enc = GcmTestSupport.cipher(true, key);
        byte[] sealed = GcmTestSupport.seal(enc, nonce, aad, pt);
        assertAllByteArrayFieldsZero(enc);

        for (AesGcm dec : new AesGcm[] { GcmTestSupport.cipher(false, key), GcmTestSupport.foreignCipher(false, key) })
        {
            GcmTestSupport.open(dec, nonce, aad, sealed);
            assertAllByteArrayFieldsZero(dec);
            byte[] bad = sealed.clone();
            bad[100] ^= 1;
            dec.init(nonce, 16);
            assertThrows(TlsFatalAlert.class, () -> dec.doFinal(aad, bad, 0, bad.length, new byte[3000], 0));
            assertAllByteArrayFieldsZero(dec);
        }
    }

    @Test
    void usesTheJdkAesImplementation() throws Exception
    {
        for (boolean encrypting : new boolean[] { true, false })
        {
            AesGcm c = new AesGcm(encrypting);
            assertEquals("SunJCE", c.providerName());
            Field f = AesGcm.class.getDeclaredField("cipher");
            f.setAccessible(true);
            assertEquals("AES/GCM/NoPadding", ((Cipher)f.get(c)).getAlgorithm());
            Field direct = AesGcm.class.getDeclaredField("directDecrypt");
            direct.setAccessible(true);
            assertTrue(direct.getBoolean(c), "SunJCE decrypts directly into the record");
        }
        AesGcm foreign = GcmTestSupport.foreignCipher(false, bytes(16));
        assertEquals("BC", foreign.providerName());
        Field direct = AesGcm.class.getDeclaredField("directDecrypt");
        direct.setAccessible(true);
        assertFalse(direct.getBoolean(foreign), "other providers decrypt via the scratch buffer");
    }

    private static SecretKey keyOf(AesGcm c) throws Exception
    {
        Field f = AesGcm.class.getDeclaredField("key");
        f.setAccessible(true);
        return (SecretKey)f.get(c);
    }

    private static byte[] rawBytes(SecretKey k) throws Exception
    {
        Field f = k.getClass().getDeclaredField("bytes");
        f.setAccessible(true);
        return (byte[])f.get(k);
    }

    private static void assertAllByteArrayFieldsZero(AesGcm c) throws Exception
    {
        for (Field f : AesGcm.class.getDeclaredFields())
        {
            if (f.getType() == byte[].class)
            {
                f.setAccessible(true);
                byte[] v = (byte[])f.get(c);
                assertArrayEquals(new byte[v.length], v, "field " + f.getName() + " not zeroed");
            }
        }
    }
}
