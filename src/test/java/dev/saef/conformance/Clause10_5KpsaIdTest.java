package dev.saef.conformance;

import static dev.saef.conformance.ConformanceFixture.assertRefusedAsUnknown;
import static dev.saef.conformance.Saef.AE_ID;
import static dev.saef.conformance.Saef.KEY_HEX;
import static dev.saef.conformance.Saef.KPSA;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saef.config.SaefConfigException;
import dev.saef.identity.IdentityMode;
import dev.saef.identity.KpsaId;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * TS-0003 clause 10.5, KpsaID: the {@code <key-id>@<FQDN>} grammar, checked at configuration time and on
 * the identity a client offers (rows {@code SAEF-10.5-nn}).
 *
 * <p>Part of the executable conformance suite of {@code conformance/requirements.md}: one test per
 * requirement ID, named from it ({@code SAEF-10.2.2-02} -> {@code saef_10_2_2_02_...}) and carrying the ID
 * in its display name; {@code ConformanceReportListener} maps the results back to the catalogue. Every
 * handshake is real (SAEF engines and sockets through the public JSSE API, against SAEF or an independent
 * Bouncy Castle peer, {@link BcPeer}); shared set-up is in {@link ConformanceFixture}.
 */
@Timeout(120)
@TestMethodOrder(MethodOrderer.MethodName.class)
class Clause10_5KpsaIdTest {

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
}
