package dev.saef.protocol;

import dev.saef.config.SaefConfigException;
import dev.saef.config.SaefProperties;
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
        try {
            if (SaefProperties.debugEnabled(System.getProperty(SaefProperties.DEBUG))) {
                return true;
            }
        } catch (SaefConfigException e) {
            // a bad value: loading the configuration reports it; tracing stays off
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
