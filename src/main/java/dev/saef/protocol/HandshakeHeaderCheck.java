package dev.saef.protocol;

import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.HandshakeType;
import org.bouncycastle.tls.TlsFatalAlert;

/**
 * Enforces the size limit on the peer's handshake messages before Bouncy Castle sees them: a message
 * whose header (RFC 5246 section 7.4: one octet type, three octets length) announces more than
 * {@value #MAX_HANDSHAKE_MESSAGE} octets is refused with {@code illegal_parameter} and a message naming
 * it. Bouncy Castle would refuse it too, but with {@code internal_error}, an alert RFC 5246 section
 * 7.2.2 reserves for the sender's own faults. The typical case is a ClientKeyExchange carrying a huge
 * {@code psk_identity} (up to 65535 octets by the RFC 4279 grammar; a KpsaID has at most 128). A PSK
 * handshake has no certificates, so no legitimate message comes near the limit in either direction.
 *
 * <p>Reads only the handshake headers, across record boundaries (a header may be split over
 * records); one instance per connection, fed every handshake record's fragment in order.
 */
final class HandshakeHeaderCheck {

    /** The largest handshake message a SAEF peer accepts (Bouncy Castle's default limit). */
    static final int MAX_HANDSHAKE_MESSAGE = 32768;

    private final String sender;
    private final String receiver;
    private final byte[] header = new byte[4];
    private int headerFill;
    /** Octets of the current message's body still to come. */
    private int bodyLeft;

    /** @param peerIsClient whether the messages checked come from a client (names the sender in errors) */
    HandshakeHeaderCheck(boolean peerIsClient) {
        this.sender = peerIsClient ? "the client's " : "the server's ";
        this.receiver = peerIsClient ? "this server" : "this client";
    }

    /**
     * Checks the handshake headers in one record's fragment.
     *
     * @throws TlsFatalAlert {@code illegal_parameter} for an over-long message of a known type (an
     *     unknown type is left to Bouncy Castle, which answers {@code unexpected_message})
     */
    void check(byte[] buf, int off, int len) throws TlsFatalAlert {
        int p = off;
        int end = off + len;
        while (p < end) {
            if (bodyLeft > 0) {
                int skip = Math.min(bodyLeft, end - p);
                bodyLeft -= skip;
                p += skip;
                continue;
            }
            header[headerFill++] = buf[p++];
            if (headerFill < header.length) {
                continue;
            }
            headerFill = 0;
            short type = (short) (header[0] & 0xFF);
            int length = ((header[1] & 0xFF) << 16) | ((header[2] & 0xFF) << 8) | (header[3] & 0xFF);
            if (length > MAX_HANDSHAKE_MESSAGE && HandshakeType.isRecognized(type)) {
                boolean cke = type == HandshakeType.client_key_exchange;
                String what = cke ? "ClientKeyExchange" : HandshakeType.getName(type) + " message";
                throw new TlsFatalAlert(AlertDescription.illegal_parameter, sender + what + " has " + length
                        + " octets, more than the " + MAX_HANDSHAKE_MESSAGE + " " + receiver + " accepts"
                        + (cke ? ": its psk_identity cannot be a KpsaID (at most 128 octets, RFC 4279 section 5.3)"
                                : ""));
            }
            bodyLeft = length;
        }
    }
}
