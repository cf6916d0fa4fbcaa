package dev.saef.jsse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saef.config.AssociationTable;
import dev.saef.config.PskKeyManagerParameters;
import dev.saef.config.SaefConfiguration;
import dev.saef.identity.IdentityMode;
import dev.saef.identity.KpsaId;
import dev.saef.keys.CompositeKeyProvider;
import dev.saef.keys.PskKeyProvider;
import dev.saef.keys.PskSecretKey;
import java.io.StringReader;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import javax.crypto.SecretKey;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 11 item 2: a server {@code SSLEngine} whose key source may block
 * ({@code PskKeyProvider.lookupsMayBlock()}) looks the client's KpsaID up in a delegated task
 * ({@code NEED_TASK}), so that the thread driving {@code wrap}/{@code unwrap} (an event loop) never
 * waits on the key source; the lookup has a time limit ({@code saef.keyLookupTimeout}); drivers that
 * run tasks inline keep working; key sources that answer from memory need no task. Real handshakes
 * between SAEF engines.
 */
@Timeout(60)
class DelegatedKeyLookupTest {

    static final String KPSA = "meter7@sp.example.com";
    static final byte[] KEY = HexFormat.of().parseHex(Peers.KEY_HEX);
    /** How long the blocking key source blocks; the event loop must never be blocked for anything near it. */
    static final long BLOCK_MILLIS = 600;
    /** What one server engine call may take at most on a loaded machine: far below {@link #BLOCK_MILLIS}. */
    static final long CALL_BOUND_MILLIS = 250;

    private final ExecutorService tasks = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "test-task-executor");
        t.setDaemon(true);
        return t;
    });

    @AfterEach
    void stop() throws InterruptedException {
        tasks.shutdownNow();
        assertTrue(tasks.awaitTermination(10, TimeUnit.SECONDS));
    }

    /** A key source that blocks every lookup until released (a slow database, a remote key service). */
    static class BlockingKeys implements PskKeyProvider {
        volatile CountDownLatch release = new CountDownLatch(1);
        /** The Kpsa this source answers for {@link #KPSA}; replaceable, as a rotation in the store. */
        volatile byte[] key = KEY;
        final List<Thread> callers = new CopyOnWriteArrayList<>();
        final boolean mayBlock;

        BlockingKeys(boolean mayBlock) {
            this.mayBlock = mayBlock;
        }

        @Override
        public SecretKey getKey(KpsaId kpsaId) throws GeneralSecurityException {
            callers.add(Thread.currentThread());
            try {
                if (!release.await(30, TimeUnit.SECONDS)) {
                    throw new GeneralSecurityException("test key source never released");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new GeneralSecurityException("interrupted");
            }
            return kpsaId.toString().equals(KPSA) ? new PskSecretKey(key) : null;
        }

        @Override
        public boolean hasKey(KpsaId kpsaId) {
            return kpsaId.toString().equals(KPSA);
        }

        @Override
        public boolean lookupsMayBlock() {
            return mayBlock;
        }

        /** Releases the lookups after {@code millis}, from a thread of its own. */
        void releaseAfter(long millis) {
            CountDownLatch release = this.release;
            Thread t = new Thread(() -> {
                try {
                    Thread.sleep(millis);
                } catch (InterruptedException e) {
                    // release now
                }
                release.countDown();
            }, "test-key-source-release");
            t.setDaemon(true);
            t.start();
        }
    }

    /** A server context: the association table lists the KpsaID (peer CAE01), its key comes from {@code keys}. */
    static SSLContext serverContext(PskKeyProvider keys, UnaryOperator<SaefConfiguration> tweak) throws Exception {
        AssociationTable t = AssociationTable.parse("server-table", new StringReader(KPSA + " peer=CAE01\n"),
                IdentityMode.STRICT, true);
        SaefConfiguration config = tweak.apply(SaefConfiguration.of(t, CompositeKeyProvider.of(t.inlineKeys(), keys)));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("PSK", Peers.PROVIDER);
        kmf.init(new PskKeyManagerParameters(config));
        SSLContext ctx = SSLContext.getInstance("TLS", Peers.PROVIDER);
        ctx.init(kmf.getKeyManagers(), null, null);
        return ctx;
    }

    static EventLoopDriver.Channel channel(SSLContext server) throws Exception {
        return channel(server, Peers.context(Peers.clientTable(KPSA, "meters.example.net:443", Peers.KEY_HEX)));
    }

    static EventLoopDriver.Channel channel(SSLContext server, SSLContext client) throws Exception {
        SSLEngine ce = client.createSSLEngine("meters.example.net", 443);
        ce.setUseClientMode(true);
        SSLEngine se = server.createSSLEngine();
        se.setUseClientMode(false);
        return new EventLoopDriver.Channel(ce, se);
    }

    /**
     * (a) One event-loop thread drives the server engine: it sees NEED_TASK, hands the task to an
     * executor and keeps turning; no server call blocks for anything near the 600 ms the key source
     * blocks; the lookup runs on another thread; the handshake completes and binds the session.
     */
    @Test
    void aBlockingKeySourceIsLookedUpInADelegatedTaskAndTheEventLoopNeverWaits() throws Exception {
        BlockingKeys keys = new BlockingKeys(true);
        EventLoopDriver.Channel c = channel(serverContext(keys, UnaryOperator.identity()));
        EventLoopDriver loop = new EventLoopDriver(tasks);
        keys.releaseAfter(BLOCK_MILLIS);
        long t0 = System.nanoTime();
        loop.run(30_000, c);
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

        assertNull(c.serverFailure, () -> "server: " + c.serverFailure);
        assertNull(c.clientFailure, () -> "client: " + c.clientFailure);
        assertTrue(c.clientFinished && c.serverFinished, "both sides finished");
        assertTrue(c.serverNeedTask > 0, "the server engine asked for a delegated task");
        assertEquals(1, keys.callers.size(), "one key lookup");
        assertFalse(keys.callers.get(0) == Thread.currentThread(), "the key lookup ran on the event loop");
        assertEquals("CAE01", c.server.getSession().getPeerPrincipal().getName());
        assertEquals("/id-in", c.client.getSession().getPeerPrincipal().getName());
        long maxCall = TimeUnit.NANOSECONDS.toMillis(loop.maxServerCallNanos);
        System.out.println("blocking key source (" + BLOCK_MILLIS + " ms): handshake " + tookMillis
                + " ms, longest server engine call " + maxCall + " ms, loop iterations " + loop.iterations);
        assertTrue(tookMillis >= BLOCK_MILLIS - 50, "the handshake waited for the key source: " + tookMillis + " ms");
        assertTrue(maxCall < CALL_BOUND_MILLIS, "a server engine call blocked the event loop for " + maxCall + " ms");
        assertTrue(loop.iterations > 10, "the loop kept turning while the lookup ran: " + loop.iterations);
        byte[] data = "hello meter".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        assertEquals(new String(data, java.nio.charset.StandardCharsets.US_ASCII), new String(
                EnginePair.transfer(c.client, c.server, data), java.nio.charset.StandardCharsets.US_ASCII));
    }

    /**
     * A resumption re-checks the session's association with the key source (its Kpsa may have been
     * replaced): that lookup runs in a task too, when the ClientHello names a cached session, and the
     * session is resumed.
     */
    @Test
    void aResumptionChecksTheAssociationInADelegatedTask() throws Exception {
        BlockingKeys keys = new BlockingKeys(true);
        keys.release.countDown();
        SSLContext server = serverContext(keys, UnaryOperator.identity());
        SSLContext client = Peers.context(Peers.clientTable(KPSA, "meters.example.net:443", Peers.KEY_HEX));
        EventLoopDriver.Channel first = channel(server, client);
        new EventLoopDriver(tasks).run(30_000, first);
        assertNull(first.serverFailure, () -> "server: " + first.serverFailure);
        byte[] sessionId = first.client.getSession().getId();

        keys.release = new CountDownLatch(1);
        keys.callers.clear();
        keys.releaseAfter(BLOCK_MILLIS);
        EventLoopDriver.Channel second = channel(server, client);
        EventLoopDriver loop = new EventLoopDriver(tasks);
        loop.run(30_000, second);
        assertNull(second.serverFailure, () -> "server: " + second.serverFailure);
        assertTrue(java.util.Arrays.equals(sessionId, second.client.getSession().getId()), "resumed");
        assertTrue(java.util.Arrays.equals(sessionId, second.server.getSession().getId()), "resumed");
        assertTrue(second.serverNeedTask > 0, "the resumption's lookup ran as a task");
        assertEquals(1, keys.callers.size());
        assertFalse(keys.callers.get(0) == Thread.currentThread(), "the key lookup ran on the event loop");
        long maxCall = TimeUnit.NANOSECONDS.toMillis(loop.maxServerCallNanos);
        assertTrue(maxCall < CALL_BOUND_MILLIS, "a server engine call blocked the event loop for " + maxCall + " ms");
        assertEquals("CAE01", second.server.getSession().getPeerPrincipal().getName());
    }

    /** A server context with RFC 5077 session tickets on ({@code saef.sessionTickets}). */
    static SSLContext ticketServer(PskKeyProvider keys) throws Exception {
        return serverContext(keys, cfg -> cfg.withSessionTickets(true));
    }

    /** A SAEF client context that asks for session tickets and resumes with them ({@code saef.clientSessionTickets}). */
    static SSLContext ticketClient() throws Exception {
        return Peers.context(Peers.clientTable(KPSA, "meters.example.net:443", Peers.KEY_HEX),
                cfg -> cfg.withClientSessionTickets(true));
    }

    /** A full handshake on the loop with the key source answering at once; the client now holds a ticket. */
    private EventLoopDriver.Channel fullHandshakeForATicket(BlockingKeys keys, SSLContext server, SSLContext client)
            throws Exception {
        keys.release.countDown();
        EventLoopDriver.Channel first = channel(server, client);
        new EventLoopDriver(tasks).run(30_000, first);
        assertNull(first.serverFailure, () -> "server: " + first.serverFailure);
        assertNull(first.clientFailure, () -> "client: " + first.clientFailure);
        assertEquals(0, java.util.Collections.list(server.getServerSessionContext().getIds()).size(),
                "the session was given away as a ticket, not kept by ID: a resumption can only be by ticket");
        keys.release = new CountDownLatch(1);
        keys.callers.clear();
        return first;
    }

    /**
     * A resumption by RFC 5077 session ticket (its session ID names no cached session) re-checks the
     * session's association with the key source too: that lookup runs as a delegated task, the event loop
     * never waits for the key source, and the resumed session keeps its binding.
     */
    @Test
    void aTicketResumptionChecksTheAssociationInADelegatedTask() throws Exception {
        BlockingKeys keys = new BlockingKeys(true);
        SSLContext server = ticketServer(keys);
        SSLContext client = ticketClient();
        EventLoopDriver.Channel first = fullHandshakeForATicket(keys, server, client);
        byte[] sessionId = first.client.getSession().getId();
        dev.saef.identity.SaefPrincipal bound = (dev.saef.identity.SaefPrincipal) first.server.getSession()
                .getPeerPrincipal();

        keys.releaseAfter(BLOCK_MILLIS);
        EventLoopDriver.Channel second = channel(server, client);
        EventLoopDriver loop = new EventLoopDriver(tasks);
        long t0 = System.nanoTime();
        loop.run(30_000, second);
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertNull(second.serverFailure, () -> "server: " + second.serverFailure);
        assertNull(second.clientFailure, () -> "client: " + second.clientFailure);
        long maxCall = TimeUnit.NANOSECONDS.toMillis(loop.maxServerCallNanos);
        System.out.println("ticket resumption over a blocking key source (" + BLOCK_MILLIS + " ms): handshake "
                + tookMillis + " ms, longest server engine call " + maxCall + " ms");
        assertTrue(java.util.Arrays.equals(sessionId, second.client.getSession().getId()), "resumed by the ticket");
        assertTrue(java.util.Arrays.equals(sessionId, second.server.getSession().getId()), "resumed by the ticket");
        assertEquals(0, java.util.Collections.list(server.getServerSessionContext().getIds()).size());
        assertEquals(1, keys.callers.size(), "one key lookup: the re-check of the ticket's association");
        assertFalse(keys.callers.get(0) == Thread.currentThread(), "the key lookup ran on the event loop");
        assertTrue(second.serverNeedTask > 0, "the ticket resumption's lookup ran as a task");
        assertTrue(maxCall < CALL_BOUND_MILLIS, "a server engine call blocked the event loop for " + maxCall + " ms");
        dev.saef.identity.SaefPrincipal resumed = (dev.saef.identity.SaefPrincipal) second.server.getSession()
                .getPeerPrincipal();
        assertEquals(bound, resumed, "the resumed session keeps its binding");
        assertEquals("CAE01", resumed.getName());
        assertTrue(resumed.isConfigured());
        assertEquals(first.server.getSession().getCreationTime(), second.server.getSession().getCreationTime());
        assertEquals("/id-in", second.client.getSession().getPeerPrincipal().getName());
        byte[] data = "hello again".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        assertEquals("hello again", new String(EnginePair.transfer(second.client, second.server, data),
                java.nio.charset.StandardCharsets.US_ASCII));
    }

    /**
     * A ticket whose Kpsa was replaced in the key source since it was issued is not resumed: the re-check
     * (a task) finds another Kpsa, and the full handshake that follows looks the client's identity up in a
     * task as well. The client still has the old Kpsa, so that full handshake fails at Finished like any
     * wrong key (had the server resumed, it would have succeeded); the loop is never blocked.
     */
    @Test
    void aTicketWhoseKpsaWasReplacedGivesAFullHandshakeThroughTheTask() throws Exception {
        BlockingKeys keys = new BlockingKeys(true);
        SSLContext server = ticketServer(keys);
        SSLContext client = ticketClient();
        EventLoopDriver.Channel first = fullHandshakeForATicket(keys, server, client);
        byte[] sessionId = first.client.getSession().getId();

        keys.key = HexFormat.of().parseHex(Peers.OTHER_KEY_HEX);
        keys.releaseAfter(BLOCK_MILLIS);
        EventLoopDriver.Channel second = channel(server, client);
        EventLoopDriver loop = new EventLoopDriver(tasks);
        loop.run(30_000, second);
        long maxCall = TimeUnit.NANOSECONDS.toMillis(loop.maxServerCallNanos);
        assertNotNull(second.serverFailure, "the full handshake with the old Kpsa fails: the ticket was not resumed");
        assertNotNull(second.clientFailure);
        String m = second.serverFailure.getMessage();
        assertFalse(m.contains("saef.keyLookupTimeout") || m.contains("internal_error"), m);
        assertFalse(java.util.Arrays.equals(sessionId, second.server.getSession().getId()), "not resumed");
        assertEquals(2, keys.callers.size(), "the ticket's re-check, then the full handshake's psk_identity");
        for (Thread t : keys.callers) {
            assertFalse(t == Thread.currentThread(), "a key lookup ran on the event loop");
        }
        assertTrue(second.serverNeedTask >= 2, "both lookups ran as tasks: " + second.serverNeedTask);
        assertTrue(maxCall < CALL_BOUND_MILLIS, "a server engine call blocked the event loop for " + maxCall + " ms");
    }

    /**
     * A ticket the server cannot open (sealed by another server context's ticket keys) gives a full
     * handshake, whose lookup runs as a task; nothing blocks the loop.
     */
    @Test
    void aTicketThatDoesNotOpenGivesAFullHandshake() throws Exception {
        BlockingKeys keys = new BlockingKeys(true);
        SSLContext client = ticketClient();
        EventLoopDriver.Channel first = fullHandshakeForATicket(keys, ticketServer(keys), client);
        byte[] sessionId = first.client.getSession().getId();

        keys.releaseAfter(BLOCK_MILLIS);
        SSLContext other = ticketServer(keys); // other ticket keys: the client's ticket does not open there
        EventLoopDriver.Channel second = channel(other, client);
        EventLoopDriver loop = new EventLoopDriver(tasks);
        loop.run(30_000, second);
        assertNull(second.serverFailure, () -> "server: " + second.serverFailure);
        assertNull(second.clientFailure, () -> "client: " + second.clientFailure);
        assertFalse(java.util.Arrays.equals(sessionId, second.client.getSession().getId()), "a full handshake");
        assertEquals("CAE01", second.server.getSession().getPeerPrincipal().getName());
        assertEquals(1, keys.callers.size(), "only the full handshake's lookup");
        assertFalse(keys.callers.get(0) == Thread.currentThread(), "the key lookup ran on the event loop");
        long maxCall = TimeUnit.NANOSECONDS.toMillis(loop.maxServerCallNanos);
        assertTrue(maxCall < CALL_BOUND_MILLIS, "a server engine call blocked the event loop for " + maxCall + " ms");
    }

    /**
     * Two handshakes on one event-loop thread whose lookups can only complete together (each waits for
     * the other): possible only when neither blocks the loop.
     */
    @Test
    void twoHandshakesOnOneLoopLookUpConcurrently() throws Exception {
        java.util.concurrent.CyclicBarrier both = new java.util.concurrent.CyclicBarrier(2);
        BlockingKeys keys = new BlockingKeys(true) {
            @Override
            public SecretKey getKey(KpsaId kpsaId) throws GeneralSecurityException {
                try {
                    both.await(20, TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new GeneralSecurityException("the other lookup never started: " + e);
                }
                release.countDown();
                return super.getKey(kpsaId);
            }
        };
        SSLContext server = serverContext(keys, UnaryOperator.identity());
        EventLoopDriver.Channel a = channel(server);
        EventLoopDriver.Channel b = channel(server);
        new EventLoopDriver(tasks).run(30_000, a, b);
        for (EventLoopDriver.Channel c : List.of(a, b)) {
            assertNull(c.serverFailure, () -> "server: " + c.serverFailure);
            assertEquals("CAE01", c.server.getSession().getPeerPrincipal().getName());
        }
    }

    /**
     * A driver that runs delegated tasks inline (the JDK's own pattern: {@code while ((t =
     * getDelegatedTask()) != null) t.run();}) completes the handshake too.
     */
    @Test
    void driversThatRunTasksInlineKeepWorking() throws Exception {
        BlockingKeys keys = new BlockingKeys(true);
        keys.release.countDown();
        EventLoopDriver.Channel c = channel(serverContext(keys, UnaryOperator.identity()));
        EnginePair p = new EnginePair(c.client, c.server);
        boolean[] finished = p.handshake();
        assertTrue(finished[0] && finished[1]);
        assertEquals("CAE01", p.server.getSession().getPeerPrincipal().getName());
        assertEquals(1, keys.callers.size());
    }

    /** A key source that answers from memory (the default) is asked in place: no task, no NEED_TASK. */
    @Test
    void aKeySourceThatDoesNotBlockIsAskedInPlace() throws Exception {
        BlockingKeys keys = new BlockingKeys(false);
        keys.release.countDown();
        EventLoopDriver.Channel c = channel(serverContext(keys, UnaryOperator.identity()));
        EventLoopDriver loop = new EventLoopDriver(tasks);
        loop.run(30_000, c);
        assertNull(c.serverFailure, () -> "server: " + c.serverFailure);
        assertEquals(0, c.serverNeedTask);
        assertEquals(List.of(Thread.currentThread()), keys.callers);
    }

    /**
     * (c) A lookup that exceeds {@code saef.keyLookupTimeout} fails the handshake: the task returns at
     * the limit, the next server call throws an {@link SSLHandshakeException} naming the limit and the
     * property, and the client receives {@code internal_error}.
     */
    @Test
    void aLookupOverTheTimeLimitFailsTheHandshakeNamingTheLimit() throws Exception {
        BlockingKeys keys = new BlockingKeys(true);
        List<String> logged = new CopyOnWriteArrayList<>();
        java.util.logging.Logger jul = java.util.logging.Logger.getLogger("dev.saef");
        java.util.logging.Handler capture = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord r) {
                if (r.getMessage() != null && r.getMessage().startsWith("SAEF")) {
                    logged.add(r.getMessage());
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        jul.addHandler(capture);
        try {
            EventLoopDriver.Channel c = channel(serverContext(keys, cfg -> cfg.withKeyLookupTimeout(Duration.ofMillis(300))));
            EventLoopDriver loop = new EventLoopDriver(tasks);
            long t0 = System.nanoTime();
            loop.run(20_000, c);
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertNotNull(c.serverFailure, "the server failed");
            assertTrue(c.serverFailure instanceof SSLHandshakeException, c.serverFailure.toString());
            String m = c.serverFailure.getMessage();
            assertTrue(m.contains("did not finish within 300 ms") && m.contains("saef.keyLookupTimeout")
                    && m.contains(KPSA) && m.contains("internal_error"), m);
            assertNotNull(c.clientFailure, "the client failed");
            assertTrue(c.clientFailure.getMessage().contains("internal_error"), c.clientFailure.getMessage());
            assertTrue(tookMillis < 10_000, "the task gave up at the limit: " + tookMillis + " ms");
            assertTrue(loop.maxServerCallNanos < TimeUnit.MILLISECONDS.toNanos(CALL_BOUND_MILLIS));
            assertFalse(c.server.getSession().isValid());
            assertTrue(logged.stream().anyMatch(l -> l.startsWith("SAEF handshake failed: timeout (server")),
                    "counted and logged as a timeout: " + logged);
        } finally {
            jul.removeHandler(capture);
            keys.release.countDown();
        }
    }
}
