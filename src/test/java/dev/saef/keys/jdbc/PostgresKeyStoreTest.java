package dev.saef.keys.jdbc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.saef.identity.IdentityMode;
import dev.saef.identity.KpsaId;
import dev.saef.keys.PskSecretKey;
import java.security.InvalidKeyException;
import java.security.KeyStoreException;
import java.security.UnrecoverableKeyException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import javax.crypto.SecretKey;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link PostgresKeyStore} against a real PostgreSQL server ({@link TestPostgres}; skipped, with the reason, only when
 * no PostgreSQL server binaries are installed). Each test works in a schema of its own.
 */
@Timeout(60)
class PostgresKeyStoreTest {

    static final int FAST_ITERATIONS = 2_000;
    static final String PASSWORD = "store-pw-1";
    static TestPostgres pg;

    @BeforeAll
    static void startPostgres() throws Exception {
        assumeTrue(TestPostgres.findBin().isPresent(), "no PostgreSQL server binaries (apt-get install postgresql)");
        pg = TestPostgres.shared();
    }

    static String freshSchema() throws Exception {
        return TestPostgres.freshSchema();
    }

    static PostgresKeyStore open(String url, String password) throws Exception {
        return PostgresKeyStore.open(url, password.toCharArray(),
                PostgresKeyStore.Settings.defaults().withIterations(FAST_ITERATIONS));
    }

    static KpsaId id(String s) {
        return KpsaId.parse(s, IdentityMode.STRICT);
    }

    static byte[] octets(SecretKey k) {
        byte[] b = k.getEncoded();
        return b;
    }

    static void await(String what, long millis, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + " did not happen within " + millis + " ms");
            }
            Thread.sleep(10);
        }
    }

    @Test
    void storesLooksUpAndListsByExactKpsaId() throws Exception {
        String url = freshSchema();
        byte[] key = HexFormat.of().parseHex("00112233445566778899aabbccddeeff");
        try (PostgresKeyStore store = open(url, PASSWORD)) {
            assertTrue(store.put(id("ae1@sp.example.com"), new PskSecretKey(key)));
            assertFalse(store.put(id("ae1@sp.example.com"), new PskSecretKey(key)), "second put replaces");
            assertTrue(store.put(id("AE1@sp.example.com"), new PskSecretKey(new byte[] {1, 2, 3})));
            assertArrayEquals(key, octets(store.getKey(id("ae1@sp.example.com"))));
            assertArrayEquals(new byte[] {1, 2, 3}, octets(store.getKey(id("AE1@sp.example.com"))));
            assertNull(store.getKey(id("Ae1@sp.example.com")), "exact case only");
            assertTrue(store.hasKey(id("ae1@sp.example.com")));
            assertEquals(List.of("AE1@sp.example.com", "ae1@sp.example.com"), store.kpsaIds());
            SecretKey k = store.getKey(id("ae1@sp.example.com"));
            k.destroy();
            assertArrayEquals(key, octets(store.getKey(id("ae1@sp.example.com"))), "each call a fresh key");
            assertTrue(store.remove(id("AE1@sp.example.com")));
            assertFalse(store.remove(id("AE1@sp.example.com")));
            assertFalse(store.replace(id("AE1@sp.example.com"), new PskSecretKey(key)));
            assertTrue(store.replace(id("ae1@sp.example.com"), new PskSecretKey(new byte[] {9})));
            assertArrayEquals(new byte[] {9}, octets(store.getKey(id("ae1@sp.example.com"))));
            assertTrue(store.description().contains("password=***"), store.description());
            assertFalse(store.description().contains(TestPostgres.PASSWORD), store.description());
        }
    }

    @Test
    void theTableHoldsCiphertextNeverTheKeyOrPassword() throws Exception {
        String url = freshSchema();
        byte[] key = HexFormat.of().parseHex("a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0");
        try (PostgresKeyStore store = open(url, PASSWORD)) {
            store.put(id("ae1@sp.example.com"), new PskSecretKey(key));
        }
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            byte[] wrapped;
            try (ResultSet rs = s.executeQuery("SELECT wrapped_key FROM saef_kpsa WHERE kpsa_id = 'ae1@sp.example.com'")) {
                assertTrue(rs.next());
                wrapped = rs.getBytes(1);
            }
            // RFC 5649: 16-octet tag + 32-octet key, padded to 8, plus the 8-octet integrity block
            assertEquals(KeyWrap.TAG_OCTETS + key.length + 8, wrapped.length);
            String hex = HexFormat.of().formatHex(wrapped);
            for (int i = 0; i + 4 <= key.length; i++) {
                assertFalse(hex.contains(HexFormat.of().formatHex(key, i, i + 4)), "key octets in the ciphertext");
            }
            try (ResultSet rs = s.executeQuery("SELECT kdf, iterations, wrap, length(salt) FROM saef_key_store")) {
                assertTrue(rs.next());
                assertEquals("PBKDF2WithHmacSHA256", rs.getString(1));
                assertEquals(FAST_ITERATIONS, rs.getInt(2));
                assertEquals("AES/KWP/NoPadding", rs.getString(3));
                assertEquals(16, rs.getInt(4));
            }
            // nothing in the schema holds the password
            try (ResultSet rs = s.executeQuery("SELECT string_agg(t::text, '') FROM saef_key_store t")) {
                rs.next();
                assertFalse(rs.getString(1).contains(PASSWORD));
                assertFalse(rs.getString(1).contains(HexFormat.of().formatHex(PASSWORD.getBytes())));
            }
        }
    }

    @Test
    void aWrongPasswordIsRefusedWithCauseAndFix() throws Exception {
        String url = freshSchema();
        try (PostgresKeyStore store = open(url, PASSWORD)) {
            store.put(id("ae1@sp.example.com"), new PskSecretKey(new byte[16]));
        }
        UnrecoverableKeyException e = assertThrows(UnrecoverableKeyException.class, () -> open(url, "another-pw"));
        assertTrue(e.getMessage().contains("wrong key store password"), e.getMessage());
        assertTrue(e.getMessage().contains("Fix: give the password the store was created with"), e.getMessage());
        assertFalse(e.getMessage().contains("another-pw"), e.getMessage());
        assertFalse(e.getMessage().contains(TestPostgres.PASSWORD), e.getMessage());
        assertTrue(e.getMessage().contains("password=***"), e.getMessage());
    }

    @Test
    void aCiphertextMovedToAnotherKpsaIdIsRefused() throws Exception {
        String url = freshSchema();
        try (PostgresKeyStore store = open(url, PASSWORD)) {
            store.put(id("ae1@sp.example.com"), new PskSecretKey(new byte[] {1, 1, 1, 1}));
            store.put(id("ae2@sp.example.com"), new PskSecretKey(new byte[] {2, 2, 2, 2}));
            try (Connection c = DriverManager.getConnection(url); PreparedStatement p = c.prepareStatement(
                    "UPDATE saef_kpsa SET wrapped_key = (SELECT wrapped_key FROM saef_kpsa WHERE kpsa_id = ?)"
                            + " WHERE kpsa_id = ?")) {
                p.setString(1, "ae1@sp.example.com");
                p.setString(2, "ae2@sp.example.com");
                assertEquals(1, p.executeUpdate());
            }
            await("the notification", 2000, () -> {
                try {
                    store.getKey(id("ae2@sp.example.com"));
                    return false;
                } catch (InvalidKeyException e) {
                    return e.getMessage().contains("belongs to another KpsaID");
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
        }
    }

    @Test
    void twoStoresOnOneDatabaseSeeEachOthersChangesWithinASecond() throws Exception {
        String url = freshSchema();
        KpsaId ae = id("ae7@sp.example.com");
        try (PostgresKeyStore a = open(url, PASSWORD); PostgresKeyStore b = open(url, PASSWORD)) {
            assertTrue(a.listening() && b.listening());
            assertNull(b.getKey(ae)); // cached as absent on b
            long t0 = System.nanoTime();
            a.put(ae, new PskSecretKey(new byte[] {7, 7, 7}));
            await("b sees the add", 1000, () -> present(b, ae, new byte[] {7, 7, 7}));
            long added = System.nanoTime() - t0;
            assertArrayEquals(new byte[] {7, 7, 7}, octets(b.getKey(ae))); // now cached on b
            a.replace(ae, new PskSecretKey(new byte[] {8, 8, 8}));
            await("b sees the rotation", 1000, () -> present(b, ae, new byte[] {8, 8, 8}));
            b.remove(ae);
            await("a sees the removal", 1000, () -> present(a, ae, null));
            System.out.println("change seen by the other store after " + added / 1_000_000 + " ms");
        }
    }

    static boolean present(PostgresKeyStore s, KpsaId id, byte[] expected) {
        try {
            SecretKey k = s.getKey(id);
            return expected == null ? k == null : k != null && java.util.Arrays.equals(expected, k.getEncoded());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void twoNodesCreatingTheStoreAtOnceAgree() throws Exception {
        String url = freshSchema();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            Callable<PostgresKeyStore> opener = () -> open(url, PASSWORD);
            List<Future<PostgresKeyStore>> f = pool.invokeAll(List.of(opener, opener, opener, opener));
            PostgresKeyStore first = f.get(0).get();
            first.put(id("ae1@sp.example.com"), new PskSecretKey(new byte[] {5}));
            for (Future<PostgresKeyStore> s : f) {
                try (PostgresKeyStore store = s.get()) {
                    assertArrayEquals(new byte[] {5}, octets(store.getKey(id("ae1@sp.example.com"))));
                }
            }
        } finally {
            pool.shutdownNow();
        }
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*), max(version) FROM saef_schema_version")) {
            rs.next();
            assertEquals(1, rs.getInt(1));
            assertEquals(1, rs.getInt(2));
        }
    }

    @Test
    void aDatabaseThatIsDownFailsLookupsFastAndClearlyThenRecovers() throws Exception {
        String url = freshSchema();
        try (PostgresKeyStore store = open(url, PASSWORD)) {
            store.put(id("ae1@sp.example.com"), new PskSecretKey(new byte[] {1}));
            assertNotNull(store.getKey(id("ae1@sp.example.com"))); // cached
            pg.stop();
            try {
                await("the listener noticing", 3000, () -> !store.listening());
                long t0 = System.nanoTime();
                KeyStoreException e = assertThrows(KeyStoreException.class, () -> store.getKey(id("ae1@sp.example.com")));
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertTrue(ms < 5_000, ms + " ms");
                assertTrue(e.getMessage().contains("cannot look up KpsaID 'ae1@sp.example.com'"), e.getMessage());
                assertTrue(e.getMessage().contains("the database is down, unreachable or too slow"), e.getMessage());
                assertFalse(e.getMessage().contains(TestPostgres.PASSWORD), e.getMessage());
            } finally {
                pg.startServer();
            }
            await("recovery", 10_000, () -> {
                try {
                    return present(store, id("ae1@sp.example.com"), new byte[] {1});
                } catch (AssertionError e) {
                    return false; // still starting up
                }
            });
            await("listening again", 5_000, store::listening);
        }
    }

    /** Regression: a pooled connection the restarted server closed was reused and failed the lookup. */
    @Test
    void aRestartedDatabaseIsReconnectedOnTheNextLookup() throws Exception {
        String url = freshSchema();
        // no listener (it would close the idle connections when it sees the restart), no cache
        PostgresKeyStore.Settings settings = new PostgresKeyStore.Settings(FAST_ITERATIONS, 0,
                java.time.Duration.ofSeconds(60), 5, 2, false);
        try (PostgresKeyStore store = PostgresKeyStore.open(url, PASSWORD.toCharArray(), settings)) {
            store.put(id("ae1@sp.example.com"), new PskSecretKey(new byte[] {1}));
            assertNotNull(store.getKey(id("ae1@sp.example.com")));
            pg.stop();
            pg.startServer();
            assertArrayEquals(new byte[] {1}, octets(store.getKey(id("ae1@sp.example.com"))));
        }
    }

    /**
     * A listener connection that goes silent (its server process frozen, as in a network partition that sends no
     * reset) is noticed by the heartbeat: the cache stops being trusted.
     */
    @Test
    void aSilentlyDeadListenerConnectionTurnsTheCacheOff() throws Exception {
        String url = freshSchema() + "&ApplicationName=saef-silent-test";
        PostgresKeyStore.Settings settings = new PostgresKeyStore.Settings(FAST_ITERATIONS, 100,
                java.time.Duration.ofSeconds(60), 1, 2, true);
        try (PostgresKeyStore store = PostgresKeyStore.open(url, PASSWORD.toCharArray(), settings)) {
            assertTrue(store.listening());
            long pid;
            try (Connection c = DriverManager.getConnection(pg.url()); Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT pid FROM pg_stat_activity WHERE application_name ="
                            + " 'saef-silent-test' AND query IN ('LISTEN saef_kpsa', 'SELECT 1')")) {
                assertTrue(rs.next(), "the listener's backend");
                pid = rs.getLong(1);
                assertFalse(rs.next(), "one listener backend");
            }
            new ProcessBuilder("kill", "-STOP", Long.toString(pid)).start().waitFor();
            try {
                await("the heartbeat noticing", 5_000, () -> !store.listening());
            } finally {
                new ProcessBuilder("kill", "-CONT", Long.toString(pid)).start().waitFor();
            }
        }
    }

    @Test
    void aUrlThatIsNotPostgresOrAnUnreachableServerIsAClearError() throws Exception {
        KeyStoreException e = assertThrows(KeyStoreException.class,
                () -> PostgresKeyStore.open("jdbc:mysql://x/y?password=secret", "pw".toCharArray()));
        assertTrue(e.getMessage().contains("only jdbc:postgresql: URLs"), e.getMessage());
        assertFalse(e.getMessage().contains("secret"), e.getMessage());
        int closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        e = assertThrows(KeyStoreException.class, () -> PostgresKeyStore.open("jdbc:postgresql://127.0.0.1:" + closedPort
                + "/db?user=u&password=secret", "pw".toCharArray()));
        assertTrue(e.getMessage().contains("the database is down, unreachable or too slow"), e.getMessage());
        assertFalse(e.getMessage().contains("secret"), e.getMessage());
    }

    @Test
    void withoutTheDriverTheErrorSaysWhatToAddAndNeverShowsThePassword() throws Exception {
        java.sql.Driver driver = DriverManager.getDriver(pg.url());
        DriverManager.deregisterDriver(driver);
        try {
            KeyStoreException e = assertThrows(KeyStoreException.class, () -> PostgresKeyStore.open(
                    "jdbc:postgresql://127.0.0.1:1/db?user=u&password=secret", "pw".toCharArray()));
            assertTrue(e.getMessage().contains("no JDBC driver for PostgreSQL: put org.postgresql:postgresql"),
                    e.getMessage());
            for (Throwable t = e; t != null; t = t.getCause()) {
                assertFalse(String.valueOf(t.getMessage()).contains("secret"), t.toString());
            }
        } finally {
            DriverManager.registerDriver(driver);
        }
    }

    @Test
    void redactsPasswords() {
        assertEquals("jdbc:postgresql://h/db?user=u&password=***&ssl=true",
                JdbcUrls.redact("jdbc:postgresql://h/db?user=u&password=p%40ss&ssl=true"));
        assertEquals("jdbc:postgresql://u:***@h/db", JdbcUrls.redact("jdbc:postgresql://u:pw@h/db"));
    }
}
