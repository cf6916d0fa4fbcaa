package dev.saef.jsse;

import java.security.Provider;
import java.util.List;
import java.util.Map;

/**
 * The {@code SAEF} JCA/JSSE provider: oneM2M TS-0003 clause 8.2.2.1 (Provisioned Symmetric Key
 * Security Association Establishment Framework) over TLS 1.2 PSK.
 *
 * <p>Services: {@code SSLContext.TLS}, {@code SSLContext.TLSv1.2}, {@code SSLContext.DTLS},
 * {@code SSLContext.DTLSv1.2}, {@code SSLContext.Default} and
 * {@code KeyManagerFactory.PSK}. Install it by name in {@code java.security}
 * ({@code security.provider.1=SAEF}; the class is found through
 * {@code META-INF/services/java.security.Provider}) or with {@code Security.insertProviderAt(new
 * SaefProvider(), 1)}. A one-line override file {@code security.provider.1=SAEF} replaces the JDK's
 * {@code SUN} provider; SAEF then registers SUN again as provider 2 ({@link JdkProviderRestorer}), so
 * that it works exactly like the full {@code saef.security}.
 */
public final class SaefProvider extends Provider {

    private static final long serialVersionUID = 1L;

    /** The provider name. */
    public static final String NAME = "SAEF";

    /** Whether SAEF displaced the JDK's SUN provider and puts it back (set once, in the constructor). */
    private final transient boolean restoresSun;
    /** While SUN is fetched: the SHA-1 its stand-in generator needs ({@link JdkProviderRestorer#doorSha1}). */
    private final transient Service doorSha1;

    /** Creates the provider. */
    public SaefProvider() {
        super(NAME, "0.1", "SAEF-JSSE: oneM2M PSK-SAEF (TS-0003 8.2.2.1) over TLS 1.2 PSK, suites of clause 10.2.2");
        String spi = SaefSSLContextSpi.class.getName();
        putService(new Service(this, "SSLContext", "TLS", spi, List.of("TLSv1.2"), Map.of()));
        putService(new Service(this, "SSLContext", "DTLS", SaefDtlsContextSpi.class.getName(), List.of("DTLSv1.2"),
                Map.of()));
        putService(new Service(this, "SSLContext", "Default", SaefSSLContextSpi.Default.class.getName(),
                List.of(), Map.of()));
        putService(new Service(this, "KeyManagerFactory", "PSK",
                dev.saef.config.PskKeyManagerFactorySpi.class.getName(), List.of("SAEF-PSK"), Map.of()));
        boolean displaced = false;
        Service sha1 = null;
        try {
            if (JdkProviderRestorer.sunDisplaced()) {
                sha1 = JdkProviderRestorer.doorSha1(this);
                putService(JdkProviderRestorer.placeholder(this));
                displaced = true;
            }
        } catch (RuntimeException e) {
            // Never fail here: the JDK would skip SAEF altogether (and its Default context with it).
            System.getLogger("dev.saef").log(System.Logger.Level.ERROR, "SAEF cannot restore the JDK's SUN provider: "
                    + e);
        }
        this.restoresSun = displaced;
        this.doorSha1 = sha1;
    }

    /**
     * SAEF's own services first; when {@code security.provider.1=SAEF} displaced the JDK's {@code SUN}
     * provider, also the first lookup that puts SUN back after SAEF, and SUN's services until then
     * ({@link JdkProviderRestorer}).
     */
    @Override
    public Service getService(String type, String algorithm) {
        if (!restoresSun) {
            return super.getService(type, algorithm);
        }
        if (!JdkProviderRestorer.PLACEHOLDER.equalsIgnoreCase(algorithm)) {
            Service own = super.getService(type, algorithm);
            if (own != null) {
                JdkProviderRestorer.restoreIfSafe(this::removePlaceholder);
                return own;
            }
        }
        return JdkProviderRestorer.service(doorSha1, type, algorithm, this::removePlaceholder);
    }

    private void removePlaceholder() {
        Service p = super.getService("SecureRandom", JdkProviderRestorer.PLACEHOLDER);
        if (p != null) {
            removeService(p);
        }
    }
}
