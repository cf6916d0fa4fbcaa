package dev.saef.protocol;

import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.ProtocolVersion;

/**
 * Corrects the alert Bouncy Castle raises for a peer's malformed bytes. Bouncy Castle turns any
 * {@code RuntimeException} thrown while it parses a record into {@code internal_error}, the alert RFC
 * 5246 section 7.2.2 reserves for the sender's own faults, although some of those exceptions are
 * verdicts on the peer's input. The one known case: a record header (or hello) whose version field
 * holds a reserved value such as {@code {0xFE, 0xFE}} makes {@link ProtocolVersion#get} throw
 * {@code IllegalArgumentException}; the right answer is {@code decode_error} (a field out of its
 * specified range, RFC 5246 section 7.2.2).
 *
 * <p>Only exceptions thrown by Bouncy Castle's own {@code ProtocolVersion} are re-classified: an
 * exception from anywhere else, our own code included, stays {@code internal_error}, so a bug of
 * ours is never reported as the peer's.
 */
final class PeerFaults {

    private PeerFaults() {
    }

    /** @return the alert to send for a failure Bouncy Castle classified as {@code alert} */
    static short alertFor(short alert, Throwable cause) {
        if (alert == AlertDescription.internal_error && isReservedVersion(cause)) {
            return AlertDescription.decode_error;
        }
        return alert;
    }

    private static boolean isReservedVersion(Throwable cause) {
        if (!(cause instanceof IllegalArgumentException)) {
            return false;
        }
        StackTraceElement[] frames = cause.getStackTrace();
        return frames.length > 0 && frames[0].getClassName().equals(ProtocolVersion.class.getName());
    }
}
