package dev.saef.protocol;

import java.time.Instant;
import java.util.Locale;

/**
 * Handshake tracing for operators, switched on with {@code -Dsaef.debug=true} or the standard
 * {@code -Djavax.net.debug=ssl} (or {@code all}). Lines go to standard error, prefixed
 * {@code saef|}. Only identities, suites and alerts are traced: never key material.
 */
public final class DebugLog {

    private static final boolean ENABLED = enabled();

    private DebugLog() {
    }

    private static boolean enabled() {
        String d = System.getProperty("saef.debug");
        if (d != null && (d.isBlank() || "true".equalsIgnoreCase(d.trim()))) { // as SaefConfiguration reads it
            return true;
        }
        String j = System.getProperty("javax.net.debug", "").toLowerCase(Locale.ROOT);
        return j.contains("ssl") || j.contains("all");
    }

    /** @return whether tracing is on */
    public static boolean isEnabled() {
        return ENABLED;
    }

    /** Traces one event (the message must not contain secrets). */
    public static void log(String message) {
        if (ENABLED) {
            System.err.println("saef|" + Instant.now() + "|" + Thread.currentThread().getName() + "|" + message);
        }
    }
}
