package dev.saef.conformance;

import static dev.saef.conformance.Saef.AE_ID;
import static dev.saef.conformance.Saef.CSE_ID;
import static dev.saef.conformance.Saef.HOST;
import static dev.saef.conformance.Saef.KEY_HEX;
import static dev.saef.conformance.Saef.KPSA;
import static dev.saef.conformance.Saef.PORT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saef.config.SaefConfiguration;
import dev.saef.identity.OriginatorCheck;
import dev.saef.identity.SaefPrincipal;
import dev.saef.profile.SuiteProfile;
import java.io.DataInputStream;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import javax.net.ssl.HandshakeCompletedEvent;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.CipherSuite;

/**
 * Shared set-up of the conformance tests (the {@code Clause*Test} and {@code Rfc*Test} classes): SAEF
 * pairs and SAEF-versus-independent-peer links over engines ({@link Link}, {@link BcPeer}), SAEF sockets
 * on loopback, the mini-CSE of clause 7.2.1, and record-layer helpers (wrap/unwrap one record, tamper
 * with it, collect explicit nonces). Static helpers only; every handshake it starts is real.
 */
final class ConformanceFixture {

    private ConformanceFixture() {
    }

    static final String MN_KPSA = "cse-mn1@sp.example.com";

    static final int PSK_AES_128_CBC_SHA256 = CipherSuite.TLS_PSK_WITH_AES_128_CBC_SHA256;

    static final int PSK_AES_128_CCM_8 = CipherSuite.TLS_PSK_WITH_AES_128_CCM_8;

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
}
