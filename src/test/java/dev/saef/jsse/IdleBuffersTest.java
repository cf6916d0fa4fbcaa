package dev.saef.jsse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 10 item 1, "lean idle sessions": an established engine that has moved data and is now idle
 * holds no record-sized buffer (16 KiB plaintext or packet buffers, CCM work buffers), for TLS and
 * DTLS. Deterministic: it walks the objects reachable from each engine by reflection (not through
 * the shared {@code SaefContext}, which every engine of a context shares) and lists every
 * {@code byte[]} of record size; no GC, no timing.
 */
class IdleBuffersTest {

    /** Smallest array counted as a record buffer: a quarter of a full TLS record. */
    static final int RECORD_SIZED = 4096;
    /** Smallest array counted as a grown queue: Bouncy Castle's queues allocate at least 512 octets. */
    static final int QUEUE_SIZED = 512;

    @ParameterizedTest
    @ValueSource(strings = {"TLS_PSK_WITH_AES_128_GCM_SHA256", "TLS_PSK_WITH_AES_128_CCM_8",
            "TLS_PSK_WITH_AES_128_CBC_SHA256"})
    void idleTlsEnginesHoldNoRecordSizedBuffer(String suite) throws Exception {
        EnginePair p = established(suite);
        byte[] small = new byte[100];
        assertArrayEquals(small, EnginePair.transfer(p.client, p.server, small));
        assertArrayEquals(small, EnginePair.transfer(p.server, p.client, small));
        assertEquals(List.of(), recordSizedArrays(p.client), "client engine");
        assertEquals(List.of(), recordSizedArrays(p.server), "server engine");
    }

    /**
     * After bulk data, both sides give back every record-sized buffer at the next small record: the
     * sender Bouncy Castle's outgoing queue, the receiver its received-data queue (before, Bouncy
     * Castle's private application-data queue kept 32 KiB for good once a full record arrived).
     */
    @ParameterizedTest
    @ValueSource(strings = {"TLS_PSK_WITH_AES_128_GCM_SHA256", "TLS_PSK_WITH_AES_128_CCM_8"})
    void afterBulkDataBothSidesReleaseTheirBuffersAtTheNextSmallRecord(String suite) throws Exception {
        EnginePair p = established(suite);
        byte[] full = new byte[40_000];
        byte[] small = new byte[100];
        assertArrayEquals(full, EnginePair.transfer(p.server, p.client, full));
        assertArrayEquals(full, EnginePair.transfer(p.client, p.server, full));
        assertArrayEquals(small, EnginePair.transfer(p.client, p.server, small));
        assertArrayEquals(small, EnginePair.transfer(p.server, p.client, small));
        assertEquals(List.of(), recordSizedArrays(p.client), "client engine");
        assertEquals(List.of(), recordSizedArrays(p.server), "server engine");
    }

    /**
     * A pair that goes quiet right after full-size records, with no small record after them, holds no
     * record-sized buffer once idle for a while: the senders' grown outgoing queues are released by
     * the idle sweep (within about 2 s of the last record; polled here for up to 10 s).
     */
    @ParameterizedTest
    @ValueSource(strings = {"TLS_PSK_WITH_AES_128_GCM_SHA256", "TLS_PSK_WITH_AES_128_CBC_SHA256"})
    void afterFullRecordsAnIdlePairReleasesEveryRecordBuffer(String suite) throws Exception {
        EnginePair p = established(suite);
        byte[] full = new byte[40_000];
        assertArrayEquals(full, EnginePair.transfer(p.server, p.client, full));
        assertArrayEquals(full, EnginePair.transfer(p.client, p.server, full));
        long deadline = System.nanoTime() + 10_000_000_000L;
        while ((!recordSizedArrays(p.client).isEmpty() || !recordSizedArrays(p.server).isEmpty())
                && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertEquals(List.of(), recordSizedArrays(p.client), "client engine, idle after full records");
        assertEquals(List.of(), recordSizedArrays(p.server), "server engine, idle after full records");
        byte[] small = new byte[100]; // and the pair still works
        assertArrayEquals(small, EnginePair.transfer(p.client, p.server, small));
        assertArrayEquals(full, EnginePair.transfer(p.server, p.client, full));
    }

    /**
     * No queue keeps a grown array once idle: after the handshake and one small record each way, no
     * {@code byte[]} of {@link #QUEUE_SIZED} octets or more is reachable from either engine (Bouncy
     * Castle's queues keep 512 octets after their first use; the record layer's own state is far
     * smaller).
     */
    @ParameterizedTest
    @ValueSource(strings = {"TLS_PSK_WITH_AES_128_GCM_SHA256", "TLS_PSK_WITH_AES_128_CCM_8",
            "TLS_PSK_WITH_AES_128_CBC_SHA256"})
    void idleTlsEnginesHoldNoGrownQueue(String suite) throws Exception {
        EnginePair p = established(suite);
        byte[] small = new byte[100];
        assertArrayEquals(small, EnginePair.transfer(p.client, p.server, small));
        assertArrayEquals(small, EnginePair.transfer(p.server, p.client, small));
        assertEquals(List.of(), arraysOfAtLeast(p.client, QUEUE_SIZED), "client engine");
        assertEquals(List.of(), arraysOfAtLeast(p.server, QUEUE_SIZED), "server engine");
    }

    /**
     * An idle AEAD connection's record cipher holds its keys and nothing else of its own: the nonce and
     * additional data of a record are assembled in arrays of the calling thread (before, each engine
     * kept six small arrays for them, about 190 octets). Only the JCE ciphers' own state
     * ({@code Cipher} internals) and the two keys are reachable from the record layer's ciphers.
     */
    @org.junit.jupiter.api.Test
    void idleRecordCiphersHoldNoScratchArrays() throws Exception {
        EnginePair p = established("TLS_PSK_WITH_AES_128_GCM_SHA256");
        byte[] small = new byte[100];
        assertArrayEquals(small, EnginePair.transfer(p.client, p.server, small));
        assertArrayEquals(small, EnginePair.transfer(p.server, p.client, small));
        for (SSLEngine e : List.of(p.client, p.server)) {
            List<String> scratch = new ArrayList<>();
            walk(e, (o, path) -> {
                if (o instanceof byte[] b && path.contains("recordStream.")
                        && (path.contains("readCipher") || path.contains("writeCipher"))
                        && !path.contains(".cipher.") && !path.contains(".key.")) {
                    scratch.add(path + " = byte[" + b.length + "]");
                }
            });
            assertEquals(List.of(), scratch, e.getUseClientMode() ? "client engine" : "server engine");
        }
    }

    /**
     * Sessions that sent or received the same SNI names share one immutable list of them (before, every
     * session kept its own list, name, string and arrays, about 150 octets per side).
     */
    @org.junit.jupiter.api.Test
    void idleSessionsShareTheirServerNames() throws Exception {
        SSLContext server = Peers.context(Peers.serverTable(EngineHandshakeTest.KPSA, "/id-mn1", Peers.KEY_HEX),
                c -> c);
        SSLContext client = Peers.context(Peers.clientTable(EngineHandshakeTest.KPSA, "mn1.example.net:443",
                Peers.KEY_HEX), c -> c);
        List<EnginePair> pairs = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            SSLEngine ce = client.createSSLEngine("mn1.example.net", 443);
            ce.setUseClientMode(true);
            SSLEngine se = server.createSSLEngine();
            se.setUseClientMode(false);
            EnginePair p = new EnginePair(ce, se);
            p.handshake();
            ce.getSession().invalidate(); // a full handshake each time
            pairs.add(p);
        }
        List<javax.net.ssl.SNIServerName> names =
                ((javax.net.ssl.ExtendedSSLSession) pairs.get(0).client.getSession()).getRequestedServerNames();
        assertEquals(List.of(new javax.net.ssl.SNIHostName("mn1.example.net")), names);
        for (EnginePair p : pairs) {
            assertTrue(names == ((javax.net.ssl.ExtendedSSLSession) p.client.getSession()).getRequestedServerNames()
                    && names == ((javax.net.ssl.ExtendedSSLSession) p.server.getSession()).getRequestedServerNames(),
                    "every session of these pairs shares one SNI list");
        }
    }

    /**
     * Engines whose application set the same suites and protocols share one immutable copy of them, as
     * engines left at the defaults do (before, every engine kept its own list and array).
     */
    @org.junit.jupiter.api.Test
    void enginesShareEqualEnabledSuitesAndProtocols() throws Exception {
        SSLContext client = Peers.context(Peers.clientTable(EngineHandshakeTest.KPSA, "mn1.example.net:443",
                Peers.KEY_HEX), c -> c);
        List<java.util.Map<String, Object>> settings = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            SSLEngine e = client.createSSLEngine("mn1.example.net", 443);
            e.setUseClientMode(true);
            e.setEnabledCipherSuites(new String[] {"TLS_PSK_WITH_AES_128_GCM_SHA256"});
            e.setEnabledProtocols(new String[] {"TLSv1.2"});
            java.util.Map<String, Object> found = new java.util.HashMap<>();
            walk(e, (o, path) -> {
                if (path.endsWith("settings.saef.suites") || path.endsWith("settings.saef.protocols")
                        || path.endsWith("settings.saef.applicationProtocols")) {
                    found.put(path, o);
                }
            });
            assertEquals(3, found.size(), "settings found: " + found.keySet());
            settings.add(found);
        }
        settings.get(0).forEach((path, o) -> assertTrue(o == settings.get(1).get(path), path + " is shared"));
    }

    /**
     * Connections share their nonce generator (client and server randoms, CBC explicit IVs): the
     * engines of one context reach one Bouncy Castle {@code TlsNonceGenerator}, not one each (Bouncy
     * Castle's own is an SP 800-90A Hash_DRBG per connection, about 1.4 KiB kept for its life).
     */
    @org.junit.jupiter.api.Test
    void idleConnectionsShareTheirNonceGenerator() throws Exception {
        SSLContext server = Peers.context(Peers.serverTable(EngineHandshakeTest.KPSA, "/id-mn1", Peers.KEY_HEX),
                c -> c);
        SSLContext client = Peers.context(Peers.clientTable(EngineHandshakeTest.KPSA, "mn1.example.net:443",
                Peers.KEY_HEX), c -> c);
        List<SSLEngine> engines = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            SSLEngine ce = client.createSSLEngine("mn1.example.net", 443);
            ce.setUseClientMode(true);
            ce.setEnabledCipherSuites(new String[] {"TLS_PSK_WITH_AES_128_CBC_SHA256"});
            SSLEngine se = server.createSSLEngine();
            se.setUseClientMode(false);
            EnginePair p = new EnginePair(ce, se);
            p.handshake();
            byte[] small = new byte[100];
            assertArrayEquals(small, EnginePair.transfer(p.client, p.server, small));
            engines.add(p.client);
            engines.add(p.server);
        }
        Set<Object> generators = Collections.newSetFromMap(new IdentityHashMap<>());
        for (SSLEngine e : engines) {
            generators.addAll(reachable(e, org.bouncycastle.tls.crypto.TlsNonceGenerator.class));
        }
        assertEquals(2, generators.size(), "nonce generators reachable from " + engines.size()
                + " engines of 2 contexts: " + generators.stream().map(g -> g.getClass().getName()).distinct().toList());
    }

    /** Sockets: after the handshake and a small exchange both ways, neither end holds a record buffer. */
    @ParameterizedTest
    @ValueSource(strings = {"SAEF_DIRECT", "SAEF_LAYERED"})
    void idleSocketsHoldNoRecordSizedBuffer(String kind) throws Exception {
        try (SocketPairs p = SocketPairs.open(SocketPairs.Kind.valueOf(kind), null)) {
            byte[] small = new byte[100];
            p.client.getOutputStream().write(small);
            p.client.getOutputStream().flush();
            assertArrayEquals(small, p.server.getInputStream().readNBytes(small.length));
            p.server.getOutputStream().write(small);
            p.server.getOutputStream().flush();
            assertArrayEquals(small, p.client.getInputStream().readNBytes(small.length));
            assertEquals(List.of(), recordSizedArrays(p.client), "client socket");
            assertEquals(List.of(), recordSizedArrays(p.server), "server socket");
        }
    }

    private static EnginePair established(String suite) throws Exception {
        EnginePair p = EngineHandshakeTest.pair("/id-mn1");
        p.client.setEnabledCipherSuites(new String[] {suite});
        p.handshake();
        assertEquals(suite, p.client.getSession().getCipherSuite());
        return p;
    }

    @ParameterizedTest
    @ValueSource(ints = {1})
    void idleDtlsEnginesHoldNoRecordSizedBuffer(int pairs) throws Exception {
        SSLContext[] contexts = DtlsIdlePairs.contexts();
        List<SSLEngine> engines = DtlsIdlePairs.establish(contexts, pairs);
        for (SSLEngine e : engines) {
            assertEquals(List.of(), recordSizedArrays(e), (e.getUseClientMode() ? "client" : "server") + " engine");
        }
    }

    /**
     * Every {@code byte[]} of at least {@link #RECORD_SIZED} octets reachable from {@code root},
     * described by the field path that reaches it. Shared, per-context objects (SSLContext, the
     * SAEF context and policy, providers, threads, class loaders, classes) are not entered.
     */
    static List<String> recordSizedArrays(Object root) {
        return arraysOfAtLeast(root, RECORD_SIZED);
    }

    /** Every {@code byte[]} of at least {@code size} octets reachable from {@code root}, as {@link #recordSizedArrays}. */
    static List<String> arraysOfAtLeast(Object root, int size) {
        List<String> found = new ArrayList<>();
        walk(root, (o, path) -> {
            if (o instanceof byte[] b && b.length >= size) {
                found.add(path + " = byte[" + b.length + "]");
            }
        });
        return found;
    }

    /** Every instance of {@code type} reachable from {@code root}, as {@link #recordSizedArrays}. */
    static List<Object> reachable(Object root, Class<?> type) {
        List<Object> found = new ArrayList<>();
        walk(root, (o, path) -> {
            if (type.isInstance(o)) {
                found.add(o);
            }
        });
        return found;
    }

    /** Visits the objects reachable from {@code root} by their fields, not entering shared per-context ones. */
    static void walk(Object root, java.util.function.BiConsumer<Object, String> visitor) {
        Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        ArrayDeque<Object[]> todo = new ArrayDeque<>();
        todo.add(new Object[] {root, root.getClass().getSimpleName()});
        while (!todo.isEmpty() && seen.size() < 200_000) {
            Object[] item = todo.poll();
            Object o = item[0];
            String path = (String) item[1];
            if (o == null || !seen.add(o) || shared(o)) {
                continue;
            }
            Class<?> c = o.getClass();
            visitor.accept(o, path);
            if (c.isArray()) {
                if (!c.getComponentType().isPrimitive()) {
                    for (int i = 0; i < Array.getLength(o); i++) {
                        todo.add(new Object[] {Array.get(o, i), path + "[" + i + "]"});
                    }
                }
                continue;
            }
            for (Class<?> k = c; k != null; k = k.getSuperclass()) {
                for (Field f : k.getDeclaredFields()) {
                    if (Modifier.isStatic(f.getModifiers()) || f.getType().isPrimitive()) {
                        continue;
                    }
                    try {
                        f.setAccessible(true);
                        todo.add(new Object[] {f.get(o), path + "." + f.getName()});
                    } catch (RuntimeException | IllegalAccessException inaccessible) {
                        // JDK internals closed to reflection (cipher state): not record buffers of ours
                    }
                }
            }
        }
        assertTrue(seen.size() < 200_000, "object graph walk did not finish");
    }

    private static boolean shared(Object o) {
        String n = o.getClass().getName();
        return o instanceof SSLContext || o instanceof java.security.Provider || o instanceof Thread
                || o instanceof ClassLoader || o instanceof Class || o instanceof SaefContext
                || n.equals("dev.saef.protocol.SaefPolicy") || n.startsWith("java.util.concurrent.ThreadPool")
                || n.startsWith("dev.saef.config.") || n.startsWith("dev.saef.keys.")
                || n.equals("dev.saef.protocol.DtlsHandshakes");
    }
}
