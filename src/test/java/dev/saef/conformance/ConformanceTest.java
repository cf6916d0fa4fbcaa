package dev.saef.conformance;

import static dev.saef.conformance.Saef.AE_ID;
import static dev.saef.conformance.Saef.CSE_ID;
import static dev.saef.conformance.Saef.HOST;
import static dev.saef.conformance.Saef.KEY_HEX;
import static dev.saef.conformance.Saef.KPSA;
import static dev.saef.conformance.Saef.OTHER_KEY_HEX;
import static dev.saef.conformance.Saef.PORT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saef.config.AssociationTable;
import dev.saef.config.SaefConfigException;
import dev.saef.config.SaefConfiguration;
import dev.saef.identity.CredentialId;
import dev.saef.identity.EntityType;
import dev.saef.identity.IdentityMode;
import dev.saef.identity.KpsaId;
import dev.saef.identity.OriginatorCheck;
import dev.saef.identity.SaefPrincipal;
import dev.saef.keys.KeyStoreKeyProvider;
import dev.saef.profile.CipherSuiteInfo;
import dev.saef.profile.SuiteProfile;
import java.io.DataInputStream;
import java.io.StringReader;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.Principal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import javax.crypto.spec.SecretKeySpec;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.HandshakeCompletedEvent;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIMatcher;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.CipherSuite;
import org.bouncycastle.tls.ProtocolVersion;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * The executable conformance suite: one test per requirement ID of {@code conformance/requirements.md}
 * (oneM2M TS-0003 V3.18.0 clauses 7.2.1, 8.2.1, 8.2.2.1, 10.2.1, 10.2.2, 10.4, 10.5, 12.3.2.1 and the
 * RFC text they pull in). Each method is named from its ID ({@code SAEF-10.2.2-02} -> {@code
 * saef_10_2_2_02_...}) and carries the ID in its display name; {@code ConformanceReportListener} maps
 * the results back to the catalogue.
 *
 * <p>Every handshake is real: SAEF engines and sockets built through the public JSSE API, facing either
 * another SAEF end or an independent Bouncy Castle peer on BC's own crypto ({@link BcPeer}) that can
 * misbehave (wrong key, unknown or malformed identity, suites or versions outside the profile, no
 * extended master secret, ...). Where a requirement is about bytes on the wire, the bytes are checked
 * with an independent parser ({@link Wire}).
 */
@Timeout(120)
@TestMethodOrder(MethodOrderer.MethodName.class)
class ConformanceTest {

    static final String MN_KPSA = "cse-mn1@sp.example.com";
    static final String MN_CSE_ID = "/id-mn1";

    static final int PSK_AES_128_CBC_SHA256 = CipherSuite.TLS_PSK_WITH_AES_128_CBC_SHA256;
    static final int PSK_AES_128_CCM_8 = CipherSuite.TLS_PSK_WITH_AES_128_CCM_8;

    // ------------------------------------------------------------------------------------- helpers

    /** SAEF client (Entity A, {@link Saef#KPSA}) and SAEF server (Entity B) over engines; server binds to {@code peer}. */
    static Link saefPair(String serverPeer) throws Exception {
        return saefPair(serverPeer, UnaryOperator.identity(), UnaryOperator.identity());
    }

    static Link saefPair(String serverPeer, UnaryOperator<SaefConfiguration> clientTweak,
            UnaryOperator<SaefConfiguration> serverTweak) throws Exception {
        SSLContext client = Saef.context(Saef.clientLine(KPSA, CSE_ID, HOST + ":" + PORT, KEY_HEX), clientTweak);
        SSLContext server = Saef.context(Saef.serverLine(KPSA, serverPeer, KEY_HEX), serverTweak);
        return Link.of(Saef.clientEngine(client, HOST, PORT), Saef.serverEngine(server)).handshake();
    }

    static SSLEngine engine(Link.End end) {
        return ((Link.EngineEnd) end).engine;
    }

    static void assertDone(Link l) {
        assertTrue(l.bothDone(), () -> "handshake did not complete: client " + l.client.failure() + ", server "
                + l.server.failure());
        assertNull(l.client.failure());
        assertNull(l.server.failure());
    }

    static void assertFailedBoth(Link l) {
        assertFalse(l.client.handshakeDone() && l.server.handshakeDone(), "handshake must not complete");
        assertNotNull(l.client.failure(), "client failure");
        assertNotNull(l.server.failure(), "server failure");
    }

    static SaefPrincipal peerOf(SSLEngine e) throws SSLPeerUnverifiedException {
        return (SaefPrincipal) e.getSession().getPeerPrincipal();
    }

    static SaefPrincipal clientBound(Link l) throws SSLPeerUnverifiedException {
        return peerOf(engine(l.client));
    }

    static SaefPrincipal serverBound(Link l) throws SSLPeerUnverifiedException {
        return peerOf(engine(l.server));
    }

    /** SAEF client engine (KPSA, IdB /id-in, cse.example.net:8443) against an independent server. */
    static Link saefClientVs(BcPeer server, String keyHex, UnaryOperator<SaefConfiguration> tweak) throws Exception {
        SSLContext client = Saef.context(Saef.clientLine(KPSA, CSE_ID, HOST + ":" + PORT, keyHex), tweak);
        return Link.of(Saef.clientEngine(client, HOST, PORT), server).handshake();
    }

    static Link saefClientVs(BcPeer server) throws Exception {
        return saefClientVs(server, KEY_HEX, UnaryOperator.identity());
    }

    /** An independent client against a SAEF server engine that knows KPSA as CAE01. */
    static Link vsSaefServer(BcPeer client, UnaryOperator<SaefConfiguration> tweak) throws Exception {
        SSLContext server = Saef.context(Saef.serverLine(KPSA, AE_ID, KEY_HEX), tweak);
        return Link.of(client, Saef.serverEngine(server)).handshake();
    }

    static Link vsSaefServer(BcPeer client) throws Exception {
        return vsSaefServer(client, UnaryOperator.identity());
    }

    static Link vsSaefServer(BcPeer client, SSLContext server) {
        return Link.of(client, Saef.serverEngine(server)).handshake();
    }

    static String message(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            sb.append(c.getClass().getName()).append(": ").append(c.getMessage()).append(" | ");
        }
        return sb.toString();
    }

    static byte[] key(int length) {
        byte[] k = new byte[length];
        for (int i = 0; i < length; i++) {
            k[i] = (byte) (i * 7 + 1);
        }
        return k;
    }

    static String keyHex(int length) {
        return Saef.hex(key(length));
    }

    /** A strict KpsaID of exactly {@code octets} octets: {@code ae-xxx...@sp.example.com}. */
    static String kpsaIdOfLength(int octets) {
        String fqdn = "@sp.example.com";
        return "ae-" + "x".repeat(octets - 3 - fqdn.length()) + fqdn;
    }

    static int suiteCode(String name) {
        return SuiteProfile.byName(name).orElseThrow().code();
    }

    static boolean hasFatalAlert(byte[] stream, int description) {
        return Wire.alerts(stream).stream().anyMatch(a -> a.fatal() && a.description() == description);
    }

    /**
     * The SAEF server (knowing KPSA) does not know the identity {@code client} offers: by default it
     * fails as for a wrong Kpsa (saef.unknownIdentity=hide, RFC 4279 section 5), with reveal it answers
     * unknown_psk_identity; its own message says the KpsaID is not provisioned either way.
     */
    static void assertRefusedAsUnknown(java.util.function.Supplier<BcPeer> client, String what) throws Exception {
        Link hidden = vsSaefServer(client.get());
        assertFalse(hidden.server.handshakeDone(), what);
        assertTrue(hasFatalAlert(hidden.s2c(), AlertDescription.bad_record_mac), what);
        assertTrue(hidden.server.failure().getMessage().contains("which is not provisioned in"),
                hidden.server.failure().getMessage());
        Link revealed = vsSaefServer(client.get(), c -> c.withHideUnknownIdentities(false));
        assertFalse(revealed.server.handshakeDone(), what);
        assertInstanceOf(SSLHandshakeException.class, revealed.server.failure());
        assertTrue(hasFatalAlert(revealed.s2c(), AlertDescription.unknown_psk_identity), what);
    }

    /** A ClientHello as SAEF's client sends it, for crafting variants. */
    static Wire.ClientHello saefClientHello() throws Exception {
        SSLEngine c = Saef.clientEngine(KEY_HEX);
        Link.EngineEnd end = new Link.EngineEnd(c);
        end.begin();
        return Wire.clientHello(end.produce());
    }

    /** Feeds raw client bytes to a fresh SAEF server engine; returns the server end and what it answered. */
    static Object[] offerToSaefServer(byte[] clientBytes) throws Exception {
        Link.EngineEnd server = new Link.EngineEnd(Saef.serverEngine(AE_ID, KEY_HEX));
        server.begin();
        server.consume(clientBytes);
        byte[] answer = server.produce();
        return new Object[] {server, answer};
    }

    /** The mini-CSE of the clause 7.2.1 tests: the client sends {@code From}, the server answers the RSC. */
    static String request(Link l, String from) throws Exception {
        byte[] got = l.clientSends(("From: " + from).getBytes(StandardCharsets.UTF_8));
        String received = new String(got, StandardCharsets.UTF_8);
        assertTrue(received.startsWith("From: "), received);
        OriginatorCheck.Result r = OriginatorCheck.check(engine(l.server).getSession(), received.substring(6));
        String rsc = r.authenticated() ? "2001" : Integer.toString(r.responseStatusCode());
        return new String(l.serverSends(rsc.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
    }

    /** Result of a handshake over loopback sockets. */
    record Sockets(SSLSession client, SSLSession server, HandshakeCompletedEvent clientEvent) {
    }

    /** A SAEF client socket to a SAEF server socket on loopback; 5 bytes echoed. */
    static Sockets overSockets(String serverTable, UnaryOperator<SaefConfiguration> serverTweak, String clientKpsa,
            String idB, String host, UnaryOperator<SaefConfiguration> clientTweak) throws Exception {
        SSLContext server = Saef.context(serverTable, serverTweak);
        try (SSLServerSocket ss = (SSLServerSocket) server.getServerSocketFactory()
                .createServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            int port = ss.getLocalPort();
            CompletableFuture<SSLSession> seen = CompletableFuture.supplyAsync(() -> {
                try (SSLSocket s = (SSLSocket) ss.accept()) {
                    s.startHandshake();
                    byte[] buf = new byte[5];
                    new DataInputStream(s.getInputStream()).readFully(buf);
                    s.getOutputStream().write(buf);
                    s.getOutputStream().flush();
                    s.getInputStream().read();
                    return s.getSession();
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            SSLContext client = Saef.context(Saef.clientLine(clientKpsa, idB, host + ":" + port, KEY_HEX),
                    clientTweak);
            AtomicReference<HandshakeCompletedEvent> event = new AtomicReference<>();
            CountDownLatch done = new CountDownLatch(1);
            SSLSession cs;
            try (SSLSocket s = (SSLSocket) client.getSocketFactory().createSocket(host, port)) {
                s.addHandshakeCompletedListener(ev -> {
                    event.set(ev);
                    done.countDown();
                });
                s.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
                assertEquals("hello", new String(s.getInputStream().readNBytes(5), StandardCharsets.US_ASCII));
                cs = s.getSession();
                assertTrue(done.await(10, TimeUnit.SECONDS));
            }
            return new Sockets(cs, seen.get(30, TimeUnit.SECONDS), event.get());
        }
    }

    /** A fake server that answers any ClientHello with a fixed ServerHello (version, suite) and ServerHelloDone. */
    static final class ScriptedServer implements Link.End {
        private final int version;
        private final int suite;
        private boolean answered;
        private byte[] pending = new byte[0];

        ScriptedServer(int version, int suite) {
            this.version = version;
            this.suite = suite;
        }

        @Override
        public void begin() {
        }

        @Override
        public byte[] produce() {
            byte[] p = pending;
            pending = new byte[0];
            return p;
        }

        @Override
        public void consume(byte[] data) {
            if (answered) {
                return;
            }
            answered = true;
            java.io.ByteArrayOutputStream hello = new java.io.ByteArrayOutputStream();
            Wire.put16(hello, version);
            hello.writeBytes(new byte[32]);
            hello.write(0); // no session id
            Wire.put16(hello, suite);
            hello.write(0); // no compression
            java.io.ByteArrayOutputStream flight = new java.io.ByteArrayOutputStream();
            flight.writeBytes(Wire.handshake(Wire.SERVER_HELLO, hello.toByteArray()));
            flight.writeBytes(Wire.handshake(Wire.SERVER_HELLO_DONE, new byte[0]));
            pending = Wire.record(Wire.HANDSHAKE, version, flight.toByteArray());
        }

        @Override
        public boolean handshakeDone() {
            return false;
        }

        @Override
        public Throwable failure() {
            return null;
        }

        @Override
        public void send(byte[] data) {
        }

        @Override
        public byte[] takeReceived() {
            return new byte[0];
        }
    }

    /** Wraps {@code data} on {@code from} and returns the record bytes. */
    static byte[] wrapRecord(SSLEngine from, byte[] data) throws SSLException {
        ByteBuffer net = ByteBuffer.allocate(from.getSession().getPacketBufferSize());
        SSLEngineResult r = from.wrap(ByteBuffer.wrap(data), net);
        assertEquals(SSLEngineResult.Status.OK, r.getStatus());
        return Arrays.copyOf(net.array(), net.position());
    }

    /** Unwraps one record on {@code to}; returns the plaintext. */
    static byte[] unwrapRecord(SSLEngine to, byte[] record) throws SSLException {
        ByteBuffer app = ByteBuffer.allocate(to.getSession().getApplicationBufferSize());
        to.unwrap(ByteBuffer.wrap(record), app);
        return Arrays.copyOf(app.array(), app.position());
    }

    /**
     * Tampers with one record in each direction in several ways (each on a fresh connection with the given
     * suite) and checks the receiver fails with bad_record_mac and releases no plaintext.
     */
    static void assertTamperingIsBadRecordMac(String suite) throws Exception {
        assertTamperingIsBadRecordMac(suite, "first fragment octet", "middle octet", "last octet",
                "truncated by 16 octets");
    }

    static void assertTamperingIsBadRecordMac(String suite, String... kinds) throws Exception {
        for (boolean clientSends : new boolean[] {true, false}) {
            for (String kind : kinds) {
                Link l = saefPair(AE_ID, c -> c.withCipherSuites(suite), UnaryOperator.identity());
                assertDone(l);
                assertEquals(suite, engine(l.client).getSession().getCipherSuite());
                SSLEngine from = engine(clientSends ? l.client : l.server);
                SSLEngine to = engine(clientSends ? l.server : l.client);
                byte[] rec = wrapRecord(from, "some application data, 40 octets long!!".getBytes(StandardCharsets.US_ASCII));
                byte[] bad;
                switch (kind) {
                    case "first fragment octet":
                        bad = rec.clone();
                        bad[5] ^= 0x01;
                        break;
                    case "middle octet":
                        bad = rec.clone();
                        bad[5 + (rec.length - 5) / 2] ^= 0x10;
                        break;
                    case "last octet":
                        bad = rec.clone();
                        bad[rec.length - 1] ^= (byte) 0x80;
                        break;
                    default:
                        bad = Arrays.copyOf(rec, rec.length - (kind.equals("truncated by 16 octets") ? 16 : 1));
                        int len = bad.length - 5;
                        bad[3] = (byte) (len >>> 8);
                        bad[4] = (byte) len;
                }
                ByteBuffer app = ByteBuffer.allocate(to.getSession().getApplicationBufferSize());
                SSLException x = assertThrows(SSLException.class, () -> to.unwrap(ByteBuffer.wrap(bad), app),
                        suite + " " + kind);
                assertTrue(x.getMessage().contains("bad_record_mac"), suite + " " + kind + ": " + x.getMessage());
                assertEquals(0, app.position(), "no plaintext released");
                // the fatal alert goes out next, then the engine is closed
                ByteBuffer alert = ByteBuffer.allocate(to.getSession().getPacketBufferSize());
                assertEquals(SSLEngineResult.Status.CLOSED, to.wrap(ByteBuffer.allocate(0), alert).getStatus());
                assertTrue(alert.position() > 0, "an alert is sent");
            }
        }
    }

    /** Application-data records sent by {@code from} for {@code count} messages of {@code size} octets. */
    static List<byte[]> appRecords(SSLEngine from, SSLEngine to, int count, int size) throws SSLException {
        List<byte[]> fragments = new ArrayList<>();
        byte[] data = new byte[size];
        for (int i = 0; i < count; i++) {
            Arrays.fill(data, (byte) i);
            byte[] rec = wrapRecord(from, data);
            for (Wire.Record r : Wire.records(rec)) {
                assertEquals(Wire.APPLICATION_DATA, r.type());
                fragments.add(r.fragment());
            }
            assertArrayEquals(data, unwrapRecord(to, rec));
        }
        return fragments;
    }

    static void assertExplicitNoncesDistinct(String suite) throws Exception {
        Link l = saefPair(AE_ID, c -> c.withCipherSuites(suite), UnaryOperator.identity());
        assertDone(l);
        for (boolean clientSends : new boolean[] {true, false}) {
            SSLEngine from = engine(clientSends ? l.client : l.server);
            SSLEngine to = engine(clientSends ? l.server : l.client);
            Set<String> nonces = new HashSet<>();
            List<byte[]> fragments = appRecords(from, to, 300, 10);
            for (byte[] f : fragments) {
                assertTrue(nonces.add(Saef.hex(Arrays.copyOf(f, 8))), suite + ": nonce_explicit repeated");
            }
            assertEquals(300, nonces.size());
        }
    }

    // ======================================================================= TS-0003 clause 7.2.1

    @Test
    @DisplayName("SAEF-7.2.1-02 the originator check runs on every request received over the security association")
    void saef_7_2_1_02_everyRequestOverTheAssociationIsChecked() throws Exception {
        Link l = saefPair(AE_ID);
        assertDone(l);
        // several requests over the same association: each is checked against the bound identity
        assertEquals("2001", request(l, AE_ID));
        assertEquals("4106", request(l, "CAE02"));
        assertEquals("2001", request(l, AE_ID));
        assertEquals("4106", request(l, "C-other"));
    }

    @Test
    @DisplayName("SAEF-7.2.1-03 the Registrar CSE compares From with the ID associated with the security association")
    void saef_7_2_1_03_fromComparedWithBoundIdentity() throws Exception {
        // configured AE-ID
        Link configured = saefPair(AE_ID);
        assertDone(configured);
        SSLSession s = engine(configured.server).getSession();
        assertTrue(OriginatorCheck.check(s, AE_ID).authenticated());
        assertEquals(AE_ID, OriginatorCheck.check(s, "CAE02").boundIdentity());
        assertFalse(OriginatorCheck.check(s, "cae01").authenticated(), "exact comparison");
        assertFalse(OriginatorCheck.check(s, "//sp.example.com/CAE01").authenticated(), "exact comparison");
        // Credential-ID binding
        Link derived = saefPair(null);
        assertDone(derived);
        SSLSession d = engine(derived.server).getSession();
        assertTrue(OriginatorCheck.check(d, "12-" + KPSA).authenticated());
        assertFalse(OriginatorCheck.check(d, KPSA).authenticated());
    }

    @Test
    @DisplayName("SAEF-7.2.1-04 a From that differs from the bound ID is answered with ORIGINATOR_NOT_AUTHENTICATED (4106)")
    void saef_7_2_1_04_mismatchIsOriginatorNotAuthenticated() throws Exception {
        Link l = saefPair(AE_ID);
        assertDone(l);
        assertEquals("4106", request(l, "CAE02"));
        OriginatorCheck.Result r = OriginatorCheck.check(engine(l.server).getSession(), "CAE02");
        assertFalse(r.authenticated());
        assertEquals(4106, r.responseStatusCode());
        assertEquals(OriginatorCheck.ORIGINATOR_NOT_AUTHENTICATED, r.responseStatusCode());
        assertTrue(r.reason().contains("'CAE02'") && r.reason().contains("'CAE01'"), r.reason());
        // a request without From is not authenticated either
        assertEquals(4106, OriginatorCheck.check(engine(l.server).getSession(), null).responseStatusCode());
    }

    @Test
    @DisplayName("SAEF-7.2.1-05 a From equal to the bound ID lets the Registrar CSE process the request")
    void saef_7_2_1_05_matchLetsTheRequestProceed() throws Exception {
        Link l = saefPair(AE_ID);
        assertDone(l);
        OriginatorCheck.Result r = OriginatorCheck.check(engine(l.server).getSession(), AE_ID);
        assertTrue(r.authenticated());
        assertEquals(0, r.responseStatusCode());
        assertEquals("2001", request(l, AE_ID));
    }

    // ======================================================================= TS-0003 clause 8.2.1

    @Test
    @DisplayName("SAEF-8.2.1-01 Entity A is the TLS client, Entity B the TLS server")
    void saef_8_2_1_01_entityAIsClientEntityBIsServer() throws Exception {
        Link l = saefPair(AE_ID);
        assertDone(l);
        assertTrue(engine(l.client).getUseClientMode());
        assertFalse(engine(l.server).getUseClientMode());
        // Entity A (client) names its KpsaID, Entity B (server) never sends a ClientKeyExchange
        assertArrayEquals(KPSA.getBytes(StandardCharsets.UTF_8), Wire.pskIdentity(l.c2s()));
        assertFalse(Wire.messageTypes(l.s2c()).contains(Wire.CLIENT_KEY_EXCHANGE));
        assertEquals(List.of(Wire.CLIENT_HELLO, Wire.CLIENT_KEY_EXCHANGE), Wire.messageTypes(l.c2s()));
        // Entity A binds IdB, Entity B binds Entity A's identity
        assertEquals(CSE_ID, clientBound(l).getName());
        assertEquals(AE_ID, serverBound(l).getName());
    }

    @Test
    @DisplayName("SAEF-8.2.1-03 Entity A's knowledge of its own identity (IdA) has no impact on the handshake")
    void saef_8_2_1_03_idAHasNoImpact() throws Exception {
        Link without = saefPair(AE_ID);
        Link with = saefPair(AE_ID, c -> c.withLocalId(AE_ID), UnaryOperator.identity());
        Link other = saefPair(AE_ID, c -> c.withLocalId("C-something-else"), UnaryOperator.identity());
        for (Link l : List.of(without, with, other)) {
            assertDone(l);
            assertEquals(CSE_ID, clientBound(l).getName());
            assertEquals(AE_ID, serverBound(l).getName());
            Wire.ClientHello ch = Wire.clientHello(l.c2s());
            Wire.ClientHello ref = Wire.clientHello(without.c2s());
            assertArrayEquals(ref.suites, ch.suites);
            assertEquals(ref.extensions.keySet(), ch.extensions.keySet());
            assertArrayEquals(Wire.pskIdentity(without.c2s()), Wire.pskIdentity(l.c2s()));
        }
        assertNull(engine(without.client).getSession().getLocalPrincipal());
        assertEquals(AE_ID, engine(with.client).getSession().getLocalPrincipal().getName());
    }

    @Test
    @DisplayName("SAEF-8.2.1-04 Entity B is configured with its CSE-ID (IdB)")
    void saef_8_2_1_04_entityBConfiguredWithItsCseId() throws Exception {
        Link l = saefPair(AE_ID, UnaryOperator.identity(), c -> c.withLocalId(CSE_ID));
        assertDone(l);
        assertEquals(CSE_ID, engine(l.server).getSession().getLocalPrincipal().getName());
        // the identity Entity A is configured with for Entity B is the same CSE-ID
        assertEquals(engine(l.server).getSession().getLocalPrincipal().getName(), clientBound(l).getName());
        assertThrows(IllegalArgumentException.class, () -> Saef.config(Saef.serverLine(KPSA, AE_ID, KEY_HEX))
                .withLocalId("bad id"), "an unusable CSE-ID is refused at configuration");
    }

    @Test
    @DisplayName("SAEF-8.2.1-05 Entity A is provided with IdB, the CSE-ID of Entity B")
    void saef_8_2_1_05_entityAProvidedWithIdB() throws Exception {
        SSLContext noIdB = Saef.context(KPSA + " address=" + HOST + ":" + PORT + " key=hex:" + KEY_HEX + "\n");
        Link l = Link.of(Saef.clientEngine(noIdB, HOST, PORT), Saef.serverEngine(AE_ID, KEY_HEX)).handshake();
        assertInstanceOf(SSLHandshakeException.class, l.client.failure());
        assertTrue(l.client.failure().getMessage().contains("has no peer="), l.client.failure().getMessage());
        assertEquals(0, l.c2s().length, "nothing is sent without IdB");
        Link ok = saefPair(AE_ID);
        assertDone(ok);
        assertEquals(CSE_ID, clientBound(ok).getName());
    }

    @Test
    @DisplayName("SAEF-8.2.1-06 Entity A associates the security context with IdB")
    void saef_8_2_1_06_entityABindsIdB() throws Exception {
        Link l = saefPair(AE_ID);
        assertDone(l);
        SaefPrincipal p = clientBound(l);
        assertEquals(CSE_ID, p.getName());
        assertTrue(p.isConfigured());
        assertEquals(KPSA, p.kpsaId().orElseThrow().value());
        Sockets s = overSockets(Saef.serverLine(KPSA, AE_ID, KEY_HEX), UnaryOperator.identity(), KPSA, CSE_ID,
                "127.0.0.1", UnaryOperator.identity());
        assertEquals(CSE_ID, s.client().getPeerPrincipal().getName());
        assertEquals(CSE_ID, s.clientEvent().getPeerPrincipal().getName());
    }

    /**
     * One server with two associations - MN_KPSA bound to {@code csePeer}, KPSA to {@code aePeer} - and
     * a completed handshake from each of their clients: {MN-CSE link, AE link}.
     */
    private static Link[] mnCseAndAe(String csePeer, String aePeer) throws Exception {
        SSLContext server = Saef.context(Saef.serverLine(MN_KPSA, csePeer, KEY_HEX) + Saef.serverLine(KPSA, aePeer,
                KEY_HEX));
        Link cse = Link.of(Saef.clientEngine(Saef.context(Saef.clientLine(MN_KPSA, CSE_ID, HOST, KEY_HEX)), HOST, PORT),
                Saef.serverEngine(server)).handshake();
        Link ae = Link.of(Saef.clientEngine(Saef.context(Saef.clientLine(KPSA, CSE_ID, HOST, KEY_HEX)), HOST, PORT),
                Saef.serverEngine(server)).handshake();
        assertDone(cse);
        assertDone(ae);
        return new Link[] {cse, ae};
    }

    @Test
    @DisplayName("SAEF-8.2.1-07 Entity B associates the security context with a single absolute CSE-ID or AE-ID")
    void saef_8_2_1_07_entityBBindsOneAbsoluteId() throws Exception {
        Link[] links = mnCseAndAe("//sp.example.com/id-mn1", "//sp.example.com/id-mn1/CAE01");
        Link cse = links[0];
        Link ae = links[1];
        assertEquals("//sp.example.com/id-mn1", serverBound(cse).getName());
        assertEquals("//sp.example.com/id-mn1/CAE01", serverBound(ae).getName());
        assertTrue(serverBound(cse).isConfigured() && serverBound(ae).isConfigured());
    }

    @Test
    @DisplayName("SAEF-8.2.1-08 ... together with an indication whether Entity A is a CSE or an AE")
    void saef_8_2_1_08_entityTypeIndication() throws Exception {
        Link[] links = mnCseAndAe("//sp.example.com/id-mn1", "//sp.example.com/id-mn1/CAE01");
        Link cse = links[0];
        Link ae = links[1];
        assertEquals(java.util.Optional.of(EntityType.CSE), serverBound(cse).entityType());
        assertEquals(java.util.Optional.of(EntityType.AE), serverBound(ae).entityType());
        // Entity A's IdB, the CSE-ID of Entity B
        assertEquals(java.util.Optional.of(EntityType.CSE), clientBound(ae).entityType());
        // bound to the Credential-ID: the application resolves the identity, and with it the type
        Link derived = saefPair(null);
        assertDone(derived);
        assertEquals(java.util.Optional.empty(), serverBound(derived).entityType());
    }

    @Test
    @DisplayName("SAEF-8.2.1-09 Entity B forms the Credential-ID of the Kpsa Entity A used")
    void saef_8_2_1_09_credentialIdFormedForTheKpsa() throws Exception {
        Link l = saefPair(null);
        assertDone(l);
        SaefPrincipal p = serverBound(l);
        assertTrue(p.isDerivedFromCredentialId());
        assertEquals("12-" + KPSA, p.getName());
        assertEquals(CredentialId.of(12, KpsaId.parse(KPSA, IdentityMode.STRICT)), p.credentialId().orElseThrow());
        // another Kpsa, another Credential-ID: it identifies the credential
        String table = Saef.serverLine(KPSA, null, KEY_HEX) + Saef.serverLine(MN_KPSA, null, OTHER_KEY_HEX);
        Link other = Link.of(Saef.clientEngine(Saef.context(Saef.clientLine(MN_KPSA, CSE_ID, HOST, OTHER_KEY_HEX)),
                HOST, PORT), Saef.serverEngine(Saef.context(table))).handshake();
        assertDone(other);
        assertEquals("12-" + MN_KPSA, serverBound(other).getName());
    }

    @Test
    @DisplayName("SAEF-8.2.1-10 Entity B can determine the CSE-ID/AE-ID applicable for the Credential-ID")
    void saef_8_2_1_10_credentialIdExposedForIdDetermination() throws Exception {
        Link l = saefPair(null);
        assertDone(l);
        SaefPrincipal p = serverBound(l);
        // the application's own mapping (e.g. serviceSubscribedAppRule): Credential-ID -> allowed AE-ID
        Map<String, String> appRule = Map.of("12-" + KPSA, "CAE-assigned-7");
        String aeId = appRule.get(p.credentialId().orElseThrow().toString());
        assertEquals("CAE-assigned-7", aeId);
        Principal determined = () -> aeId;
        assertTrue(OriginatorCheck.check(determined, "CAE-assigned-7").authenticated());
        assertEquals(4106, OriginatorCheck.check(determined, "CAE-other").responseStatusCode());
        // a configured binding exposes the Credential-ID too
        Link c = saefPair(AE_ID);
        assertDone(c);
        assertEquals("12-" + KPSA, serverBound(c).credentialId().orElseThrow().toString());
    }

    @Test
    @DisplayName("SAEF-8.2.1-11 the CSE-ID/AE-ID may be configured to Entity B before the handshake")
    void saef_8_2_1_11_idConfiguredBeforeTheHandshake() throws Exception {
        Link l = saefPair(AE_ID);
        assertDone(l);
        assertEquals(AE_ID, serverBound(l).getName());
        assertTrue(serverBound(l).isConfigured());
        // configured through the association table file as loaded by the provider
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("saef-conf");
        try {
            java.nio.file.Path file = dir.resolve("associations");
            java.nio.file.Files.writeString(file, Saef.serverLine(KPSA, "CAE-from-file", KEY_HEX));
            java.nio.file.Files.setPosixFilePermissions(file,
                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            AssociationTable t = AssociationTable.load(file, IdentityMode.STRICT);
            SSLContext server = Saef.context(SaefConfiguration.of(t, t.inlineKeys()));
            Link f = Link.of(Saef.clientEngine(KEY_HEX), Saef.serverEngine(server)).handshake();
            assertDone(f);
            assertEquals("CAE-from-file", serverBound(f).getName());
        } finally {
            try (var s = java.nio.file.Files.walk(dir)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Entity A = AE (ae.example.net:9443), Entity B = CSE (cse.example.net:8443); the same lines serve SA1 and SA2. */
    static SSLContext[] sa1Sa2Contexts() throws Exception {
        SSLContext ae = Saef.context(Saef.clientLine(KPSA, CSE_ID, HOST + ":" + PORT, KEY_HEX));
        SSLContext cse = Saef.context(Saef.clientLine(KPSA, AE_ID, "ae.example.net:9443", KEY_HEX));
        return new SSLContext[] {ae, cse};
    }

    @Test
    @DisplayName("SAEF-8.2.1-14 SA2: the request-reachable Entity A is the TLS server, Entity B the client")
    void saef_8_2_1_14_sa2WithRolesReversed() throws Exception {
        SSLContext[] ctx = sa1Sa2Contexts();
        Link sa1 = Link.of(Saef.clientEngine(ctx[0], HOST, PORT), Saef.serverEngine(ctx[1])).handshake();
        Link sa2 = Link.of(Saef.clientEngine(ctx[1], "ae.example.net", 9443), Saef.serverEngine(ctx[0])).handshake();
        assertDone(sa1);
        assertDone(sa2);
        // SA1: AE -> CSE
        assertEquals(CSE_ID, clientBound(sa1).getName());
        assertEquals(AE_ID, serverBound(sa1).getName());
        // SA2: CSE -> AE, otherwise no difference (same KpsaID on the wire, same identities)
        assertTrue(engine(sa2.client).getUseClientMode());
        assertEquals(AE_ID, clientBound(sa2).getName());
        assertEquals(CSE_ID, serverBound(sa2).getName());
        assertArrayEquals(Wire.pskIdentity(sa1.c2s()), Wire.pskIdentity(sa2.c2s()));
    }

    @Test
    @DisplayName("SAEF-8.2.1-16 SA2 reuses SA1's credential, identity and association configuration")
    void saef_8_2_1_16_sa2ReusesSa1Configuration() throws Exception {
        SSLContext[] ctx = sa1Sa2Contexts();
        for (int i = 0; i < 2; i++) {
            Link sa1 = Link.of(Saef.clientEngine(ctx[0], HOST, PORT), Saef.serverEngine(ctx[1])).handshake();
            Link sa2 = Link.of(Saef.clientEngine(ctx[1], "ae.example.net", 9443), Saef.serverEngine(ctx[0]))
                    .handshake();
            assertDone(sa1);
            assertDone(sa2);
            assertArrayEquals("sa2 data".getBytes(), sa2.clientSends("sa2 data".getBytes()));
        }
    }

    // ===================================================================== TS-0003 clause 8.2.2.1

    @Test
    @DisplayName("SAEF-8.2.2.1-01 Kpsa and KpsaID are provisioned to both entities (table or key store)")
    void saef_8_2_2_1_01_kpsaProvisionedToBothEntities() throws Exception {
        // inline in the association table, both sides
        assertDone(saefPair(AE_ID));
        // in a PKCS12 key store under the exact KpsaID, both sides
        char[] pw = "store-password".toCharArray();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        KeyStoreKeyProvider.storeKey(ks, KpsaId.parse(KPSA, IdentityMode.STRICT),
                new SecretKeySpec(Saef.hex(KEY_HEX), "AES"), pw);
        KeyStoreKeyProvider keys = new KeyStoreKeyProvider(ks, pw);
        AssociationTable clientTable = AssociationTable.parse("client", new StringReader(KPSA + " peer=" + CSE_ID
                + " address=" + HOST + ":" + PORT + "\n"), IdentityMode.STRICT, true);
        AssociationTable serverTable = AssociationTable.parse("server", new StringReader(KPSA + " peer=" + AE_ID
                + "\n"), IdentityMode.STRICT, true);
        SSLContext client = Saef.context(SaefConfiguration.of(clientTable, keys));
        SSLContext server = Saef.context(SaefConfiguration.of(serverTable, keys));
        Link l = Link.of(Saef.clientEngine(client, HOST, PORT), Saef.serverEngine(server)).handshake();
        assertDone(l);
        assertEquals(AE_ID, serverBound(l).getName());
    }

    @Test
    @DisplayName("SAEF-8.2.2.1-02 the KpsaID has the clause 10.5 format")
    void saef_8_2_2_1_02_kpsaIdFormatIsClause105() {
        SaefConfigException x = assertThrows(SaefConfigException.class,
                () -> Saef.config("not-a-kpsaid peer=CAE01 key=hex:" + KEY_HEX + "\n"));
        assertTrue(x.getMessage().contains("clause 10.5"), x.getMessage());
        assertEquals(KPSA, KpsaId.parse(KPSA, IdentityMode.STRICT).value());
    }

    @Test
    @DisplayName("SAEF-8.2.2.1-03 a CSE acting as Entity A is configured with its own CSE-ID")
    void saef_8_2_2_1_03_cseEntityAConfiguredWithItsCseId() throws Exception {
        SSLContext mn = Saef.context(Saef.clientLine(MN_KPSA, CSE_ID, HOST, KEY_HEX), c -> c.withLocalId(MN_CSE_ID));
        SSLContext in = Saef.context(Saef.serverLine(MN_KPSA, MN_CSE_ID, KEY_HEX), c -> c.withLocalId(CSE_ID));
        Link l = Link.of(Saef.clientEngine(mn, HOST, PORT), Saef.serverEngine(in)).handshake();
        assertDone(l);
        assertEquals(MN_CSE_ID, engine(l.client).getSession().getLocalPrincipal().getName());
        assertEquals(MN_CSE_ID, serverBound(l).getName());
    }

    @Test
    @DisplayName("SAEF-8.2.2.1-04 Entity A is configured with IdB before the handshake")
    void saef_8_2_2_1_04_entityAConfiguredWithIdBBeforeHandshake() throws Exception {
        SSLContext noIdB = Saef.context(KPSA + " address=" + HOST + " key=hex:" + KEY_HEX + "\n");
        SSLEngine e = Saef.clientEngine(noIdB, HOST, PORT);
        SSLHandshakeException x = assertThrows(SSLHandshakeException.class, e::beginHandshake);
        assertTrue(x.getMessage().contains("binds the session to the configured IdB"), x.getMessage());
        assertTrue(e.isOutboundDone(), "no ClientHello is sent");
        // with IdB the same association works
        assertDone(saefPair(AE_ID));
    }

    @Test
    @DisplayName("SAEF-8.2.2.1-05 IdB selects the association used for the server and routes the exchange")
    void saef_8_2_2_1_05_idBRoutesTheExchange() throws Exception {
        SSLContext client = Saef.context(Saef.clientLine(KPSA, CSE_ID, "in.example.net:443", KEY_HEX)
                + Saef.clientLine(MN_KPSA, MN_CSE_ID, "mn1.example.net:443", OTHER_KEY_HEX));
        SSLContext in = Saef.context(Saef.serverLine(KPSA, AE_ID, KEY_HEX));
        SSLContext mn = Saef.context(Saef.serverLine(MN_KPSA, "CAE01-at-mn", OTHER_KEY_HEX));
        Link toIn = Link.of(Saef.clientEngine(client, "in.example.net", 443), Saef.serverEngine(in)).handshake();
        Link toMn = Link.of(Saef.clientEngine(client, "mn1.example.net", 443), Saef.serverEngine(mn)).handshake();
        assertDone(toIn);
        assertDone(toMn);
        assertEquals(CSE_ID, clientBound(toIn).getName());
        assertEquals(MN_CSE_ID, clientBound(toMn).getName());
        assertArrayEquals(KPSA.getBytes(StandardCharsets.UTF_8), Wire.pskIdentity(toIn.c2s()));
        assertArrayEquals(MN_KPSA.getBytes(StandardCharsets.UTF_8), Wire.pskIdentity(toMn.c2s()));
        assertEquals(List.of("in.example.net"), Wire.sniHostNames(Wire.clientHello(toIn.c2s()).extensions
                .get(Wire.EXT_SERVER_NAME)));
        // the wrong server for that association fails: the client cannot be routed to another CSE's keys
        Link wrong = Link.of(Saef.clientEngine(client, "in.example.net", 443), Saef.serverEngine(mn)).handshake();
        assertFailedBoth(wrong);
    }

    @Test
    @DisplayName("SAEF-8.2.2.1-06 Entity A associates IdB with every message secured with the Kpsa")
    void saef_8_2_2_1_06_entityAAssociatesIdBWithSecuredMessages() throws Exception {
        Link l = saefPair(AE_ID);
        assertDone(l);
        SSLSession session = engine(l.client).getSession();
        for (int i = 0; i < 5; i++) {
            byte[] msg = ("message " + i).getBytes(StandardCharsets.US_ASCII);
            assertArrayEquals(msg, l.serverSends(msg));
            assertEquals(CSE_ID, engine(l.client).getSession().getPeerPrincipal().getName());
            assertTrue(session.equals(engine(l.client).getSession()), "one session for the association");
        }
        Sockets s = overSockets(Saef.serverLine(KPSA, AE_ID, KEY_HEX), UnaryOperator.identity(), KPSA, CSE_ID,
                "localhost", UnaryOperator.identity());
        assertEquals(CSE_ID, s.client().getPeerPrincipal().getName());
    }

    @Test
    @DisplayName("SAEF-8.2.2.1-07 Entity B is configured with the CSE-ID of a CSE acting as Entity A")
    void saef_8_2_2_1_07_entityBConfiguredWithCseIdOfCseEntityA() throws Exception {
        SSLContext mn = Saef.context(Saef.clientLine(MN_KPSA, CSE_ID, HOST, KEY_HEX));
        SSLContext in = Saef.context(Saef.serverLine(MN_KPSA, MN_CSE_ID, KEY_HEX));
        Link l = Link.of(Saef.clientEngine(mn, HOST, PORT), Saef.serverEngine(in)).handshake();
        assertDone(l);
        assertEquals(MN_CSE_ID, serverBound(l).getName());
        assertTrue(serverBound(l).isConfigured());
    }

    @Test
    @DisplayName("SAEF-8.2.2.1-08 for an AE, Entity B is configured with IdA or determines it at registration")
    void saef_8_2_2_1_08_aeIdConfiguredOrDeterminedAtRegistration() throws Exception {
        Link configured = saefPair(AE_ID);
        assertDone(configured);
        assertEquals(AE_ID, serverBound(configured).getName());
        Link notConfigured = saefPair(null);
        assertDone(notConfigured);
        SaefPrincipal p = serverBound(notConfigured);
        assertFalse(p.isConfigured());
        assertEquals("12-" + KPSA, p.getName(), "bound to the Credential-ID until the AE-ID is determined");
    }

    @Test
    @DisplayName("SAEF-8.2.2.1-09 Entity B associates the configured Entity A identity with every secured message")
    void saef_8_2_2_1_09_entityBAssociatesConfiguredIdWithSecuredMessages() throws Exception {
        Link l = saefPair(AE_ID);
        assertDone(l);
        for (int i = 0; i < 5; i++) {
            byte[] msg = ("request " + i).getBytes(StandardCharsets.US_ASCII);
            assertArrayEquals(msg, l.clientSends(msg));
            assertEquals(AE_ID, engine(l.server).getSession().getPeerPrincipal().getName());
        }
        Sockets s = overSockets(Saef.serverLine(KPSA, AE_ID, KEY_HEX), UnaryOperator.identity(), KPSA, CSE_ID,
                "127.0.0.1", UnaryOperator.identity());
        assertEquals(AE_ID, s.server().getPeerPrincipal().getName());
    }

    @Test
    @DisplayName("SAEF-8.2.2.1-10 the entities perform a TLS-PSK handshake (RFC 4279): mutual authentication by the Kpsa")
    void saef_8_2_2_1_10_tlsPskHandshake() throws Exception {
        Link l = saefPair(AE_ID);
        assertDone(l);
        for (byte[] dir : List.of(l.c2s(), l.s2c())) {
            List<Integer> types = Wire.messageTypes(dir);
            assertFalse(types.contains(Wire.CERTIFICATE) || types.contains(Wire.CERTIFICATE_REQUEST), types.toString());
        }
        int suite = Wire.serverHello(l.s2c()).suite();
        CipherSuiteInfo info = SuiteProfile.byCode(suite).orElseThrow();
        assertTrue(info.keyExchange() == CipherSuiteInfo.KeyExchange.PSK
                || info.keyExchange() == CipherSuiteInfo.KeyExchange.DHE_PSK, info.name());
        // a wrong Kpsa fails on both sides, in both roles, also against an independent peer
        assertFailedBoth(Link.of(Saef.clientEngine(OTHER_KEY_HEX), Saef.serverEngine(AE_ID, KEY_HEX)).handshake());
        Link c = saefClientVs(BcPeer.server(KPSA, OTHER_KEY_HEX).build());
        assertNotNull(c.client.failure());
        assertFalse(c.client.handshakeDone());
        Link s = vsSaefServer(BcPeer.client(KPSA, OTHER_KEY_HEX).build());
        assertNotNull(s.server.failure());
        assertTrue(s.server.failure().getMessage().contains("bad_record_mac"), s.server.failure().getMessage());
        assertFalse(s.server.handshakeDone());
    }

    @Test
    @DisplayName("SAEF-8.2.2.1-11 psk_identity is the KpsaID")
    void saef_8_2_2_1_11_pskIdentityIsKpsaId() throws Exception {
        for (String suite : List.of(SuiteProfile.TLS_MANDATORY, "TLS_DHE_PSK_WITH_AES_128_GCM_SHA256")) {
            Link l = saefPair(AE_ID, c -> c.withCipherSuites(suite), UnaryOperator.identity());
            assertDone(l);
            assertArrayEquals(KPSA.getBytes(StandardCharsets.UTF_8), Wire.pskIdentity(l.c2s()), suite);
        }
        // client role against an independent server: it sees exactly the KpsaID
        BcPeer server = BcPeer.server(KPSA, KEY_HEX).build();
        assertDone(saefClientVs(server));
        assertArrayEquals(KPSA.getBytes(StandardCharsets.UTF_8), server.identitySeen);
        // server role: the KpsaID is matched exactly, octet for octet
        assertDone(vsSaefServer(BcPeer.client(KPSA, KEY_HEX).build()));
        assertRefusedAsUnknown(() -> BcPeer.client(KPSA.toUpperCase(Locale.ROOT), KEY_HEX).build(), "upper case");
    }

    @Test
    @DisplayName("SAEF-8.2.2.1-12 psk is the Kpsa, octet for octet")
    void saef_8_2_2_1_12_pskIsKpsa() throws Exception {
        for (int len : new int[] {1, 16, 32, 64}) {
            String k = keyHex(len);
            Link c = saefClientVs(BcPeer.server(KPSA, k).build(), k, UnaryOperator.identity());
            assertDone(c);
            SSLContext server = Saef.context(Saef.serverLine(KPSA, AE_ID, k));
            assertDone(vsSaefServer(BcPeer.client(KPSA, k).build(), server));
            // one bit different: no session in either role
            byte[] flipped = key(len);
            flipped[len - 1] ^= 1;
            Link bad = saefClientVs(BcPeer.server(KPSA, Saef.hex(flipped)).build(), k, UnaryOperator.identity());
            assertFalse(bad.client.handshakeDone());
            Link bad2 = vsSaefServer(BcPeer.client(KPSA, Saef.hex(flipped)).build(), server);
            assertFalse(bad2.server.handshakeDone());
        }
    }

    @Test
    @DisplayName("SAEF-8.2.2.1-13 the cipher suite profile conforms to clause 10.2.2; other suites are refused")
    void saef_8_2_2_1_13_suiteProfileIsClause1022() throws Exception {
        SSLContext ctx = Saef.context(Saef.serverLine(KPSA, AE_ID, KEY_HEX));
        List<String> supported = List.of(ctx.getSupportedSSLParameters().getCipherSuites());
        assertTrue(supported.contains(SuiteProfile.TLS_MANDATORY));
        for (String s : supported) {
            assertTrue(s.startsWith("TLS_PSK_WITH_AES_") || s.startsWith("TLS_DHE_PSK_WITH_AES_")
                    || s.startsWith("TLS_PSK_DHE_WITH_AES_"), s);
        }
        // naming a suite outside the profile is refused
        SSLEngine e = Saef.serverEngine(ctx);
        for (String s : List.of("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_PSK_WITH_NULL_SHA256",
                "TLS_RSA_PSK_WITH_AES_128_CBC_SHA256", "TLS_PSK_WITH_3DES_EDE_CBC_SHA")) {
            assertThrows(IllegalArgumentException.class, () -> e.setEnabledCipherSuites(new String[] {s}), s);
        }
        // SAEF's client offers nothing outside the profile
        for (int code : saefClientHello().suites) {
            assertTrue(code == 0x00FF || SuiteProfile.byCode(code).isPresent(), String.format("0x%04X", code));
        }
        // a client offering only suites outside the profile is refused with handshake_failure
        int[][] offers = {
            {CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}, // certificate suite (clause 10.2.3 family)
            {CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256},
            {CipherSuite.TLS_PSK_WITH_NULL_SHA256}, // NULL cipher
            {CipherSuite.TLS_RSA_PSK_WITH_AES_128_CBC_SHA256}, // RSA_PSK: needs a certificate
            {CipherSuite.TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256}, // ECDHE_PSK, not enabled by default
        };
        for (int[] offer : offers) {
            Wire.ClientHello ch = saefClientHello();
            ch.suites = offer;
            Object[] r = offerToSaefServer(ch.toRecord());
            Link.EngineEnd server = (Link.EngineEnd) r[0];
            assertInstanceOf(SSLHandshakeException.class, server.failure(), String.format("0x%04X", offer[0]));
            assertTrue(server.failure().getMessage().startsWith("no cipher suite in common"),
                    server.failure().getMessage());
            assertTrue(hasFatalAlert((byte[]) r[1], AlertDescription.handshake_failure));
        }
        // the SAEF client against a server that only has a suite outside the profile
        Link c = saefClientVs(BcPeer.server(KPSA, KEY_HEX).suites(CipherSuite.TLS_PSK_WITH_NULL_SHA256).build());
        assertFalse(c.client.handshakeDone());
        assertTrue(c.client.failure().getMessage().contains("no cipher suite in common"), c.client.failure().getMessage());
        // no shared suite between two SAEF ends
        Link none = saefPair(AE_ID, cfg -> cfg.withCipherSuites(SuiteProfile.TLS_MANDATORY),
                cfg -> cfg.withCipherSuites("TLS_PSK_WITH_AES_128_CCM_8"));
        assertFailedBoth(none);
        assertTrue(none.server.failure().getMessage().startsWith("no cipher suite in common"));
    }

    @Test
    @DisplayName("SAEF-8.2.2.1-14 after authenticating Entity B, Entity A associates the context with the configured IdB")
    void saef_8_2_2_1_14_entityABindsIdBAfterAuthentication() throws Exception {
        SSLEngine before = Saef.clientEngine(KEY_HEX);
        assertThrows(SSLPeerUnverifiedException.class, () -> before.getSession().getPeerPrincipal());
        Link failed = Link.of(Saef.clientEngine(OTHER_KEY_HEX), Saef.serverEngine(AE_ID, KEY_HEX)).handshake();
        assertNotNull(failed.client.failure());
        assertThrows(SSLPeerUnverifiedException.class, () -> engine(failed.client).getSession().getPeerPrincipal(),
                "no identity without authentication");
        Link ok = saefPair(AE_ID);
        assertDone(ok);
        assertEquals(CSE_ID, clientBound(ok).getName());
        assertTrue(clientBound(ok).isConfigured());
    }

    @Test
    @DisplayName("SAEF-8.2.2.1-15 Entity B associates the context with the CSE-ID/AE-ID configured for the KpsaID")
    void saef_8_2_2_1_15_entityBBindsConfiguredId() throws Exception {
        Link l = saefPair(AE_ID);
        assertDone(l);
        SaefPrincipal p = serverBound(l);
        assertEquals(AE_ID, p.getName());
        assertTrue(p.isConfigured());
        assertFalse(p.isDerivedFromCredentialId());
        assertEquals(KPSA, p.kpsaId().orElseThrow().value());
        // independent client, same binding
        Link b = vsSaefServer(BcPeer.client(KPSA, KEY_HEX).build());
        assertDone(b);
        assertEquals(AE_ID, serverBound(b).getName());
    }

    @Test
    @DisplayName("SAEF-8.2.2.1-16 otherwise Entity B associates the context with the Credential-ID of the KpsaID")
    void saef_8_2_2_1_16_entityBBindsCredentialIdOtherwise() throws Exception {
        Link l = saefPair(null);
        assertDone(l);
        SaefPrincipal p = serverBound(l);
        assertEquals("12-" + KPSA, p.getName());
        assertTrue(p.isDerivedFromCredentialId());
        assertFalse(p.isConfigured());
        SSLContext server = Saef.context(Saef.serverLine(KPSA, null, KEY_HEX));
        Link b = vsSaefServer(BcPeer.client(KPSA, KEY_HEX).build(), server);
        assertDone(b);
        assertEquals("12-" + KPSA, serverBound(b).getName());
    }

    @Test
    @DisplayName("SAEF-8.2.2.1-17 Entity B then determines the CSE-ID/AE-ID from the Credential-ID")
    void saef_8_2_2_1_17_entityBDeterminesIdFromCredentialId() throws Exception {
        Link l = saefPair(null);
        assertDone(l);
        SaefPrincipal p = serverBound(l);
        assertTrue(p.isDerivedFromCredentialId());
        String credentialId = p.credentialId().orElseThrow().toString();
        // e.g. registration assigns an AE-ID to this credential; From is then checked against it (clause 7.2.1)
        Map<String, String> assigned = new LinkedHashMap<>();
        assigned.put(credentialId, "CAE-registered");
        Principal ae = () -> assigned.get(credentialId);
        assertTrue(OriginatorCheck.check(ae, "CAE-registered").authenticated());
        assertFalse(OriginatorCheck.check(ae, AE_ID).authenticated());
    }

    // ==================================================================== TS-0003 clause 10.2.1

    @Test
    @DisplayName("SAEF-10.2.1-01 TLS 1.2 over TCP; other versions are refused in both roles")
    void saef_10_2_1_01_tls12ForTcp() throws Exception {
        Link l = saefPair(AE_ID);
        assertDone(l);
        assertEquals(0x0303, Wire.serverHello(l.s2c()).version());
        assertEquals(0x0303, Wire.clientHello(l.c2s()).version);
        assertEquals("TLSv1.2", engine(l.client).getSession().getProtocol());
        assertEquals("TLSv1.2", engine(l.server).getSession().getProtocol());
        assertEquals(List.of("TLSv1.2"), List.of(engine(l.client).getSupportedProtocols()));
        assertThrows(IllegalArgumentException.class,
                () -> Saef.clientEngine(KEY_HEX).setEnabledProtocols(new String[] {"TLSv1.3"}));
        assertThrows(IllegalArgumentException.class,
                () -> Saef.clientEngine(KEY_HEX).setEnabledProtocols(new String[] {"TLSv1.1"}));
        // an independent TLS 1.1 client is refused with protocol_version
        Link old = vsSaefServer(BcPeer.client(KPSA, KEY_HEX).versions(ProtocolVersion.TLSv11)
                .suites(CipherSuite.TLS_PSK_WITH_AES_128_CBC_SHA).build());
        assertFalse(old.server.handshakeDone());
        assertTrue(hasFatalAlert(old.s2c(), AlertDescription.protocol_version), Wire.alerts(old.s2c()).toString());
        assertTrue(old.server.failure().getMessage().contains("TLS 1.2"), old.server.failure().getMessage());
        // the SAEF client refuses a server that answers with TLS 1.1 (or TLS 1.0)
        for (int version : new int[] {0x0302, 0x0301}) {
            Link oldServer = Link.of(Saef.clientEngine(KEY_HEX), new ScriptedServer(version, PSK_AES_128_CBC_SHA256))
                    .handshake();
            assertFalse(oldServer.client.handshakeDone());
            assertTrue(hasFatalAlert(oldServer.c2s(), AlertDescription.protocol_version),
                    Wire.alerts(oldServer.c2s()).toString());
        }
    }

    @Test
    @DisplayName("SAEF-10.2.1-04 SNI is supported: the client indicates the authority, the server receives it")
    void saef_10_2_1_04_sniSupported() throws Exception {
        BcPeer server = BcPeer.server(KPSA, KEY_HEX).build();
        assertDone(saefClientVs(server));
        assertEquals(List.of(HOST), server.sniReceived);
        // server role: received, exposed, and usable to select (SNIMatcher)
        Link l = vsSaefServer(BcPeer.client(KPSA, KEY_HEX).sni(HOST).build());
        assertDone(l);
        assertEquals(List.of(new SNIHostName(HOST)),
                ((ExtendedSSLSession) engine(l.server).getSession()).getRequestedServerNames());
        for (String asked : List.of(HOST, "other.example.net")) {
            SSLEngine se = Saef.serverEngine(AE_ID, KEY_HEX);
            SSLParameters p = se.getSSLParameters();
            p.setSNIMatchers(List.<SNIMatcher>of(SNIHostName.createSNIMatcher("cse\\.example\\.net")));
            se.setSSLParameters(p);
            Link m = Link.of(BcPeer.client(KPSA, KEY_HEX).sni(asked).build(), se).handshake();
            assertEquals(asked.equals(HOST), m.server.handshakeDone(), asked);
        }
        // over sockets to a host name
        Sockets s = overSockets(Saef.serverLine(KPSA, AE_ID, KEY_HEX), UnaryOperator.identity(), KPSA, CSE_ID,
                "localhost", UnaryOperator.identity());
        assertEquals(List.of(new SNIHostName("localhost")), ((ExtendedSSLSession) s.server()).getRequestedServerNames());
    }

    @Test
    @DisplayName("SAEF-10.2.1-06 an IN server supports every TLS suite listed in clause 10.2.2")
    void saef_10_2_1_06_inServerSupportsAllClause1022Suites() throws Exception {
        SSLContext server = Saef.context(Saef.serverLine(KPSA, AE_ID, KEY_HEX));
        List<String> defaults = List.of(server.getDefaultSSLParameters().getCipherSuites());
        for (int code : new int[] {PSK_AES_128_CBC_SHA256, PSK_AES_128_CCM_8}) {
            assertTrue(defaults.contains(SuiteProfile.byCode(code).orElseThrow().name()));
            BcPeer client = BcPeer.client(KPSA, KEY_HEX).suites(code).build();
            Link l = vsSaefServer(client, server);
            assertDone(l);
            assertEquals(code, Wire.serverHello(l.s2c()).suite());
            assertArrayEquals("x".getBytes(), l.clientSends("x".getBytes()));
        }
    }

    // ==================================================================== TS-0003 clause 10.2.2

    @Test
    @DisplayName("SAEF-10.2.2-01 only RFC 4279 key exchanges (PSK, DHE_PSK); ECDHE_PSK only when explicitly enabled")
    void saef_10_2_2_01_rfc4279KeyExchangesOnly() throws Exception {
        SSLContext ctx = Saef.context(Saef.serverLine(KPSA, AE_ID, KEY_HEX));
        for (String s : ctx.getSupportedSSLParameters().getCipherSuites()) {
            CipherSuiteInfo.KeyExchange kx = SuiteProfile.byName(s).orElseThrow().keyExchange();
            assertTrue(kx == CipherSuiteInfo.KeyExchange.PSK || kx == CipherSuiteInfo.KeyExchange.DHE_PSK, s);
        }
        // every suite a default SAEF client offers and every suite a default SAEF server selects is PSK or DHE_PSK
        for (int code : saefClientHello().suites) {
            if (code != 0x00FF) {
                CipherSuiteInfo.KeyExchange kx = SuiteProfile.byCode(code).orElseThrow().keyExchange();
                assertTrue(kx == CipherSuiteInfo.KeyExchange.PSK || kx == CipherSuiteInfo.KeyExchange.DHE_PSK);
            }
        }
        // a client offering only ECDHE_PSK (RFC 5489, outside RFC 4279) is refused by default ...
        Link ecdhe = vsSaefServer(BcPeer.client(KPSA, KEY_HEX)
                .suites(CipherSuite.TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256).build());
        assertFalse(ecdhe.server.handshakeDone());
        assertTrue(hasFatalAlert(ecdhe.s2c(), AlertDescription.handshake_failure));
        // ... and accepted only when ECDHE_PSK is explicitly enabled
        Link enabled = vsSaefServer(BcPeer.client(KPSA, KEY_HEX)
                .suites(CipherSuite.TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256).build(), c -> c.withEcdhePskEnabled(true));
        assertDone(enabled);
    }

    @Test
    @DisplayName("SAEF-10.2.2-02 TLS_PSK_WITH_AES_128_CBC_SHA256 (RFC 5487) is implemented, both roles")
    void saef_10_2_2_02_tlsMandatorySuite() throws Exception {
        String mandatory = SuiteProfile.TLS_MANDATORY;
        SSLContext ctx = Saef.context(Saef.serverLine(KPSA, AE_ID, KEY_HEX));
        assertTrue(List.of(ctx.getDefaultSSLParameters().getCipherSuites()).contains(mandatory), "enabled by default");
        // SAEF <-> SAEF, only the mandatory suite on both sides
        Link l = saefPair(AE_ID, c -> c.withCipherSuites(mandatory), c -> c.withCipherSuites(mandatory));
        assertDone(l);
        assertEquals(PSK_AES_128_CBC_SHA256, Wire.serverHello(l.s2c()).suite());
        assertEquals(mandatory, engine(l.client).getSession().getCipherSuite());
        assertEquals(mandatory, engine(l.server).getSession().getCipherSuite());
        byte[] data = new byte[40_000];
        new java.util.Random(1).nextBytes(data);
        assertArrayEquals(data, l.clientSends(data));
        assertArrayEquals(data, l.serverSends(data));
        // against independent peers in both roles
        Link c = saefClientVs(BcPeer.server(KPSA, KEY_HEX).suites(PSK_AES_128_CBC_SHA256).build());
        assertDone(c);
        assertArrayEquals(data, c.clientSends(data));
        Link s = vsSaefServer(BcPeer.client(KPSA, KEY_HEX).suites(PSK_AES_128_CBC_SHA256).build());
        assertDone(s);
        assertArrayEquals(data, s.serverSends(data));
    }

    @Test
    @DisplayName("SAEF-10.2.2-04 forward-secret (DHE_PSK) suites are available and selectable in both roles")
    void saef_10_2_2_04_pfsSelectable() throws Exception {
        String pfs = "TLS_DHE_PSK_WITH_AES_128_GCM_SHA256";
        // the application chooses PFS first: the client's order is honoured by the SAEF server
        Link l = saefPair(AE_ID, c -> c.withCipherSuites(pfs + "," + SuiteProfile.TLS_MANDATORY),
                UnaryOperator.identity());
        assertDone(l);
        assertEquals(pfs, engine(l.server).getSession().getCipherSuite());
        // DHE parameters of at least 2048 bits (RFC 7919 groups)
        byte[] ske = Wire.message(l.s2c(), Wire.SERVER_KEY_EXCHANGE).orElseThrow().body();
        int hintLen = Wire.u16(ske, 0);
        int pLen = Wire.u16(ske, 2 + hintLen);
        assertTrue(pLen * 8 >= 2048, "DH prime of " + pLen * 8 + " bits");
        // both roles against independent peers
        assertDone(saefClientVs(BcPeer.server(KPSA, KEY_HEX).suites(suiteCode(pfs)).build(), KEY_HEX,
                c -> c.withCipherSuites(pfs)));
        Link s = vsSaefServer(BcPeer.client(KPSA, KEY_HEX).suites(suiteCode(pfs)).build());
        assertDone(s);
        assertEquals(pfs, engine(s.server).getSession().getCipherSuite());
    }

    // ========================================================================= TS-0003 clause 10.4

    @Test
    @DisplayName("SAEF-10.4-01 a Credential-ID has a positive type-ID part and a value part")
    void saef_10_4_01_typeAndValueParts() throws Exception {
        Link l = saefPair(null);
        assertDone(l);
        CredentialId c = serverBound(l).credentialId().orElseThrow();
        assertTrue(c.typeId() > 0);
        assertEquals(KPSA, c.value());
        assertThrows(IllegalArgumentException.class, () -> CredentialId.of(-1, KpsaId.parse(KPSA, IdentityMode.STRICT)));
    }

    @Test
    @DisplayName("SAEF-10.4-02 the value part uses letters, digits, '.', '_', '-' and '@'")
    void saef_10_4_02_valueCharacters() {
        String all = "Az09._-@x.example.com";
        CredentialId c = CredentialId.parse("12-" + all);
        assertEquals(all, c.value());
        for (String bad : List.of("12-a b@x.com", "12-a+b@x.com", "12-a/b@x.com", "12-a=b@x.com", "12-\u00e9@x.com")) {
            assertThrows(IllegalArgumentException.class, () -> CredentialId.parse(bad), bad);
        }
        // the Credential-ID of every strict KpsaID stays within that repertoire
        String v = CredentialId.of(12, KpsaId.parse("A-z_0.9@sp-1.example.com", IdentityMode.STRICT)).value();
        assertTrue(v.matches("[A-Za-z0-9._@-]+"), v);
    }

    @Test
    @DisplayName("SAEF-10.4-03 Credential-ID = type part, '-', value part")
    void saef_10_4_03_typeDashValue() throws Exception {
        Link l = saefPair(null);
        assertDone(l);
        assertEquals("12-" + KPSA, serverBound(l).getName());
        assertEquals("12-test@onem2m.com", CredentialId.of(12, KpsaId.parse("test@onem2m.com", IdentityMode.STRICT))
                .toString());
    }

    // ========================================================================= TS-0003 clause 10.5

    @Test
    @DisplayName("SAEF-10.5-01 KpsaID = Issuer_Relative_KpsaID@Issuer-FQDN (configuration and wire)")
    void saef_10_5_01_kpsaIdForm() throws Exception {
        for (String bad : List.of("no-at-sign", "@sp.example.com", "ae42@", "a@b@sp.example.com")) {
            assertThrows(SaefConfigException.class, () -> Saef.config(Saef.serverLine(bad, AE_ID, KEY_HEX)), bad);
            assertThrows(IllegalArgumentException.class, () -> KpsaId.parse(bad, IdentityMode.STRICT), bad);
        }
        KpsaId id = KpsaId.parse(KPSA, IdentityMode.STRICT);
        assertEquals("ae42", id.relativeId().orElseThrow());
        assertEquals("sp.example.com", id.issuerFqdn().orElseThrow());
        // a psk_identity that is not a KpsaID matches no association: refused as an unknown identity
        assertRefusedAsUnknown(() -> BcPeer.client("no-at-sign", KEY_HEX).build(), "no-at-sign");
    }

    @Test
    @DisplayName("SAEF-10.5-02 Issuer_Relative_KpsaID uses letters, digits, '.', '_' and '-'")
    void saef_10_5_02_relativeIdCharacters() {
        String allowed = "ABCXYZabcxyz0189._-";
        assertEquals(allowed, KpsaId.parse(allowed + "@sp.example.com", IdentityMode.STRICT).relativeId().orElseThrow());
        for (String c : List.of(" ", "+", "/", "=", "\u00e9", "!", "*", ":")) {
            String text = "ae" + c + "42@sp.example.com";
            IllegalArgumentException x = assertThrows(IllegalArgumentException.class,
                    () -> KpsaId.parse(text, IdentityMode.STRICT), text);
            assertTrue(x.getMessage().contains("index 2"), x.getMessage());
        }
    }

    @Test
    @DisplayName("SAEF-10.5-04 Issuer-FQDN is a fully qualified domain name")
    void saef_10_5_04_issuerFqdn() {
        for (String ok : List.of("a@sp.example.com", "a@x-1.example", "a@" + "l".repeat(63) + ".example.com")) {
            assertEquals(ok.substring(2), KpsaId.parse(ok, IdentityMode.STRICT).issuerFqdn().orElseThrow());
        }
        for (String bad : List.of("a@-sp.example.com", "a@sp-.example.com", "a@sp..example.com", "a@sp_x.example.com",
                "a@" + "l".repeat(64) + ".example.com", "a@sp.example.com.")) {
            assertThrows(IllegalArgumentException.class, () -> KpsaId.parse(bad, IdentityMode.STRICT), bad);
        }
    }

    // ===================================================================== TS-0003 clause 12.3.2.1

    @Test
    @DisplayName("SAEF-12.3.2.1-01 type-ID 12 identifies a symmetric key used to authenticate in an SAEF")
    void saef_12_3_2_1_01_typeTwelveForSaefKeys() throws Exception {
        assertEquals(12, CredentialId.SAEF_SYMMETRIC_KEY);
        Link l = saefPair(null);
        assertDone(l);
        assertEquals(12, serverBound(l).credentialId().orElseThrow().typeId());
        assertTrue(serverBound(l).getName().startsWith("12-"));
        // TS-0013's 00- prefix only when configured (documented deviation, for TD_M2M_SE_01)
        Link ts0013 = saefPair(null, UnaryOperator.identity(), c -> c.withCredentialIdType(0));
        assertDone(ts0013);
        assertEquals("00-" + KPSA, serverBound(ts0013).getName());
    }

    // ============================================================================== RFC 4279

    @Test
    @DisplayName("SAEF-RFC4279-2-01 PSK: no Certificate messages; no ServerKeyExchange without a hint")
    void saef_rfc4279_2_01_noCertificateNoServerKeyExchange() throws Exception {
        Link psk = saefPair(AE_ID, c -> c.withCipherSuites(SuiteProfile.TLS_MANDATORY), UnaryOperator.identity());
        assertDone(psk);
        assertEquals(List.of(Wire.SERVER_HELLO, Wire.SERVER_HELLO_DONE), Wire.messageTypes(psk.s2c()));
        Link dhe = saefPair(AE_ID, c -> c.withCipherSuites("TLS_DHE_PSK_WITH_AES_128_CBC_SHA256"),
                UnaryOperator.identity());
        assertDone(dhe);
        assertEquals(List.of(Wire.SERVER_HELLO, Wire.SERVER_KEY_EXCHANGE, Wire.SERVER_HELLO_DONE),
                Wire.messageTypes(dhe.s2c()));
        // the SAEF client accepts the PSK flight of an independent server and sends no Certificate
        Link c = saefClientVs(BcPeer.server(KPSA, KEY_HEX).build());
        assertDone(c);
        assertEquals(List.of(Wire.CLIENT_HELLO, Wire.CLIENT_KEY_EXCHANGE), Wire.messageTypes(c.c2s()));
    }

    @Test
    @DisplayName("SAEF-RFC4279-2-02 an unknown PSK identity fails as a wrong key (default) or gets unknown_psk_identity"
            + " (saef.unknownIdentity=reveal), both roles")
    void saef_rfc4279_2_02_unknownPskIdentityAlert() throws Exception {
        // default: RFC 4279 section 5's alternative, continue as if known and fail like a wrong key
        BcPeer hiddenClient = BcPeer.client("stranger@evil.example.org", KEY_HEX).build();
        Link h = vsSaefServer(hiddenClient);
        assertFalse(h.server.handshakeDone());
        assertEquals(List.of(new Wire.Alert(2, AlertDescription.bad_record_mac)), Wire.alerts(h.s2c()));
        assertTrue(hiddenClient.receivedFatal(AlertDescription.bad_record_mac));
        assertEquals("the client offered KpsaID 'stranger@evil.example.org', which is not provisioned in association"
                + " table conformance-table; answered as for a wrong Kpsa (alert bad_record_mac) so that clients cannot"
                + " tell unknown KpsaIDs from known ones (saef.unknownIdentity=hide, RFC 4279 section 5)",
                h.server.failure().getMessage());
        // saef.unknownIdentity=reveal: the unknown_psk_identity alert
        BcPeer client = BcPeer.client("stranger@evil.example.org", KEY_HEX).build();
        Link l = vsSaefServer(client, c -> c.withHideUnknownIdentities(false));
        assertFalse(l.server.handshakeDone());
        assertTrue(hasFatalAlert(l.s2c(), AlertDescription.unknown_psk_identity));
        assertTrue(client.receivedFatal(AlertDescription.unknown_psk_identity));
        assertEquals("the client offered KpsaID 'stranger@evil.example.org', which is not provisioned in association"
                + " table conformance-table; sent alert unknown_psk_identity", l.server.failure().getMessage());
        // SAEF client: the server does not know our KpsaID
        Link c = saefClientVs(BcPeer.server("someone-else@sp.example.com", KEY_HEX).build());
        assertFalse(c.client.handshakeDone());
        assertTrue(c.client.failure().getMessage().contains("does not know KpsaID " + KPSA
                + " (alert unknown_psk_identity)"), c.client.failure().getMessage());
    }

    @Test
    @DisplayName("SAEF-RFC4279-2-03 PSK premaster secret (other_secret = N zero octets): interoperates for keys of 1..64 octets")
    void saef_rfc4279_2_03_pskPremasterSecret() throws Exception {
        for (int len : new int[] {1, 2, 15, 16, 17, 31, 32, 33, 48, 63, 64}) {
            String k = keyHex(len);
            Link c = saefClientVs(BcPeer.server(KPSA, k).build(), k, UnaryOperator.identity());
            assertDone(c);
            assertArrayEquals(("len " + len).getBytes(), c.clientSends(("len " + len).getBytes()));
            Link s = vsSaefServer(BcPeer.client(KPSA, k).build(), Saef.context(Saef.serverLine(KPSA, AE_ID, k)));
            assertDone(s);
            assertArrayEquals(("len " + len).getBytes(), s.serverSends(("len " + len).getBytes()));
        }
    }

    @Test
    @DisplayName("SAEF-RFC4279-3-01 DHE_PSK premaster secret (Z, PSK): interoperates in both roles")
    void saef_rfc4279_3_01_dhePskPremasterSecret() throws Exception {
        List<String> dhe = SuiteProfile.all().stream().filter(s -> s.keyExchange() == CipherSuiteInfo.KeyExchange.DHE_PSK)
                .map(CipherSuiteInfo::name).toList();
        assertEquals(8, dhe.size());
        for (String suite : dhe) {
            int code = suiteCode(suite);
            Link c = saefClientVs(BcPeer.server(KPSA, KEY_HEX).suites(code).build(), KEY_HEX,
                    cfg -> cfg.withCipherSuites(suite));
            assertDone(c);
            assertEquals(code, Wire.serverHello(c.s2c()).suite());
            assertArrayEquals(suite.getBytes(), c.clientSends(suite.getBytes()));
            Link s = vsSaefServer(BcPeer.client(KPSA, KEY_HEX).suites(code).build());
            assertDone(s);
            assertArrayEquals(suite.getBytes(), s.serverSends(suite.getBytes()));
        }
        // repeated handshakes: Z varies (leading zero octets are stripped on both sides)
        for (int i = 0; i < 24; i++) {
            int code = CipherSuite.TLS_DHE_PSK_WITH_AES_128_CBC_SHA256;
            assertDone(saefClientVs(BcPeer.server(KPSA, KEY_HEX).suites(code).build(), KEY_HEX,
                    cfg -> cfg.withCipherSuites("TLS_DHE_PSK_WITH_AES_128_CBC_SHA256")));
            assertDone(vsSaefServer(BcPeer.client(KPSA, KEY_HEX).suites(code).build()));
        }
    }

    @Test
    @DisplayName("SAEF-RFC4279-5.1-01 the PSK identity is UTF-8: sent as UTF-8, malformed octets refused")
    void saef_rfc4279_5_1_01_identityIsUtf8() throws Exception {
        Link l = saefPair(AE_ID);
        assertDone(l);
        byte[] wire = Wire.pskIdentity(l.c2s());
        assertEquals(KPSA, StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(wire)).toString());
        // malformed identities: not UTF-8, or UTF-8 that is not a KpsaID; each refused as an unknown identity
        List<byte[]> malformed = List.of(
                new byte[] {(byte) 0xC0, (byte) 0xAF, 'a', '@', 'b'}, // overlong encoding
                new byte[] {'a', 'e', (byte) 0xFF, '@', 'x', '.', 'c', 'o', 'm'}, // invalid octet
                new byte[] {'a', 'e', '4', '2', (byte) 0xE2, (byte) 0x82}, // truncated sequence
                "\u00e9t\u00e9@sp.example.com".getBytes(StandardCharsets.UTF_8), // UTF-8, not a KpsaID
                new byte[] {'a', 'e', '4', '2', 0, '@', 's', 'p'}, // NUL
                (KPSA + " ").getBytes(StandardCharsets.UTF_8)); // trailing space
        for (byte[] id : malformed) {
            assertRefusedAsUnknown(() -> BcPeer.client("x@y", KEY_HEX).identity(id).build(), Saef.hex(id));
        }
        // the server's message shows non-text octets as hex, never raw
        Link hex = vsSaefServer(BcPeer.client("x@y", KEY_HEX).identity(malformed.get(0)).build());
        assertTrue(hex.server.failure().getMessage().contains("0xc0af61"), hex.server.failure().getMessage());
    }

    @Test
    @DisplayName("SAEF-RFC4279-5.2-01 the server sends no PSK identity hint")
    void saef_rfc4279_5_2_01_serverSendsNoHint() throws Exception {
        BcPeer psk = BcPeer.client(KPSA, KEY_HEX).build();
        Link l = vsSaefServer(psk);
        assertDone(l);
        assertTrue(psk.hintSkipped, "no ServerKeyExchange, hence no hint");
        assertFalse(Wire.messageTypes(l.s2c()).contains(Wire.SERVER_KEY_EXCHANGE));
        // DHE_PSK always has a ServerKeyExchange: its hint is empty
        BcPeer dhe = BcPeer.client(KPSA, KEY_HEX).suites(CipherSuite.TLS_DHE_PSK_WITH_AES_128_GCM_SHA256).build();
        Link d = vsSaefServer(dhe);
        assertDone(d);
        assertEquals(0, Wire.pskIdentityHint(d.s2c()).length);
    }

    @Test
    @DisplayName("SAEF-RFC4279-5.2-02 the client ignores a PSK identity hint")
    void saef_rfc4279_5_2_02_clientIgnoresHint() throws Exception {
        for (int suite : new int[] {PSK_AES_128_CBC_SHA256, CipherSuite.TLS_DHE_PSK_WITH_AES_128_GCM_SHA256}) {
            BcPeer server = BcPeer.server(KPSA, KEY_HEX).hint("other-identity@evil.example.org").suites(suite).build();
            Link l = saefClientVs(server);
            assertDone(l);
            assertEquals("other-identity@evil.example.org",
                    new String(Wire.pskIdentityHint(l.s2c()), StandardCharsets.UTF_8));
            assertArrayEquals(KPSA.getBytes(StandardCharsets.UTF_8), Wire.pskIdentity(l.c2s()));
            assertEquals(CSE_ID, clientBound(l).getName());
        }
    }

    @Test
    @DisplayName("SAEF-RFC4279-5.3-01 PSK identities up to 128 octets and PSKs up to 64 octets, both roles")
    void saef_rfc4279_5_3_01_identity128AndKey64Octets() throws Exception {
        String id = kpsaIdOfLength(128);
        assertEquals(128, id.getBytes(StandardCharsets.UTF_8).length);
        String k = keyHex(64);
        SSLContext client = Saef.context(Saef.clientLine(id, CSE_ID, HOST + ":" + PORT, k));
        SSLContext server = Saef.context(Saef.serverLine(id, null, k));
        Link l = Link.of(Saef.clientEngine(client, HOST, PORT), Saef.serverEngine(server)).handshake();
        assertDone(l);
        assertEquals(128, Wire.pskIdentity(l.c2s()).length);
        assertEquals("12-" + id, serverBound(l).getName());
        // against independent peers
        BcPeer bcServer = BcPeer.server(id, k).build();
        assertDone(Link.of(Saef.clientEngine(client, HOST, PORT), bcServer).handshake());
        assertArrayEquals(id.getBytes(StandardCharsets.UTF_8), bcServer.identitySeen);
        assertDone(vsSaefServer(BcPeer.client(id, k).build(), server));
        // oversized identities from a client are refused cleanly: no KpsaID is that long, so illegal_parameter
        // (RFC 5246 section 7.2.2) at once, whatever saef.unknownIdentity says (nothing about the table is revealed)
        for (int n : new int[] {129, 300, 2000}) {
            byte[] big = new byte[n];
            Arrays.fill(big, (byte) 'a');
            big[n - 5] = '@';
            Link o = vsSaefServer(BcPeer.client("x@y", k).identity(big).build(), server);
            assertFalse(o.server.handshakeDone());
            assertEquals(List.of(new Wire.Alert(2, AlertDescription.illegal_parameter)), Wire.alerts(o.s2c()),
                    "identity of " + n);
        }
    }

    @Test
    @DisplayName("SAEF-RFC4279-5.3-02 longer keys (up to 512 octets) are supported; identities are capped at 128 octets")
    void saef_rfc4279_5_3_02_longerKeys() throws Exception {
        for (int len : new int[] {65, 128, 256, 512}) {
            String k = keyHex(len);
            assertDone(saefClientVs(BcPeer.server(KPSA, k).build(), k, UnaryOperator.identity()));
            assertDone(vsSaefServer(BcPeer.client(KPSA, k).build(), Saef.context(Saef.serverLine(KPSA, AE_ID, k))));
        }
        SaefConfigException x = assertThrows(SaefConfigException.class,
                () -> Saef.config(Saef.serverLine(kpsaIdOfLength(129), AE_ID, KEY_HEX)));
        assertTrue(x.getMessage().contains("RFC 4279 section 5.3"), x.getMessage());
    }

    @Test
    @DisplayName("SAEF-RFC4279-5.4-01 the management interfaces accept PSK identities of 128 characters")
    void saef_rfc4279_5_4_01_enterIdentitiesOf128Characters() throws Exception {
        String id = kpsaIdOfLength(128);
        AssociationTable t = AssociationTable.parse("t", new StringReader(Saef.serverLine(id, AE_ID, KEY_HEX)),
                IdentityMode.STRICT, true);
        assertEquals(id, t.associations().get(0).kpsaId().value());
        char[] pw = "pw".toCharArray();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        KpsaId kid = KpsaId.parse(id, IdentityMode.STRICT);
        KeyStoreKeyProvider.storeKey(ks, kid, new SecretKeySpec(key(64), "AES"), pw);
        try (KeyStoreKeyProvider p = new KeyStoreKeyProvider(ks, pw)) {
            assertArrayEquals(key(64), p.getKey(kid).getEncoded());
        }
    }

    @Test
    @DisplayName("SAEF-RFC4279-5.4-02 the management interfaces accept PSKs of up to 64 octets in hexadecimal")
    void saef_rfc4279_5_4_02_enterKeysInHex() throws Exception {
        for (String hex : List.of(keyHex(1), keyHex(64), keyHex(64).toUpperCase(Locale.ROOT))) {
            AssociationTable t = AssociationTable.parse("t", new StringReader(Saef.serverLine(KPSA, AE_ID, hex)),
                    IdentityMode.STRICT, true);
            assertArrayEquals(HexFormat.of().parseHex(hex), t.inlineKeys().getKey(KpsaId.parse(KPSA,
                    IdentityMode.STRICT)).getEncoded());
        }
    }

    @Test
    @DisplayName("SAEF-RFC4279-5.4-03 the management interfaces accept PSKs of up to 64 octets as ASCII strings")
    void saef_rfc4279_5_4_03_enterKeysAsAsciiStrings() throws Exception {
        AssociationTable t = AssociationTable.parse("t", new StringReader(KPSA + " peer=" + AE_ID + " key=text:123456\n"),
                IdentityMode.STRICT, true);
        assertArrayEquals("123456".getBytes(StandardCharsets.US_ASCII),
                t.inlineKeys().getKey(KpsaId.parse(KPSA, IdentityMode.STRICT)).getEncoded());
    }

    @Test
    @DisplayName("SAEF-RFC4279-7-01 the shared keys are protected: never in messages, names or strings")
    void saef_rfc4279_7_01_keysNeverExposed() throws Exception {
        List<String> forbidden = List.of(KEY_HEX, OTHER_KEY_HEX, KEY_HEX.toUpperCase(Locale.ROOT),
                java.util.Base64.getEncoder().encodeToString(Saef.hex(KEY_HEX)));
        List<Throwable> failures = new ArrayList<>();
        Link wrong = Link.of(Saef.clientEngine(OTHER_KEY_HEX), Saef.serverEngine(AE_ID, KEY_HEX)).handshake();
        failures.add(wrong.client.failure());
        failures.add(wrong.server.failure());
        failures.add(vsSaefServer(BcPeer.client("stranger@x.example", KEY_HEX).build()).server.failure());
        failures.add(saefClientVs(BcPeer.server(KPSA, OTHER_KEY_HEX).build()).client.failure());
        failures.add(assertThrows(SaefConfigException.class,
                () -> Saef.config(KPSA + " key=hex:" + KEY_HEX + "zz\n")));
        for (Throwable t : failures) {
            assertNotNull(t);
            String text = message(t);
            for (String f : forbidden) {
                assertFalse(text.contains(f), "key material in: " + text);
            }
        }
        SaefConfiguration cfg = Saef.config(Saef.serverLine(KPSA, AE_ID, KEY_HEX));
        Link ok = saefPair(AE_ID);
        assertDone(ok);
        for (Object o : List.of(cfg, cfg.keys(), cfg.associations(), engine(ok.server).getSession(),
                engine(ok.client).getSession(), serverBound(ok))) {
            for (String f : forbidden) {
                assertFalse(String.valueOf(o).contains(f), "key material in " + o.getClass().getSimpleName());
            }
        }
        assertEquals(0, engine(ok.server).getSession().getValueNames().length);
    }

    // ============================================================================== RFC 5487

    /** Checks each suite with independent peers in both roles: code point, data, and the AEAD record layout. */
    static void assertSuitesInterop(List<String> suites, int tagLength) throws Exception {
        for (String suite : suites) {
            int code = suiteCode(suite);
            Link c = saefClientVs(BcPeer.server(KPSA, KEY_HEX).suites(code).build(), KEY_HEX,
                    cfg -> cfg.withCipherSuites(suite));
            assertDone(c);
            assertEquals(code, Wire.serverHello(c.s2c()).suite(), suite);
            Link s = vsSaefServer(BcPeer.client(KPSA, KEY_HEX).suites(code).build());
            assertDone(s);
            assertEquals(code, Wire.serverHello(s.s2c()).suite(), suite);
            for (int n : new int[] {1, 100, 1000}) {
                byte[] data = new byte[n];
                assertArrayEquals(data, c.clientSends(data));
                assertArrayEquals(data, s.serverSends(data));
                if (tagLength > 0) {
                    // AEAD record: 8-octet nonce_explicit, ciphertext of the plaintext length, tag
                    List<Wire.Record> recs = Wire.records(c.c2s());
                    Wire.Record last = recs.get(recs.size() - 1);
                    assertEquals(Wire.APPLICATION_DATA, last.type());
                    assertEquals(8 + n + tagLength, last.fragment().length, suite + " record for " + n + " octets");
                }
            }
        }
    }

    @Test
    @DisplayName("SAEF-RFC5487-2-01 PSK/DHE_PSK AES-GCM suites (0x00A8, 0x00A9, 0x00AA, 0x00AB) interoperate, both roles")
    void saef_rfc5487_2_01_gcmSuites() throws Exception {
        assertEquals(0x00A8, suiteCode("TLS_PSK_WITH_AES_128_GCM_SHA256"));
        assertEquals(0x00A9, suiteCode("TLS_PSK_WITH_AES_256_GCM_SHA384"));
        assertEquals(0x00AA, suiteCode("TLS_DHE_PSK_WITH_AES_128_GCM_SHA256"));
        assertEquals(0x00AB, suiteCode("TLS_DHE_PSK_WITH_AES_256_GCM_SHA384"));
        assertSuitesInterop(List.of("TLS_PSK_WITH_AES_128_GCM_SHA256", "TLS_PSK_WITH_AES_256_GCM_SHA384",
                "TLS_DHE_PSK_WITH_AES_128_GCM_SHA256", "TLS_DHE_PSK_WITH_AES_256_GCM_SHA384"), 16);
    }

    @Test
    @DisplayName("SAEF-RFC5487-2-02 every AES-GCM record failure is a fatal bad_record_mac (RFC 5288 section 3)")
    void saef_rfc5487_2_02_gcmFailuresAreBadRecordMac() throws Exception {
        for (String suite : List.of("TLS_PSK_WITH_AES_128_GCM_SHA256", "TLS_DHE_PSK_WITH_AES_256_GCM_SHA384")) {
            assertTamperingIsBadRecordMac(suite);
            assertTamperingIsBadRecordMac(suite, "truncated by 1 octet");
        }
    }

    @Test
    @DisplayName("SAEF-RFC5487-2-03 AES-GCM nonce_explicit values are distinct for a key (RFC 5288 section 3)")
    void saef_rfc5487_2_03_gcmExplicitNoncesDistinct() throws Exception {
        assertExplicitNoncesDistinct("TLS_PSK_WITH_AES_128_GCM_SHA256");
        assertExplicitNoncesDistinct("TLS_PSK_WITH_AES_256_GCM_SHA384");
    }

    @Test
    @DisplayName("SAEF-RFC5487-3-01 PSK/DHE_PSK AES-CBC SHA-256/384 suites (0x00AE, 0x00AF, 0x00B2, 0x00B3) interoperate, both roles")
    void saef_rfc5487_3_01_cbcSuites() throws Exception {
        assertEquals(0x00AE, suiteCode("TLS_PSK_WITH_AES_128_CBC_SHA256"));
        assertEquals(0x00AF, suiteCode("TLS_PSK_WITH_AES_256_CBC_SHA384"));
        assertEquals(0x00B2, suiteCode("TLS_DHE_PSK_WITH_AES_128_CBC_SHA256"));
        assertEquals(0x00B3, suiteCode("TLS_DHE_PSK_WITH_AES_256_CBC_SHA384"));
        assertSuitesInterop(List.of("TLS_PSK_WITH_AES_128_CBC_SHA256", "TLS_PSK_WITH_AES_256_CBC_SHA384",
                "TLS_DHE_PSK_WITH_AES_128_CBC_SHA256", "TLS_DHE_PSK_WITH_AES_256_CBC_SHA384"), 0);
    }

    // ============================================================================== RFC 6655

    @Test
    @DisplayName("SAEF-RFC6655-3-01 AES-CCM nonce_explicit values are distinct for a key")
    void saef_rfc6655_3_01_ccmExplicitNoncesDistinct() throws Exception {
        assertExplicitNoncesDistinct("TLS_PSK_WITH_AES_128_CCM");
        assertExplicitNoncesDistinct("TLS_PSK_WITH_AES_128_CCM_8");
    }

    @Test
    @DisplayName("SAEF-RFC6655-3-02 AES-CCM records carry an 8-octet nonce_explicit and a 16-octet (CCM) or 8-octet (CCM_8) tag")
    void saef_rfc6655_3_02_ccmRecordLayout() throws Exception {
        Map<String, Integer> tags = new LinkedHashMap<>();
        tags.put("TLS_PSK_WITH_AES_128_CCM", 16);
        tags.put("TLS_PSK_WITH_AES_256_CCM", 16);
        tags.put("TLS_PSK_WITH_AES_128_CCM_8", 8);
        tags.put("TLS_PSK_WITH_AES_256_CCM_8", 8);
        for (Map.Entry<String, Integer> e : tags.entrySet()) {
            Link l = saefPair(AE_ID, c -> c.withCipherSuites(e.getKey()), UnaryOperator.identity());
            assertDone(l);
            for (int n : new int[] {1, 16, 1000, 16384}) {
                for (byte[] f : appRecords(engine(l.client), engine(l.server), 1, n)) {
                    assertEquals(8 + n + e.getValue(), f.length, e.getKey() + " " + n);
                }
            }
        }
    }

    @Test
    @DisplayName("SAEF-RFC6655-3-03 every AES-CCM record failure is a fatal bad_record_mac (RFC 5246 section 6.2.3.3)")
    void saef_rfc6655_3_03_ccmFailuresAreBadRecordMac() throws Exception {
        for (String suite : List.of("TLS_PSK_WITH_AES_128_CCM", "TLS_PSK_WITH_AES_128_CCM_8")) {
            assertTamperingIsBadRecordMac(suite);
            assertTamperingIsBadRecordMac(suite, "truncated by 1 octet");
        }
    }

    @Test
    @DisplayName("SAEF-RFC6655-4-01 PSK/DHE_PSK AES-CCM suites (0xC0A4-0xC0AB) interoperate, both roles")
    void saef_rfc6655_4_01_pskCcmSuites() throws Exception {
        Map<String, Integer> codes = new LinkedHashMap<>();
        codes.put("TLS_PSK_WITH_AES_128_CCM", 0xC0A4);
        codes.put("TLS_PSK_WITH_AES_256_CCM", 0xC0A5);
        codes.put("TLS_DHE_PSK_WITH_AES_128_CCM", 0xC0A6);
        codes.put("TLS_DHE_PSK_WITH_AES_256_CCM", 0xC0A7);
        codes.put("TLS_PSK_WITH_AES_128_CCM_8", 0xC0A8);
        codes.put("TLS_PSK_WITH_AES_256_CCM_8", 0xC0A9);
        codes.put("TLS_PSK_DHE_WITH_AES_128_CCM_8", 0xC0AA);
        codes.put("TLS_PSK_DHE_WITH_AES_256_CCM_8", 0xC0AB);
        for (Map.Entry<String, Integer> e : codes.entrySet()) {
            assertEquals(e.getValue(), suiteCode(e.getKey()), e.getKey());
        }
        List<String> ccm = List.of("TLS_PSK_WITH_AES_128_CCM", "TLS_PSK_WITH_AES_256_CCM", "TLS_DHE_PSK_WITH_AES_128_CCM",
                "TLS_DHE_PSK_WITH_AES_256_CCM");
        List<String> ccm8 = List.of("TLS_PSK_WITH_AES_128_CCM_8", "TLS_PSK_WITH_AES_256_CCM_8",
                "TLS_PSK_DHE_WITH_AES_128_CCM_8", "TLS_PSK_DHE_WITH_AES_256_CCM_8");
        assertSuitesInterop(ccm, 16);
        assertSuitesInterop(ccm8, 8);
    }

    // ======================================================================== RFC 6066 section 3

    static List<String> sniOnWire(Link l) {
        byte[] ext = Wire.clientHello(l.c2s()).extensions.get(Wire.EXT_SERVER_NAME);
        return ext == null ? List.of() : Wire.sniHostNames(ext);
    }

    @Test
    @DisplayName("SAEF-RFC6066-3-01 the client sends the server's DNS host name as HostName")
    void saef_rfc6066_3_01_hostNameIsTheServersName() throws Exception {
        Link l = saefPair(AE_ID);
        assertDone(l);
        assertEquals(List.of(HOST), sniOnWire(l));
        assertEquals(List.of(new SNIHostName(HOST)),
                ((ExtendedSSLSession) engine(l.server).getSession()).getRequestedServerNames());
        BcPeer server = BcPeer.server(KPSA, KEY_HEX).build();
        assertDone(saefClientVs(server));
        assertEquals(List.of(HOST), server.sniReceived);
    }

    @Test
    @DisplayName("SAEF-RFC6066-3-02 HostName is ASCII without a trailing dot; names set as SNIHostName go out as A-labels")
    void saef_rfc6066_3_02_asciiNoTrailingDot() throws Exception {
        SSLContext client = Saef.context(Saef.clientLine(KPSA, CSE_ID, HOST + ":" + PORT, KEY_HEX));
        Link dot = Link.of(Saef.clientEngine(client, HOST + ".", PORT), Saef.serverEngine(AE_ID, KEY_HEX)).handshake();
        assertDone(dot);
        assertEquals(List.of(HOST), sniOnWire(dot));
        // an internationalised name chosen by the application is sent in its A-label form
        SSLEngine e = Saef.clientEngine(client, HOST, PORT);
        SSLParameters p = e.getSSLParameters();
        p.setServerNames(List.of(new SNIHostName("b\u00fccher.example")));
        e.setSSLParameters(p);
        Link idn = Link.of(e, Saef.serverEngine(AE_ID, KEY_HEX)).handshake();
        assertDone(idn);
        assertEquals(List.of("xn--bcher-kva.example"), sniOnWire(idn));
        for (String name : sniOnWire(idn)) {
            assertTrue(name.chars().allMatch(ch -> ch < 0x80) && !name.endsWith("."), name);
        }
    }

    @Test
    @DisplayName("SAEF-RFC6066-3-02 a Unicode host name is connected to and sent as its A-label")
    void saef_rfc6066_3_02_unicodeHostSentAsALabel() throws Exception {
        SSLContext client = Saef.context(Saef.clientLine(KPSA, CSE_ID, "xn--bcher-kva.example:443", KEY_HEX),
                c -> c.withJdkFallback(false));
        Link l = Link.of(Saef.clientEngine(client, "b\u00fccher.example", 443), Saef.serverEngine(AE_ID, KEY_HEX))
                .handshake();
        assertDone(l);
        assertEquals(List.of("xn--bcher-kva.example"), sniOnWire(l));
    }

    @Test
    @DisplayName("SAEF-RFC6066-3-03 no SNI for literal IPv4 and IPv6 addresses")
    void saef_rfc6066_3_03_noIpLiterals() throws Exception {
        for (String[] hp : new String[][] {{"192.0.2.1", "192.0.2.1:443"}, {"2001:db8::1", "[2001:db8::1]:443"},
                {"127.0.0.1", "127.0.0.1:443"}}) {
            SSLContext client = Saef.context(Saef.clientLine(KPSA, CSE_ID, hp[1], KEY_HEX));
            Link l = Link.of(Saef.clientEngine(client, hp[0], 443), Saef.serverEngine(AE_ID, KEY_HEX)).handshake();
            assertDone(l);
            assertNull(Wire.clientHello(l.c2s()).extensions.get(Wire.EXT_SERVER_NAME), hp[0]);
            assertEquals(List.of(), ((ExtendedSSLSession) engine(l.server).getSession()).getRequestedServerNames());
        }
    }

    @Test
    @DisplayName("SAEF-RFC6066-3-04 the ServerNameList holds at most one host_name")
    void saef_rfc6066_3_04_oneNamePerType() throws Exception {
        Link l = saefPair(AE_ID);
        assertDone(l);
        assertEquals(1, sniOnWire(l).size());
        // an application-chosen name replaces the derived one; it is not added to it
        SSLContext client = Saef.context(Saef.clientLine(KPSA, CSE_ID, HOST + ":" + PORT, KEY_HEX));
        SSLEngine e = Saef.clientEngine(client, HOST, PORT);
        SSLParameters p = e.getSSLParameters();
        p.setServerNames(List.of(new SNIHostName("virtual.example.net")));
        e.setSSLParameters(p);
        Link v = Link.of(e, Saef.serverEngine(AE_ID, KEY_HEX)).handshake();
        assertDone(v);
        assertEquals(List.of("virtual.example.net"), sniOnWire(v));
    }

    @Test
    @DisplayName("SAEF-RFC6066-3-05 the server acknowledges SNI with an empty server_name extension in ServerHello")
    void saef_rfc6066_3_05_serverAcknowledgesWithEmptyExtension() throws Exception {
        Link l = saefPair(AE_ID);
        assertDone(l);
        assertArrayEquals(new byte[0], Wire.serverHello(l.s2c()).extensions().get(Wire.EXT_SERVER_NAME));
        Link b = vsSaefServer(BcPeer.client(KPSA, KEY_HEX).sni(HOST).build());
        assertDone(b);
        assertArrayEquals(new byte[0], Wire.serverHello(b.s2c()).extensions().get(Wire.EXT_SERVER_NAME));
        // no SNI from the client: no acknowledgement
        Link none = vsSaefServer(BcPeer.client(KPSA, KEY_HEX).build());
        assertDone(none);
        assertFalse(Wire.serverHello(none.s2c()).extensions().containsKey(Wire.EXT_SERVER_NAME));
    }

    static SSLEngine serverWithSniMatcher() throws Exception {
        SSLEngine se = Saef.serverEngine(AE_ID, KEY_HEX);
        SSLParameters p = se.getSSLParameters();
        p.setSNIMatchers(List.<SNIMatcher>of(SNIHostName.createSNIMatcher("cse\\.example\\.net")));
        se.setSSLParameters(p);
        return se;
    }

    @Test
    @DisplayName("SAEF-RFC6066-3-06 an unrecognised server name ends the handshake with a fatal unrecognized_name, or is accepted")
    void saef_rfc6066_3_06_unrecognizedNameFatalOrContinue() throws Exception {
        BcPeer client = BcPeer.client(KPSA, KEY_HEX).sni("other.example.net").build();
        Link refused = Link.of(client, serverWithSniMatcher()).handshake();
        assertFalse(refused.server.handshakeDone());
        assertTrue(client.receivedFatal(AlertDescription.unrecognized_name), client.toString());
        assertTrue(refused.server.failure().getMessage().contains("other.example.net"),
                refused.server.failure().getMessage());
        // the SAEF client facing such a server reports it
        SSLContext ctx = Saef.context(Saef.clientLine(KPSA, CSE_ID, "other.example.net:443", KEY_HEX));
        Link saef = Link.of(Saef.clientEngine(ctx, "other.example.net", 443), serverWithSniMatcher()).handshake();
        assertFalse(saef.client.handshakeDone());
        assertTrue(saef.client.failure().getMessage().contains("unrecognized_name"), saef.client.failure().getMessage());
        // without a matcher, the server continues
        assertDone(vsSaefServer(BcPeer.client(KPSA, KEY_HEX).sni("other.example.net").build()));
    }

    @Test
    @DisplayName("SAEF-RFC6066-3-07 no warning-level unrecognized_name alert is sent")
    void saef_rfc6066_3_07_noWarningLevelUnrecognizedName() throws Exception {
        Link refused = Link.of(BcPeer.client(KPSA, KEY_HEX).sni("other.example.net").build(), serverWithSniMatcher())
                .handshake();
        List<Wire.Alert> alerts = Wire.alerts(refused.s2c());
        assertEquals(List.of(new Wire.Alert(2, AlertDescription.unrecognized_name)), alerts);
        Link accepted = vsSaefServer(BcPeer.client(KPSA, KEY_HEX).sni("unknown.example.net").build());
        assertDone(accepted);
        assertEquals(List.of(), Wire.alerts(accepted.s2c()));
    }

    @Test
    @DisplayName("SAEF-RFC6066-3-08 malformed server_name length fields are refused safely")
    void saef_rfc6066_3_08_malformedServerNameLengths() throws Exception {
        byte[] name = HOST.getBytes(StandardCharsets.US_ASCII);
        List<byte[]> variants = new ArrayList<>();
        variants.add(new byte[] {(byte) 0xFF, (byte) 0xFF, 0, 0, (byte) name.length}); // list length overruns
        variants.add(new byte[] {0, (byte) (name.length + 3), 0, (byte) 0xFF, (byte) 0xFF}); // name length overruns
        variants.add(new byte[] {0, 0}); // empty list
        variants.add(new byte[] {0, 3, 0, 0, 0}); // empty host name
        variants.add(new byte[] {0}); // truncated
        variants.add(new byte[] {0, 1, 0}); // entry without a length
        byte[] extra = new byte[70_000 % 65_000];
        variants.add(extra); // zeros
        for (byte[] v : variants) {
            Wire.ClientHello ch = saefClientHello();
            ch.extensions.put(Wire.EXT_SERVER_NAME, v);
            Object[] r = offerToSaefServer(ch.toRecord());
            Link.EngineEnd server = (Link.EngineEnd) r[0];
            assertFalse(server.handshakeDone());
            assertInstanceOf(SSLException.class, server.failure(), Saef.hex(v));
            for (Throwable t = server.failure(); t != null; t = t.getCause()) {
                assertFalse(t instanceof IndexOutOfBoundsException || t instanceof NegativeArraySizeException,
                        message(server.failure()));
            }
            List<Wire.Alert> alerts = Wire.alerts((byte[]) r[1]);
            assertEquals(1, alerts.size(), Saef.hex(v));
            assertTrue(alerts.get(0).fatal());
        }
    }

    // ========================================================================= RFC 7627 (EMS)

    @Test
    @DisplayName("SAEF-RFC7627-4-01 handshakes without the extended master secret are not accepted, both roles")
    void saef_rfc7627_4_01_handshakesWithoutEmsNotAccepted() throws Exception {
        for (int suite : new int[] {PSK_AES_128_CBC_SHA256, CipherSuite.TLS_DHE_PSK_WITH_AES_128_GCM_SHA256}) {
            Link s = vsSaefServer(BcPeer.client(KPSA, KEY_HEX).ems(false).suites(suite).build());
            assertFalse(s.server.handshakeDone());
            assertNotNull(s.server.failure());
            Link c = saefClientVs(BcPeer.server(KPSA, KEY_HEX).ems(false).suites(suite).build());
            assertFalse(c.client.handshakeDone());
            assertNotNull(c.client.failure());
        }
        // with the extension on both sides the same peers are accepted
        assertDone(vsSaefServer(BcPeer.client(KPSA, KEY_HEX).build()));
        assertDone(saefClientVs(BcPeer.server(KPSA, KEY_HEX).build()));
    }

    @Test
    @DisplayName("SAEF-RFC7627-5.1-01 extended_master_secret is extension 0x0017 with empty extension_data")
    void saef_rfc7627_5_1_01_extensionEncoding() throws Exception {
        Link l = saefPair(AE_ID);
        assertDone(l);
        assertArrayEquals(new byte[0], Wire.clientHello(l.c2s()).extensions.get(Wire.EXT_EXTENDED_MASTER_SECRET));
        assertArrayEquals(new byte[0], Wire.serverHello(l.s2c()).extensions().get(Wire.EXT_EXTENDED_MASTER_SECRET));
    }

    @Test
    @DisplayName("SAEF-RFC7627-5.2-01 the client sends extended_master_secret in every ClientHello")
    void saef_rfc7627_5_2_01_clientSendsExtension() throws Exception {
        assertTrue(saefClientHello().extensions.containsKey(Wire.EXT_EXTENDED_MASTER_SECRET));
        Link relaxed = saefPair(AE_ID, c -> c.withRequireExtendedMasterSecret(false), UnaryOperator.identity());
        assertDone(relaxed);
        assertTrue(Wire.clientHello(relaxed.c2s()).extensions.containsKey(Wire.EXT_EXTENDED_MASTER_SECRET));
        for (String suite : List.of(SuiteProfile.TLS_MANDATORY, "TLS_DHE_PSK_WITH_AES_256_CCM")) {
            Link l = saefPair(AE_ID, c -> c.withCipherSuites(suite), UnaryOperator.identity());
            assertTrue(Wire.clientHello(l.c2s()).extensions.containsKey(Wire.EXT_EXTENDED_MASTER_SECRET), suite);
        }
    }

    @Test
    @DisplayName("SAEF-RFC7627-5.2-02 the server answers extended_master_secret in its ServerHello")
    void saef_rfc7627_5_2_02_serverEchoesExtension() throws Exception {
        BcPeer client = BcPeer.client(KPSA, KEY_HEX).build();
        Link l = vsSaefServer(client);
        assertDone(l);
        assertTrue(Wire.serverHello(l.s2c()).extensions().containsKey(Wire.EXT_EXTENDED_MASTER_SECRET));
        assertTrue(client.extendedMasterSecret);
    }

    @Test
    @DisplayName("SAEF-RFC7627-5.2-03 with the extension on both sides the extended master secret is used, both roles")
    void saef_rfc7627_5_2_03_extendedMasterSecretUsed() throws Exception {
        BcPeer server = BcPeer.server(KPSA, KEY_HEX).build();
        assertDone(saefClientVs(server));
        assertTrue(server.extendedMasterSecret, "independent server computed the EMS and verified our Finished");
        BcPeer client = BcPeer.client(KPSA, KEY_HEX).build();
        Link s = vsSaefServer(client);
        assertDone(s);
        assertTrue(client.extendedMasterSecret);
        assertArrayEquals("ems".getBytes(), s.clientSends("ems".getBytes()));
    }

    @Test
    @DisplayName("SAEF-RFC7627-5.2-04 the server aborts (handshake_failure) a ClientHello without the extension")
    void saef_rfc7627_5_2_04_serverAbortsWithoutExtension() throws Exception {
        BcPeer client = BcPeer.client(KPSA, KEY_HEX).ems(false).build();
        Link l = vsSaefServer(client);
        assertFalse(l.server.handshakeDone());
        assertTrue(hasFatalAlert(l.s2c(), AlertDescription.handshake_failure), Wire.alerts(l.s2c()).toString());
        assertTrue(client.receivedFatal(AlertDescription.handshake_failure));
        assertTrue(l.server.failure().getMessage().contains("RFC 7627"), l.server.failure().getMessage());
        // a server configured to interoperate with legacy clients continues
        Link relaxed = vsSaefServer(BcPeer.client(KPSA, KEY_HEX).ems(false).build(),
                c -> c.withRequireExtendedMasterSecret(false));
        assertDone(relaxed);
    }

    @Test
    @DisplayName("SAEF-RFC7627-5.2-05 a server that continues without the extension does not send it")
    void saef_rfc7627_5_2_05_legacyServerHelloHasNoExtension() throws Exception {
        BcPeer client = BcPeer.client(KPSA, KEY_HEX).ems(false).build();
        Link l = vsSaefServer(client, c -> c.withRequireExtendedMasterSecret(false));
        assertDone(l);
        assertFalse(Wire.clientHello(l.c2s()).extensions.containsKey(Wire.EXT_EXTENDED_MASTER_SECRET));
        assertFalse(Wire.serverHello(l.s2c()).extensions().containsKey(Wire.EXT_EXTENDED_MASTER_SECRET));
        assertFalse(client.extendedMasterSecret);
    }

    @Test
    @DisplayName("SAEF-RFC7627-5.2-06 the client aborts (handshake_failure) a ServerHello without the extension")
    void saef_rfc7627_5_2_06_clientAbortsWithoutExtension() throws Exception {
        BcPeer server = BcPeer.server(KPSA, KEY_HEX).ems(false).build();
        Link l = saefClientVs(server);
        assertFalse(l.client.handshakeDone());
        assertTrue(hasFatalAlert(l.c2s(), AlertDescription.handshake_failure), Wire.alerts(l.c2s()).toString());
        assertTrue(server.receivedFatal(AlertDescription.handshake_failure));
        assertTrue(l.client.failure().getMessage().contains("RFC 7627"), l.client.failure().getMessage());
        Link relaxed = saefClientVs(BcPeer.server(KPSA, KEY_HEX).ems(false).build(), KEY_HEX,
                c -> c.withRequireExtendedMasterSecret(false));
        assertDone(relaxed);
    }

    @Test
    @DisplayName("SAEF-RFC7627-5.2-07 a legacy handshake (allowed by configuration) uses the standard master secret, both roles")
    void saef_rfc7627_5_2_07_legacyHandshakeUsesStandardMasterSecret() throws Exception {
        byte[] data = "legacy master secret".getBytes(StandardCharsets.US_ASCII);
        // Finished messages and records only verify if both sides derived the same (standard) master secret
        BcPeer client = BcPeer.client(KPSA, KEY_HEX).ems(false).build();
        Link s = vsSaefServer(client, c -> c.withRequireExtendedMasterSecret(false));
        assertDone(s);
        assertFalse(client.extendedMasterSecret);
        assertArrayEquals(data, s.clientSends(data));
        assertArrayEquals(data, s.serverSends(data));
        BcPeer server = BcPeer.server(KPSA, KEY_HEX).ems(false).build();
        Link c = saefClientVs(server, KEY_HEX, cfg -> cfg.withRequireExtendedMasterSecret(false));
        assertDone(c);
        assertFalse(server.extendedMasterSecret);
        assertArrayEquals(data, c.clientSends(data));
        assertArrayEquals(data, c.serverSends(data));
    }

    // ========================================================================= RFC 7366 (EtM)

    @Test
    @DisplayName("SAEF-RFC7366-2-01 the client offers encrypt_then_mac (type 22, empty extension_data)")
    void saef_rfc7366_2_01_clientOffersEmptyExtension() throws Exception {
        assertArrayEquals(new byte[0], saefClientHello().extensions.get(Wire.EXT_ENCRYPT_THEN_MAC));
        Link l = saefPair(AE_ID, c -> c.withCipherSuites(SuiteProfile.TLS_MANDATORY), UnaryOperator.identity());
        assertArrayEquals(new byte[0], Wire.clientHello(l.c2s()).extensions.get(Wire.EXT_ENCRYPT_THEN_MAC));
    }

    @Test
    @DisplayName("SAEF-RFC7366-2-02 for a CBC suite the server answers encrypt_then_mac, both roles")
    void saef_rfc7366_2_02_serverAcceptsForCbc() throws Exception {
        for (int suite : new int[] {PSK_AES_128_CBC_SHA256, CipherSuite.TLS_PSK_WITH_AES_256_CBC_SHA384,
                CipherSuite.TLS_DHE_PSK_WITH_AES_128_CBC_SHA256}) {
            BcPeer client = BcPeer.client(KPSA, KEY_HEX).suites(suite).build();
            Link s = vsSaefServer(client);
            assertDone(s);
            assertArrayEquals(new byte[0], Wire.serverHello(s.s2c()).extensions().get(Wire.EXT_ENCRYPT_THEN_MAC));
            assertTrue(client.encryptThenMac);
            BcPeer server = BcPeer.server(KPSA, KEY_HEX).suites(suite).build();
            String name = SuiteProfile.byCode(suite).orElseThrow().name();
            Link c = saefClientVs(server, KEY_HEX, cfg -> cfg.withCipherSuites(name));
            assertDone(c);
            assertTrue(server.encryptThenMac);
        }
    }

    @Test
    @DisplayName("SAEF-RFC7366-2-03 without the extension on both sides, MAC-then-encrypt is used, both roles")
    void saef_rfc7366_2_03_macThenEncryptWithoutExtension() throws Exception {
        BcPeer client = BcPeer.client(KPSA, KEY_HEX).etm(false).build();
        Link s = vsSaefServer(client);
        assertDone(s);
        assertFalse(Wire.clientHello(s.c2s()).extensions.containsKey(Wire.EXT_ENCRYPT_THEN_MAC));
        assertFalse(Wire.serverHello(s.s2c()).extensions().containsKey(Wire.EXT_ENCRYPT_THEN_MAC));
        assertFalse(client.encryptThenMac);
        byte[] data = new byte[5000];
        assertArrayEquals(data, s.clientSends(data));
        assertArrayEquals(data, s.serverSends(data));
        BcPeer server = BcPeer.server(KPSA, KEY_HEX).etm(false).build();
        Link c = saefClientVs(server, KEY_HEX, cfg -> cfg.withCipherSuites(SuiteProfile.TLS_MANDATORY));
        assertDone(c);
        assertFalse(Wire.serverHello(c.s2c()).extensions().containsKey(Wire.EXT_ENCRYPT_THEN_MAC));
        assertFalse(server.encryptThenMac);
        assertArrayEquals(data, c.clientSends(data));
        assertArrayEquals(data, c.serverSends(data));
    }

    @Test
    @DisplayName("SAEF-RFC7366-3-01 for an AEAD suite the server does not answer encrypt_then_mac")
    void saef_rfc7366_3_01_noExtensionForAead() throws Exception {
        for (int suite : new int[] {CipherSuite.TLS_PSK_WITH_AES_128_GCM_SHA256, CipherSuite.TLS_PSK_WITH_AES_128_CCM,
                PSK_AES_128_CCM_8, CipherSuite.TLS_DHE_PSK_WITH_AES_256_GCM_SHA384}) {
            BcPeer client = BcPeer.client(KPSA, KEY_HEX).suites(suite).etm(true).build();
            Link s = vsSaefServer(client);
            assertDone(s);
            assertTrue(Wire.clientHello(s.c2s()).extensions.containsKey(Wire.EXT_ENCRYPT_THEN_MAC));
            assertFalse(Wire.serverHello(s.s2c()).extensions().containsKey(Wire.EXT_ENCRYPT_THEN_MAC),
                    String.format("0x%04X", suite));
        }
    }

    @Test
    @DisplayName("SAEF-RFC7366-3-02 encrypt-then-MAC records interoperate with an independent implementation, both roles")
    void saef_rfc7366_3_02_encryptThenMacRecords() throws Exception {
        for (String suite : List.of(SuiteProfile.TLS_MANDATORY, "TLS_PSK_WITH_AES_256_CBC_SHA384")) {
            int code = suiteCode(suite);
            int mac = suite.endsWith("SHA384") ? 48 : 32;
            BcPeer server = BcPeer.server(KPSA, KEY_HEX).suites(code).build();
            Link c = saefClientVs(server, KEY_HEX, cfg -> cfg.withCipherSuites(suite));
            assertDone(c);
            assertTrue(server.encryptThenMac);
            BcPeer client = BcPeer.client(KPSA, KEY_HEX).suites(code).build();
            Link s = vsSaefServer(client);
            assertDone(s);
            assertTrue(client.encryptThenMac);
            for (int n : new int[] {1, 15, 16, 17, 1000}) {
                byte[] data = new byte[n];
                Arrays.fill(data, (byte) n);
                assertArrayEquals(data, c.clientSends(data));
                assertArrayEquals(data, s.serverSends(data));
                // IV || ENC(data || padding) || MAC: the MAC follows the whole ciphertext
                List<Wire.Record> recs = Wire.records(c.c2s());
                assertEquals(Wire.APPLICATION_DATA, recs.get(recs.size() - 1).type());
                byte[] f = recs.get(recs.size() - 1).fragment();
                assertEquals(16 + 16 * ((n + 1 + 15) / 16) + mac, f.length, suite + " " + n);
            }
        }
    }

    @Test
    @DisplayName("SAEF-RFC7366-3-03 a failed MAC check ends processing with a fatal bad_record_mac")
    void saef_rfc7366_3_03_macFailureIsBadRecordMac() throws Exception {
        assertTamperingIsBadRecordMac(SuiteProfile.TLS_MANDATORY);
        assertTamperingIsBadRecordMac("TLS_DHE_PSK_WITH_AES_256_CBC_SHA384");
    }

    @Test
    @DisplayName("SAEF-RFC7366-3-03 a CBC record truncated to a partial block is a fatal bad_record_mac")
    void saef_rfc7366_3_03_truncatedCbcRecordIsBadRecordMac() throws Exception {
        assertTamperingIsBadRecordMac(SuiteProfile.TLS_MANDATORY, "truncated by 1 octet");
        assertTamperingIsBadRecordMac("TLS_DHE_PSK_WITH_AES_256_CBC_SHA384", "truncated by 1 octet");
    }
}
