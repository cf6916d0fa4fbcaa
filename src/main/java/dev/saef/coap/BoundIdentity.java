package dev.saef.coap;

import dev.saef.identity.OriginatorCheck;
import dev.saef.identity.SaefPrincipal;
import java.security.Principal;
import java.util.Optional;
import org.eclipse.californium.core.coap.Request;
import org.eclipse.californium.elements.EndpointContext;

/**
 * The identity a PSK-SAEF DTLS association is bound to (TS-0003 clause 8.2.2.1), as a Californium
 * resource sees it: the peer identity of the request's source {@link EndpointContext}, which the SAEF
 * connectors set from the DTLS session ({@code SSLSession.getPeerPrincipal()}). On a CSE (server) it is
 * the AE-ID/CSE-ID configured for the client's KpsaID, else its Credential-ID {@code 12-<KpsaID>} (clause
 * 10.4); on an AE (client) it is IdB, the CSE-ID the association names.
 *
 * <p>A resource authorises by it, for instance:
 * <pre>{@code
 * public void handlePOST(CoapExchange exchange) {
 *     OriginatorCheck.Result r = BoundIdentity.checkOriginator(exchange.advanced().getRequest());
 *     if (!r.authenticated()) {
 *         exchange.respond(ResponseCode.FORBIDDEN, r.reason());   // 4106, TS-0008 table 6.2.4-1
 *         return;
 *     }
 *     ...
 * }
 * }</pre>
 */
public final class BoundIdentity {

    private BoundIdentity() {
    }

    /**
     * @return the SAEF principal the request's DTLS association is bound to; empty when the request did not
     *     come over a SAEF connector (plain UDP, another DTLS stack)
     */
    public static Optional<SaefPrincipal> of(Request request) {
        return of(request.getSourceContext());
    }

    /** @return the SAEF principal of {@code context}; empty when it carries none */
    public static Optional<SaefPrincipal> of(EndpointContext context) {
        Principal p = context == null ? null : context.getPeerIdentity();
        return p instanceof SaefPrincipal s ? Optional.of(s) : Optional.empty();
    }

    /**
     * The originator check of TS-0003 clause 7.2.1 over CoAP: the request's From (the oneM2M-FR option,
     * TS-0008 clause 6.2.2.4.1) must be the bound identity, exactly.
     *
     * @return the result; not authenticated (4106 ORIGINATOR_NOT_AUTHENTICATED) when the request has no
     *     bound SAEF identity, no From, or a From that is not the bound identity
     */
    public static OriginatorCheck.Result checkOriginator(Request request) {
        return OriginatorCheck.check(of(request).orElse(null), OneM2mCoapOptions.from(request));
    }
}
