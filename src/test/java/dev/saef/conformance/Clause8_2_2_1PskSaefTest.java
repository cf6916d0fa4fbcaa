package dev.saef.conformance;

import static dev.saef.conformance.ConformanceFixture.MN_KPSA;
import static dev.saef.conformance.ConformanceFixture.Sockets;
import static dev.saef.conformance.ConformanceFixture.assertDone;
import static dev.saef.conformance.ConformanceFixture.assertRefusedAsUnknown;
import static dev.saef.conformance.ConformanceFixture.clientBound;
import static dev.saef.conformance.ConformanceFixture.engine;
import static dev.saef.conformance.ConformanceFixture.hasFatalAlert;
import static dev.saef.conformance.ConformanceFixture.key;
import static dev.saef.conformance.ConformanceFixture.keyHex;
import static dev.saef.conformance.ConformanceFixture.message;
import static dev.saef.conformance.ConformanceFixture.offerToSaefServer;
import static dev.saef.conformance.ConformanceFixture.overSockets;
import static dev.saef.conformance.ConformanceFixture.request;
import static dev.saef.conformance.ConformanceFixture.saefClientHello;
import static dev.saef.conformance.ConformanceFixture.saefClientVs;
import static dev.saef.conformance.ConformanceFixture.saefPair;
import static dev.saef.conformance.ConformanceFixture.serverBound;
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
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saef.config.AssociationTable;
import dev.saef.config.SaefConfigException;
import dev.saef.config.SaefConfiguration;
import dev.saef.identity.IdentityMode;
import dev.saef.identity.KpsaId;
import dev.saef.identity.OriginatorCheck;
import dev.saef.identity.SaefPrincipal;
import dev.saef.keys.KeyStoreKeyProvider;
import dev.saef.keys.KeyStoreKeyWriter;
import dev.saef.profile.CipherSuiteInfo;
import dev.saef.profile.SuiteProfile;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.Principal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.UnaryOperator;
import javax.crypto.spec.SecretKeySpec;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.CipherSuite;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * TS-0003 clause 8.2.2.1, the Provisioned Symmetric Key Security Association Establishment Framework:
 * Kpsa and KpsaID provisioning, the TLS-PSK handshake with psk_identity = KpsaID, mutual authentication by
 * the Finished MACs, and what each end binds the association to (rows {@code SAEF-8.2.2.1-nn}).
 *
 * <p>Part of the executable conformance suite of {@code conformance/requirements.md}: one test per
 * requirement ID, named from it ({@code SAEF-10.2.2-02} -> {@code saef_10_2_2_02_...}) and carrying the ID
 * in its display name; {@code ConformanceReportListener} maps the results back to the catalogue. Every
 * handshake is real (SAEF engines and sockets through the public JSSE API, against SAEF or an independent
 * Bouncy Castle peer, {@link BcPeer}); shared set-up is in {@link ConformanceFixture}.
 */
@Timeout(120)
@TestMethodOrder(MethodOrderer.MethodName.class)
class Clause8_2_2_1PskSaefTest {

    static final String MN_CSE_ID = "/id-mn1";

    static void assertFailedBoth(Link l) {
        assertFalse(l.client.handshakeDone() && l.server.handshakeDone(), "handshake must not complete");
        assertNotNull(l.client.failure(), "client failure");
        assertNotNull(l.server.failure(), "server failure");
    }

    @Test
    @DisplayName("SAEF-8.2.2.1-01 Kpsa and KpsaID are provisioned to both entities (table or key store)")
    void saef_8_2_2_1_01_kpsaProvisionedToBothEntities() throws Exception {
        // inline in the association table, both sides
        assertDone(saefPair(AE_ID));
        // in a PKCS12 key store under the exact KpsaID, both sides
        char[] pw = "store-password".toCharArray();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        KeyStoreKeyWriter.storeKey(ks, KpsaId.parse(KPSA, IdentityMode.STRICT),
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
}
