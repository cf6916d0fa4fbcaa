package dev.saef.crypto;

import static dev.saef.crypto.GcmTestSupport.TAG;
import static dev.saef.crypto.GcmTestSupport.bcOpen;
import static dev.saef.crypto.GcmTestSupport.bcSeal;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.List;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.WithNull;

import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.TlsFatalAlert;

/**
 * Property-based tests of {@link AesGcm} in the TLS shape (RFC 5288: 12-octet nonce, 16-octet
 * tag, AES-128 or AES-256), with Bouncy Castle's {@code GCMBlockCipher} over {@code AESEngine}
 * as the oracle. The security properties are checked both on SunJCE and on a foreign provider
 * (Bouncy Castle's JCE provider), which takes AesGcm's staged-decryption path.
 */
class AesGcmProperties
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

    private static AesGcm dec(boolean foreign, byte[] key) throws Exception
    {
        return foreign ? GcmTestSupport.foreignCipher(false, key) : GcmTestSupport.cipher(false, key);
    }

    @Property(tries = 400)
    void roundTripAndAgreementWithBouncyCastle(@ForAll("keys") byte[] key, @ForAll("nonces") byte[] nonce,
        @ForAll @Size(max = 40) byte[] aad, @ForAll @Size(max = 2000) byte[] payload) throws Exception
    {
        byte[] sealed = GcmTestSupport.seal(key, nonce, aad, payload);
        assertEquals(payload.length + TAG, sealed.length);
        assertArrayEquals(bcSeal(key, nonce, aad, payload), sealed, "ciphertext differs from BC GCM");
        assertArrayEquals(payload, GcmTestSupport.open(key, nonce, aad, sealed));
        assertArrayEquals(payload, GcmTestSupport.open(GcmTestSupport.foreignCipher(false, key), nonce, aad, sealed));
        assertArrayEquals(payload, bcOpen(key, nonce, aad, sealed), "BC GCM cannot open our output");
    }

    @Property(tries = 200)
    void nullAndEmptyAdditionalDataAreTheSame(@ForAll("keys") byte[] key, @ForAll("nonces") byte[] nonce,
        @ForAll @Size(max = 100) byte[] payload) throws Exception
    {
        AesGcm enc = GcmTestSupport.cipher(true, key);
        enc.init(nonce, TAG);
        byte[] viaNull = new byte[payload.length + TAG];
        enc.doFinal(null, payload, 0, payload.length, viaNull, 0);
        assertArrayEquals(GcmTestSupport.seal(key, nonce, new byte[0], payload), viaNull);
    }

    @Property(tries = 300)
    void flippingAnyBitOfCiphertextOrTagIsRejected(@ForAll("keys") byte[] key, @ForAll("nonces") byte[] nonce,
        @ForAll @Size(max = 40) byte[] aad, @ForAll @Size(max = 2000) byte[] payload,
        @ForAll @IntRange(min = 0, max = Integer.MAX_VALUE - 1) int position, @ForAll boolean foreign)
        throws Exception
    {
        byte[] sealed = GcmTestSupport.seal(key, nonce, aad, payload);
        int bit = position % (sealed.length * 8);
        sealed[bit >>> 3] ^= (byte)(1 << (bit & 7));
        assertRejected(dec(foreign, key), key, nonce, aad, sealed);
    }

    @Property(tries = 200)
    void flippingAnyBitOfAdditionalDataIsRejected(@ForAll("keys") byte[] key, @ForAll("nonces") byte[] nonce,
        @ForAll @Size(min = 1, max = 40) byte[] aad, @ForAll @Size(max = 2000) byte[] payload,
        @ForAll @IntRange(min = 0, max = Integer.MAX_VALUE - 1) int position, @ForAll boolean foreign)
        throws Exception
    {
        byte[] sealed = GcmTestSupport.seal(key, nonce, aad, payload);
        int bit = position % (aad.length * 8);
        aad[bit >>> 3] ^= (byte)(1 << (bit & 7));
        assertRejected(dec(foreign, key), key, nonce, aad, sealed);
    }

    @Property(tries = 200)
    void flippingAnyBitOfNonceIsRejected(@ForAll("keys") byte[] key, @ForAll("nonces") byte[] nonce,
        @ForAll @Size(max = 40) byte[] aad, @ForAll @Size(max = 2000) byte[] payload,
        @ForAll @IntRange(min = 0, max = 95) int bit, @ForAll boolean foreign) throws Exception
    {
        byte[] sealed = GcmTestSupport.seal(key, nonce, aad, payload);
        nonce[bit >>> 3] ^= (byte)(1 << (bit & 7));
        assertRejected(dec(foreign, key), key, nonce, aad, sealed);
    }

    @Property(tries = 100)
    void truncatedOrExtendedRecordIsRejected(@ForAll("keys") byte[] key, @ForAll("nonces") byte[] nonce,
        @ForAll @Size(max = 40) byte[] aad, @ForAll @Size(max = 300) byte[] payload,
        @ForAll @IntRange(min = -20, max = 20) int delta, @ForAll boolean foreign) throws Exception
    {
        Assume.that(delta != 0 && payload.length + TAG + delta >= 0);
        byte[] sealed = GcmTestSupport.seal(key, nonce, aad, payload);
        assertRejected(dec(foreign, key), key, nonce, aad, Arrays.copyOf(sealed, sealed.length + delta));
    }

    /** Decryption fails with bad_record_mac and neither a separate output nor the input is touched. */
    private static void assertRejected(AesGcm dec, byte[] key, byte[] nonce, byte[] aad, byte[] sealed)
        throws Exception
    {
        // separate output buffer
        byte[] out = new byte[sealed.length + 8];
        Arrays.fill(out, SENTINEL);
        byte[] input = sealed.clone();
        dec.init(nonce, TAG);
        TlsFatalAlert e = assertThrows(TlsFatalAlert.class, () -> dec.doFinal(aad, input, 0, input.length, out, 4));
        assertEquals(AlertDescription.bad_record_mac, e.getAlertDescription());
        byte[] sentinels = new byte[out.length];
        Arrays.fill(sentinels, SENTINEL);
        GcmTestSupport.assertNoPlaintextReleased(sentinels, out, 4, Math.max(0, sealed.length - TAG),
            "output released on failure");
        assertArrayEquals(sealed, input, "input modified on failure");

        // in place, as BC's TlsAEADCipher does it: the record must still hold the ciphertext
        byte[] record = new byte[sealed.length + 13];
        System.arraycopy(sealed, 0, record, 13, sealed.length);
        byte[] before = record.clone();
        dec.init(nonce, TAG);
        e = assertThrows(TlsFatalAlert.class, () -> dec.doFinal(aad, record, 13, sealed.length, record, 13));
        assertEquals(AlertDescription.bad_record_mac, e.getAlertDescription());
        GcmTestSupport.assertNoPlaintextReleased(before, record, 13, Math.max(0, sealed.length - TAG),
            "in-place buffer released plaintext on failure");

        assertNull(bcOpen(key, nonce, aad, sealed), "oracle accepted a forgery");
    }

    @Property(tries = 300)
    void inPlaceDecryptionWorks(@ForAll("keys") byte[] key, @ForAll("nonces") byte[] nonce,
        @ForAll @Size(max = 40) byte[] aad, @ForAll @Size(max = 2000) byte[] payload,
        @ForAll @IntRange(min = 0, max = 40) int offset, @ForAll boolean foreign) throws Exception
    {
        byte[] sealed = bcSeal(key, nonce, aad, payload);
        byte[] record = new byte[offset + sealed.length + 3];
        Arrays.fill(record, SENTINEL);
        System.arraycopy(sealed, 0, record, offset, sealed.length);

        AesGcm dec = dec(foreign, key);
        dec.init(nonce, TAG);
        int n = dec.doFinal(aad, record, offset, sealed.length, record, offset);
        assertEquals(payload.length, n);
        assertArrayEquals(payload, Arrays.copyOfRange(record, offset, offset + n));
        for (int i = 0; i < offset; ++i)
        {
            assertEquals(SENTINEL, record[i], "wrote before the output range");
        }
    }

    @Property(tries = 300)
    void inPlaceEncryptionWorks(@ForAll("keys") byte[] key, @ForAll("nonces") byte[] nonce,
        @ForAll @Size(max = 40) byte[] aad, @ForAll @Size(max = 2000) byte[] payload,
        @ForAll @IntRange(min = 0, max = 40) int offset) throws Exception
    {
        byte[] record = new byte[offset + payload.length + TAG];
        System.arraycopy(payload, 0, record, offset, payload.length);
        AesGcm enc = GcmTestSupport.cipher(true, key);
        enc.init(nonce, TAG);
        int n = enc.doFinal(aad, record, offset, payload.length, record, offset);
        assertArrayEquals(bcSeal(key, nonce, aad, payload), Arrays.copyOfRange(record, offset, offset + n));
    }

    @Property(tries = 300)
    void overlappingBuffersWorkInBothDirections(@ForAll("keys") byte[] key, @ForAll("nonces") byte[] nonce,
        @ForAll @Size(max = 40) byte[] aad, @ForAll @Size(max = 600) byte[] payload,
        @ForAll @IntRange(min = 0, max = 40) int inOff, @ForAll @IntRange(min = 0, max = 40) int outOff,
        @ForAll boolean foreign) throws Exception
    {
        byte[] expected = bcSeal(key, nonce, aad, payload);

        byte[] buf = new byte[Math.max(inOff, outOff) + payload.length + TAG];
        System.arraycopy(payload, 0, buf, inOff, payload.length);
        AesGcm enc = GcmTestSupport.cipher(true, key);
        enc.init(nonce, TAG);
        assertEquals(expected.length, enc.doFinal(aad, buf, inOff, payload.length, buf, outOff));
        assertArrayEquals(expected, Arrays.copyOfRange(buf, outOff, outOff + expected.length));

        byte[] buf2 = new byte[Math.max(inOff, outOff) + expected.length];
        System.arraycopy(expected, 0, buf2, inOff, expected.length);
        AesGcm dec = dec(foreign, key);
        dec.init(nonce, TAG);
        assertEquals(payload.length, dec.doFinal(aad, buf2, inOff, expected.length, buf2, outOff));
        assertArrayEquals(payload, Arrays.copyOfRange(buf2, outOff, outOff + payload.length));
    }

    /**
     * One instance per direction handles a stream of records of varying size, driven exactly as
     * BC's TlsAEADCipher drives it: init, getOutputSize, doFinal in place, with the RFC 5288
     * nonce salt || seq_num.
     */
    @Property(tries = 50)
    void reusedInstancesHandleRecordSequences(@ForAll("keys") byte[] key,
        @ForAll @Size(min = 1, max = 12) List<@Size(max = 17000) byte[]> payloads,
        @ForAll @WithNull @Size(max = 40) byte[] aad, @ForAll @Size(value = 4) byte[] salt, @ForAll boolean foreign)
        throws Exception
    {
        AesGcm enc = GcmTestSupport.cipher(true, key);
        AesGcm dec = dec(foreign, key);
        long seq = 0;
        for (byte[] payload : payloads)
        {
            byte[] nonce = Arrays.copyOf(salt, 12);
            for (int i = 0; i < 8; ++i)
            {
                nonce[11 - i] = (byte)(seq >>> (8 * i));
            }
            ++seq;
            enc.init(nonce, TAG);
            byte[] record = new byte[5 + enc.getOutputSize(payload.length)];
            assertEquals(payload.length + TAG, enc.getOutputSize(payload.length), "getOutputSize is stable");
            System.arraycopy(payload, 0, record, 5, payload.length);
            assertEquals(record.length - 5, enc.doFinal(aad, record, 5, payload.length, record, 5));
            assertArrayEquals(bcSeal(key, nonce, aad == null ? new byte[0] : aad, payload),
                Arrays.copyOfRange(record, 5, record.length));

            dec.init(nonce, TAG);
            assertEquals(payload.length, dec.getOutputSize(record.length - 5));
            int n = dec.doFinal(aad, record, 5, record.length - 5, record, 5);
            assertArrayEquals(payload, Arrays.copyOfRange(record, 5, 5 + n));
        }
    }
}
