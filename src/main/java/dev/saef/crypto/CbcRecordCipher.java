package dev.saef.crypto;

import java.io.IOException;
import java.util.Arrays;

import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.SecurityParameters;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.crypto.TlsCipher;
import org.bouncycastle.tls.crypto.TlsCryptoParameters;
import org.bouncycastle.tls.crypto.TlsDecodeResult;
import org.bouncycastle.tls.crypto.TlsEncodeResult;
import org.bouncycastle.tls.crypto.TlsHMAC;

/**
 * The TLS 1.2 AES-CBC record cipher (RFC 5246 section 6.2.3.2, with or without RFC 7366
 * encrypt-then-MAC) whose encoding allocates no record: Bouncy Castle's {@code TlsBlockCipher} builds
 * each record in a new array (explicit IV, a copy of the plaintext, MAC, padding) and encrypts it in
 * place; this class encrypts the explicit IV block and the plaintext's whole blocks straight from the
 * caller's array into the thread's {@link RecordScratch} buffer, and only the last partial block, the
 * MAC and the padding (at most 79 octets) go through a small array of this instance, zeroed after each
 * record. The output is the record {@code TlsBlockCipher} produces for the same keys, sequence number
 * and explicit IV: IV drawn from the connection's nonce generator as Bouncy Castle draws it, HMAC over
 * {@code seq_num || type || version || length || content} (version: the negotiated one, as in Bouncy
 * Castle's {@code TlsSuiteHMac}), padding of {@code 1..16} octets of value {@code length - 1}.
 *
 * <p>Decoding is Bouncy Castle's, unchanged ({@code TlsBlockCipher.decodeCiphertext}: in place, with
 * its constant-time padding check and constant-time MAC, the Lucky Thirteen countermeasure), as are the
 * size limits; {@link SaefTlsCrypto} builds that {@code TlsBlockCipher} over the same
 * {@link CbcEncryptor} and MAC objects this class encodes with, so the key block is derived once.
 *
 * <p>Only for TLS 1.2 over TCP without connection IDs, truncated HMAC or extended padding
 * ({@link #supports}); everything else keeps {@code TlsBlockCipher} alone. Not thread-safe: one
 * instance per connection.
 */
final class CbcRecordCipher implements TlsCipher {
    private static final int BLOCK = 16;

    private final TlsCryptoParameters cryptoParams;
    private final TlsCipher decoder;
    private final CbcEncryptor encryptor;
    private final TlsHMAC writeMac;
    private final int macSize;
    private final boolean encryptThenMac;
    private final byte[] macHeader = new byte[13];
    /** Last partial plaintext block, MAC and padding of the record being encoded; zeroed after each. */
    private final byte[] tail;

    /**
     * Whether this cipher can serve a connection: TLS 1.2 (not DTLS), no connection IDs, no truncated
     * HMAC, no extended padding.
     *
     * @param cryptoParams the connection's parameters
     * @return {@code true} if {@link CbcRecordCipher} may be used
     */
    static boolean supports(TlsCryptoParameters cryptoParams) {
        SecurityParameters sp = cryptoParams.getSecurityParametersHandshake();
        ProtocolVersion v = sp.getNegotiatedVersion();
        return v != null && ProtocolVersion.TLSv12.equals(v) && !sp.isTruncatedHMac() && !sp.isExtendedPadding()
                && isEmpty(sp.getConnectionIDLocal()) && isEmpty(sp.getConnectionIDPeer());
    }

    /**
     * @param cryptoParams the connection's parameters
     * @param decoder Bouncy Castle's {@code TlsBlockCipher}, built over {@code encryptor} and
     *     {@code writeMac} (which it keyed): decodes records and answers the size limits
     * @param encryptor this side's encrypting cipher, keyed and initialised with the zero IV
     * @param writeMac this side's HMAC, keyed
     */
    CbcRecordCipher(TlsCryptoParameters cryptoParams, TlsCipher decoder, CbcEncryptor encryptor, TlsHMAC writeMac)
            throws IOException {
        if (!supports(cryptoParams) || encryptor.getBlockSize() != BLOCK) {
            throw new TlsFatalAlert(AlertDescription.internal_error, "CBC record cipher: TLS 1.2 AES only");
        }
        this.cryptoParams = cryptoParams;
        this.decoder = decoder;
        this.encryptor = encryptor;
        this.writeMac = writeMac;
        this.macSize = writeMac.getMacLength();
        this.encryptThenMac = cryptoParams.getSecurityParametersHandshake().isEncryptThenMAC();
        this.tail = new byte[BLOCK - 1 + macSize + BLOCK];
    }

    @Override
    public TlsEncodeResult encodePlaintext(long seqNo, short contentType, ProtocolVersion recordVersion,
            int headerAllocation, byte[] plaintext, int offset, int len) throws IOException {
        int macced = encryptThenMac ? len : len + macSize; // what is encrypted before padding
        int padding = BLOCK - (macced % BLOCK);
        int encrypted = BLOCK + macced + padding; // explicit IV block, content (+ MAC), padding
        int total = headerAllocation + encrypted + (encryptThenMac ? macSize : 0);
        byte[] out = RecordScratch.lease(total);
        int whole = len - len % BLOCK;
        int rest = len - whole;
        boolean done = false;
        try {
            byte[] iv = cryptoParams.getNonceGenerator().generateNonce(BLOCK); // as TlsBlockCipher draws it
            int pos = headerAllocation;
            pos += encryptor.update(iv, 0, BLOCK, out, pos);
            pos += encryptor.update(plaintext, offset, whole, out, pos);
            System.arraycopy(plaintext, offset + whole, tail, 0, rest);
            int t = rest;
            if (!encryptThenMac) {
                macHeader(seqNo, contentType, len);
                writeMac.update(macHeader, 0, macHeader.length);
                writeMac.update(plaintext, offset, len);
                writeMac.calculateMAC(tail, t);
                t += macSize;
            }
            Arrays.fill(tail, t, t + padding, (byte) (padding - 1));
            t += padding;
            pos += encryptor.finish(tail, 0, t, out, pos);
            if (encryptThenMac) {
                macHeader(seqNo, contentType, encrypted);
                writeMac.update(macHeader, 0, macHeader.length);
                writeMac.update(out, headerAllocation, encrypted);
                writeMac.calculateMAC(out, pos);
                pos += macSize;
            }
            if (pos != total) {
                throw new TlsFatalAlert(AlertDescription.internal_error, "CBC record size " + pos + " of " + total);
            }
            done = true;
        } catch (RuntimeException e) {
            throw new TlsFatalAlert(AlertDescription.internal_error, e);
        } finally {
            Arrays.fill(tail, (byte) 0);
            if (!done) {
                writeMac.reset();
                encryptor.reset();
                Arrays.fill(out, 0, total, (byte) 0);
            }
        }
        return new TlsEncodeResult(out, 0, total, contentType);
    }

    /** {@code seq_num || type || version || length}, RFC 5246 section 6.2.3.1; version as TlsSuiteHMac. */
    private void macHeader(long seqNo, short type, int length) throws IOException {
        TlsUtils.writeUint64(seqNo, macHeader, 0);
        TlsUtils.writeUint8(type, macHeader, 8);
        TlsUtils.writeVersion(cryptoParams.getServerVersion(), macHeader, 9);
        TlsUtils.writeUint16(length, macHeader, 11);
    }

    @Override
    public TlsDecodeResult decodeCiphertext(long seqNo, short recordType, ProtocolVersion recordVersion,
            byte[] ciphertext, int offset, int len) throws IOException {
        return decoder.decodeCiphertext(seqNo, recordType, recordVersion, ciphertext, offset, len);
    }

    @Override
    public int getCiphertextDecodeLimit(int plaintextLimit) {
        return decoder.getCiphertextDecodeLimit(plaintextLimit);
    }

    @Override
    public int getCiphertextEncodeLimit(int plaintextLimit) {
        return decoder.getCiphertextEncodeLimit(plaintextLimit);
    }

    @Override
    public int getPlaintextDecodeLimit(int ciphertextLimit) {
        return decoder.getPlaintextDecodeLimit(ciphertextLimit);
    }

    @Override
    public int getPlaintextEncodeLimit(int ciphertextLimit) {
        return decoder.getPlaintextEncodeLimit(ciphertextLimit);
    }

    @Override
    public void rekeyDecoder() throws IOException {
        decoder.rekeyDecoder();
    }

    @Override
    public void rekeyEncoder() throws IOException {
        decoder.rekeyEncoder();
    }

    @Override
    public boolean usesOpaqueRecordTypeDecode() {
        return decoder.usesOpaqueRecordTypeDecode();
    }

    @Override
    public boolean usesOpaqueRecordTypeEncode() {
        return decoder.usesOpaqueRecordTypeEncode();
    }

    private static boolean isEmpty(byte[] b) {
        return b == null || b.length == 0;
    }
}
