package dev.saef.conformance;

import static dev.saef.conformance.ConformanceFixture.assertDone;
import static dev.saef.conformance.ConformanceFixture.saefPair;
import static dev.saef.conformance.ConformanceFixture.serverBound;
import static dev.saef.conformance.Saef.KPSA;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saef.identity.CredentialId;
import dev.saef.identity.IdentityMode;
import dev.saef.identity.KpsaId;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * TS-0003 clause 10.4, Credential-ID details: the Credential-ID of a Kpsa is its KpsaID, prefixed with the
 * credential type, and it is what an association without a configured peer is bound to (rows
 * {@code SAEF-10.4-nn}).
 *
 * <p>Part of the executable conformance suite of {@code conformance/requirements.md}: one test per
 * requirement ID, named from it ({@code SAEF-10.2.2-02} -> {@code saef_10_2_2_02_...}) and carrying the ID
 * in its display name; {@code ConformanceReportListener} maps the results back to the catalogue. Every
 * handshake is real (SAEF engines and sockets through the public JSSE API, against SAEF or an independent
 * Bouncy Castle peer, {@link BcPeer}); shared set-up is in {@link ConformanceFixture}.
 */
@Timeout(120)
@TestMethodOrder(MethodOrderer.MethodName.class)
class Clause10_4CredentialIdTest {

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
}
