package dev.saef.config;

import dev.saef.config.SaefConfigException;
import dev.saef.config.SaefConfiguration;
import dev.saef.keys.KeyStoreKeyProvider;
import java.security.GeneralSecurityException;
import java.security.InvalidAlgorithmParameterException;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.util.Properties;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactorySpi;
import javax.net.ssl.ManagerFactoryParameters;

/**
 * {@code KeyManagerFactory.getInstance("PSK", "SAEF")}: produces one {@link SaefKeyManager}, or a
 * {@link ReloadingKeyManager} for a configuration read from files.
 *
 * <ul>
 *   <li>{@code init(KeyStore ks, char[] password)}: associations from {@code saef.associations},
 *       keys from inline {@code key=} fields, then from {@code ks} (entries found by exact-case
 *       KpsaID attribute or alias); with {@code ks == null}, everything from the {@code saef.*}
 *       system properties, reloaded when the files change as {@code saef.reload} says
 *       ({@link ReloadingKeyManager}).</li>
 *   <li>{@code init(new PskKeyManagerParameters(configuration))}: a configuration built in code.</li>
 * </ul>
 * TS-0003 clause 8.2.2.1 (Credential Configuration).
 */
public final class PskKeyManagerFactorySpi extends KeyManagerFactorySpi {

    private dev.saef.keys.PskKeyManager keyManager;

    /** Called by the JCA. */
    public PskKeyManagerFactorySpi() {
    }

    @Override
    protected void engineInit(KeyStore ks, char[] password) throws KeyStoreException {
        try {
            SaefConfiguration config;
            if (ks == null) {
                Properties props = new Properties();
                props.putAll(System.getProperties());
                this.keyManager = ReloadingKeyManager.fromProperties(props); // saef.reload applies
                return;
            } else {
                Properties props = new Properties();
                props.putAll(System.getProperties());
                props.remove("saef.keyStore");
                config = SaefProperties.load(props, new KeyStoreKeyProvider(ks, password == null ? new char[0]
                        : password));
            }
            this.keyManager = new SaefKeyManager(config);
        } catch (SaefConfigException e) {
            throw new KeyStoreException("SAEF configuration error: " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new KeyStoreException("cannot use the key store for PSK-SAEF: " + e.getMessage(), e);
        }
    }

    @Override
    protected void engineInit(ManagerFactoryParameters spec) throws InvalidAlgorithmParameterException {
        if (!(spec instanceof PskKeyManagerParameters p)) {
            throw new InvalidAlgorithmParameterException("the SAEF PSK KeyManagerFactory takes "
                    + PskKeyManagerParameters.class.getName() + ", not "
                    + (spec == null ? "null" : spec.getClass().getName()));
        }
        this.keyManager = new SaefKeyManager(p.configuration());
    }

    @Override
    protected KeyManager[] engineGetKeyManagers() {
        if (keyManager == null) {
            throw new IllegalStateException("KeyManagerFactory is not initialized: call init(...) first");
        }
        return new KeyManager[] {keyManager};
    }
}
