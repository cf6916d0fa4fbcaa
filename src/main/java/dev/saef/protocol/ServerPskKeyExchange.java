package dev.saef.protocol;

import dev.saef.identity.KpsaId;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.KeyExchangeAlgorithm;
import org.bouncycastle.tls.TlsFatalAlert;

/**
 * The server's RFC 4279 key exchange: Bouncy Castle's {@link org.bouncycastle.tls.TlsPSKKeyExchange}, but the client's
 * ClientKeyExchange is checked field by field before the identity is looked up, so that malformed
 * input gets the alert RFC 5246 section 7.2.2 asks for instead of the {@code internal_error} Bouncy
 * Castle sends when a length overruns the message (it reads past the end and reports its own
 * fault):
 * <ul>
 *   <li>{@code decode_error}: the message is shorter than its length fields say (an empty message,
 *       a {@code psk_identity} or {@code dh_Yc}/{@code ecdh_Yc} length that overruns the body), or
 *       octets follow the last field (RFC 4279 sections 2 and 3, RFC 5489 section 2);</li>
 *   <li>{@code illegal_parameter}: a well-formed {@code psk_identity} that cannot be a KpsaID by its
 *       length alone: empty, or longer than {@value KpsaId#MAX_OCTETS} octets (RFC 4279 section 5.3,
 *       TS-0003 clause 10.5). Such identities are never provisioned, so refusing them at once tells a
 *       client nothing about the association table.</li>
 * </ul>
 * Used by the server's key exchanges ({@code SaefKeyExchangeFactory}) before Bouncy Castle parses the
 * message. Anything else (an identity of a valid length) goes to Bouncy Castle and the identity manager
 * unchanged; unknown identities are then handled by {@link SaefTlsServer}'s policy.
 */
final class ServerPskKeyExchange {

    private ServerPskKeyExchange() {
    }

    /**
     * Checks the structure of a ClientKeyExchange body for the given key exchange.
     *
     * @throws TlsFatalAlert {@code decode_error} or {@code illegal_parameter}, saying which field is wrong
     */
    static void check(byte[] body, int keyExchange) throws TlsFatalAlert {
        if (body.length < 2) {
            throw decodeError("the client's ClientKeyExchange has " + body.length + " octet" + (body.length == 1 ? "" : "s")
                    + ", too few for the psk_identity length (RFC 4279 section 2)");
        }
        int identityLength = u16(body, 0);
        int p = 2 + identityLength;
        if (p > body.length) {
            throw decodeError("the psk_identity length in the client's ClientKeyExchange (" + identityLength
                    + " octets) overruns the message (" + (body.length - 2) + " octets follow it)");
        }
        if (keyExchange == KeyExchangeAlgorithm.DHE_PSK) {
            p = opaque(body, p, 2, "dh_Yc", "RFC 4279 section 3");
        } else if (keyExchange == KeyExchangeAlgorithm.ECDHE_PSK) {
            p = opaque(body, p, 1, "ecdh_Yc", "RFC 5489 section 2");
        }
        if (p != body.length) {
            int extra = body.length - p;
            throw decodeError(extra + (extra == 1 ? " octet follows" : " octets follow")
                    + " the last field of the client's ClientKeyExchange");
        }
        if (identityLength == 0 || identityLength > KpsaId.MAX_OCTETS) {
            throw new TlsFatalAlert(AlertDescription.illegal_parameter, "the client's psk_identity has "
                    + identityLength + " octets; a KpsaID has 1 to " + KpsaId.MAX_OCTETS
                    + " (RFC 4279 section 5.3, TS-0003 clause 10.5)");
        }
    }

    /** @return the position after a non-empty opaque field with a {@code lengthOctets}-octet length at {@code p} */
    private static int opaque(byte[] body, int p, int lengthOctets, String name, String where) throws TlsFatalAlert {
        if (p + lengthOctets > body.length) {
            throw decodeError("the client's ClientKeyExchange ends before its " + name + " (" + where + ")");
        }
        int n = lengthOctets == 2 ? u16(body, p) : body[p] & 0xFF;
        if (n == 0) {
            throw decodeError("the client's " + name + " is empty (" + where + ")");
        }
        int end = p + lengthOctets + n;
        if (end > body.length) {
            throw decodeError("the " + name + " length in the client's ClientKeyExchange (" + n
                    + " octets) overruns the message (" + (body.length - p - lengthOctets) + " octets follow it)");
        }
        return end;
    }

    private static TlsFatalAlert decodeError(String detail) {
        return new TlsFatalAlert(AlertDescription.decode_error, detail);
    }

    private static int u16(byte[] b, int off) {
        return ((b[off] & 0xFF) << 8) | (b[off + 1] & 0xFF);
    }
}
