package dev.saef.jsse;

import dev.saef.config.ReloadingKeyManager;
import dev.saef.config.SaefConfigException;
import dev.saef.config.SaefConfiguration;
import dev.saef.config.SaefKeyManager;
import dev.saef.config.SaefProperties;
import dev.saef.crypto.SaefTlsCrypto;
import dev.saef.keys.CredentialIdResolver;
import dev.saef.keys.PskKeyManager;
import dev.saef.profile.SuiteProfile;
import dev.saef.protocol.SaefPolicy;
import java.security.KeyManagementException;
import java.security.SecureRandom;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

/**
 * The {@code SSLContext} implementation of the SAEF provider ({@code TLS}, {@code TLSv1.2}): TLS 1.2
 * with the TS-0003 clause 10.2.2 PSK suites only.
 *
 * <p>{@code init(keyManagers, trustManagers, random)}: the first {@link PskKeyManager} among the key
 * managers supplies associations and keys; with none ({@code init(null, null, null)}) the
 * configuration comes from the {@code saef.*} system properties, exactly as for the {@code Default}
 * context. Trust managers are not used: PSK-SAEF authenticates both sides with the Kpsa.
 */
public final class SaefSSLContextSpi extends SSLContextSpi {

    private static final System.Logger LOG = System.getLogger("dev.saef");
    /** The last Default-context failure logged, so that a JVM that retries logs each cause once. */
    private static volatile String lastLogged;

    private volatile SaefContext context;
    /** Why the last {@code init} (for the Default context: its construction) failed; null after a good one. */
    private volatile KeyManagementException failure;

    /** Whether this is the {@code Default} context's engine (only for the wording of errors). */
    private final boolean isDefault;

    /** Creates an uninitialised context (the JCA calls this). */
    public SaefSSLContextSpi() {
        this(false);
    }

    private SaefSSLContextSpi(boolean isDefault) {
        this.isDefault = isDefault;
    }

    /**
     * Fails closed: whatever goes wrong, the context is left without a configuration (every later use
     * fails with the cause) and the caller gets a {@link KeyManagementException} naming it. The one
     * exception is a {@link VirtualMachineError} (e.g. {@code OutOfMemoryError}), rethrown as such after
     * it is recorded: the JVM itself is in trouble, and the caller must not mistake that for a
     * configuration mistake; the context stays unusable all the same. (The configuration files are read
     * with size limits, so no file can cause an {@code OutOfMemoryError}.)
     */
    @Override
    protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom sr) throws KeyManagementException {
        this.context = null;
        try {
            SaefContext built = build(km, tm, sr);
            this.failure = null;
            this.context = built;
        } catch (KeyManagementException e) {
            this.failure = e;
            throw e;
        } catch (VirtualMachineError e) {
            this.failure = unexpected(e);
            throw e;
        } catch (Throwable t) {
            KeyManagementException e = unexpected(t);
            this.failure = e;
            throw e;
        }
    }

    /**
     * Wraps a failure that is not a configuration error. The message names the type and where it
     * happened, not the throwable's own message, which might quote configuration text (a key); the
     * throwable stays available as the cause. Errors of the JVM (e.g. {@code OutOfMemoryError: Java heap
     * space}) and linkage errors (a missing Bouncy Castle jar) keep their message, which the JVM wrote.
     */
    static KeyManagementException unexpected(Throwable t) {
        String what = t.getClass().getName();
        if ((t instanceof VirtualMachineError || t instanceof LinkageError) && t.getMessage() != null) {
            what += ": " + t.getMessage();
        }
        String where = "";
        for (StackTraceElement e : t.getStackTrace()) {
            if (e.getClassName().startsWith("dev.saef.")) {
                where = " in " + e; // the SAEF code that was running: stable across retries
                break;
            }
        }
        return new KeyManagementException("SAEF configuration error: configuring the provider failed with " + what
                + where, t);
    }

    /**
     * The first {@link PskKeyManager} supplies PSK associations (else the {@code saef.*} system
     * properties do); any other key managers and the trust managers are kept for connections handed to
     * the JDK's TLS (certificate peers, {@code saef.fallback=jdk}), so that an unchanged certificate
     * server or a client with its own trust anchors keeps working with SAEF as provider 1.
     */
    static SaefContext build(KeyManager[] km, TrustManager[] tm, SecureRandom sr) throws KeyManagementException {
        return build(km, tm, sr, false);
    }

    /** As {@link #build(KeyManager[], TrustManager[], SecureRandom)}; {@code datagram}: a {@code DTLS} context. */
    static SaefContext build(KeyManager[] km, TrustManager[] tm, SecureRandom sr, boolean datagram)
            throws KeyManagementException {
        PskKeyManager keyManager = null;
        CredentialIdResolver resolver = null;
        java.util.List<KeyManager> others = new java.util.ArrayList<>();
        if (km != null) {
            for (KeyManager k : km) {
                if (k instanceof CredentialIdResolver r && resolver == null) {
                    resolver = r;
                }
                if (k instanceof PskKeyManager p) {
                    if (keyManager == null) {
                        keyManager = p;
                    }
                } else if (k != null && !(k instanceof CredentialIdResolver)) {
                    others.add(k);
                }
            }
        }
        KeyManager[] jdkKeyManagers = others.isEmpty() ? null : others.toArray(new KeyManager[0]);
        ReloadingKeyManager created = null; // closed again when the context cannot be built
        try {
            SaefConfiguration config;
            if (keyManager instanceof SaefKeyManager skm) {
                config = skm.configuration();
            } else if (keyManager instanceof ReloadingKeyManager rkm) {
                config = rkm.configuration(); // its settings only: keys are looked up through rkm
            } else if (keyManager == null) {
                // saef.reload (default watch): the table and key store are reloaded when they change
                java.util.Properties props = new java.util.Properties();
                props.putAll(System.getProperties());
                PskKeyManager loaded = ReloadingKeyManager.fromProperties(props);
                config = loaded instanceof ReloadingKeyManager r ? r.configuration()
                        : ((SaefKeyManager) loaded).configuration();
                keyManager = loaded;
                created = loaded instanceof ReloadingKeyManager r ? r : null;
            } else {
                config = SaefProperties.fromSystemProperties();
            }
            SuiteProfile profile = SuiteProfile.create(config.cipherSuites().orElse(null), config.ecdhePskEnabled());
            SecureRandom random = sr != null ? sr : new SecureRandom();
            SaefPolicy policy = SaefPolicy.builder()
                    .crypto(SaefTlsCrypto.create(random))
                    .keyManager(keyManager)
                    .profile(profile)
                    .requireExtendedMasterSecret(config.requireExtendedMasterSecret())
                    .credentialIdType(config.credentialIdType())
                    .identityMode(config.identityMode())
                    .localId(config.localId().orElse(null))
                    .random(random)
                    .jdkFallback(config.jdkFallback())
                    .hideUnknownIdentities(config.hideUnknownIdentities())
                    .reflectionCheck(config.reflectionCheck())
                    .handshakeTimeoutMillis(config.handshakeTimeoutMillis())
                    .connectionIdLength(config.connectionIdLength())
                    .keyLookupTimeoutMillis(config.keyLookupTimeoutMillis())
                    .sessionTickets(config.sessionTickets() && !datagram, config.sessionTicketKeyLifetimeMillis())
                    .clientSessionTickets(config.clientSessionTickets() && !datagram)
                    .dtlsLimits(config.dtlsLimits())
                    .credentialIdResolver(resolver != null ? resolver : config.credentialIdResolver().orElse(null))
                    .handshakeStats(new dev.saef.protocol.HandshakeStats(datagram ? "DTLS" : "TLS"))
                    .build();
            SaefContext built = new SaefContext(policy, jdkKeyManagers, tm == null || tm.length == 0 ? null : tm.clone(),
                    sr, datagram);
            created = null;
            return built;
        } catch (SaefConfigException e) {
            throw new KeyManagementException("SAEF configuration error: " + e.getMessage(), e);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new KeyManagementException("SAEF configuration error: " + e.getMessage(), e);
        } finally {
            if (created != null) {
                created.close(); // no watcher or JMX bean for a context that never worked
            }
        }
    }

    SaefContext context() {
        SaefContext c = context;
        if (c != null) {
            return c;
        }
        KeyManagementException f = failure;
        if (f != null) {
            throw new IllegalStateException((isDefault ? "the SAEF default SSLContext is unusable: "
                    : "this SAEF SSLContext is unusable, its init failed: ") + f.getMessage(), f);
        }
        throw new IllegalStateException("SSLContext is not initialized: call init(...) first");
    }

    @Override
    protected SSLSocketFactory engineGetSocketFactory() {
        return new SaefSocketFactory(context());
    }

    @Override
    protected SSLServerSocketFactory engineGetServerSocketFactory() {
        return new SaefServerSocketFactory(context());
    }

    @Override
    protected SSLEngine engineCreateSSLEngine() {
        return new SaefSSLEngine(context(), null, -1);
    }

    @Override
    protected SSLEngine engineCreateSSLEngine(String host, int port) {
        return new SaefSSLEngine(context(), host, port);
    }

    @Override
    protected SSLSessionContext engineGetServerSessionContext() {
        return context().serverSessions();
    }

    @Override
    protected SSLSessionContext engineGetClientSessionContext() {
        return context().clientSessions();
    }

    @Override
    protected SSLParameters engineGetDefaultSSLParameters() {
        return context().newParameters(true).getSSLParameters();
    }

    @Override
    protected SSLParameters engineGetSupportedSSLParameters() {
        SaefContext c = context();
        return new SSLParameters(c.policy().profile().supportedNames(), new String[] {SuiteProfile.TLS_V12});
    }

    /**
     * The {@code Default} context: initialised at construction from the {@code saef.*} system
     * properties; {@code init} may not be called on it (as with the JDK's default context). It fails
     * closed: when the configuration cannot be loaded, for any reason (any {@code Throwable}, errors
     * included), the context is still created, logs the cause once and refuses every use with it, so
     * that the JCA never moves on to the next provider's {@code Default} context. Every other call goes
     * to a {@link SaefSSLContextSpi} it owns.
     */
    public static final class Default extends SSLContextSpi {
        private final SaefSSLContextSpi spi = new SaefSSLContextSpi(true);

        /** Creates and initialises the default context from system properties. */
        public Default() {
            try {
                spi.engineInit(null, null, null);
            } catch (Throwable t) {
                // Nothing may leave this constructor, not even an Error: the JCA would silently fall back to
                // the next provider's Default context (SunJSSE, certificate TLS for every host). Every use of
                // this context fails with the cause instead (engineInit recorded it), and it is logged once.
                KeyManagementException e = spi.failure;
                if (e == null) {
                    e = unexpected(t);
                    spi.failure = e;
                }
                String message = "SAEF default SSLContext: " + e.getMessage();
                if (!message.equals(lastLogged)) {
                    lastLogged = message;
                    LOG.log(System.Logger.Level.ERROR, message);
                }
            }
        }

        @Override
        protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom sr) throws KeyManagementException {
            throw new KeyManagementException("the Default SSLContext is initialized automatically from the saef.*"
                    + " system properties; use SSLContext.getInstance(\"TLS\", \"SAEF\") to initialize one yourself");
        }

        @Override
        protected SSLSocketFactory engineGetSocketFactory() {
            return spi.engineGetSocketFactory();
        }

        @Override
        protected SSLServerSocketFactory engineGetServerSocketFactory() {
            return spi.engineGetServerSocketFactory();
        }

        @Override
        protected SSLEngine engineCreateSSLEngine() {
            return spi.engineCreateSSLEngine();
        }

        @Override
        protected SSLEngine engineCreateSSLEngine(String host, int port) {
            return spi.engineCreateSSLEngine(host, port);
        }

        @Override
        protected SSLSessionContext engineGetServerSessionContext() {
            return spi.engineGetServerSessionContext();
        }

        @Override
        protected SSLSessionContext engineGetClientSessionContext() {
            return spi.engineGetClientSessionContext();
        }

        @Override
        protected SSLParameters engineGetDefaultSSLParameters() {
            return spi.engineGetDefaultSSLParameters();
        }

        @Override
        protected SSLParameters engineGetSupportedSSLParameters() {
            return spi.engineGetSupportedSSLParameters();
        }
    }
}
