package dev.saef.crypto;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import org.bouncycastle.tls.DefaultTlsKeyExchangeFactory;
import org.bouncycastle.tls.TlsDHGroupVerifier;
import org.bouncycastle.tls.TlsKeyExchange;
import org.bouncycastle.tls.TlsPSKIdentity;
import org.bouncycastle.tls.TlsPSKIdentityManager;
import org.bouncycastle.tls.crypto.TlsDHConfig;
import org.bouncycastle.tls.crypto.TlsECConfig;

/**
 * Bouncy Castle's key exchange factory with PSK key exchanges (RFC 4279) that wipe the PSK: the
 * premaster secret is built without leaving copies of the Kpsa (TS-0003 clause 8.2.2.1) behind, and
 * {@link #wipe()} zeroes a PSK that a failed handshake left unused. Every other key exchange is Bouncy
 * Castle's own.
 *
 * <p>One instance per connection: a TLS peer returns it from {@code getKeyExchangeFactory()} and
 * calls {@link #wipe()} from {@code notifyConnectionClosed()}, which Bouncy Castle calls whenever
 * the connection ends (closed or failed). Thread-safe.
 */
public final class SaefKeyExchangeFactory extends DefaultTlsKeyExchangeFactory {

    /**
     * Checks the structure of a server's received ClientKeyExchange body before Bouncy Castle parses
     * it, so that malformed input gets the alert it is due (decode_error, illegal_parameter).
     */
    @FunctionalInterface
    public interface ClientKeyExchangeCheck {
        /**
         * @param body the ClientKeyExchange body
         * @param keyExchange the key exchange algorithm ({@code KeyExchangeAlgorithm})
         * @throws IOException a {@code TlsFatalAlert} naming what is wrong
         */
        void check(byte[] body, int keyExchange) throws IOException;
    }

    private final List<SaefPskKeyExchange> created = new ArrayList<>(1);
    private final ClientKeyExchangeCheck serverCheck;

    /** A factory whose server key exchanges parse the ClientKeyExchange as Bouncy Castle does. */
    public SaefKeyExchangeFactory() {
        this(null);
    }

    /** @param serverCheck checks each received ClientKeyExchange first (server side), or null */
    public SaefKeyExchangeFactory(ClientKeyExchangeCheck serverCheck) {
        this.serverCheck = serverCheck;
    }

    @Override
    public TlsKeyExchange createPSKKeyExchangeClient(int keyExchange, TlsPSKIdentity pskIdentity,
            TlsDHGroupVerifier dhGroupVerifier) throws IOException {
        return remember(new SaefPskKeyExchange(keyExchange, pskIdentity, dhGroupVerifier));
    }

    @Override
    public TlsKeyExchange createPSKKeyExchangeServer(int keyExchange, TlsPSKIdentityManager pskIdentityManager,
            TlsDHConfig dhConfig, TlsECConfig ecConfig) throws IOException {
        return remember(new SaefPskKeyExchange(keyExchange, pskIdentityManager, dhConfig, ecConfig, serverCheck));
    }

    /** Zeroes the PSK still held by any key exchange made here (none once a premaster was built). */
    public synchronized void wipe() {
        for (SaefPskKeyExchange x : created) {
            x.wipe();
        }
        created.clear();
    }

    private synchronized SaefPskKeyExchange remember(SaefPskKeyExchange x) {
        created.add(x);
        return x;
    }
}
