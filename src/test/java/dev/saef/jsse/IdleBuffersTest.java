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
     * After bulk data, the sending side gives back Bouncy Castle's outgoing queue at the next small
     * record. Known limit: the receiving side keeps Bouncy Castle's private application-data queue
     * (32 KiB once a full record arrived; Bouncy Castle offers no way to shrink it), excluded here.
     */
    @ParameterizedTest
    @ValueSource(strings = {"TLS_PSK_WITH_AES_128_GCM_SHA256", "TLS_PSK_WITH_AES_128_CCM_8"})
    void afterBulkDataTheSenderReleasesItsBuffersAtTheNextSmallRecord(String suite) throws Exception {
        EnginePair p = established(suite);
        byte[] full = new byte[40_000];
        byte[] small = new byte[100];
        assertArrayEquals(full, EnginePair.transfer(p.server, p.client, full));
        assertArrayEquals(full, EnginePair.transfer(p.client, p.server, full));
        assertArrayEquals(small, EnginePair.transfer(p.client, p.server, small));
        assertArrayEquals(small, EnginePair.transfer(p.server, p.client, small));
        assertEquals(List.of(), withoutApplicationDataQueue(recordSizedArrays(p.client)), "client engine");
        assertEquals(List.of(), withoutApplicationDataQueue(recordSizedArrays(p.server)), "server engine");
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

    private static List<String> withoutApplicationDataQueue(List<String> found) {
        return found.stream().filter(s -> !s.contains(".protocol.applicationDataQueue.")).toList();
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
        List<String> found = new ArrayList<>();
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
            if (c == byte[].class) {
                if (((byte[]) o).length >= RECORD_SIZED) {
                    found.add(path + " = byte[" + ((byte[]) o).length + "]");
                }
                continue;
            }
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
        return found;
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
