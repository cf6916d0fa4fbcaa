package dev.saef.jsse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.saef.config.AssociationTable;
import dev.saef.config.PskKeyManagerParameters;
import dev.saef.config.ReloadingKeyManager;
import dev.saef.config.SaefConfiguration;
import dev.saef.identity.IdentityMode;
import dev.saef.identity.KpsaId;
import dev.saef.keys.CompositeKeyProvider;
import dev.saef.keys.PskKeyProvider;
import dev.saef.keys.PskSecretKey;
import dev.saef.keys.jdbc.PostgresKeyStore;
import dev.saef.keys.jdbc.TestPostgres;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 11 item 2 with the real PostgreSQL key store ({@link TestPostgres}; skipped, with the reason, only when no
 * PostgreSQL server binaries are installed): a server {@code SSLEngine} driven by one event-loop thread looks the
 * KpsaID up in a delegated task while the database makes the lookup wait (another session holds an exclusive lock
 * on the key table), and never waits on it itself; the bounded negative cache of unknown identities still answers
 * a repeated unknown KpsaID without reaching the store.
 */
@Timeout(120)
class PostgresDelegatedLookupTest {

    static final String KPSA = DelegatedKeyLookupTest.KPSA;
    static final String PASSWORD = "store-pw-engine";
    static TestPostgres pg;

    private final ExecutorService tasks = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "test-task-executor");
        t.setDaemon(true);
        return t;
    });

    @BeforeAll
    static void startPostgres() throws Exception {
        assumeTrue(TestPostgres.findBin().isPresent(), "no PostgreSQL server binaries (apt-get install postgresql)");
        pg = TestPostgres.shared();
    }

    @AfterEach
    void stop() throws InterruptedException {
        tasks.shutdownNow();
        assertTrue(tasks.awaitTermination(10, TimeUnit.SECONDS));
    }

    static PostgresKeyStore openStore(String url) throws Exception {
        return PostgresKeyStore.open(url, PASSWORD.toCharArray(),
                PostgresKeyStore.Settings.defaults().withIterations(2_000));
    }

    static SSLContext serverContext(PskKeyProvider keys) throws Exception {
        AssociationTable t = AssociationTable.parse("server-table", new StringReader(KPSA + " peer=CAE01\n"),
                IdentityMode.STRICT, true);
        SaefConfiguration config = SaefConfiguration.of(t, CompositeKeyProvider.of(t.inlineKeys(), keys));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("PSK", Peers.PROVIDER);
        kmf.init(new PskKeyManagerParameters(config));
        SSLContext ctx = SSLContext.getInstance("TLS", Peers.PROVIDER);
        ctx.init(kmf.getKeyManagers(), null, null);
        return ctx;
    }

    static EventLoopDriver.Channel channel(SSLContext server, String clientKpsa) throws Exception {
        SSLContext client = Peers.context(Peers.clientTable(clientKpsa, "meters.example.net:443", Peers.KEY_HEX));
        SSLEngine ce = client.createSSLEngine("meters.example.net", 443);
        ce.setUseClientMode(true);
        SSLEngine se = server.createSSLEngine();
        se.setUseClientMode(false);
        return new EventLoopDriver.Channel(ce, se);
    }

    /**
     * (b) The key is in PostgreSQL and the database holds the lookup for 600 ms (an exclusive lock on
     * {@code saef_kpsa}, taken by another session): the event loop is never blocked inside the engine, the handshake
     * completes once the database answers.
     */
    @Test
    void aLookupTheDatabaseHoldsUpRunsAsATaskAndTheEventLoopNeverWaits() throws Exception {
        String url = TestPostgres.freshSchema();
        try (PostgresKeyStore store = openStore(url); Connection locker = DriverManager.getConnection(url)) {
            store.put(KpsaId.parse(KPSA, IdentityMode.STRICT), new PskSecretKey(HexFormat.of().parseHex(Peers.KEY_HEX)));
            EventLoopDriver.Channel c = channel(serverContext(store), KPSA);
            locker.setAutoCommit(false);
            try (Statement s = locker.createStatement()) {
                s.execute("LOCK TABLE saef_kpsa IN ACCESS EXCLUSIVE MODE");
            }
            Thread unlock = new Thread(() -> {
                try {
                    Thread.sleep(DelegatedKeyLookupTest.BLOCK_MILLIS);
                    locker.commit();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, "test-unlock");
            unlock.start();
            EventLoopDriver loop = new EventLoopDriver(tasks);
            long t0 = System.nanoTime();
            loop.run(30_000, c);
            long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            unlock.join();
            assertNull(c.serverFailure, () -> "server: " + c.serverFailure);
            assertTrue(c.serverNeedTask > 0, "NEED_TASK");
            assertEquals("CAE01", c.server.getSession().getPeerPrincipal().getName());
            long maxCall = TimeUnit.NANOSECONDS.toMillis(loop.maxServerCallNanos);
            System.out.println("PostgreSQL lookup held " + DelegatedKeyLookupTest.BLOCK_MILLIS + " ms by a lock: handshake "
                    + took + " ms, longest server engine call " + maxCall + " ms");
            assertTrue(took >= DelegatedKeyLookupTest.BLOCK_MILLIS - 50, "the lookup waited for the lock: " + took + " ms");
            assertTrue(maxCall < DelegatedKeyLookupTest.CALL_BOUND_MILLIS, "an engine call blocked for " + maxCall + " ms");
        }
    }

    /**
     * The negative cache ({@code UnknownIdentityCache} of the reloading key manager) keeps working with lookups in
     * tasks: an unknown KpsaID offered again is answered from memory, as unknown, even with the database down, while
     * an unknown KpsaID not yet seen reaches the store and fails with the database.
     */
    @Test
    void aRepeatedUnknownIdentityIsAnsweredByTheNegativeCacheWithoutTheStore(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        String url = TestPostgres.freshSchema();
        try (PostgresKeyStore store = openStore(url)) {
            store.put(KpsaId.parse(KPSA, IdentityMode.STRICT), new PskSecretKey(HexFormat.of().parseHex(Peers.KEY_HEX)));
        }
        Path table = dir.resolve("associations");
        Files.writeString(table, KPSA + " peer=CAE01\n");
        Properties props = new Properties();
        props.setProperty("saef.associations", table.toString());
        props.setProperty("saef.keyStore", url);
        props.setProperty("saef.keyStorePassword", PASSWORD);
        props.setProperty("saef.keyStore.identities", "true");
        props.setProperty("saef.reload", "manual");
        props.setProperty("saef.keyLookupTimeout", "3s");
        try (ReloadingKeyManager km = ReloadingKeyManager.load(props)) {
            SSLContext server = SSLContext.getInstance("TLS", Peers.PROVIDER);
            server.init(new KeyManager[] {km}, null, null);
            PostgresKeyStore store = (PostgresKeyStore) ((CompositeKeyProvider) km.configuration().keys()).providers()
                    .stream().filter(p -> p instanceof PostgresKeyStore).findFirst().orElseThrow();

            EventLoopDriver.Channel first = channel(server, "ghost@sp.example.com");
            new EventLoopDriver(tasks).run(30_000, first);
            assertTrue(first.serverNeedTask > 0, "NEED_TASK");
            assertNotNull(first.serverFailure);
            assertTrue(first.serverFailure.getMessage().contains("'ghost@sp.example.com', which is")
                    && first.serverFailure.getMessage().contains("answered as for a wrong Kpsa"),
                    first.serverFailure.getMessage());

            pg.stop();
            try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (store.listening() && System.nanoTime() < deadline) {
                    Thread.sleep(10); // the store's own cache is used only while it listens
                }
                assertTrue(!store.listening(), "the store noticed the database is down");

                EventLoopDriver.Channel again = channel(server, "ghost@sp.example.com");
                new EventLoopDriver(tasks).run(30_000, again);
                assertNotNull(again.serverFailure);
                assertTrue(again.serverFailure.getMessage().contains("'ghost@sp.example.com', which is not provisioned")
                        && again.serverFailure.getMessage().contains("answered as for a wrong Kpsa"),
                        "answered from the negative cache: " + again.serverFailure.getMessage());

                EventLoopDriver.Channel other = channel(server, "ghost2@sp.example.com");
                new EventLoopDriver(tasks).run(30_000, other);
                assertNotNull(other.serverFailure);
                assertTrue(other.serverFailure.getMessage().contains("internal_error"),
                        "a new unknown identity reaches the (stopped) store: " + other.serverFailure.getMessage());
            } finally {
                pg.startServer();
            }
        }
    }
}
