package dev.saef.crypto;

import static dev.saef.crypto.CcmTestSupport.bcOpen;
import static dev.saef.crypto.CcmTestSupport.bcSeal;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.WithNull;

import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.TlsFatalAlert;

/**
 * Property-based tests of {@link AesCcm} in the TLS shape (RFC 6655: 12-octet nonce, 8- or
 * 16-octet tag, AES-128 or AES-256), with Bouncy Castle's {@code CCMBlockCipher} as the oracle.
 */
class AesCcmProperties
{
    private static final byte SENTINEL = (byte)0xA5;

    @Provide
    Arbitrary<byte[]> keys()
    {
        return Arbitraries.of(16, 32).flatMap(n -> Arbitraries.bytes().array(byte[].class).ofSize(n));
    }

    @Provide
    Arbitrary<byte[]> nonces()
    {
        return Arbitraries.bytes().array(byte[].class).ofSize(12);
    }

    @Provide
    Arbitrary<Integer> tagLengths()
    {
        return Arbitraries.of(8, 16);
    }

    @Property(tries = 400)
    void roundTripAndAgreementWithBouncyCastle(@ForAll("keys") byte[] key, @ForAll("nonces") byte[] nonce,
        @ForAll("tagLengths") int tagLen, @ForAll @Size(max = 40) byte[] aad, @ForAll @Size(max = 2000) byte[] payload)
        throws Exception
    {
        byte[] sealed = CcmTestSupport.seal(key, nonce, aad, payload, tagLen);
        assertEquals(payload.length + tagLen, sealed.length);
        assertArrayEquals(bcSeal(key, nonce, aad, payload, tagLen), sealed, "ciphertext differs from BC CCM");
        assertArrayEquals(payload, CcmTestSupport.open(key, nonce, aad, sealed, tagLen));
        assertArrayEquals(payload, bcOpen(key, nonce, aad, sealed, tagLen), "BC CCM cannot open our output");
    }

    @Property(tries = 200)
    void nullAndEmptyAdditionalDataAreTheSame(@ForAll("keys") byte[] key, @ForAll("nonces") byte[] nonce,
        @ForAll("tagLengths") int tagLen, @ForAll @Size(max = 100) byte[] payload) throws Exception
    {
        AesCcm enc = CcmTestSupport.cipher(true, key);
        enc.init(nonce, tagLen);
        byte[] viaNull = new byte[payload.length + tagLen];
        enc.doFinal(null, payload, 0, payload.length, viaNull, 0);
        assertArrayEquals(CcmTestSupport.seal(key, nonce, new byte[0], payload, tagLen), viaNull);
    }

    @Property(tries = 300)
    void flippingAnyBitOfCiphertextOrTagIsRejected(@ForAll("keys") byte[] key, @ForAll("nonces") byte[] nonce,
        @ForAll("tagLengths") int tagLen, @ForAll @Size(max = 40) byte[] aad, @ForAll @Size(max = 2000) byte[] payload,
        @ForAll @IntRange(min = 0, max = Integer.MAX_VALUE - 1) int position) throws Exception
    {
        byte[] sealed = CcmTestSupport.seal(key, nonce, aad, payload, tagLen);
        int bit = position % (sealed.length * 8);
        sealed[bit >>> 3] ^= (byte)(1 << (bit & 7));
        assertRejected(key, nonce, aad, sealed, tagLen);
    }

    @Property(tries = 300)
    void flippingAnyBitOfAdditionalDataIsRejected(@ForAll("keys") byte[] key, @ForAll("nonces") byte[] nonce,
        @ForAll("tagLengths") int tagLen, @ForAll @Size(min = 1, max = 40) byte[] aad,
        @ForAll @Size(max = 2000) byte[] payload, @ForAll @IntRange(min = 0, max = Integer.MAX_VALUE - 1) int position)
        throws Exception
    {
        byte[] sealed = CcmTestSupport.seal(key, nonce, aad, payload, tagLen);
        int bit = position % (aad.length * 8);
        aad[bit >>> 3] ^= (byte)(1 << (bit & 7));
        assertRejected(key, nonce, aad, sealed, tagLen);
    }

    @Property(tries = 300)
    void flippingAnyBitOfNonceIsRejected(@ForAll("keys") byte[] key, @ForAll("nonces") byte[] nonce,
        @ForAll("tagLengths") int tagLen, @ForAll @Size(max = 40) byte[] aad, @ForAll @Size(max = 2000) byte[] payload,
        @ForAll @IntRange(min = 0, max = 95) int bit) throws Exception
    {
        byte[] sealed = CcmTestSupport.seal(key, nonce, aad, payload, tagLen);
        nonce[bit >>> 3] ^= (byte)(1 << (bit & 7));
        assertRejected(key, nonce, aad, sealed, tagLen);
    }

    @Property(tries = 100)
    void truncatedOrExtendedRecordIsRejected(@ForAll("keys") byte[] key, @ForAll("nonces") byte[] nonce,
        @ForAll("tagLengths") int tagLen, @ForAll @Size(max = 40) byte[] aad, @ForAll @Size(max = 300) byte[] payload,
        @ForAll @IntRange(min = -20, max = 20) int delta) throws Exception
    {
        net.jqwik.api.Assume.that(delta != 0 && payload.length + tagLen + delta >= 0);
        byte[] sealed = CcmTestSupport.seal(key, nonce, aad, payload, tagLen);
        assertRejected(key, nonce, aad, Arrays.copyOf(sealed, sealed.length + delta), tagLen);
    }

    /** Decryption fails with bad_record_mac and neither a separate output nor the input is touched. */
    private static void assertRejected(byte[] key, byte[] nonce, byte[] aad, byte[] sealed, int tagLen)
        throws Exception
    {
        AesCcm dec = CcmTestSupport.cipher(false, key);

        // separate output buffer
        byte[] out = new byte[sealed.length + 8];
        Arrays.fill(out, SENTINEL);
        byte[] input = sealed.clone();
        dec.init(nonce, tagLen);
        TlsFatalAlert e = assertThrows(TlsFatalAlert.class, () -> dec.doFinal(aad, input, 0, input.length, out, 4));
        assertEquals(AlertDescription.bad_record_mac, e.getAlertDescription());
        byte[] sentinels = new byte[out.length];
        Arrays.fill(sentinels, SENTINEL);
        assertArrayEquals(sentinels, out, "output released on failure");
        assertArrayEquals(sealed, input, "input modified on failure");

        // in place, as BC's TlsAEADCipher does it: the record must still hold the ciphertext
        byte[] record = new byte[sealed.length + 13];
        System.arraycopy(sealed, 0, record, 13, sealed.length);
        byte[] before = record.clone();
        dec.init(nonce, tagLen);
        e = assertThrows(TlsFatalAlert.class, () -> dec.doFinal(aad, record, 13, sealed.length, record, 13));
        assertEquals(AlertDescription.bad_record_mac, e.getAlertDescription());
        assertArrayEquals(before, record, "in-place buffer modified on failure");

        assertEquals(null, bcOpen(key, nonce, aad, sealed, tagLen), "oracle accepted a forgery");
    }

    @Property(tries = 300)
    void inPlaceDecryptionWorks(@ForAll("keys") byte[] key, @ForAll("nonces") byte[] nonce,
        @ForAll("tagLengths") int tagLen, @ForAll @Size(max = 40) byte[] aad, @ForAll @Size(max = 2000) byte[] payload,
        @ForAll @IntRange(min = 0, max = 40) int offset) throws Exception
    {
        byte[] sealed = CcmTestSupport.seal(key, nonce, aad, payload, tagLen);
        byte[] record = new byte[offset + sealed.length + 3];
        System.arraycopy(sealed, 0, record, offset, sealed.length);

        AesCcm dec = CcmTestSupport.cipher(false, key);
        dec.init(nonce, tagLen);
        int n = dec.doFinal(aad, record, offset, sealed.length, record, offset);
        assertEquals(payload.length, n);
        assertArrayEquals(payload, Arrays.copyOfRange(record, offset, offset + n));
    }

    @Property(tries = 300)
    void overlappingBuffersWorkInBothDirections(@ForAll("keys") byte[] key, @ForAll("nonces") byte[] nonce,
        @ForAll("tagLengths") int tagLen, @ForAll @Size(max = 40) byte[] aad, @ForAll @Size(max = 600) byte[] payload,
        @ForAll @IntRange(min = 0, max = 40) int inOff, @ForAll @IntRange(min = 0, max = 40) int outOff)
        throws Exception
    {
        byte[] expected = bcSeal(key, nonce, aad, payload, tagLen);

        byte[] buf = new byte[Math.max(inOff, outOff) + payload.length + tagLen];
        System.arraycopy(payload, 0, buf, inOff, payload.length);
        AesCcm enc = CcmTestSupport.cipher(true, key);
        enc.init(nonce, tagLen);
        assertEquals(expected.length, enc.doFinal(aad, buf, inOff, payload.length, buf, outOff));
        assertArrayEquals(expected, Arrays.copyOfRange(buf, outOff, outOff + expected.length));

        byte[] buf2 = new byte[Math.max(inOff, outOff) + expected.length];
        System.arraycopy(expected, 0, buf2, inOff, expected.length);
        AesCcm dec = CcmTestSupport.cipher(false, key);
        dec.init(nonce, tagLen);
        assertEquals(payload.length, dec.doFinal(aad, buf2, inOff, expected.length, buf2, outOff));
        assertArrayEquals(payload, Arrays.copyOfRange(buf2, outOff, outOff + payload.length));
    }

    /** One instance per direction handles a stream of records of varying size (scratch reuse). */
    @Property(tries = 50)
    void reusedInstancesHandleRecordSequences(@ForAll("keys") byte[] key, @ForAll("tagLengths") int tagLen,
        @ForAll @Size(min = 1, max = 12) java.util.List<@Size(max = 3000) byte[]> payloads,
        @ForAll @WithNull @Size(max = 40) byte[] aad) throws Exception
    {
        AesCcm enc = CcmTestSupport.cipher(true, key);
        AesCcm dec = CcmTestSupport.cipher(false, key);
        long seq = 0;
        for (byte[] payload : payloads)
        {
            byte[] nonce = new byte[12];
            for (int i = 0; i < 8; ++i)
            {
                nonce[11 - i] = (byte)(seq >>> (8 * i));
            }
            ++seq;
            enc.init(nonce, tagLen);
            byte[] sealed = new byte[enc.getOutputSize(payload.length)];
            enc.doFinal(aad, payload, 0, payload.length, sealed, 0);
            assertArrayEquals(bcSeal(key, nonce, aad == null ? new byte[0] : aad, payload, tagLen), sealed);

            dec.init(nonce, tagLen);
            assertEquals(payload.length, dec.getOutputSize(sealed.length));
            int n = dec.doFinal(aad, sealed, 0, sealed.length, sealed, 0);
            assertArrayEquals(payload, Arrays.copyOf(sealed, n));
        }
    }
}
