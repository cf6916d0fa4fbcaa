package dev.saef.protocol;

/**
 * Lets {@link TlsConnection} reach the received-data queue of its protocol ({@link SaefClientProtocol},
 * {@link SaefServerProtocol}), to have one offered record's plaintext delivered straight into the
 * caller's buffers ({@link PlaintextQueue#deliverTo}).
 */
interface DirectDelivery {

    /** @return the protocol's received application data */
    PlaintextQueue received();
}
