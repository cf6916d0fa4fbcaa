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
            msg = received(received.getAlertDescription(), client, state, spec);
        } else if (e instanceof TlsFatalAlert raised) {
            msg = raised(raised.getAlertDescription(), client, state, spec, keySource);
        } else {
            msg = (handshaking ? "PSK-SAEF handshake failed: " : "TLS connection failed: ") + e;
        }
        SSLException out = handshaking ? new SSLHandshakeException(msg) : new SSLException(msg);
        out.initCause(e);
        return out;
    }

    private static String kpsa(HandshakeState state) {
        return state.association != null ? "KpsaID " + state.association.kpsaId() : "the KpsaID";
    }

    private static String received(short alert, boolean client, HandshakeState state, ConnectionSpec spec) {
        String peer = client ? "the server" : "the client";
        String name = AlertDescription.getName(alert);
        switch (alert) {
            case AlertDescription.unknown_psk_identity:
                return peer + " does not know " + kpsa(state) + " (alert " + name + "): provision the same KpsaID"
                        + " and Kpsa on both sides (TS-0003 clause 8.2.2.1)";
            case AlertDescription.bad_record_mac:
            case AlertDescription.decrypt_error:
                return peer + " could not verify our Finished message (alert " + name + "): the Kpsa for "
                        + kpsa(state) + " differs between the two sides";
            case AlertDescription.handshake_failure:
            case AlertDescription.insufficient_security:
                return peer + " rejected the handshake (alert " + name + "): most likely no cipher suite in common;"
                        + " we offered " + names(spec.suiteCodes());
            case AlertDescription.protocol_version:
                return peer + " does not accept TLS 1.2 (alert " + name + "); TS-0003 clause 10.2.1 requires TLS 1.2";
            case AlertDescription.close_notify:
                return peer + " closed the connection during the handshake";
            default:
                return peer + " sent fatal alert " + name;
        }
    }

    private static String raised(short alert, boolean client, HandshakeState state, ConnectionSpec spec,
            String keySource) {
        String name = AlertDescription.getName(alert);
        String detail = state.failureDetail != null ? " (" + state.failureDetail + ")" : "";
        switch (alert) {
            case AlertDescription.unknown_psk_identity:
                if (state.keyFailure != null) {
                    return "the client offered KpsaID " + state.unknownIdentity + " but " + state.keyFailure
                            + "; sent alert " + name;
                }
                return "the client offered KpsaID " + state.unknownIdentity + ", which is not provisioned in "
                        + keySource + "; sent alert " + name;
            case AlertDescription.bad_record_mac:
            case AlertDescription.decrypt_error:
                if (client) {
                    return "the server's Finished message failed verification (alert " + name + "): the Kpsa for "
                            + kpsa(state) + " differs between the two sides";
                }
                return "the client's Finished message failed verification (alert " + name + "): the client used a"
                        + " different Kpsa for " + kpsa(state);
            case AlertDescription.handshake_failure:
            case AlertDescription.insufficient_security:
                if (!client && state.offeredSuites != null) {
                    return "no cipher suite in common (alert " + name + "): the client offered "
                            + names(state.offeredSuites) + "; this server accepts " + names(spec.suiteCodes());
                }
                return "handshake failure (alert " + name + ")" + detail;
            case AlertDescription.protocol_version:
                return (client ? "the server" : "the client") + " does not speak TLS 1.2 (alert " + name
                        + "); TS-0003 clause 10.2.1 requires TLS 1.2";
            default:
                return "PSK-SAEF handshake failed: sent alert " + name + detail;
        }
    }

    static String suiteName(int code) {
        if (code == CipherSuite.TLS_EMPTY_RENEGOTIATION_INFO_SCSV) {
            return SuiteProfile.RENEGOTIATION_SCSV;
        }
        return SuiteProfile.byCode(code).map(CipherSuiteInfo::name).orElse(String.format("0x%04X", code));
    }

    static String names(int[] codes) {
        return "[" + Arrays.stream(codes)
                .mapToObj(HandshakeFailures::suiteName)
                .collect(Collectors.joining(", ")) + "]";
    }
}
