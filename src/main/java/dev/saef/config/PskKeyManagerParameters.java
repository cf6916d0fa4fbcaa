package dev.saef.config;

import dev.saef.config.SaefConfiguration;
import java.util.Objects;
import javax.net.ssl.ManagerFactoryParameters;

/**
 * Programmatic configuration for {@code KeyManagerFactory.getInstance("PSK", "SAEF")}: a complete
 * {@link SaefConfiguration} (association table, keys, identity and suite settings) built in code
 * instead of from the {@code saef.*} system properties. TS-0003 clause 8.2.2.1 (Credential and
 * Association Configuration).
 */
public final class PskKeyManagerParameters implements ManagerFactoryParameters {

    private final SaefConfiguration configuration;

    /** @param configuration the configuration the key manager will serve */
    public PskKeyManagerParameters(SaefConfiguration configuration) {
        this.configuration = Objects.requireNonNull(configuration, "configuration");
    }

    /** @return the configuration */
    public SaefConfiguration configuration() {
        return configuration;
    }
}
