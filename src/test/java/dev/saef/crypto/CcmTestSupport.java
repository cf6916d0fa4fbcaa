package dev.saef.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;

import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.modes.CCMBlockCipher;
import org.bouncycastle.crypto.modes.CCMModeCipher;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.util.encoders.Hex;

/** Shared helpers for the AES-CCM tests: one-shot wrappers and Bouncy Castle's CCM as oracle. */
final class CcmTestSupport
{
    private CcmTestSupport()
    {
    }

    static byte[] hex(String s)
    {
        return Hex.decode(s.replace(" ", ""));
    }

    static String hex(byte[] b)
    {
        return Hex.toHexString(b);
    }

    static AesCcm cipher(boolean encrypting, byte[] key) throws IOException
    {
        AesCcm c = new AesCcm(encrypting);
        c.setKey(key, 0, key.length);
        return c;
    }

    /** AesCcm seal into a fresh array: returns ciphertext || tag. */
    static byte[] seal(byte[] key, byte[] nonce, byte[] aad, byte[] plaintext, int tagLen) throws IOException
    {
        return seal(cipher(true, key), nonce, aad, plaintext, tagLen);
    }

    static byte[] seal(AesCcm enc, byte[] nonce, byte[] aad, byte[] plaintext, int tagLen) throws IOException
    {
        enc.init(nonce, tagLen);
        byte[] out = new byte[enc.getOutputSize(plaintext.length)];
        int n = enc.doFinal(aad, plaintext, 0, plaintext.length, out, 0);
        assertEquals(out.length, n, "seal output length");
        return out;
    }

    /** AesCcm open into a fresh array: returns the plaintext or throws TlsFatalAlert. */
    static byte[] open(byte[] key, byte[] nonce, byte[] aad, byte[] sealed, int tagLen) throws IOException
    {
        return open(cipher(false, key), nonce, aad, sealed, tagLen);
    }

    static byte[] open(AesCcm dec, byte[] nonce, byte[] aad, byte[] sealed, int tagLen) throws IOException
    {
        dec.init(nonce, tagLen);
        byte[] out = new byte[dec.getOutputSize(sealed.length)];
        int n = dec.doFinal(aad, sealed, 0, sealed.length, out, 0);
        assertEquals(out.length, n, "open output length");
        return out;
    }

    private static CCMModeCipher bc(boolean forEncryption, byte[] key, byte[] nonce, byte[] aad, int tagLen)
    {
        CCMModeCipher c = CCMBlockCipher.newInstance(AESEngine.newInstance());
        c.init(forEncryption, new AEADParameters(new KeyParameter(key), tagLen * 8, nonce, aad));
        return c;
    }

    /** Bouncy Castle's CCMBlockCipher over AESEngine: ciphertext || tag. */
    static byte[] bcSeal(byte[] key, byte[] nonce, byte[] aad, byte[] plaintext, int tagLen)
    {
        CCMModeCipher c = bc(true, key, nonce, aad, tagLen);
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

    /** Bouncy Castle's CCMBlockCipher over AESEngine: plaintext, or null if the tag is wrong. */
    static byte[] bcOpen(byte[] key, byte[] nonce, byte[] aad, byte[] sealed, int tagLen)
    {
        CCMModeCipher c = bc(false, key, nonce, aad, tagLen);
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
