package dev.saef.conformance;

import static dev.saef.conformance.ConformanceFixture.assertDone;
import static dev.saef.conformance.ConformanceFixture.key;
import static dev.saef.conformance.ConformanceFixture.saefPair;
import static dev.saef.conformance.ConformanceFixture.serverBound;
import static dev.saef.conformance.Saef.KPSA;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saef.identity.CredentialId;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * TS-0003 clause 12.3.2.1, the {@code sec:credIDTypeID} enumeration: a KpsaID is credential type 12
 * (rows {@code SAEF-12.3.2.1-nn}).
 *
 * <p>Part of the executable conformance suite of {@code conformance/requirements.md}: one test per
 * requirement ID, named from it ({@code SAEF-10.2.2-02} -> {@code saef_10_2_2_02_...}) and carrying the ID
 * in its display name; {@code ConformanceReportListener} maps the results back to the catalogue. Every
 * handshake is real (SAEF engines and sockets through the public JSSE API, against SAEF or an independent
 * Bouncy Castle peer, {@link BcPeer}); shared set-up is in {@link ConformanceFixture}.
 */
@Timeout(120)
@TestMethodOrder(MethodOrderer.MethodName.class)
class Clause12_3_2_1CredIdTypeTest {

    @Test
    @DisplayName("SAEF-12.3.2.1-01 type-ID 12 identifies a symmetric key used to authenticate in an SAEF")
    void saef_12_3_2_1_01_typeTwelveForSaefKeys() throws Exception {
        assertEquals(12, CredentialId.SAEF_SYMMETRIC_KEY);
        Link l = saefPair(null);
        assertDone(l);
        assertEquals(12, serverBound(l).credentialId().orElseThrow().typeId());
        assertTrue(serverBound(l).getName().startsWith("12-"));
        // TS-0013's 00- prefix only when configured (documented deviation, for TD_M2M_SE_01)
        Link ts0013 = saefPair(null, UnaryOperator.identity(), c -> c.withCredentialIdType(0));
        assertDone(ts0013);
        assertEquals("00-" + KPSA, serverBound(ts0013).getName());
    }
}
