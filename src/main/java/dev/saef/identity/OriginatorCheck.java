package dev.saef.identity;

import java.security.Principal;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * The Registrar CSE's verification of the originator, oneM2M TS-0003 clause 7.2.1: the {@code From}
 * parameter of a request received over a security association must be the same as the identity
 * the association is bound to (clause 8.2.2.1); otherwise the request is answered with Response
 * Status Code ORIGINATOR_NOT_AUTHENTICATED ({@value #ORIGINATOR_NOT_AUTHENTICATED}, TS-0004).
 *
 * <p><b>Exact comparison.</b> The two strings are compared exactly (case-sensitive, no trimming and
 * no normalisation). In particular an AE-ID given SP-relative in {@code From} ({@code CAE01}) does
 * not match the same AE-ID in absolute form ({@code /sp.example.com/CAE01}) and vice versa: the
 * caller must bring {@code From} into the form the association was configured with (the
 * {@code peer=} value of the association table) before calling this check. Likewise, when the
 * session is bound to a Credential-ID ({@link SaefPrincipal#isDerivedFromCredentialId()}), the
 * caller first determines the AE-ID for that Credential-ID (clause 8.2.1) and checks against it,
 * e.g. {@code check((Principal) () -> aeId, from)}.
 *
 * <p><b>Scope.</b> Clause 7.2.1 applies to requests from a registree AE. Its NOTE excludes CSEs: a
 * Transit CSE forwards requests whose {@code From} is the originator, not the Transit CSE, so do
 * not apply this check to requests arriving over a CSE-to-CSE association.
 *
 * <p>Stateless and thread-safe.
 */
public final class OriginatorCheck {

    /** ORIGINATOR_NOT_AUTHENTICATED, the Response Status Code for a failed check (TS-0004). */
    public static final int ORIGINATOR_NOT_AUTHENTICATED = 4106;

    private OriginatorCheck() {
    }

    /**
     * The outcome of a clause 7.2.1 check.
     *
     * @param authenticated true when {@code From} equals the bound identity
     * @param responseStatusCode 0 when authenticated, else {@value #ORIGINATOR_NOT_AUTHENTICATED}
     * @param boundIdentity the identity of the security association, or null when there is none
     * @param reason a human-readable explanation naming both identities
     */
    public record Result(boolean authenticated, int responseStatusCode, String boundIdentity, String reason) {

        static Result ok(String bound) {
            return new Result(true, 0, bound, "From " + QuotedText.quote(bound)
                    + " is the identity bound to the security association (clause 7.2.1)");
        }

        static Result refused(String bound, String reason) {
            return new Result(false, ORIGINATOR_NOT_AUTHENTICATED, bound, reason);
        }
    }

    /**
     * Checks {@code from} against the peer principal of a TLS session.
     *
     * @param session the session the request arrived on, may be null
     * @param from the request's {@code From} parameter, may be null
     * @return the result; not authenticated when the session is null, has no verified peer, or its
     *     peer identity differs from {@code from}
     */
    public static Result check(SSLSession session, String from) {
        if (session == null) {
            return Result.refused(null, "no security association: the request did not arrive over a TLS session,"
                    + " so From " + QuotedText.quote(from) + " cannot be verified (clause 7.2.1)");
        }
        Principal peer;
        try {
            peer = session.getPeerPrincipal();
        } catch (SSLPeerUnverifiedException e) {
            String why = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
            return Result.refused(null, "the TLS session has no authenticated peer (" + why + "), so From " + QuotedText.quote(from) + " cannot be verified (clause 7.2.1)");
        }
        return check(peer, from);
    }

    /**
     * Checks {@code from} against the identity a security association is bound to.
     *
     * @param bound the bound identity (usually a {@link SaefPrincipal}); its {@code getName()} is
     *     compared; may be null
     * @param from the request's {@code From} parameter, may be null
     * @return the result
     */
    public static Result check(Principal bound, String from) {
        String boundName = bound == null ? null : bound.getName();
        if (boundName == null) {
            return Result.refused(null, "the security association is bound to no identity, so From "
                    + QuotedText.quote(from) + " cannot be verified (clause 7.2.1)");
        }
        if (from == null) {
            return Result.refused(boundName, "the request has no From parameter; the security association is bound to "
                    + QuotedText.quote(boundName) + " (clause 7.2.1)");
        }
        if (boundName.equals(from)) {
            return Result.ok(boundName);
        }
        return Result.refused(boundName, "From " + QuotedText.quote(from)
                + " is not the identity bound to the security association, " + QuotedText.quote(boundName)
                + " (clause 7.2.1, exact comparison): ORIGINATOR_NOT_AUTHENTICATED");
    }
}
