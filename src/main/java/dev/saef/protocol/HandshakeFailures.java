package dev.saef.protocol;

import dev.saef.profile.CipherSuiteInfo;
import dev.saef.profile.SuiteProfile;
import java.io.IOException;
import java.util.Arrays;
import java.util.stream.Collectors;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.CipherSuite;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsFatalAlertReceived;

/**
 * Turns Bouncy Castle's alert exceptions into {@link SSLException}s whose message names the cause in
 * oneM2M terms (unknown KpsaID, different Kpsa, no shared clause 10.2.2 suite) and the fix. Messages
 * never contain key material; identities are shown as received.
 */
final class HandshakeFailures {

    private HandshakeFailures() {
    }

    static SSLException translate(IOException e, boolean client, boolean handshaking, HandshakeState state,
            ConnectionSpec spec, String keySource) {
        if (e instanceof SSLException ssl) {
            return ssl;
        }
        String msg;
        if (e instanceof TlsFatalAlertReceived received) {
            msg = received(received.getAlertDescription(), client, handshaking, state, spec);
        } else if (e instanceof TlsFatalAlert raised) {
            // the alert on the wire: PeerFaults may have corrected the one BC put in the exception
            short sent = state.sentAlert >= 0 ? state.sentAlert : raised.getAlertDescription();
            msg = raised(sent, detailOf(raised, state), client, handshaking, state, spec,
                    keySource);
        } else if (state.sentAlert >= 0 && PeerFaults.isInvalidPeerKeyShare(e)) {
            msg = raised(state.sentAlert, "the peer's key share is invalid (" + e.getCause().getMessage() + ")", client,
                    handshaking, state, spec, keySource);
        } else if (state.sentAlert >= 0 && PeerFaults.isTruncatedMessage(e)) {
            msg = raised(state.sentAlert, "a message from the peer is shorter than its own length fields say (" + e
                    + ")", client, handshaking, state, spec, keySource);
        } else {
            msg = (handshaking ? "PSK-SAEF handshake failed: " : "TLS connection failed: ") + e;
        }
        SSLException out = handshaking ? new SSLHandshakeException(msg) : new SSLException(msg);
        out.initCause(e);
        return out;
    }

    /**
     * The outcome a failed handshake is counted and logged as ({@link HandshakeStats}); decided here,
     * next to {@link #translate}, from the same alert and state that its message explains. With
     * {@code saef.unknownIdentity=hide} a server counts {@link HandshakeOutcome#UNKNOWN_IDENTITY}
     * while its client sees (and counts) {@link HandshakeOutcome#WRONG_KEY}.
     */
    static HandshakeOutcome outcome(IOException e, boolean client, HandshakeState state, ConnectionSpec spec) {
        if (!client && state.keyLookupTimedOut) {
            return HandshakeOutcome.TIMEOUT; // saef.keyLookupTimeout: sent internal_error, but the key source was slow
        }
        if (e instanceof TlsFatalAlertReceived received) {
            switch (received.getAlertDescription()) {
                case AlertDescription.unknown_psk_identity:
                    return HandshakeOutcome.UNKNOWN_IDENTITY;
                case AlertDescription.bad_record_mac:
                case AlertDescription.decrypt_error:
                    return HandshakeOutcome.WRONG_KEY;
                case AlertDescription.handshake_failure:
                    return client ? HandshakeOutcome.NO_COMMON_SUITE : HandshakeOutcome.PEER_ALERT;
                default:
                    return HandshakeOutcome.PEER_ALERT;
            }
        }
        if (!(e instanceof TlsFatalAlert raised)) {
            return e instanceof SSLException || state.sentAlert >= 0 ? HandshakeOutcome.LOCAL_FAILURE
                    : HandshakeOutcome.INTERNAL_ERROR;
        }
        short sent = state.sentAlert >= 0 ? state.sentAlert : raised.getAlertDescription();
        if (!state.alertQueued) {
            return HandshakeOutcome.LOCAL_FAILURE;
        }
        switch (sent) {
            case AlertDescription.unknown_psk_identity:
                return HandshakeOutcome.UNKNOWN_IDENTITY;
            case AlertDescription.internal_error:
                return HandshakeOutcome.INTERNAL_ERROR;
            case AlertDescription.bad_record_mac:
            case AlertDescription.decrypt_error:
                return !client && state.unknownIdentity ? HandshakeOutcome.UNKNOWN_IDENTITY : HandshakeOutcome.WRONG_KEY;
            case AlertDescription.handshake_failure:
                return !client && state.offeredSuites != null && !overlaps(state.offeredSuites, spec.suiteCodes())
                        ? HandshakeOutcome.NO_COMMON_SUITE : HandshakeOutcome.LOCAL_FAILURE;
            default:
                return HandshakeOutcome.LOCAL_FAILURE;
        }
    }

    /** @return the KpsaID to name in a log line: the association's, else the one offered, else null */
    static String kpsaIdForLog(HandshakeState state) {
        return state.association != null ? state.association.kpsaId().toString() : state.offeredIdentity;
    }

    /** BC's reason for an alert it raised: the text after "alert(code); ", else what the peer callback saw. */
    private static String detailOf(TlsFatalAlert e, HandshakeState state) {
        String m = e.getMessage();
        int i = m == null ? -1 : m.indexOf("; ");
        if (i >= 0) {
            return m.substring(i + 2);
        }
        String d = state.failureDetail;
        if (d != null && !d.startsWith("Failed to ") && !d.equals(m) && !d.matches("[a-z_]+\\(\\d+\\)")) {
            return d;
        }
        return null;
    }

    private static String kpsa(HandshakeState state) {
        return state.association != null ? "KpsaID " + state.association.kpsaId() : "the KpsaID";
    }

    private static String received(short alert, boolean client, boolean handshaking, HandshakeState state,
            ConnectionSpec spec) {
        String peer = client ? "the server" : "the client";
        String name = AlertDescription.getName(alert);
        if (!handshaking) {
            return peer + " sent fatal alert " + name + " after the handshake"
                    + (alert == AlertDescription.handshake_failure
                            ? " (for example after asking to renegotiate, which PSK-SAEF refuses)" : "");
        }
        switch (alert) {
            case AlertDescription.unknown_psk_identity:
                return peer + " does not know " + kpsa(state) + " (alert " + name + "): provision the same KpsaID"
                        + " and Kpsa on both sides (TS-0003 clause 8.2.2.1)";
            case AlertDescription.bad_record_mac:
            case AlertDescription.decrypt_error:
                return peer + " could not verify our Finished message (alert " + name + "): it does not hold our Kpsa"
                        + " for " + kpsa(state) + ": either the Kpsa differs between the two sides, or " + peer
                        + " does not know this KpsaID and hides that (as GnuTLS does); provision the same KpsaID"
                        + " and Kpsa on both sides (TS-0003 clause 8.2.2.1)";
            case AlertDescription.handshake_failure:
            case AlertDescription.insufficient_security:
                return peer + " rejected the handshake (alert " + name + "): most likely no cipher suite in common;"
                        + " we offered " + names(spec.suiteCodes());
            case AlertDescription.protocol_version:
                return peer + " does not accept TLS 1.2 (alert " + name + "); TS-0003 clause 10.2.1 requires TLS 1.2";
            case AlertDescription.illegal_parameter:
                if (!client) {
                    return peer + " sent fatal alert " + name;
                }
                return peer + " refused a field of our handshake (alert " + name + "); a SAEF server also sends this"
                        + " when it receives a ClientHello its own SSLContext sent, i.e. when this connection was"
                        + " reflected back to us (saef.reflectionCheck)";
            case AlertDescription.close_notify:
                return peer + " closed the connection during the handshake";
            default:
                return peer + " sent fatal alert " + name;
        }
    }

    private static String raised(short alert, String detail, boolean client, boolean handshaking,
            HandshakeState state, ConnectionSpec spec, String keySource) {
        String name = AlertDescription.getName(alert);
        String because = detail != null ? ": " + detail : "";
        if (!handshaking) {
            return "TLS connection failed: sent alert " + name + because;
        }
        if (!state.alertQueued) {
            return "PSK-SAEF handshake failed: " + (client ? "" : "the client's first bytes are not a valid"
                    + " ClientHello (") + name + because + (client ? "; no alert sent" : "); no alert sent: a server"
                    + " answers nothing before a valid ClientHello");
        }
        if (detail != null && detail.contains("Extended Master Secret")) {
            return "the " + (client ? "server" : "client") + " does not use the extended master secret (RFC 7627),"
                    + " which SAEF requires (alert " + name + "): upgrade the peer, or set"
                    + " saef.requireExtendedMasterSecret=false";
        }
        switch (alert) {
            case AlertDescription.unknown_psk_identity:
                if (state.keyFailure != null) {
                    return "the client offered KpsaID " + state.offeredIdentity + " but " + state.keyFailure
                            + "; sent alert " + name;
                }
                return "the client offered KpsaID " + state.offeredIdentity + ", which is not provisioned in "
                        + keySource + "; sent alert " + name;
            case AlertDescription.internal_error:
                if (!client && state.keyFailure != null) {
                    return "the client offered KpsaID " + state.offeredIdentity + " but the key manager (" + keySource
                            + ") failed: " + state.keyFailure + "; sent alert " + name;
                }
                return "PSK-SAEF handshake failed: sent alert " + name + because;
            case AlertDescription.bad_record_mac:
            case AlertDescription.decrypt_error:
                if (!client && state.unknownIdentity) {
                    // saef.unknownIdentity=hide: the client saw a wrong-key failure; our own message says why
                    return "the client offered KpsaID " + state.offeredIdentity + ", which "
                            + (state.keyFailure != null ? "is known but " + state.keyFailure
                                    : "is not provisioned in " + keySource)
                            + "; answered as for a wrong Kpsa (alert " + name + ") so that clients cannot tell"
                            + " unknown KpsaIDs from known ones (saef.unknownIdentity=hide, RFC 4279 section 5)";
                }
                if (client) {
                    return "the server's Finished message failed verification (alert " + name + "): the Kpsa for "
                            + kpsa(state) + " differs between the two sides";
                }
                return "the client's Finished message failed verification (alert " + name + "): the client used a"
                        + " different Kpsa for " + kpsa(state);
            case AlertDescription.handshake_failure:
                if (!client && state.offeredSuites != null && !overlaps(state.offeredSuites, spec.suiteCodes())) {
                    return "no cipher suite in common (alert " + name + "): the client offered "
                            + names(state.offeredSuites) + "; this server accepts " + names(spec.suiteCodes());
                }
                return "PSK-SAEF handshake failed (alert " + name + ")" + because;
            case AlertDescription.insufficient_security:
                if (client && detail == null) {
                    return "the server's Diffie-Hellman group is too small (alert " + name + "): SAEF requires at"
                            + " least 2048 bits (RFC 7919 ffdhe2048) for DHE_PSK";
                }
                return "PSK-SAEF handshake failed (alert " + name + ")" + because;
            case AlertDescription.protocol_version:
                return (client ? "the server" : "the client") + " does not speak TLS 1.2 (alert " + name
                        + "); TS-0003 clause 10.2.1 requires TLS 1.2";
            default:
                return "PSK-SAEF handshake failed: sent alert " + name + because;
        }
    }

    private static boolean overlaps(int[] a, int[] b) {
        for (int x : a) {
            for (int y : b) {
                if (x == y) {
                    return true;
                }
            }
        }
        return false;
    }

    static String suiteName(int code) {
        if (code == CipherSuite.TLS_EMPTY_RENEGOTIATION_INFO_SCSV) {
            return SuiteProfile.RENEGOTIATION_SCSV;
        }
        return SuiteProfile.byCode(code).map(CipherSuiteInfo::name).orElseGet(() -> String.format("0x%04X", code));
    }

    static String names(int[] codes) {
        return "[" + Arrays.stream(codes)
                .mapToObj(HandshakeFailures::suiteName)
                .collect(Collectors.joining(", ")) + "]";
    }
}
