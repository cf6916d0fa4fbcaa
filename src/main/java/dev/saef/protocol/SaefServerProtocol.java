package dev.saef.protocol;

import java.io.IOException;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.ContentType;
import org.bouncycastle.tls.HandshakeType;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsServerProtocol;

/**
 * Bouncy Castle's non-blocking TLS server protocol, with the size limit on the client's handshake
 * messages enforced before Bouncy Castle sees them: a message longer than
 * {@value #MAX_HANDSHAKE_MESSAGE} octets (the limit {@link SaefTlsServer} gives Bouncy Castle) is
 * refused with {@code illegal_parameter} and a message naming it, where Bouncy Castle would send
 * {@code internal_error} - an alert RFC 5246 section 7.2.2 reserves for the sender's own faults. The
 * typical case is a ClientKeyExchange carrying a huge {@code psk_identity} (up to 65535 octets by the
 * RFC 4279 grammar; a KpsaID has at most 128).
 *
 * <p>Only the 4-octet handshake headers are read (type and length, RFC 5246 section 7.4), across
 * record boundaries; the bytes themselves go to Bouncy Castle unchanged.
 */
final class SaefServerProtocol extends TlsServerProtocol {

    /** The largest handshake message a SAEF server accepts (Bouncy Castle's default). */
    static final int MAX_HANDSHAKE_MESSAGE = 32768;

    private final byte[] header = new byte[4];
    private int headerFill;
    /** Octets of the current message's body still to come. */
    private int bodyLeft;

    @Override
    protected void processRecord(short protocol, byte[] buf, int off, int len) throws IOException {
        if (protocol == ContentType.handshake) {
            checkHeaders(buf, off, len);
        }
        super.processRecord(protocol, buf, off, len);
    }

    private void checkHeaders(byte[] buf, int off, int len) throws TlsFatalAlert {
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
            if (length > MAX_HANDSHAKE_MESSAGE && HandshakeType.isRecognized(type)) { // else BC: unexpected_message
                String what = type == HandshakeType.client_key_exchange ? "ClientKeyExchange"
                        : HandshakeType.getName(type) + " message";
                throw new TlsFatalAlert(AlertDescription.illegal_parameter, "the client's " + what + " has " + length
                        + " octets, more than the " + MAX_HANDSHAKE_MESSAGE + " this server accepts"
                        + (type == HandshakeType.client_key_exchange
                                ? ": its psk_identity cannot be a KpsaID (at most 128 octets, RFC 4279 section 5.3)"
                                : ""));
            }
            bodyLeft = length;
        }
    }
}
