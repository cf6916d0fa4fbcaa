package dev.saef.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Random;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.tls.PRFAlgorithm;
import org.bouncycastle.tls.crypto.CryptoHashAlgorithm;
import org.bouncycastle.tls.crypto.TlsSecret;
import org.bouncycastle.tls.crypto.impl.jcajce.JceTlsSecret;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link PrfHmac} is HMAC (RFC 2104; RFC 4231 vectors and the JDK's {@code Mac} as references), and
 * {@link SaefTlsSecret}'s TLS PRF gives exactly what Bouncy Castle's {@link JceTlsSecret} gives, for
 * secrets shorter and longer than the hash block (a plain-PSK premaster is short, a DHE_PSK one long).
 */
class SaefTlsSecretTest {

    private static final SaefTlsCrypto CRYPTO = SaefTlsCrypto.create(new SecureRandom());

    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s);
    }

    private static byte[] mac(int hash, byte[] key, byte[] data) {
        PrfHmac m = PrfHmac.create(hash, key, 0, key.length);
        byte[] out = new byte[m.macLength()];
        m.update(data, 0, data.length);
        m.doFinal(out, 0);
        m.destroy();
        return out;
    }

    @Test
    void rfc4231Vectors() {
        byte[] key1 = new byte[20];
        java.util.Arrays.fill(key1, (byte) 0x0b);
        byte[] data1 = "Hi There".getBytes(StandardCharsets.US_ASCII);
        assertArrayEquals(hex("b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
                mac(CryptoHashAlgorithm.sha256, key1, data1));
        assertArrayEquals(hex("afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59c"
                + "faea9ea9076ede7f4af152e8b2fa9cb6"), mac(CryptoHashAlgorithm.sha384, key1, data1));
        // test case 6: a key longer than the block is hashed first
        byte[] key6 = new byte[131];
        java.util.Arrays.fill(key6, (byte) 0xaa);
        byte[] data6 = "Test Using Larger Than Block-Size Key - Hash Key First".getBytes(StandardCharsets.US_ASCII);
        assertArrayEquals(hex("60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
                mac(CryptoHashAlgorithm.sha256, key6, data6));
        assertArrayEquals(hex("4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c6"
                + "0c2ef6ab4030fe8296248df163f44952"), mac(CryptoHashAlgorithm.sha384, key6, data6));
    }

    @Test
    void theSunDigestsAreUsedWhereOffered() {
        // the fast path (SUN's digests, SHA instructions through the JIT) is the one taken, for every hash
        for (int h : new int[] {CryptoHashAlgorithm.md5, CryptoHashAlgorithm.sha1, CryptoHashAlgorithm.sha224,
            CryptoHashAlgorithm.sha256, CryptoHashAlgorithm.sha384, CryptoHashAlgorithm.sha512}) {
            assertInstanceOf(PrfHmac.JdkHash.class, PrfHmac.jdkDigest(h), "hash " + h);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 20, 36, 64, 65, 128, 129, 292, 1000})
    void matchesTheJdkMacAndIsReusable(int keyLength) throws Exception {
        matchesTheJdkMac(keyLength, false);
    }

    /** The Bouncy Castle digests (used when the SUN provider is not installed) give the same MACs. */
    @ParameterizedTest
    @ValueSource(ints = {1, 20, 64, 65, 129, 292})
    void bouncyCastleDigestsMatchTheJdkMacAndAreReusable(int keyLength) throws Exception {
        matchesTheJdkMac(keyLength, true);
    }

    private static void matchesTheJdkMac(int keyLength, boolean bc) throws Exception {
        Random r = new Random(keyLength);
        byte[] key = new byte[keyLength];
        r.nextBytes(key);
        int[] hashes = {CryptoHashAlgorithm.md5, CryptoHashAlgorithm.sha1, CryptoHashAlgorithm.sha224,
            CryptoHashAlgorithm.sha256, CryptoHashAlgorithm.sha384, CryptoHashAlgorithm.sha512};
        String[] names = {"HmacMD5", "HmacSHA1", "HmacSHA224", "HmacSHA256", "HmacSHA384", "HmacSHA512"};
        for (int h = 0; h < hashes.length; h++) {
            Mac jdk = Mac.getInstance(names[h]);
            jdk.init(new SecretKeySpec(key, names[h]));
            PrfHmac ours = bc ? PrfHmac.create(PrfHmac.bcDigest(hashes[h]), key, 0, key.length)
                    : PrfHmac.create(hashes[h], key, 0, key.length);
            for (int len : new int[] {0, 1, 63, 64, 200}) { // several MACs with one instance, as P_hash does
                byte[] data = new byte[len];
                r.nextBytes(data);
                byte[] out = new byte[ours.macLength()];
                ours.update(data, 0, data.length);
                ours.doFinal(out, 0);
                assertArrayEquals(jdk.doFinal(data), out, names[h] + ", key " + keyLength + ", data " + len);
            }
            ours.destroy();
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 36, 48, 64, 68, 128, 129, 292, 420})
    void prfMatchesBouncyCastle(int secretLength) {
        Random r = new Random(secretLength);
        byte[] secret = new byte[secretLength];
        byte[] seed = new byte[64];
        r.nextBytes(secret);
        r.nextBytes(seed);
        for (int prf : new int[] {PRFAlgorithm.tls_prf_sha256, PRFAlgorithm.tls_prf_sha384,
            PRFAlgorithm.tls_prf_legacy}) {
            for (int length : new int[] {12, 48, 136}) {
                byte[] expected = new JceTlsSecret(CRYPTO, secret.clone())
                        .deriveUsingPRF(prf, "key expansion", seed, length).extract();
                TlsSecret derived = new SaefTlsSecret(CRYPTO, secret.clone())
                        .deriveUsingPRF(prf, "key expansion", seed, length);
                assertInstanceOf(SaefTlsSecret.class, derived, "derived secrets wipe too");
                assertArrayEquals(expected, derived.extract(), "PRF " + prf + ", secret " + secretLength
                        + ", length " + length);
            }
        }
    }

    @Test
    void createSecretZeroesItsArgumentAndDestroyZeroesTheCopy() {
        byte[] data = new byte[36];
        new Random(1).nextBytes(data);
        byte[] expected = data.clone();
        TlsSecret s = CRYPTO.createSecret(data);
        assertInstanceOf(SaefTlsSecret.class, s);
        assertArrayEquals(new byte[36], data, "the caller's array is zeroed");
        assertArrayEquals(expected, CRYPTO.adoptSecret(s).extract(), "the secret kept a copy");
        s.destroy();
        assertFalse(s.isAlive());
        assertThrows(IllegalStateException.class, () -> s.deriveUsingPRF(PRFAlgorithm.tls_prf_sha256, "x",
                new byte[1], 12));
    }
}
