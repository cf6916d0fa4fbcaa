package dev.saef.conformance;

import static dev.saef.conformance.ConformanceFixture.PSK_AES_128_CBC_SHA256;
import static dev.saef.conformance.ConformanceFixture.assertDone;
import static dev.saef.conformance.ConformanceFixture.assertRefusedAsUnknown;
import static dev.saef.conformance.ConformanceFixture.clientBound;
import static dev.saef.conformance.ConformanceFixture.engine;
import static dev.saef.conformance.ConformanceFixture.hasFatalAlert;
import static dev.saef.conformance.ConformanceFixture.key;
import static dev.saef.conformance.ConformanceFixture.keyHex;
import static dev.saef.conformance.ConformanceFixture.message;
import static dev.saef.conformance.ConformanceFixture.saefClientVs;
import static dev.saef.conformance.ConformanceFixture.saefPair;
import static dev.saef.conformance.ConformanceFixture.serverBound;
import static dev.saef.conformance.ConformanceFixture.suiteCode;
import static dev.saef.conformance.ConformanceFixture.vsSaefServer;
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
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saef.config.AssociationTable;
import dev.saef.config.SaefConfigException;
import dev.saef.config.SaefConfiguration;
import dev.saef.identity.IdentityMode;
import dev.saef.identity.KpsaId;
import dev.saef.keys.KeyStoreKeyProvider;
import dev.saef.keys.KeyStoreKeyWriter;
import dev.saef.profile.CipherSuiteInfo;
import dev.saef.profile.SuiteProfile;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;
import javax.crypto.spec.SecretKeySpec;
import javax.net.ssl.SSLContext;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.CipherSuite;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * RFC 4279, pre-shared key cipher suites for TLS (cited by TS-0003 clauses 8.2.2.1 and 10.2.2): the
 * psk_identity and identity hint encoding, identity and key lengths, the premaster secret, and the alerts
 * for unknown identities and wrong keys (rows {@code SAEF-RFC4279-...}).
 *
 * <p>Part of the executable conformance suite of {@code conformance/requirements.md}: one test per
 * requirement ID, named from it ({@code SAEF-10.2.2-02} -> {@code saef_10_2_2_02_...}) and carrying the ID
 * in its display name; {@code ConformanceReportListener} maps the results back to the catalogue. Every
 * handshake is real (SAEF engines and sockets through the public JSSE API, against SAEF or an independent
 * Bouncy Castle peer, {@link BcPeer}); shared set-up is in {@link ConformanceFixture}.
 */
@Timeout(120)
@TestMethodOrder(MethodOrderer.MethodName.class)
class Rfc4279PskTest {

    /** A strict KpsaID of exactly {@code octets} octets: {@code ae-xxx...@sp.example.com}. */
    static String kpsaIdOfLength(int octets) {
        String fqdn = "@sp.example.com";
        return "ae-" + "x".repeat(octets - 3 - fqdn.length()) + fqdn;
    }

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
        KeyStoreKeyWriter.storeKey(ks, kid, new SecretKeySpec(key(64), "AES"), pw);
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
}
