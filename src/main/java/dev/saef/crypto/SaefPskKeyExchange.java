package dev.saef.crypto;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;

import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.TlsDHGroupVerifier;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsPSKIdentity;
import org.bouncycastle.tls.TlsPSKIdentityManager;
import org.bouncycastle.tls.TlsPSKKeyExchange;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.crypto.TlsDHConfig;
import org.bouncycastle.tls.crypto.TlsECConfig;
import org.bouncycastle.tls.crypto.TlsSecret;

/**
 * Bouncy Castle's PSK key exchange (PSK, DHE_PSK, ECDHE_PSK, RSA_PSK; RFC 4279, RFC 5489) with a
 * premaster secret that leaves no copy of the PSK behind. Bouncy Castle 1.84 assembles the premaster
 * {@code other_secret || psk} (RFC 4279 section 2) in a {@code ByteArrayOutputStream} and hands a
 * second copy ({@code toByteArray()}) to the crypto, and zeroes neither: two copies of the Kpsa per
 * handshake, on each side. Here the premaster is built in one array that is zeroed (with the
 * {@code psk} array and the {@code other_secret}, e.g. the DH shared secret) as soon as the crypto has
 * taken its own copy ({@link SaefTlsCrypto#createSecret} makes that a {@link SaefTlsSecret}).
 *
 * <p>A handshake that fails after the PSK was obtained and before the premaster was built (a
 * malformed ClientKeyExchange, a bad DH public value, a write error) would otherwise leave the
 * {@code psk} array in this object: {@link #wipe()} zeroes it, and {@link SaefKeyExchangeFactory}
 * calls it when the connection closes.
 */
final class SaefPskKeyExchange extends TlsPSKKeyExchange {

    private final SaefKeyExchangeFactory.ClientKeyExchangeCheck serverCheck;

    /** Client side. */
    SaefPskKeyExchange(int keyExchange, TlsPSKIdentity pskIdentity, TlsDHGroupVerifier dhGroupVerifier) {
        super(keyExchange, pskIdentity, dhGroupVerifier);
        this.serverCheck = null;
    }

    /** Server side; {@code serverCheck} (or null) checks each received ClientKeyExchange first. */
    SaefPskKeyExchange(int keyExchange, TlsPSKIdentityManager pskIdentityManager, TlsDHConfig dhConfig,
            TlsECConfig ecConfig, SaefKeyExchangeFactory.ClientKeyExchangeCheck serverCheck) {
        super(keyExchange, pskIdentityManager, dhConfig, ecConfig);
        this.serverCheck = serverCheck;
    }

    @Override
    public void generateClientKeyExchange(OutputStream output) throws IOException {
        try {
            super.generateClientKeyExchange(output);
        } catch (IOException | RuntimeException e) {
            wipe();
            throw e;
        }
    }

    @Override
    public void processClientKeyExchange(InputStream input) throws IOException {
        try {
            if (serverCheck != null) {
                byte[] body = input.readAllBytes(); // identity and public value only: nothing secret
                serverCheck.check(body, keyExchange);
                input = new java.io.ByteArrayInputStream(body);
            }
            super.processClientKeyExchange(input);
        } catch (IOException | RuntimeException e) {
            wipe();
            throw e;
        }
    }

    /**
     * {@code struct { opaque other_secret<0..2^16-1>; opaque psk<0..2^16-1>; }} (RFC 4279 section 2),
     * with {@code other_secret} = N zero octets (PSK), the DH/ECDH shared secret (DHE_PSK, ECDHE_PSK)
     * or the RSA premaster (RSA_PSK); every intermediate array is zeroed before returning.
     */
    @Override
    public TlsSecret generatePreMasterSecret() throws IOException {
        byte[] key = this.psk;
        this.psk = null;
        if (key == null) {
            throw new TlsFatalAlert(AlertDescription.internal_error, "no PSK for the premaster secret");
        }
        byte[] other = null;
        byte[] premaster = null;
        try {
            other = generateOtherSecret(key.length);
            premaster = new byte[4 + other.length + key.length];
            TlsUtils.writeUint16(other.length, premaster, 0);
            System.arraycopy(other, 0, premaster, 2, other.length);
            TlsUtils.writeUint16(key.length, premaster, 2 + other.length);
            System.arraycopy(key, 0, premaster, 4 + other.length, key.length);
            return context.getCrypto().createSecret(premaster); // copies
        } finally {
            Arrays.fill(key, (byte) 0);
            if (other != null) {
                Arrays.fill(other, (byte) 0);
            }
            if (premaster != null) {
                Arrays.fill(premaster, (byte) 0);
            }
        }
    }

    /** Zeroes the PSK if this exchange still holds it (the handshake ended before the premaster). */
    void wipe() {
        byte[] key = this.psk;
        this.psk = null;
        if (key != null) {
            Arrays.fill(key, (byte) 0);
        }
    }
}
