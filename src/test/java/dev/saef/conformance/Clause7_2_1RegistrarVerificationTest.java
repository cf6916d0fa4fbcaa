package dev.saef.conformance;

import static dev.saef.conformance.ConformanceFixture.assertDone;
import static dev.saef.conformance.ConformanceFixture.engine;
import static dev.saef.conformance.ConformanceFixture.request;
import static dev.saef.conformance.ConformanceFixture.saefPair;
import static dev.saef.conformance.Saef.AE_ID;
import static dev.saef.conformance.Saef.KPSA;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saef.identity.OriginatorCheck;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * TS-0003 clause 7.2.1, Registrar verification of AE-ID: over an established association the Registrar
 * CSE compares the request's {@code From} with the identity the association is bound to and answers
 * ORIGINATOR_NOT_AUTHENTICATED (4106) on a mismatch (rows {@code SAEF-7.2.1-nn}).
 *
 * <p>Part of the executable conformance suite of {@code conformance/requirements.md}: one test per
 * requirement ID, named from it ({@code SAEF-10.2.2-02} -> {@code saef_10_2_2_02_...}) and carrying the ID
 * in its display name; {@code ConformanceReportListener} maps the results back to the catalogue. Every
 * handshake is real (SAEF engines and sockets through the public JSSE API, against SAEF or an independent
 * Bouncy Castle peer, {@link BcPeer}); shared set-up is in {@link ConformanceFixture}.
 */
@Timeout(120)
@TestMethodOrder(MethodOrderer.MethodName.class)
class Clause7_2_1RegistrarVerificationTest {

    @Test
    @DisplayName("SAEF-7.2.1-02 the originator check runs on every request received over the security association")
    void saef_7_2_1_02_everyRequestOverTheAssociationIsChecked() throws Exception {
        Link l = saefPair(AE_ID);
        assertDone(l);
        // several requests over the same association: each is checked against the bound identity
        assertEquals("2001", request(l, AE_ID));
        assertEquals("4106", request(l, "CAE02"));
        assertEquals("2001", request(l, AE_ID));
        assertEquals("4106", request(l, "C-other"));
    }

    @Test
    @DisplayName("SAEF-7.2.1-03 the Registrar CSE compares From with the ID associated with the security association")
    void saef_7_2_1_03_fromComparedWithBoundIdentity() throws Exception {
        // configured AE-ID
        Link configured = saefPair(AE_ID);
        assertDone(configured);
        SSLSession s = engine(configured.server).getSession();
        assertTrue(OriginatorCheck.check(s, AE_ID).authenticated());
        assertEquals(AE_ID, OriginatorCheck.check(s, "CAE02").boundIdentity());
        assertFalse(OriginatorCheck.check(s, "cae01").authenticated(), "exact comparison");
        assertFalse(OriginatorCheck.check(s, "//sp.example.com/CAE01").authenticated(), "exact comparison");
        // Credential-ID binding
        Link derived = saefPair(null);
        assertDone(derived);
        SSLSession d = engine(derived.server).getSession();
        assertTrue(OriginatorCheck.check(d, "12-" + KPSA).authenticated());
        assertFalse(OriginatorCheck.check(d, KPSA).authenticated());
    }

    @Test
    @DisplayName("SAEF-7.2.1-04 a From that differs from the bound ID is answered with ORIGINATOR_NOT_AUTHENTICATED (4106)")
    void saef_7_2_1_04_mismatchIsOriginatorNotAuthenticated() throws Exception {
        Link l = saefPair(AE_ID);
        assertDone(l);
        assertEquals("4106", request(l, "CAE02"));
        OriginatorCheck.Result r = OriginatorCheck.check(engine(l.server).getSession(), "CAE02");
        assertFalse(r.authenticated());
        assertEquals(4106, r.responseStatusCode());
        assertEquals(OriginatorCheck.ORIGINATOR_NOT_AUTHENTICATED, r.responseStatusCode());
        assertTrue(r.reason().contains("'CAE02'") && r.reason().contains("'CAE01'"), r.reason());
        // a request without From is not authenticated either
        assertEquals(4106, OriginatorCheck.check(engine(l.server).getSession(), null).responseStatusCode());
    }

    @Test
    @DisplayName("SAEF-7.2.1-05 a From equal to the bound ID lets the Registrar CSE process the request")
    void saef_7_2_1_05_matchLetsTheRequestProceed() throws Exception {
        Link l = saefPair(AE_ID);
        assertDone(l);
        OriginatorCheck.Result r = OriginatorCheck.check(engine(l.server).getSession(), AE_ID);
        assertTrue(r.authenticated());
        assertEquals(0, r.responseStatusCode());
        assertEquals("2001", request(l, AE_ID));
    }
}
