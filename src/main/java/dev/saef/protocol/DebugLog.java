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
        if ("true".equalsIgnoreCase(System.getProperty("saef.debug", "").trim())) { // as SaefConfiguration reads it
            return true;
        }
        String d = System.getProperty("javax.net.debug", "").toLowerCase(Locale.ROOT);
        return d.contains("ssl") || d.contains("all");
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
