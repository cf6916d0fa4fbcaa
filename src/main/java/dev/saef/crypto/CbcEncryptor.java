package dev.saef.crypto;

import java.io.IOException;
import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.ShortBufferException;
import javax.crypto.spec.IvParameterSpec;

import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.crypto.impl.TlsBlockCipherImpl;

/**
 * The encrypting half of an AES-CBC record cipher (RFC 5246 section 6.2.3.2) on the JDK's
 * {@code AES/CBC/NoPadding}, which can also encrypt a record given in pieces, straight into the output
 * ({@link #update}, {@link #finish}), so that {@link CbcRecordCipher} never copies the plaintext.
 *
 * <p>Keyed and initialised by Bouncy Castle's {@code TlsBlockCipher} as any {@link TlsBlockCipherImpl}:
 * {@link #setKey}, then {@link #init} with the all-zero IV (TLS 1.1 and later carry an explicit IV per
 * record, which the record cipher sends as the first block). A JCE cipher returns to the state of its
 * last {@code init} after each {@code doFinal}, so every record starts from that IV. The key lives in
 * an {@link AesGcm.AesKey}, zeroed by {@link #destroy}; {@link #doFinal} keeps the contract of
 * {@link TlsBlockCipherImpl} (whole blocks, in place or not) for any caller that uses it directly.
 */
final class CbcEncryptor implements TlsBlockCipherImpl {
    private final Cipher cipher;
    private final int keySize;
    private AesGcm.AesKey key;
    private IvParameterSpec iv;

    CbcEncryptor(Cipher cipher, int keySize) {
        this.cipher = cipher;
        this.keySize = keySize;
    }

    @Override
    public void setKey(byte[] keyBytes, int keyOff, int keyLen) throws IOException {
        if (keyLen != keySize) {
            throw new TlsFatalAlert(AlertDescription.internal_error, "AES-CBC: key length " + keyLen);
        }
        destroy();
        key = new AesGcm.AesKey(keyBytes, keyOff, keyLen);
    }

    @Override
    public void init(byte[] iv, int ivOff, int ivLen) throws IOException {
        this.iv = new IvParameterSpec(iv, ivOff, ivLen);
        reset();
    }

    /** Back to the IV of {@link #init}, e.g. after a record failed half-way. */
    void reset() throws IOException {
        try {
            cipher.init(Cipher.ENCRYPT_MODE, key, iv);
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new TlsFatalAlert(AlertDescription.internal_error, "AES-CBC: init failed", e);
        }
    }

    @Override
    public int doFinal(byte[] input, int inputOffset, int inputLength, byte[] output, int outputOffset)
            throws IOException {
        boolean overlaps = input == output
                && outputOffset < inputOffset + inputLength && inputOffset < outputOffset + inputLength;
        if (!overlaps) {
            return finish(input, inputOffset, inputLength, output, outputOffset);
        }
        // The JDK copies an overlapping input itself; do it with a pooled buffer instead (see InPlaceBlockCipher).
        byte[] scratch = RecordBuffers.borrow(inputLength);
        try {
            int n = finish(input, inputOffset, inputLength, scratch, 0);
            System.arraycopy(scratch, 0, output, outputOffset, n);
            return n;
        } finally {
            RecordBuffers.release(scratch, inputLength);
        }
    }

    /** Encrypts whole blocks and keeps the chaining state for the next call. */
    int update(byte[] input, int inputOffset, int inputLength, byte[] output, int outputOffset) throws IOException {
        try {
            return cipher.update(input, inputOffset, inputLength, output, outputOffset);
        } catch (ShortBufferException | RuntimeException e) {
            throw new TlsFatalAlert(AlertDescription.internal_error, "AES-CBC: update failed", e);
        }
    }

    /** Encrypts the last whole blocks of a record; the cipher is then back at the IV of {@link #init}. */
    int finish(byte[] input, int inputOffset, int inputLength, byte[] output, int outputOffset) throws IOException {
        try {
            return cipher.doFinal(input, inputOffset, inputLength, output, outputOffset);
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new TlsFatalAlert(AlertDescription.internal_error, "AES-CBC: encryption failed", e);
        }
    }

    /** Zeroes this instance's copy of the key. */
    void destroy() {
        AesGcm.AesKey old = key;
        key = null;
        if (old != null) {
            old.destroy();
        }
    }

    @Override
    public int getBlockSize() {
        return cipher.getBlockSize();
    }
}
