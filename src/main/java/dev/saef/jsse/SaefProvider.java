package dev.saef.jsse;

import java.security.Provider;
import java.util.List;
import java.util.Map;

/**
 * The {@code SAEF} JCA/JSSE provider: oneM2M TS-0003 clause 8.2.2.1 (Provisioned Symmetric Key
 * Security Association Establishment Framework) over TLS 1.2 PSK.
 *
 * <p>Services: {@code SSLContext.TLS}, {@code SSLContext.TLSv1.2}, {@code SSLContext.Default} and
 * {@code KeyManagerFactory.PSK}. Install it by name in {@code java.security}
 * ({@code security.provider.1=SAEF}; the class is found through
 * {@code META-INF/services/java.security.Provider}) or with {@code Security.insertProviderAt(new
 * SaefProvider(), 1)}.
 */
public final class SaefProvider extends Provider {

    private static final long serialVersionUID = 1L;

    /** The provider name. */
    public static final String NAME = "SAEF";

    /** Creates the provider. */
    public SaefProvider() {
        super(NAME, "0.1", "SAEF-JSSE: oneM2M PSK-SAEF (TS-0003 8.2.2.1) over TLS 1.2 PSK, suites of clause 10.2.2");
        String spi = SaefSSLContextSpi.class.getName();
        putService(new Service(this, "SSLContext", "TLS", spi, List.of("TLSv1.2"), Map.of()));
        putService(new Service(this, "SSLContext", "Default", SaefSSLContextSpi.Default.class.getName(),
                List.of(), Map.of()));
        putService(new Service(this, "KeyManagerFactory", "PSK",
                dev.saef.keys.PskKeyManagerFactorySpi.class.getName(), List.of("SAEF-PSK"), Map.of()));
        if (SunProviderFallback.sunProviderMissing()) {
            SunProviderFallback.registerInto(this, this::putService);
        }
    }
}
