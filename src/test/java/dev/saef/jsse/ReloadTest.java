package dev.saef.jsse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saef.config.AssociationTable;
import dev.saef.config.ReloadingKeyManager;
import dev.saef.config.SaefConfiguration;
import dev.saef.identity.SaefPrincipal;
import dev.saef.keys.ReloadableKeyManager;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reload without restart (issue 11 item 1), over real TLS handshakes on loopback sockets: a server
 * whose association table is edited while it runs.
 */
class ReloadTest {

    private static final String A = "ae-a@sp.example.com";
    private static final String B = "ae-b@sp.example.com";
    /** The bound of the promise "picked up within 2 s". */
    private static final long PICKUP_MILLIS = 2_000;

    @TempDir
    Path dir;

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private Path table(String text) throws IOException {
        Path f = dir.resolve("associations.txt");
        write(f, text);
        return f;
    }

    private static void write(Path f, String text) throws IOException {
        Files.writeString(f, text);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
    }

    private ReloadingKeyManager manager(Path table, String mode) throws Exception {
        Properties p = new Properties();
        p.setProperty("saef.associations", table.toString());
        p.setProperty("saef.reload", mode);
        ReloadingKeyManager km = ReloadingKeyManager.load(p);
        open.add(km);
        return km;
    }

    private Server server(ReloadingKeyManager km) throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS", Peers.PROVIDER);
        ctx.init(new KeyManager[] {km}, null, null);
        Server s = new Server(ctx);
        open.add(s);
        return s;
    }

    /** A client handshake with the given KpsaID and key; the socket stays open (a live session). */
    private SSLSocket connect(Server s, String kpsaId, String keyHex) throws Exception {
        SSLContext ctx = Peers.context(Peers.clientTable(kpsaId, "127.0.0.1:" + s.port(), keyHex));
        SSLSocket c = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", s.port());
        open.add(c);
        c.setSoTimeout(10_000);
        c.startHandshake();
        return c;
    }

    private static void awaitTrue(String what, long millis, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("not within " + millis + " ms: " + what);
            }
            Thread.sleep(10);
        }
    }

    private static long awaitReload(ReloadingKeyManager km, long before) throws InterruptedException {
        long t0 = System.nanoTime();
        awaitTrue("reload of " + km.files(), PICKUP_MILLIS, () -> km.reloadCount() > before);
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    }

    @Test
    void addedKpsaIdWorksWithoutRestartWithinTwoSeconds() throws Exception {
        Path t = table(Peers.serverTable(A, "CAE-A", Peers.KEY_HEX));
        ReloadingKeyManager km = manager(t, "watch");
        Server s = server(km);
        connect(s, A, Peers.KEY_HEX);
        assertEquals("CAE-A", s.nextSession().getPeerPrincipal().getName());
        assertThrows(SSLException.class, () -> connect(s, B, Peers.OTHER_KEY_HEX), "B is not provisioned yet");
        assertEquals(1, ManagementFactory.getPlatformMBeanServer().getAttribute(km.objectName().orElseThrow(),
                "UnknownIdentitiesCached"), "B is in the negative cache, which the reload must empty");

        long before = km.reloadCount();
        write(t, Peers.serverTable(A, "CAE-A", Peers.KEY_HEX) + Peers.serverTable(B, "CAE-B", Peers.OTHER_KEY_HEX));
        long ms = awaitReload(km, before);
        System.out.println("picked up after " + ms + " ms");
        connect(s, B, Peers.OTHER_KEY_HEX);
        SSLSession serverSide = s.nextSession();
        assertEquals("CAE-B", serverSide.getPeerPrincipal().getName());
    }

    @Test
    void removedKpsaIdIsRefusedAndItsLiveSessionTurnsInvalid() throws Exception {
        Path t = table(Peers.serverTable(A, "CAE-A", Peers.KEY_HEX) + Peers.serverTable(B, "CAE-B", Peers.OTHER_KEY_HEX));
        ReloadingKeyManager km = manager(t, "watch");
        Server s = server(km);
        SSLSocket a = connect(s, A, Peers.KEY_HEX);
        SSLSession aServer = s.nextSession();
        SSLSocket b = connect(s, B, Peers.OTHER_KEY_HEX);
        SSLSession bServer = s.nextSession();
        assertTrue(bServer.isValid());

        long before = km.reloadCount();
        write(t, Peers.serverTable(A, "CAE-A", Peers.KEY_HEX));
        awaitReload(km, before);

        assertThrows(SSLException.class, () -> connect(s, B, Peers.OTHER_KEY_HEX), "B was removed");
        assertFalse(bServer.isValid(), "the live session of the removed association");
        assertTrue(aServer.isValid(), "the live session of an unchanged association");
        assertTrue(a.getSession().isValid());
        assertTrue(b.getSession().isValid(), "the client's own table did not change");
        connect(s, A, Peers.KEY_HEX);
    }

    @Test
    void replacedKeyRefusesTheOldKeyAcceptsTheNewAndInvalidatesTheOldSession() throws Exception {
        Path t = table(Peers.serverTable(A, "CAE-A", Peers.KEY_HEX));
        ReloadingKeyManager km = manager(t, "watch");
        Server s = server(km);
        connect(s, A, Peers.KEY_HEX);
        SSLSession old = s.nextSession();
        assertTrue(old.isValid());

        long before = km.reloadCount();
        write(t, Peers.serverTable(A, "CAE-A", Peers.OTHER_KEY_HEX));
        awaitReload(km, before);

        assertThrows(SSLException.class, () -> connect(s, A, Peers.KEY_HEX), "the old key");
        connect(s, A, Peers.OTHER_KEY_HEX);
        SSLSession fresh = s.nextSession();
        assertTrue(fresh.isValid(), "the session on the new key");
        assertFalse(old.isValid(), "the live session on the replaced key");
    }

    @Test
    void changedPeerIdentityInvalidatesTheSessionBoundToTheOldOne() throws Exception {
        Path t = table(Peers.serverTable(A, "CAE-A", Peers.KEY_HEX));
        ReloadingKeyManager km = manager(t, "manual");
        Server s = server(km);
        connect(s, A, Peers.KEY_HEX);
        SSLSession old = s.nextSession();
        write(t, Peers.serverTable(A, "CAE-OTHER", Peers.KEY_HEX));
        assertTrue(km.reload());
        assertFalse(old.isValid(), "bound to CAE-A, which no longer holds this KpsaID");
        connect(s, A, Peers.KEY_HEX);
        assertEquals("CAE-OTHER", s.nextSession().getPeerPrincipal().getName());
    }

    @Test
    void unchangedAssociationKeepsItsSessionValidAcrossReloads() throws Exception {
        Path t = table(Peers.serverTable(A, "CAE-A", Peers.KEY_HEX));
        ReloadingKeyManager km = manager(t, "manual");
        Server s = server(km);
        connect(s, A, Peers.KEY_HEX);
        SSLSession session = s.nextSession();
        write(t, "# a comment\n" + Peers.serverTable(A, "CAE-A", Peers.KEY_HEX));
        assertTrue(km.reload());
        assertTrue(session.isValid());
        assertEquals(A, ((SaefPrincipal) session.getPeerPrincipal()).kpsaId().orElseThrow().toString());
    }

    /**
     * A session the server resumed (RFC 5246 session ID) is checked against the reloading key manager
     * like a full handshake's: valid while its association is unchanged, invalid once it is replaced.
     * (It was reported invalid at once: the resumption did not record the association's fingerprint.)
     */
    @Test
    void resumedSessionIsValidUntilItsAssociationChanges() throws Exception {
        Path t = table(Peers.serverTable(A, "CAE-A", Peers.KEY_HEX));
        ReloadingKeyManager km = manager(t, "manual");
        Server s = server(km);
        SSLContext client = Peers.context(Peers.clientTable(A, "127.0.0.1:" + s.port(), Peers.KEY_HEX));
        List<SSLSession> sessions = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            SSLSocket c = (SSLSocket) client.getSocketFactory().createSocket("127.0.0.1", s.port());
            open.add(c);
            c.setSoTimeout(10_000);
            c.startHandshake();
            sessions.add(s.nextSession());
        }
        SSLSession resumed = sessions.get(1);
        assertArrayEquals(sessions.get(0).getId(), resumed.getId(), "the second connection resumed the first session");
        assertTrue(resumed.isValid(), "a resumed session of an unchanged association is valid");
        write(t, Peers.serverTable(A, "CAE-A", Peers.OTHER_KEY_HEX));
        assertTrue(km.reload());
        assertFalse(resumed.isValid(), "its Kpsa was replaced");
    }

    @Test
    void invalidEditKeepsTheRunningConfigurationAndTheBeanReportsFileAndLine() throws Exception {
        Path t = table(Peers.serverTable(A, "CAE-A", Peers.KEY_HEX));
        ReloadingKeyManager km = manager(t, "watch");
        Server s = server(km);
        ObjectName name = km.objectName().orElseThrow();
        MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
        assertEquals("", jmx.getAttribute(name, "LastError"));

        write(t, Peers.serverTable(A, "CAE-A", Peers.KEY_HEX) + B + " peer=CAE-B key=hex:0g\n");
        awaitTrue("LastError after the bad edit", PICKUP_MILLIS, () -> km.lastError().isPresent());
        String error = (String) jmx.getAttribute(name, "LastError");
        assertTrue(error.startsWith(t + ":2: "), error);
        assertFalse(error.contains("0g"), "no key text in the message: " + error);
        assertEquals(1, jmx.getAttribute(name, "AssociationCount"));
        connect(s, A, Peers.KEY_HEX); // still running on the old table
        assertEquals(0L, km.reloadCount());

        long before = km.reloadCount();
        write(t, Peers.serverTable(A, "CAE-A", Peers.KEY_HEX) + Peers.serverTable(B, "CAE-B", Peers.OTHER_KEY_HEX));
        awaitReload(km, before);
        assertEquals("", jmx.getAttribute(name, "LastError"));
        connect(s, B, Peers.OTHER_KEY_HEX);
    }

    @Test
    void insecureFileModeIsRefusedOnReloadAsAtStart() throws Exception {
        Path t = table(Peers.serverTable(A, "CAE-A", Peers.KEY_HEX));
        ReloadingKeyManager km = manager(t, "manual");
        Server s = server(km);
        Files.writeString(t, Peers.serverTable(A, "CAE-A", Peers.OTHER_KEY_HEX));
        Files.setPosixFilePermissions(t, PosixFilePermissions.fromString("rw-r--r--"));
        assertFalse(km.reload());
        assertTrue(km.lastError().orElseThrow().contains("chmod"), km.lastError().orElseThrow());
        connect(s, A, Peers.KEY_HEX);
    }

    @Test
    void jmxReloadTriggersAReloadInManualMode() throws Exception {
        Path t = table(Peers.serverTable(A, "CAE-A", Peers.KEY_HEX));
        ReloadingKeyManager km = manager(t, "manual");
        Server s = server(km);
        ObjectName name = km.objectName().orElseThrow();
        MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
        assertEquals("MANUAL", jmx.getAttribute(name, "Mode"));
        assertEquals(t.toString(), jmx.getAttribute(name, "Source"));

        write(t, Peers.serverTable(A, "CAE-A", Peers.KEY_HEX) + Peers.serverTable(B, "CAE-B", Peers.OTHER_KEY_HEX));
        Thread.sleep(ConfigWatcherTiming.QUIET_MILLIS); // manual: nothing watches the file
        assertEquals(0L, km.reloadCount());
        assertThrows(SSLException.class, () -> connect(s, B, Peers.OTHER_KEY_HEX));

        Object result = jmx.invoke(name, "reload", null, null);
        assertEquals("reloaded: 2 associations", result);
        assertEquals(2, jmx.getAttribute(name, "AssociationCount"));
        assertEquals(1L, jmx.getAttribute(name, "ReloadCount"));
        connect(s, B, Peers.OTHER_KEY_HEX);

        km.close();
        assertFalse(jmx.isRegistered(name), "close() unregisters the bean");
    }

    @Test
    void theOldSnapshotsKeysAreZeroedOnceNoHandshakeUsesThem() throws Exception {
        Path t = table(Peers.serverTable(A, "CAE-A", Peers.KEY_HEX));
        ReloadingKeyManager km = manager(t, "manual");
        Server s = server(km);
        connect(s, A, Peers.KEY_HEX);
        SaefConfiguration first = km.configuration();
        AssociationTable firstTable = first.associations();

        // A handshake in progress pins its snapshot: the swap does not release the keys under it.
        ReloadableKeyManager.Snapshot inProgress = km.pin();
        write(t, Peers.serverTable(A, "CAE-A", Peers.OTHER_KEY_HEX));
        assertTrue(km.reload());
        assertFalse(firstTable.isDestroyed(), "still pinned by a handshake in progress");
        assertFalse(firstTable.inlineKeys().isDestroyed());
        assertEquals(Peers.KEY_HEX, java.util.HexFormat.of().formatHex(
                inProgress.getKey(inProgress.chooseServerAssociation(A.getBytes()).orElseThrow()).getEncoded()),
                "the pinned snapshot still answers with its own key");
        inProgress.close();
        assertTrue(firstTable.isDestroyed(), "released once the last pin is gone");
        assertTrue(firstTable.inlineKeys().isDestroyed());

        // without pins, a swap releases the old keys at once
        AssociationTable second = km.configuration().associations();
        write(t, Peers.serverTable(A, "CAE-A", Peers.KEY_HEX));
        assertTrue(km.reload());
        assertTrue(second.inlineKeys().isDestroyed());
        assertFalse(km.configuration().associations().inlineKeys().isDestroyed());
        connect(s, A, Peers.KEY_HEX);
    }

    @Test
    void keyStoreReplacedByRenameIsPickedUpAndTheOldStoreIsDestroyed() throws Exception {
        Path t = table(A + " peer=CAE-A\n");
        Path store = dir.resolve("keys.p12");
        writeStore(store, Peers.KEY_HEX);
        Properties p = new Properties();
        p.setProperty("saef.associations", t.toString());
        p.setProperty("saef.keyStore", store.toString());
        p.setProperty("saef.keyStorePassword", STORE_PASSWORD);
        ReloadingKeyManager km = ReloadingKeyManager.load(p);
        open.add(km);
        Server s = server(km);
        connect(s, A, Peers.KEY_HEX);
        SSLSession old = s.nextSession();
        SaefConfiguration first = km.configuration();

        // the way tools replace a file safely: write a new one, rename it over the old
        Path next = dir.resolve("keys.p12.new");
        writeStore(next, Peers.OTHER_KEY_HEX);
        long before = km.reloadCount();
        Files.move(next, store, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        awaitReload(km, before);

        assertThrows(SSLException.class, () -> connect(s, A, Peers.KEY_HEX), "the old key");
        connect(s, A, Peers.OTHER_KEY_HEX);
        assertTrue(s.nextSession().isValid());
        assertFalse(old.isValid(), "the live session on the replaced key");
        assertThrows(IllegalStateException.class,
                () -> first.keys().getKey(dev.saef.identity.KpsaId.parse(A, dev.saef.identity.IdentityMode.STRICT)),
                "the old key store provider is destroyed");
    }

    private static final String STORE_PASSWORD = "reload-test-password";

    private static void writeStore(Path f, String keyHex) throws Exception {
        java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        dev.saef.keys.KeyStoreKeyWriter.storeKey(ks, dev.saef.identity.KpsaId.parse(A, dev.saef.identity.IdentityMode.STRICT),
                new javax.crypto.spec.SecretKeySpec(java.util.HexFormat.of().parseHex(keyHex), "HmacSHA256"),
                STORE_PASSWORD.toCharArray());
        try (java.io.OutputStream out = Files.newOutputStream(f)) {
            ks.store(out, STORE_PASSWORD.toCharArray());
        }
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
    }

    @Test
    void aHandshakeInProgressFinishesWithTheSnapshotItStartedWith() throws Exception {
        Path t = table(Peers.serverTable(A, "CAE-1", Peers.KEY_HEX));
        ReloadingKeyManager km = manager(t, "manual");
        java.util.concurrent.atomic.AtomicBoolean once = new java.util.concurrent.atomic.AtomicBoolean();
        // between the association choice and the key read of the server's handshake, the table is
        // replaced (new key, new peer) and reloaded
        ReloadMidHandshake wrapper = new ReloadMidHandshake(km, () -> {
            if (once.compareAndSet(false, true)) {
                try {
                    write(t, Peers.serverTable(A, "CAE-2", Peers.OTHER_KEY_HEX));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                assertTrue(km.reload());
            }
        });
        SSLContext ctx = SSLContext.getInstance("TLS", Peers.PROVIDER);
        ctx.init(new KeyManager[] {wrapper}, null, null);
        Server s = new Server(ctx);
        open.add(s);

        connect(s, A, Peers.KEY_HEX); // the old key: the handshake started on the old snapshot
        SSLSession session = s.nextSession();
        assertTrue(once.get(), "the reload happened during the handshake");
        assertEquals("CAE-1", session.getPeerPrincipal().getName(), "bound to the old snapshot's peer");
        assertFalse(session.isValid(), "and invalid at once: its association was replaced");
        connect(s, A, Peers.OTHER_KEY_HEX);
        assertEquals("CAE-2", s.nextSession().getPeerPrincipal().getName());
    }

    /** Runs {@code between} inside a pinned snapshot, after the server chose the association. */
    private static final class ReloadMidHandshake implements ReloadableKeyManager {
        private final ReloadingKeyManager km;
        private final Runnable between;

        ReloadMidHandshake(ReloadingKeyManager km, Runnable between) {
            this.km = km;
            this.between = between;
        }

        @Override
        public Snapshot pin() {
            Snapshot s = km.pin();
            return new Snapshot() {
                @Override
                public java.util.Optional<byte[]> fingerprint(dev.saef.keys.Association a) {
                    return s.fingerprint(a);
                }

                @Override
                public void close() {
                    s.close();
                }

                @Override
                public java.util.Optional<dev.saef.keys.Association> chooseClientAssociation(String h, int p) {
                    return s.chooseClientAssociation(h, p);
                }

                @Override
                public java.util.Optional<dev.saef.keys.Association> chooseServerAssociation(byte[] id) {
                    java.util.Optional<dev.saef.keys.Association> a = s.chooseServerAssociation(id);
                    between.run();
                    return a;
                }

                @Override
                public javax.crypto.SecretKey getKey(dev.saef.keys.Association a) throws java.security.GeneralSecurityException {
                    return s.getKey(a);
                }

                @Override
                public String describe() {
                    return s.describe();
                }
            };
        }

        @Override
        public boolean isCurrent(dev.saef.keys.Association a, byte[] fingerprint) {
            return km.isCurrent(a, fingerprint);
        }

        @Override
        public java.util.Optional<dev.saef.keys.Association> chooseClientAssociation(String h, int p) {
            return km.chooseClientAssociation(h, p);
        }

        @Override
        public java.util.Optional<dev.saef.keys.Association> chooseServerAssociation(byte[] id) {
            java.util.Optional<dev.saef.keys.Association> a = km.chooseServerAssociation(id);
            between.run();
            return a;
        }

        @Override
        public javax.crypto.SecretKey getKey(dev.saef.keys.Association a) throws java.security.GeneralSecurityException {
            return km.getKey(a);
        }

        @Override
        public String describe() {
            return km.describe();
        }
    }

    @Test
    void aContextInitialisedFromSystemPropertiesReloadsAndHasItsBean() throws Exception {
        Path t = table(Peers.serverTable(A, "CAE-A", Peers.KEY_HEX));
        String oldTable = System.getProperty("saef.associations");
        System.setProperty("saef.associations", t.toString());
        SSLContext ctx;
        try {
            ctx = SSLContext.getInstance("TLS", Peers.PROVIDER);
            ctx.init(null, null, null);
        } finally {
            if (oldTable == null) {
                System.clearProperty("saef.associations");
            } else {
                System.setProperty("saef.associations", oldTable);
            }
        }
        Server s = new Server(ctx);
        open.add(s);
        MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
        ObjectName name = jmx.queryNames(new ObjectName("dev.saef:type=Associations,*"), null).stream()
                .filter(n -> n.getKeyProperty("name").equals(ObjectName.quote(t.toString()))).findFirst().orElseThrow();
        assertEquals("WATCH", jmx.getAttribute(name, "Mode"), "watch is the default");

        long before = (Long) jmx.getAttribute(name, "ReloadCount");
        write(t, Peers.serverTable(A, "CAE-A", Peers.KEY_HEX) + Peers.serverTable(B, "CAE-B", Peers.OTHER_KEY_HEX));
        awaitTrue("watched reload", PICKUP_MILLIS, () -> {
            try {
                return (Long) jmx.getAttribute(name, "ReloadCount") > before;
            } catch (javax.management.JMException e) {
                throw new AssertionError(e);
            }
        });
        connect(s, B, Peers.OTHER_KEY_HEX);
    }

    /** How long a test waits to show that something did not happen (well above the watcher's reaction time). */
    static final class ConfigWatcherTiming {
        static final long QUIET_MILLIS = 800;
    }

    /** A SAEF server socket that accepts and handshakes in the background, keeping connections open. */
    private static final class Server implements AutoCloseable {
        private final SSLServerSocket socket;
        private final LinkedBlockingQueue<Object> outcomes = new LinkedBlockingQueue<>();
        private final List<Socket> accepted = new ArrayList<>();
        private final Thread thread;

        Server(SSLContext ctx) throws IOException {
            socket = (SSLServerSocket) ctx.getServerSocketFactory().createServerSocket(0, 50,
                    InetAddress.getLoopbackAddress());
            thread = new Thread(this::run, "reload-test-server");
            thread.setDaemon(true);
            thread.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        private void run() {
            while (!socket.isClosed()) {
                try {
                    SSLSocket c = (SSLSocket) socket.accept();
                    synchronized (accepted) {
                        accepted.add(c);
                    }
                    c.setSoTimeout(10_000);
                    try {
                        c.startHandshake();
                        outcomes.add(c.getSession());
                    } catch (IOException e) {
                        outcomes.add(e);
                    }
                } catch (IOException e) {
                    return; // closed
                }
            }
        }

        /** @return the session of the next successful server handshake (failed ones are skipped) */
        SSLSession nextSession() throws InterruptedException {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < end) {
                Object o = outcomes.poll(100, TimeUnit.MILLISECONDS);
                if (o instanceof SSLSession session) {
                    return session;
                }
            }
            throw new AssertionError("no server handshake completed");
        }

        @Override
        public void close() throws Exception {
            socket.close();
            synchronized (accepted) {
                for (Socket c : accepted) {
                    c.close();
                }
            }
            thread.join(5_000);
        }
    }
}
