package dev.saef.crypto;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;

import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.crypto.impl.TlsAEADCipherImpl;

/**
 * AES-CCM (Counter with CBC-MAC, RFC 3610 / NIST SP 800-38C) built from the JDK's own AES
 * transformations, so that both passes run on the SunJCE AES implementation and its AES-NI
 * intrinsics instead of Bouncy Castle's pure-Java AES engine.
 *
 * <p>This is the record-protection primitive behind the TLS AES-CCM cipher suites of RFC 6655
 * (and RFC 7251 / RFC 8442 / RFC 8446 for the ECDHE, ECDHE_PSK and TLS 1.3 variants). oneM2M
 * TS-0003 clause 10.2.2 makes {@code TLS_PSK_WITH_AES_128_CCM_8} mandatory for DTLS, which is
 * the main reason this class exists. It is plugged into Bouncy Castle's TLS stack by
 * {@link SaefTlsCrypto} as the {@link TlsAEADCipherImpl} of a
 * {@link org.bouncycastle.tls.crypto.impl.TlsAEADCipher}.
 *
 * <h2>Construction</h2>
 * <ul>
 * <li>CBC-MAC (RFC 3610 section 2.2): {@code AES/CBC/NoPadding} with an all-zero IV, fed with
 * {@code B_0 || encoded(a) || pad || m || pad} in a single call; only the last output block
 * (the MAC {@code T}) is used.</li>
 * <li>Encryption (RFC 3610 section 2.3): {@code AES/CTR/NoPadding} started at counter block
 * {@code A_0}; its first key-stream block {@code S_0} masks the tag, the following blocks
 * {@code S_1, S_2, ...} encrypt the payload. SunJCE increments the whole 16-byte counter, which
 * is identical to incrementing the {@code L}-byte CCM counter field because the message length
 * is bounded to {@code 2^(8L)} octets, so the counter field can never overflow.</li>
 * </ul>
 *
 * <h2>Parameters</h2>
 * Nonce length 7..13 octets ({@code L = 15 - nonceLength}), tag length 4, 6, ..., 16 octets,
 * AES key of 16, 24 or 32 octets. TLS uses a 12-octet nonce and a 16- or 8-octet tag.
 *
 * <h2>Security properties</h2>
 * <ul>
 * <li>Decryption verifies the tag with {@link MessageDigest#isEqual(byte[], byte[])} (constant
 * time) before a single plaintext byte is written to the caller's buffer; on failure it throws
 * {@link TlsFatalAlert} with {@link AlertDescription#bad_record_mac} and leaves the output
 * untouched.</li>
 * <li>All input is consumed into a private work buffer before any output is written, so input
 * and output may be the same array and may overlap arbitrarily (BC decrypts records in
 * place).</li>
 * <li>Plaintext copies, CBC-MAC intermediates, key-stream blocks and tags live only in scratch
 * buffers, which are zeroed after every operation (also on failure); the two record-sized ones are
 * borrowed from {@link RecordBuffers} for the operation and given back zeroed, so an idle
 * connection holds none.</li>
 * <li>The key is held only inside the JDK objects ({@link SecretKeySpec} and the initialised
 * {@link Cipher}s); this class never keeps its own copy of the key bytes.</li>
 * <li>Each {@link #doFinal} consumes the nonce given to {@link #init}: a second
 * {@code doFinal} without a fresh {@code init} is refused, which guards against accidental
 * nonce reuse.</li>
 * </ul>
 *
 * <p>Instances are <strong>not</strong> thread-safe. The intended use is one instance per
 * direction per connection; the {@link Cipher} objects are reused across records and the
 * record-sized buffers come from a shared pool, so that the steady state allocates only what the
 * JCE {@code Cipher.init} API requires.
 */
public final class AesCcm implements TlsAEADCipherImpl
{
    private static final int BLOCK = 16;

    private final boolean encrypting;
    private final Cipher cbc;
    private final Cipher ctr;

    private SecretKeySpec key;

    /** Nonce of the pending operation (valid between init and doFinal). */
    private final byte[] nonce = new byte[13];
    private int nonceLen;
    private int macSize;
    private boolean ready;

    /**
     * B_0 || encoded AAD || pad || payload || pad. Borrowed from {@link RecordBuffers} for one
     * {@link #doFinal} and given back zeroed: {@code null} between operations, so an idle
     * connection holds no record-sized buffer.
     */
    private byte[] work;
    /** Receives the CBC "ciphertext"; only its last block (the MAC) is used. Borrowed like {@link #work}. */
    private byte[] sink;

    private final byte[] counter0 = new byte[BLOCK];
    private final byte[] zeroBlock = new byte[BLOCK];
    private final byte[] s0 = new byte[BLOCK];
    private final byte[] expectedTag = new byte[BLOCK];
    private final byte[] receivedTag = new byte[BLOCK];
    private final IvParameterSpec zeroIv = new IvParameterSpec(new byte[BLOCK]);

    /**
     * Creates an AES-CCM operator for one direction.
     *
     * @param encrypting {@code true} to seal (encrypt and append the tag), {@code false} to open
     *                   (verify the tag and decrypt)
     * @throws IllegalStateException if the JDK offers no {@code AES/CBC/NoPadding} or
     *                               {@code AES/CTR/NoPadding} transformation
     */
    public AesCcm(boolean encrypting)
    {
        this.encrypting = encrypting;
        this.cbc = jdkCipher("AES/CBC/NoPadding");
        this.ctr = jdkCipher("AES/CTR/NoPadding");
    }

    /**
     * Returns a cipher for {@code transformation}, preferring SunJCE (AES-NI intrinsics) even if
     * another provider, e.g. Bouncy Castle, has been installed at a higher priority.
     */
    private static Cipher jdkCipher(String transformation)
    {
        try
        {
            return Cipher.getInstance(transformation, "SunJCE");
        }
        catch (GeneralSecurityException preferredMissing)
        {
            try
            {
                return Cipher.getInstance(transformation);
            }
            catch (GeneralSecurityException e)
            {
                IllegalStateException ise = new IllegalStateException(transformation + " not available", e);
                ise.addSuppressed(preferredMissing);
                throw ise;
            }
        }
    }

    /** @return {@code true} if this instance encrypts, {@code false} if it decrypts */
    public boolean isEncrypting()
    {
        return encrypting;
    }

    @Override
    public void setKey(byte[] keyBytes, int keyOff, int keyLen) throws IOException
    {
        this.ready = false; // a pending nonce never carries over to a new key
        if (keyBytes == null || keyOff < 0 || keyLen < 0 || keyOff > keyBytes.length - keyLen)
        {
            throw new TlsFatalAlert(AlertDescription.internal_error, "AES-CCM: invalid key range");
        }
        if (keyLen != 16 && keyLen != 24 && keyLen != 32)
        {
            throw new TlsFatalAlert(AlertDescription.internal_error, "AES-CCM: invalid AES key length " + keyLen);
        }
        // SecretKeySpec copies the bytes; this class keeps no copy of its own.
        SecretKeySpec spec = new SecretKeySpec(keyBytes, keyOff, keyLen, "AES");
        try
        {
            cbc.init(Cipher.ENCRYPT_MODE, spec, zeroIv);
        }
        catch (GeneralSecurityException e)
        {
            this.key = null;
            throw new TlsFatalAlert(AlertDescription.internal_error, "AES-CCM: key rejected by JCE", e);
        }
        this.key = spec;
    }

    @Override
    public void init(byte[] nonceBytes, int macSizeBytes) throws IOException
    {
        if (nonceBytes == null || nonceBytes.length < 7 || nonceBytes.length > 13)
        {
            throw new TlsFatalAlert(AlertDescription.internal_error,
                "AES-CCM: nonce must be 7..13 octets, got " + (nonceBytes == null ? "null" : nonceBytes.length));
        }
        if (macSizeBytes < 4 || macSizeBytes > 16 || (macSizeBytes & 1) != 0)
        {
            throw new TlsFatalAlert(AlertDescription.internal_error,
                "AES-CCM: tag must be 4, 6, ..., 16 octets, got " + macSizeBytes);
        }
        System.arraycopy(nonceBytes, 0, nonce, 0, nonceBytes.length);
        this.nonceLen = nonceBytes.length;
        this.macSize = macSizeBytes;
        this.ready = true;
    }

    @Override
    public int getOutputSize(int inputLength)
    {
        return encrypting ? inputLength + macSize : Math.max(0, inputLength - macSize);
    }

    @Override
    public int doFinal(byte[] additionalData, byte[] input, int inputOffset, int inputLength, byte[] output,
        int outputOffset) throws IOException
    {
        if (key == null)
        {
            throw new IllegalStateException("AES-CCM: setKey() not called");
        }
        if (!ready)
        {
            throw new IllegalStateException("AES-CCM: init() must be called before every doFinal()");
        }

        int total = 0;
        try
        {
            checkRange(input, inputOffset, inputLength, "input");

            final byte[] aad = additionalData == null ? zeroBlock : additionalData;
            final int aadLen = additionalData == null ? 0 : additionalData.length;
            final int tagLen = macSize;
            final int lenFieldSize = 15 - nonceLen;

            final int payloadLen = encrypting ? inputLength : inputLength - tagLen;
            if (payloadLen < 0)
            {
                throw new TlsFatalAlert(AlertDescription.bad_record_mac);
            }
            final int outputLen = encrypting ? payloadLen + tagLen : payloadLen;
            if (output == null || outputOffset < 0 || (long)outputOffset + outputLen > output.length)
            {
                throw new IllegalArgumentException("AES-CCM: output buffer too small");
            }
            if (lenFieldSize < 4 && (payloadLen >>> (8 * lenFieldSize)) != 0)
            {
                throw new TlsFatalAlert(encrypting ? AlertDescription.internal_error : AlertDescription.bad_record_mac,
                    "AES-CCM: message too long for a " + nonceLen + "-octet nonce");
            }

            final int headerLen = headerLength(aadLen);
            final long needed = (long)headerLen + roundUp(payloadLen);
            if (needed > Integer.MAX_VALUE - BLOCK)
            {
                throw new IllegalArgumentException("AES-CCM: message too long");
            }
            total = (int)needed;
            work = RecordBuffers.borrow(total);
            sink = RecordBuffers.borrow(total);

            return encrypting
                ? seal(aad, aadLen, input, inputOffset, payloadLen, output, outputOffset, headerLen, total, tagLen)
                : open(aad, aadLen, input, inputOffset, payloadLen, output, outputOffset, headerLen, total, tagLen);
        }
        catch (GeneralSecurityException e)
        {
            throw new TlsFatalAlert(AlertDescription.internal_error, "AES-CCM: JCE failure", e);
        }
        finally
        {
            // One nonce, one message; and no plaintext, key stream or MAC state left behind.
            RecordBuffers.release(work, total);
            RecordBuffers.release(sink, total);
            work = null;
            sink = null;
            Arrays.fill(s0, (byte)0);
            Arrays.fill(expectedTag, (byte)0);
            Arrays.fill(receivedTag, (byte)0);
            Arrays.fill(nonce, (byte)0);
            ready = false;
        }
    }

    private int seal(byte[] aad, int aadLen, byte[] input, int inOff, int len, byte[] output, int outOff,
        int headerLen, int total, int tagLen) throws GeneralSecurityException
    {
        // Consume the whole input first: from here on input/output overlap is irrelevant.
        System.arraycopy(input, inOff, work, headerLen, len);
        Arrays.fill(work, headerLen + len, total, (byte)0);
        writeHeader(aad, aadLen, len, tagLen);

        int macOff = cbcMac(total);

        startCtr();
        ctr.update(zeroBlock, 0, BLOCK, s0, 0);                 // S_0
        int n = ctr.doFinal(work, headerLen, len, output, outOff); // S_1.. xor m
        if (n != len)
        {
            throw new IllegalStateException("AES-CTR produced " + n + " of " + len + " octets");
        }
        for (int i = 0; i < tagLen; ++i)
        {
            output[outOff + len + i] = (byte)(sink[macOff + i] ^ s0[i]);
        }
        return len + tagLen;
    }

    private int open(byte[] aad, int aadLen, byte[] input, int inOff, int len, byte[] output, int outOff,
        int headerLen, int total, int tagLen) throws GeneralSecurityException, IOException
    {
        // Consume the whole input first (tag, then ciphertext), decrypting into private memory.
        System.arraycopy(input, inOff + len, receivedTag, 0, tagLen);

        startCtr();
        ctr.update(zeroBlock, 0, BLOCK, s0, 0);                   // S_0
        int n = ctr.doFinal(input, inOff, len, work, headerLen); // c xor S_1..
        if (n != len)
        {
            throw new IllegalStateException("AES-CTR produced " + n + " of " + len + " octets");
        }
        Arrays.fill(work, headerLen + len, total, (byte)0);
        writeHeader(aad, aadLen, len, tagLen);

        int macOff = cbcMac(total);
        for (int i = 0; i < tagLen; ++i)
        {
            expectedTag[i] = (byte)(sink[macOff + i] ^ s0[i]);
        }
        // Bytes tagLen..15 are zero in both arrays, so comparing all 16 is comparing the tags.
        if (!MessageDigest.isEqual(expectedTag, receivedTag))
        {
            throw new TlsFatalAlert(AlertDescription.bad_record_mac);
        }
        System.arraycopy(work, headerLen, output, outOff, len);
        return len;
    }

    /** Runs CBC-MAC over work[0, total) and returns the offset of the MAC block in sink. */
    private int cbcMac(int total) throws GeneralSecurityException
    {
        // doFinal resets the CBC chain to the zero IV given at init, ready for the next record.
        int n = cbc.doFinal(work, 0, total, sink, 0);
        if (n != total)
        {
            throw new IllegalStateException("AES-CBC produced " + n + " of " + total + " octets");
        }
        return total - BLOCK;
    }

    /** A_0 = flags(L-1) || nonce || 0...0 and (re)starts the counter-mode cipher there. */
    private void startCtr() throws GeneralSecurityException
    {
        int lenFieldSize = 15 - nonceLen;
        counter0[0] = (byte)(lenFieldSize - 1);
        System.arraycopy(nonce, 0, counter0, 1, nonceLen);
        Arrays.fill(counter0, 1 + nonceLen, BLOCK, (byte)0);
        ctr.init(Cipher.ENCRYPT_MODE, key, new IvParameterSpec(counter0));
        Arrays.fill(counter0, (byte)0);
    }

    /** Writes B_0 and the length-prefixed, zero-padded AAD into work[0, headerLength). */
    private void writeHeader(byte[] aad, int aadLen, int payloadLen, int tagLen)
    {
        int lenFieldSize = 15 - nonceLen;
        work[0] = (byte)((aadLen > 0 ? 0x40 : 0) | (((tagLen - 2) / 2) << 3) | (lenFieldSize - 1));
        System.arraycopy(nonce, 0, work, 1, nonceLen);
        long l = payloadLen & 0xFFFFFFFFL;
        for (int i = BLOCK - 1; i > nonceLen; --i)
        {
            work[i] = (byte)l;
            l >>>= 8;
        }
        if (aadLen == 0)
        {
            return;
        }
        int pos = BLOCK;
        if (aadLen < 0xFF00)
        {
            work[pos++] = (byte)(aadLen >>> 8);
            work[pos++] = (byte)aadLen;
        }
        else
        {
            work[pos++] = (byte)0xFF;
            work[pos++] = (byte)0xFE;
            work[pos++] = (byte)(aadLen >>> 24);
            work[pos++] = (byte)(aadLen >>> 16);
            work[pos++] = (byte)(aadLen >>> 8);
            work[pos++] = (byte)aadLen;
        }
        System.arraycopy(aad, 0, work, pos, aadLen);
        pos += aadLen;
        Arrays.fill(work, pos, headerLength(aadLen), (byte)0);
    }

    private static int headerLength(int aadLen)
    {
        if (aadLen == 0)
        {
            return BLOCK;
        }
        long encoded = (aadLen < 0xFF00 ? 2L : 6L) + aadLen;
        long len = BLOCK + ((encoded + BLOCK - 1) & ~(long)(BLOCK - 1));
        if (len > Integer.MAX_VALUE - BLOCK)
        {
            throw new IllegalArgumentException("AES-CCM: associated data too long");
        }
        return (int)len;
    }

    private static long roundUp(int len)
    {
        return ((long)len + BLOCK - 1) & ~(long)(BLOCK - 1);
    }

    private static void checkRange(byte[] buf, int off, int len, String what)
    {
        if (buf == null || off < 0 || len < 0 || off > buf.length - len)
        {
            throw new IllegalArgumentException("AES-CCM: invalid " + what + " range");
        }
    }
}
