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

    private final List<SaefPskKeyExchange> created = new ArrayList<>(1);

    @Override
    public TlsKeyExchange createPSKKeyExchangeClient(int keyExchange, TlsPSKIdentity pskIdentity,
            TlsDHGroupVerifier dhGroupVerifier) throws IOException {
        return remember(new SaefPskKeyExchange(keyExchange, pskIdentity, dhGroupVerifier));
    }

    @Override
    public TlsKeyExchange createPSKKeyExchangeServer(int keyExchange, TlsPSKIdentityManager pskIdentityManager,
            TlsDHConfig dhConfig, TlsECConfig ecConfig) throws IOException {
        return remember(new SaefPskKeyExchange(keyExchange, pskIdentityManager, dhConfig, ecConfig));
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
