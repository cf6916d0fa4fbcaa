package dev.saef.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.security.GeneralSecurityException;

import javax.crypto.Cipher;

import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.modes.GCMBlockCipher;
import org.bouncycastle.crypto.modes.GCMModeCipher;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/**
 * Shared helpers for the AES-GCM tests: one-shot wrappers around {@link AesGcm}, and Bouncy
 * Castle's lightweight {@code GCMBlockCipher} over {@code AESEngine} as an independent oracle.
 */
final class GcmTestSupport
{
    static final int TAG = AesGcm.TAG_LENGTH;

    private GcmTestSupport()
    {
    }

    static AesGcm cipher(boolean encrypting, byte[] key) throws IOException
    {
        AesGcm c = new AesGcm(encrypting);
        c.setKey(key, 0, key.length);
        return c;
    }

    /**
     * An AesGcm running on Bouncy Castle's JCE provider instead of SunJCE: exercises the path for
     * providers that are not known to verify the tag before releasing plaintext.
     */
    static AesGcm foreignCipher(boolean encrypting, byte[] key) throws IOException
    {
        try
        {
            AesGcm c = new AesGcm(encrypting, Cipher.getInstance("AES/GCM/NoPadding", new BouncyCastleProvider()));
            c.setKey(key, 0, key.length);
            return c;
        }
        catch (GeneralSecurityException e)
        {
            throw new AssertionError(e);
        }
    }

    /**
     * After a rejected decryption, no plaintext may have been released: the {@code len} bytes at
     * {@code off} (where the plaintext would have gone) hold either exactly what they held before,
     * or zeros (SunJCE from Java 25 on clears the output of a failed GCM decryption; earlier JDKs
     * leave it untouched), and every other byte is unchanged.
     */
    static void assertNoPlaintextReleased(byte[] before, byte[] after, int off, int len, String what)
    {
        org.junit.jupiter.api.Assertions.assertEquals(before.length, after.length, what);
        boolean untouched = true;
        boolean zeroed = true;
        for (int i = 0; i < after.length; i++)
        {
            boolean inRange = i >= off && i < off + len;
            if (!inRange)
            {
                org.junit.jupiter.api.Assertions.assertEquals(before[i], after[i], what + ": byte " + i
                    + " outside the plaintext range changed");
                continue;
            }
            untouched &= after[i] == before[i];
            zeroed &= after[i] == 0;
        }
        org.junit.jupiter.api.Assertions.assertTrue(untouched || zeroed, what
            + ": the plaintext range holds neither its old bytes nor zeros");
    }

    /** AesGcm seal into a fresh array: returns ciphertext || tag. */
    static byte[] seal(byte[] key, byte[] nonce, byte[] aad, byte[] plaintext) throws IOException
    {
        return seal(cipher(true, key), nonce, aad, plaintext);
    }

    static byte[] seal(AesGcm enc, byte[] nonce, byte[] aad, byte[] plaintext) throws IOException
    {
        enc.init(nonce, TAG);
        byte[] out = new byte[enc.getOutputSize(plaintext.length)];
        int n = enc.doFinal(aad, plaintext, 0, plaintext.length, out, 0);
        assertEquals(out.length, n, "seal output length");
        return out;
    }

    /** AesGcm open into a fresh array: returns the plaintext or throws TlsFatalAlert. */
    static byte[] open(byte[] key, byte[] nonce, byte[] aad, byte[] sealed) throws IOException
    {
        return open(cipher(false, key), nonce, aad, sealed);
    }

    static byte[] open(AesGcm dec, byte[] nonce, byte[] aad, byte[] sealed) throws IOException
    {
        dec.init(nonce, TAG);
        byte[] out = new byte[dec.getOutputSize(sealed.length)];
        int n = dec.doFinal(aad, sealed, 0, sealed.length, out, 0);
        assertEquals(out.length, n, "open output length");
        return out;
    }

    private static GCMModeCipher bc(boolean forEncryption, byte[] key, byte[] nonce, byte[] aad)
    {
        GCMModeCipher c = GCMBlockCipher.newInstance(AESEngine.newInstance());
        c.init(forEncryption, new AEADParameters(new KeyParameter(key), TAG * 8, nonce, aad));
        return c;
    }

    /** Bouncy Castle's GCMBlockCipher over AESEngine: ciphertext || tag. */
    static byte[] bcSeal(byte[] key, byte[] nonce, byte[] aad, byte[] plaintext)
    {
        GCMModeCipher c = bc(true, key, nonce, aad);
        byte[] out = new byte[c.getOutputSize(plaintext.length)];
        int n = c.processBytes(plaintext, 0, plaintext.length, out, 0);
        try
        {
            n += c.doFinal(out, n);
        }
        catch (InvalidCipherTextException e)
        {
            throw new AssertionError(e);
        }
        assertEquals(out.length, n);
        return out;
    }

    /** Bouncy Castle's GCMBlockCipher over AESEngine: plaintext, or null if the tag is wrong. */
    static byte[] bcOpen(byte[] key, byte[] nonce, byte[] aad, byte[] sealed)
    {
        if (sealed.length < TAG)
        {
            return null;
        }
        GCMModeCipher c = bc(false, key, nonce, aad);
        byte[] out = new byte[c.getOutputSize(sealed.length)];
        int n = c.processBytes(sealed, 0, sealed.length, out, 0);
        try
        {
            n += c.doFinal(out, n);
        }
        catch (InvalidCipherTextException e)
        {
            return null;
        }
        assertEquals(out.length, n);
        return out;
    }
}
