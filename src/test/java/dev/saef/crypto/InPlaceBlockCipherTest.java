package dev.saef.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.tls.crypto.impl.TlsBlockCipherImpl;
import org.bouncycastle.tls.crypto.impl.jcajce.JceBlockCipherImpl;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link InPlaceBlockCipher}: in-place CBC through the pooled scratch buffer gives exactly what the
 * JDK's AES/CBC/NoPadding gives out of place (encrypt and decrypt, record sizes up to the largest
 * TLS record and beyond the pool's buffers), and the scratch buffer goes back to the pool zeroed.
 */
class InPlaceBlockCipherTest {

    private static final byte[] KEY = new byte[16];
    private static final byte[] IV = new byte[16];

    static {
        for (int i = 0; i < 16; i++) {
            KEY[i] = (byte) (0x20 + i);
            IV[i] = (byte) (0x90 - i);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {16, 1024, 16384 + 48, RecordBuffers.RECORD_CAPACITY / 16 * 16, 40_000})
    void inPlaceMatchesTheJdkOutOfPlace(int length) throws Exception {
        byte[] plain = new byte[length + 7];
        new SecureRandom().nextBytes(plain);
        int off = 5; // the record header before the CBC blocks, as Bouncy Castle lays it out

        byte[] expected = jdk(Cipher.ENCRYPT_MODE, Arrays.copyOfRange(plain, off, off + length));
        byte[] buf = plain.clone();
        int n = cipher(true).doFinal(buf, off, length, buf, off);
        assertEquals(length, n);
        assertArrayEquals(expected, Arrays.copyOfRange(buf, off, off + length), "in-place encryption");
        assertArrayEquals(Arrays.copyOfRange(plain, 0, off), Arrays.copyOfRange(buf, 0, off), "header untouched");

        n = cipher(false).doFinal(buf, off, length, buf, off);
        assertEquals(length, n);
        assertArrayEquals(plain, buf, "in-place decryption gives the plaintext back");
        assertTrue(RecordBuffers.pooledBuffersAreZero(), "a pooled scratch buffer was given back unzeroed");
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void outOfPlaceGoesStraightToTheJdk(boolean encrypt) throws Exception {
        byte[] in = new byte[4096];
        new SecureRandom().nextBytes(in);
        byte[] out = new byte[4096];
        cipher(encrypt).doFinal(in, 0, in.length, out, 0);
        assertArrayEquals(jdk(encrypt ? Cipher.ENCRYPT_MODE : Cipher.DECRYPT_MODE, in), out);
    }

    private static TlsBlockCipherImpl cipher(boolean encrypt) throws Exception {
        SaefTlsCrypto crypto = SaefTlsCrypto.create(new SecureRandom());
        TlsBlockCipherImpl c = new InPlaceBlockCipher(new JceBlockCipherImpl(crypto,
                Cipher.getInstance("AES/CBC/NoPadding"), "AES", 16, encrypt));
        c.setKey(KEY, 0, KEY.length);
        c.init(IV, 0, IV.length);
        return c;
    }

    private static byte[] jdk(int mode, byte[] data) throws Exception {
        Cipher c = Cipher.getInstance("AES/CBC/NoPadding");
        c.init(mode, new SecretKeySpec(KEY, "AES"), new IvParameterSpec(IV));
        return c.doFinal(data);
    }
}
