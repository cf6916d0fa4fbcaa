package dev.saef.jsse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saef.identity.IdentityMode;
import dev.saef.identity.KpsaId;
import dev.saef.identity.SaefPrincipal;
import dev.saef.keys.Association;
import dev.saef.keys.HostPort;
import dev.saef.keys.PskKeyManager;
import dev.saef.keys.PskSecretKey;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.crypto.SecretKey;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;

/**
 * TLS 1.2 session resumption with session IDs (RFC 5246 section 7.3), SAEF client against SAEF
 * server, over engines in memory and over loopback sockets. Whether a handshake was abbreviated is
 * read off the wire: a full PSK handshake has the client send a ClientKeyExchange, an abbreviated one
 * does not. A resumed session keeps its binding and creation time, and is resumed only while its
 * association and Kpsa are unchanged on both sides (TS-0003 clause 8.2.2.1).
 */
class ResumptionTest {

    static final KpsaId KPSA_A = KpsaId.parse("meter-a@sp.example.com", IdentityMode.STRICT);
    static final KpsaId KPSA_B = KpsaId.parse("meter-b@sp.example.com", IdentityMode.STRICT);
    static final byte[] KEY_1 = HexFormat.of().parseHex(Peers.KEY_HEX);
    static final byte[] KEY_2 = HexFormat.of().parseHex(Peers.OTHER_KEY_HEX);

    /** A key manager whose associations and keys the test changes while contexts are in use. */
    static final class Keys implements PskKeyManager {
        final Map<KpsaId, Association> associations = new ConcurrentHashMap<>();
        final Map<KpsaId, byte[]> keys = new ConcurrentHashMap<>();
        volatile KpsaId clientChoice;

        Keys put(KpsaId id, String peer, byte[] key) {
            associations.put(id, Association.of(id, peer, HostPort.parse("cse.example.net"), "test keys"));
            keys.put(id, key.clone());
            return this;
        }

        @Override
        public Optional<Association> chooseClientAssociation(String peerHost, int peerPort) {
            KpsaId id = clientChoice;
            return id == null ? Optional.empty() : Optional.ofNullable(associations.get(id))
                    .filter(a -> a.address().get().matches(peerHost, peerPort));
        }

        @Override
        public Optional<Association> chooseServerAssociation(byte[] pskIdentity) {
            return associations.values().stream().filter(a -> Arrays.equals(a.kpsaId().toWire(), pskIdentity))
                    .findFirst();
        }

        @Override
        public SecretKey getKey(Association association) {
            byte[] k = keys.get(association.kpsaId());
            return k == null ? null : new PskSecretKey(k);
        }

        @Override
        public String describe() {
            return "test keys";
        }
    }

    static SSLContext context(KeyManager km) throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS", Peers.PROVIDER);
        ctx.init(new KeyManager[] {km}, null, null);
        return ctx;
    }

    /** The client and server contexts and their key managers. */
    static final class Setup {
        final Keys clientKeys = new Keys().put(KPSA_A, "/id-in", KEY_1).put(KPSA_B, "/id-in", KEY_1);
        final Keys serverKeys = new Keys().put(KPSA_A, "CAE-a", KEY_1).put(KPSA_B, "CAE-b", KEY_1);
        final SSLContext client;
        final SSLContext server;

        Setup() throws Exception {
            clientKeys.clientChoice = KPSA_A;
            client = context(clientKeys);
            server = context(serverKeys);
        }

        Result handshake(int port) throws SSLException {
            SSLEngine c = client.createSSLEngine("cse.example.net", port);
            c.setUseClientMode(true);
            SSLEngine s = server.createSSLEngine();
            s.setUseClientMode(false);
            return Result.run(c, s);
        }
    }

    /** One in-memory handshake and what the client sent. */
    record Result(SSLEngine client, SSLEngine server, boolean clientKeyExchangeSent) {

        static Result run(SSLEngine c, SSLEngine s) throws SSLException {
            int packet = c.getSession().getPacketBufferSize();
            ByteBuffer toServer = ByteBuffer.allocate(4 * packet);
            ByteBuffer toClient = ByteBuffer.allocate(4 * packet);
            ByteBuffer sink = ByteBuffer.allocate(c.getSession().getApplicationBufferSize());
            ByteArrayOutputStream sent = new ByteArrayOutputStream();
            c.beginHandshake();
            s.beginHandshake();
            for (int i = 0; c.getHandshakeStatus() != HandshakeStatus.NOT_HANDSHAKING
                    || s.getHandshakeStatus() != HandshakeStatus.NOT_HANDSHAKING; i++) {
                if (i > 100) {
                    throw new IllegalStateException("handshake does not converge");
                }
                step(c, toClient, toServer, sink, sent);
                step(s, toServer, toClient, sink, null);
            }
            return new Result(c, s, sentClientKeyExchange(sent.toByteArray()));
        }

        private static void step(SSLEngine e, ByteBuffer in, ByteBuffer out, ByteBuffer sink, ByteArrayOutputStream log)
                throws SSLException {
            HandshakeStatus hs = e.getHandshakeStatus();
            if (hs == HandshakeStatus.NEED_WRAP) {
                int before = out.position();
                e.wrap(ByteBuffer.allocate(0), out);
                if (log != null) {
                    log.write(out.array(), before, out.position() - before);
                }
            } else if (hs == HandshakeStatus.NEED_UNWRAP) {
                in.flip();
                SSLEngineResult r;
                do {
                    sink.clear();
                    r = e.unwrap(in, sink);
                } while (r.getStatus() == SSLEngineResult.Status.OK && in.hasRemaining()
                        && e.getHandshakeStatus() == HandshakeStatus.NEED_UNWRAP);
                in.compact();
            }
        }

        /** @return whether a plaintext handshake record before the client's ChangeCipherSpec holds a ClientKeyExchange (16) */
        static boolean sentClientKeyExchange(byte[] b) {
            for (int off = 0; off + 5 <= b.length;) {
                int type = b[off] & 0xFF;
                int len = ((b[off + 3] & 0xFF) << 8) | (b[off + 4] & 0xFF);
                if (type == 20) {
                    return false; // ChangeCipherSpec: what follows is encrypted
                }
                if (type == 22 && len > 0 && (b[off + 5] & 0xFF) == 16) {
                    return true;
                }
                off += 5 + len;
            }
            return false;
        }

        SSLSession clientSession() {
            return client.getSession();
        }
    }

    @Test
    void secondConnectionResumesWithTheSameBindingAndCreationTime() throws Exception {
        Setup t = new Setup();
        Result first = t.handshake(443);
        assertTrue(first.clientKeyExchangeSent(), "the first handshake is a full one");
        SSLSession c1 = first.client().getSession();
        SSLSession s1 = first.server().getSession();
        assertEquals(32, c1.getId().length, "the SAEF server issues a 32-octet session ID");
        assertArrayEquals(c1.getId(), s1.getId());
        Thread.sleep(5);

        Result second = t.handshake(443);
        assertFalse(second.clientKeyExchangeSent(), "the second handshake is abbreviated (no ClientKeyExchange)");
        SSLSession c2 = second.client().getSession();
        SSLSession s2 = second.server().getSession();
        assertArrayEquals(c1.getId(), c2.getId());
        assertArrayEquals(s1.getId(), s2.getId());
        assertEquals(c1.getCreationTime(), c2.getCreationTime());
        assertEquals(s1.getCreationTime(), s2.getCreationTime());
        assertEquals(c1.getCipherSuite(), c2.getCipherSuite());
        SaefPrincipal cp = (SaefPrincipal) c2.getPeerPrincipal();
        SaefPrincipal sp = (SaefPrincipal) s2.getPeerPrincipal();
        assertEquals("/id-in", cp.getName());
        assertEquals(KPSA_A, cp.kpsaId().orElseThrow());
        assertEquals("CAE-a", sp.getName());
        assertEquals(KPSA_A, sp.kpsaId().orElseThrow());
        assertEquals(((SaefPrincipal) s1.getPeerPrincipal()).credentialId(), sp.credentialId());
        byte[] data = "resumed".getBytes();
        assertArrayEquals(data, EnginePair.transfer(second.client(), second.server(), data));
        assertArrayEquals(data, EnginePair.transfer(second.server(), second.client(), data));

        SSLSessionContext sc = t.server.getServerSessionContext();
        assertNotNull(sc.getSession(s1.getId()));
        assertEquals(1, Collections.list(sc.getIds()).size());
        assertEquals(1, Collections.list(t.client.getClientSessionContext().getIds()).size());
        assertSame(t.server.getServerSessionContext(), s2.getSessionContext());
    }

    @Test
    void anotherPortOrAnotherAssociationRunsAFullHandshake() throws Exception {
        Setup t = new Setup();
        t.handshake(443);
        assertTrue(t.handshake(8443).clientKeyExchangeSent(), "another port: full handshake");
        assertFalse(t.handshake(443).clientKeyExchangeSent(), "same peer and association: resumed");
        t.clientKeys.clientChoice = KPSA_B;
        Result other = t.handshake(443);
        assertTrue(other.clientKeyExchangeSent(), "another association for the same peer: full handshake");
        assertEquals(KPSA_B, ((SaefPrincipal) other.server().getSession().getPeerPrincipal()).kpsaId().orElseThrow());
        assertFalse(t.handshake(443).clientKeyExchangeSent());
        t.clientKeys.clientChoice = KPSA_A;
        assertFalse(t.handshake(443).clientKeyExchangeSent(), "A's session is still there");
    }

    @Test
    void keyReplacedOnBothSidesRunsAFullHandshakeWithTheNewKey() throws Exception {
        Setup t = new Setup();
        byte[] id = t.handshake(443).clientSession().getId();
        t.clientKeys.keys.put(KPSA_A, KEY_2);
        t.serverKeys.keys.put(KPSA_A, KEY_2);
        Result r = t.handshake(443);
        assertTrue(r.clientKeyExchangeSent(), "a replaced key: full handshake");
        assertFalse(Arrays.equals(id, r.clientSession().getId()));
        assertNull(t.client.getClientSessionContext().getSession(id), "the old session left the client cache");
        assertFalse(t.handshake(443).clientKeyExchangeSent(), "the new session resumes");
    }

    @Test
    void keyReplacedOnTheClientOnlyIsNotResumedAndFails() throws Exception {
        Setup t = new Setup();
        t.handshake(443);
        t.clientKeys.keys.put(KPSA_A, KEY_2); // the server still has KEY_1
        // Were the old session offered, the server (unchanged) would resume it and the connection succeed.
        assertThrows(SSLException.class, () -> t.handshake(443));
    }

    @Test
    void keyReplacedOnTheServerOnlyIsNotResumedAndFails() throws Exception {
        Setup t = new Setup();
        t.handshake(443);
        t.serverKeys.keys.put(KPSA_A, KEY_2); // the client still has KEY_1 and offers its session
        assertThrows(SSLException.class, () -> t.handshake(443));
        assertEquals(0, Collections.list(t.server.getServerSessionContext().getIds()).size());
    }

    @Test
    void associationRemovedOnTheServerIsNotResumed() throws Exception {
        Setup t = new Setup();
        t.handshake(443);
        t.serverKeys.associations.remove(KPSA_A);
        assertThrows(SSLException.class, () -> t.handshake(443));
    }

    @Test
    void bindingChangedOnTheServerRunsAFullHandshakeWithTheNewBinding() throws Exception {
        Setup t = new Setup();
        t.handshake(443);
        t.serverKeys.put(KPSA_A, "CAE-renamed", KEY_1); // same key, another peer=
        Result r = t.handshake(443);
        assertTrue(r.clientKeyExchangeSent(), "a changed binding: full handshake");
        assertEquals("CAE-renamed", r.server().getSession().getPeerPrincipal().getName());
    }

    @Test
    void invalidateRemovesTheSessionFromTheCache() throws Exception {
        Setup t = new Setup();
        SSLSession first = t.handshake(443).clientSession();
        assertTrue(first.isValid());
        first.invalidate();
        assertFalse(first.isValid());
        assertTrue(t.handshake(443).clientKeyExchangeSent(), "client invalidated: full handshake");

        Result r = t.handshake(443);
        assertFalse(r.clientKeyExchangeSent());
        SSLSession server = r.server().getSession();
        t.server.getServerSessionContext().getSession(server.getId()).invalidate();
        assertFalse(server.isValid(), "every view of the session turns invalid");
        assertTrue(t.handshake(443).clientKeyExchangeSent(), "server invalidated: full handshake");
    }

    @Test
    void cacheSizeIsHonoured() throws Exception {
        Setup t = new Setup();
        t.client.getClientSessionContext().setSessionCacheSize(1);
        assertEquals(1, t.client.getClientSessionContext().getSessionCacheSize());
        t.handshake(443);
        t.handshake(444);
        assertEquals(1, Collections.list(t.client.getClientSessionContext().getIds()).size());
        assertTrue(t.handshake(443).clientKeyExchangeSent(), "443's session was evicted");
        t.server.getServerSessionContext().setSessionCacheSize(1);
        assertEquals(1, Collections.list(t.server.getServerSessionContext().getIds()).size());
    }

    /** Runs {@code body} with the system property set (or cleared, for null), then restores it. */
    static <T> T withProperty(String name, String value, java.util.concurrent.Callable<T> body) throws Exception {
        synchronized (System.class) {
            String before = System.getProperty(name);
            if (value == null) {
                System.clearProperty(name);
            } else {
                System.setProperty(name, value);
            }
            try {
                return body.call();
            } finally {
                if (before == null) {
                    System.clearProperty(name);
                } else {
                    System.setProperty(name, before);
                }
            }
        }
    }

    /** {@code javax.net.ssl.sessionCacheSize} sets both caches' initial size; real handshakes show the limit. */
    @Test
    void sessionCacheSizePropertyIsHonoured() throws Exception {
        Setup t = withProperty("javax.net.ssl.sessionCacheSize", "2", Setup::new);
        assertEquals(2, t.client.getClientSessionContext().getSessionCacheSize());
        assertEquals(2, t.server.getServerSessionContext().getSessionCacheSize());
        t.handshake(443);
        t.handshake(444);
        t.handshake(445);
        assertEquals(2, Collections.list(t.client.getClientSessionContext().getIds()).size());
        assertEquals(2, Collections.list(t.server.getServerSessionContext().getIds()).size());
        assertTrue(t.handshake(443).clientKeyExchangeSent(), "443's session was evicted (least recently used)");
        assertFalse(t.handshake(443).clientKeyExchangeSent());
        t.client.getClientSessionContext().setSessionCacheSize(0); // the API overrides the property: no limit
        t.server.getServerSessionContext().setSessionCacheSize(0);
        t.handshake(446);
        t.handshake(447);
        assertEquals(4, Collections.list(t.client.getClientSessionContext().getIds()).size());
    }

    /** The property's value is read as SunJSSE reads it: the same sizes for the same values. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"0", "1", "100", "0x10", " 7 ", "-1", "abc", "", "<unset>"})
    void sessionCacheSizePropertyReadAsSunJsseReadsIt(String value) throws Exception {
        String v = value.equals("<unset>") ? null : value;
        int[] sizes = withProperty("javax.net.ssl.sessionCacheSize", v, () -> {
            SSLContext sun = SSLContext.getInstance("TLSv1.2", "SunJSSE");
            sun.init(null, null, null);
            Setup t = new Setup();
            return new int[] {sun.getClientSessionContext().getSessionCacheSize(),
                sun.getServerSessionContext().getSessionCacheSize(), t.client.getClientSessionContext().getSessionCacheSize(),
                t.server.getServerSessionContext().getSessionCacheSize()};
        });
        assertEquals(sizes[0], sizes[2], "client cache size for " + value);
        assertEquals(sizes[1], sizes[3], "server cache size for " + value);
    }

    @Test
    void timeoutIsHonoured() throws Exception {
        Setup t = new Setup();
        t.server.getServerSessionContext().setSessionTimeout(1);
        assertEquals(1, t.server.getServerSessionContext().getSessionTimeout());
        t.handshake(443);
        assertFalse(t.handshake(443).clientKeyExchangeSent());
        Thread.sleep(1100);
        assertTrue(t.handshake(443).clientKeyExchangeSent(), "expired on the server: full handshake");
        t.client.getClientSessionContext().setSessionTimeout(1);
        Thread.sleep(1100);
        assertEquals(0, Collections.list(t.client.getClientSessionContext().getIds()).size());
    }

    @Test
    void fatalAlertOnAResumedConnectionDropsTheSession() throws Exception {
        Setup t = new Setup();
        t.handshake(443);
        Result r = t.handshake(443);
        assertFalse(r.clientKeyExchangeSent());
        // a corrupted record: bad_record_mac ends the server's connection
        ByteBuffer net = ByteBuffer.allocate(r.client().getSession().getPacketBufferSize());
        r.client().wrap(ByteBuffer.wrap("x".getBytes()), net);
        net.flip();
        net.put(net.limit() - 1, (byte) (net.get(net.limit() - 1) ^ 1));
        ByteBuffer app = ByteBuffer.allocate(r.server().getSession().getApplicationBufferSize());
        assertThrows(SSLException.class, () -> r.server().unwrap(net, app));
        assertFalse(r.server().getSession().isValid());
        assertTrue(t.handshake(443).clientKeyExchangeSent(), "the server dropped the session: full handshake");
    }

    @Test
    void socketsResume() throws Exception {
        Setup t = new Setup();
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (SSLServerSocket ss = (SSLServerSocket) t.server.getServerSocketFactory().createServerSocket(0, 5,
                InetAddress.getLoopbackAddress())) {
            Future<?> server = pool.submit(() -> {
                for (int i = 0; i < 2; i++) {
                    try (SSLSocket s = (SSLSocket) ss.accept()) {
                        InputStream in = s.getInputStream();
                        OutputStream out = s.getOutputStream();
                        out.write(in.read());
                        out.flush();
                    }
                }
                return null;
            });
            t.clientKeys.associations.put(KPSA_A, Association.of(KPSA_A, "/id-in",
                    HostPort.parse("localhost:" + ss.getLocalPort()), "test keys"));
            List<SSLSession> sessions = new java.util.ArrayList<>();
            for (int i = 0; i < 2; i++) {
                try (SSLSocket c = (SSLSocket) t.client.getSocketFactory().createSocket("localhost", ss.getLocalPort())) {
                    c.getOutputStream().write(7);
                    c.getOutputStream().flush();
                    assertEquals(7, c.getInputStream().read());
                    sessions.add(c.getSession());
                }
                Thread.sleep(5);
            }
            server.get();
            assertArrayEquals(sessions.get(0).getId(), sessions.get(1).getId(),
                    "the server echoed the offered session ID: resumed");
            assertEquals(sessions.get(0).getCreationTime(), sessions.get(1).getCreationTime());
            assertEquals("/id-in", sessions.get(1).getPeerPrincipal().getName());
        } finally {
            pool.shutdownNow();
        }
    }
}
