package dev.saef.crypto;

import java.io.IOException;
import org.bouncycastle.tls.crypto.impl.TlsBlockCipherImpl;

/**
 * A CBC record cipher that encrypts and decrypts a record in place without allocating. Bouncy
 * Castle's {@code TlsBlockCipher} (RFC 5246 section 6.2.3.2, with RFC 7366 encrypt-then-MAC) always
 * asks its block cipher to work in place (input and output the same array, same offset), and the
 * JDK's {@code CipherCore} answers an overlapping in-place request by copying the whole input to a
 * fresh array first: one 16 KiB allocation per full record in each direction. This wrapper runs the
 * JDK cipher from the record into a buffer borrowed from {@link RecordBuffers} and copies the result
 * back, so the steady record path allocates nothing here; the borrowed buffer is zeroed on release
 * (it held plaintext). Requests that do not overlap, or exceed a pooled buffer, go straight to the
 * wrapped cipher.
 */
final class InPlaceBlockCipher implements TlsBlockCipherImpl {
    private final TlsBlockCipherImpl cipher;

    InPlaceBlockCipher(TlsBlockCipherImpl cipher) {
        this.cipher = cipher;
    }

    @Override
    public void setKey(byte[] key, int keyOff, int keyLen) throws IOException {
        cipher.setKey(key, keyOff, keyLen);
    }

    @Override
    public void init(byte[] iv, int ivOff, int ivLen) throws IOException {
        cipher.init(iv, ivOff, ivLen);
    }

    @Override
    public int doFinal(byte[] input, int inputOffset, int inputLength, byte[] output, int outputOffset)
            throws IOException {
        boolean overlaps = input == output
                && outputOffset < inputOffset + inputLength && inputOffset < outputOffset + inputLength;
        if (!overlaps || inputLength > RecordBuffers.RECORD_CAPACITY) {
            return cipher.doFinal(input, inputOffset, inputLength, output, outputOffset);
        }
        byte[] scratch = RecordBuffers.borrow(inputLength);
        int n = 0;
        try {
            // CBC without padding: the output is exactly as long as the input (whole blocks).
            n = cipher.doFinal(input, inputOffset, inputLength, scratch, 0);
            System.arraycopy(scratch, 0, output, outputOffset, n);
            return n;
        } finally {
            RecordBuffers.release(scratch, Math.max(n, inputLength));
        }
    }

    @Override
    public int getBlockSize() {
        return cipher.getBlockSize();
    }
}
