package dev.saef.crypto;

import static dev.saef.crypto.CcmTestSupport.hex;
import static dev.saef.crypto.GcmTestSupport.bcOpen;
import static dev.saef.crypto.GcmTestSupport.bcSeal;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.stream.Stream;

import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.TlsFatalAlert;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Known-answer tests for {@link AesGcm}: the test cases of the GCM specification submitted to
 * NIST (McGrew and Viega, "The Galois/Counter Mode of Operation (GCM)", appendix B) that use a
 * 96-bit IV, the only IV length TLS uses (RFC 5288 section 3): cases 1-4 (AES-128) and 13-16
 * (AES-256), with and without additional data.
 *
 * <p>Every vector is additionally run through Bouncy Castle's {@code GCMBlockCipher} so that a
 * mistyped vector shows up as an oracle mismatch rather than as a bug in AesGcm.
 */
class AesGcmKnownAnswerTest
{
    record Vector(String name, byte[] key, byte[] iv, byte[] aad, byte[] plaintext, byte[] ciphertext, byte[] tag)
    {
        byte[] sealed()
        {
            byte[] s = Arrays.copyOf(ciphertext, ciphertext.length + tag.length);
            System.arraycopy(tag, 0, s, ciphertext.length, tag.length);
            return s;
        }

        @Override
        public String toString()
        {
            return name;
        }
    }

    private static final String K0_128 = "00000000000000000000000000000000";
    private static final String K0_256 = K0_128 + K0_128;
    private static final String IV0 = "000000000000000000000000";
    private static final String K_128 = "feffe9928665731c6d6a8f9467308308";
    private static final String K_256 = K_128 + K_128;
    private static final String IV = "cafebabefacedbaddecaf888";
    private static final String AAD = "feedfacedeadbeeffeedfacedeadbeefabaddad2";
    private static final String P64 = "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
        + "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255";
    private static final String P60 = P64.substring(0, 120);
    private static final String C64_128 = "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
        + "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985";
    private static final String C64_256 = "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
        + "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad";

    private static Vector v(String name, String key, String iv, String aad, String pt, String ct, String tag)
    {
        return new Vector(name, hex(key), hex(iv), hex(aad), hex(pt), hex(ct), hex(tag));
    }

    static Stream<Vector> vectors()
    {
        return Stream.of(
            v("GCM spec test case 1 (AES-128, empty)", K0_128, IV0, "", "", "",
                "58e2fccefa7e3061367f1d57a4e7455a"),
            v("GCM spec test case 2 (AES-128, one block)", K0_128, IV0, "", K0_128,
                "0388dace60b6a392f328c2b971b2fe78", "ab6e47d42cec13bdf53a67b21257bddf"),
            v("GCM spec test case 3 (AES-128, 64 octets)", K_128, IV, "", P64, C64_128,
                "4d5c2af327cd64a62cf35abd2ba6fab4"),
            v("GCM spec test case 4 (AES-128, 60 octets, 20-octet AAD)", K_128, IV, AAD, P60,
                C64_128.substring(0, 120), "5bc94fbc3221a5db94fae95ae7121a47"),
            v("GCM spec test case 13 (AES-256, empty)", K0_256, IV0, "", "", "",
                "530f8afbc74536b9a963b4f1c4cb738b"),
            v("GCM spec test case 14 (AES-256, one block)", K0_256, IV0, "", K0_128,
                "cea7403d4d606b6e074ec5d3baf39d18", "d0d1c8a799996bf0265b98b5d48ab919"),
            v("GCM spec test case 15 (AES-256, 64 octets)", K_256, IV, "", P64, C64_256,
                "b094dac5d93471bdec1a502270e3cc6c"),
            v("GCM spec test case 16 (AES-256, 60 octets, 20-octet AAD)", K_256, IV, AAD, P60,
                C64_256.substring(0, 120), "76fc6ece0f4e1768cddf8853bb2d551b"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vectors")
    void vectorIsConsistentWithOracle(Vector v)
    {
        assertArrayEquals(v.sealed(), bcSeal(v.key(), v.iv(), v.aad(), v.plaintext()), "vector or oracle is wrong");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vectors")
    void seals(Vector v) throws Exception
    {
        assertArrayEquals(v.sealed(), GcmTestSupport.seal(v.key(), v.iv(), v.aad(), v.plaintext()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vectors")
    void opensSeparatelyAndInPlace(Vector v) throws Exception
    {
        assertArrayEquals(v.plaintext(), GcmTestSupport.open(v.key(), v.iv(), v.aad(), v.sealed()));

        byte[] sealed = v.sealed();
        byte[] record = new byte[13 + sealed.length];
        System.arraycopy(sealed, 0, record, 13, sealed.length);
        AesGcm dec = GcmTestSupport.cipher(false, v.key());
        dec.init(v.iv(), 16);
        int n = dec.doFinal(v.aad(), record, 13, sealed.length, record, 13);
        assertArrayEquals(v.plaintext(), Arrays.copyOfRange(record, 13, 13 + n));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vectors")
    void sealsInPlace(Vector v) throws Exception
    {
        byte[] record = new byte[13 + v.plaintext().length + 16];
        System.arraycopy(v.plaintext(), 0, record, 13, v.plaintext().length);
        AesGcm enc = GcmTestSupport.cipher(true, v.key());
        enc.init(v.iv(), 16);
        int n = enc.doFinal(v.aad(), record, 13, v.plaintext().length, record, 13);
        assertArrayEquals(v.sealed(), Arrays.copyOfRange(record, 13, 13 + n));
    }

    /** A modified tag is rejected with bad_record_mac and nothing is written. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("vectors")
    void rejectsModifiedTag(Vector v) throws Exception
    {
        byte[] sealed = v.sealed();
        sealed[sealed.length - 1] ^= 0x01;
        assertNull(bcOpen(v.key(), v.iv(), v.aad(), sealed), "oracle accepted a forgery");

        byte[] out = new byte[sealed.length];
        Arrays.fill(out, (byte)0x5A);
        byte[] expectedOut = out.clone();
        AesGcm dec = GcmTestSupport.cipher(false, v.key());
        dec.init(v.iv(), 16);
        TlsFatalAlert e = assertThrows(TlsFatalAlert.class,
            () -> dec.doFinal(v.aad(), sealed, 0, sealed.length, out, 0));
        assertEquals(AlertDescription.bad_record_mac, e.getAlertDescription());
        GcmTestSupport.assertNoPlaintextReleased(expectedOut, out, 0, sealed.length - 16, "output released on failure");
    }
}
