package dev.saef.conformance;

import static dev.saef.conformance.ConformanceFixture.PSK_AES_128_CBC_SHA256;
import static dev.saef.conformance.ConformanceFixture.PSK_AES_128_CCM_8;
import static dev.saef.conformance.ConformanceFixture.assertDone;
import static dev.saef.conformance.ConformanceFixture.assertTamperingIsBadRecordMac;
import static dev.saef.conformance.ConformanceFixture.saefClientHello;
import static dev.saef.conformance.ConformanceFixture.saefClientVs;
import static dev.saef.conformance.ConformanceFixture.saefPair;
import static dev.saef.conformance.ConformanceFixture.suiteCode;
import static dev.saef.conformance.ConformanceFixture.vsSaefServer;
import static dev.saef.conformance.Saef.AE_ID;
import static dev.saef.conformance.Saef.KEY_HEX;
import static dev.saef.conformance.Saef.KPSA;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saef.profile.SuiteProfile;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import org.bouncycastle.tls.CipherSuite;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * RFC 7366, encrypt-then-MAC (a SAEF product requirement, not cited by TS-0003): negotiated for CBC
 * suites only, and the record layout and MAC check it implies (rows {@code SAEF-RFC7366-...}).
 *
 * <p>Part of the executable conformance suite of {@code conformance/requirements.md}: one test per
 * requirement ID, named from it ({@code SAEF-10.2.2-02} -> {@code saef_10_2_2_02_...}) and carrying the ID
 * in its display name; {@code ConformanceReportListener} maps the results back to the catalogue. Every
 * handshake is real (SAEF engines and sockets through the public JSSE API, against SAEF or an independent
 * Bouncy Castle peer, {@link BcPeer}); shared set-up is in {@link ConformanceFixture}.
 */
@Timeout(120)
@TestMethodOrder(MethodOrderer.MethodName.class)
class Rfc7366EncryptThenMacTest {

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
