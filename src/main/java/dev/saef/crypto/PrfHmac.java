package dev.saef.crypto;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.Provider;
import java.security.Security;
import java.util.Arrays;

import org.bouncycastle.crypto.ExtendedDigest;
import org.bouncycastle.crypto.digests.MD5Digest;
import org.bouncycastle.crypto.digests.SHA1Digest;
import org.bouncycastle.crypto.digests.SHA224Digest;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.digests.SHA384Digest;
import org.bouncycastle.crypto.digests.SHA512Digest;
import org.bouncycastle.tls.crypto.CryptoHashAlgorithm;
import org.bouncycastle.util.Memoable;

/**
 * HMAC (RFC 2104) for the TLS PRF that leaves no copy of its key behind: the key is XORed into the
 * inner and outer pads here, never into a JCA {@code Mac} (SunJCE's {@code HmacCore} keeps
 * {@code key ^ ipad} and {@code key ^ opad} in its state until it is garbage collected, and the
 * {@code SecretKeySpec} it is initialised with keeps a plain copy).
 *
 * <p>The pads are hashed once, when the HMAC is created: two digests hold the hash states after
 * {@code key ^ ipad} and after {@code key ^ opad} (the precomputation RFC 2104 section 4 describes),
 * and each MAC starts from copies of them, so a MAC costs two compression functions fewer. The pad
 * arrays are zeroed as soon as they are absorbed. The digest is the SUN provider's (whose
 * {@code digest}/{@code reset} zero the block buffer and message schedule, and which the JIT runs on
 * the CPU's SHA instructions where it has them), or, when SUN does not offer the hash, Bouncy
 * Castle's lightweight digest (whose {@code doFinal}/{@code reset} zero the same). Every copy is
 * reset (zeroed) after use, and {@link #destroy()} resets the two keyed states.
 *
 * <p>Used only by {@link SaefTlsSecret} for the TLS 1.0/1.2 PRFs (RFC 5246 section 5) over the
 * premaster and master secrets: twelve HMACs per side and full handshake. Not thread-safe: one
 * instance per PRF computation.
 */
final class PrfHmac {
    private static final byte IPAD = 0x36;
    private static final byte OPAD = 0x5c;

    /** The SUN provider, or null when it is not installed (then Bouncy Castle's digests are used). */
    private static final Provider SUN = Security.getProvider("SUN");

    private final Hash innerKeyed;
    private final Hash outerKeyed;
    private final int macLength;
    private final byte[] inner;
    /** The running inner hash of the MAC being computed, or null between MACs. */
    private Hash running;

    private PrfHmac(Hash digest, byte[] key, int keyOff, int keyLen) {
        int block = digest.blockLength();
        this.macLength = digest.length();
        this.inner = new byte[macLength];
        byte[] ipad = new byte[block];
        byte[] opad = new byte[block];
        try {
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
            this.outerKeyed = digest.copy();
            digest.update(ipad, 0, block);
            outerKeyed.update(opad, 0, block);
            this.innerKeyed = digest;
        } finally {
            Arrays.fill(ipad, (byte) 0);
            Arrays.fill(opad, (byte) 0);
            Arrays.fill(inner, (byte) 0);
        }
    }

    /**
     * @param cryptoHashAlgorithm a {@link CryptoHashAlgorithm} code
     * @return an HMAC keyed with {@code key[keyOff, keyOff + keyLen)} (the caller keeps and wipes
     *     its array), or null for a hash this class does not offer (the caller then falls back)
     */
    static PrfHmac create(int cryptoHashAlgorithm, byte[] key, int keyOff, int keyLen) {
        Hash d = jdkDigest(cryptoHashAlgorithm);
        if (d == null) {
            d = bcDigest(cryptoHashAlgorithm);
        }
        return d == null ? null : new PrfHmac(d, key, keyOff, keyLen);
    }

    /** @return an HMAC over {@code digest} (fresh, owned by the result), keyed as in {@link #create(int, byte[], int, int)} */
    static PrfHmac create(Hash digest, byte[] key, int keyOff, int keyLen) {
        return new PrfHmac(digest, key, keyOff, keyLen);
    }

    /** @return the SUN provider's digest, or null when SUN is absent or does not offer it */
    static Hash jdkDigest(int cryptoHashAlgorithm) {
        String name;
        int block;
        switch (cryptoHashAlgorithm) {
        case CryptoHashAlgorithm.md5:
            name = "MD5";
            block = 64;
            break;
        case CryptoHashAlgorithm.sha1:
            name = "SHA-1";
            block = 64;
            break;
        case CryptoHashAlgorithm.sha224:
            name = "SHA-224";
            block = 64;
            break;
        case CryptoHashAlgorithm.sha256:
            name = "SHA-256";
            block = 64;
            break;
        case CryptoHashAlgorithm.sha384:
            name = "SHA-384";
            block = 128;
            break;
        case CryptoHashAlgorithm.sha512:
            name = "SHA-512";
            block = 128;
            break;
        default:
            return null;
        }
        if (SUN == null) {
            return null;
        }
        try {
            MessageDigest md = MessageDigest.getInstance(name, SUN);
            md.clone(); // the precomputed pad states need copies: a digest that cannot be cloned is not used
            return new JdkHash(md, block);
        } catch (NoSuchAlgorithmException | CloneNotSupportedException e) {
            return null;
        }
    }

    /** @return Bouncy Castle's lightweight digest, or null for a hash this class does not offer */
    static Hash bcDigest(int cryptoHashAlgorithm) {
        switch (cryptoHashAlgorithm) {
        case CryptoHashAlgorithm.md5:
            return new BcHash(new MD5Digest());
        case CryptoHashAlgorithm.sha1:
            return new BcHash(new SHA1Digest());
        case CryptoHashAlgorithm.sha224:
            return new BcHash(new SHA224Digest());
        case CryptoHashAlgorithm.sha256:
            return new BcHash(new SHA256Digest());
        case CryptoHashAlgorithm.sha384:
            return new BcHash(new SHA384Digest());
        case CryptoHashAlgorithm.sha512:
            return new BcHash(new SHA512Digest());
        default:
            return null;
        }
    }

    /** @return the MAC length in octets (the hash output size) */
    int macLength() {
        return macLength;
    }

    void update(byte[] in, int off, int len) {
        begin().update(in, off, len);
    }

    /** Writes the MAC of everything updated since the last call to {@code out[off...]}. */
    void doFinal(byte[] out, int off) {
        Hash h = begin();
        running = null;
        Hash outer = outerKeyed.copy();
        try {
            h.doFinal(inner, 0); // resets (zeroes) the copy
            outer.update(inner, 0, inner.length);
            outer.doFinal(out, off);
        } finally {
            h.reset();
            outer.reset();
            Arrays.fill(inner, (byte) 0);
        }
    }

    /** Zeroes the keyed hash states and any MAC in progress. */
    void destroy() {
        if (running != null) {
            running.reset();
            running = null;
        }
        innerKeyed.reset();
        outerKeyed.reset();
        Arrays.fill(inner, (byte) 0);
    }

    private Hash begin() {
        if (running == null) {
            running = innerKeyed.copy();
        }
        return running;
    }

    /** The few digest operations HMAC needs, over a JCA or a Bouncy Castle digest. */
    interface Hash {
        int blockLength();

        int length();

        void update(byte[] in, int off, int len);

        /** Writes the hash and resets (zeroes) the state. */
        void doFinal(byte[] out, int off);

        /** Back to the initial state, zeroing buffers and chaining values. */
        void reset();

        /** @return an independent copy of the current state */
        Hash copy();
    }

    /** A SUN {@link MessageDigest}: {@code digest} and {@code reset} zero its buffer and state. */
    static final class JdkHash implements Hash {
        private final MessageDigest md;
        private final int block;

        JdkHash(MessageDigest md, int block) {
            this.md = md;
            this.block = block;
        }

        @Override
        public int blockLength() {
            return block;
        }

        @Override
        public int length() {
            return md.getDigestLength();
        }

        @Override
        public void update(byte[] in, int off, int len) {
            md.update(in, off, len);
        }

        @Override
        public void doFinal(byte[] out, int off) {
            try {
                md.digest(out, off, md.getDigestLength());
            } catch (java.security.DigestException e) {
                throw new IllegalStateException("digest output does not fit", e);
            }
        }

        @Override
        public void reset() {
            md.reset();
        }

        @Override
        public Hash copy() {
            try {
                return new JdkHash((MessageDigest) md.clone(), block);
            } catch (CloneNotSupportedException e) {
                throw new IllegalStateException("digest became uncloneable", e); // checked in jdkDigest
            }
        }
    }

    /** A Bouncy Castle digest: {@code doFinal} and {@code reset} zero its buffer and message schedule. */
    static final class BcHash implements Hash {
        private final ExtendedDigest d;

        BcHash(ExtendedDigest d) {
            this.d = d;
        }

        @Override
        public int blockLength() {
            return d.getByteLength();
        }

        @Override
        public int length() {
            return d.getDigestSize();
        }

        @Override
        public void update(byte[] in, int off, int len) {
            d.update(in, off, len);
        }

        @Override
        public void doFinal(byte[] out, int off) {
            d.doFinal(out, off);
        }

        @Override
        public void reset() {
            d.reset();
        }

        @Override
        public Hash copy() {
            return new BcHash((ExtendedDigest) ((Memoable) d).copy());
        }
    }
}
