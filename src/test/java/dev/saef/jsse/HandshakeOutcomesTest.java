package dev.saef.jsse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Real handshakes (sockets, TLS and DTLS engines) count their outcome in their context's
 * {@code dev.saef:type=Handshakes,context=<n>} MBean, read through the platform MBean server, and
 * log one line each on the {@code dev.saef} {@link System.Logger} (captured here through
 * {@code java.util.logging}, where the JDK's default finder sends it), at the documented level and
 * without key text.
 */
@Timeout(120)
class HandshakeOutcomesTest {

    static final String KPSA = "ae42@sp.example.com";
    static final MBeanServer JMX = ManagementFactory.getPlatformMBeanServer();

    final List<LogRecord> lines = new CopyOnWriteArrayList<>();
    final Logger jul = Logger.getLogger("dev.saef");
    Level julLevel;
    final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            if (r.getMessage() != null && r.getMessage().startsWith("SAEF")) {
                lines.add(r);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void captureLog() {
        julLevel = jul.getLevel();
        jul.setLevel(Level.ALL);
        jul.addHandler(capture);
    }

    @AfterEach
    void releaseLog() {
        jul.removeHandler(capture);
        jul.setLevel(julLevel);
    }

    /** A context built by {@code make} and the JMX name its initialisation registered. */
    record Ctx(SSLContext context, ObjectName bean) {
    }

    static Set<ObjectName> beans() throws Exception {
        return JMX.queryNames(new ObjectName("dev.saef:type=Handshakes,*"), null);
    }

    static Ctx registered(Supplier<SSLContext> make) throws Exception {
        Set<ObjectName> before = new HashSet<>(beans());
        SSLContext c = make.get();
        Set<ObjectName> added = new HashSet<>(beans());
        added.removeAll(before);
        assertEquals(1, added.size(), "one new bean per initialised context: " + added);
        return new Ctx(c, added.iterator().next());
    }

    static Ctx tls(String table, java.util.function.UnaryOperator<dev.saef.config.SaefConfiguration> tweak)
            throws Exception {
        return registered(() -> {
            try {
                return Peers.context(table, tweak);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    static long count(Ctx c, String attribute) throws Exception {
        return (Long) JMX.getAttribute(c.bean(), attribute);
    }

    static final List<String> ATTRIBUTES = List.of("SucceededFull", "SucceededResumed", "UnknownIdentity", "WrongKey",
            "Timeout", "NoCommonSuite", "PeerAlert", "LocalFailure", "InternalError");

    /** Every counter of {@code c} is 0 except those named, which hold the given values; Failed is their failure sum. */
    static void assertCounts(Ctx c, Map<String, Long> expected) throws Exception {
        long failed = 0;
        for (String a : ATTRIBUTES) {
            long want = expected.getOrDefault(a, 0L);
            assertEquals(want, count(c, a), c.bean() + " " + a);
            if (!a.startsWith("Succeeded")) {
                failed += want;
            }
        }
        assertEquals(failed, count(c, "Failed"), c.bean() + " Failed");
    }

    /** One socket handshake between {@code server} and a client built for the server's port. */
    Ctx handshake(Ctx server, String clientKpsa, String clientKey, String[] clientSuites, String[] serverSuites)
            throws Exception {
        try (SSLServerSocket ss = (SSLServerSocket) server.context().getServerSocketFactory()
                .createServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            if (serverSuites != null) {
                ss.setEnabledCipherSuites(serverSuites);
            }
            int port = ss.getLocalPort();
            CompletableFuture<Throwable> serverSide = CompletableFuture.supplyAsync(() -> {
                try (SSLSocket s = (SSLSocket) ss.accept()) {
                    s.startHandshake();
                    return null;
                } catch (Throwable t) {
                    return t;
                }
            });
            Ctx client = tls(Peers.clientTable(clientKpsa, "127.0.0.1:" + port, clientKey), c -> c);
            try (SSLSocket s = (SSLSocket) client.context().getSocketFactory().createSocket("127.0.0.1", port)) {
                if (clientSuites != null) {
                    s.setEnabledCipherSuites(clientSuites);
                }
                s.startHandshake();
            } catch (Exception expectedForFailures) {
                // counted below
            }
            serverSide.get(30, TimeUnit.SECONDS);
            return client;
        }
    }

    /** The captured lines, each checked to hold no key text. */
    List<String> logged() {
        List<String> out = new ArrayList<>();
        for (LogRecord r : lines) {
            String m = r.getMessage();
            assertFalse(m.contains(Peers.KEY_HEX) || m.contains(Peers.OTHER_KEY_HEX), m);
            assertFalse(m.toLowerCase().contains("key=hex"), m);
            out.add(r.getLevel() + " " + m);
        }
        return out;
    }

    void assertLogged(String levelAndPrefix) throws InterruptedException {
        // an outcome is counted before its line is logged (on the handshake's thread): wait for the line
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (logged().stream().noneMatch(s -> s.startsWith(levelAndPrefix)) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        List<String> l = logged();
        assertEquals(1, l.stream().filter(s -> s.startsWith(levelAndPrefix)).count(), levelAndPrefix + " in " + l);
    }

    static Ctx server(boolean hide) throws Exception {
        return tls(Peers.serverTable(KPSA, "CAE01", Peers.KEY_HEX), c -> c.withHideUnknownIdentities(hide));
    }

    @Test
    void success() throws Exception {
        Ctx server = server(true);
        Ctx client = handshake(server, KPSA, Peers.KEY_HEX, null, null);
        assertCounts(server, Map.of("SucceededFull", 1L));
        assertCounts(client, Map.of("SucceededFull", 1L));
        assertEquals("TLS", JMX.getAttribute(server.bean(), "Protocol"));
        assertLogged("FINE SAEF handshake succeeded: full (server, TLS, peer 127.0.0.1:");
        assertLogged("FINE SAEF handshake succeeded: full (client, TLS, peer 127.0.0.1:");
        assertTrue(logged().stream().anyMatch(s -> s.contains("KpsaID " + KPSA + "): TLS_")), logged().toString());
    }

    @Test
    void resumed() throws Exception {
        Ctx server = server(true);
        Ctx client = tls(Peers.clientTable(KPSA, "localhost:4433", Peers.KEY_HEX), c -> c);
        for (int i = 0; i < 2; i++) {
            SSLEngine ce = client.context().createSSLEngine("localhost", 4433);
            ce.setUseClientMode(true);
            SSLEngine se = server.context().createSSLEngine("127.0.0.1", 40000);
            se.setUseClientMode(false);
            new EnginePair(ce, se).handshake();
        }
        assertCounts(server, Map.of("SucceededFull", 1L, "SucceededResumed", 1L));
        assertCounts(client, Map.of("SucceededFull", 1L, "SucceededResumed", 1L));
        assertLogged("FINE SAEF handshake succeeded: resumed (client, TLS");
    }

    @Test
    void wrongKey() throws Exception {
        Ctx server = server(true);
        Ctx client = handshake(server, KPSA, Peers.OTHER_KEY_HEX, null, null);
        assertCounts(server, Map.of("WrongKey", 1L));
        assertCounts(client, Map.of("WrongKey", 1L));
        assertLogged("INFO SAEF handshake failed: wrong_key (server, TLS, peer 127.0.0.1:");
        assertLogged("WARNING SAEF handshake failed: wrong_key (client, TLS, peer 127.0.0.1:");
        assertTrue(logged().stream().allMatch(s -> s.contains("KpsaID " + KPSA)), logged().toString());
    }

    /** saef.unknownIdentity=hide: the server knows and counts an unknown identity; its client sees a wrong key. */
    @Test
    void unknownIdentityHidden() throws Exception {
        Ctx server = server(true);
        Ctx client = handshake(server, "stranger@evil.example.org", Peers.KEY_HEX, null, null);
        assertCounts(server, Map.of("UnknownIdentity", 1L));
        assertCounts(client, Map.of("WrongKey", 1L));
        assertLogged("INFO SAEF handshake failed: unknown_identity (server, TLS, peer 127.0.0.1:");
        assertLogged("WARNING SAEF handshake failed: wrong_key (client, TLS");
    }

    @Test
    void unknownIdentityRevealed() throws Exception {
        Ctx server = server(false);
        Ctx client = handshake(server, "stranger@evil.example.org", Peers.KEY_HEX, null, null);
        assertCounts(server, Map.of("UnknownIdentity", 1L));
        assertCounts(client, Map.of("UnknownIdentity", 1L));
        assertLogged("INFO SAEF handshake failed: unknown_identity (server, TLS");
        assertLogged("WARNING SAEF handshake failed: unknown_identity (client, TLS");
    }

    @Test
    void noCommonSuite() throws Exception {
        Ctx server = server(true);
        Ctx client = handshake(server, KPSA, Peers.KEY_HEX, new String[] {"TLS_PSK_WITH_AES_128_CBC_SHA256"},
                new String[] {"TLS_PSK_WITH_AES_128_CCM_8"});
        assertCounts(server, Map.of("NoCommonSuite", 1L));
        assertCounts(client, Map.of("NoCommonSuite", 1L));
        assertLogged("INFO SAEF handshake failed: no_common_suite (server, TLS");
    }

    /** A client that connects and sends nothing: the server's saef.handshakeTimeout ends it, counted once. */
    @Test
    void timeout() throws Exception {
        Ctx server = tls(Peers.serverTable(KPSA, "CAE01", Peers.KEY_HEX),
                c -> c.withHandshakeTimeout(Duration.ofMillis(300)));
        try (SSLServerSocket ss = (SSLServerSocket) server.context().getServerSocketFactory()
                .createServerSocket(0, 5, InetAddress.getLoopbackAddress());
             Socket silent = new Socket("127.0.0.1", ss.getLocalPort());
             SSLSocket s = (SSLSocket) ss.accept()) {
            assertNotNull(silent);
            try {
                s.startHandshake();
            } catch (javax.net.ssl.SSLHandshakeException expected) {
                assertTrue(expected.getMessage().contains("did not complete within 300 ms"), expected.getMessage());
            }
        }
        assertCounts(server, Map.of("Timeout", 1L));
        assertLogged("INFO SAEF handshake failed: timeout (server, TLS, peer 127.0.0.1:");
    }

    /** A client with no association for the address (saef.fallback=none): counted and logged at WARNING as an internal error. */
    @Test
    void clientWithoutAssociation() throws Exception {
        Ctx client = tls(Peers.clientTable(KPSA, "127.0.0.1:1", Peers.KEY_HEX), c -> c.withJdkFallback(false));
        SSLEngine e = client.context().createSSLEngine("192.0.2.1", 4433);
        e.setUseClientMode(true);
        org.junit.jupiter.api.Assertions.assertThrows(javax.net.ssl.SSLHandshakeException.class, e::beginHandshake);
        assertCounts(client, Map.of("InternalError", 1L));
        assertLogged("WARNING SAEF handshake failed: internal_error (client, TLS, peer 192.0.2.1:4433): no PSK-SAEF");
    }

    @Test
    void dtlsSuccess() throws Exception {
        Ctx server = registered(() -> dtls(Peers.serverTable(KPSA, "CAE01", Peers.KEY_HEX)));
        Ctx client = registered(() -> dtls(Peers.clientTable(KPSA, "localhost:5684", Peers.KEY_HEX)));
        SSLEngine ce = client.context().createSSLEngine("localhost", 5684);
        ce.setUseClientMode(true);
        SSLEngine se = server.context().createSSLEngine("127.0.0.1", 40000);
        se.setUseClientMode(false);
        new DtlsMemoryPair(ce, se).handshake();
        assertCounts(server, Map.of("SucceededFull", 1L));
        assertCounts(client, Map.of("SucceededFull", 1L));
        assertEquals("DTLS", JMX.getAttribute(server.bean(), "Protocol"));
        assertLogged("FINE SAEF handshake succeeded: full (server, DTLS");
    }

    /**
     * An application that closes a DTLS engine during its handshake (a client giving up on a server that
     * never answers) ends that handshake; it is not a failure of the handshake: nothing is counted, and
     * nothing is logged above FINE (it was logged as a WARNING internal_error).
     */
    @Test
    void dtlsHandshakeClosedByTheApplicationIsNotAFailure() throws Exception {
        Ctx client = registered(() -> dtls(Peers.clientTable(KPSA, "localhost:5684", Peers.KEY_HEX)));
        SSLEngine ce = client.context().createSSLEngine("localhost", 5684);
        ce.setUseClientMode(true);
        ce.beginHandshake();
        java.util.ArrayDeque<byte[]> sent = new java.util.ArrayDeque<>();
        DtlsMemoryPair.drain(ce, sent); // the ClientHello, which no server answers
        assertEquals(1, sent.size());
        ce.closeOutbound();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (Thread.getAllStackTraces().entrySet().stream().anyMatch(t -> t.getKey().getName()
                .startsWith("saef-dtls-handshake-") && java.util.Arrays.stream(t.getValue()).anyMatch(
                        f -> f.getClassName().equals("org.bouncycastle.tls.DTLSClientProtocol")))
                && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        Thread.sleep(100); // a failure would be counted and logged just after the thread left Bouncy Castle
        assertCounts(client, Map.of());
        List<String> l = logged();
        assertTrue(l.stream().noneMatch(s -> s.startsWith("WARNING") || s.startsWith("INFO")), l.toString());
    }

    /**
     * DTLS drops what it cannot authenticate (RFC 6347 section 4.1.2.7): a wrong Kpsa shows as silence,
     * and both sides count a timeout when their handshake time runs out.
     */
    @Test
    void dtlsWrongKeyIsATimeoutOnBothSides() throws Exception {
        Duration limit = Duration.ofMillis(1500);
        Ctx server = registered(() -> dtls(Peers.serverTable(KPSA, "CAE01", Peers.KEY_HEX), limit));
        Ctx client = registered(() -> dtls(Peers.clientTable(KPSA, "localhost:5684", Peers.OTHER_KEY_HEX), limit));
        SSLEngine ce = client.context().createSSLEngine("localhost", 5684);
        ce.setUseClientMode(true);
        SSLEngine se = server.context().createSSLEngine("127.0.0.1", 40000);
        se.setUseClientMode(false);
        DtlsMemoryPair p = new DtlsMemoryPair(ce, se);
        ce.beginHandshake();
        se.beginHandshake();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while ((count(server, "Timeout") == 0 || count(client, "Timeout") == 0) && System.nanoTime() < deadline) {
            try {
                p.step();
            } catch (javax.net.ssl.SSLException failed) {
                // a side failed; keep the other going until its own time runs out
                p.toServer.clear();
                p.toClient.clear();
            }
            Thread.sleep(20);
        }
        assertCounts(server, Map.of("Timeout", 1L));
        assertCounts(client, Map.of("Timeout", 1L));
        assertLogged("INFO SAEF handshake failed: timeout (server, DTLS");
        assertLogged("WARNING SAEF handshake failed: timeout (client, DTLS, peer localhost:5684, KpsaID " + KPSA + "): DTLS"
                + " handshake timed out");
    }

    /**
     * {@link DtlsServer}'s own handshake limit ({@code Builder.handshakeTimeout}) ends a handshake whose
     * client went silent after the ServerHello: counted and logged as a timeout (it was counted as
     * nothing, like an application closing its engine).
     */
    @Test
    void dtlsServerHandshakeLimitIsCountedAsATimeout() throws Exception {
        Ctx server = registered(() -> dtls(Peers.serverTable(KPSA, "CAE01", Peers.KEY_HEX)));
        try (DtlsServer srv = DtlsServer.builder(server.context()).handshakeTimeout(Duration.ofSeconds(1))
                .start((peer, data) -> { });
                java.net.DatagramSocket s = DtlsServerRestartTest.socket(0)) {
            int port = srv.localAddress().getPort();
            SSLContext clientContext = DtlsEndpointsTest.clientContext(KPSA, port);
            DtlsServerRestartTest.startAndAbandon(DtlsServerRestartTest.clientEngine(clientContext, port), s,
                    new java.net.InetSocketAddress("127.0.0.1", port));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (count(server, "Timeout") == 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertCounts(server, Map.of("Timeout", 1L));
            assertLogged("INFO SAEF handshake failed: timeout (server, DTLS");
        }
    }

    static SSLContext dtls(String table, Duration limit) {
        try {
            return DtlsEngineTest.dtls(table, c -> c.withHandshakeTimeout(limit));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static SSLContext dtls(String table) {
        try {
            return DtlsEngineTest.dtls(table, c -> c);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** An SSLContext has no close: its bean goes once the context is garbage. */
    @Test
    void beanUnregisteredWhenTheContextIsGarbage() throws Exception {
        ObjectName name = server(true).bean();
        assertTrue(JMX.isRegistered(name));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (JMX.isRegistered(name) && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(50);
        }
        assertFalse(JMX.isRegistered(name), name + " still registered after its context became garbage");
    }
}
