package dev.saef.crypto;

import static dev.saef.crypto.CcmTestSupport.bcSeal;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.util.Arrays;
import java.util.Random;

import javax.crypto.Cipher;

import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.TlsFatalAlert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Edge cases, API contract and hygiene of {@link AesCcm}. */
class AesCcmTest
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
    void allNonceAndTagLengthsAgreeWithBouncyCastle() throws Exception
    {
        for (int keyLen : new int[] { 16, 24, 32 })
        {
            for (int nonceLen = 7; nonceLen <= 13; ++nonceLen)
            {
                for (int tagLen = 4; tagLen <= 16; tagLen += 2)
                {
                    for (int len : new int[] { 0, 1, 15, 16, 17, 100 })
                    {
                        byte[] key = bytes(keyLen), nonce = bytes(nonceLen), aad = bytes(len % 23), pt = bytes(len);
                        byte[] sealed = CcmTestSupport.seal(key, nonce, aad, pt, tagLen);
                        assertArrayEquals(bcSeal(key, nonce, aad, pt, tagLen), sealed,
                            "key " + keyLen + " nonce " + nonceLen + " tag " + tagLen + " len " + len);
                        assertArrayEquals(pt, CcmTestSupport.open(key, nonce, aad, sealed, tagLen));
                    }
                }
            }
        }
    }

    /** RFC 3610 section 2.2: 2-octet AAD length below 2^16 - 2^8, 0xFFFE || 4 octets from there on. */
    @ParameterizedTest
    @ValueSource(ints = { 0xFEFE, 0xFEFF, 0xFF00, 0xFF01, 0x10000, 0x12345 })
    void additionalDataLengthEncodingBoundary(int aadLen) throws Exception
    {
        byte[] key = bytes(16), nonce = bytes(12), aad = bytes(aadLen), pt = bytes(37);
        byte[] sealed = CcmTestSupport.seal(key, nonce, aad, pt, 16);
        assertArrayEquals(bcSeal(key, nonce, aad, pt, 16), sealed);
        assertArrayEquals(pt, CcmTestSupport.open(key, nonce, aad, sealed, 16));
    }

    /** With a 13-octet nonce L = 2, so at most 65535 payload octets (RFC 3610 section 2.1). */
    @Test
    void lengthFieldLimitForThirteenOctetNonce() throws Exception
    {
        byte[] key = bytes(16), nonce = bytes(13);
        byte[] max = bytes(0xFFFF);
        byte[] sealed = CcmTestSupport.seal(key, nonce, null, max, 8);
        assertArrayEquals(bcSeal(key, nonce, new byte[0], max, 8), sealed);
        assertArrayEquals(max, CcmTestSupport.open(key, nonce, null, sealed, 8));

        AesCcm enc = CcmTestSupport.cipher(true, key);
        enc.init(nonce, 8);
        byte[] tooLong = new byte[0x10000];
        assertEquals(AlertDescription.internal_error,
            alertOf(() -> enc.doFinal(null, tooLong, 0, tooLong.length, new byte[tooLong.length + 8], 0)));

        AesCcm dec = CcmTestSupport.cipher(false, key);
        dec.init(nonce, 8);
        byte[] tooLongRecord = new byte[0x10000 + 8];
        assertEquals(AlertDescription.bad_record_mac,
            alertOf(() -> dec.doFinal(null, tooLongRecord, 0, tooLongRecord.length, tooLongRecord, 0)));
    }

    @Test
    void rejectsInvalidParameters() throws Exception
    {
        AesCcm c = new AesCcm(true);
        for (int bad : new int[] { 0, 8, 15, 17, 20, 31, 33, 64 })
        {
            assertEquals(AlertDescription.internal_error, alertOf(() -> c.setKey(new byte[64], 0, bad)), "key " + bad);
        }
        assertEquals(AlertDescription.internal_error, alertOf(() -> c.setKey(new byte[16], 1, 16)));
        assertEquals(AlertDescription.internal_error, alertOf(() -> c.setKey(null, 0, 16)));

        for (int bad : new int[] { 0, 1, 6, 14, 16 })
        {
            assertEquals(AlertDescription.internal_error, alertOf(() -> c.init(new byte[bad], 16)), "nonce " + bad);
        }
        assertEquals(AlertDescription.internal_error, alertOf(() -> c.init(null, 16)));
        for (int bad : new int[] { 0, 1, 2, 3, 5, 7, 15, 17, 18, 32 })
        {
            assertEquals(AlertDescription.internal_error, alertOf(() -> c.init(new byte[12], bad)), "tag " + bad);
        }
    }

    @Test
    void enforcesCallOrderAndOneMessagePerNonce() throws Exception
    {
        AesCcm noKey = new AesCcm(true);
        noKey.init(new byte[12], 16);
        assertThrows(IllegalStateException.class, () -> noKey.doFinal(null, new byte[1], 0, 1, new byte[17], 0));

        AesCcm enc = CcmTestSupport.cipher(true, bytes(16));
        assertThrows(IllegalStateException.class, () -> enc.doFinal(null, new byte[1], 0, 1, new byte[17], 0));
        enc.init(bytes(12), 16);
        enc.doFinal(null, new byte[1], 0, 1, new byte[17], 0);
        // same nonce again without init: refused
        assertThrows(IllegalStateException.class, () -> enc.doFinal(null, new byte[1], 0, 1, new byte[17], 0));
    }

    @Test
    void checksBuffersBeforeTouchingAnything() throws Exception
    {
        byte[] key = bytes(16), nonce = bytes(12), pt = bytes(40);
        byte[] sealed = CcmTestSupport.seal(key, nonce, null, pt, 16);

        AesCcm enc = CcmTestSupport.cipher(true, key);
        enc.init(nonce, 16);
        assertThrows(IllegalArgumentException.class, () -> enc.doFinal(null, pt, 0, pt.length, new byte[55], 0));
        enc.init(nonce, 16);
        assertThrows(IllegalArgumentException.class, () -> enc.doFinal(null, pt, 1, pt.length, new byte[56], 0));

        AesCcm dec = CcmTestSupport.cipher(false, key);
        dec.init(nonce, 16);
        byte[] small = new byte[39];
        assertThrows(IllegalArgumentException.class, () -> dec.doFinal(null, sealed, 0, sealed.length, small, 0));
        assertArrayEquals(new byte[39], small);

        // shorter than the tag: an authentication failure, not a crash
        dec.init(nonce, 16);
        assertEquals(AlertDescription.bad_record_mac, alertOf(() -> dec.doFinal(null, sealed, 0, 15, new byte[16], 0)));
    }

    @Test
    void outputSize() throws Exception
    {
        AesCcm enc = new AesCcm(true), dec = new AesCcm(false);
        enc.init(new byte[12], 8);
        dec.init(new byte[12], 16);
        assertEquals(108, enc.getOutputSize(100));
        assertEquals(84, dec.getOutputSize(100));
        assertEquals(0, dec.getOutputSize(10));
        assertTrue(enc.isEncrypting());
        assertFalse(dec.isEncrypting());
    }

    @Test
    void rekeyingSwitchesKeys() throws Exception
    {
        byte[] k1 = bytes(16), k2 = bytes(32), nonce = bytes(12), pt = bytes(500);
        AesCcm enc = CcmTestSupport.cipher(true, k1);
        assertArrayEquals(bcSeal(k1, nonce, null, pt, 16), CcmTestSupport.seal(enc, nonce, null, pt, 16));
        enc.setKey(k2, 0, 32);
        assertArrayEquals(bcSeal(k2, nonce, null, pt, 16), CcmTestSupport.seal(enc, nonce, null, pt, 16));

        byte[] block = new byte[50];
        System.arraycopy(k1, 0, block, 17, 16);
        enc.setKey(block, 17, 16);
        assertArrayEquals(bcSeal(k1, nonce, null, pt, 16), CcmTestSupport.seal(enc, nonce, null, pt, 16));
    }

    @Test
    void scratchBuffersAreZeroAfterSuccessAndFailure() throws Exception
    {
        byte[] key = bytes(32), nonce = bytes(12), aad = bytes(13), pt = bytes(3000);
        AesCcm enc = CcmTestSupport.cipher(true, key);
        byte[] sealed = CcmTestSupport.seal(enc, nonce, aad, pt, 16);
        assertAllByteArrayFieldsZero(enc);

        AesCcm dec = CcmTestSupport.cipher(false, key);
        CcmTestSupport.open(dec, nonce, aad, sealed, 16);
        assertAllByteArrayFieldsZero(dec);

        sealed[100] ^= 1;
        dec.init(nonce, 16);
        assertThrows(TlsFatalAlert.class, () -> dec.doFinal(aad, sealed, 0, sealed.length, new byte[3000], 0));
        assertAllByteArrayFieldsZero(dec);
    }

    @Test
    void keepsNoCopyOfTheKey() throws Exception
    {
        byte[] key = bytes(16);
        AesCcm enc = CcmTestSupport.cipher(true, key);
        enc.init(bytes(12), 8);
        for (Field f : AesCcm.class.getDeclaredFields())
        {
            if (f.getType() == byte[].class)
            {
                f.setAccessible(true);
                byte[] v = (byte[])f.get(enc);
                if (v == null)
                {
                    continue; // a record buffer not borrowed at the moment
                }
                for (int i = 0; i + key.length <= v.length; ++i)
                {
                    assertFalse(Arrays.equals(key, 0, 16, v, i, i + 16), "key bytes found in field " + f.getName());
                }
            }
        }
    }

    @Test
    void usesTheJdkAesImplementation() throws Exception
    {
        AesCcm c = new AesCcm(true);
        for (String name : new String[] { "cbc", "ctr" })
        {
            Field f = AesCcm.class.getDeclaredField(name);
            f.setAccessible(true);
            Cipher cipher = (Cipher)f.get(c);
            cipher.getBlockSize(); // forces provider selection
            assertEquals("SunJCE", cipher.getProvider().getName(), name);
        }
    }

    private static void assertAllByteArrayFieldsZero(AesCcm c) throws Exception
    {
        for (Field f : AesCcm.class.getDeclaredFields())
        {
            if (f.getType() == byte[].class)
            {
                f.setAccessible(true);
                byte[] v = (byte[])f.get(c);
                if (v == null)
                {
                    continue; // record buffers are given back (zeroed) to RecordBuffers after each operation
                }
                assertArrayEquals(new byte[v.length], v, "field " + f.getName() + " not zeroed");
            }
        }
        assertTrue(RecordBuffers.pooledBuffersAreZero(), "a pooled record buffer was given back unzeroed");
    }
}
