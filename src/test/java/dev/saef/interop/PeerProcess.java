package dev.saef.interop;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One peer child process for interop tests ({@code openssl}, {@code gnutls-serv}, {@code gnutls-cli}):
 * stdout and stderr are drained on their own daemon threads into in-memory buffers (so the pipes
 * never fill up and block the child), every wait is bounded, and {@link #close()} always ends the
 * process (TERM, then KILL). {@link OpenSslProcess} starts {@code openssl}; {@code GnuTlsInteropTest}
 * starts the GnuTLS tools.
 */
final class PeerProcess implements AutoCloseable {

    private static final Pattern SOCKET_LINK = Pattern.compile("socket:\\[(\\d+)\\]");

    private final String label;
    private final List<String> command;
    private final Process process;
    private final Capture out;
    private final Capture err;
    private final OutputStream stdin;

    private PeerProcess(String label, List<String> command, Process process) {
        this.label = label;
        this.command = List.copyOf(command);
        this.process = process;
        this.out = new Capture(label + "-stdout", process.getInputStream());
        this.err = new Capture(label + "-stderr", process.getErrorStream());
        this.stdin = process.getOutputStream();
    }

    /** @return the executable {@code name} found on {@code PATH}, if any */
    static Optional<Path> findOnPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Path.of(dir, name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /**
     * Starts {@code command}.
     *
     * @param label a short name for messages, e.g. {@code s_server}
     * @param environment changes to the inherited environment: a null value removes the variable
     */
    static PeerProcess start(String label, List<String> command, Map<String, String> environment)
            throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command);
        environment.forEach((k, v) -> {
            if (v == null) {
                pb.environment().remove(k);
            } else {
                pb.environment().put(k, v);
            }
        });
        return new PeerProcess(label, command, pb.start());
    }

    /** Runs {@code command} to completion and returns its stdout (fails on a non-zero exit). */
    static String run(String label, List<String> command, Map<String, String> environment, Duration timeout)
            throws IOException, InterruptedException {
        try (PeerProcess p = start(label, command, environment)) {
            p.closeStdin();
            int rc = p.awaitExit(timeout);
            if (rc != 0) {
                throw new AssertionError(p.label + " exited with " + rc + "\n" + p.describe());
            }
            return p.stdout();
        }
    }

    String stdout() {
        return out.text();
    }

    String stderr() {
        return err.text();
    }

    /** Waits until stdout matches {@code pattern}; fails with the process output when it does not. */
    Matcher awaitStdout(Pattern pattern, Duration timeout) throws InterruptedException {
        return await(out, pattern, timeout, "stdout");
    }

    /** Waits until stderr matches {@code pattern}; fails with the process output when it does not. */
    Matcher awaitStderr(Pattern pattern, Duration timeout) throws InterruptedException {
        return await(err, pattern, timeout, "stderr");
    }

    private Matcher await(Capture c, Pattern pattern, Duration timeout, String stream) throws InterruptedException {
        Matcher m = c.await(pattern, System.nanoTime() + timeout.toNanos());
        if (m == null) {
            throw new AssertionError(label + ": no match for /" + pattern + "/ on " + stream + " within " + timeout
                    + (c.isEof() ? " (stream closed)" : "") + "\n" + describe());
        }
        return m;
    }

    /**
     * Waits until stdout matches {@code pattern}, the process closes its stdout (exits) or the time
     * is up, whichever comes first.
     *
     * @return the match, or empty when there was none
     */
    Optional<Matcher> pollStdout(Pattern pattern, Duration timeout) throws InterruptedException {
        return Optional.ofNullable(out.await(pattern, System.nanoTime() + timeout.toNanos()));
    }

    /** Writes text to the process's stdin and flushes it. */
    void send(String text) throws IOException {
        stdin.write(text.getBytes(StandardCharsets.US_ASCII));
        stdin.flush();
    }

    void closeStdin() {
        try {
            stdin.close();
        } catch (IOException ignored) {
            // the process may already be gone
        }
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Waits for the process to exit and for both output streams to be fully drained.
     *
     * @return the exit code
     * @throws AssertionError when it does not exit in time (the process is left to {@link #close()})
     */
    int awaitExit(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        if (!process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
            throw new AssertionError(label + " did not exit within " + timeout + "\n" + describe());
        }
        out.join(deadline);
        err.join(deadline);
        return process.exitValue();
    }

    /**
     * Ends a process that does not exit by itself (a server): TERM, then KILL after 2 s; waits for the
     * exit and for both output streams to be drained, so that {@link #stdout()} is complete even when
     * the process buffers its stdout until it exits.
     *
     * @return the exit code
     */
    int stop(Duration timeout) throws InterruptedException {
        closeStdin();
        process.destroy();
        if (!process.waitFor(2, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        return awaitExit(timeout);
    }

    long pid() {
        return process.pid();
    }

    /**
     * The TCP ports this process (or a descendant, e.g. the server under {@code timeout}) listens on
     * over IPv4, from Linux's {@code /proc/<pid>/fd} (socket inodes) and {@code /proc/net/tcp} (state
     * 0A = LISTEN). For servers that cannot report the ephemeral port they bound (gnutls-serv with
     * {@code --port 0}): no port is guessed, no race.
     *
     * @return the ports, empty when there is none yet or {@code /proc} is not available
     */
    List<Integer> listeningTcpPorts() {
        return boundPorts("/proc/net/tcp", "0A");
    }

    /**
     * The UDP ports this process (or a descendant) has bound over IPv4 ({@code /proc/net/udp}, state 07
     * = unconnected), found like {@link #listeningTcpPorts()}: for {@code gnutls-serv --udp --port 0}.
     *
     * @return the ports, empty when there is none yet or {@code /proc} is not available
     */
    List<Integer> boundUdpPorts() {
        return boundPorts("/proc/net/udp", "07");
    }

    private List<Integer> boundPorts(String table, String state) {
        Set<String> inodes = new HashSet<>();
        List<Long> pids = new ArrayList<>();
        pids.add(process.pid());
        process.descendants().forEach(h -> pids.add(h.pid()));
        for (long pid : pids) {
            try (DirectoryStream<Path> dir = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "fd"))) {
                for (Path fd : dir) {
                    try {
                        Matcher m = SOCKET_LINK.matcher(Files.readSymbolicLink(fd).toString());
                        if (m.matches()) {
                            inodes.add(m.group(1));
                        }
                    } catch (IOException ignored) {
                        // the descriptor was closed meanwhile
                    }
                }
            } catch (IOException | RuntimeException ignored) {
                // the process is gone, or there is no /proc
            }
        }
        List<Integer> ports = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Path.of(table), StandardCharsets.US_ASCII)) {
                String[] f = line.trim().split("\\s+");
                // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...
                if (f.length > 9 && f[3].equals(state) && inodes.contains(f[9])) {
                    ports.add(Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1), 16));
                }
            }
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
        return ports;
    }

    /** @return the command line and everything the process printed so far, for failure messages */
    String describe() {
        return "---- " + label + ": " + String.join(" ", command) + "\n---- stdout:\n" + out.text()
                + "\n---- stderr:\n" + err.text() + "\n----";
    }

    @Override
    public void close() {
        closeStdin();
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(2, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(2, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        try {
            out.join(deadline);
            err.join(deadline);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return label + "[pid " + process.pid() + "]";
    }

    /** Drains one stream of the child into memory on a daemon thread; readers wait on this object. */
    private static final class Capture implements Runnable {
        private final InputStream in;
        private final StringBuilder text = new StringBuilder();
        private final Thread thread;
        private boolean eof;

        Capture(String name, InputStream in) {
            this.in = in;
            this.thread = new Thread(this, "drain-" + name);
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void run() {
            byte[] buf = new byte[8192];
            try (InputStream s = in) {
                int n;
                while ((n = s.read(buf)) >= 0) {
                    String chunk = new String(buf, 0, n, StandardCharsets.ISO_8859_1);
                    synchronized (this) {
                        text.append(chunk);
                        notifyAll();
                    }
                }
            } catch (IOException ignored) {
                // stream closed under us when the process is destroyed
            } finally {
                synchronized (this) {
                    eof = true;
                    notifyAll();
                }
            }
        }

        synchronized String text() {
            return text.toString();
        }

        synchronized boolean isEof() {
            return eof;
        }

        synchronized Matcher await(Pattern pattern, long deadline) throws InterruptedException {
            while (true) {
                Matcher m = pattern.matcher(text.toString()); // a snapshot: the buffer keeps growing
                if (m.find()) {
                    return m;
                }
                long left = deadline - System.nanoTime();
                if (eof || left <= 0) {
                    return null;
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        }

        void join(long deadline) throws InterruptedException {
            long left = deadline - System.nanoTime();
            if (left > 0) {
                thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
        }
    }
}
