package dev.saef.zerocode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 7 item 2, fail closed: with SAEF as provider 1, a configuration that cannot be loaded, for any
 * reason, leaves the JVM's default {@code SSLContext} a SAEF context that refuses every use with the
 * cause (logged once), never SunJSSE's. Each case runs {@link DefaultContextMain} in a forked JVM, as an
 * unchanged application would. Before the fix, {@code /dev/zero} and a 3 GiB table made the JDK hand out
 * SunJSSE's Default context silently (an {@code OutOfMemoryError} in SAEF's), and a FIFO hung the JVM.
 */
@Timeout(180)
class DefaultContextFailsClosedTest {

    @TempDir
    Path dir;

    /** Output lines of the forked JVM (stdout and stderr); fails when it does not finish within 40 s. */
    static List<String> run(Path table, String... jvmOptions) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of(jvmOptions));
        cmd.add("-Djava.security.properties=" + Paths.get("saef.security").toAbsolutePath());
        cmd.add("-Dsaef.associations=" + table);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(DefaultContextMain.class.getName());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            if (!p.waitFor(40, TimeUnit.SECONDS)) {
                throw new AssertionError("the JVM did not finish within 40 s (hung at start?)");
            }
            return List.of(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).split("\n"));
        } finally {
            p.destroyForcibly();
        }
    }

    static String line(List<String> out, String prefix) {
        return out.stream().filter(l -> l.startsWith(prefix + " ")).findFirst()
                .orElseThrow(() -> new AssertionError("no '" + prefix + "' line in:\n" + String.join("\n", out)));
    }

    /**
     * The default context is SAEF's and every use of it, and of a TLS context's init(null, null, null),
     * fails naming {@code cause}; the log has it once.
     */
    static void assertFailsClosed(List<String> out, String cause) {
        assertFailsClosed(out, cause, "init-null failed: [java.security.KeyManagementException: SAEF configuration"
                + " error: " + cause);
    }

    static void assertFailsClosed(List<String> out, String cause, String initNull) {
        assertTrue(line(out, "init-null").startsWith(initNull), String.join("\n", out));
        String all = String.join("\n", out);
        assertEquals("default-provider SAEF", line(out, "default-provider"), all);
        for (String use : List.of("socket-factory", "engine", "server-socket-factory", "default-again", "new-default")) {
            String l = line(out, use);
            assertTrue(l.startsWith(use + " failed: [java.lang.IllegalStateException: the SAEF default SSLContext is"
                    + " unusable: SAEF configuration error: ") && l.contains(cause), l + "\n" + all);
        }
        assertEquals("tls-provider SAEF", line(out, "tls-provider"), all);
        String use = line(out, "tls-use");
        assertTrue(use.startsWith("tls-use failed: [java.lang.IllegalStateException: this SAEF SSLContext is unusable,"
                + " its init failed: ") && use.contains(cause), use);
        assertEquals("done", out.get(out.size() - 1), all);
        long logged = out.stream().filter(l -> l.contains("SAEF default SSLContext: ") && l.contains(cause)).count();
        assertEquals(1, logged, all);
    }

    static Path sparse(Path dir, String name, long size) throws Exception {
        Path f = dir.resolve(name);
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.setLength(size);
        }
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        return f;
    }

    @Test
    void devZeroAsTheTable() throws Exception {
        assertFailsClosed(run(Path.of("/dev/zero")), "association table /dev/zero is a character device, not a regular"
                + " file");
    }

    @Test
    void aFifoAsTheTable() throws Exception {
        Path fifo = dir.resolve("fifo");
        Process p = new ProcessBuilder("mkfifo", "-m", "600", fifo.toString()).start();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0);
        assertFailsClosed(run(fifo), "association table " + fifo + " is a FIFO (named pipe), not a regular file");
    }

    @Test
    void aThreeGibTable() throws Exception {
        Path big = sparse(dir, "big", 3L << 30);
        assertFailsClosed(run(big), "association table " + big + " is too large (3221225472 octets); the limit for"
                + " this file is 64 MiB");
    }

    @Test
    void aDirectoryAsTheTable() throws Exception {
        assertFailsClosed(run(dir), "association table " + dir + " is a directory, not a regular file");
    }

    /**
     * Any Throwable, not only the expected ones: a table under the size limit still exhausts a 24 MiB heap.
     * The Default context records the OutOfMemoryError; init(null, null, null) rethrows it (a VM error is
     * not a configuration mistake) and leaves its context unusable.
     */
    @Test
    void anOutOfMemoryErrorWhileConfiguring() throws Exception {
        Path table = sparse(dir, "table", 48L << 20);
        List<String> out = run(table, "-Xmx24m");
        assertFailsClosed(out, "configuring the provider failed with java.lang.OutOfMemoryError",
                "init-null failed: [java.lang.OutOfMemoryError");
    }
}
