package dev.saef.jsse;

/**
 * JMX view of the handshake outcomes of one SAEF {@code SSLContext} (TLS or DTLS, both roles),
 * registered as {@code dev.saef:type=Handshakes,context=<n>} in the platform MBean server when the
 * context is initialised, and unregistered once the context is garbage. Counts only handshakes SAEF
 * runs (not those handed to the JDK's TLS). No attribute contains key material.
 */
public interface HandshakesMBean {

    /** @return {@code TLS} or {@code DTLS} */
    String getProtocol();

    /** @return full handshakes that completed and bound their session */
    long getSucceededFull();

    /** @return abbreviated handshakes that resumed a session */
    long getSucceededResumed();

    /** @return handshakes that failed on a KpsaID that is not provisioned (server: also when hidden as a wrong key) */
    long getUnknownIdentity();

    /** @return handshakes whose Finished failed to verify (bad_record_mac/decrypt_error): a different Kpsa */
    long getWrongKey();

    /** @return handshakes that timed out (saef.handshakeTimeout on sockets; DTLS retransmission timeouts) */
    long getTimeout();

    /** @return handshakes without a cipher suite in common */
    long getNoCommonSuite();

    /** @return handshakes the peer ended with another fatal alert */
    long getPeerAlert();

    /** @return handshakes this side refused for another reason (malformed input, ...) */
    long getLocalFailure();

    /** @return handshakes this side could not run (key manager failure, no association, internal_error) */
    long getInternalError();

    /** @return all failed handshakes */
    long getFailed();
}
