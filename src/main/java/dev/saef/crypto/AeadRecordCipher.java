package dev.saef.crypto;

import java.io.IOException;
import java.util.Arrays;

import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.ContentType;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.SecurityParameters;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.crypto.TlsCipher;
import org.bouncycastle.tls.crypto.TlsCryptoParameters;
import org.bouncycastle.tls.crypto.TlsDecodeResult;
import org.bouncycastle.tls.crypto.TlsEncodeResult;
import org.bouncycastle.tls.crypto.impl.TlsAEADCipherImpl;
import org.bouncycastle.tls.crypto.impl.TlsImplUtils;

/**
 * The TLS 1.2 AEAD record cipher (RFC 5246 section 6.2.3.3) for AES-GCM (RFC 5288) and AES-CCM
 * (RFC 6655) over TCP, producing the same records as Bouncy Castle's {@code TlsAEADCipher} for the same
 * keys and sequence numbers, without its per-record allocations: a record is encrypted straight from
 * the caller's plaintext into the thread's {@link RecordScratch} buffer (Bouncy Castle allocates a new
 * array per record and copies the plaintext into it first), and decrypted in place, or, for application
 * data when the caller lent its own buffer ({@link DecodeTarget}), straight into that buffer; nonce and
 * additional data are assembled in two small arrays of the calling thread (public record data: the
 * 4-octet implicit part of the nonce, which this instance keeps as an {@code int}, is zeroed there as
 * soon as the AEAD cipher has taken its copy), so an idle connection holds no scratch arrays.
 *
 * <p>Record format: {@code nonce_explicit} (8 octets) = the 64-bit record sequence number (RFC 5288
 * section 3 allows it; Bouncy Castle does the same), so a nonce never repeats under one key (the
 * sequence number cannot wrap: Bouncy Castle's record layer fails the connection first); nonce =
 * {@code client/server_write_IV} (4 octets from the key block) || {@code nonce_explicit};
 * additional data = {@code seq_num || type || version || length} (RFC 5246 section 6.2.3.3). A record
 * shorter than {@code nonce_explicit} plus the tag is a {@code decode_error} and a record whose tag does
 * not verify a {@code bad_record_mac}, as in Bouncy Castle.
 *
 * <p>Only for TLS 1.2 over TCP without connection IDs and without a FIPS nonce generator
 * ({@link SaefTlsCrypto} checks this with {@link #supports}); TLS 1.3, DTLS and connection IDs keep
 * Bouncy Castle's {@code TlsAEADCipher}. The key block is derived once, as Bouncy Castle derives it
 * ({@code TlsImplUtils.calculateKeyBlock}), handed to the two ciphers and zeroed.
 *
 * <p>Not thread-safe: one instance per connection, used by its record layer under the connection's
 * lock.
 */
final class AeadRecordCipher implements TlsCipher {
    private static final int FIXED_IV = 4;
    private static final int EXPLICIT_NONCE = 8;
    private static final int AAD = 13;

    private final TlsAEADCipherImpl encryptCipher;
    private final TlsAEADCipherImpl decryptCipher;
    private final int macSize;
    /** The implicit nonce parts ({@code client/server_write_IV}, RFC 5288 section 3), big-endian. */
    private final int encryptSalt;
    private final int decryptSalt;

    /**
     * Per thread: {nonce (12 octets), additional data (13 octets)}, filled and consumed within one
     * {@link #encodePlaintext} or {@link #decodeCiphertext} call.
     */
    private static final ThreadLocal<byte[][]> SCRATCH =
            ThreadLocal.withInitial(() -> new byte[][] {new byte[FIXED_IV + EXPLICIT_NONCE], new byte[AAD]});

    /**
     * Whether this cipher can serve a connection: TLS 1.2 (not DTLS), no connection IDs.
     *
     * @param cryptoParams the connection's parameters
     * @return {@code true} if {@link AeadRecordCipher} may be used
     */
    static boolean supports(TlsCryptoParameters cryptoParams) {
        SecurityParameters sp = cryptoParams.getSecurityParametersHandshake();
        ProtocolVersion v = sp.getNegotiatedVersion();
        return v != null && ProtocolVersion.TLSv12.equals(v)
                && isEmpty(sp.getConnectionIDLocal()) && isEmpty(sp.getConnectionIDPeer());
    }

    /**
     * Derives the key block ({@code 2 * keySize + 2 * 4} octets, RFC 5246 section 6.3: client key,
     * server key, client IV, server IV) and keys the two ciphers for this side.
     */
    AeadRecordCipher(TlsCryptoParameters cryptoParams, TlsAEADCipherImpl encryptCipher,
            TlsAEADCipherImpl decryptCipher, int keySize, int macSize) throws IOException {
        if (!supports(cryptoParams)) {
            throw new TlsFatalAlert(AlertDescription.internal_error, "AEAD record cipher: TLS 1.2 only");
        }
        this.encryptCipher = encryptCipher;
        this.decryptCipher = decryptCipher;
        this.macSize = macSize;
        int size = 2 * keySize + 2 * FIXED_IV;
        byte[] keyBlock = TlsImplUtils.calculateKeyBlock(cryptoParams, size);
        try {
            boolean server = cryptoParams.isServer();
            int clientKey = 0;
            int serverKey = keySize;
            int clientIv = 2 * keySize;
            int serverIv = clientIv + FIXED_IV;
            encryptCipher.setKey(keyBlock, server ? serverKey : clientKey, keySize);
            decryptCipher.setKey(keyBlock, server ? clientKey : serverKey, keySize);
            encryptSalt = (int) TlsUtils.readUint32(keyBlock, server ? serverIv : clientIv);
            decryptSalt = (int) TlsUtils.readUint32(keyBlock, server ? clientIv : serverIv);
        } finally {
            Arrays.fill(keyBlock, (byte) 0);
        }
    }

    @Override
    public int getCiphertextDecodeLimit(int plaintextLimit) {
        return plaintextLimit + macSize + EXPLICIT_NONCE;
    }

    @Override
    public int getCiphertextEncodeLimit(int plaintextLimit) {
        return plaintextLimit + macSize + EXPLICIT_NONCE;
    }

    @Override
    public int getPlaintextDecodeLimit(int ciphertextLimit) {
        return ciphertextLimit - macSize - EXPLICIT_NONCE;
    }

    @Override
    public int getPlaintextEncodeLimit(int ciphertextLimit) {
        return ciphertextLimit - macSize - EXPLICIT_NONCE;
    }

    @Override
    public TlsEncodeResult encodePlaintext(long seqNo, short contentType, ProtocolVersion recordVersion,
            int headerAllocation, byte[] plaintext, int offset, int len) throws IOException {
        int ciphertextLength = EXPLICIT_NONCE + len + macSize;
        int total = headerAllocation + ciphertextLength;
        byte[] out = RecordScratch.lease(total);
        int pos = headerAllocation;
        byte[][] scratch = SCRATCH.get();
        byte[] nonce = scratch[0];
        byte[] aad = scratch[1];
        TlsUtils.writeUint64(seqNo, nonce, FIXED_IV);
        System.arraycopy(nonce, FIXED_IV, out, pos, EXPLICIT_NONCE);
        pos += EXPLICIT_NONCE;
        additionalData(aad, seqNo, contentType, recordVersion, len);
        boolean done = false;
        try {
            initCipher(encryptCipher, encryptSalt, nonce);
            int n = encryptCipher.doFinal(aad, plaintext, offset, len, out, pos);
            if (n != len + macSize) {
                throw new TlsFatalAlert(AlertDescription.internal_error, "AEAD output size " + n);
            }
            done = true;
        } catch (RuntimeException e) {
            throw new TlsFatalAlert(AlertDescription.internal_error, e);
        } finally {
            if (!done) {
                Arrays.fill(out, 0, total, (byte) 0);
            }
        }
        return new TlsEncodeResult(out, 0, total, contentType);
    }

    @Override
    public TlsDecodeResult decodeCiphertext(long seqNo, short recordType, ProtocolVersion recordVersion,
            byte[] ciphertext, int offset, int len) throws IOException {
        int plaintextLength = len - EXPLICIT_NONCE - macSize;
        if (plaintextLength < 0) {
            throw new TlsFatalAlert(AlertDescription.decode_error);
        }
        byte[][] scratch = SCRATCH.get();
        byte[] nonce = scratch[0];
        byte[] aad = scratch[1];
        System.arraycopy(ciphertext, offset, nonce, FIXED_IV, EXPLICIT_NONCE);
        additionalData(aad, seqNo, recordType, recordVersion, plaintextLength);
        int encrypted = offset + EXPLICIT_NONCE;
        // application data goes straight to the caller's buffer when one is lent, else in place
        DecodeTarget target = recordType == ContentType.application_data ? DecodeTarget.claim(plaintextLength) : null;
        byte[] out = target == null ? ciphertext : target.array();
        int outOff = target == null ? encrypted : target.offset();
        int n;
        boolean done = false;
        try {
            initCipher(decryptCipher, decryptSalt, nonce);
            n = decryptCipher.doFinal(aad, ciphertext, encrypted, len - EXPLICIT_NONCE, out, outOff);
            if (n != plaintextLength) {
                throw new TlsFatalAlert(AlertDescription.internal_error, "AEAD output size " + n);
            }
            done = true;
        } catch (RuntimeException e) {
            throw new TlsFatalAlert(AlertDescription.bad_record_mac, e);
        } finally {
            if (!done && target != null) {
                Arrays.fill(out, outOff, outOff + plaintextLength, (byte) 0); // the caller's buffer: nothing unverified
            }
        }
        return new TlsDecodeResult(out, outOff, plaintextLength, recordType);
    }

    /**
     * Completes {@code nonce} (its explicit part already written) with the implicit part and hands it
     * to {@code cipher}, which copies it; the implicit part does not stay in the thread's array.
     */
    private void initCipher(TlsAEADCipherImpl cipher, int salt, byte[] nonce) throws IOException {
        TlsUtils.writeUint32(salt & 0xFFFFFFFFL, nonce, 0);
        try {
            cipher.init(nonce, macSize);
        } finally {
            Arrays.fill(nonce, 0, FIXED_IV, (byte) 0);
        }
    }

    /** {@code seq_num || type || version || length}, RFC 5246 section 6.2.3.3. */
    private static void additionalData(byte[] aad, long seqNo, short type, ProtocolVersion version, int length)
            throws IOException {
        TlsUtils.writeUint64(seqNo, aad, 0);
        TlsUtils.writeUint8(type, aad, 8);
        TlsUtils.writeVersion(version, aad, 9);
        TlsUtils.writeUint16(length, aad, 11);
    }

    @Override
    public void rekeyDecoder() throws IOException {
        throw new TlsFatalAlert(AlertDescription.internal_error); // TLS 1.3 only
    }

    @Override
    public void rekeyEncoder() throws IOException {
        throw new TlsFatalAlert(AlertDescription.internal_error); // TLS 1.3 only
    }

    @Override
    public boolean usesOpaqueRecordTypeDecode() {
        return false;
    }

    @Override
    public boolean usesOpaqueRecordTypeEncode() {
        return false;
    }

    private static boolean isEmpty(byte[] b) {
        return b == null || b.length == 0;
    }
}
