package dev.saef.config;

import dev.saef.identity.CredentialId;
import dev.saef.identity.IdentityMode;
import dev.saef.identity.SaefPrincipal;
import dev.saef.keys.Association;
import dev.saef.keys.CredentialIdResolver;
import dev.saef.keys.KeyStoreKeyProvider;
import dev.saef.keys.PskKeyProvider;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * The PSK-SAEF configuration as an immutable value: the Credential, Identity and Association
 * Configuration of oneM2M TS-0003 clause 8.2.2.1 (association table, keys, own identity) plus the
 * settings of the clause 10.2.2 profile. {@link SaefProperties} reads one from the {@code saef.*}
 * system properties; {@link #builder()} builds one in code; {@link #toBuilder()} and the
 * {@code with...} methods derive copies.
 *
 * <h2>Who owns the keys</h2>
 * Settings are values; key material has one owner. A configuration <em>owns</em> the association
 * table (with its inline keys) given to its builder's {@link Builder#associations}, and the key
 * store provider {@link SaefProperties} opened for it; {@link #close()} zeroes them, after which key
 * lookups through any configuration sharing them fail with {@link IllegalStateException}. A copy
 * made by {@link #toBuilder()} or a {@code with...} method <em>borrows</em> them: it shares the same
 * table and keys, and its {@link #close()} releases nothing, so closing a copy never wipes the
 * original's keys. Close the configuration you loaded or built (e.g. in try-with-resources) once no
 * {@code SSLContext} uses it or any copy. A {@link PskKeyProvider} passed to {@link Builder#keys}
 * stays the caller's.
 *
 * <p>Thread-safe: the value never changes; closing is safe at any time.
 */
public final class SaefConfiguration implements AutoCloseable {

    /** Default of {@value SaefProperties#HANDSHAKE_TIMEOUT}: 60 s. */
    public static final long DEFAULT_HANDSHAKE_TIMEOUT_MILLIS = 60_000;
    /** Default of {@value SaefProperties#KEY_LOOKUP_TIMEOUT}: 5 s. */
    public static final long DEFAULT_KEY_LOOKUP_TIMEOUT_MILLIS = 5_000;
    /** Default lifetime of a session ticket key ({@value SaefProperties#SESSION_TICKET_KEY_LIFETIME}): one hour. */
    public static final long DEFAULT_SESSION_TICKET_KEY_LIFETIME_MILLIS = 3_600_000;

    private final AssociationTable associations;
    private final PskKeyProvider keys;
    private final String keyDescription;
    private final Path associationsFile;
    private final String localId;
    private final int credentialIdType;
    private final String cipherSuites;
    private final boolean ecdhePskEnabled;
    private final boolean requireExtendedMasterSecret;
    private final boolean jdkFallback;
    private final boolean hideUnknownIdentities;
    private final boolean storeIdentities;
    private final boolean reflectionCheck;
    private final long handshakeTimeoutMillis;
    private final int connectionIdLength;
    private final long keyLookupTimeoutMillis;
    private final boolean sessionTickets;
    private final boolean clientSessionTickets;
    private final long sessionTicketKeyLifetimeMillis;
    private final DtlsLimits dtlsLimits;
    private final CredentialIdResolver credentialIdResolver;
    /** The table whose inline keys this configuration owns, or null when it borrows them. */
    private final AssociationTable ownedTable;
    /** The key store provider this configuration owns (a PKCS12 file or a database store), or null. */
    private final AutoCloseable ownedStore;

    private SaefConfiguration(Builder b) {
        this.associations = b.associations != null ? b.associations
                : AssociationTable.empty(IdentityMode.STRICT);
        this.keys = b.keys != null ? b.keys : associations.inlineKeys();
        this.keyDescription = b.keyDescription != null ? b.keyDescription
                : b.keys != null ? "keys from " + b.keys : "no key store";
        this.associationsFile = b.associationsFile;
        this.localId = b.localId;
        this.credentialIdType = b.credentialIdType;
        this.cipherSuites = b.cipherSuites;
        this.ecdhePskEnabled = b.ecdhePskEnabled;
        this.requireExtendedMasterSecret = b.requireExtendedMasterSecret;
        this.jdkFallback = b.jdkFallback;
        this.hideUnknownIdentities = b.hideUnknownIdentities;
        this.storeIdentities = b.storeIdentities;
        this.reflectionCheck = b.reflectionCheck;
        this.handshakeTimeoutMillis = b.handshakeTimeoutMillis;
        this.connectionIdLength = b.connectionIdLength;
        this.keyLookupTimeoutMillis = b.keyLookupTimeoutMillis;
        this.sessionTickets = b.sessionTickets;
        this.clientSessionTickets = b.clientSessionTickets;
        this.sessionTicketKeyLifetimeMillis = b.sessionTicketKeyLifetimeMillis;
        this.dtlsLimits = b.dtlsLimits;
        this.credentialIdResolver = b.credentialIdResolver;
        this.ownedTable = b.ownsTable ? associations : null;
        this.ownedStore = b.ownedStore;
    }

    /**
     * @return a builder with the defaults: no associations, keys from the table's inline keys, no
     *     local id, Credential-ID type 12, default suites, no ECDHE_PSK, extended master secret
     *     required, JDK fallback on, unknown identities hidden, reflection check on, 60 s handshake
     *     timeout
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * @return a builder holding this configuration's values; the configuration it builds borrows this
     *     one's table and keys (see the class comment) unless given a table of its own
     */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.associations = associations;
        b.keys = keys;
        b.keyDescription = keyDescription;
        b.associationsFile = associationsFile;
        b.localId = localId;
        b.credentialIdType = credentialIdType;
        b.cipherSuites = cipherSuites;
        b.ecdhePskEnabled = ecdhePskEnabled;
        b.requireExtendedMasterSecret = requireExtendedMasterSecret;
        b.jdkFallback = jdkFallback;
        b.hideUnknownIdentities = hideUnknownIdentities;
        b.storeIdentities = storeIdentities;
        b.reflectionCheck = reflectionCheck;
        b.handshakeTimeoutMillis = handshakeTimeoutMillis;
        b.connectionIdLength = connectionIdLength;
        b.keyLookupTimeoutMillis = keyLookupTimeoutMillis;
        b.sessionTickets = sessionTickets;
        b.clientSessionTickets = clientSessionTickets;
        b.sessionTicketKeyLifetimeMillis = sessionTicketKeyLifetimeMillis;
        b.dtlsLimits = dtlsLimits;
        b.credentialIdResolver = credentialIdResolver;
        b.ownsTable = false;
        b.ownedStore = null;
        return b;
    }

    /**
     * A configuration built in code, with defaults for everything else (see {@link #builder()}); it
     * owns {@code table}. Keys are not checked here; call {@link #validate()} for that.
     *
     * @param table the associations
     * @param keys where their keys come from (e.g. {@code table.inlineKeys()})
     * @return the configuration
     */
    public static SaefConfiguration of(AssociationTable table, PskKeyProvider keys) {
        return builder().associations(Objects.requireNonNull(table, "table"))
                .keys(Objects.requireNonNull(keys, "keys")).build();
    }

    /**
     * Checks that every association has a key.
     *
     * @return this
     * @throws SaefConfigException naming the first association without a key
     */
    public SaefConfiguration validate() throws SaefConfigException {
        checkKeys("the key provider");
        return this;
    }

    void checkKeys(String storeName) throws SaefConfigException {
        for (Association a : associations.associations()) {
            if (a.hasInlineKey()) {
                continue;
            }
            try {
                if (keys.hasKey(a.kpsaId())) {
                    continue;
                }
            } catch (GeneralSecurityException e) {
                throw new SaefConfigException(a.source() + ": key for KpsaID " + a.kpsaId() + ": " + e.getMessage(), e);
            }
            throw new SaefConfigException(a.source() + ": no key for KpsaID " + a.kpsaId()
                    + ": add key=hex:... or key=base64:... to the line, or "
                    + (storeName == null ? "set " + SaefProperties.KEY_STORE + " to a key store that holds it"
                            : "put it in " + storeName));
        }
    }

    /** @return the associations (empty when none were given) */
    public AssociationTable associations() {
        return associations;
    }

    /** @return the keys: the table's inline keys first, then the key store */
    public PskKeyProvider keys() {
        return keys;
    }

    /** @return the association table file, when one was loaded */
    public Optional<Path> associationsFile() {
        return Optional.ofNullable(associationsFile);
    }

    /** @return this entity's CSE-ID or AE-ID ({@value SaefProperties#LOCAL_ID}) */
    public Optional<String> localId() {
        return Optional.ofNullable(localId);
    }

    /** @return how KpsaIDs are checked */
    public IdentityMode identityMode() {
        return associations.identityMode();
    }

    /** @return the Credential-ID type-ID (12 unless configured) */
    public int credentialIdType() {
        return credentialIdType;
    }

    /** @return the raw {@value SaefProperties#CIPHER_SUITES} value, unchecked */
    public Optional<String> cipherSuites() {
        return Optional.ofNullable(cipherSuites);
    }

    /** @return whether ECDHE_PSK suites may be enabled */
    public boolean ecdhePskEnabled() {
        return ecdhePskEnabled;
    }

    /** @return whether the extended master secret (RFC 7627) is required */
    public boolean requireExtendedMasterSecret() {
        return requireExtendedMasterSecret;
    }

    /**
     * @param id this entity's CSE-ID or AE-ID, or null for none
     * @return a copy with that local id
     * @throws IllegalArgumentException when the id is empty or contains whitespace or control characters
     */
    public SaefConfiguration withLocalId(String id) {
        return toBuilder().localId(id).build();
    }

    /**
     * @param typeId the Credential-ID type-ID, non-negative (12 per clause 12.3.2.1; 0 for TS-0013's {@code 00-})
     * @return a copy with that type
     */
    public SaefConfiguration withCredentialIdType(int typeId) {
        return toBuilder().credentialIdType(typeId).build();
    }

    /**
     * @param suites comma-separated suite names (checked by the suite profile), or null for the defaults
     * @return a copy with those suites
     */
    public SaefConfiguration withCipherSuites(String suites) {
        return toBuilder().cipherSuites(suites).build();
    }

    /**
     * @param enabled whether ECDHE_PSK suites may be enabled
     * @return a copy with that setting
     */
    public SaefConfiguration withEcdhePskEnabled(boolean enabled) {
        return toBuilder().ecdhePskEnabled(enabled).build();
    }

    /** @return whether a client hands peers without an association to the JDK's own TLS ({@value SaefProperties#FALLBACK}) */
    public boolean jdkFallback() {
        return jdkFallback;
    }

    /**
     * @param enabled whether a client hands peers without an association to the JDK's own TLS
     * @return a copy with that setting
     */
    public SaefConfiguration withJdkFallback(boolean enabled) {
        return toBuilder().jdkFallback(enabled).build();
    }

    /**
     * @return whether a server hides unknown KpsaIDs, failing them exactly like a wrong Kpsa
     *     ({@value SaefProperties#UNKNOWN_IDENTITY}{@code =hide}, RFC 4279 section 5)
     */
    public boolean hideUnknownIdentities() {
        return hideUnknownIdentities;
    }

    /**
     * @return whether a server also accepts a KpsaID that is not in the association table but has a key in the
     *     key store ({@value SaefProperties#STORE_IDENTITIES}); such a session is bound to the Credential-ID
     *     {@code 12-<KpsaID>} (TS-0003 clause 10.4)
     */
    public boolean storeIdentities() {
        return storeIdentities;
    }

    /**
     * @param hide true: an unknown KpsaID fails like a wrong Kpsa; false: {@code unknown_psk_identity}
     * @return a copy with that setting
     */
    public SaefConfiguration withHideUnknownIdentities(boolean hide) {
        return toBuilder().hideUnknownIdentities(hide).build();
    }

    /** @return whether a server refuses a ClientHello its own context sent as a client ({@value SaefProperties#REFLECTION_CHECK}) */
    public boolean reflectionCheck() {
        return reflectionCheck;
    }

    /**
     * @param enabled whether a server refuses a ClientHello its own context sent as a client
     * @return a copy with that setting
     */
    public SaefConfiguration withReflectionCheck(boolean enabled) {
        return toBuilder().reflectionCheck(enabled).build();
    }

    /**
     * @param required whether the extended master secret (RFC 7627) is required
     * @return a copy with that setting
     */
    public SaefConfiguration withRequireExtendedMasterSecret(boolean required) {
        return toBuilder().requireExtendedMasterSecret(required).build();
    }

    /** @return the time limit of a whole socket handshake in milliseconds, 0 for none ({@value SaefProperties#HANDSHAKE_TIMEOUT}) */
    public long handshakeTimeoutMillis() {
        return handshakeTimeoutMillis;
    }

    /**
     * @return the length of the RFC 9146 connection IDs DTLS contexts offer, 0 for none
     *     ({@value SaefProperties#DTLS_CONNECTION_ID_LENGTH})
     */
    public int connectionIdLength() {
        return connectionIdLength;
    }

    /**
     * @param length the length of RFC 9146 DTLS connection IDs, 0 for none
     * @return a copy with that length
     * @throws IllegalArgumentException when neither 0 nor within
     *     {@value SaefProperties#MIN_CONNECTION_ID_LENGTH}..{@value SaefProperties#MAX_CONNECTION_ID_LENGTH}
     */
    public SaefConfiguration withConnectionIdLength(int length) {
        return toBuilder().connectionIdLength(length).build();
    }

    /**
     * @return the time limit of one server key lookup run as an {@code SSLEngine} delegated task, in milliseconds,
     *     0 for none ({@value SaefProperties#KEY_LOOKUP_TIMEOUT})
     */
    public long keyLookupTimeoutMillis() {
        return keyLookupTimeoutMillis;
    }

    /**
     * @param timeout the time limit of one server key lookup run as an {@code SSLEngine} delegated task; zero for none
     * @return a copy with that limit
     * @throws IllegalArgumentException when negative or longer than {@code Integer.MAX_VALUE} ms
     */
    public SaefConfiguration withKeyLookupTimeout(Duration timeout) {
        return toBuilder().keyLookupTimeout(timeout).build();
    }

    /**
     * @return whether servers issue and accept RFC 5077 session tickets ({@value SaefProperties#SESSION_TICKETS})
     */
    public boolean sessionTickets() {
        return sessionTickets;
    }

    /**
     * @return how long a session ticket key issues tickets, in milliseconds; it decrypts them for as long
     *     again ({@value SaefProperties#SESSION_TICKET_KEY_LIFETIME})
     */
    public long sessionTicketKeyLifetimeMillis() {
        return sessionTicketKeyLifetimeMillis;
    }

    /**
     * @return whether clients ask for RFC 5077 session tickets and resume with them
     *     ({@value SaefProperties#CLIENT_SESSION_TICKETS})
     */
    public boolean clientSessionTickets() {
        return clientSessionTickets;
    }

    /**
     * @param enabled whether clients ask for RFC 5077 session tickets and resume with them
     * @return a copy with that setting
     */
    public SaefConfiguration withClientSessionTickets(boolean enabled) {
        return toBuilder().clientSessionTickets(enabled).build();
    }

    /**
     * @param enabled whether servers issue and accept RFC 5077 session tickets
     * @return a copy with that setting
     */
    public SaefConfiguration withSessionTickets(boolean enabled) {
        return toBuilder().sessionTickets(enabled).build();
    }

    /**
     * @return the limits of DTLS handshakes ({@value SaefProperties#DTLS_HANDSHAKE_TIMEOUT},
     *     {@value SaefProperties#DTLS_HANDSHAKE_THREADS}, {@value SaefProperties#DTLS_PEER_HANDSHAKE_MEMORY},
     *     {@value SaefProperties#DTLS_HANDSHAKE_MEMORY})
     */
    public DtlsLimits dtlsLimits() {
        return dtlsLimits;
    }

    /** @return the DTLS handshake time limit in effect in milliseconds, always positive ({@link DtlsLimits#effectiveTimeoutMillis}) */
    public long dtlsHandshakeTimeoutMillis() {
        return dtlsLimits.effectiveTimeoutMillis(handshakeTimeoutMillis);
    }

    /** @return the server's Credential-ID resolver ({@code saef.credentialIdResolver}), if any */
    public Optional<CredentialIdResolver> credentialIdResolver() {
        return Optional.ofNullable(credentialIdResolver);
    }

    /**
     * @param timeout the time limit of a whole socket handshake; zero for none
     * @return a copy with that limit
     * @throws IllegalArgumentException when negative or longer than {@code Integer.MAX_VALUE} ms
     */
    public SaefConfiguration withHandshakeTimeout(Duration timeout) {
        return toBuilder().handshakeTimeout(timeout).build();
    }

    /**
     * @return whether this configuration owns key material (the table it was built with, a key store
     *     it loaded), i.e. whether {@link #close()} zeroes anything; false for copies
     */
    public boolean ownsKeyMaterial() {
        return ownedTable != null || ownedStore != null;
    }

    /**
     * Zeroes the key material this configuration owns: the inline keys of its table and the key store
     * provider {@link SaefProperties} loaded for it. Does nothing on a copy, which borrows them.
     */
    @Override
    public void close() {
        if (ownedTable != null) {
            ownedTable.destroy();
        }
        closeQuietly(ownedStore);
    }

    /** Closes a key store provider; theirs ({@link KeyStoreKeyProvider}, the database store) do not throw. */
    static void closeQuietly(AutoCloseable store) {
        if (store == null) {
            return;
        }
        try {
            store.close();
        } catch (Exception e) {
            // the owned stores' close() throws nothing
        }
    }

    /** Same as {@link #close()}. */
    public void destroy() {
        close();
    }

    /**
     * @return a one-line summary for messages and {@code saef check}: table, key source, settings;
     *     never key material or passwords
     */
    public String describe() {
        long inline = associations.associations().stream().filter(Association::hasInlineKey).count();
        return "associations " + (associationsFile != null ? associationsFile.toString() : associations.sourceName())
                + " (" + associations.associations().size() + ", " + inline + " with inline keys), " + keyDescription
                + ", identity mode " + identityMode().name().toLowerCase(Locale.ROOT)
                + ", Credential-ID type " + credentialIdType
                + (localId != null ? ", local id " + localId : "")
                + (cipherSuites != null ? ", suites " + cipherSuites : "")
                + (ecdhePskEnabled ? ", ECDHE_PSK enabled" : "")
                + (requireExtendedMasterSecret ? "" : ", extended master secret not required")
                + (hideUnknownIdentities ? "" : ", unknown KpsaIDs revealed")
                + (storeIdentities ? ", server KpsaIDs also from the key store" : "")
                + (reflectionCheck ? "" : ", reflection check off")
                + (handshakeTimeoutMillis == DEFAULT_HANDSHAKE_TIMEOUT_MILLIS ? ""
                        : ", handshake timeout " + (handshakeTimeoutMillis == 0 ? "none" : handshakeTimeoutMillis + " ms"))
                + (connectionIdLength == 0 ? "" : ", DTLS connection IDs of " + connectionIdLength + " octets")
                + (keyLookupTimeoutMillis == DEFAULT_KEY_LOOKUP_TIMEOUT_MILLIS ? ""
                        : ", key lookup timeout " + (keyLookupTimeoutMillis == 0 ? "none" : keyLookupTimeoutMillis + " ms"))
                + (sessionTickets ? ", session tickets (key lifetime " + sessionTicketKeyLifetimeMillis + " ms)" : "")
                + (clientSessionTickets ? ", client session tickets" : "")
                + (dtlsLimits.equals(DtlsLimits.DEFAULTS) ? "" : ", DTLS handshakes: timeout "
                        + dtlsHandshakeTimeoutMillis() + " ms, " + dtlsLimits.handshakeThreads() + " threads, memory "
                        + dtlsLimits.peerHandshakeMemory() + " bytes per peer, " + dtlsLimits.handshakeMemory() + " in total");
    }

    /** @return {@link #describe()} */
    @Override
    public String toString() {
        return "SaefConfiguration[" + describe() + "]";
    }

    /**
     * Builds a {@link SaefConfiguration}. Setters check their argument and throw
     * {@link IllegalArgumentException} naming the problem. Not thread-safe; build once.
     */
    public static final class Builder {
        private AssociationTable associations;
        private PskKeyProvider keys;
        private String keyDescription;
        private Path associationsFile;
        private String localId;
        private int credentialIdType = CredentialId.SAEF_SYMMETRIC_KEY;
        private String cipherSuites;
        private boolean ecdhePskEnabled;
        private boolean requireExtendedMasterSecret = true;
        private boolean jdkFallback = true;
        private boolean hideUnknownIdentities = true;
        private boolean storeIdentities;
        private boolean reflectionCheck = true;
        private long handshakeTimeoutMillis = DEFAULT_HANDSHAKE_TIMEOUT_MILLIS;
        private int connectionIdLength;
        private long keyLookupTimeoutMillis = DEFAULT_KEY_LOOKUP_TIMEOUT_MILLIS;
        private boolean sessionTickets;
        private boolean clientSessionTickets;
        private long sessionTicketKeyLifetimeMillis = DEFAULT_SESSION_TICKET_KEY_LIFETIME_MILLIS;
        private DtlsLimits dtlsLimits = DtlsLimits.DEFAULTS;
        private CredentialIdResolver credentialIdResolver;
        private boolean ownsTable;
        private AutoCloseable ownedStore;

        private Builder() {
        }

        /**
         * @param table the associations (also giving the identity mode); the built configuration owns
         *     it: its {@link SaefConfiguration#close()} zeroes the table's inline keys
         * @return this
         */
        public Builder associations(AssociationTable table) {
            this.associations = Objects.requireNonNull(table, "table");
            this.ownsTable = true;
            return this;
        }

        /**
         * @param keys where the associations' keys come from; stays the caller's (never closed by the
         *     configuration). Default: the table's inline keys
         * @return this
         */
        public Builder keys(PskKeyProvider keys) {
            this.keys = Objects.requireNonNull(keys, "keys");
            return this;
        }

        /** Description of the key source for {@link SaefConfiguration#describe()} (set by the loader). */
        Builder keyDescription(String description) {
            this.keyDescription = description;
            return this;
        }

        /** The file the table was read from (set by the loader). */
        Builder associationsFile(Path file) {
            this.associationsFile = file;
            return this;
        }

        /** A key store provider the configuration owns and closes (set by the loader). */
        Builder ownedKeyStore(AutoCloseable store) {
            this.ownedStore = store;
            return this;
        }

        /**
         * @param id this entity's CSE-ID or AE-ID, or null for none
         * @return this
         * @throws IllegalArgumentException when the id is empty or contains whitespace or control characters
         */
        public Builder localId(String id) {
            this.localId = id == null ? null : SaefPrincipal.checkEntityId(id);
            return this;
        }

        /**
         * @param typeId the Credential-ID type-ID, non-negative (12 per clause 12.3.2.1; 0 for TS-0013's {@code 00-})
         * @return this
         * @throws IllegalArgumentException when negative
         */
        public Builder credentialIdType(int typeId) {
            if (typeId < 0) {
                throw new IllegalArgumentException("Credential-ID type-ID " + typeId + " is negative");
            }
            this.credentialIdType = typeId;
            return this;
        }

        /**
         * @param suites comma-separated suite names (checked by the suite profile), or null for the defaults
         * @return this
         */
        public Builder cipherSuites(String suites) {
            this.cipherSuites = suites;
            return this;
        }

        /**
         * @param enabled whether ECDHE_PSK suites (RFC 5489) may be enabled
         * @return this
         */
        public Builder ecdhePskEnabled(boolean enabled) {
            this.ecdhePskEnabled = enabled;
            return this;
        }

        /**
         * @param required whether the extended master secret (RFC 7627) is required
         * @return this
         */
        public Builder requireExtendedMasterSecret(boolean required) {
            this.requireExtendedMasterSecret = required;
            return this;
        }

        /**
         * @param enabled whether a client hands peers without an association to the JDK's own TLS
         * @return this
         */
        public Builder jdkFallback(boolean enabled) {
            this.jdkFallback = enabled;
            return this;
        }

        /**
         * @param enabled whether a server also accepts KpsaIDs that are not in the table but have a key in the key
         *     store (bound to their Credential-ID); for a database key store shared by a cluster
         * @return this
         */
        public Builder storeIdentities(boolean enabled) {
            this.storeIdentities = enabled;
            return this;
        }

        /**
         * @param hide true: an unknown KpsaID fails like a wrong Kpsa (RFC 4279 section 5); false:
         *     {@code unknown_psk_identity}
         * @return this
         */
        public Builder hideUnknownIdentities(boolean hide) {
            this.hideUnknownIdentities = hide;
            return this;
        }

        /**
         * @param enabled whether a server refuses a ClientHello its own context sent as a client
         * @return this
         */
        public Builder reflectionCheck(boolean enabled) {
            this.reflectionCheck = enabled;
            return this;
        }

        /**
         * @param timeout the time limit of a whole socket handshake; zero for none
         * @return this
         * @throws IllegalArgumentException when negative or longer than {@code Integer.MAX_VALUE} ms
         */
        public Builder handshakeTimeout(Duration timeout) {
            long ms = timeout.toMillis();
            if (timeout.isNegative() || ms > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("handshake timeout " + timeout + " is negative or too long");
            }
            this.handshakeTimeoutMillis = ms;
            return this;
        }

        /** Milliseconds, already checked by the loader. */
        Builder handshakeTimeoutMillis(long ms) {
            this.handshakeTimeoutMillis = ms;
            return this;
        }

        /**
         * @param length the length of the RFC 9146 connection IDs DTLS contexts offer, 0 (default) for none
         * @return this
         * @throws IllegalArgumentException when neither 0 nor within
         *     {@value SaefProperties#MIN_CONNECTION_ID_LENGTH}..{@value SaefProperties#MAX_CONNECTION_ID_LENGTH}
         */
        public Builder connectionIdLength(int length) {
            if (length != 0 && (length < SaefProperties.MIN_CONNECTION_ID_LENGTH
                    || length > SaefProperties.MAX_CONNECTION_ID_LENGTH)) {
                throw new IllegalArgumentException("DTLS connection ID length " + length + " is neither 0 (off) nor "
                        + SaefProperties.MIN_CONNECTION_ID_LENGTH + " to " + SaefProperties.MAX_CONNECTION_ID_LENGTH
                        + " octets (" + SaefProperties.DTLS_CONNECTION_ID_LENGTH + ")");
            }
            this.connectionIdLength = length;
            return this;
        }

        /**
         * @param limits the limits of DTLS handshakes (timeout, threads, pending memory)
         * @return this
         */
        public Builder dtlsLimits(DtlsLimits limits) {
            this.dtlsLimits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        /**
         * @param enabled whether servers issue and accept RFC 5077 session tickets (default false)
         * @return this
         */
        public Builder sessionTickets(boolean enabled) {
            this.sessionTickets = enabled;
            return this;
        }

        /**
         * @param timeout the time limit of one server key lookup run as an {@code SSLEngine} delegated task
         *     ({@value SaefProperties#KEY_LOOKUP_TIMEOUT}); zero for none
         * @return this
         * @throws IllegalArgumentException when negative or longer than {@code Integer.MAX_VALUE} ms
         */
        public Builder keyLookupTimeout(Duration timeout) {
            long ms = timeout.toMillis();
            if (timeout.isNegative() || ms > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("key lookup timeout " + timeout + " is negative or too long");
            }
            this.keyLookupTimeoutMillis = ms;
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

        /**
         * @param lifetime how long a session ticket key issues tickets (it decrypts them for as long again)
         * @return this
         * @throws IllegalArgumentException when shorter than 1 s or longer than 7 days
         */
        public Builder sessionTicketKeyLifetime(Duration lifetime) {
            long ms = lifetime.toMillis();
            if (ms < SaefProperties.MIN_TICKET_KEY_LIFETIME_MILLIS || ms > SaefProperties.MAX_TICKET_KEY_LIFETIME_MILLIS) {
                throw new IllegalArgumentException("session ticket key lifetime " + lifetime
                        + " is outside 1 s to 7 days");
            }
            this.sessionTicketKeyLifetimeMillis = ms;
            return this;
        }

        /** Milliseconds, already checked by the loader. */
        Builder keyLookupTimeoutMillis(long ms) {
            this.keyLookupTimeoutMillis = ms;
            return this;
        }

        /** Milliseconds, already checked by the loader. */
        Builder sessionTicketKeyLifetimeMillis(long ms) {
            this.sessionTicketKeyLifetimeMillis = ms;
            return this;
        }

        /**
         * @param timeout the time limit of a whole DTLS handshake (at least 100 ms); its thread is released then
         * @return this
         * @throws IllegalArgumentException when out of range
         */
        public Builder dtlsHandshakeTimeout(Duration timeout) {
            long ms = timeout.toMillis();
            if (timeout.isNegative() || timeout.isZero() || ms > Integer.MAX_VALUE
                    || ms < SaefProperties.MIN_HANDSHAKE_TIMEOUT_MILLIS) {
                throw new IllegalArgumentException("DTLS handshake timeout " + timeout + " is out of range ("
                        + SaefProperties.MIN_HANDSHAKE_TIMEOUT_MILLIS + " ms to " + Integer.MAX_VALUE + " ms)");
            }
            this.dtlsLimits = dtlsLimits.withHandshakeTimeoutMillis(ms);
            return this;
        }

        /**
         * @param resolver the server's Credential-ID resolver (TS-0003 clause 8.2.1), or null for none
         * @return this builder
         */
        public Builder credentialIdResolver(CredentialIdResolver resolver) {
            this.credentialIdResolver = resolver;
            return this;
        }

        /** @return the configuration */
        public SaefConfiguration build() {
            return new SaefConfiguration(this);
        }
    }
}
