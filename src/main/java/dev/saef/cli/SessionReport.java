package dev.saef.cli;

import dev.saef.identity.SaefPrincipal;
import java.security.Principal;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/** One-line descriptions of a PSK-SAEF session for the CLI; never includes key material. */
final class SessionReport {
    private SessionReport() {
    }

    static String describe(SSLSession s) {
        StringBuilder sb = new StringBuilder();
        sb.append(s.getProtocol()).append(' ').append(s.getCipherSuite());
        try {
            sb.append(", ").append(peer(s.getPeerPrincipal()));
        } catch (SSLPeerUnverifiedException e) {
            sb.append(", peer not authenticated");
        }
        return sb.toString();
    }

    /** @return "KpsaID ..., peer bound to ... (...)" for a SAEF principal, "peer NAME" for another one */
    static String peer(Principal p) {
        if (p == null) {
            return "peer not authenticated";
        }
        if (p instanceof SaefPrincipal sp) {
            return "KpsaID " + sp.kpsaId().map(Object::toString).orElse("?") + ", peer bound to " + sp.getName()
                    + (sp.isDerivedFromCredentialId() ? " (Credential-ID, clause 10.4)"
                            : sp.entityType().map(t -> " (configured, " + t + ")").orElse(" (configured)"));
        }
        return "peer " + p.getName();
    }
}
