package dev.saef.conformance;

import static dev.saef.conformance.ConformanceFixture.MN_KPSA;
import static dev.saef.conformance.ConformanceFixture.Sockets;
import static dev.saef.conformance.ConformanceFixture.assertDone;
import static dev.saef.conformance.ConformanceFixture.clientBound;
import static dev.saef.conformance.ConformanceFixture.engine;
import static dev.saef.conformance.ConformanceFixture.key;
import static dev.saef.conformance.ConformanceFixture.overSockets;
import static dev.saef.conformance.ConformanceFixture.request;
import static dev.saef.conformance.ConformanceFixture.saefPair;
import static dev.saef.conformance.ConformanceFixture.serverBound;
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
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saef.config.AssociationTable;
import dev.saef.config.SaefConfiguration;
import dev.saef.identity.CredentialId;
import dev.saef.identity.EntityType;
import dev.saef.identity.IdentityMode;
import dev.saef.identity.KpsaId;
import dev.saef.identity.OriginatorCheck;
import dev.saef.identity.SaefPrincipal;
import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * TS-0003 clause 8.2.1, overview of the Security Association Establishment Frameworks, the PSK-relevant
 * parts: Entity A is the TLS client and Entity B the TLS server, which identities each end is configured
 * with and binds the association to, the Credential-ID, and the SA1/SA2 pair (rows {@code SAEF-8.2.1-nn}).
 *
 * <p>Part of the executable conformance suite of {@code conformance/requirements.md}: one test per
 * requirement ID, named from it ({@code SAEF-10.2.2-02} -> {@code saef_10_2_2_02_...}) and carrying the ID
 * in its display name; {@code ConformanceReportListener} maps the results back to the catalogue. Every
 * handshake is real (SAEF engines and sockets through the public JSSE API, against SAEF or an independent
 * Bouncy Castle peer, {@link BcPeer}); shared set-up is in {@link ConformanceFixture}.
 */
@Timeout(120)
@TestMethodOrder(MethodOrderer.MethodName.class)
class Clause8_2_1SaefOverviewTest {

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
}
