package dev.saef.jsse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saef.keys.Association;
import dev.saef.keys.HostPort;
import dev.saef.identity.IdentityMode;
import dev.saef.identity.KpsaId;
import dev.saef.keys.PskKeyManager;
import dev.saef.keys.PskSecretKey;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.crypto.SecretKey;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

/**
 * The {@link PskKeyManager} extension point, implemented by an application (keys from its own store):
 * SAEF uses it for association choice, key lookup and binding; it destroys every key it was handed
 * once the handshake no longer needs it; and a key manager that throws an unchecked exception fails
 * the handshake with an {@link SSLHandshakeException} naming the key manager, with the engine closed.
 */
class CustomKeyManagerTest {
    private static final KpsaId KPSA = KpsaId.parse("Meter-7@sp.example.com", IdentityMode.STRICT);
    private static final byte[] KEY = HexFormat.of().parseHex(Peers.KEY_HEX);

    /** A key manager over one association; records the keys it hands out. */
    private static final class OneAssociation implements PskKeyManager {
        final Association association;
        final List<PskSecretKey> handedOut = new CopyOnWriteArrayList<>();
        RuntimeException failWith;
        RuntimeException failLookupWith;
        PskSecretKey cached;
        byte[] key = KEY;
        final List<Thread> callers = new CopyOnWriteArrayList<>();

        OneAssociation(String peer, String address) {
            association = Association.of(KPSA, peer, address == null ? null : HostPort.parse(address), "app-store");
        }

        @Override
        public Optional<Association> chooseClientAssociation(String peerHost, int peerPort) {
            callers.add(Thread.currentThread());
            return association.address().filter(a -> a.matches(peerHost, peerPort)).map(a -> association);
        }

        @Override
        public Optional<Association> chooseServerAssociation(byte[] pskIdentity) {
            callers.add(Thread.currentThread());
            if (failLookupWith != null) {
                throw failLookupWith;
            }
            return KPSA.toString().equals(new String(pskIdentity, StandardCharsets.UTF_8))
                    ? Optional.of(association) : Optional.empty();
        }

        @Override
        public SecretKey getKey(Association a) throws GeneralSecurityException {
            callers.add(Thread.currentThread());
            if (failWith != null) {
                throw failWith;
            }
            if (cached != null) {
                return cached; // against the contract: a cached key object
            }
            PskSecretKey k = new PskSecretKey(key);
            handedOut.add(k);
            return k;
        }

        @Override
        public String describe() {
            return "the application's key store";
        }
    }

    private static SSLContext context(KeyManager km) throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS", Peers.PROVIDER);
        ctx.init(new KeyManager[] {km}, null, null);
        return ctx;
    }

    private static EnginePair pair(OneAssociation clientKm, OneAssociation serverKm) throws Exception {
        SSLEngine c = context(clientKm).createSSLEngine("cse.example.net", 443);
        c.setUseClientMode(true);
        SSLEngine s = context(serverKm).createSSLEngine();
        s.setUseClientMode(false);
        return new EnginePair(c, s);
    }

    @Test
    void handshakeBindsThroughTheCustomKeyManagerAndDestroysEveryKey() throws Exception {
        OneAssociation client = new OneAssociation("/id-in", "cse.example.net:443");
        OneAssociation server = new OneAssociation("CMeter7", null);
        EnginePair p = pair(client, server);
        p.handshake();
        assertEquals("/id-in", p.client.getSession().getPeerPrincipal().getName());
        assertEquals("CMeter7", p.server.getSession().getPeerPrincipal().getName());
        assertEquals(1, client.handedOut.size());
        assertEquals(1, server.handedOut.size());
        assertTrue(client.handedOut.get(0).isDestroyed(), "the client kept the Kpsa object alive");
        assertTrue(server.handedOut.get(0).isDestroyed(), "the server kept the Kpsa object alive");
    }

    @Test
    void clientKeyManagerThatThrowsFailsTheHandshakeCleanly() throws Exception {
        OneAssociation client = new OneAssociation("/id-in", "cse.example.net:443");
        client.failWith = new IllegalStateException("key store closed");
        EnginePair p = pair(client, new OneAssociation("CMeter7", null));
        SSLHandshakeException e = assertThrows(SSLHandshakeException.class,
                () -> p.client.wrap(ByteBuffer.allocate(0), ByteBuffer.allocate(p.client.getSession()
                        .getPacketBufferSize())));
        assertEquals("could not read the Kpsa for KpsaID Meter-7@sp.example.com (app-store): the key manager"
                + " (the application's key store) failed with java.lang.IllegalStateException (see the cause)",
                e.getMessage());
        assertEquals("key store closed", e.getCause().getMessage());
        assertTrue(p.client.isOutboundDone() && p.client.isInboundDone(), "the failed engine stays open");
        assertEquals(HandshakeStatus.NOT_HANDSHAKING, p.client.getHandshakeStatus());
    }

    /** A failing key source is the server's fault: internal_error, and the server's message names it. */
    @Test
    void serverKeyManagerThatThrowsFailsWithInternalError() throws Exception {
        for (boolean inLookup : new boolean[] {false, true}) {
            OneAssociation server = new OneAssociation("CMeter7", null);
            if (inLookup) {
                server.failLookupWith = new IllegalStateException("index closed");
            } else {
                server.failWith = new IllegalStateException("key store closed");
            }
            EnginePair p = pair(new OneAssociation("/id-in", "cse.example.net:443"), server);
            Outcome o = handshake(p);
            assertEquals("the client offered KpsaID 'Meter-7@sp.example.com' but the key manager (the application's"
                    + " key store) failed: " + (inLookup ? "looking up the identity failed with"
                            : "reading the Kpsa for KpsaID Meter-7@sp.example.com (app-store) failed with")
                    + " java.lang.IllegalStateException; sent alert internal_error", o.server.getMessage());
            assertTrue(o.client.getMessage().contains("internal_error"), o.client.getMessage());
            assertTrue(p.server.isInboundDone());
        }
    }

    /** A key manager that hands out one cached key object: the second handshake says what is wrong. */
    @Test
    void aCachedKeyObjectIsReportedNotSilentlyBroken() throws Exception {
        OneAssociation client = new OneAssociation("/id-in", "cse.example.net:443");
        client.cached = new PskSecretKey(KEY);
        pair(client, new OneAssociation("CMeter7", null)).handshake();
        assertTrue(client.cached.isDestroyed());
        EnginePair second = pair(client, new OneAssociation("CMeter7", null));
        SSLHandshakeException e = assertThrows(SSLHandshakeException.class, second::handshake);
        assertEquals("cannot read the Kpsa for KpsaID Meter-7@sp.example.com (app-store): the key manager returned a"
                + " key object that is already destroyed: PskKeyManager.getKey must return a new key object on each"
                + " call, which SAEF destroys after use", e.getMessage());
    }

    /**
     * What the {@link PskKeyManager} Javadoc promises: every call runs on the thread that drives the
     * handshake (here the one calling wrap/unwrap); the engine never asks for a delegated task.
     */
    @Test
    void callsRunOnTheThreadDrivingTheHandshakeNeverAsDelegatedTasks() throws Exception {
        OneAssociation client = new OneAssociation("/id-in", "cse.example.net:443");
        OneAssociation server = new OneAssociation("CMeter7", null);
        EnginePair p = pair(client, server);
        p.begin();
        while (!p.round()) {
            assertTrue(p.steps < 200, "the handshake does not converge");
            assertTrue(p.client.getHandshakeStatus() != HandshakeStatus.NEED_TASK, "client asked for a task");
            assertTrue(p.server.getHandshakeStatus() != HandshakeStatus.NEED_TASK, "server asked for a task");
        }
        // client: chooseClientAssociation (also asked by the JDK hand-off decision), getKey;
        // server: chooseServerAssociation, getKey
        assertTrue(client.callers.size() >= 2, client.callers.toString());
        assertEquals(2, server.callers.size());
        for (Thread t : client.callers) {
            assertEquals(Thread.currentThread(), t);
        }
        for (Thread t : server.callers) {
            assertEquals(Thread.currentThread(), t);
        }
    }

    /**
     * The key length limit the {@link PskKeyManager} constants state (RFC 4279 section 2:
     * {@code psk<0..2^16-1>}). Regression (issue 8): a longer key was accepted and its length written
     * modulo 2^16 into the premaster secret.
     */
    @Test
    void keysUpToTheMaximumLengthWorkLongerOnesFail() throws Exception {
        byte[] longest = new byte[PskKeyManager.MAX_KEY_LENGTH_BYTES];
        java.util.Arrays.fill(longest, (byte) 0x5A);
        OneAssociation client = new OneAssociation("/id-in", "cse.example.net:443");
        OneAssociation server = new OneAssociation("CMeter7", null);
        client.key = longest;
        server.key = longest;
        pair(client, server).handshake();

        byte[] tooLong = new byte[PskKeyManager.MAX_KEY_LENGTH_BYTES + 1];
        OneAssociation client2 = new OneAssociation("/id-in", "cse.example.net:443");
        OneAssociation server2 = new OneAssociation("CMeter7", null);
        client2.key = tooLong;
        server2.key = tooLong;
        EnginePair p = pair(client2, server2);
        SSLHandshakeException e = assertThrows(SSLHandshakeException.class, p::handshake);
        assertEquals("cannot read the Kpsa for KpsaID Meter-7@sp.example.com (app-store): the key manager returned a"
                + " key of 65536 octets; a PSK has at most 65535 (RFC 4279 section 2)", e.getMessage());
    }

    private record Outcome(SSLHandshakeException client, SSLHandshakeException server) {
    }

    /** Runs the handshake until both sides have failed; returns each side's exception. */
    private static Outcome handshake(EnginePair p) throws Exception {
        SSLHandshakeException client = null;
        SSLHandshakeException server = null;
        ByteBuffer c2s = ByteBuffer.allocate(p.client.getSession().getPacketBufferSize());
        ByteBuffer s2c = ByteBuffer.allocate(p.server.getSession().getPacketBufferSize());
        ByteBuffer sink = ByteBuffer.allocate(p.client.getSession().getApplicationBufferSize());
        p.client.beginHandshake();
        p.server.beginHandshake();
        for (int i = 0; i < 50 && (client == null || server == null); i++) {
            try {
                while (p.client.getHandshakeStatus() == HandshakeStatus.NEED_WRAP) {
                    p.client.wrap(ByteBuffer.allocate(0), c2s);
                }
                s2c.flip();
                while (s2c.hasRemaining() && p.client.unwrap(s2c, sink).bytesConsumed() > 0) {
                    sink.clear();
                }
                s2c.compact();
            } catch (SSLHandshakeException e) {
                client = client == null ? e : client;
            }
            try {
                c2s.flip();
                while (c2s.hasRemaining() && p.server.unwrap(c2s, sink).bytesConsumed() > 0) {
                    sink.clear();
                }
                c2s.compact();
                while (p.server.getHandshakeStatus() == HandshakeStatus.NEED_WRAP) {
                    p.server.wrap(ByteBuffer.allocate(0), s2c);
                }
            } catch (SSLHandshakeException e) {
                server = server == null ? e : server;
                while (p.server.getHandshakeStatus() == HandshakeStatus.NEED_WRAP) {
                    p.server.wrap(ByteBuffer.allocate(0), s2c); // the alert
                }
            }
        }
        assertNotNull(client, "the client did not fail");
        assertNotNull(server, "the server did not fail");
        return new Outcome(client, server);
    }
}
