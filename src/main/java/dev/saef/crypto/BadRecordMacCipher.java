package dev.saef.crypto;

import java.io.IOException;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.crypto.TlsCipher;
import org.bouncycastle.tls.crypto.TlsDecodeResult;
import org.bouncycastle.tls.crypto.TlsEncodeResult;

/**
 * Wraps a CBC record cipher so that every record-protection failure is reported with the
 * {@code bad_record_mac} alert. Bouncy Castle 1.84 answers a CBC record whose length is not a
 * multiple of the block size with {@code decryption_failed}, which TLS 1.2 must never send (RFC 5246
 * section 7.2.2), and a too-short one with {@code decode_error}; RFC 7366 section 3 and RFC 5246
 * require {@code bad_record_mac}, which also reveals nothing about why the record was rejected.
 * Used for the TS-0003 clause 10.2.2 CBC suites (e.g. the mandatory TLS_PSK_WITH_AES_128_CBC_SHA256).
 */
final class BadRecordMacCipher implements TlsCipher {
    private final TlsCipher cipher;

    BadRecordMacCipher(TlsCipher cipher) {
        this.cipher = cipher;
    }

    @Override
    public TlsDecodeResult decodeCiphertext(long seqNo, short recordType, ProtocolVersion recordVersion,
            byte[] ciphertext, int offset, int len) throws IOException {
        try {
            return cipher.decodeCiphertext(seqNo, recordType, recordVersion, ciphertext, offset, len);
        } catch (TlsFatalAlert e) {
            short alert = e.getAlertDescription();
            if (alert == AlertDescription.decryption_failed || alert == AlertDescription.decode_error) {
                throw new TlsFatalAlert(AlertDescription.bad_record_mac, e);
            }
            throw e;
        }
    }

    @Override
    public TlsEncodeResult encodePlaintext(long seqNo, short contentType, ProtocolVersion recordVersion,
            int headerAllocation, byte[] plaintext, int offset, int len) throws IOException {
        return cipher.encodePlaintext(seqNo, contentType, recordVersion, headerAllocation, plaintext, offset, len);
    }

    @Override
    public int getCiphertextDecodeLimit(int plaintextLimit) {
        return cipher.getCiphertextDecodeLimit(plaintextLimit);
    }

    @Override
    public int getCiphertextEncodeLimit(int plaintextLimit) {
        return cipher.getCiphertextEncodeLimit(plaintextLimit);
    }

    @Override
    public int getPlaintextDecodeLimit(int ciphertextLimit) {
        return cipher.getPlaintextDecodeLimit(ciphertextLimit);
    }

    @Override
    public int getPlaintextEncodeLimit(int ciphertextLimit) {
        return cipher.getPlaintextEncodeLimit(ciphertextLimit);
    }

    @Override
    public void rekeyDecoder() throws IOException {
        cipher.rekeyDecoder();
    }

    @Override
    public void rekeyEncoder() throws IOException {
        cipher.rekeyEncoder();
    }

    @Override
    public boolean usesOpaqueRecordTypeDecode() {
        return cipher.usesOpaqueRecordTypeDecode();
    }

    @Override
    public boolean usesOpaqueRecordTypeEncode() {
        return cipher.usesOpaqueRecordTypeEncode();
    }
}
