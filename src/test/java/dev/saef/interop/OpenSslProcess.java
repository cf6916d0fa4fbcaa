package dev.saef.interop;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Starts {@code openssl} as a {@link PeerProcess}: with the distribution's default configuration
 * (an inherited {@code OPENSSL_CONF} and {@code SSLKEYLOGFILE} are removed), or with a given one.
 */
final class OpenSslProcess {

    private OpenSslProcess() {
    }

    /** @return the {@code openssl} executable found on {@code PATH}, if any */
    static Optional<Path> findOnPath() {
        return PeerProcess.findOnPath("openssl");
    }

    /**
     * Starts {@code openssl args...}.
     *
     * @param label a short name for messages, e.g. {@code s_server}
     */
    static PeerProcess start(String label, Path openssl, List<String> args) throws IOException {
        return start(label, openssl, args, null);
    }

    /**
     * Starts {@code openssl args...} with the distribution's default configuration, or with
     * {@code config} as {@code OPENSSL_CONF} when given.
     */
    static PeerProcess start(String label, Path openssl, List<String> args, Path config) throws IOException {
        return PeerProcess.start(label, command(openssl, args), environment(config));
    }

    /** Runs {@code openssl args...} to completion and returns its stdout (fails on a non-zero exit). */
    static String run(Path openssl, List<String> args, Duration timeout) throws IOException, InterruptedException {
        return PeerProcess.run("openssl " + args.get(0), command(openssl, args), environment(null), timeout);
    }

    private static List<String> command(Path openssl, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(openssl.toString());
        cmd.addAll(args);
        return cmd;
    }

    private static Map<String, String> environment(Path config) {
        Map<String, String> env = new HashMap<>();
        env.put("OPENSSL_CONF", config == null ? null : config.toString());
        env.put("SSLKEYLOGFILE", null);
        return env;
    }
}
