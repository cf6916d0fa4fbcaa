package dev.saef.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.saef.config.AssociationTable;
import dev.saef.config.PskKeyManagerParameters;
import dev.saef.config.SaefConfigException;
import dev.saef.config.SaefConfiguration;
import dev.saef.config.SaefProperties;
import dev.saef.identity.IdentityMode;
import dev.saef.identity.SaefPrincipal;
import dev.saef.jsse.SaefProvider;
import dev.saef.keys.jdbc.PostgresKeyStore;
import dev.saef.keys.jdbc.TestPostgres;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The PostgreSQL key store end to end, against a real PostgreSQL ({@link TestPostgres}): {@code saef keys
 * add|list|rotate|remove} with {@code --keystore jdbc:postgresql:...}, and real PSK-SAEF handshakes over sockets whose
 * server reads its Kpsa from the database ({@code saef.keyStore=jdbc:...}): a rotation made through the CLI takes
 * effect on the running server, and a database that goes down fails the handshake fast and clearly.
 */
@Timeout(60)
class PostgresKeyStoreCliTest {

    static final String KPSA = "ae42@sp.example.com";
    static final String KEY1 = "00112233445566778899aabbccddeeff";
    static final String KEY2 = "ffeeddccbbaa99887766554433221100";
    static final SaefProvider PROVIDER = new SaefProvider();

    @TempDir
    Path dir;
    final Map<String, String> env = new HashMap<>(Map.of("STOREPW", "cli-store-pw", "K1", KEY1, "K2", KEY2,
            "BADPW", "not-the-store-pw"));

    @BeforeAll
    static void postgres() throws Exception {
        assumeTrue(TestPostgres.findBin().isPresent(), "no PostgreSQL server binaries (apt-get install postgresql)");
        TestPostgres.shared();
    }

    /**
     * @return a new, empty schema holding a store created with few PBKDF2 iterations, so that each {@code saef keys}
     *     run (which derives the KEK with the store's count) stays fast; the production default is 600 000
     */
    static String freshStore() throws Exception {
        String url = TestPostgres.freshSchema();
        PostgresKeyStore.open(url, "cli-store-pw".toCharArray(),
                PostgresKeyStore.Settings.defaults().withIterations(2_000)).close();
        return url;
    }

    String keys(String... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int status = new KeysCommand(new PrintStream(out, true, StandardCharsets.UTF_8), env::get).run(args);
        assertEquals(0, status);
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void keysAddListRotateRemoveAgainstTheDatabase() throws Exception {
        String url = freshStore();
        String out = keys("add", "--keystore", url, "--keystore-password-env", "STOREPW", "--kpsa-id", KPSA,
                "--key-env", "K1");
        assertTrue(out.contains("stored the Kpsa for KpsaID " + KPSA), out);
        assertTrue(out.contains("password=***"), out);
        assertFalse(out.contains(TestPostgres.PASSWORD) || out.contains(KEY1), out);
        keys("add", "--keystore", url, "--keystore-password-env", "STOREPW", "--kpsa-id", "AE43@sp.example.com",
                "--generate", "32");
        assertEquals(List.of("AE43@sp.example.com", KPSA),
                keys("list", "--keystore", url, "--keystore-password-env", "STOREPW").lines().toList());
        out = keys("rotate", "--keystore", url, "--keystore-password-env", "STOREPW", "--kpsa-id", KPSA,
                "--key-env", "K2");
        assertTrue(out.contains("rotated the Kpsa of KpsaID " + KPSA), out);
        SaefConfigException e = assertThrows(SaefConfigException.class, () -> keys("rotate", "--keystore", url,
                "--keystore-password-env", "STOREPW", "--kpsa-id", "ae99@sp.example.com", "--generate", "16"));
        assertTrue(e.getMessage().contains("has no key for KpsaID ae99@sp.example.com to rotate"), e.getMessage());
        keys("remove", "--keystore", url, "--keystore-password-env", "STOREPW", "--kpsa-id", "AE43@sp.example.com");
        assertEquals(List.of(KPSA), keys("list", "--keystore", url, "--keystore-password-env", "STOREPW").lines().toList());
        e = assertThrows(SaefConfigException.class, () -> keys("remove", "--keystore", url, "--keystore-password-env",
                "STOREPW", "--kpsa-id", "AE43@sp.example.com"));
        assertTrue(e.getMessage().contains("has no key for KpsaID AE43@sp.example.com"), e.getMessage());

        e = assertThrows(SaefConfigException.class,
                () -> keys("list", "--keystore", url, "--keystore-password-env", "BADPW"));
        assertTrue(e.getMessage().contains("wrong key store password"), e.getMessage());
        assertTrue(e.getMessage().contains("BADPW, --keystore-password-env"), e.getMessage());
        assertFalse(e.getMessage().contains("not-the-store-pw") || e.getMessage().contains(TestPostgres.PASSWORD),
                e.getMessage());
    }

    @Test
    void keysRotateAndRemoveOnAPkcs12File() throws Exception {
        String store = dir.resolve("keys.p12").toString();
        keys("add", "--keystore", store, "--keystore-password-env", "STOREPW", "--kpsa-id", KPSA, "--key-env", "K1");
        assertTrue(keys("rotate", "--keystore", store, "--keystore-password-env", "STOREPW", "--kpsa-id", KPSA,
                "--key-env", "K2").contains("rotated"));
        assertThrows(SaefConfigException.class, () -> keys("rotate", "--keystore", store, "--keystore-password-env",
                "STOREPW", "--kpsa-id", "ae99@sp.example.com", "--generate", "16"));
        keys("remove", "--keystore", store, "--keystore-password-env", "STOREPW", "--kpsa-id", KPSA);
        assertEquals("", keys("list", "--keystore", store, "--keystore-password-env", "STOREPW"));
    }

    /** A server whose keys come from the database, as {@code saef.keyStore=jdbc:...} configures it. */
    SaefConfiguration serverConfig(String url) throws Exception {
        Path table = dir.resolve("server.table");
        Files.writeString(table, KPSA + " peer=CAE01\n");
        Properties p = new Properties();
        p.setProperty(SaefProperties.ASSOCIATIONS, table.toString());
        p.setProperty(SaefProperties.KEY_STORE, url);
        p.setProperty(SaefProperties.KEY_STORE_PASSWORD, "cli-store-pw");
        return SaefProperties.load(p);
    }

    static SSLContext context(SaefConfiguration config) throws Exception {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("PSK", PROVIDER);
        kmf.init(new PskKeyManagerParameters(config));
        SSLContext ctx = SSLContext.getInstance("TLS", PROVIDER);
        ctx.init(kmf.getKeyManagers(), null, null);
        return ctx;
    }

    static SSLContext client(int port, String keyHex) throws Exception {
        return client(KPSA, port, keyHex);
    }

    static SSLContext client(String kpsa, int port, String keyHex) throws Exception {
        String table = kpsa + " peer=/id-in address=127.0.0.1:" + port + " key=hex:" + keyHex + "\n";
        AssociationTable t = AssociationTable.parse("client", new StringReader(table), IdentityMode.STRICT, true);
        return context(SaefConfiguration.of(t, t.inlineKeys()));
    }

    /** One handshake; returns the server's bound principal name, or throws the server's failure. */
    static String handshake(SSLServerSocket ss, String clientKey) throws Exception {
        return handshake(ss, KPSA, clientKey);
    }

    static String handshake(SSLServerSocket ss, String kpsa, String clientKey) throws Exception {
        CompletableFuture<String> server = CompletableFuture.supplyAsync(() -> {
            try (SSLSocket s = (SSLSocket) ss.accept()) {
                s.startHandshake();
                String name = s.getSession().getPeerPrincipal().getName();
                s.getOutputStream().write(1);
                s.getOutputStream().flush();
                return name;
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        try (SSLSocket c = (SSLSocket) client(kpsa, ss.getLocalPort(), clientKey).getSocketFactory()
                .createSocket("127.0.0.1", ss.getLocalPort())) {
            c.startHandshake();
            assertEquals("/id-in", c.getSession().getPeerPrincipal().getName());
            assertEquals(1, c.getInputStream().read());
        } catch (SSLException e) {
            // the client's view; the server's failure is what the test checks
        }
        try {
            return server.get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw (Exception) e.getCause().getCause();
        }
    }

    @Test
    void handshakesWithKeysFromPostgresFollowARotationAndFailClosedWhenTheDatabaseIsDown() throws Exception {
        String url = freshStore();
        keys("add", "--keystore", url, "--keystore-password-env", "STOREPW", "--kpsa-id", KPSA, "--key-env", "K1");
        try (SaefConfiguration config = serverConfig(url);
                SSLServerSocket ss = (SSLServerSocket) context(config).getServerSocketFactory()
                        .createServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            assertTrue(config.describe().contains("PostgreSQL key store"), config.describe());
            assertFalse(config.describe().contains(TestPostgres.PASSWORD), config.describe());
            assertEquals("CAE01", handshake(ss, KEY1));

            // rotated on "another node" (the CLI's own connection): the running server follows within a second
            keys("rotate", "--keystore", url, "--keystore-password-env", "STOREPW", "--kpsa-id", KPSA, "--key-env", "K2");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            String bound = null;
            while (bound == null) {
                try {
                    bound = handshake(ss, KEY2);
                } catch (SSLHandshakeException e) {
                    assertTrue(System.nanoTime() < deadline, "rotation not seen within 1 s: " + e);
                }
            }
            assertEquals("CAE01", bound);
            assertThrows(SSLHandshakeException.class, () -> handshake(ss, KEY1), "the old key no longer works");

            TestPostgres pg = TestPostgres.shared();
            pg.stop();
            try {
                long t0 = System.nanoTime();
                SSLHandshakeException e = assertThrows(SSLHandshakeException.class, () -> handshake(ss, KEY2));
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertTrue(ms < 10_000, "took " + ms + " ms");
                assertTrue(e.getMessage().contains("cannot look up KpsaID '" + KPSA + "'"), e.getMessage());
                assertTrue(e.getMessage().contains("the database is down, unreachable or too slow"), e.getMessage());
                assertFalse(e.getMessage().contains(TestPostgres.PASSWORD) || e.getMessage().contains("cli-store-pw"),
                        e.getMessage());
            } finally {
                pg.startServer();
            }
            assertEquals("CAE01", handshake(ss, KEY2), "back once the database is");
        }
    }

    @Test
    void withStoreIdentitiesAKpsaIdAddedToTheStoreWorksWithoutATableChange() throws Exception {
        String url = freshStore();
        keys("add", "--keystore", url, "--keystore-password-env", "STOREPW", "--kpsa-id", KPSA, "--key-env", "K1");
        Path table = dir.resolve("server.table");
        Files.writeString(table, KPSA + " peer=CAE01\n");
        Properties p = new Properties();
        p.setProperty(SaefProperties.ASSOCIATIONS, table.toString());
        p.setProperty(SaefProperties.KEY_STORE, url);
        p.setProperty(SaefProperties.KEY_STORE_PASSWORD, "cli-store-pw");
        p.setProperty(SaefProperties.STORE_IDENTITIES, "true");
        String added = "ae77@sp.example.com";
        try (SaefConfiguration config = SaefProperties.load(p);
                SSLServerSocket ss = (SSLServerSocket) context(config).getServerSocketFactory()
                        .createServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            assertThrows(SSLHandshakeException.class, () -> handshake(ss, added, KEY2), "not in the store yet");
            keys("add", "--keystore", url, "--keystore-password-env", "STOREPW", "--kpsa-id", added, "--key-env", "K2");
            assertEquals("12-" + added, untilItWorks(ss, added, KEY2), "bound to the Credential-ID");
            assertEquals("CAE01", handshake(ss, KPSA, KEY1), "table associations unchanged");
            keys("remove", "--keystore", url, "--keystore-password-env", "STOREPW", "--kpsa-id", added);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            while (true) {
                try {
                    handshake(ss, added, KEY2);
                    assertTrue(System.nanoTime() < deadline, "removal not seen within 1 s");
                } catch (SSLHandshakeException e) {
                    break;
                }
            }
        }
        // without the property, a KpsaID outside the table stays unknown
        p.remove(SaefProperties.STORE_IDENTITIES);
        keys("add", "--keystore", url, "--keystore-password-env", "STOREPW", "--kpsa-id", added, "--key-env", "K2");
        try (SaefConfiguration config = SaefProperties.load(p);
                SSLServerSocket ss = (SSLServerSocket) context(config).getServerSocketFactory()
                        .createServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            assertThrows(SSLHandshakeException.class, () -> handshake(ss, added, KEY2));
        }
        // and it needs a database key store
        p.setProperty(SaefProperties.STORE_IDENTITIES, "true");
        p.setProperty(SaefProperties.KEY_STORE, dir.resolve("keys.p12").toString());
        SaefConfigException e = assertThrows(SaefConfigException.class, () -> SaefProperties.load(p));
        assertTrue(e.getMessage().contains("needs saef.keyStore to be a database key store"), e.getMessage());
    }

    static String untilItWorks(SSLServerSocket ss, String kpsa, String key) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        while (true) {
            try {
                return handshake(ss, kpsa, key);
            } catch (SSLHandshakeException e) {
                assertTrue(System.nanoTime() < deadline, "not seen within 1 s: " + e);
            }
        }
    }

    @Test
    void aWrongStorePasswordIsAStartupErrorNamingTheProperty() throws Exception {
        String url = freshStore();
        keys("add", "--keystore", url, "--keystore-password-env", "STOREPW", "--kpsa-id", KPSA, "--key-env", "K1");
        Path table = dir.resolve("t");
        Files.writeString(table, KPSA + " peer=CAE01\n");
        Properties p = new Properties();
        p.setProperty(SaefProperties.ASSOCIATIONS, table.toString());
        p.setProperty(SaefProperties.KEY_STORE, url);
        p.setProperty(SaefProperties.KEY_STORE_PASSWORD, "wrong-one");
        SaefConfigException e = assertThrows(SaefConfigException.class, () -> SaefProperties.load(p));
        assertTrue(e.getMessage().contains("wrong key store password"), e.getMessage());
        assertTrue(e.getMessage().contains(SaefProperties.KEY_STORE_PASSWORD), e.getMessage());
        assertFalse(e.getMessage().contains("wrong-one") || e.getMessage().contains(TestPostgres.PASSWORD), e.getMessage());
        // a table KpsaID without a row: a start-up error naming the store without its password
        Files.writeString(table, "ae77@sp.example.com peer=CAE77\n");
        p.setProperty(SaefProperties.KEY_STORE_PASSWORD, "cli-store-pw");
        e = assertThrows(SaefConfigException.class, () -> SaefProperties.load(p));
        assertTrue(e.getMessage().contains("no key for KpsaID ae77@sp.example.com"), e.getMessage());
        assertFalse(e.getMessage().contains(TestPostgres.PASSWORD), e.getMessage());
    }
}
