package dev.saef.protocol;

import dev.saef.identity.CredentialId;
import dev.saef.identity.KpsaId;
import dev.saef.identity.SaefPrincipal;
import dev.saef.keys.Association;
import dev.saef.keys.CredentialIdResolver;
import java.security.Principal;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Vector;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import org.bouncycastle.tls.NameType;
import org.bouncycastle.tls.SecurityParameters;
import org.bouncycastle.tls.ServerName;
import org.bouncycastle.tls.TlsContext;

/**
 * The one place a completed handshake, TLS or DTLS, is bound to an identity (TS-0003 clause
 * 8.2.2.1): the client to the association's {@code peer=} (IdB), the server to the configured
 * CSE-ID/AE-ID of Entity A or else to the Credential-ID {@code 12-<KpsaID>} (clause 10.4). A
 * handshake that completed on an unknown identity's decoy key is never bound.
 */
final class SessionBinding {

    private SessionBinding() {
    }

    /**
     * Binds the session when Bouncy Castle reports the handshake complete: the caller has wiped the
     * client's Kpsa octets; this records the bound {@link SessionInfo} in {@code state}.
     *
     * @param protocol the protocol name the session reports ({@code TLSv1.2} or {@code DTLSv1.2})
     */
    static void bind(SaefPolicy policy, ConnectionSpec spec, HandshakeState state, TlsContext context,
            String protocol) {
        if (state.unknownIdentity) {
            // Unreachable unless the client guessed the random key: never bind an unknown identity.
            throw new IllegalStateException("handshake completed with an unknown PSK identity");
        }
        SecurityParameters sp = context.getSecurityParametersConnection();
        Association a = state.association;
        if (a == null) {
            // Server: the identity manager recorded the association; re-resolve defensively.
            a = policy.keyManager().chooseServerAssociation(sp.getPSKIdentity()).orElseThrow(
                    () -> new IllegalStateException("PSK identity vanished from the key manager"));
            state.association = a;
        }
        KpsaId kpsaId = a.kpsaId();
        // A server that issued a session ticket bound the identity when it sealed the ticket: the same one.
        SaefPrincipal peer = state.ticketPeer != null ? state.ticketPeer : peerPrincipal(policy, spec.clientMode(), a);
        Principal local = policy.localId().map(SaefPrincipal::local).orElse(null);
        List<SNIServerName> sni = new ArrayList<>();
        if (spec.clientMode()) {
            Vector<?> sent = sp.getClientServerNames();
            if (sent != null) {
                for (Object o : sent) {
                    ServerName n = (ServerName) o;
                    if (n.getNameType() == NameType.host_name) {
                        sni.add(new SNIHostName(n.getNameData()));
                    }
                }
            }
        } else {
            sni.addAll(receivedServerNames(sp));
        }
        byte[] sessionId = context.getSession() != null ? context.getSession().getSessionID() : new byte[0];
        String suite = dev.saef.profile.SuiteProfile.byCode(sp.getCipherSuite())
                .map(dev.saef.profile.CipherSuiteInfo::name).orElseGet(() -> String.format("0x%04X", sp.getCipherSuite()));
        state.session = new SessionInfo(protocol, suite, sessionId, a, peer, local, sni,
                sp.isExtendedMasterSecret(), sp.isEncryptThenMAC(),
                state.ticketCreationTime != 0 ? state.ticketCreationTime : System.currentTimeMillis(), alpn(sp));
        if (DebugLog.isEnabled()) {
            DebugLog.log((spec.clientMode() ? "client" : "server") + " handshake complete: " + suite + ", KpsaID "
                    + kpsaId + ", peer bound to " + peer.getName() + (peer.isDerivedFromCredentialId()
                            ? " (Credential-ID)" : " (configured)") + ", EMS " + sp.isExtendedMasterSecret()
                    + ", EtM " + sp.isEncryptThenMAC() + ", SNI " + sni);
        }
    }

    /**
     * The identity a handshake over {@code a} binds the peer to: the client to {@code peer=} (IdB), the
     * server to {@code peer=} or else to what the Credential-ID resolves to ({@link #resolve}).
     */
    static SaefPrincipal peerPrincipal(SaefPolicy policy, boolean clientMode, Association a) {
        KpsaId kpsaId = a.kpsaId();
        CredentialId credentialId = CredentialId.of(policy.credentialIdType(), kpsaId);
        if (clientMode) {
            return SaefPrincipal.configured(a.peerId().orElseThrow(), kpsaId, credentialId); // IdB
        } else if (a.peerId().isPresent()) {
            return SaefPrincipal.configured(a.peerId().get(), kpsaId, credentialId);
        }
        return resolve(policy, kpsaId, credentialId);
    }

    /**
     * Server, association without {@code peer=}: the installed {@link CredentialIdResolver}'s AE-ID or
     * CSE-ID for the Credential-ID (TS-0003 clause 8.2.1), else the Credential-ID itself. Fails closed.
     */
    private static SaefPrincipal resolve(SaefPolicy policy, KpsaId kpsaId, CredentialId credentialId) {
        Optional<CredentialIdResolver> resolver = policy.credentialIdResolver();
        if (resolver.isEmpty()) {
            return SaefPrincipal.derived(kpsaId, credentialId);
        }
        String who = "the Credential-ID resolver " + resolver.get().getClass().getName();
        Optional<String> id;
        try {
            id = resolver.get().resolve(credentialId, kpsaId);
        } catch (Exception | LinkageError e) {
            throw new IllegalStateException(who + " failed for " + credentialId + ": " + e, e);
        }
        if (id == null || id.isEmpty()) {
            return SaefPrincipal.derived(kpsaId, credentialId);
        }
        try {
            return SaefPrincipal.configured(id.get(), kpsaId, credentialId);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(who + " returned an unusable ID for " + credentialId + ": "
                    + e.getMessage(), e);
        }
    }

    static String alpn(SecurityParameters sp) {
        org.bouncycastle.tls.ProtocolName p = sp == null ? null : sp.getApplicationProtocol();
        return p == null ? "" : p.getUtf8Decoding();
    }

    static List<SNIServerName> receivedServerNames(SecurityParameters sp) {
        List<SNIServerName> out = new ArrayList<>();
        Vector<?> names = sp.getClientServerNames();
        if (names != null) {
            for (Object o : names) {
                ServerName n = (ServerName) o;
                if (n.getNameType() == NameType.host_name) {
                    try {
                        out.add(new SNIHostName(n.getNameData()));
                    } catch (IllegalArgumentException ignored) {
                        // not a valid host name: not exposed
                    }
                }
            }
        }
        return out;
    }
}
