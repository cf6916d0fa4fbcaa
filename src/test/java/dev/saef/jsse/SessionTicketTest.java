package dev.saef.jsse;

import static dev.saef.jsse.ResumptionTest.KEY_1;
import static dev.saef.jsse.ResumptionTest.KEY_2;
import static dev.saef.jsse.ResumptionTest.KPSA_A;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saef.identity.SaefPrincipal;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import org.bouncycastle.tls.BasicTlsPSKIdentity;
import org.bouncycastle.tls.CipherSuite;
import org.bouncycastle.tls.ExtensionType;
import org.bouncycastle.tls.NewSessionTicket;
import org.bouncycastle.tls.PSKTlsClient;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.TlsClientProtocol;
import org.bouncycastle.tls.TlsSession;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCryptoProvider;
import org.bouncycastle.util.Integers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * RFC 5077 session tickets on the SAEF server ({@code saef.sessionTickets=true}), over loopback
 * sockets, against a Bouncy Castle PSK client that this test controls completely: it asks for a
 * ticket, keeps it, and offers it again (unchanged, altered, after the key rotated out, after the
 * server's association changed) with a session ID for the server to echo (RFC 5077 section 3.4).
 * Whether a handshake was resumed is what the client's Bouncy Castle reports (the server echoed the
 * session ID and sent no ServerKeyExchange/expected no ClientKeyExchange). A ticket the server cannot
 * use never fails the connection: it runs a full handshake.
 */
@Timeout(60)
class SessionTicketTest {

    private final List<AutoCloseable> started = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : started) {
            c.close();
        }
    }

    /** A SAEF server context over a mutable key manager, built with the given saef.* properties set. */
    private static SSLContext server(ResumptionTest.Keys keys, Map<String, String> props) throws Exception {
        synchronized (System.class) {
            Map<String, String> before = new java.util.HashMap<>();
            for (String k : props.keySet()) {
                before.put(k, System.getProperty(k));
                System.setProperty(k, props.get(k));
            }
            try {
                SSLContext ctx = SSLContext.getInstance("TLS", Peers.PROVIDER);
                ctx.init(new KeyManager[] {keys}, null, null);
                return ctx;
            } finally {
                for (Map.Entry<String, String> e : before.entrySet()) {
                    if (e.getValue() == null) {
                        System.clearProperty(e.getKey());
                    } else {
                        System.setProperty(e.getKey(), e.getValue());
                    }
                }
            }
        }
    }

    private static ResumptionTest.Keys serverKeys() {
        return new ResumptionTest.Keys().put(KPSA_A, "CAE-a", KEY_1);
    }

    /** What the server saw of one connection. */
    record Seen(SSLSession session, String peer) {
    }

    /** A SAEF server socket that completes handshakes, echoes one octet and records each session. */
    private int listen(SSLContext ctx, List<Seen> seen) throws IOException {
        SSLServerSocket ss = (SSLServerSocket) ctx.getServerSocketFactory().createServerSocket(0, 10,
                InetAddress.getLoopbackAddress());
        started.add(ss);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        started.add(() -> {
            pool.shutdownNow();
            pool.awaitTermination(10, TimeUnit.SECONDS);
        });
        pool.submit(() -> {
            while (!ss.isClosed()) {
                try (SSLSocket s = (SSLSocket) ss.accept()) {
                    s.setSoTimeout(10_000);
                    s.startHandshake();
                    synchronized (seen) {
                        seen.add(new Seen(s.getSession(), s.getSession().getPeerPrincipal().getName()));
                    }
                    OutputStream out = s.getOutputStream();
                    out.write(s.getInputStream().read());
                    out.flush();
                } catch (Exception e) {
                    // a failed handshake (some tests expect one), or the end of the test
                }
            }
            return null;
        });
        return ss.getLocalPort();
    }

    /**
     * A Bouncy Castle TLS 1.2 PSK client (TLS_PSK_WITH_AES_128_GCM_SHA256, extended master secret)
     * that asks for a session ticket, or offers {@link #ticket} with {@link #resume}'s session ID.
     */
    static final class TicketClient extends PSKTlsClient {
        byte[] ticket;
        TlsSession resume;
        boolean askForTicket = true;
        NewSessionTicket received;
        Hashtable<?, ?> serverExtensions;
        boolean resumed;
        TlsSession session;

        TicketClient(byte[] key) {
            super(new JcaTlsCryptoProvider().create(new SecureRandom()),
                    new BasicTlsPSKIdentity(KPSA_A.toWire(), key.clone()));
        }

        @Override
        protected ProtocolVersion[] getSupportedVersions() {
            return ProtocolVersion.TLSv12.only();
        }

        @Override
        protected int[] getSupportedCipherSuites() {
            return new int[] {CipherSuite.TLS_PSK_WITH_AES_128_GCM_SHA256};
        }

        @Override
        @SuppressWarnings({"rawtypes", "unchecked"})
        public Hashtable getClientExtensions() throws IOException {
            Hashtable ext = super.getClientExtensions();
            if (ext == null) {
                ext = new Hashtable();
            }
            if (askForTicket) {
                ext.put(Integers.valueOf(ExtensionType.session_ticket), ticket == null ? TlsUtils.EMPTY_BYTES : ticket);
            }
            return ext;
        }

        @Override
        public TlsSession getSessionToResume() {
            return resume;
        }

        @Override
        public void notifyNewSessionTicket(NewSessionTicket newSessionTicket) {
            received = newSessionTicket;
        }

        @Override
        @SuppressWarnings("rawtypes")
        public void processServerExtensions(Hashtable serverExtensions) throws IOException {
            super.processServerExtensions(serverExtensions);
            this.serverExtensions = serverExtensions;
        }

        @Override
        public void notifyHandshakeComplete() throws IOException {
            super.notifyHandshakeComplete();
            resumed = context.getSecurityParametersConnection().isResumedSession();
            session = context.getSession();
        }

        /** @return a client that offers this connection's ticket and session (master secret) under a new random ID */
        TicketClient next(byte[] key) {
            TicketClient c = new TicketClient(key);
            if (received != null && received.getTicket().length > 0) {
                c.ticket = received.getTicket().clone();
                byte[] id = new byte[32];
                new SecureRandom().nextBytes(id);
                // a copy of the master secret: Bouncy Castle destroys an offered session's secret when declined
                org.bouncycastle.tls.SessionParameters p = session.exportSessionParameters();
                c.resume = TlsUtils.importSession(id, new org.bouncycastle.tls.SessionParameters.Builder()
                        .setCipherSuite(p.getCipherSuite()).setExtendedMasterSecret(p.isExtendedMasterSecret())
                        .setNegotiatedVersion(p.getNegotiatedVersion()).setPSKIdentity(p.getPSKIdentity())
                        .setMasterSecret(c.getCrypto().adoptSecret(p.getMasterSecret()))
                        .build());
            }
            return c;
        }

        boolean serverPromisedTicket() {
            return serverExtensions != null
                    && serverExtensions.containsKey(Integers.valueOf(ExtensionType.session_ticket));
        }
    }

    /** One connection of {@code c} to the server: handshake, one octet echoed, close. */
    private static TicketClient connect(int port, TicketClient c) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            TlsClientProtocol p = new TlsClientProtocol(s.getInputStream(), s.getOutputStream());
            p.connect(c);
            p.getOutputStream().write(7);
            p.getOutputStream().flush();
            InputStream in = p.getInputStream();
            assertEquals(7, in.read());
            p.close();
        }
        return c;
    }

    private static Map<String, String> tickets() {
        return Map.of("saef.sessionTickets", "true");
    }

    private static Seen last(List<Seen> seen) throws InterruptedException {
        for (int i = 0; i < 200; i++) {
            synchronized (seen) {
                if (!seen.isEmpty()) {
                    return seen.get(seen.size() - 1);
                }
            }
            Thread.sleep(10);
        }
        throw new AssertionError("the server recorded no session");
    }

    @Test
    void ticketResumesWithTheSameBindingAndTheServerKeepsNoSession() throws Exception {
        SSLContext ctx = server(serverKeys(), tickets());
        List<Seen> seen = new ArrayList<>();
        int port = listen(ctx, seen);
        TicketClient first = connect(port, new TicketClient(KEY_1));
        assertFalse(first.resumed);
        assertTrue(first.serverPromisedTicket(), "the ServerHello carries an empty SessionTicket extension");
        assertNotNull(first.received, "the server sent a NewSessionTicket");
        assertTrue(first.received.getTicket().length > 48 + 28, "a ticket holding at least a sealed master secret");
        assertEquals(3600, first.received.getTicketLifetimeHint(), "hint: the key lifetime (shorter than the timeout)");
        SSLSession s1 = last(seen).session();
        assertEquals(0, Collections.list(ctx.getServerSessionContext().getIds()).size(),
                "a session given away as a ticket is not kept by the server");
        Thread.sleep(5);

        TicketClient second = connect(port, first.next(KEY_1));
        assertTrue(second.resumed, "the server accepted the ticket and echoed the session ID (RFC 5077 3.4)");
        assertFalse(second.serverPromisedTicket(), "an abbreviated ServerHello promises no new ticket");
        assertNull(second.received);
        Seen s2 = last(seen);
        assertEquals("CAE-a", s2.peer());
        SaefPrincipal p1 = (SaefPrincipal) s1.getPeerPrincipal();
        SaefPrincipal p2 = (SaefPrincipal) s2.session().getPeerPrincipal();
        assertEquals(p1, p2, "the resumed session keeps the binding");
        assertEquals(KPSA_A, p2.kpsaId().orElseThrow());
        assertEquals(p1.credentialId(), p2.credentialId());
        assertTrue(p2.isConfigured());
        assertEquals(s1.getCreationTime(), s2.session().getCreationTime(), "the creation time of the full handshake");
        assertEquals(s1.getCipherSuite(), s2.session().getCipherSuite());
        assertTrue(s2.session().isValid());
        assertEquals(0, Collections.list(ctx.getServerSessionContext().getIds()).size());

        assertTrue(connect(port, first.next(KEY_1)).resumed, "the ticket can be used again until its key retires");
    }

    @Test
    void derivedBindingSurvivesTheTicket() throws Exception {
        ResumptionTest.Keys keys = new ResumptionTest.Keys();
        keys.associations.put(KPSA_A, dev.saef.keys.Association.of(KPSA_A, null, null, "test keys"));
        keys.keys.put(KPSA_A, KEY_1.clone());
        SSLContext ctx = server(keys, tickets());
        List<Seen> seen = new ArrayList<>();
        int port = listen(ctx, seen);
        TicketClient first = connect(port, new TicketClient(KEY_1));
        SaefPrincipal p1 = (SaefPrincipal) last(seen).session().getPeerPrincipal();
        assertTrue(p1.isDerivedFromCredentialId());
        assertTrue(connect(port, first.next(KEY_1)).resumed);
        SaefPrincipal p2 = (SaefPrincipal) last(seen).session().getPeerPrincipal();
        assertEquals(p1, p2);
        assertTrue(p2.isDerivedFromCredentialId());
        assertEquals("12-" + KPSA_A, p2.getName());
    }

    @Test
    void alteredTicketRunsAFullHandshake() throws Exception {
        SSLContext ctx = server(serverKeys(), tickets());
        int port = listen(ctx, new ArrayList<>());
        TicketClient first = connect(port, new TicketClient(KEY_1));
        int length = first.received.getTicket().length;
        // key name, nonce, sealed state, tag
        for (int at : new int[] {0, 15, 16, 27, 28, length / 2, length - 17, length - 1}) {
            TicketClient c = first.next(KEY_1);
            c.ticket[at] ^= 0x01;
            TicketClient r = connect(port, c);
            assertFalse(r.resumed, "octet " + at + " altered: full handshake, not a failure");
            assertTrue(r.received != null && r.received.getTicket().length > 0, "and a fresh ticket");
        }
        TicketClient truncated = first.next(KEY_1);
        truncated.ticket = java.util.Arrays.copyOf(truncated.ticket, 20);
        assertFalse(connect(port, truncated).resumed);
        TicketClient extended = first.next(KEY_1);
        extended.ticket = java.util.Arrays.copyOf(extended.ticket, extended.ticket.length + 1);
        assertFalse(connect(port, extended).resumed);
        assertTrue(connect(port, first.next(KEY_1)).resumed, "the unaltered ticket still resumes");
    }

    @Test
    void ticketOfAnotherServerContextRunsAFullHandshake() throws Exception {
        int a = listen(server(serverKeys(), tickets()), new ArrayList<>());
        int b = listen(server(serverKeys(), tickets()), new ArrayList<>());
        TicketClient first = connect(a, new TicketClient(KEY_1));
        assertFalse(connect(b, first.next(KEY_1)).resumed, "b never held a's ticket keys");
        assertTrue(connect(a, first.next(KEY_1)).resumed);
    }

    @Test
    void ticketOfARotatedOutKeyRunsAFullHandshake() throws Exception {
        SSLContext ctx = server(serverKeys(), Map.of("saef.sessionTickets", "true",
                "saef.sessionTicketKeyLifetime", "1s"));
        int port = listen(ctx, new ArrayList<>());
        TicketClient first = connect(port, new TicketClient(KEY_1));
        assertEquals(1, first.received.getTicketLifetimeHint());
        assertTrue(connect(port, first.next(KEY_1)).resumed, "within the key's lifetime: resumed");
        Thread.sleep(2_100); // the key issued for 1 s, decrypted for 1 s more, and is gone
        TicketClient late = connect(port, first.next(KEY_1));
        assertFalse(late.resumed, "a ticket of a retired key: full handshake");
        assertTrue(late.received.getTicket().length > 0, "with a ticket under the new key");
        assertFalse(java.util.Arrays.equals(java.util.Arrays.copyOf(first.received.getTicket(), 16),
                java.util.Arrays.copyOf(late.received.getTicket(), 16)), "another key name");
        assertTrue(connect(port, late.next(KEY_1)).resumed);
    }

    @Test
    void ticketExpiresWithTheSessionTimeout() throws Exception {
        SSLContext ctx = server(serverKeys(), tickets());
        ctx.getServerSessionContext().setSessionTimeout(1);
        int port = listen(ctx, new ArrayList<>());
        TicketClient first = connect(port, new TicketClient(KEY_1));
        assertEquals(1, first.received.getTicketLifetimeHint(), "hint: the session timeout (shorter than the key's)");
        Thread.sleep(1_100);
        assertFalse(connect(port, first.next(KEY_1)).resumed, "older than the session timeout: full handshake");
    }

    @Test
    void kpsaReplacedOnTheServerRunsAFullHandshake() throws Exception {
        ResumptionTest.Keys keys = serverKeys();
        SSLContext ctx = server(keys, tickets());
        List<Seen> seen = new ArrayList<>();
        int port = listen(ctx, seen);
        TicketClient first = connect(port, new TicketClient(KEY_1));
        keys.keys.put(KPSA_A, KEY_2.clone());
        // the client still has the old Kpsa: resuming would succeed, a full handshake fails
        assertThrows(IOException.class, () -> connect(port, first.next(KEY_1)),
                "a ticket derived from a replaced Kpsa is not resumed");
        TicketClient renewed = connect(port, first.next(KEY_2));
        assertFalse(renewed.resumed, "the client with the new Kpsa: full handshake");
        assertTrue(connect(port, renewed.next(KEY_2)).resumed, "its new ticket resumes");
    }

    @Test
    void associationRemovedOrRebound() throws Exception {
        ResumptionTest.Keys keys = serverKeys();
        SSLContext ctx = server(keys, tickets());
        List<Seen> seen = new ArrayList<>();
        int port = listen(ctx, seen);
        TicketClient first = connect(port, new TicketClient(KEY_1));
        keys.associations.remove(KPSA_A);
        assertThrows(IOException.class, () -> connect(port, first.next(KEY_1)),
                "a removed association: not resumed, and the full handshake fails");
        keys.put(KPSA_A, "CAE-renamed", KEY_1); // same Kpsa, another peer=
        TicketClient rebound = connect(port, first.next(KEY_1));
        assertFalse(rebound.resumed, "another binding: full handshake");
        assertEquals("CAE-renamed", last(seen).peer());
    }

    @Test
    void ticketsOffByDefault() throws Exception {
        SSLContext ctx = server(serverKeys(), Map.of());
        int port = listen(ctx, new ArrayList<>());
        TicketClient first = connect(port, new TicketClient(KEY_1));
        assertFalse(first.serverPromisedTicket(), "no SessionTicket extension in the ServerHello");
        assertNull(first.received);
        assertEquals(1, Collections.list(ctx.getServerSessionContext().getIds()).size(), "kept by session ID");
        // a ticket from a server with tickets on means nothing here
        int other = listen(server(serverKeys(), tickets()), new ArrayList<>());
        TicketClient foreign = connect(other, new TicketClient(KEY_1));
        assertFalse(connect(port, foreign.next(KEY_1)).resumed);
    }

    @Test
    void ticketWithoutSessionIdRunsAFullHandshake() throws Exception {
        int port = listen(server(serverKeys(), tickets()), new ArrayList<>());
        TicketClient first = connect(port, new TicketClient(KEY_1));
        TicketClient c = first.next(KEY_1);
        c.resume = null; // the ticket alone: the server could not signal acceptance by echoing an ID
        assertFalse(connect(port, c).resumed);
    }

    /** SAEF client connections over sockets with a client context; returns each connection's client session. */
    private static List<SSLSession> saefConnections(SSLContext client, int port, int n) throws Exception {
        List<SSLSession> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            try (SSLSocket c = (SSLSocket) client.getSocketFactory().createSocket("localhost", port)) {
                c.setSoTimeout(10_000);
                c.getOutputStream().write(7);
                c.getOutputStream().flush();
                assertEquals(7, c.getInputStream().read());
                out.add(c.getSession());
            }
            Thread.sleep(5);
        }
        return out;
    }

    private static ResumptionTest.Keys clientKeys(int port) {
        ResumptionTest.Keys k = new ResumptionTest.Keys();
        k.associations.put(KPSA_A, dev.saef.keys.Association.of(KPSA_A, "/id-in",
                dev.saef.keys.HostPort.parse("localhost:" + port), "test keys"));
        k.keys.put(KPSA_A, KEY_1.clone());
        k.clientChoice = KPSA_A;
        return k;
    }

    /** {@code saef.clientSessionTickets=true} against a SAEF server with tickets: the client resumes by ticket. */
    @Test
    void saefClientResumesWithATicket() throws Exception {
        SSLContext server = server(serverKeys(), tickets());
        List<Seen> seen = new ArrayList<>();
        int port = listen(server, seen);
        ResumptionTest.Keys keys = clientKeys(port);
        SSLContext client = server(keys, Map.of("saef.clientSessionTickets", "true"));
        List<SSLSession> c = saefConnections(client, port, 3);
        assertEquals(0, Collections.list(server.getServerSessionContext().getIds()).size(), "the server kept nothing");
        assertEquals(32, c.get(0).getId().length);
        assertTrue(java.util.Arrays.equals(c.get(0).getId(), c.get(1).getId())
                && java.util.Arrays.equals(c.get(0).getId(), c.get(2).getId()), "the server echoed the ID: resumed");
        assertEquals(c.get(0).getCreationTime(), c.get(2).getCreationTime());
        assertEquals("/id-in", c.get(2).getPeerPrincipal().getName());
        Seen s = last(seen);
        assertEquals("CAE-a", s.peer());
        assertEquals(seen.get(0).session().getCreationTime(), s.session().getCreationTime());

        keys.keys.put(KPSA_A, KEY_2.clone()); // the client's Kpsa replaced: it no longer offers the ticket
        SSLContext rekeyedServer = server(new ResumptionTest.Keys().put(KPSA_A, "CAE-a", KEY_2), tickets());
        int port2 = listen(rekeyedServer, new ArrayList<>());
        keys.associations.put(KPSA_A, dev.saef.keys.Association.of(KPSA_A, "/id-in",
                dev.saef.keys.HostPort.parse("localhost:" + port2), "test keys"));
        List<SSLSession> d = saefConnections(client, port2, 2);
        assertFalse(java.util.Arrays.equals(c.get(0).getId(), d.get(0).getId()), "a full handshake with the new Kpsa");
        assertTrue(java.util.Arrays.equals(d.get(0).getId(), d.get(1).getId()), "whose ticket resumes");
    }

    /** Client tickets on, server tickets off: the client asks, gets none, and resumes by session ID. */
    @Test
    void saefClientWithTicketsResumesByIdWhenTheServerHasNone() throws Exception {
        SSLContext server = server(serverKeys(), Map.of());
        int port = listen(server, new ArrayList<>());
        SSLContext client = server(clientKeys(port), Map.of("saef.clientSessionTickets", "true"));
        List<SSLSession> c = saefConnections(client, port, 2);
        assertTrue(java.util.Arrays.equals(c.get(0).getId(), c.get(1).getId()));
        assertEquals(1, Collections.list(server.getServerSessionContext().getIds()).size());
    }

    @Test
    void clientNotAskingGetsNoTicketAndResumesById() throws Exception {
        SSLContext ctx = server(serverKeys(), tickets());
        int port = listen(ctx, new ArrayList<>());
        TicketClient c = new TicketClient(KEY_1);
        c.askForTicket = false;
        connect(port, c);
        assertFalse(c.serverPromisedTicket());
        assertNull(c.received);
        assertEquals(1, Collections.list(ctx.getServerSessionContext().getIds()).size());
        TicketClient again = new TicketClient(KEY_1);
        again.askForTicket = false;
        again.resume = c.session;
        assertTrue(connect(port, again).resumed, "session ID resumption still works with tickets on");
    }
}
