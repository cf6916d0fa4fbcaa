package dev.saef.conformance;

import static dev.saef.conformance.ConformanceFixture.PSK_AES_128_CBC_SHA256;
import static dev.saef.conformance.ConformanceFixture.assertDone;
import static dev.saef.conformance.ConformanceFixture.hasFatalAlert;
import static dev.saef.conformance.ConformanceFixture.saefClientHello;
import static dev.saef.conformance.ConformanceFixture.saefClientVs;
import static dev.saef.conformance.ConformanceFixture.saefPair;
import static dev.saef.conformance.ConformanceFixture.vsSaefServer;
import static dev.saef.conformance.Saef.AE_ID;
import static dev.saef.conformance.Saef.KEY_HEX;
import static dev.saef.conformance.Saef.KPSA;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saef.profile.SuiteProfile;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.UnaryOperator;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.CipherSuite;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * RFC 7627, the extended master secret (a SAEF product requirement, not cited by TS-0003): offered,
 * required by default in both roles, and the configurable fallback for legacy peers (rows
 * {@code SAEF-RFC7627-...}).
 *
 * <p>Part of the executable conformance suite of {@code conformance/requirements.md}: one test per
 * requirement ID, named from it ({@code SAEF-10.2.2-02} -> {@code saef_10_2_2_02_...}) and carrying the ID
 * in its display name; {@code ConformanceReportListener} maps the results back to the catalogue. Every
 * handshake is real (SAEF engines and sockets through the public JSSE API, against SAEF or an independent
 * Bouncy Castle peer, {@link BcPeer}); shared set-up is in {@link ConformanceFixture}.
 */
@Timeout(120)
@TestMethodOrder(MethodOrderer.MethodName.class)
class Rfc7627ExtendedMasterSecretTest {

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
}
