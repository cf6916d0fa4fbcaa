package dev.saef.protocol;

import dev.saef.keys.Association;
import dev.saef.identity.SaefPrincipal;
import java.security.Principal;
import java.util.List;
import javax.net.ssl.SNIServerName;

/**
 * The outcome of a completed PSK-SAEF handshake: the negotiated parameters and the identity the
 * security association is bound to (TS-0003 clause 8.2.2.1). Immutable; holds no key material.
 *
 * @param protocol always {@code TLSv1.2}
 * @param cipherSuite the negotiated suite's standard name
 * @param sessionId the TLS session id (may be empty)
 * @param association the association used (client: chosen for the peer; server: by KpsaID)
 * @param peerPrincipal the bound peer identity
 * @param localPrincipal this entity's own id ({@code saef.localId}), or null
 * @param requestedServerNames the SNI names sent (client) or received (server)
 * @param extendedMasterSecret whether RFC 7627 was negotiated
 * @param encryptThenMac whether RFC 7366 was negotiated (CBC suites only)
 * @param creationTime when the handshake completed, in ms since the epoch
 * @param applicationProtocol the ALPN protocol negotiated (RFC 7301), "" when none
 */
public record SessionInfo(
        String protocol,
        String cipherSuite,
        byte[] sessionId,
        Association association,
        SaefPrincipal peerPrincipal,
        Principal localPrincipal,
        List<SNIServerName> requestedServerNames,
        boolean extendedMasterSecret,
        boolean encryptThenMac,
        long creationTime,
        String applicationProtocol) {

    public SessionInfo {
        sessionId = sessionId == null ? new byte[0] : sessionId.clone();
        requestedServerNames = ServerNames.shared(requestedServerNames);
    }

    @Override
    public byte[] sessionId() {
        return sessionId.clone();
    }

    /** @return the session ID array itself, for holders that keep it read-only (no second copy per session) */
    byte[] sessionIdShared() {
        return sessionId;
    }
}
