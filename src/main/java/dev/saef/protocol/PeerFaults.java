package dev.saef.protocol;

import java.io.EOFException;
import java.security.InvalidKeyException;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.crypto.TlsCryptoException;

/**
 * Corrects the alert Bouncy Castle raises for a peer's malformed bytes. Bouncy Castle turns any
 * {@code RuntimeException} thrown while it parses a record into {@code internal_error}, the alert RFC
 * 5246 section 7.2.2 reserves for the sender's own faults, although some of those exceptions are
 * verdicts on the peer's input, and so does an {@code IOException} that is not an alert. Both
 * known cases get {@code decode_error} (a message that cannot be parsed, or a field out of its
 * specified range, RFC 5246 section 7.2.2):
 * <ul>
 *   <li>a record header (or hello) whose version field holds a reserved value such as
 *       {@code {0xFE, 0xFE}} makes {@link ProtocolVersion#get} throw {@code IllegalArgumentException};
 *   <li>a handshake message shorter than its own inner length fields (e.g. a ServerHello whose
 *       extensions block announces more octets than follow) makes Bouncy Castle's parser
 *       ({@code TlsUtils.readFully}) throw {@code EOFException}. In the non-blocking mode SAEF uses,
 *       Bouncy Castle parses each message from a complete in-memory buffer, so this exception
 *       always means the peer's message is truncated, never that the network ended.
 * </ul>
 * A peer's (EC)DH key share the JDK refuses in key agreement (an X25519 point of small order) gets
 * {@code illegal_parameter} (RFC 8422 section 5.11).
 *
 * <p>Only exceptions thrown by Bouncy Castle's own {@code ProtocolVersion} and TLS parsing code are
 * re-classified: an exception from anywhere else, our own code included, stays
 * {@code internal_error}, so a bug of ours is never reported as the peer's.
 */
final class PeerFaults {

    private PeerFaults() {
    }

    /** @return the alert to send for a failure Bouncy Castle classified as {@code alert} */
    static short alertFor(short alert, Throwable cause) {
        if (alert == AlertDescription.internal_error && (isReservedVersion(cause) || isTruncatedMessage(cause))) {
            return AlertDescription.decode_error;
        }
        if (alert == AlertDescription.internal_error && isInvalidPeerKeyShare(cause)) {
            return AlertDescription.illegal_parameter;
        }
        return alert;
    }

    /**
     * @return whether {@code cause} is the JDK refusing the peer's (EC)DH public value during key
     *     agreement (e.g. an X25519 point of small order, RFC 7748 section 6): Bouncy Castle wraps the
     *     {@code InvalidKeyException} in {@code TlsCryptoException}; the peer's key share is then an
     *     illegal parameter (RFC 8422 section 5.11), not our fault
     */
    static boolean isInvalidPeerKeyShare(Throwable cause) {
        return cause instanceof TlsCryptoException && cause.getCause() instanceof InvalidKeyException;
    }

    /** @return whether {@code cause} is Bouncy Castle's parser running out of a message's octets */
    static boolean isTruncatedMessage(Throwable cause) {
        if (!(cause instanceof EOFException)) {
            return false;
        }
        StackTraceElement[] frames = cause.getStackTrace();
        return frames.length > 0 && frames[0].getClassName().equals("org.bouncycastle.tls.TlsUtils");
    }

    private static boolean isReservedVersion(Throwable cause) {
        if (!(cause instanceof IllegalArgumentException)) {
            return false;
        }
        StackTraceElement[] frames = cause.getStackTrace();
        return frames.length > 0 && frames[0].getClassName().equals(ProtocolVersion.class.getName());
    }
}
