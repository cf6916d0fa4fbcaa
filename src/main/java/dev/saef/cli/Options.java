package dev.saef.cli;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** {@code --name value} options of the {@code saef} command. */
final class Options {
    private final Map<String, String> values = new HashMap<>();

    static Options parse(String[] args) throws UsageException {
        Options o = new Options();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                throw new UsageException("unexpected argument '" + a + "'");
            }
            String name = a.substring(2);
            String value;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                value = args[++i];
            } else {
                value = "true";
            }
            o.values.put(name, value);
        }
        return o;
    }

    Optional<String> get(String name) {
        return Optional.ofNullable(values.get(name));
    }

    String require(String name) throws UsageException {
        String v = values.get(name);
        if (v == null) {
            throw new UsageException("--" + name + " is required");
        }
        return v;
    }

    int intValue(String name, int dflt) throws UsageException {
        String v = values.get(name);
        if (v == null) {
            return dflt;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be a number, not '" + v + "'");
        }
    }

    /**
     * @return the option's value, {@code dflt} when absent
     * @throws UsageException when it is not a whole number from {@code min} to {@code max}; the message
     *     names the option, the accepted range and {@code what} the number counts
     */
    int intValue(String name, int dflt, int min, int max, String what) throws UsageException {
        int v = intValue(name, dflt);
        if (v < min || v > max) {
            throw new UsageException("--" + name + " takes " + what + " from " + min + " to " + max + ", not " + v);
        }
        return v;
    }

    /**
     * @param text a TCP port number as given on the command line
     * @param min 0 where "any free port" makes sense (a listening port), else 1
     * @return the port
     * @throws UsageException when it is not a number from {@code min} to 65535 (instead of the JDK's
     *     {@code IllegalArgumentException} stack trace later)
     */
    static int port(String option, String text, int min) throws UsageException {
        int p;
        try {
            p = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            p = -1;
        }
        if (p < min || p > 65535) {
            throw new UsageException(option + ": the port must be a number from " + min + " to 65535, not '" + text + "'");
        }
        return p;
    }
}
