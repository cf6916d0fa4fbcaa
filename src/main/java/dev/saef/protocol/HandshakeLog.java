package dev.saef.protocol;

import java.lang.System.Logger.Level;

/**
 * One line per handshake on the {@link System.Logger} {@code dev.saef}, so that applications route
 * handshake outcomes to their own logging (with the JDK's default finder: {@code java.util.logging}).
 *
 * <p>Levels: a success is {@code DEBUG}. A server's failure that the peer caused (unknown KpsaID,
 * wrong Kpsa, timeout, no common suite, the peer's alert, input refused) is {@code INFO}: on the
 * open Internet those are scanners and mis-provisioned devices, and the counters show their rate. A
 * client's failure is {@code WARNING}: this node cannot reach a service it is configured for. An
 * {@link HandshakeOutcome#INTERNAL_ERROR} (key manager failed, no association, ...) is
 * {@code WARNING} in both roles.
 *
 * <p>Each outcome may log at most {@value #LINES_PER_SECOND} lines per second (process-wide); the
 * first line after a dropped burst says how many were not logged. Lines hold the role, transport,
 * peer address, KpsaID (printable, at most {@value #MAX_ID} characters) and the failure's message
 * (at most {@value #MAX_DETAIL} characters), with control characters replaced: never key material.
 */
final class HandshakeLog {

    /** The most lines per outcome and second. */
    static final int LINES_PER_SECOND = 10;
    static final int MAX_ID = 40;
    static final int MAX_DETAIL = 600;

    private static final System.Logger LOG = System.getLogger("dev.saef");
    private static final LogRateLimit[] LIMITS = new LogRateLimit[HandshakeOutcome.values().length];

    static {
        for (int i = 0; i < LIMITS.length; i++) {
            LIMITS[i] = new LogRateLimit(LINES_PER_SECOND, System::nanoTime);
        }
    }

    private HandshakeLog() {
    }

    static Level level(HandshakeOutcome o, boolean client) {
        if (o.succeeded()) {
            return Level.DEBUG;
        }
        if (o == HandshakeOutcome.INTERNAL_ERROR || client) {
            return Level.WARNING;
        }
        return Level.INFO;
    }

    static void log(HandshakeOutcome o, boolean client, String transport, String peer, String kpsaId, String detail) {
        Level level = level(o, client);
        if (!LOG.isLoggable(level)) {
            return;
        }
        long dropped = LIMITS[o.ordinal()].acquire();
        if (dropped == LogRateLimit.DROP) {
            return;
        }
        if (dropped > 0) {
            LOG.log(level, "SAEF: " + dropped + " more handshake(s) with outcome " + name(o) + " were not logged"
                    + " (at most " + LINES_PER_SECOND + " lines per second per outcome; the JMX counters count all)");
        }
        LOG.log(level, line(o, client, transport, peer, kpsaId, detail));
    }

    static String line(HandshakeOutcome o, boolean client, String transport, String peer, String kpsaId, String detail) {
        StringBuilder b = new StringBuilder(o.succeeded() ? "SAEF handshake succeeded: " : "SAEF handshake failed: ");
        b.append(name(o)).append(" (").append(client ? "client" : "server").append(", ").append(transport)
                .append(", peer ").append(printable(peer, 300));
        if (kpsaId != null) {
            b.append(", KpsaID ").append(printable(kpsaId, MAX_ID));
        }
        b.append(')');
        if (detail != null && !detail.isEmpty()) {
            b.append(": ").append(printable(detail, MAX_DETAIL));
        }
        return b.toString();
    }

    /** @return the outcome as written in log lines and JMX, e.g. {@code unknown_identity} */
    static String name(HandshakeOutcome o) {
        return o.name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Control characters (log injection) become '?'; longer text is cut and ends with "...". */
    static String printable(String s, int max) {
        if (s == null) {
            return "?";
        }
        StringBuilder b = new StringBuilder(Math.min(s.length(), max + 3));
        for (int i = 0; i < s.length() && b.length() < max; i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || (c >= 0x7F && c < 0xA0) || c == '\u2028' || c == '\u2029' ? '?' : c);
        }
        if (s.length() > max) {
            b.append("...");
        }
        return b.toString();
    }
}
