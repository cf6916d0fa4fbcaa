package dev.saef.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.security.Principal;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.Test;

class OriginatorCheckTest {

    private static final KpsaId AE42 = KpsaId.parse("ae42@sp.example.com", IdentityMode.STRICT);
    private static final SaefPrincipal BOUND = SaefPrincipal.configured("CAE01", AE42, CredentialId.of(12, AE42));

    /** An SSLSession whose getPeerPrincipal returns {@code peer}, or throws when {@code peer} is null. */
    private static SSLSession session(Principal peer) {
        return (SSLSession) Proxy.newProxyInstance(SSLSession.class.getClassLoader(), new Class<?>[] {SSLSession.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("getPeerPrincipal")) {
                        if (peer == null) {
                            throw new SSLPeerUnverifiedException("peer not authenticated");
                        }
                        return peer;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    @Test
    void matchingFromIsAuthenticated() {
        OriginatorCheck.Result r = OriginatorCheck.check(session(BOUND), "CAE01");
        assertTrue(r.authenticated());
        assertEquals(0, r.responseStatusCode());
        assertEquals("CAE01", r.boundIdentity());
        assertEquals("From 'CAE01' is the identity bound to the security association (clause 7.2.1)", r.reason());
    }

    @Test
    void mismatchIsOriginatorNotAuthenticated() {
        OriginatorCheck.Result r = OriginatorCheck.check(session(BOUND), "CAE02");
        assertFalse(r.authenticated());
        assertEquals(4106, r.responseStatusCode());
        assertEquals(OriginatorCheck.ORIGINATOR_NOT_AUTHENTICATED, r.responseStatusCode());
        assertEquals("CAE01", r.boundIdentity());
        assertEquals("From 'CAE02' is not the identity bound to the security association, 'CAE01' (clause 7.2.1,"
                + " exact comparison): ORIGINATOR_NOT_AUTHENTICATED", r.reason());
    }

    @Test
    void comparisonIsExact() {
        assertFalse(OriginatorCheck.check(BOUND, "cae01").authenticated());
        assertFalse(OriginatorCheck.check(BOUND, "CAE01 ").authenticated());
        // SP-relative vs absolute AE-ID: not normalised (documented).
        assertFalse(OriginatorCheck.check(BOUND, "/sp.example.com/CAE01").authenticated());
        SaefPrincipal absolute = SaefPrincipal.configured("/sp.example.com/CAE01", AE42, null);
        assertFalse(OriginatorCheck.check(absolute, "CAE01").authenticated());
        assertTrue(OriginatorCheck.check(absolute, "/sp.example.com/CAE01").authenticated());
    }

    @Test
    void derivedPrincipalMatchesOnlyItsCredentialId() {
        SaefPrincipal derived = SaefPrincipal.derived(AE42, CredentialId.of(12, AE42));
        assertFalse(OriginatorCheck.check(derived, "CAE01").authenticated());
        assertTrue(OriginatorCheck.check((Principal) () -> "CAE01", "CAE01").authenticated());
    }

    @Test
    void unverifiedSessionIsNotAuthenticated() {
        OriginatorCheck.Result r = OriginatorCheck.check(session(null), "CAE01");
        assertFalse(r.authenticated());
        assertEquals(4106, r.responseStatusCode());
        assertNull(r.boundIdentity());
        assertEquals("the TLS session has no authenticated peer (peer not authenticated), so From 'CAE01' cannot be"
                + " verified (clause 7.2.1)", r.reason());
    }

    @Test
    void missingSessionIsNotAuthenticated() {
        OriginatorCheck.Result r = OriginatorCheck.check((SSLSession) null, "CAE01");
        assertFalse(r.authenticated());
        assertEquals(4106, r.responseStatusCode());
        assertEquals("no security association: the request did not arrive over a TLS session, so From 'CAE01' cannot"
                + " be verified (clause 7.2.1)", r.reason());
    }

    @Test
    void missingFromIsNotAuthenticated() {
        OriginatorCheck.Result r = OriginatorCheck.check(session(BOUND), null);
        assertFalse(r.authenticated());
        assertEquals(4106, r.responseStatusCode());
        assertEquals("CAE01", r.boundIdentity());
        assertEquals("the request has no From parameter; the security association is bound to 'CAE01' (clause 7.2.1)",
                r.reason());
    }

    @Test
    void missingPrincipalIsNotAuthenticated() {
        OriginatorCheck.Result r = OriginatorCheck.check((Principal) null, "CAE01");
        assertFalse(r.authenticated());
        assertEquals(4106, r.responseStatusCode());
        assertEquals("the security association is bound to no identity, so From 'CAE01' cannot be verified"
                + " (clause 7.2.1)", r.reason());
    }

    @Test
    void hostileFromIsEscapedInTheReason() {
        OriginatorCheck.Result r = OriginatorCheck.check(BOUND, "CAE01\nFAKE LOG LINE");
        assertFalse(r.authenticated());
        assertFalse(r.reason().contains("\n"));
        assertTrue(r.reason().startsWith("From 'CAE01\\u000AFAKE LOG LINE' is not the identity"), r.reason());
    }
}
