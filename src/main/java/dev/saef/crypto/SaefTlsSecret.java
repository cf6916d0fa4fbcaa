package dev.saef.crypto;

import java.security.GeneralSecurityException;
import java.util.Arrays;

import org.bouncycastle.tls.PRFAlgorithm;
import org.bouncycastle.tls.crypto.TlsSecret;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;
import org.bouncycastle.tls.crypto.impl.jcajce.JceTlsSecret;

/**
 * A TLS secret (premaster secret, master secret, key block) whose derivations leave no copy of it
 * outside this object. Bouncy Castle's {@link JceTlsSecret} computes the TLS PRF with a JCA
 * {@code Mac} initialised from a {@code SecretKeySpec}: each derivation leaves a plain copy of the
 * secret in that {@code SecretKeySpec} and {@code secret ^ ipad}/{@code secret ^ opad} in SunJCE's
 * HMAC state, none of which is ever zeroed. For a plain-PSK premaster
 * ({@code uint16 N, N zero octets, uint16 N, psk}, RFC 4279 section 2) that is the Kpsa itself
 * (TS-0003 clause 8.2.2.1).
 *
 * <p>Here the TLS 1.0 and 1.2 PRFs (RFC 5246 section 5, {@code P_hash}) run over {@link PrfHmac},
 * which zeroes its pads and intermediate values, and every secret derived with them (master secret,
 * key block, verify data) is again a {@code SaefTlsSecret}. {@link #destroy()} (which Bouncy Castle
 * calls on the premaster right after deriving the master secret, RFC 5246 section 8.1) zeroes the
 * octets. TLS 1.3 derivations (HKDF) are left to {@link JceTlsSecret}; SAEF negotiates TLS 1.2 only.
 */
final class SaefTlsSecret extends JceTlsSecret {

    /** @param data the secret octets, adopted (not copied): this object owns and zeroes them */
    SaefTlsSecret(JcaTlsCrypto crypto, byte[] data) {
        super(crypto, data);
    }

    @Override
    public synchronized TlsSecret deriveUsingPRF(int prfAlgorithm, String label, byte[] seed, int length) {
        switch (prfAlgorithm) {
        case PRFAlgorithm.tls13_hkdf_sha256:
        case PRFAlgorithm.tls13_hkdf_sha384:
        case PRFAlgorithm.tls13_hkdf_sm3:
            return super.deriveUsingPRF(prfAlgorithm, label, seed, length);
        default:
            checkAlive();
            try {
                return new SaefTlsSecret(crypto, prf(prfAlgorithm, label, seed, length));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("TLS PRF failed", e); // as JceTlsSecret: unchecked
            }
        }
    }

    /**
     * {@code P_hash(secret, seed)} of RFC 5246 section 5 into {@code output}, over {@link PrfHmac};
     * the chain values {@code A(i)} and each HMAC block are zeroed before returning. Hashes
     * {@link PrfHmac} does not offer fall back to Bouncy Castle's JCA implementation.
     */
    @Override
    protected void hmacHash(int cryptoHashAlgorithm, byte[] secret, int secretOff, int secretLen, byte[] seed,
            byte[] output) throws GeneralSecurityException {
        PrfHmac mac = PrfHmac.create(cryptoHashAlgorithm, secret, secretOff, secretLen);
        if (mac == null) {
            super.hmacHash(cryptoHashAlgorithm, secret, secretOff, secretLen, seed, output);
            return;
        }
        int macSize = mac.macLength();
        byte[] a = new byte[macSize];
        byte[] block = new byte[macSize];
        try {
            byte[] previous = seed; // A(0)
            int pos = 0;
            while (pos < output.length) {
                mac.update(previous, 0, previous.length);
                mac.doFinal(a, 0); // A(i) = HMAC(secret, A(i-1))
                previous = a;
                mac.update(a, 0, a.length);
                mac.update(seed, 0, seed.length);
                mac.doFinal(block, 0); // HMAC(secret, A(i) + seed)
                int n = Math.min(macSize, output.length - pos);
                System.arraycopy(block, 0, output, pos, n);
                pos += n;
            }
        } finally {
            mac.destroy();
            Arrays.fill(a, (byte) 0);
            Arrays.fill(block, (byte) 0);
        }
    }
}
