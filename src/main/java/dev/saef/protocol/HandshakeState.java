package dev.saef.protocol;

import dev.saef.keys.Association;
import java.util.Arrays;

/**
 * Per-connection facts collected by the client and server peers during a handshake, used to bind
 * the session and to explain failures. Confined to the connection's thread(s) under its lock.
 */
final class HandshakeState {
    /** The association in use (client: chosen before the handshake; server: from the identity). */
    Association association;
    /** Server: the psk_identity the client offered, printable form (for messages). */
    String offeredIdentity;
    /** Server: the suites the client offered. */
    int[] offeredSuites;
    /**
     * Server: the offered identity has no key here (not provisioned, or no key available); hidden
     * from the client unless {@code saef.unknownIdentity=reveal}.
     */
    boolean unknownIdentity;
    /** Client: the random of the ClientHello sent, while recorded for the reflection check. */
    byte[] clientRandom;
    /** Server: why a known identity could not be given a key (no key, key source failure). */
    String keyFailure;
    /** A local failure's explanation, when a peer callback knew better than the alert code. */
    String failureDetail;
    /** Set once the handshake completed and the session is bound. */
    SessionInfo session;
    /**
     * Whether the alert for a local failure reached the output. Bouncy Castle sends nothing before a
     * valid ClientHello (a server answers garbage with silence), so messages must not claim an alert.
     */
    boolean alertQueued = true;
    /** Whether this side raised a fatal alert (RFC 5246 section 7.2.2). */
    boolean fatalAlertRaised;
    /** The fatal alert this side raised (the one on the wire), or -1. */
    short sentAlert = -1;
    /** Whether the peer's close_notify arrived. */
    boolean closeNotifyReceived;
    /**
     * The keyed fingerprint of {@link #association} in the snapshot of a reloadable key manager it
     * came from (no key material), or null.
     */
    byte[] fingerprint;
    /** Whether the peer sent a fatal alert. */
    boolean fatalAlertReceived;
    /**
     * The fingerprint of the association and Kpsa this handshake uses ({@link SessionCache#fingerprint}),
     * stored with the session when it is cached.
     */
    byte[] kpsaFingerprint;
    /** The cached session offered (client) or accepted (server) for resumption, re-checked; else null. */
    CachedSession resumeCandidate;
    /** The cached session this connection's session is (stored after a full handshake, or resumed), else null. */
    CachedSession cached;
    /**
     * Server: key lookups already run as delegated tasks ({@link DeferredKeyLookup}), which the identity
     * manager takes its answer from; null when lookups run in place.
     */
    DeferredKeyLookup prefetched;
    /** Server: the key lookup did not finish within {@code saef.keyLookupTimeout}. */
    boolean keyLookupTimedOut;
    /**
     * Server, session tickets on: the SessionTicket extension the client sent (RFC 5077 section 3.2):
     * null when it sent none, empty when it asks for a ticket, else the ticket it offers.
     */
    byte[] clientTicket;
    /** Server: a ticket was issued on this full handshake (the session is then not kept in the cache). */
    boolean ticketIssued;
    /**
     * Server: the identity bound and the time when it was put into a ticket, before Bouncy Castle
     * reports the handshake complete; {@link SessionBinding#bind} then binds the session to the same.
     */
    dev.saef.identity.SaefPrincipal ticketPeer;
    /** Client: the session ticket the server sent in a NewSessionTicket message (RFC 5077 3.3), or null. */
    byte[] receivedTicket;
    long ticketCreationTime;
    /** Key bytes owned by this connection (client), zeroed when the handshake ends. */
    byte[] clientKey;

    /** Reflection check (client): this context's servers refuse {@code random} until the handshake ends. */
    void recordClientRandom(ReflectionGuard guard, byte[] random) {
        if (guard != null && random != null) {
            clientRandom = random.clone();
            guard.clientHelloSent(clientRandom);
        }
    }

    /** The client handshake ended (completed, failed or closed): its ClientHello can no longer be reflected. */
    void forgetClientRandom(ReflectionGuard guard) {
        byte[] r = clientRandom;
        if (r != null) {
            clientRandom = null;
            guard.clientHandshakeEnded(r);
        }
    }

    /** Records BC's reason for a fatal alert we raise (its own message is often generic). */
    void alertRaised(short level, short description, String message, Throwable cause) {
        if (level == org.bouncycastle.tls.AlertLevel.fatal) {
            fatalAlertRaised = true;
            if (sentAlert < 0) {
                sentAlert = description;
            }
            if (failureDetail == null) {
                failureDetail = cause != null && cause.getMessage() != null ? cause.getMessage() : message;
            }
        }
    }

    /** Records a received alert; close_notify marks a clean end of the peer's stream. */
    void alertReceived(short level, short description) {
        if (level == org.bouncycastle.tls.AlertLevel.fatal) {
            fatalAlertReceived = true;
        }
        if (description == org.bouncycastle.tls.AlertDescription.close_notify) {
            closeNotifyReceived = true;
        }
    }

    /**
     * The handshake completed and the session is bound: drops what only the handshake needed
     * (offered identity and suites, tickets, fingerprints, the resumption candidate), so that an established
     * connection keeps only what it reports and checks from then on.
     */
    void handshakeDone() {
        offeredIdentity = null; // messages name the association's KpsaID from now on
        offeredSuites = null;
        kpsaFingerprint = null;
        resumeCandidate = null;
        clientTicket = null;
        receivedTicket = null;
        ticketPeer = null;
        keyFailure = null;
    }

    void zeroKey() {
        if (clientKey != null) {
            Arrays.fill(clientKey, (byte) 0);
            clientKey = null;
        }
    }

    /** @return a printable rendering of untrusted identity bytes: the text when printable ASCII, else hex */
    static String printable(byte[] identity) {
        if (identity == null) {
            return "<none>";
        }
        int n = Math.min(identity.length, 160);
        boolean text = true;
        for (int i = 0; i < n; i++) {
            int c = identity[i] & 0xFF;
            if (c < 0x21 || c > 0x7E) {
                text = false;
                break;
            }
        }
        StringBuilder sb = new StringBuilder();
        if (text) {
            sb.append('\'').append(new String(identity, 0, n, java.nio.charset.StandardCharsets.US_ASCII)).append('\'');
        } else {
            sb.append("0x");
            for (int i = 0; i < n; i++) {
                sb.append(String.format("%02x", identity[i] & 0xFF));
            }
        }
        if (n < identity.length) {
            sb.append("...(").append(identity.length).append(" octets)");
        }
        return sb.toString();
    }
}
