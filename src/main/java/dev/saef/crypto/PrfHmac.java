package dev.saef.crypto;

import java.util.Arrays;

import org.bouncycastle.crypto.ExtendedDigest;
import org.bouncycastle.crypto.digests.MD5Digest;
import org.bouncycastle.crypto.digests.SHA1Digest;
import org.bouncycastle.crypto.digests.SHA224Digest;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.digests.SHA384Digest;
import org.bouncycastle.crypto.digests.SHA512Digest;
import org.bouncycastle.tls.crypto.CryptoHashAlgorithm;

/**
 * HMAC (RFC 2104) for the TLS PRF that leaves no copy of its key behind: the key is XORed into the
 * inner and outer pads held here, never into a JCA {@code Mac} (SunJCE's {@code HmacCore} keeps
 * {@code key ^ ipad} and {@code key ^ opad} in its state until it is garbage collected, and the
 * {@code SecretKeySpec} it is initialised with keeps a plain copy). The hash is Bouncy Castle's
 * lightweight digest, whose {@code doFinal}/{@code reset} zero its block buffer and message schedule,
 * so no partial key block stays in the digest either. {@link #destroy()} zeroes the pads.
 *
 * <p>Used only by {@link SaefTlsSecret} for the TLS 1.0/1.2 PRFs (RFC 5246 section 5) over the
 * premaster and master secrets; a few HMACs per handshake, so the pure-Java digest costs nothing
 * measurable. Not thread-safe: one instance per PRF computation.
 */
final class PrfHmac {
    private static final byte IPAD = 0x36;
    private static final byte OPAD = 0x5c;

    private final ExtendedDigest digest;
    private final byte[] ipad;
    private final byte[] opad;
    private final byte[] inner;
    private boolean started;

    private PrfHmac(ExtendedDigest digest, byte[] key, int keyOff, int keyLen) {
        this.digest = digest;
        int block = digest.getByteLength();
        this.ipad = new byte[block];
        this.opad = new byte[block];
        this.inner = new byte[digest.getDigestSize()];
        byte[] k = key;
        int off = keyOff;
        int len = keyLen;
        if (keyLen > block) {
            // RFC 2104 section 2: a key longer than the block is replaced by its hash
            digest.update(key, keyOff, keyLen);
            digest.doFinal(inner, 0);
            k = inner;
            off = 0;
            len = inner.length;
        }
        for (int i = 0; i < block; i++) {
            byte b = i < len ? k[off + i] : 0;
            ipad[i] = (byte) (b ^ IPAD);
            opad[i] = (byte) (b ^ OPAD);
        }
        Arrays.fill(inner, (byte) 0);
    }

    /**
     * @param cryptoHashAlgorithm a {@link CryptoHashAlgorithm} code
     * @return an HMAC keyed with {@code key[keyOff, keyOff + keyLen)} (the caller keeps and wipes
     *     its array), or null for a hash this class does not offer (the caller then falls back)
     */
    static PrfHmac create(int cryptoHashAlgorithm, byte[] key, int keyOff, int keyLen) {
        ExtendedDigest d = digest(cryptoHashAlgorithm);
        return d == null ? null : new PrfHmac(d, key, keyOff, keyLen);
    }

    private static ExtendedDigest digest(int cryptoHashAlgorithm) {
        switch (cryptoHashAlgorithm) {
        case CryptoHashAlgorithm.md5:
            return new MD5Digest();
        case CryptoHashAlgorithm.sha1:
            return new SHA1Digest();
        case CryptoHashAlgorithm.sha224:
            return new SHA224Digest();
        case CryptoHashAlgorithm.sha256:
            return new SHA256Digest();
        case CryptoHashAlgorithm.sha384:
            return new SHA384Digest();
        case CryptoHashAlgorithm.sha512:
            return new SHA512Digest();
        default:
            return null;
        }
    }

    /** @return the MAC length in octets (the hash output size) */
    int macLength() {
        return inner.length;
    }

    void update(byte[] in, int off, int len) {
        begin();
        digest.update(in, off, len);
    }

    /** Writes the MAC of everything updated since the last call to {@code out[off...]}. */
    void doFinal(byte[] out, int off) {
        begin();
        digest.doFinal(inner, 0); // resets the digest, zeroing its buffers
        digest.update(opad, 0, opad.length);
        digest.update(inner, 0, inner.length);
        digest.doFinal(out, off);
        Arrays.fill(inner, (byte) 0);
        started = false;
    }

    /** Zeroes the key pads and the digest state. */
    void destroy() {
        Arrays.fill(ipad, (byte) 0);
        Arrays.fill(opad, (byte) 0);
        Arrays.fill(inner, (byte) 0);
        digest.reset();
        started = false;
    }

    private void begin() {
        if (!started) {
            digest.update(ipad, 0, ipad.length);
            started = true;
        }
    }
}
