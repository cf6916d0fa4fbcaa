package dev.saef.coap;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.Principal;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.eclipse.californium.elements.DtlsEndpointContext;
import org.eclipse.californium.elements.RawData;
import org.eclipse.californium.elements.util.Bytes;

/** Builds the Californium endpoint context of an established SAEF DTLS association. */
final class SessionContexts {

    /**
     * The epoch of application data after the handshake (RFC 6347 section 4.1): SAEF does no renegotiation,
     * so it stays 1 for the life of an association.
     */
    private static final int APPLICATION_EPOCH = 1;

    /**
     * The most a DTLS 1.2 record adds to its plaintext with the suites of the profile: header 13, explicit
     * IV 16, HMAC-SHA256 32, CBC padding 16 (AEAD suites add less), rounded up with room for an RFC 9146
     * connection ID.
     */
    static final int MAX_RECORD_EXPANSION = 128;

    private SessionContexts() {
    }

    /**
     * @param peer the peer's address
     * @param virtualHost the host name the client asked for (Californium's virtual host), or null
     * @param session the established DTLS session
     * @return a {@link DtlsEndpointContext} whose peer identity is the session's bound principal (for SAEF a
     *     {@code SaefPrincipal}) and whose session id, epoch and cipher suite let Californium's strict
     *     matcher (the default) pair a response only with a request of the same association
     */
    /**
     * @return null when {@code message} fits one DTLS record of {@code session} (one datagram, as CoAP
     *     requires: RFC 7252 section 4.6), else the error that explains it
     */
    static IOException checkOneRecord(RawData message, SSLSession session) {
        int limit = Math.min(session.getApplicationBufferSize(), session.getPacketBufferSize() - MAX_RECORD_EXPANSION);
        if (message.getSize() <= limit) {
            return null;
        }
        return new IOException("CoAP message of " + message.getSize() + " bytes to " + message.getInetSocketAddress()
                + " does not fit one DTLS record of at most " + session.getPacketBufferSize()
                + " bytes: CoAP needs one datagram per message; lower Californium's MAX_MESSAGE_SIZE and"
                + " PREFERRED_BLOCK_SIZE (blockwise transfer) below " + limit + " bytes");
    }

    static DtlsEndpointContext of(InetSocketAddress peer, String virtualHost, SSLSession session) {
        Principal principal;
        try {
            principal = session.getPeerPrincipal();
        } catch (SSLPeerUnverifiedException e) {
            principal = null;
        }
        return new DtlsEndpointContext(peer, virtualHost, principal, new Bytes(session.getId()), APPLICATION_EPOCH,
                session.getCipherSuite(), session.getCreationTime());
    }
}
