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
            Principal p = s.getPeerPrincipal();
            if (p instanceof SaefPrincipal sp) {
                sb.append(", KpsaID ").append(sp.kpsaId().map(Object::toString).orElse("?"));
                sb.append(", peer bound to ").append(sp.getName());
                sb.append(sp.isDerivedFromCredentialId() ? " (Credential-ID, clause 10.4)"
                        : sp.entityType().map(t -> " (configured, " + t + ")").orElse(" (configured)"));
            } else {
                sb.append(", peer ").append(p.getName());
            }
        } catch (SSLPeerUnverifiedException e) {
            sb.append(", peer not authenticated");
        }
        return sb.toString();
    }
}
