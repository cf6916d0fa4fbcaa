package dev.saef.config;

import dev.saef.identity.CredentialId;
import dev.saef.identity.IdentityMode;
import dev.saef.identity.QuotedText;
import dev.saef.identity.SaefPrincipal;
import dev.saef.keys.CompositeKeyProvider;
import dev.saef.keys.CredentialIdResolver;
import dev.saef.keys.KeyStoreKeyProvider;
import dev.saef.keys.PskKeyProvider;
import dev.saef.keys.jdbc.JdbcUrls;
import dev.saef.keys.jdbc.PostgresKeyStore;
import java.io.IOException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStoreException;
import java.security.NoSuchAlgorithmException;
import java.security.UnrecoverableKeyException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Properties;

/**
 * Reads a {@link SaefConfiguration} from the {@code saef.*} system properties (or any
 * {@link Properties}): the Credential, Identity and Association Configuration of oneM2M TS-0003
 * clause 8.2.2.1 (association table, keys, own identity) plus the settings of the clause 10.2.2
 * profile. This class parses and loads; the configuration it returns is a plain value.
 *
 * <table>
 *   <caption>Properties</caption>
 *   <tr><th>property</th><th>meaning</th><th>default</th></tr>
 *   <tr><td>{@value #ASSOCIATIONS}</td><td>path of the association table ({@link AssociationTable})</td>
 *       <td>none: no associations (the JSSE layer reports that at handshake time)</td></tr>
 *   <tr><td>{@value #KEY_STORE}</td><td>key store with the Kpsa entries: a PKCS12 or JCEKS file
 *       ({@link KeyStoreKeyProvider}), or a {@code jdbc:postgresql://host:port/db?user=...} URL: a key store in
 *       PostgreSQL shared by a cluster ({@link PostgresKeyStore}; needs the PostgreSQL JDBC driver)</td>
 *       <td>none</td></tr>
 *   <tr><td>{@value #KEY_STORE_TYPE}</td><td>its type</td><td>{@code PKCS12}</td></tr>
 *   <tr><td>{@value #KEY_STORE_PASSWORD}</td><td>its password, also for the entries; required with a key
 *       store</td><td>none</td></tr>
 *   <tr><td>{@value #CREDENTIAL_ID_RESOLVER}</td><td>server: class name of a {@link CredentialIdResolver}
 *       (public no-argument constructor) that maps a Credential-ID to an AE-ID/CSE-ID</td><td>none</td></tr>
 *   <tr><td>{@value #LOCAL_ID}</td><td>this entity's CSE-ID or AE-ID (local principal)</td><td>none</td></tr>
 *   <tr><td>{@value #IDENTITY_MODE}</td><td>{@code strict} or {@code lenient} KpsaID checking
 *       ({@link IdentityMode})</td><td>{@code strict}</td></tr>
 *   <tr><td>{@value #CREDENTIAL_ID_TYPE}</td><td>Credential-ID type-ID: a non-negative integer; 12 per clause
 *       12.3.2.1, 0 gives TS-0013's {@code 00-} prefix</td><td>12</td></tr>
 *   <tr><td>{@value #CIPHER_SUITES}</td><td>comma-separated suite names, passed on unchecked (the suite
 *       profile validates them)</td><td>none: the profile's defaults</td></tr>
 *   <tr><td>{@value #ENABLE_ECDHE_PSK}</td><td>{@code true}/{@code false}: allow ECDHE_PSK (RFC 5489)</td>
 *       <td>{@code false}</td></tr>
 *   <tr><td>{@value #REQUIRE_EXTENDED_MASTER_SECRET}</td><td>{@code true}/{@code false}: require RFC 7627</td>
 *       <td>{@code true}</td></tr>
 *   <tr><td>{@value #FALLBACK}</td><td>{@code jdk}: a client connecting to a peer with no association uses
 *       the JDK's own TLS (SunJSSE, default key and trust stores); {@code none}: it fails</td>
 *       <td>{@code jdk}</td></tr>
 *   <tr><td>{@value #UNKNOWN_IDENTITY}</td><td>{@code hide}: a server answers a KpsaID it does not know exactly
 *       as a wrong Kpsa (RFC 4279 section 5: it continues with a random key, so the alert and the work are
 *       those of a wrong key and clients cannot list the provisioned KpsaIDs); {@code reveal}: it answers
 *       {@code unknown_psk_identity} at once</td><td>{@code hide}</td></tr>
 *   <tr><td>{@value #STORE_IDENTITIES}</td><td>{@code true}: with a database key store, a server also accepts a
 *       KpsaID that is not in the association table but has a key in the store, and binds the session to its
 *       Credential-ID (clause 10.4), so keys added to the shared store work on every node without a table change;
 *       {@code false}: only table KpsaIDs</td><td>{@code false}</td></tr>
 *   <tr><td>{@value #REFLECTION_CHECK}</td><td>{@code true}/{@code false}: a server refuses a ClientHello whose
 *       random its own {@code SSLContext} sent as a client (a connection reflected back to its sender);
 *       {@code false} only for one JVM talking to itself through one context</td><td>{@code true}</td></tr>
 *   <tr><td>{@value #HANDSHAKE_TIMEOUT}</td><td>how long a whole handshake on an SAEF socket may take
 *       (client and server, direct and layered): a number with a unit {@code ms}, {@code s} or
 *       {@code min} ({@code 90s}, {@code 2min}; a bare number is milliseconds) or an ISO-8601 duration
 *       ({@code PT90S}); {@code 0} means no limit. Nonzero values under 100 ms and over
 *       {@code Integer.MAX_VALUE} ms are refused. A peer that sends nothing or dribbles its bytes
 *       fails with an {@code SSLHandshakeException} naming this property.</td>
 *       <td>{@code 60s} (a constrained device on NB-IoT, with round trips of seconds, still meets it)</td></tr>
 *   <tr><td>{@value #DTLS_CONNECTION_ID_LENGTH}</td><td>DTLS contexts: RFC 9146 connection IDs of this many
 *       octets ({@code 0} = off, else {@value #MIN_CONNECTION_ID_LENGTH} to {@value #MAX_CONNECTION_ID_LENGTH}).
 *       Both roles offer the {@code connection_id} extension with a random ID of that length; a server
 *       ({@code DtlsServer}) then finds a peer by its ID, so a client whose address changes (NAT rebinding)
 *       keeps its session. Shorter IDs could collide among a server's peers.</td><td>{@code 0}</td></tr>
 *   <tr><td>{@value #KEY_LOOKUP_TIMEOUT}</td><td>server {@code SSLEngine}s whose key source may block
 *       ({@code PskKeyProvider.lookupsMayBlock()}, e.g. a {@code jdbc:postgresql:} key store) look the client's
 *       KpsaID up in a delegated task ({@code NEED_TASK}); this is how long that lookup may take before the
 *       handshake fails with {@code internal_error} and an {@code SSLHandshakeException} naming this property.
 *       Same forms as {@value #HANDSHAKE_TIMEOUT}; {@code 0}: no limit (the lookup runs on the task's
 *       thread). Nonzero values under 10 ms are refused. Sockets look up in place, under
 *       {@value #HANDSHAKE_TIMEOUT}.</td><td>{@code 5s}</td></tr>
 *   <tr><td>{@value #SESSION_TICKETS}</td><td>server: {@code true} issues RFC 5077 session tickets to clients
 *       that ask for them (instead of keeping their sessions in the server's cache) and resumes sessions from
 *       them; {@code false} resumes by session ID only</td><td>{@code false}</td></tr>
 *   <tr><td>{@value #SESSION_TICKET_KEY_LIFETIME}</td><td>server: how long a ticket key (random, in memory only)
 *       issues tickets; it then decrypts them for as long again and is zeroed. A duration as for
 *       {@value #HANDSHAKE_TIMEOUT}, 1 s to 7 days</td><td>{@code 60min}</td></tr>
 *   <tr><td>{@value #CLIENT_SESSION_TICKETS}</td><td>client: {@code true} asks servers for RFC 5077 session
 *       tickets and resumes with them (Bouncy Castle 1.84's client cannot take a ticket a server renews on an
 *       abbreviated handshake: such a server fails the resumption); {@code false} resumes by session ID
 *       only</td><td>{@code false}</td></tr>
 *   <tr><td>{@value #DTLS_HANDSHAKE_TIMEOUT}</td><td>how long a whole DTLS handshake may take (RFC 6347; every
 *       engine of a {@code DTLS} context, both roles): the same forms as {@value #HANDSHAKE_TIMEOUT}, but
 *       {@code 0} is refused, since a silent peer would then hold a handshake thread for ever. When it
 *       expires the handshake fails with an {@code SSLHandshakeException} naming this property and its
 *       thread is released.</td>
 *       <td>{@value #HANDSHAKE_TIMEOUT} when that is not 0, else {@code 60s}</td></tr>
 *   <tr><td>{@value #DTLS_HANDSHAKE_THREADS}</td><td>how many DTLS handshakes of one context run at once
 *       (Bouncy Castle's DTLS handshake is blocking: one pool thread each; up to 1024 more wait for a
 *       thread); 1 to 4096</td><td>{@code 16}</td></tr>
 *   <tr><td>{@value #DTLS_PEER_HANDSHAKE_MEMORY}</td><td>the most received bytes that may wait for one DTLS
 *       handshake in progress; datagrams beyond it are dropped silently and counted: a number of bytes,
 *       or with a unit {@code KiB} or {@code MiB}; at least 18445 (one largest record)</td>
 *       <td>{@code 64KiB}</td></tr>
 *   <tr><td>{@value #DTLS_HANDSHAKE_MEMORY}</td><td>the same for all DTLS handshakes in progress in one
 *       context together; at least the per-peer value</td><td>{@code 16MiB}</td></tr>
 * </table>
 *
 * <p>A bad value is a {@link SaefConfigException} naming the property and the allowed values. A
 * property whose name differs from a known one only in case (e.g. {@code saef.keystore}) is an
 * error too, since it would otherwise be ignored silently. Loading also checks that every
 * association has a key, inline or in the key store: a configuration that cannot handshake is an
 * error at start, not at the first connection.
 *
 * <p>Files: the association table, the key store and the password file are read only when they are
 * regular files (a symbolic link to one is fine; a FIFO is never opened; a device or directory is
 * refused) of at most 64 MiB, 64 MiB and 4 KiB; anything else is an error naming the file, what it is
 * and the property to fix.
 *
 * <p>Keys: the returned configuration looks in the table's inline keys first, then in the key
 * store; it owns both (the table and the key store provider it loaded) and
 * {@link SaefConfiguration#close()} zeroes them. A key provider given to
 * {@link #load(Properties, PskKeyProvider)} stays the caller's.
 */
public final class SaefProperties {

    /** Path of the association table. */
    public static final String ASSOCIATIONS = "saef.associations";
    /** Path of the key store. */
    public static final String KEY_STORE = "saef.keyStore";
    /** Type of the key store. */
    public static final String KEY_STORE_TYPE = "saef.keyStoreType";
    /** Password of the key store and its entries. */
    public static final String KEY_STORE_PASSWORD = "saef.keyStorePassword";
    /**
     * A file holding the key store password (first line), instead of {@value #KEY_STORE_PASSWORD}:
     * a system property is visible to other local users in the process list, a mode-600 file is not.
     */
    public static final String KEY_STORE_PASSWORD_FILE = "saef.keyStorePasswordFile";
    /** This entity's CSE-ID or AE-ID. */
    public static final String LOCAL_ID = "saef.localId";
    /** {@code strict} or {@code lenient}. */
    public static final String IDENTITY_MODE = "saef.identityMode";
    /** Credential-ID type-ID. */
    public static final String CREDENTIAL_ID_TYPE = "saef.credentialIdType";
    /** Comma-separated cipher suite names. */
    public static final String CIPHER_SUITES = "saef.cipherSuites";
    /** Whether ECDHE_PSK suites may be enabled. */
    public static final String ENABLE_ECDHE_PSK = "saef.enableEcdhePsk";
    /** Whether the extended master secret is required. */
    public static final String REQUIRE_EXTENDED_MASTER_SECRET = "saef.requireExtendedMasterSecret";
    /** Property: what a client does for a peer with no association: {@code jdk} (default) or {@code none}. */
    public static final String FALLBACK = "saef.fallback";

    /** How a server answers an unknown KpsaID: {@code hide} (default) or {@code reveal}. */
    public static final String UNKNOWN_IDENTITY = "saef.unknownIdentity";
    /**
     * Whether a server also accepts a KpsaID that is not in the association table but has a key in a database
     * key store ({@code true}/{@code false}, default {@code false}); such a session is bound to the Credential-ID.
     */
    public static final String STORE_IDENTITIES = "saef.keyStore.identities";
    /** Whether a server refuses its own context's ClientHello reflected back to it ({@code true}/{@code false}). */
    public static final String REFLECTION_CHECK = "saef.reflectionCheck";
    /** Property: the time limit of a whole socket handshake (a duration; 0 = none). */
    public static final String HANDSHAKE_TIMEOUT = "saef.handshakeTimeout";
    /** Property: the length of RFC 9146 DTLS connection IDs, 0 (default) for none. */
    public static final String DTLS_CONNECTION_ID_LENGTH = "saef.dtls.connectionIdLength";
    /** Shortest nonzero {@value #DTLS_CONNECTION_ID_LENGTH}: 2^32 IDs, so that a server's peers do not collide. */
    public static final int MIN_CONNECTION_ID_LENGTH = 4;
    /** Longest {@value #DTLS_CONNECTION_ID_LENGTH}: longer only adds overhead to every record. */
    public static final int MAX_CONNECTION_ID_LENGTH = 32;
    /**
     * Property: the time limit of one server key lookup that runs as an {@code SSLEngine} delegated task (a key
     * source whose lookups may block, e.g. {@code jdbc:postgresql:}); a duration, 0 = none.
     */
    public static final String KEY_LOOKUP_TIMEOUT = "saef.keyLookupTimeout";
    /** Smallest nonzero {@value #KEY_LOOKUP_TIMEOUT}. */
    static final long MIN_KEY_LOOKUP_TIMEOUT_MILLIS = 10;
    /** Server: class name of a {@link CredentialIdResolver} with a public no-argument constructor. */
    public static final String CREDENTIAL_ID_RESOLVER = "saef.credentialIdResolver";
    /**
     * Property: how changes to the association table and key store files are picked up while running:
     * {@code watch} (default: the files are watched, and JMX can trigger a reload), {@code manual}
     * (only JMX {@code reload()}) or {@code off} (loaded once, as before). See {@link ReloadingKeyManager}.
     */
    public static final String RELOAD = "saef.reload";
    /** Property: the time limit of a whole DTLS handshake (a duration, not 0); see {@link DtlsLimits}. */
    public static final String DTLS_HANDSHAKE_TIMEOUT = "saef.dtls.handshakeTimeout";
    /** Property: how many DTLS handshakes of one context run at once (pool threads). */
    public static final String DTLS_HANDSHAKE_THREADS = "saef.dtls.handshakeThreads";
    /** Property: received bytes that may wait for one DTLS handshake in progress. */
    public static final String DTLS_PEER_HANDSHAKE_MEMORY = "saef.dtls.peerHandshakeMemory";
    /** Property: received bytes that may wait for all DTLS handshakes in progress of one context. */
    public static final String DTLS_HANDSHAKE_MEMORY = "saef.dtls.handshakeMemory";
    /** Smallest nonzero {@value #HANDSHAKE_TIMEOUT}: shorter is a mistake (a bare number is milliseconds). */
    static final long MIN_HANDSHAKE_TIMEOUT_MILLIS = 100;
    /**
     * Server: {@code true} issues RFC 5077 session tickets to clients that ask for them and accepts them
     * for resumption; {@code false} (default) uses session IDs only.
     */
    public static final String SESSION_TICKETS = "saef.sessionTickets";
    /**
     * Client: {@code true} asks servers for RFC 5077 session tickets and resumes with them; {@code false}
     * (default) resumes by session ID only.
     */
    public static final String CLIENT_SESSION_TICKETS = "saef.clientSessionTickets";
    /** Server: how long a session ticket key issues tickets (it decrypts them for as long again). */
    public static final String SESSION_TICKET_KEY_LIFETIME = "saef.sessionTicketKeyLifetime";
    /** Shortest {@value #SESSION_TICKET_KEY_LIFETIME}: 1 s. */
    static final long MIN_TICKET_KEY_LIFETIME_MILLIS = 1_000;
    /** Longest {@value #SESSION_TICKET_KEY_LIFETIME}: 7 days (the longest ticket lifetime RFC 8446 allows). */
    static final long MAX_TICKET_KEY_LIFETIME_MILLIS = 7L * 24 * 3600 * 1000;

    /**
     * Handshake tracing to standard error ({@code true}/{@code false}; a bare {@code -Dsaef.debug} is
     * {@code true}); parsed by {@link #debugEnabled(String)} both here and by the protocol's debug log.
     */
    public static final String DEBUG = "saef.debug";

    /** Default key store type. */
    public static final String DEFAULT_KEY_STORE_TYPE = "PKCS12";

    private static final List<String> KNOWN = List.of(ASSOCIATIONS, KEY_STORE, KEY_STORE_TYPE, KEY_STORE_PASSWORD,
            KEY_STORE_PASSWORD_FILE,
            LOCAL_ID, IDENTITY_MODE, CREDENTIAL_ID_TYPE, CIPHER_SUITES, ENABLE_ECDHE_PSK,
            REQUIRE_EXTENDED_MASTER_SECRET, FALLBACK, DEBUG, UNKNOWN_IDENTITY, REFLECTION_CHECK, HANDSHAKE_TIMEOUT,
            CREDENTIAL_ID_RESOLVER, STORE_IDENTITIES, RELOAD, DTLS_CONNECTION_ID_LENGTH,
            KEY_LOOKUP_TIMEOUT, SESSION_TICKETS, SESSION_TICKET_KEY_LIFETIME,
            CLIENT_SESSION_TICKETS, DTLS_HANDSHAKE_TIMEOUT, DTLS_HANDSHAKE_THREADS,
            DTLS_PEER_HANDSHAKE_MEMORY, DTLS_HANDSHAKE_MEMORY);

    private SaefProperties() {
    }

    /**
     * @return the configuration given by the {@code saef.*} system properties
     * @throws SaefConfigException when a property, the association table or the key store is bad,
     *     or an association has no key
     */
    public static SaefConfiguration fromSystemProperties() throws SaefConfigException {
        Properties props = new Properties();
        props.putAll(System.getProperties());
        return load(props);
    }

    /**
     * Same as {@link #fromSystemProperties()}, reading the given properties.
     *
     * @param props the properties (only {@code saef.*} ones are read)
     * @return the configuration
     * @throws SaefConfigException when a property, the association table or the key store is bad,
     *     or an association has no key
     */
    public static SaefConfiguration load(Properties props) throws SaefConfigException {
        return load(props, null);
    }

    /**
     * Same as {@link #load(Properties)}, but with the key store keys given by the caller (e.g. a
     * {@code KeyManagerFactory} initialised with a {@code KeyStore}): {@value #KEY_STORE} and its
     * type and password are then not read. The given provider stays the caller's
     * ({@link SaefConfiguration#close()} does not close it).
     *
     * @param props the properties
     * @param storeKeys the keys to use after the inline keys, or null to read {@value #KEY_STORE}
     * @return the configuration
     * @throws SaefConfigException when a property or the association table is bad, or an
     *     association has no key
     */
    public static SaefConfiguration load(Properties props, PskKeyProvider storeKeys) throws SaefConfigException {
        Objects.requireNonNull(props, "props");
        checkNearMisses(props);
        IdentityMode mode = identityMode(props);
        int credentialIdType = credentialIdType(props);
        boolean ecdhe = bool(props, ENABLE_ECDHE_PSK, false);
        boolean ems = bool(props, REQUIRE_EXTENDED_MASTER_SECRET, true);
        reloadMode(props); // validated here, like every property, though only the key manager reads it
        debugEnabled(props.getProperty(DEBUG)); // validated here so that "yes" is not silently "off"
        boolean jdkFallback = fallback(props);
        boolean hideUnknown = hideUnknownIdentities(props);
        boolean reflection = bool(props, REFLECTION_CHECK, true);
        boolean storeIdentities = bool(props, STORE_IDENTITIES, false);
        if (storeIdentities && (storeKeys != null || !JdbcUrls.isPostgres(props.getProperty(KEY_STORE, "").trim()))) {
            throw new SaefConfigException(STORE_IDENTITIES + "=true needs " + KEY_STORE + " to be a database key store"
                    + " (jdbc:postgresql://...): a server then accepts every KpsaID that store has; set it to false or"
                    + " leave it unset with a key store file");
        }
        long handshakeTimeout = handshakeTimeout(props.getProperty(HANDSHAKE_TIMEOUT));
        int connectionIdLength = connectionIdLength(props.getProperty(DTLS_CONNECTION_ID_LENGTH));
        long keyLookupTimeout = keyLookupTimeout(props.getProperty(KEY_LOOKUP_TIMEOUT));
        boolean sessionTickets = bool(props, SESSION_TICKETS, false);
        boolean clientSessionTickets = bool(props, CLIENT_SESSION_TICKETS, false);
        long ticketKeyLifetime = sessionTicketKeyLifetime(props.getProperty(SESSION_TICKET_KEY_LIFETIME));
        DtlsLimits dtls = dtlsLimits(props);
        String localId = localId(props.getProperty(LOCAL_ID));
        String suites = props.getProperty(CIPHER_SUITES);
        CredentialIdResolver resolver = credentialIdResolver(props.getProperty(CREDENTIAL_ID_RESOLVER));

        Path tableFile = path(props, ASSOCIATIONS);
        AssociationTable table = tableFile == null ? AssociationTable.empty(mode) : AssociationTable.load(tableFile, mode);

        AutoCloseable owned = null;
        PskKeyProvider store = storeKeys;
        String keyDescription;
        String storeName = null;
        try {
            if (store != null) {
                keyDescription = "key store " + store;
            } else if (JdbcUrls.isPostgres(props.getProperty(KEY_STORE, "").trim())) {
                PostgresKeyStore db = openDatabase(props, props.getProperty(KEY_STORE).trim());
                owned = db;
                store = db;
                keyDescription = db.description();
                storeName = KEY_STORE + " (" + JdbcUrls.redact(props.getProperty(KEY_STORE).trim()) + ")";
            } else {
                Path storeFile = path(props, KEY_STORE);
                if (storeFile != null) {
                    KeyStoreKeyProvider file = loadKeyStore(props, storeFile);
                    owned = file;
                    store = file;
                    keyDescription = file.description() + " " + storeFile;
                    storeName = KEY_STORE + " (" + props.getProperty(KEY_STORE).trim() + ")";
                } else {
                    keyDescription = "no key store";
                }
            }
            PskKeyProvider keys = store == null ? table.inlineKeys() : CompositeKeyProvider.of(table.inlineKeys(), store);
            SaefConfiguration config = SaefConfiguration.builder()
                    .associations(table)
                    .keys(keys)
                    .keyDescription(keyDescription)
                    .associationsFile(tableFile)
                    .ownedKeyStore(owned)
                    .localId(localId)
                    .credentialIdType(credentialIdType)
                    .cipherSuites(suites)
                    .ecdhePskEnabled(ecdhe)
                    .requireExtendedMasterSecret(ems)
                    .jdkFallback(jdkFallback)
                    .hideUnknownIdentities(hideUnknown)
                    .reflectionCheck(reflection)
                    .storeIdentities(storeIdentities)
                    .handshakeTimeoutMillis(handshakeTimeout)
                    .connectionIdLength(connectionIdLength)
                    .keyLookupTimeoutMillis(keyLookupTimeout)
                    .sessionTickets(sessionTickets)
                    .clientSessionTickets(clientSessionTickets)
                    .sessionTicketKeyLifetimeMillis(ticketKeyLifetime)
                    .dtlsLimits(dtls)
                    .credentialIdResolver(resolver)
                    .build();
            config.checkKeys(store == null ? null : (storeName != null ? storeName : "the key store"));
            return config;
        } catch (SaefConfigException | RuntimeException e) {
            table.destroy();
            SaefConfiguration.closeQuietly(owned);
            throw e;
        }
    }

    /**
     * Opens the PostgreSQL key store a {@code jdbc:postgresql:} {@value #KEY_STORE} names, with the key store
     * password ({@link PostgresKeyStore}). {@value #KEY_STORE_TYPE} does not apply to it.
     */
    private static PostgresKeyStore openDatabase(Properties props, String url) throws SaefConfigException {
        char[] password = password(props);
        try {
            return PostgresKeyStore.open(url, password);
        } catch (UnrecoverableKeyException e) {
            throw new SaefConfigException(e.getMessage() + " (" + (props.getProperty(KEY_STORE_PASSWORD) != null
                    ? KEY_STORE_PASSWORD : KEY_STORE_PASSWORD_FILE) + ")", e);
        } catch (GeneralSecurityException e) {
            throw new SaefConfigException(e.getMessage() + " (" + KEY_STORE + ")", e);
        } finally {
            Arrays.fill(password, '\0');
        }
    }

    private static KeyStoreKeyProvider loadKeyStore(Properties props, Path file) throws SaefConfigException {
        String type = props.getProperty(KEY_STORE_TYPE, DEFAULT_KEY_STORE_TYPE).trim();
        if (type.isEmpty()) {
            throw new SaefConfigException(KEY_STORE_TYPE + " is empty; use PKCS12 (default) or JCEKS");
        }
        String where = KEY_STORE + " " + file;
        byte[] contents = ConfigFiles.read(file, where, KEY_STORE, ConfigFiles.KEY_STORE_LIMIT);
        char[] password = null;
        try {
            FileModes.refuse(file, where, FileModes.SHARED, "holds Kpsa keys but", "chmod 600 " + file);
            password = password(props);
            return KeyStoreKeyProvider.load(contents, type, password);
        } catch (IOException e) {
            if (e.getCause() instanceof UnrecoverableKeyException) {
                throw new SaefConfigException(where + ": wrong " + (props.getProperty(KEY_STORE_PASSWORD) != null
                        ? KEY_STORE_PASSWORD : "password in " + KEY_STORE_PASSWORD_FILE) + " (or the file is damaged)");
            }
            throw new SaefConfigException(where + " cannot be read as a " + type + " key store: " + e.getMessage(), e);
        } catch (KeyStoreException e) {
            if (e.getCause() instanceof NoSuchAlgorithmException) {
                throw new SaefConfigException(KEY_STORE_TYPE + ": " + QuotedText.quote(type)
                        + " is not a key store type of this JVM; use PKCS12 (default) or JCEKS", e);
            }
            throw new SaefConfigException(where + ": " + e.getMessage(), e);
        } catch (SaefConfigException e) {
            throw e;
        } catch (GeneralSecurityException e) {
            throw new SaefConfigException(where + ": " + e.getMessage(), e);
        } finally {
            Arrays.fill(contents, (byte) 0);
            if (password != null) {
                Arrays.fill(password, '\0');
            }
        }
    }

    /**
     * @return the value of {@value #RELOAD}: {@link ReloadMode#WATCH} when unset
     * @throws SaefConfigException for any other value than {@code watch}, {@code manual}, {@code off}
     */
    static ReloadMode reloadMode(Properties props) throws SaefConfigException {
        String v = props.getProperty(RELOAD);
        if (v == null) {
            return ReloadMode.WATCH;
        }
        switch (v.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "watch":
                return ReloadMode.WATCH;
            case "manual":
                return ReloadMode.MANUAL;
            case "off":
                return ReloadMode.OFF;
            default:
                throw new SaefConfigException(RELOAD + ": " + QuotedText.quote(v) + " is not watch, manual or off");
        }
    }

    /**
     * @return the files a configuration loaded from {@code props} is read from: the association
     *     table, the key store, the key store password file (those that are set)
     */
    static List<Path> sourceFiles(Properties props) throws SaefConfigException {
        List<Path> files = new java.util.ArrayList<>();
        for (String name : List.of(ASSOCIATIONS, KEY_STORE, KEY_STORE_PASSWORD_FILE)) {
            Path p = path(props, name);
            if (p != null) {
                files.add(p);
            }
        }
        return files;
    }

    private static void checkNearMisses(Properties props) throws SaefConfigException {
        for (String name : props.stringPropertyNames()) {
            if (!name.regionMatches(true, 0, "saef.", 0, 5) || KNOWN.contains(name)) {
                continue;
            }
            for (String known : KNOWN) {
                if (known.equalsIgnoreCase(name)) {
                    throw new SaefConfigException("unknown property " + name + ": did you mean " + known
                            + "? (property names are case-sensitive)");
                }
            }
        }
    }

    private static IdentityMode identityMode(Properties props) throws SaefConfigException {
        String v = props.getProperty(IDENTITY_MODE);
        if (v == null) {
            return IdentityMode.STRICT;
        }
        switch (v.trim().toLowerCase(Locale.ROOT)) {
            case "strict":
                return IdentityMode.STRICT;
            case "lenient":
                return IdentityMode.LENIENT;
            default:
                throw new SaefConfigException(IDENTITY_MODE + ": " + QuotedText.quote(v)
                        + " is not allowed; use strict (TS-0003 clause 10.5 KpsaIDs, default) or lenient"
                        + " (any printable US-ASCII, e.g. GBA B-TIDs)");
        }
    }

    private static int credentialIdType(Properties props) throws SaefConfigException {
        String v = props.getProperty(CREDENTIAL_ID_TYPE);
        if (v == null) {
            return CredentialId.SAEF_SYMMETRIC_KEY;
        }
        String t = v.trim();
        boolean digits = !t.isEmpty() && t.length() <= 9 && t.chars().allMatch(c -> c >= '0' && c <= '9');
        if (!digits) {
            throw new SaefConfigException(CREDENTIAL_ID_TYPE + ": " + QuotedText.quote(v)
                    + " is not allowed; use a non-negative integer: 12 (TS-0003 clause 12.3.2.1, default) or 0 for"
                    + " the 00- prefix of TS-0013");
        }
        return Integer.parseInt(t);
    }

    /**
     * Parses {@value #DTLS_CONNECTION_ID_LENGTH}: {@code 0} (off, also when unset) or
     * {@value #MIN_CONNECTION_ID_LENGTH} to {@value #MAX_CONNECTION_ID_LENGTH} octets.
     */
    static int connectionIdLength(String v) throws SaefConfigException {
        if (v == null) {
            return 0;
        }
        String t = v.trim();
        String allowed = "; use 0 (off, default) or a length in octets from " + MIN_CONNECTION_ID_LENGTH + " to "
                + MAX_CONNECTION_ID_LENGTH + " (RFC 9146 connection IDs, e.g. 8)";
        boolean digits = !t.isEmpty() && t.length() <= 3 && t.chars().allMatch(c -> c >= '0' && c <= '9');
        if (!digits) {
            throw new SaefConfigException(DTLS_CONNECTION_ID_LENGTH + ": " + QuotedText.quote(v) + " is not a number"
                    + allowed);
        }
        int n = Integer.parseInt(t);
        if (n != 0 && (n < MIN_CONNECTION_ID_LENGTH || n > MAX_CONNECTION_ID_LENGTH)) {
            throw new SaefConfigException(DTLS_CONNECTION_ID_LENGTH + ": " + n + " is not allowed"
                    + (n < MIN_CONNECTION_ID_LENGTH ? " (so short an ID could collide among a server's peers)"
                            : " (longer IDs only add overhead to every record)") + allowed);
        }
        return n;
    }

    private static boolean hideUnknownIdentities(Properties props) throws SaefConfigException {
        String v = props.getProperty(UNKNOWN_IDENTITY);
        if (v == null || v.trim().equalsIgnoreCase("hide")) {
            return true;
        }
        if (v.trim().equalsIgnoreCase("reveal")) {
            return false;
        }
        throw new SaefConfigException(UNKNOWN_IDENTITY + ": " + QuotedText.quote(v) + " is not allowed; use hide (an"
                + " unknown KpsaID fails exactly like a wrong Kpsa, RFC 4279 section 5, the default) or reveal (it is"
                + " answered with the unknown_psk_identity alert)");
    }

    private static boolean fallback(Properties props) throws SaefConfigException {
        String v = props.getProperty(FALLBACK);
        if (v == null || v.trim().equalsIgnoreCase("jdk")) {
            return true;
        }
        if (v.trim().equalsIgnoreCase("none")) {
            return false;
        }
        throw new SaefConfigException(FALLBACK + ": " + QuotedText.quote(v) + " is not allowed; use jdk (peers without"
                + " an association get the JDK's certificate TLS, the default) or none (they fail)");
    }

    /**
     * Parses {@value #HANDSHAKE_TIMEOUT}: {@code <digits>[ms|s|min]} (a bare number is milliseconds)
     * or an ISO-8601 duration such as {@code PT90S}; 0 means no limit.
     *
     * @param v the value, or null for the default (60 s)
     * @return the limit in milliseconds, 0 for none
     * @throws SaefConfigException naming the property and the accepted forms
     */
    static long handshakeTimeout(String v) throws SaefConfigException {
        return duration(HANDSHAKE_TIMEOUT, v, SaefConfiguration.DEFAULT_HANDSHAKE_TIMEOUT_MILLIS,
                MIN_HANDSHAKE_TIMEOUT_MILLIS, "60s (default), 90000ms, 2min or PT90S", "any handshake can take");
    }

    /**
     * Parses {@value #KEY_LOOKUP_TIMEOUT}, in the forms of {@value #HANDSHAKE_TIMEOUT}; 0 means no limit.
     *
     * @param v the value, or null for the default (5 s)
     * @return the limit in milliseconds, 0 for none
     * @throws SaefConfigException naming the property and the accepted forms
     */
    static long keyLookupTimeout(String v) throws SaefConfigException {
        return duration(KEY_LOOKUP_TIMEOUT, v, SaefConfiguration.DEFAULT_KEY_LOOKUP_TIMEOUT_MILLIS,
                MIN_KEY_LOOKUP_TIMEOUT_MILLIS, "5s (default), 2500ms, 1min or PT10S", "a key lookup needs");
    }

    /**
     * Parses the DTLS limits ({@link DtlsLimits}): {@value #DTLS_HANDSHAKE_TIMEOUT} (a duration as for
     * {@value #HANDSHAKE_TIMEOUT}, but not 0), {@value #DTLS_HANDSHAKE_THREADS} (1 to
     * {@value DtlsLimits#MAX_HANDSHAKE_THREADS}), {@value #DTLS_PEER_HANDSHAKE_MEMORY} and
     * {@value #DTLS_HANDSHAKE_MEMORY} (bytes, {@code KiB} or {@code MiB}).
     *
     * @throws SaefConfigException naming the property, the value and the accepted values
     */
    static DtlsLimits dtlsLimits(Properties props) throws SaefConfigException {
        String t = props.getProperty(DTLS_HANDSHAKE_TIMEOUT);
        long timeout = 0;
        if (t != null) {
            if (millis(t) == 0) {
                throw new SaefConfigException(DTLS_HANDSHAKE_TIMEOUT + ": " + QuotedText.quote(t) + " is not allowed:"
                        + " a DTLS handshake needs a limit, or a peer that goes silent holds a handshake thread for"
                        + " ever; use a duration such as 60s, 90000ms, 2min or PT90S (a bare number is milliseconds)");
            }
            timeout = duration(DTLS_HANDSHAKE_TIMEOUT, t, 0, MIN_HANDSHAKE_TIMEOUT_MILLIS, "60s, 90000ms, 2min or PT90S",
                    "any handshake can take");
        }
        int threads = DtlsLimits.DEFAULT_HANDSHAKE_THREADS;
        String n = props.getProperty(DTLS_HANDSHAKE_THREADS);
        if (n != null) {
            String v = n.trim();
            long parsed = v.matches("[0-9]{1,9}") ? Long.parseLong(v) : -1;
            if (parsed < 1 || parsed > DtlsLimits.MAX_HANDSHAKE_THREADS) {
                throw new SaefConfigException(DTLS_HANDSHAKE_THREADS + ": " + QuotedText.quote(n) + " is not allowed; use a"
                        + " whole number of threads from 1 to " + DtlsLimits.MAX_HANDSHAKE_THREADS + " (default "
                        + DtlsLimits.DEFAULT_HANDSHAKE_THREADS + ")");
            }
            threads = (int) parsed;
        }
        long perPeer = bytes(props, DTLS_PEER_HANDSHAKE_MEMORY, DtlsLimits.DEFAULT_PEER_HANDSHAKE_MEMORY, "64KiB");
        long total = bytes(props, DTLS_HANDSHAKE_MEMORY, DtlsLimits.DEFAULT_HANDSHAKE_MEMORY, "16MiB");
        if (total < perPeer) {
            throw new SaefConfigException(DTLS_HANDSHAKE_MEMORY + " (" + total + " bytes) is less than "
                    + DTLS_PEER_HANDSHAKE_MEMORY + " (" + perPeer + " bytes); the total budget must hold at least one"
                    + " peer's: raise " + DTLS_HANDSHAKE_MEMORY + " or lower " + DTLS_PEER_HANDSHAKE_MEMORY);
        }
        return new DtlsLimits(timeout, threads, perPeer, total);
    }

    private static long bytes(Properties props, String name, long defaultValue, String defaultText)
            throws SaefConfigException {
        String v = props.getProperty(name);
        if (v == null) {
            return defaultValue;
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9]{1,12})\\s*(b|kib|mib)?")
                .matcher(v.trim().toLowerCase(Locale.ROOT));
        String forms = "; use a number of bytes, or a number with KiB or MiB (default " + defaultText + ", at least "
                + DtlsLimits.MIN_MEMORY + " bytes: one largest DTLS record)";
        if (!m.matches()) {
            throw new SaefConfigException(name + ": " + QuotedText.quote(v) + " is not a size" + forms);
        }
        long n = Long.parseLong(m.group(1));
        long unit = m.group(2) == null || m.group(2).equals("b") ? 1 : m.group(2).equals("kib") ? 1024 : 1024 * 1024;
        if (n > (1L << 40) / unit) {
            throw new SaefConfigException(name + ": " + QuotedText.quote(v) + " is more than 1 TiB" + forms);
        }
        long size = n * unit;
        if (size < DtlsLimits.MIN_MEMORY) {
            throw new SaefConfigException(name + ": " + QuotedText.quote(v) + " is " + size + " bytes, too small" + forms);
        }
        return size;
    }

    /** The one duration grammar of the {@code saef.*} time limits: {@code <digits>[ms|s|min]} or ISO-8601; 0 = none. */
    private static long duration(String property, String v, long dflt, long min, String examples, String least)
            throws SaefConfigException {
        if (v == null) {
            return dflt;
        }
        long ms = millis(v);
        String forms = "; use a duration such as " + examples + " (a bare number is milliseconds), or 0 for no limit";
        if (ms < 0) {
            throw new SaefConfigException(property + ": " + QuotedText.quote(v) + " is not a duration" + forms);
        }
        if (ms > 0 && ms < min) {
            throw new SaefConfigException(property + ": " + QuotedText.quote(v) + " is " + ms + " ms, shorter"
                    + " than " + least + " (the least is " + min + " ms)" + forms);
        }
        if (ms > Integer.MAX_VALUE) {
            throw new SaefConfigException(property + ": " + QuotedText.quote(v) + " is longer than "
                    + Integer.MAX_VALUE + " ms (about 24 days)" + forms);
        }
        return ms;
    }

    /** The standard JSSE property for the size of both session caches of a context (SunJSSE's semantics). */
    public static final String JDK_SESSION_CACHE_SIZE = "javax.net.ssl.sessionCacheSize";

    /**
     * Parses {@value #JDK_SESSION_CACHE_SIZE} as SunJSSE does: an integer (decimal, or {@code 0x} hex),
     * 0 for no limit; absent, negative or not a number gives the default, 20480 (SunJSSE ignores a bad
     * value too; here the log says so, since a cache size is no security setting to fail closed on).
     *
     * @param value the property value, or null
     * @return the number of sessions each session cache keeps, 0 for no limit
     */
    public static int jdkSessionCacheSize(String value) {
        final int defaultSize = 20480;
        if (value == null) {
            return defaultSize;
        }
        try {
            int n = Integer.decode(value); // as Integer.getInteger, which SunJSSE uses: no blanks
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        System.getLogger("dev.saef").log(System.Logger.Level.WARNING, JDK_SESSION_CACHE_SIZE + ": "
                + QuotedText.quote(value) + " is not a non-negative integer; the default " + defaultSize
                + " applies (0 means no limit)");
        return defaultSize;
    }

    /**
     * Parses {@value #SESSION_TICKET_KEY_LIFETIME}: a duration as for {@value #HANDSHAKE_TIMEOUT}
     * ({@code 1h} is not accepted: use {@code 60min} or {@code PT1H}), from 1 s to 7 days.
     *
     * @param v the value, or null for the default (one hour)
     * @return the lifetime in milliseconds
     * @throws SaefConfigException naming the property and the accepted range
     */
    static long sessionTicketKeyLifetime(String v) throws SaefConfigException {
        if (v == null) {
            return SaefConfiguration.DEFAULT_SESSION_TICKET_KEY_LIFETIME_MILLIS;
        }
        long ms = millis(v);
        if (ms < MIN_TICKET_KEY_LIFETIME_MILLIS || ms > MAX_TICKET_KEY_LIFETIME_MILLIS) {
            throw new SaefConfigException(SESSION_TICKET_KEY_LIFETIME + ": " + QuotedText.quote(v) + (ms < 0
                    ? " is not a duration" : " is " + ms + " ms, outside 1 s to 7 days") + "; use a duration such as"
                    + " 60min (default), 3600s or PT1H (a bare number is milliseconds): a key issues tickets for that"
                    + " long and decrypts them for as long again");
        }
        return ms;
    }

    /** @return {@code <digits>[ms|s|min]} (bare: ms) or an ISO-8601 duration in milliseconds, or -1 */
    private static long millis(String v) {
        String t = v.trim().toLowerCase(Locale.ROOT);
        long ms = -1;
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9]{1,12})\\s*(ms|s|min)?").matcher(t);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            String unit = m.group(2) == null ? "ms" : m.group(2);
            ms = switch (unit) {
                case "s" -> n * 1000;
                case "min" -> n * 60_000;
                default -> n;
            };
        } else if (t.startsWith("p")) {
            try {
                java.time.Duration d = java.time.Duration.parse(t.toUpperCase(Locale.ROOT));
                ms = d.isNegative() ? -1 : d.toMillis();
            } catch (java.time.format.DateTimeParseException | ArithmeticException e) {
                ms = -1;
            }
        }
        return ms;
    }

    /**
     * The one parser of {@value #DEBUG}: absent or {@code false} is off; {@code true} or empty (a bare
     * {@code -Dsaef.debug}) is on; case and surrounding blanks are ignored.
     *
     * @param value the property value, or null
     * @return whether handshake tracing is on
     * @throws SaefConfigException for any other value, naming the property and the allowed values
     */
    public static boolean debugEnabled(String value) throws SaefConfigException {
        if (value != null && value.isBlank()) {
            return true;
        }
        return bool(DEBUG, value, false);
    }

    private static boolean bool(Properties props, String name, boolean defaultValue) throws SaefConfigException {
        return bool(name, props.getProperty(name), defaultValue);
    }

    private static boolean bool(String name, String v, boolean defaultValue) throws SaefConfigException {
        if (v == null) {
            return defaultValue;
        }
        String t = v.trim();
        if (t.equalsIgnoreCase("true")) {
            return true;
        }
        if (t.equalsIgnoreCase("false")) {
            return false;
        }
        throw new SaefConfigException(name + ": " + QuotedText.quote(v) + " is not allowed; use true or false (default "
                + defaultValue + ")");
    }

    /** Loads the named resolver class (context class loader first, then this module's loader). */
    private static CredentialIdResolver credentialIdResolver(String v) throws SaefConfigException {
        if (v == null) {
            return null;
        }
        String name = v.trim();
        if (name.isEmpty()) {
            throw new SaefConfigException(CREDENTIAL_ID_RESOLVER + " is empty; name a class implementing "
                    + CredentialIdResolver.class.getName() + ", or leave it unset");
        }
        Class<?> c;
        try {
            ClassLoader loader = Thread.currentThread().getContextClassLoader();
            c = Class.forName(name, true, loader != null ? loader : SaefProperties.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            throw new SaefConfigException(CREDENTIAL_ID_RESOLVER + ": class " + QuotedText.quote(name)
                    + " cannot be loaded (" + e + "); put it on the class path");
        }
        if (!CredentialIdResolver.class.isAssignableFrom(c)) {
            throw new SaefConfigException(CREDENTIAL_ID_RESOLVER + ": " + name + " does not implement "
                    + CredentialIdResolver.class.getName());
        }
        try {
            return (CredentialIdResolver) c.getConstructor().newInstance();
        } catch (ReflectiveOperationException | RuntimeException e) {
            Throwable cause = e instanceof java.lang.reflect.InvocationTargetException ite ? ite.getCause() : e;
            throw new SaefConfigException(CREDENTIAL_ID_RESOLVER + ": " + name + " cannot be created through a public"
                    + " no-argument constructor (" + cause + ")");
        }
    }

    private static String localId(String v) throws SaefConfigException {
        if (v == null) {
            return null;
        }
        String t = v.trim();
        if (t.isEmpty()) {
            throw new SaefConfigException(LOCAL_ID + " is empty; set it to this entity's CSE-ID or AE-ID, or leave it unset");
        }
        try {
            return SaefPrincipal.checkEntityId(t);
        } catch (IllegalArgumentException e) {
            throw new SaefConfigException(LOCAL_ID + ": " + e.getMessage());
        }
    }

    /** The key store password, from {@value #KEY_STORE_PASSWORD} or {@value #KEY_STORE_PASSWORD_FILE}; the caller zeroes it. */
    private static char[] password(Properties props) throws SaefConfigException {
        String pw = props.getProperty(KEY_STORE_PASSWORD);
        Path file = path(props, KEY_STORE_PASSWORD_FILE);
        if (pw != null && file != null) {
            throw new SaefConfigException("both " + KEY_STORE_PASSWORD + " and " + KEY_STORE_PASSWORD_FILE
                    + " are set; set only one");
        }
        if (pw != null) {
            return pw.toCharArray();
        }
        if (file == null) {
            throw new SaefConfigException(KEY_STORE_PASSWORD + " (or " + KEY_STORE_PASSWORD_FILE + ") is not set; it"
                    + " is required with " + KEY_STORE + " (the same password protects the store and its entries)");
        }
        String where = KEY_STORE_PASSWORD_FILE + " " + file;
        byte[] bytes = ConfigFiles.read(file, where, KEY_STORE_PASSWORD_FILE, ConfigFiles.PASSWORD_FILE_LIMIT);
        java.nio.CharBuffer chars = null;
        try {
            FileModes.refuse(file, where, FileModes.SHARED, "holds the key store password but", "chmod 600 " + file);
            chars = java.nio.charset.StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes));
            if (chars.limit() > 0 && chars.get(0) == '\uFEFF') {
                chars.position(1); // a byte order mark, as some editors write; the table reader skips it too
                chars = chars.slice();
            }
            int n = 0;
            while (n < chars.limit() && chars.get(n) != '\n' && chars.get(n) != '\r') {
                n++; // the first line: the password ends at the first line break
            }
            if (n == 0) {
                throw new SaefConfigException(where + ": the first line is empty; put the password on it");
            }
            char[] password = new char[n];
            chars.get(password, 0, n);
            return password;
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new SaefConfigException(where + " is not valid UTF-8");
        } finally {
            Arrays.fill(bytes, (byte) 0);
            if (chars != null && chars.hasArray()) {
                Arrays.fill(chars.array(), '\0');
            }
        }
    }

    private static Path path(Properties props, String name) throws SaefConfigException {
        String v = props.getProperty(name);
        if (v == null) {
            return null;
        }
        String t = v.trim();
        if (t.isEmpty()) {
            throw new SaefConfigException(name + " is empty; set it to a file path or leave it unset");
        }
        try {
            return Path.of(t);
        } catch (InvalidPathException e) {
            throw new SaefConfigException(name + ": " + QuotedText.quote(v) + " is not a valid path: " + e.getReason());
        }
    }
}
