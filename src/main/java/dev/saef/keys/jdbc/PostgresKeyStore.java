package dev.saef.keys.jdbc;

import dev.saef.identity.KpsaId;
import dev.saef.identity.QuotedText;
import dev.saef.keys.PskKeyProvider;
import dev.saef.keys.PskSecretKey;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.security.GeneralSecurityException;
import java.security.KeyStoreException;
import java.security.UnrecoverableKeyException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.SecretKey;

/**
 * A key store in PostgreSQL, shared by the nodes of a cluster: a {@link PskKeyProvider} (and the writer behind
 * {@code saef keys add|list|remove|rotate}) for {@code saef.keyStore=jdbc:postgresql://host:port/db?user=...}. Each
 * Kpsa (oneM2M TS-0003 clause 8.2.2.1) is one row, found by its exact KpsaID.
 *
 * <p><b>Keys at rest.</b> The key store password protects the keys as it protects a PKCS12 file: each Kpsa is stored
 * wrapped with AES key wrap with padding (RFC 5649) under a key-encryption key derived from the password with
 * PBKDF2-HMAC-SHA256 (RFC 8018), with a random per-store salt and the iteration count kept in the database
 * ({@link KeyWrap}). Neither the password nor the KEK enters the database; a database reader sees only wrapped keys.
 * A wrong password is refused when the store is opened, by a check value, with an {@link UnrecoverableKeyException}
 * that names the cause and the fix. The database credentials come from the URL or the driver's standard password file
 * ({@code ~/.pgpass}, or the file in {@code PGPASSFILE}); messages show the URL with any password replaced by
 * {@code ***} ({@link JdbcUrls#redact}).
 *
 * <p><b>Schema.</b> Created and migrated on open ({@link Schema}); safe when several nodes open an empty database at
 * once. The first {@code open} of an empty database creates the KEK parameters with the password it was given.
 *
 * <p><b>Lookups.</b> {@link #getKey} reads the wrapped key (from a bounded cache of wrapped keys, or with one indexed
 * query) and unwraps it; the caller owns the returned {@link PskSecretKey}. Key octets are never cached: the cache
 * holds ciphertext, so only the KEK stays in memory. The database is asked with the driver's time limits
 * ({@link Settings#timeoutSeconds}); when it is down or too slow, {@code getKey} throws a
 * {@link KeyStoreException} naming the store and the cause, and the handshake fails (closed); it never waits longer
 * than that limit. Unknown KpsaIDs are cached too (bounded), so repeated unknown identities do not each reach the
 * database.
 *
 * <p><b>Changes from other nodes.</b> A trigger {@code NOTIFY}s every insert, update and delete; each store keeps one
 * connection that {@code LISTEN}s and drops the changed KpsaID from its cache as soon as the notification arrives
 * (well within a second). The cache is used only while that connection is up (it is checked every second, so a
 * connection that died silently is noticed within a second plus the time limit): when it fails, the cache is cleared
 * and every lookup goes to the database until it is back. Notifications are read through the PostgreSQL driver's
 * {@code PGConnection.getNotifications(int)}, found by reflection, so SAEF-JSSE does not need the driver to compile;
 * with another driver the cache stays off. The driver itself ({@code org.postgresql:postgresql}) is an optional
 * runtime dependency: put it on the class (or module) path to use this store.
 *
 * <p>Thread-safe. {@link #close()} stops the listener, closes the connections and zeroes the KEK.
 */
public final class PostgresKeyStore implements PskKeyProvider, AutoCloseable {

    /** PBKDF2 iteration count for a new store (OWASP's 2023 figure for PBKDF2-HMAC-SHA256). */
    public static final int DEFAULT_ITERATIONS = 600_000;
    /** Lowest PBKDF2 iteration count accepted for a new store. */
    public static final int MIN_ITERATIONS = 1_000;
    private static final int MAX_ITERATIONS = 50_000_000;
    private static final String KDF = "PBKDF2WithHmacSHA256";
    /** How often the listener checks that its silent connection is alive. */
    private static final long HEARTBEAT_NANOS = TimeUnit.SECONDS.toNanos(1);

    /**
     * Tunables of a store.
     *
     * @param iterations PBKDF2 iteration count, used only when this open creates the store ({@value #MIN_ITERATIONS}
     *     at least)
     * @param cacheSize most KpsaIDs whose wrapped key (or absence) is cached; 0 turns the cache off
     * @param cacheTtl how long a cached entry is used at most (notifications drop changed entries earlier)
     * @param timeoutSeconds the database time limit: connect, login, each read and write, and the wait for a pooled
     *     connection
     * @param poolSize most database connections for lookups and writes (the listener has one more)
     * @param listen whether to {@code LISTEN} for changes (without it the cache is off)
     */
    public record Settings(int iterations, int cacheSize, Duration cacheTtl, int timeoutSeconds, int poolSize,
            boolean listen) {

        /** @throws IllegalArgumentException naming the bad value */
        public Settings {
            if (iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) {
                throw new IllegalArgumentException("iterations must be " + MIN_ITERATIONS + ".." + MAX_ITERATIONS);
            }
            if (cacheSize < 0 || timeoutSeconds < 1 || poolSize < 1) {
                throw new IllegalArgumentException("cacheSize >= 0, timeoutSeconds >= 1 and poolSize >= 1 are needed");
            }
            Objects.requireNonNull(cacheTtl, "cacheTtl");
        }

        /**
         * @return {@value PostgresKeyStore#DEFAULT_ITERATIONS} iterations, 100 000 cached KpsaIDs for 60 s, 5 s time
         *     limit, 8 connections, listening
         */
        public static Settings defaults() {
            return new Settings(DEFAULT_ITERATIONS, 100_000, Duration.ofSeconds(60), 5, 8, true);
        }

        /**
         * @param n the PBKDF2 iteration count for a new store
         * @return a copy with that count
         */
        public Settings withIterations(int n) {
            return new Settings(n, cacheSize, cacheTtl, timeoutSeconds, poolSize, listen);
        }

        /**
         * @param size the cache size (0: off)
         * @return a copy with that cache size
         */
        public Settings withCacheSize(int size) {
            return new Settings(iterations, size, cacheTtl, timeoutSeconds, poolSize, listen);
        }
    }

    /** A cached lookup: the wrapped key, or null for "no such KpsaID". */
    private record Cached(byte[] wrapped, long expiresAtNanos) {
    }

    private final String where;
    private final Settings settings;
    private final ConnectionPool pool;
    private final KeyWrap wrap;
    private final int iterations;
    private final Map<String, Cached> cache;
    /** Incremented by every invalidation: a lookup caches its answer only if none happened while it read. */
    private final AtomicLong generation = new AtomicLong();
    private final CountDownLatch firstListen = new CountDownLatch(1);
    private final Thread listener;
    private volatile boolean listening;
    private volatile boolean closed;

    private PostgresKeyStore(String where, Settings settings, ConnectionPool pool, KeyWrap wrap, int iterations) {
        this.where = where;
        this.settings = settings;
        this.pool = pool;
        this.wrap = wrap;
        this.iterations = iterations;
        this.cache = new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Cached> eldest) {
                return size() > settings.cacheSize();
            }
        };
        if (settings.listen() && settings.cacheSize() > 0) {
            listener = new Thread(this::listen, "saef-keystore-listener");
            listener.setDaemon(true);
        } else {
            listener = null;
        }
    }

    /**
     * Same as {@link #open(String, char[], Settings)} with {@link Settings#defaults()}.
     *
     * @param url {@code jdbc:postgresql://host:port/db?user=...}
     * @param password the key store password; not modified (the caller zeroes it)
     * @return the open store
     * @throws GeneralSecurityException as {@link #open(String, char[], Settings)}
     */
    public static PostgresKeyStore open(String url, char[] password) throws GeneralSecurityException {
        return open(url, password, Settings.defaults());
    }

    /**
     * Connects, creates or migrates the tables, derives the KEK and checks the password. The first open of an empty
     * database creates the store (new salt and check value) with this password.
     *
     * @param url {@code jdbc:postgresql://host:port/db?user=...}
     * @param password the key store password; not modified (the caller zeroes it); never sent to the database
     * @param settings tunables
     * @return the open store; waits up to the time limit for its change listener to be up
     * @throws UnrecoverableKeyException when the password is not the one the store was created with
     * @throws KeyStoreException when the database cannot be reached or used (no driver, refused, too slow, newer
     *     schema), naming the store (URL without password) and the cause
     * @throws GeneralSecurityException when the JDK lacks PBKDF2 or AES key wrap
     */
    public static PostgresKeyStore open(String url, char[] password, Settings settings) throws GeneralSecurityException {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(settings, "settings");
        String where = "key store " + JdbcUrls.redact(url);
        if (!JdbcUrls.isPostgres(url)) {
            throw new KeyStoreException(where + ": only jdbc:postgresql: URLs name a database key store");
        }
        if (password.length == 0) {
            throw new UnrecoverableKeyException(where + ": the key store password is empty; the keys are encrypted"
                    + " under a key derived from it, so give one");
        }
        ConnectionPool pool = new ConnectionPool(url, settings.poolSize(), settings.timeoutSeconds());
        KeyWrap wrap = null;
        try {
            Connection c = borrow(pool, where);
            boolean ok = false;
            try {
                Schema.migrate(c);
                StoreRow row = readStoreRow(c);
                if (row == null) {
                    byte[] salt = KeyWrap.random(KeyWrap.SALT_OCTETS);
                    wrap = KeyWrap.derive(password, salt, settings.iterations());
                    insertStoreRow(c, salt, settings.iterations(), wrap.newCheckValue());
                    StoreRow created = readStoreRow(c);
                    if (!Arrays.equals(created.salt, salt) || created.iterations != settings.iterations()) {
                        wrap.destroy(); // another node created the store at the same moment: use its parameters
                        wrap = null;
                    }
                    row = created;
                }
                if (!KDF.equals(row.kdf) || !KeyWrap.TRANSFORMATION.equals(row.wrap)) {
                    throw new KeyStoreException(where + ": the store uses " + row.kdf + " and " + row.wrap
                            + ", which this SAEF-JSSE does not know; upgrade it");
                }
                if (row.iterations < 1 || row.iterations > MAX_ITERATIONS) {
                    throw new KeyStoreException(where + ": saef_key_store has an iteration count out of range ("
                            + row.iterations + "); the row is damaged");
                }
                if (wrap == null) {
                    wrap = KeyWrap.derive(password, row.salt, row.iterations);
                }
                if (!wrap.verifies(row.checkValue)) {
                    throw new UnrecoverableKeyException(where + ": wrong key store password: the keys in this"
                            + " database are encrypted under a key derived from another password (the store's check"
                            + " value does not unwrap). Fix: give the password the store was created with");
                }
                ok = true;
                PostgresKeyStore store = new PostgresKeyStore(where, settings, pool, wrap, row.iterations);
                if (store.listener != null) {
                    store.listener.start();
                    try {
                        store.firstListen.await(settings.timeoutSeconds(), TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return store;
            } finally {
                pool.release(c, ok);
            }
        } catch (SQLException e) {
            destroy(wrap);
            pool.close();
            throw new KeyStoreException(where + ": " + describe(e), e);
        } catch (GeneralSecurityException | RuntimeException e) {
            destroy(wrap);
            pool.close();
            throw e;
        }
    }

    private static void destroy(KeyWrap w) {
        if (w != null) {
            w.destroy();
        }
    }

    private static Connection borrow(ConnectionPool pool, String where) throws SQLException {
        try {
            return pool.borrow();
        } catch (SQLException e) {
            if ("08001".equals(e.getSQLState()) && e.getMessage() != null && e.getMessage().startsWith("No suitable driver")) {
                // not chained: DriverManager's message quotes the whole URL, password included
                throw new SQLException("no JDBC driver for PostgreSQL: put org.postgresql:postgresql (42.7 or later) on"
                        + " the class path", e.getSQLState());
            }
            throw e;
        }
    }

    private record StoreRow(String kdf, byte[] salt, int iterations, String wrap, byte[] checkValue) {
    }

    private static StoreRow readStoreRow(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT kdf, salt, iterations, wrap, check_value FROM saef_key_store"
                        + " WHERE id = 1")) {
            return rs.next() ? new StoreRow(rs.getString(1), rs.getBytes(2), rs.getInt(3), rs.getString(4),
                    rs.getBytes(5)) : null;
        }
    }

    private static void insertStoreRow(Connection c, byte[] salt, int iterations, byte[] check) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("INSERT INTO saef_key_store (id, kdf, salt, iterations, wrap,"
                + " check_value) VALUES (1, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING")) {
            p.setString(1, KDF);
            p.setBytes(2, salt);
            p.setInt(3, iterations);
            p.setString(4, KeyWrap.TRANSFORMATION);
            p.setBytes(5, check);
            p.executeUpdate();
        }
    }

    /** @return the cause of a database failure, for a message (the driver's text names no password) */
    static String describe(SQLException e) {
        String state = e.getSQLState();
        String msg = e.getMessage() == null ? e.getClass().getName() : e.getMessage();
        boolean unreachable = isConnectionFailure(e);
        return msg + (state != null ? " (SQLSTATE " + state + ")" : "")
                + (unreachable ? "; the database is down, unreachable or too slow: check it and the network" : "");
    }

    // ---------------------------------------------------------------- lookups

    /**
     * @return the Kpsa (a fresh key the caller owns and destroys), or null when the store has no row for the KpsaID
     * @throws KeyStoreException when the database is down or too slow (after at most the time limit), naming the
     *     store and the cause
     * @throws java.security.InvalidKeyException when the row does not unwrap (written under another password,
     *     damaged, or another KpsaID's ciphertext)
     * @throws IllegalStateException after {@link #close()}
     */
    @Override
    public SecretKey getKey(KpsaId kpsaId) throws GeneralSecurityException {
        byte[] wrapped = lookup(kpsaId);
        return wrapped == null ? null : wrap.unwrap(kpsaId.value(), wrapped);
    }

    /**
     * @return whether the store has a row for the KpsaID (nothing is unwrapped)
     * @throws KeyStoreException as {@link #getKey}
     */
    @Override
    public boolean hasKey(KpsaId kpsaId) throws GeneralSecurityException {
        return lookup(kpsaId) != null;
    }

    /**
     * @return true: a lookup may wait for the database (up to {@link Settings#timeoutSeconds}), so a server
     *     {@code SSLEngine} runs it as a delegated task
     */
    @Override
    public boolean lookupsMayBlock() {
        return true;
    }

    private byte[] lookup(KpsaId kpsaId) throws GeneralSecurityException {
        Objects.requireNonNull(kpsaId, "kpsaId");
        checkOpen();
        String id = kpsaId.value();
        boolean useCache = listening;
        if (useCache) {
            synchronized (cache) {
                Cached c = cache.get(id);
                if (c != null) {
                    if (System.nanoTime() - c.expiresAtNanos < 0) {
                        return c.wrapped;
                    }
                    cache.remove(id);
                }
            }
        }
        long gen = generation.get();
        byte[] wrapped = query(id);
        if (useCache && listening) {
            synchronized (cache) {
                if (generation.get() == gen) {
                    cache.put(id, new Cached(wrapped, System.nanoTime() + settings.cacheTtl().toNanos()));
                }
            }
        }
        return wrapped;
    }

    private byte[] query(String id) throws KeyStoreException {
        return withConnection("cannot look up KpsaID " + QuotedText.quote(id), c -> {
            try (PreparedStatement p = c.prepareStatement("SELECT wrapped_key FROM saef_kpsa WHERE kpsa_id = ?")) {
                p.setString(1, id);
                try (ResultSet rs = p.executeQuery()) {
                    return rs.next() ? rs.getBytes(1) : null;
                }
            }
        });
    }

    @FunctionalInterface
    private interface Work<T> {
        T run(Connection c) throws SQLException, GeneralSecurityException;
    }

    private <T> T withConnection(String what, Work<T> work) throws KeyStoreException {
        try {
            return attempt(what, work);
        } catch (SQLException e) {
            if (!isConnectionFailure(e)) {
                throw new KeyStoreException(where + ": " + what + ": " + describe(e), e);
            }
            // a pooled connection the server has closed (restart, failover): once more, on a new connection
            pool.closeIdle();
            try {
                return attempt(what, work);
            } catch (SQLException again) {
                throw new KeyStoreException(where + ": " + what + ": " + describe(again), again);
            }
        }
    }

    /** @return whether the SQLSTATE says the connection, not the statement, failed (classes 08 and 57P) */
    static boolean isConnectionFailure(SQLException e) {
        String state = e.getSQLState();
        return state != null && (state.startsWith("08") || state.startsWith("57P"));
    }

    private <T> T attempt(String what, Work<T> work) throws SQLException, KeyStoreException {
        Connection c = null;
        boolean ok = false;
        try {
            c = borrow(pool, where);
            T result = work.run(c);
            ok = true;
            return result;
        } catch (KeyStoreException e) {
            throw e;
        } catch (GeneralSecurityException e) {
            throw new KeyStoreException(where + ": " + what + ": " + e.getMessage(), e);
        } finally {
            if (c != null) {
                pool.release(c, ok);
            }
        }
    }

    // ---------------------------------------------------------------- writes (saef keys)

    /**
     * Stores a Kpsa for a KpsaID, replacing the key it had ({@code saef keys add}). Every node sees the change at
     * once (its cached entry is dropped by the change notification).
     *
     * @param kpsaId the KpsaID
     * @param key the Kpsa ({@code getEncoded()} gives the raw octets); not modified
     * @return true when the KpsaID was new, false when its key was replaced
     * @throws KeyStoreException when the database refuses or is unreachable
     */
    public boolean put(KpsaId kpsaId, SecretKey key) throws GeneralSecurityException {
        checkOpen();
        byte[] wrapped = wrapKey(kpsaId, key);
        try {
            return withConnection("cannot store the key of KpsaID " + QuotedText.quote(kpsaId.value()), c -> {
                try (PreparedStatement p = c.prepareStatement("INSERT INTO saef_kpsa (kpsa_id, wrapped_key)"
                        + " VALUES (?, ?) ON CONFLICT (kpsa_id) DO UPDATE SET wrapped_key = EXCLUDED.wrapped_key,"
                        + " updated_at = now() RETURNING (xmax = 0)")) {
                    p.setString(1, kpsaId.value());
                    p.setBytes(2, wrapped);
                    try (ResultSet rs = p.executeQuery()) {
                        rs.next();
                        return rs.getBoolean(1);
                    }
                }
            });
        } finally {
            invalidate(kpsaId.value());
        }
    }

    /**
     * Replaces the Kpsa of a KpsaID the store has ({@code saef keys rotate}).
     *
     * @param kpsaId the KpsaID
     * @param key the new Kpsa; not modified
     * @return false when the store has no row for the KpsaID (nothing was written)
     * @throws KeyStoreException when the database refuses or is unreachable
     */
    public boolean replace(KpsaId kpsaId, SecretKey key) throws GeneralSecurityException {
        checkOpen();
        byte[] wrapped = wrapKey(kpsaId, key);
        try {
            return withConnection("cannot replace the key of KpsaID " + QuotedText.quote(kpsaId.value()), c -> {
                try (PreparedStatement p = c.prepareStatement("UPDATE saef_kpsa SET wrapped_key = ?, updated_at = now()"
                        + " WHERE kpsa_id = ?")) {
                    p.setBytes(1, wrapped);
                    p.setString(2, kpsaId.value());
                    return p.executeUpdate() == 1;
                }
            });
        } finally {
            invalidate(kpsaId.value());
        }
    }

    /**
     * Deletes the Kpsa of a KpsaID ({@code saef keys remove}).
     *
     * @param kpsaId the KpsaID
     * @return false when the store had no row for it
     * @throws KeyStoreException when the database refuses or is unreachable
     */
    public boolean remove(KpsaId kpsaId) throws GeneralSecurityException {
        checkOpen();
        try {
            return withConnection("cannot remove KpsaID " + QuotedText.quote(kpsaId.value()), c -> {
                try (PreparedStatement p = c.prepareStatement("DELETE FROM saef_kpsa WHERE kpsa_id = ?")) {
                    p.setString(1, kpsaId.value());
                    return p.executeUpdate() == 1;
                }
            });
        } finally {
            invalidate(kpsaId.value());
        }
    }

    /**
     * Stores many Kpsa keys in one transaction (bulk provisioning), replacing existing ones.
     *
     * @param keys KpsaID to key; the keys are not modified
     * @return how many rows were written
     * @throws KeyStoreException when the database refuses or is unreachable (nothing is written)
     */
    public int putAll(Map<KpsaId, ? extends SecretKey> keys) throws GeneralSecurityException {
        checkOpen();
        List<Map.Entry<String, byte[]>> rows = new ArrayList<>(keys.size());
        for (Map.Entry<KpsaId, ? extends SecretKey> e : keys.entrySet()) {
            rows.add(Map.entry(e.getKey().value(), wrapKey(e.getKey(), e.getValue())));
        }
        try {
            return withConnection("cannot store " + rows.size() + " keys", c -> {
                c.setAutoCommit(false);
                try (PreparedStatement p = c.prepareStatement("INSERT INTO saef_kpsa (kpsa_id, wrapped_key)"
                        + " VALUES (?, ?) ON CONFLICT (kpsa_id) DO UPDATE SET wrapped_key = EXCLUDED.wrapped_key,"
                        + " updated_at = now()")) {
                    int n = 0;
                    for (Map.Entry<String, byte[]> r : rows) {
                        p.setString(1, r.getKey());
                        p.setBytes(2, r.getValue());
                        p.addBatch();
                        if (++n % 1000 == 0) {
                            p.executeBatch();
                        }
                    }
                    p.executeBatch();
                    c.commit();
                    return n;
                } catch (SQLException | RuntimeException e) {
                    Schema.rollbackQuietly(c);
                    throw e;
                } finally {
                    c.setAutoCommit(true);
                }
            });
        } finally {
            invalidateAll();
        }
    }

    private byte[] wrapKey(KpsaId kpsaId, SecretKey key) throws GeneralSecurityException {
        Objects.requireNonNull(kpsaId, "kpsaId");
        Objects.requireNonNull(key, "key");
        byte[] octets = key.getEncoded();
        if (octets == null || octets.length == 0) {
            throw new KeyStoreException("the key for KpsaID " + QuotedText.quote(kpsaId.value())
                    + " has no raw encoding; a PSK must be exportable octets");
        }
        try {
            return wrap.wrap(kpsaId.value(), octets);
        } finally {
            Arrays.fill(octets, (byte) 0);
        }
    }

    /**
     * @return every KpsaID in the store, sorted by octets; never keys
     * @throws KeyStoreException when the database is unreachable
     */
    public List<String> kpsaIds() throws GeneralSecurityException {
        checkOpen();
        return withConnection("cannot list the KpsaIDs", c -> {
            List<String> ids = new ArrayList<>();
            try (Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT kpsa_id FROM saef_kpsa ORDER BY kpsa_id")) {
                while (rs.next()) {
                    ids.add(rs.getString(1));
                }
            }
            return List.copyOf(ids);
        });
    }

    // ---------------------------------------------------------------- change notifications

    private void invalidate(String id) {
        generation.incrementAndGet();
        synchronized (cache) {
            cache.remove(id);
        }
    }

    private void invalidateAll() {
        generation.incrementAndGet();
        synchronized (cache) {
            cache.clear();
        }
    }

    /** The listener thread: LISTEN, then drop each notified KpsaID from the cache; reconnect after a failure. */
    private void listen() {
        while (!closed) {
            Connection c = null;
            try {
                c = pool.open();
                try (Statement s = c.createStatement()) {
                    s.execute("LISTEN " + Schema.CHANNEL);
                }
                Notifications n = Notifications.of(c);
                invalidateAll(); // changes may have been missed while not listening
                listening = true;
                firstListen.countDown();
                long nextCheck = System.nanoTime() + HEARTBEAT_NANOS;
                while (!closed) {
                    for (String id : n.poll(250)) {
                        if (id.isEmpty()) {
                            invalidateAll();
                        } else {
                            invalidate(id);
                        }
                    }
                    if (System.nanoTime() - nextCheck > 0) {
                        // a silent connection may be a dead one (a partition sends no reset): ask, within the
                        // socket time limit, so that the cache is not trusted on a connection that cannot notify
                        try (Statement s = c.createStatement()) {
                            s.execute("SELECT 1");
                        }
                        nextCheck = System.nanoTime() + HEARTBEAT_NANOS;
                    }
                }
            } catch (SQLException | RuntimeException e) {
                // database down or driver without notifications: serve without cache until it is back, and drop
                // pooled connections that may be dead too
                pool.closeIdle();
            } finally {
                listening = false;
                invalidateAll();
                ConnectionPool.closeQuietly(c);
            }
            firstListen.countDown();
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** {@code PGConnection.getNotifications(int)} of the PostgreSQL driver, by reflection. */
    private record Notifications(Object pg, Method get, Method parameter) {
        static Notifications of(Connection c) throws SQLException {
            try {
                ClassLoader loader = c.getClass().getClassLoader();
                Class<?> pgConnection = Class.forName("org.postgresql.PGConnection", false, loader);
                Class<?> pgNotification = Class.forName("org.postgresql.PGNotification", false, loader);
                return new Notifications(c.unwrap(pgConnection), pgConnection.getMethod("getNotifications", int.class),
                        pgNotification.getMethod("getParameter"));
            } catch (ReflectiveOperationException e) {
                throw new SQLException("the JDBC driver has no PostgreSQL notifications: " + e);
            }
        }

        List<String> poll(int millis) throws SQLException {
            try {
                Object[] got = (Object[]) get.invoke(pg, millis);
                if (got == null || got.length == 0) {
                    return List.of();
                }
                List<String> ids = new ArrayList<>(got.length);
                for (Object o : got) {
                    ids.add((String) parameter.invoke(o));
                }
                return ids;
            } catch (InvocationTargetException e) {
                if (e.getCause() instanceof SQLException s) {
                    throw s;
                }
                throw new SQLException("reading notifications failed", e.getCause());
            } catch (IllegalAccessException e) {
                throw new SQLException("reading notifications failed", e);
            }
        }
    }

    /** @return whether the change listener is connected (the cache is in use only then) */
    public boolean listening() {
        return listening;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("this PostgreSQL key store has been closed");
        }
    }

    /** @return e.g. {@code PostgreSQL key store jdbc:postgresql://db:5432/saef?user=saef&password=***} */
    public String description() {
        return "PostgreSQL " + where + " (PBKDF2-HMAC-SHA256, " + iterations + " iterations, AES key wrap)";
    }

    /** Stops the listener, closes every connection and zeroes the KEK; later lookups fail. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (listener != null) {
            listener.interrupt();
            try {
                listener.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        pool.close();
        invalidateAll();
        wrap.destroy();
    }

    /** @return {@code PostgresKeyStore[}{@link #description()}{@code ]} */
    @Override
    public String toString() {
        return "PostgresKeyStore[" + description() + "]";
    }
}
