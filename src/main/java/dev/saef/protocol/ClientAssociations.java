package dev.saef.protocol;

import dev.saef.keys.Association;
import java.security.GeneralSecurityException;
import java.util.Optional;
import javax.net.ssl.SSLHandshakeException;

/**
 * The client's (Entity A's) choice of association before a handshake, for TLS and DTLS alike:
 * the key manager picks the association for the peer's host and port, the association must name the
 * server's CSE-ID ({@code peer=}, TS-0003 clause 8.2.2.1), endpoint identification requires the
 * association configured for that host, and the Kpsa is read once and kept in the handshake state.
 */
final class ClientAssociations {

    private ClientAssociations() {
    }

    /**
     * Picks the association for the connection's peer, checks it (a {@code peer=}, endpoint
     * identification) and takes its Kpsa octets into {@code state}.
     *
     * @throws SSLHandshakeException naming the cause and the fix
     */
    static void choose(SaefPolicy policy, ConnectionSpec spec, HandshakeState state) throws SSLHandshakeException {
        String where = (spec.peerHost() == null ? "<no host>" : spec.peerHost())
                + (spec.peerPort() >= 0 ? ":" + spec.peerPort() : "");
        try (PinnedKeys keys = PinnedKeys.of(policy.keyManager())) {
            choose(policy, spec, state, keys, where);
        }
    }

    /** Association and key from one snapshot of the key manager (a reload cannot mix two). */
    private static void choose(SaefPolicy policy, ConnectionSpec spec, HandshakeState state, PinnedKeys keys,
            String where) throws SSLHandshakeException {
        Optional<Association> chosen;
        try {
            chosen = keys.keys().chooseClientAssociation(spec.peerHost(), spec.peerPort());
        } catch (RuntimeException e) {
            throw keyManagerFailure(policy, "could not choose the association for " + where, e);
        }
        if (chosen.isEmpty()) {
            throw new SSLHandshakeException("no PSK-SAEF association for " + where + " in "
                    + policy.keyManager().describe() + ": add a line '<KpsaID> peer=<CSE-ID of the server>"
                    + " address=" + where + "' (TS-0003 clause 8.2.2.1, Association Configuration)");
        }
        Association a = chosen.get();
        if (a.peerId().isEmpty()) {
            throw new SSLHandshakeException("association " + a.kpsaId() + " (" + a.source() + ") has no peer=:"
                    + " as a client (Entity A) SAEF binds the session to the configured IdB, the server's CSE-ID"
                    + " (TS-0003 clause 8.2.2.1); add peer=<CSE-ID>");
        }
        String alg = spec.endpointIdentificationAlgorithm();
        if (alg != null && !alg.isEmpty()) {
            // HTTPS/LDAPS endpoint identification for PSK: the association must be the one configured
            // for this host (there is no certificate to match the host name against).
            boolean configuredForHost = a.address().map(ad -> ad.matches(spec.peerHost(), spec.peerPort()))
                    .orElse(false);
            if (!configuredForHost) {
                throw new SSLHandshakeException("endpoint identification (" + alg + ") failed: the key manager chose"
                        + " association " + a.kpsaId() + " (" + a.source() + "), which is configured for "
                        + a.address().map(Object::toString).orElse("no address") + ", not for " + where);
            }
        }
        byte[] encoded;
        try {
            encoded = KpsaOctets.take(keys.keys().getKey(a));
        } catch (GeneralSecurityException e) {
            SSLHandshakeException x = new SSLHandshakeException("cannot read the Kpsa for KpsaID " + a.kpsaId()
                    + " (" + a.source() + "): " + e.getMessage());
            x.initCause(e);
            throw x;
        } catch (RuntimeException e) {
            throw keyManagerFailure(policy, "could not read the Kpsa for KpsaID " + a.kpsaId() + " (" + a.source() + ")", e);
        }
        if (encoded == null || encoded.length == 0) {
            throw new SSLHandshakeException("no Kpsa available for KpsaID " + a.kpsaId() + " (" + a.source()
                    + "): put key=hex:... on its line or the key in saef.keyStore");
        }
        state.association = a;
        state.clientKey = encoded;
        state.fingerprint = keys.fingerprint(a);
    }

    /**
     * A key manager that throws an unchecked exception (a closed key store, a destroyed
     * configuration, a bug in a custom implementation) fails the handshake like any other cause, so
     * that engines and sockets close cleanly instead of leaking a RuntimeException to the application.
     */
    private static SSLHandshakeException keyManagerFailure(SaefPolicy policy, String what, RuntimeException e) {
        // the class only: an unchecked exception's text is not under the key manager contract and might
        // quote what it was parsing; the cause (with its text) stays attached for the stack trace
        SSLHandshakeException x = new SSLHandshakeException(what + ": the key manager (" + policy.keyManager().describe()
                + ") failed with " + e.getClass().getName() + " (see the cause)");
        x.initCause(e);
        return x;
    }

}
