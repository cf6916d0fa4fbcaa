package dev.saef.conformance;

import static dev.saef.conformance.ConformanceFixture.appRecords;
import static dev.saef.conformance.ConformanceFixture.assertDone;
import static dev.saef.conformance.ConformanceFixture.assertExplicitNoncesDistinct;
import static dev.saef.conformance.ConformanceFixture.assertSuitesInterop;
import static dev.saef.conformance.ConformanceFixture.assertTamperingIsBadRecordMac;
import static dev.saef.conformance.ConformanceFixture.engine;
import static dev.saef.conformance.ConformanceFixture.key;
import static dev.saef.conformance.ConformanceFixture.saefPair;
import static dev.saef.conformance.ConformanceFixture.suiteCode;
import static dev.saef.conformance.Saef.AE_ID;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * RFC 6655, the AES-CCM suites of the profile (cited by TS-0003 clause 10.2.2): code points, the
 * 8-octet and 16-octet tags, the explicit nonce and record integrity (rows {@code SAEF-RFC6655-...}).
 *
 * <p>Part of the executable conformance suite of {@code conformance/requirements.md}: one test per
 * requirement ID, named from it ({@code SAEF-10.2.2-02} -> {@code saef_10_2_2_02_...}) and carrying the ID
 * in its display name; {@code ConformanceReportListener} maps the results back to the catalogue. Every
 * handshake is real (SAEF engines and sockets through the public JSSE API, against SAEF or an independent
 * Bouncy Castle peer, {@link BcPeer}); shared set-up is in {@link ConformanceFixture}.
 */
@Timeout(120)
@TestMethodOrder(MethodOrderer.MethodName.class)
class Rfc6655CcmSuitesTest {

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
}
