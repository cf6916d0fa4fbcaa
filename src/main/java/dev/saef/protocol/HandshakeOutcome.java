package dev.saef.protocol;

/**
 * How one PSK-SAEF handshake (TLS or DTLS, either role) ended, as counted by {@link HandshakeStats}
 * and logged on the {@code dev.saef} {@link System.Logger}. The failure kinds are decided in one
 * place, {@code HandshakeFailures.outcome}, next to the message that explains them.
 */
public enum HandshakeOutcome {
    /** A full handshake completed and the session was bound (TS-0003 clause 8.2.2.1). */
    FULL,
    /** An abbreviated handshake resumed a cached session. */
    RESUMED,
    /**
     * The KpsaID is not provisioned: a server that received an unknown KpsaID (with
     * {@code saef.unknownIdentity=hide} too, where the client sees a wrong key), or a client that
     * received {@code unknown_psk_identity}.
     */
    UNKNOWN_IDENTITY,
    /** A Finished message failed to verify ({@code bad_record_mac}/{@code decrypt_error}, sent or received): the two sides hold different Kpsa. */
    WRONG_KEY,
    /**
     * The handshake did not complete in time ({@code saef.handshakeTimeout} on sockets; DTLS retransmission timeouts
     * and {@code saef.dtls.handshakeTimeout}; the handshake limit of a transport such as {@code DtlsServer}'s;
     * a server key lookup run as an {@code SSLEngine} delegated task that exceeded {@code saef.keyLookupTimeout}).
     */
    TIMEOUT,
    /** No cipher suite of clause 10.2.2 in common. */
    NO_COMMON_SUITE,
    /** The peer ended the handshake with another fatal alert (or closed it). */
    PEER_ALERT,
    /** This side refused the handshake for another reason (malformed or unacceptable input from the peer, a reflected ClientHello, ...). */
    LOCAL_FAILURE,
    /**
     * This side could not run the handshake: the key manager failed (e.g. its database is down), a
     * client has no association for the peer, {@code internal_error}, too many DTLS handshakes.
     */
    INTERNAL_ERROR;

    /** @return true for {@link #FULL} and {@link #RESUMED} */
    public boolean succeeded() {
        return this == FULL || this == RESUMED;
    }
}
