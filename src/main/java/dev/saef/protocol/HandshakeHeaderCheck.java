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
 * records), fed every handshake record's fragment in order. Its whole state is one {@code long} the
 * connection keeps (octets of the current message body still to come, and a header split over records
 * so far), so a connection holds no object and no array for it.
 */
final class HandshakeHeaderCheck {

    /** The largest handshake message a SAEF peer accepts (Bouncy Castle's default limit). */
    static final int MAX_HANDSHAKE_MESSAGE = 32768;

    /** The state before the first handshake message. */
    static final long INITIAL = 0;

    private static final int HEADER = 4;

    private HandshakeHeaderCheck() {
    }

    /**
     * Checks the handshake headers in one record's fragment.
     *
     * @param state the connection's state: {@link #INITIAL}, then what the previous call returned. Bits
     *     0-31: octets of the current message's body still to come; bits 32-55: the header octets read
     *     so far (big-endian); bits 56-58: how many
     * @param peerIsClient whether the messages checked come from a client (names the sender in errors)
     * @return the state after this fragment
     * @throws TlsFatalAlert {@code illegal_parameter} for an over-long message of a known type (an
     *     unknown type is left to Bouncy Castle, which answers {@code unexpected_message})
     */
    static long check(long state, boolean peerIsClient, byte[] buf, int off, int len) throws TlsFatalAlert {
        int bodyLeft = (int) state;
        int header = (int) (state >>> 32) & 0xFFFFFF;
        int headerFill = (int) (state >>> 56) & 0x7;
        int p = off;
        int end = off + len;
        while (p < end) {
            if (bodyLeft > 0) {
                int skip = Math.min(bodyLeft, end - p);
                bodyLeft -= skip;
                p += skip;
                continue;
            }
            int octet = buf[p++] & 0xFF;
            if (headerFill < HEADER - 1) {
                header = (header << 8) | octet;
                headerFill++;
                continue;
            }
            short type = (short) (header >>> 16);
            int length = ((header & 0xFFFF) << 8) | octet;
            header = 0;
            headerFill = 0;
            if (length > MAX_HANDSHAKE_MESSAGE && HandshakeType.isRecognized(type)) {
                throw tooLong(peerIsClient, type, length);
            }
            bodyLeft = length;
        }
        return ((long) headerFill << 56) | ((long) header << 32) | (bodyLeft & 0xFFFFFFFFL);
    }

    private static TlsFatalAlert tooLong(boolean peerIsClient, short type, int length) {
        String sender = peerIsClient ? "the client's " : "the server's ";
        String receiver = peerIsClient ? "this server" : "this client";
        boolean cke = type == HandshakeType.client_key_exchange;
        String what = cke ? "ClientKeyExchange" : HandshakeType.getName(type) + " message";
        return new TlsFatalAlert(AlertDescription.illegal_parameter, sender + what + " has " + length
                + " octets, more than the " + MAX_HANDSHAKE_MESSAGE + " " + receiver + " accepts"
                + (cke ? ": its psk_identity cannot be a KpsaID (at most 128 octets, RFC 4279 section 5.3)" : ""));
    }
}
