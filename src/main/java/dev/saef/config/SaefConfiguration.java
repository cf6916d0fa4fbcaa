package dev.saef.config;

import dev.saef.identity.CredentialId;
import dev.saef.identity.IdentityMode;
import dev.saef.identity.QuotedText;
import dev.saef.identity.SaefPrincipal;
import dev.saef.keys.Association;
import dev.saef.keys.CompositeKeyProvider;
import dev.saef.keys.KeyStoreKeyProvider;
import dev.saef.keys.PskKeyProvider;
import java.io.IOException;
import java.nio.file.Files;
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
import java.util.Optional;
import java.util.Properties;

/**
 * An immutable snapshot of the PSK-SAEF configuration: the Credential, Identity and Association
 * Configuration of oneM2M TS-0003 clause 8.2.2.1 (association table, keys, own identity) plus the
 * settings of the clause 10.2.2 profile, read from {@code saef.*} system properties.
 *
 * <table>
 *   <caption>Properties</caption>
 *   <tr><th>property</th><th>meaning</th><th>default</th></tr>
 *   <tr><td>{@value #ASSOCIATIONS}</td><td>path of the association table ({@link AssociationTable})</td>
 *       <td>none: no associations (the JSSE layer reports that at handshake time)</td></tr>
 *   <tr><td>{@value #KEY_STORE}</td><td>key store with the Kpsa entries ({@link KeyStoreKeyProvider})</td>
 *       <td>none</td></tr>
 *   <tr><td>{@value #KEY_STORE_TYPE}</td><td>its type</td><td>{@code PKCS12}</td></tr>
 *   <tr><td>{@value #KEY_STORE_PASSWORD}</td><td>its password, also for the entries; required with a key
 *       store</td><td>none</td></tr>
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
 * <p>Keys: {@link #keys()} looks in the table's inline keys first, then in the key store.
 * {@link #destroy()} zeroes the inline keys and the key store provider this object created.
 */
public final class SaefConfiguration {

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
    /** Whether a server refuses its own context's ClientHello reflected back to it ({@code true}/{@code false}). */
    public static final String REFLECTION_CHECK = "saef.reflectionCheck";
    /** Property: the time limit of a whole socket handshake (a duration; 0 = none). */
    public static final String HANDSHAKE_TIMEOUT = "saef.handshakeTimeout";
    /** Default of {@value #HANDSHAKE_TIMEOUT}: 60 s. */
    public static final long DEFAULT_HANDSHAKE_TIMEOUT_MILLIS = 60_000;
    /** Smallest nonzero {@value #HANDSHAKE_TIMEOUT}: shorter is a mistake (a bare number is milliseconds). */
    static final long MIN_HANDSHAKE_TIMEOUT_MILLIS = 100;

    /** Handshake tracing to standard error ({@code true}/{@code false}); read by the protocol's debug log. */
    public static final String DEBUG = "saef.debug";

    /** Default key store type. */
    public static final String DEFAULT_KEY_STORE_TYPE = "PKCS12";

    private static final List<String> KNOWN = List.of(ASSOCIATIONS, KEY_STORE, KEY_STORE_TYPE, KEY_STORE_PASSWORD,
            KEY_STORE_PASSWORD_FILE,
            LOCAL_ID, IDENTITY_MODE, CREDENTIAL_ID_TYPE, CIPHER_SUITES, ENABLE_ECDHE_PSK,
            REQUIRE_EXTENDED_MASTER_SECRET, FALLBACK, DEBUG, UNKNOWN_IDENTITY, REFLECTION_CHECK, HANDSHAKE_TIMEOUT);

    private final AssociationTable associations;
    private final PskKeyProvider keys;
    /** The key store provider this object loaded (and owns), or null. */
    private final KeyStoreKeyProvider ownedStore;
    private final String keyDescription;
    private final Path associationsFile;
    private final String localId;
    private final IdentityMode identityMode;
    private final int credentialIdType;
    private final String cipherSuites;
    private final boolean ecdhePskEnabled;
    private final boolean requireExtendedMasterSecret;
    private final boolean jdkFallback;
    private final boolean hideUnknownIdentities;
    private final boolean reflectionCheck;
    private final long handshakeTimeoutMillis;

    private SaefConfiguration(AssociationTable associations, PskKeyProvider keys, KeyStoreKeyProvider ownedStore,
            String keyDescription, Path associationsFile, String localId, IdentityMode identityMode,
            int credentialIdType, String cipherSuites, boolean ecdhePskEnabled, boolean requireExtendedMasterSecret,
            boolean jdkFallback, boolean hideUnknownIdentities, boolean reflectionCheck, long handshakeTimeoutMillis) {
        this.associations = associations;
        this.keys = keys;
        this.ownedStore = ownedStore;
        this.keyDescription = keyDescription;
        this.associationsFile = associationsFile;
        this.localId = localId;
        this.identityMode = identityMode;
        this.credentialIdType = credentialIdType;
        this.cipherSuites = cipherSuites;
        this.ecdhePskEnabled = ecdhePskEnabled;
        this.requireExtendedMasterSecret = requireExtendedMasterSecret;
        this.jdkFallback = jdkFallback;
        this.hideUnknownIdentities = hideUnknownIdentities;
        this.reflectionCheck = reflectionCheck;
        this.handshakeTimeoutMillis = handshakeTimeoutMillis;
    }

    /**
     * @return the configuration given by the {@code saef.*} system properties
     * @throws SaefConfigException when a property, the association table or the key store is bad,
     *     or an association has no key
     */
    public static SaefConfiguration fromSystemProperties() throws SaefConfigException {
        Properties props = new Properties();
        props.putAll(System.getProperties());
        return from(props);
    }

    /**
     * Same as {@link #fromSystemProperties()}, reading the given properties.
     *
     * @param props the properties (only {@code saef.*} ones are read)
     * @return the configuration
     * @throws SaefConfigException when a property, the association table or the key store is bad,
     *     or an association has no key
     */
    public static SaefConfiguration from(Properties props) throws SaefConfigException {
        return from(props, null);
    }

    /**
     * Same as {@link #from(Properties)}, but with the key store keys given by the caller (e.g. a
     * {@code KeyManagerFactory} initialised with a {@code KeyStore}): {@value #KEY_STORE} and its
     * type and password are then not read. The given provider stays the caller's ({@link #destroy()}
     * does not close it).
     *
     * @param props the properties
     * @param storeKeys the keys to use after the inline keys, or null to read {@value #KEY_STORE}
     * @return the configuration
     * @throws SaefConfigException when a property or the association table is bad, or an
     *     association has no key
     */
    public static SaefConfiguration from(Properties props, PskKeyProvider storeKeys) throws SaefConfigException {
        Objects.requireNonNull(props, "props");
        checkNearMisses(props);
        IdentityMode mode = identityMode(props);
        int credentialIdType = credentialIdType(props);
        boolean ecdhe = bool(props, ENABLE_ECDHE_PSK, false);
        boolean ems = bool(props, REQUIRE_EXTENDED_MASTER_SECRET, true);
        if (!props.getProperty(DEBUG, "true").isBlank()) { // a bare -Dsaef.debug means on, as DebugLog reads it
            bool(props, DEBUG, false); // validated here so that "yes" is not silently "off"
        }
        boolean jdkFallback = fallback(props);
        boolean hideUnknown = hideUnknownIdentities(props);
        boolean reflection = bool(props, REFLECTION_CHECK, true);
        long handshakeTimeout = handshakeTimeout(props.getProperty(HANDSHAKE_TIMEOUT));
        String localId = localId(props.getProperty(LOCAL_ID));
        String suites = props.getProperty(CIPHER_SUITES);

        Path tableFile = path(props, ASSOCIATIONS);
        AssociationTable table = tableFile == null ? AssociationTable.empty(mode) : AssociationTable.load(tableFile, mode);

        KeyStoreKeyProvider owned = null;
        PskKeyProvider store = storeKeys;
        String keyDescription;
        try {
            if (store != null) {
                keyDescription = "key store " + store;
            } else {
                Path storeFile = path(props, KEY_STORE);
                if (storeFile != null) {
                    owned = loadKeyStore(props, storeFile);
                    store = owned;
                    keyDescription = owned.description() + " " + storeFile;
                } else {
                    keyDescription = "no key store";
                }
            }
            PskKeyProvider keys = store == null ? table.inlineKeys() : CompositeKeyProvider.of(table.inlineKeys(), store);
            SaefConfiguration config = new SaefConfiguration(table, keys, owned, keyDescription, tableFile, localId, mode,
                    credentialIdType, suites, ecdhe, ems, jdkFallback, hideUnknown, reflection, handshakeTimeout);
            config.checkKeys(store == null ? null : (owned != null ? KEY_STORE + " (" + props.getProperty(KEY_STORE).trim()
                    + ")" : "the key store"));
            return config;
        } catch (SaefConfigException | RuntimeException e) {
            table.destroy();
            if (owned != null) {
                owned.close();
            }
            throw e;
        }
    }

    /**
     * A configuration built in code, with defaults for everything else: no local id, the table's
     * identity mode, Credential-ID type 12, default suites, no ECDHE_PSK, extended master secret
     * required, unknown identities hidden, reflection check on. Keys are not checked here; call {@link #validate()} for that.
     *
     * @param table the associations
     * @param keys where their keys come from (e.g. {@code table.inlineKeys()})
     * @return the configuration
     */
    public static SaefConfiguration of(AssociationTable table, PskKeyProvider keys) {
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(keys, "keys");
        return new SaefConfiguration(table, keys, null, "keys from " + keys, null, null, table.identityMode(),
                CredentialId.SAEF_SYMMETRIC_KEY, null, false, true, true, true, true, DEFAULT_HANDSHAKE_TIMEOUT_MILLIS);
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

    private void checkKeys(String storeName) throws SaefConfigException {
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
                    + (storeName == null ? "set " + KEY_STORE + " to a key store that holds it"
                            : "put it in " + storeName));
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
        if (v == null) {
            return DEFAULT_HANDSHAKE_TIMEOUT_MILLIS;
        }
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
        String forms = "; use a duration such as 60s (default), 90000ms, 2min or PT90S (a bare number is"
                + " milliseconds), or 0 for no limit";
        if (ms < 0) {
            throw new SaefConfigException(HANDSHAKE_TIMEOUT + ": " + QuotedText.quote(v) + " is not a duration" + forms);
        }
        if (ms > 0 && ms < MIN_HANDSHAKE_TIMEOUT_MILLIS) {
            throw new SaefConfigException(HANDSHAKE_TIMEOUT + ": " + QuotedText.quote(v) + " is " + ms + " ms, shorter"
                    + " than any handshake can take (the least is " + MIN_HANDSHAKE_TIMEOUT_MILLIS + " ms)" + forms);
        }
        if (ms > Integer.MAX_VALUE) {
            throw new SaefConfigException(HANDSHAKE_TIMEOUT + ": " + QuotedText.quote(v) + " is longer than "
                    + Integer.MAX_VALUE + " ms (about 24 days)" + forms);
        }
        return ms;
    }

    private static boolean bool(Properties props, String name, boolean defaultValue) throws SaefConfigException {
        String v = props.getProperty(name);
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

    /** @return the associations (empty when {@value #ASSOCIATIONS} is not set) */
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

    /** @return this entity's CSE-ID or AE-ID ({@value #LOCAL_ID}) */
    public Optional<String> localId() {
        return Optional.ofNullable(localId);
    }

    /** @return how KpsaIDs are checked */
    public IdentityMode identityMode() {
        return identityMode;
    }

    /** @return the Credential-ID type-ID (12 unless configured) */
    public int credentialIdType() {
        return credentialIdType;
    }

    /** @return the raw {@value #CIPHER_SUITES} value, unchecked */
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
        return new SaefConfiguration(associations, keys, ownedStore, keyDescription, associationsFile,
                id == null ? null : SaefPrincipal.checkEntityId(id), identityMode, credentialIdType, cipherSuites,
                ecdhePskEnabled, requireExtendedMasterSecret, jdkFallback,
                hideUnknownIdentities, reflectionCheck, handshakeTimeoutMillis);
    }

    /**
     * @param typeId the Credential-ID type-ID, non-negative (12 per clause 12.3.2.1; 0 for TS-0013's {@code 00-})
     * @return a copy with that type
     */
    public SaefConfiguration withCredentialIdType(int typeId) {
        if (typeId < 0) {
            throw new IllegalArgumentException("Credential-ID type-ID " + typeId + " is negative");
        }
        return new SaefConfiguration(associations, keys, ownedStore, keyDescription, associationsFile, localId,
                identityMode, typeId, cipherSuites, ecdhePskEnabled, requireExtendedMasterSecret, jdkFallback,
                hideUnknownIdentities, reflectionCheck, handshakeTimeoutMillis);
    }

    /**
     * @param suites comma-separated suite names (checked by the suite profile), or null for the defaults
     * @return a copy with those suites
     */
    public SaefConfiguration withCipherSuites(String suites) {
        return new SaefConfiguration(associations, keys, ownedStore, keyDescription, associationsFile, localId,
                identityMode, credentialIdType, suites, ecdhePskEnabled, requireExtendedMasterSecret, jdkFallback,
                hideUnknownIdentities, reflectionCheck, handshakeTimeoutMillis);
    }

    /**
     * @param enabled whether ECDHE_PSK suites may be enabled
     * @return a copy with that setting
     */
    public SaefConfiguration withEcdhePskEnabled(boolean enabled) {
        return new SaefConfiguration(associations, keys, ownedStore, keyDescription, associationsFile, localId,
                identityMode, credentialIdType, cipherSuites, enabled, requireExtendedMasterSecret, jdkFallback,
                hideUnknownIdentities, reflectionCheck, handshakeTimeoutMillis);
    }

    /** @return whether a client hands peers without an association to the JDK's own TLS ({@value #FALLBACK}) */
    public boolean jdkFallback() {
        return jdkFallback;
    }

    /**
     * @param enabled whether a client hands peers without an association to the JDK's own TLS
     * @return a copy with that setting
     */
    public SaefConfiguration withJdkFallback(boolean enabled) {
        return new SaefConfiguration(associations, keys, ownedStore, keyDescription, associationsFile, localId,
                identityMode, credentialIdType, cipherSuites, ecdhePskEnabled, requireExtendedMasterSecret, enabled,
                hideUnknownIdentities, reflectionCheck, handshakeTimeoutMillis);
    }

    /**
     * @return whether a server hides unknown KpsaIDs, failing them exactly like a wrong Kpsa
     *     ({@value #UNKNOWN_IDENTITY}{@code =hide}, RFC 4279 section 5)
     */
    public boolean hideUnknownIdentities() {
        return hideUnknownIdentities;
    }

    /**
     * @param hide true: an unknown KpsaID fails like a wrong Kpsa; false: {@code unknown_psk_identity}
     * @return a copy with that setting
     */
    public SaefConfiguration withHideUnknownIdentities(boolean hide) {
        return new SaefConfiguration(associations, keys, ownedStore, keyDescription, associationsFile, localId,
                identityMode, credentialIdType, cipherSuites, ecdhePskEnabled, requireExtendedMasterSecret, jdkFallback,
                hide, reflectionCheck, handshakeTimeoutMillis);
    }

    /** @return whether a server refuses a ClientHello its own context sent as a client ({@value #REFLECTION_CHECK}) */
    public boolean reflectionCheck() {
        return reflectionCheck;
    }

    /**
     * @param enabled whether a server refuses a ClientHello its own context sent as a client
     * @return a copy with that setting
     */
    public SaefConfiguration withReflectionCheck(boolean enabled) {
        return new SaefConfiguration(associations, keys, ownedStore, keyDescription, associationsFile, localId,
                identityMode, credentialIdType, cipherSuites, ecdhePskEnabled, requireExtendedMasterSecret, jdkFallback,
                hideUnknownIdentities, enabled, handshakeTimeoutMillis);
    }

    /**
     * @param required whether the extended master secret (RFC 7627) is required
     * @return a copy with that setting
     */
    public SaefConfiguration withRequireExtendedMasterSecret(boolean required) {
        return new SaefConfiguration(associations, keys, ownedStore, keyDescription, associationsFile, localId,
                identityMode, credentialIdType, cipherSuites, ecdhePskEnabled, required, jdkFallback,
                hideUnknownIdentities, reflectionCheck, handshakeTimeoutMillis);
    }

    /** @return the time limit of a whole socket handshake in milliseconds, 0 for none ({@value #HANDSHAKE_TIMEOUT}) */
    public long handshakeTimeoutMillis() {
        return handshakeTimeoutMillis;
    }

    /**
     * @param timeout the time limit of a whole socket handshake; zero for none
     * @return a copy with that limit
     * @throws IllegalArgumentException when negative or longer than {@code Integer.MAX_VALUE} ms
     */
    public SaefConfiguration withHandshakeTimeout(java.time.Duration timeout) {
        long ms = timeout.toMillis();
        if (timeout.isNegative() || ms > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("handshake timeout " + timeout + " is negative or too long");
        }
        return new SaefConfiguration(associations, keys, ownedStore, keyDescription, associationsFile, localId,
                identityMode, credentialIdType, cipherSuites, ecdhePskEnabled, requireExtendedMasterSecret, jdkFallback,
                hideUnknownIdentities, reflectionCheck, ms);
    }

    /**
     * Zeroes the inline keys and closes the key store provider this configuration loaded from
     * {@value #KEY_STORE}. Copies made by the {@code with...} methods share them.
     */
    public void destroy() {
        associations.destroy();
        if (ownedStore != null) {
            ownedStore.close();
        }
    }

    /**
     * @return a one-line summary for messages and {@code saef check}: table, key source, settings;
     *     never key material or passwords
     */
    public String describe() {
        long inline = associations.associations().stream().filter(Association::hasInlineKey).count();
        return "associations " + (associationsFile != null ? associationsFile.toString() : associations.sourceName())
                + " (" + associations.associations().size() + ", " + inline + " with inline keys), " + keyDescription
                + ", identity mode " + identityMode.name().toLowerCase(Locale.ROOT)
                + ", Credential-ID type " + credentialIdType
                + (localId != null ? ", local id " + localId : "")
                + (cipherSuites != null ? ", suites " + cipherSuites : "")
                + (ecdhePskEnabled ? ", ECDHE_PSK enabled" : "")
                + (requireExtendedMasterSecret ? "" : ", extended master secret not required")
                + (hideUnknownIdentities ? "" : ", unknown KpsaIDs revealed")
                + (reflectionCheck ? "" : ", reflection check off")
                + (handshakeTimeoutMillis == DEFAULT_HANDSHAKE_TIMEOUT_MILLIS ? ""
                        : ", handshake timeout " + (handshakeTimeoutMillis == 0 ? "none" : handshakeTimeoutMillis + " ms"));
    }

    /** @return {@link #describe()} */
    @Override
    public String toString() {
        return "SaefConfiguration[" + describe() + "]";
    }
}
