package dev.saef.cli;

import dev.saef.config.SaefConfigException;
import dev.saef.config.SaefConfiguration;
import dev.saef.config.SaefProperties;
import dev.saef.config.ReloadingKeyManager;
import dev.saef.config.SaefKeyManager;
import dev.saef.keys.PskKeyManager;
import javax.net.ssl.KeyManager;
import dev.saef.jsse.SaefProvider;
import dev.saef.config.PskKeyManagerParameters;
import java.security.GeneralSecurityException;
import java.security.KeyManagementException;
import java.util.Properties;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/** Builds SAEF {@code SSLContext}s for the CLI from command-line options or system properties. */
final class Contexts {

    static final SaefProvider PROVIDER = new SaefProvider();

    private Contexts() {
    }

    /**
     * @return the configuration named by the options, else by the saef.* system properties
     * @throws SaefConfigException when a property, the association table or the key store is bad
     */
    static SaefConfiguration configuration(Options o) throws Exception {
        return SaefProperties.load(properties(o));
    }

    /**
     * The server's key manager: with {@code --reload watch} (the default, or {@code saef.reload}) the
     * association table and key store are reloaded when they change; {@code manual}: through JMX only;
     * {@code off}: loaded once.
     *
     * @return a {@link ReloadingKeyManager}, or a {@link SaefKeyManager} when reloading is off
     * @throws SaefConfigException when a property, the association table or the key store is bad
     */
    static PskKeyManager keyManager(Options o) throws Exception {
        Properties props = properties(o);
        o.get("reload").ifPresent(v -> props.setProperty(SaefProperties.RELOAD, v));
        return ReloadingKeyManager.fromProperties(props);
    }

    /** @return the configuration a key manager of {@link #keyManager} runs on now */
    static SaefConfiguration configuration(PskKeyManager km) {
        return km instanceof ReloadingKeyManager r ? r.configuration() : ((SaefKeyManager) km).configuration();
    }

    /**
     * @return a SAEF {@code SSLContext} over the key manager
     * @throws SaefConfigException with the provider's reason when it refuses the configuration
     */
    static SSLContext context(PskKeyManager km) throws GeneralSecurityException {
        return context(km, "TLS");
    }

    /**
     * @param protocol {@code TLS} or {@code DTLS}
     * @return a SAEF {@code SSLContext} of that protocol over the key manager
     * @throws SaefConfigException with the provider's reason when it refuses the configuration
     */
    static SSLContext context(PskKeyManager km, String protocol) throws GeneralSecurityException {
        SSLContext ctx = SSLContext.getInstance(protocol, PROVIDER);
        try {
            ctx.init(new KeyManager[] {km}, null, null);
        } catch (KeyManagementException e) {
            throw refused(e);
        }
        return ctx;
    }

    private static Properties properties(Options o) throws Exception {
        Properties props = new Properties();
        props.putAll(System.getProperties());
        o.get("associations").ifPresent(v -> props.setProperty("saef.associations", v));
        o.get("keystore").ifPresent(v -> props.setProperty("saef.keyStore", v));
        o.get("keystore-type").ifPresent(v -> props.setProperty("saef.keyStoreType", v));
        if (o.get("keystore-password-env").isPresent()) {
            String var = o.get("keystore-password-env").get();
            String pw = System.getenv(var);
            if (pw == null) {
                throw new UsageException("environment variable " + var + " (--keystore-password-env) is not set");
            }
            props.setProperty("saef.keyStorePassword", pw);
        }
        o.get("suites").ifPresent(v -> props.setProperty("saef.cipherSuites", v));
        o.get("local-id").ifPresent(v -> props.setProperty("saef.localId", v));
        return props;
    }

    /**
     * Initialises a SAEF {@code SSLContext} with the configuration, which runs the provider's own
     * checks of it (suite profile: {@code saef.cipherSuites} with {@code saef.enableEcdhePsk}; policy).
     *
     * @return the context
     * @throws SaefConfigException with the provider's reason when it refuses the configuration
     */
    static SSLContext context(SaefConfiguration config) throws GeneralSecurityException {
        return context(config, "TLS");
    }

    /**
     * As {@link #context(SaefConfiguration)}, for {@code protocol} {@code TLS} or {@code DTLS}.
     *
     * @return the context
     * @throws SaefConfigException with the provider's reason when it refuses the configuration
     */
    static SSLContext context(SaefConfiguration config, String protocol) throws GeneralSecurityException {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("PSK", PROVIDER);
        kmf.init(new PskKeyManagerParameters(config));
        SSLContext ctx = SSLContext.getInstance(protocol, PROVIDER);
        try {
            ctx.init(kmf.getKeyManagers(), null, null);
        } catch (KeyManagementException e) {
            throw refused(e);
        }
        return ctx;
    }

    /** @return the provider's reason, without its "SAEF configuration error: " wrapper */
    private static SaefConfigException refused(KeyManagementException e) {
        Throwable cause = e.getCause();
        if (cause instanceof SaefConfigException sce) {
            return sce;
        }
        return new SaefConfigException(cause != null && cause.getMessage() != null ? cause.getMessage()
                : e.getMessage(), e);
    }
}
