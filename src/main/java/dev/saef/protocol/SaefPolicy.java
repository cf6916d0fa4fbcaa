package dev.saef.protocol;

import dev.saef.identity.IdentityMode;
import dev.saef.keys.CredentialIdResolver;
import dev.saef.keys.PskKeyManager;
import dev.saef.profile.CipherSuiteInfo;
import dev.saef.profile.SuiteProfile;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.crypto.TlsCrypto;

/**
 * The handshake policy shared by every connection of one {@code SSLContext}: the suite profile
 * (TS-0003 clause 10.2.2), where associations and keys come from (clause 8.2.2.1), the Credential-ID
 * type used for binding (clauses 10.4, 12.3.2.1), and the TLS extensions SAEF insists on (extended
 * master secret, RFC 7627), how a server answers an unknown KpsaID (hidden as a wrong key, RFC 4279
 * section 5, or revealed with {@code unknown_psk_identity}), and the reflection check: the client
 * randoms this context has in flight, which its servers refuse to accept back, and the session
 * caches of both roles (RFC 5246 session resumption, {@link SessionCache}) and, when enabled, the
 * server's session ticket keys (RFC 5077, {@link SessionTicketKeys}). Thread-safe; all
 * settings are immutable.
 */
public final class SaefPolicy {

    /** The system property that sets {@link #handshakeTimeoutMillis()}; named in timeout messages. */
    public static final String HANDSHAKE_TIMEOUT_PROPERTY = dev.saef.config.SaefProperties.HANDSHAKE_TIMEOUT;
    /**
     * Default handshake time limit: 60 s, which a constrained device on a slow link (NB-IoT, with
     * round trips of several seconds and a handshake of two or three of them) still meets.
     */
    public static final long DEFAULT_HANDSHAKE_TIMEOUT_MILLIS =
            dev.saef.config.SaefConfiguration.DEFAULT_HANDSHAKE_TIMEOUT_MILLIS;

    /** Default lifetime of a session ticket key: one hour (as SunJSSE's {@code jdk.tls.server.statelessKeyTimeout}). */
    public static final long DEFAULT_SESSION_TICKET_KEY_LIFETIME_MILLIS =
            dev.saef.config.SaefConfiguration.DEFAULT_SESSION_TICKET_KEY_LIFETIME_MILLIS;

    private final TlsCrypto crypto;
    private final PskKeyManager keyManager;
    private final SuiteProfile profile;
    private final boolean requireExtendedMasterSecret;
    private final int credentialIdType;
    private final IdentityMode identityMode;
    private final String localId;
    private final SecureRandom random;
    private final boolean jdkFallback;
    private final boolean hideUnknownIdentities;
    /** The client randoms in flight, or null when the reflection check is off. */
    private final ReflectionGuard reflectionGuard;
    private final long handshakeTimeoutMillis;
    private final int connectionIdLength;
    private final long keyLookupTimeoutMillis;
    private final dev.saef.config.DtlsLimits dtlsLimits;
    private final CredentialIdResolver credentialIdResolver;
    private final SessionCache clientSessions;
    private final SessionCache serverSessions;
    /** Server: the keys that seal session tickets (RFC 5077), or null when tickets are off. */
    private final SessionTicketKeys sessionTicketKeys;
    /** Client: ask servers for session tickets and resume with them. */
    private final boolean clientSessionTickets;
    private final HandshakeStats handshakeStats;

    private SaefPolicy(Builder b) {
        this.crypto = Objects.requireNonNull(b.crypto, "crypto");
        this.keyManager = Objects.requireNonNull(b.keyManager, "keyManager");
        this.profile = Objects.requireNonNull(b.profile, "profile");
        this.requireExtendedMasterSecret = b.requireExtendedMasterSecret;
        this.credentialIdType = b.credentialIdType;
        this.identityMode = Objects.requireNonNull(b.identityMode, "identityMode");
        this.localId = b.localId;
        this.random = b.random != null ? b.random : new SecureRandom();
        this.jdkFallback = b.jdkFallback;
        this.hideUnknownIdentities = b.hideUnknownIdentities;
        this.reflectionGuard = b.reflectionCheck ? new ReflectionGuard() : null;
        if (b.handshakeTimeoutMillis < 0) {
            throw new IllegalArgumentException("handshake timeout " + b.handshakeTimeoutMillis + " ms is negative");
        }
        this.handshakeTimeoutMillis = b.handshakeTimeoutMillis;
        if (b.connectionIdLength < 0 || b.connectionIdLength > 255) {
            throw new IllegalArgumentException("DTLS connection ID length " + b.connectionIdLength
                    + " is outside 0..255 (RFC 9146)");
        }
        this.connectionIdLength = b.connectionIdLength;
        if (b.keyLookupTimeoutMillis < 0) {
            throw new IllegalArgumentException("key lookup timeout " + b.keyLookupTimeoutMillis + " ms is negative");
        }
        this.keyLookupTimeoutMillis = b.keyLookupTimeoutMillis;
        this.dtlsLimits = Objects.requireNonNull(b.dtlsLimits, "dtlsLimits");
        this.credentialIdResolver = b.credentialIdResolver;
        this.clientSessions = new SessionCache(random);
        this.serverSessions = new SessionCache(random);
        if (b.sessionTicketKeyLifetimeMillis <= 0) {
            throw new IllegalArgumentException("session ticket key lifetime " + b.sessionTicketKeyLifetimeMillis
                    + " ms is not positive");
        }
        this.clientSessionTickets = b.clientSessionTickets;
        this.sessionTicketKeys = b.sessionTickets
                ? new SessionTicketKeys(random, b.sessionTicketKeyLifetimeMillis, System::currentTimeMillis) : null;
        this.handshakeStats = b.handshakeStats != null ? b.handshakeStats : new HandshakeStats("TLS");
        List<String> missing = new ArrayList<>();
        for (CipherSuiteInfo s : profile.supported()) {
            if (TlsUtils.getSupportedCipherSuites(crypto, new int[] {s.code()}).length == 0) {
                missing.add(s.name());
            }
        }
        if (!missing.isEmpty()) {
            // Fail loudly: BC would otherwise drop them silently and peers would see "no shared cipher".
            throw new IllegalStateException("the TLS crypto cannot provide cipher suites " + missing
                    + "; SAEF requires all of the clause 10.2.2 profile (check the JCA providers for AES/GCM,"
                    + " HmacSHA256/384 and DH)");
        }
    }

    /** @return the server's Credential-ID resolver (TS-0003 clause 8.2.1), if one is installed */
    public Optional<CredentialIdResolver> credentialIdResolver() {
        return Optional.ofNullable(credentialIdResolver);
    }

    /** @return the handshake outcome counters (and log) of this context */
    public HandshakeStats handshakeStats() {
        return handshakeStats;
    }

    /** @return a builder */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the BC crypto used by every connection */
    public TlsCrypto crypto() {
        return crypto;
    }

    /** @return where associations and keys come from */
    public PskKeyManager keyManager() {
        return keyManager;
    }

    /** @return the clause 10.2.2 suite profile */
    public SuiteProfile profile() {
        return profile;
    }

    /** @return whether peers must negotiate the extended master secret (RFC 7627) */
    public boolean requireExtendedMasterSecret() {
        return requireExtendedMasterSecret;
    }

    /** @return the Credential-ID type prefix (clause 12.3.2.1: 12) */
    public int credentialIdType() {
        return credentialIdType;
    }

    /** @return how strictly KpsaIDs are parsed */
    public IdentityMode identityMode() {
        return identityMode;
    }

    /** @return this entity's own CSE-ID or AE-ID, if configured */
    public Optional<String> localId() {
        return Optional.ofNullable(localId);
    }

    /** @return whether a client hands peers without an association to the JDK's TLS ({@code saef.fallback=jdk}) */
    public boolean jdkFallback() {
        return jdkFallback;
    }

    /**
     * @return whether a server hides an unknown KpsaID: it continues with a random key, so that the
     *     handshake fails exactly as with a wrong Kpsa (RFC 4279 section 5; {@code saef.unknownIdentity=hide})
     */
    public boolean hideUnknownIdentities() {
        return hideUnknownIdentities;
    }

    /** @return whether servers refuse a ClientHello this context sent as a client ({@code saef.reflectionCheck}) */
    public boolean reflectionCheck() {
        return reflectionGuard != null;
    }

    /** @return the client randoms in flight, or null when the reflection check is off */
    ReflectionGuard reflectionGuard() {
        return reflectionGuard;
    }

    /**
     * @return how long a whole handshake on a socket may take, in milliseconds ({@value #HANDSHAKE_TIMEOUT_PROPERTY});
     *     0 means no limit. A peer that sends nothing, or too little, fails the handshake when it expires.
     */
    public long handshakeTimeoutMillis() {
        return handshakeTimeoutMillis;
    }

    /**
     * @return the length of the RFC 9146 connection IDs a DTLS client or server offers, 0 for none
     *     ({@code saef.dtls.connectionIdLength})
     */
    public int connectionIdLength() {
        return connectionIdLength;
    }

    /**
     * @return how long one server key lookup run as an {@code SSLEngine} delegated task may take, in milliseconds
     *     ({@code saef.keyLookupTimeout}); 0 means no limit
     */
    public long keyLookupTimeoutMillis() {
        return keyLookupTimeoutMillis;
    }

    /** The system property that sets {@link #dtlsHandshakeTimeoutMillis()}; named in DTLS timeout messages. */
    public static final String DTLS_HANDSHAKE_TIMEOUT_PROPERTY = dev.saef.config.SaefProperties.DTLS_HANDSHAKE_TIMEOUT;

    /**
     * @return how long a whole DTLS handshake may take, in milliseconds, always positive
     *     ({@value #DTLS_HANDSHAKE_TIMEOUT_PROPERTY}; when not set, {@link #handshakeTimeoutMillis()} or 60 s)
     */
    public long dtlsHandshakeTimeoutMillis() {
        return dtlsLimits.effectiveTimeoutMillis(handshakeTimeoutMillis);
    }

    /** @return the limits of DTLS handshakes: threads and pending memory ({@link dev.saef.config.DtlsLimits}) */
    public dev.saef.config.DtlsLimits dtlsLimits() {
        return dtlsLimits;
    }

    /** @return the sessions this context's clients can resume (RFC 5246 session IDs) */
    public SessionCache clientSessionCache() {
        return clientSessions;
    }

    /** @return the sessions this context's servers let clients resume (RFC 5246 session IDs) */
    public SessionCache serverSessionCache() {
        return serverSessions;
    }

    /**
     * @return the keys that seal this context's server session tickets (RFC 5077,
     *     {@code saef.sessionTickets=true}), or null when servers issue and accept no tickets
     */
    public SessionTicketKeys sessionTicketKeys() {
        return sessionTicketKeys;
    }

    /** @return whether clients ask servers for RFC 5077 session tickets and resume with them */
    public boolean clientSessionTickets() {
        return clientSessionTickets;
    }

    /** @return the randomness source */
    public SecureRandom random() {
        return random;
    }

    /** Builds a {@link SaefPolicy}. */
    public static final class Builder {
        private TlsCrypto crypto;
        private PskKeyManager keyManager;
        private SuiteProfile profile;
        private boolean requireExtendedMasterSecret = true;
        private int credentialIdType = 12;
        private IdentityMode identityMode = IdentityMode.STRICT;
        private String localId;
        private SecureRandom random;
        private boolean jdkFallback;
        private boolean hideUnknownIdentities = true;
        private boolean reflectionCheck = true;
        private long handshakeTimeoutMillis = DEFAULT_HANDSHAKE_TIMEOUT_MILLIS;
        private int connectionIdLength;
        private long keyLookupTimeoutMillis = dev.saef.config.SaefConfiguration.DEFAULT_KEY_LOOKUP_TIMEOUT_MILLIS;
        private dev.saef.config.DtlsLimits dtlsLimits = dev.saef.config.DtlsLimits.DEFAULTS;
        private CredentialIdResolver credentialIdResolver;
        private HandshakeStats handshakeStats;
        private boolean sessionTickets;
        private boolean clientSessionTickets;
        private long sessionTicketKeyLifetimeMillis = DEFAULT_SESSION_TICKET_KEY_LIFETIME_MILLIS;

        private Builder() {
        }

        /** @param v the server's Credential-ID resolver, or null for none */
        public Builder credentialIdResolver(CredentialIdResolver v) {
            credentialIdResolver = v;
            return this;
        }

        public Builder crypto(TlsCrypto v) {
            this.crypto = v;
            return this;
        }

        public Builder keyManager(PskKeyManager v) {
            this.keyManager = v;
            return this;
        }

        public Builder profile(SuiteProfile v) {
            this.profile = v;
            return this;
        }

        public Builder requireExtendedMasterSecret(boolean v) {
            this.requireExtendedMasterSecret = v;
            return this;
        }

        public Builder credentialIdType(int v) {
            this.credentialIdType = v;
            return this;
        }

        public Builder identityMode(IdentityMode v) {
            this.identityMode = v;
            return this;
        }

        public Builder localId(String v) {
            this.localId = v;
            return this;
        }

        public Builder random(SecureRandom v) {
            this.random = v;
            return this;
        }

        public Builder jdkFallback(boolean v) {
            this.jdkFallback = v;
            return this;
        }

        /** @param v true (default): an unknown KpsaID fails like a wrong Kpsa; false: {@code unknown_psk_identity} */
        public Builder hideUnknownIdentities(boolean v) {
            this.hideUnknownIdentities = v;
            return this;
        }

        /** @param v true (default): servers refuse ClientHellos this context sent as a client */
        public Builder reflectionCheck(boolean v) {
            this.reflectionCheck = v;
            return this;
        }

        /** @param v the handshake time limit in milliseconds, 0 for none (default {@value SaefPolicy#DEFAULT_HANDSHAKE_TIMEOUT_MILLIS}) */
        public Builder handshakeTimeoutMillis(long v) {
            this.handshakeTimeoutMillis = v;
            return this;
        }

        /** @param v the length of RFC 9146 DTLS connection IDs to offer, 0 (default) for none */
        public Builder connectionIdLength(int v) {
            this.connectionIdLength = v;
            return this;
        }

        /** @param v the time limit of a delegated server key lookup in milliseconds, 0 for none (default 5 s) */
        public Builder keyLookupTimeoutMillis(long v) {
            this.keyLookupTimeoutMillis = v;
            return this;
        }

        /** @param v the limits of DTLS handshakes (default {@link dev.saef.config.DtlsLimits#DEFAULTS}) */
        public Builder dtlsLimits(dev.saef.config.DtlsLimits v) {
            this.dtlsLimits = v;
            return this;
        }

        /** @param v where this context counts its handshake outcomes (default: new {@code TLS} counters) */
        public Builder handshakeStats(HandshakeStats v) {
            this.handshakeStats = v;
            return this;
        }

        /**
         * @param enabled whether servers issue and accept RFC 5077 session tickets (default false)
         * @param keyLifetimeMillis how long a ticket key issues tickets; it decrypts them for as long again
         * @return this
         */
        public Builder sessionTickets(boolean enabled, long keyLifetimeMillis) {
            this.sessionTickets = enabled;
            this.sessionTicketKeyLifetimeMillis = keyLifetimeMillis;
            return this;
        }

        /**
         * @param enabled whether clients ask for RFC 5077 session tickets and resume with them (default false)
         * @return this
         */
        public Builder clientSessionTickets(boolean enabled) {
            this.clientSessionTickets = enabled;
            return this;
        }

        /** @return the policy */
        public SaefPolicy build() {
            return new SaefPolicy(this);
        }
    }
}
