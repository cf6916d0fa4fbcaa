package dev.saef.conformance;

import static dev.saef.conformance.ConformanceFixture.assertExplicitNoncesDistinct;
import static dev.saef.conformance.ConformanceFixture.assertSuitesInterop;
import static dev.saef.conformance.ConformanceFixture.assertTamperingIsBadRecordMac;
import static dev.saef.conformance.ConformanceFixture.key;
import static dev.saef.conformance.ConformanceFixture.suiteCode;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * RFC 5487, the PSK and DHE_PSK AES-GCM and AES-CBC (SHA-256/384) suites of the profile (cited by TS-0003
 * clause 10.2.2): code points, data in both roles against independent peers, the record layout and
 * record integrity (rows {@code SAEF-RFC5487-...}).
 *
 * <p>Part of the executable conformance suite of {@code conformance/requirements.md}: one test per
 * requirement ID, named from it ({@code SAEF-10.2.2-02} -> {@code saef_10_2_2_02_...}) and carrying the ID
 * in its display name; {@code ConformanceReportListener} maps the results back to the catalogue. Every
 * handshake is real (SAEF engines and sockets through the public JSSE API, against SAEF or an independent
 * Bouncy Castle peer, {@link BcPeer}); shared set-up is in {@link ConformanceFixture}.
 */
@Timeout(120)
@TestMethodOrder(MethodOrderer.MethodName.class)
class Rfc5487AesSuitesTest {

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
}
