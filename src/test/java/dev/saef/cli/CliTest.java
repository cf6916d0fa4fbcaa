package dev.saef.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saef.jsse.SaefProvider;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyManagementException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code saef} command: the demo (the README's main job), client and server (real sockets and
 * handshakes; the client also as its own JVM with piped stdin, as {@code echo hello | java -jar ...}),
 * check and keys.
 */
@Timeout(120)
class CliTest {

    private static final String KEY_HEX = "00112233445566778899aabbccddeeff";
    private static final Pattern LISTENING = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+) ");

    record Run(int status, String out, String err) {
    }

    /** A {@code saef server} running in this JVM on an ephemeral port. */
    record EchoServer(Thread thread, int[] status, ByteArrayOutputStream err, int port) {
        static EchoServer start(Path table, int accept) throws Exception {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int[] status = {-1};
            Thread t = new Thread(() -> {
                try {
                    status[0] = Main.run(new String[] {"server", "--port", "0", "--accept", Integer.toString(accept),
                        "--associations", table.toString()}, System.out, new PrintStream(err, true, StandardCharsets.UTF_8));
                } catch (Exception e) {
                    e.printStackTrace(new PrintStream(err, true, StandardCharsets.UTF_8));
                }
            }, "saef-server");
            t.setDaemon(true);
            t.start();
            for (int i = 0; i < 3000; i++) {
                Matcher m = LISTENING.matcher(err.toString(StandardCharsets.UTF_8));
                if (m.find()) {
                    return new EchoServer(t, status, err, Integer.parseInt(m.group(1)));
                }
                assertTrue(t.isAlive(), () -> "server ended: " + err.toString(StandardCharsets.UTF_8));
                Thread.sleep(10);
            }
            throw new AssertionError("server did not start: " + err.toString(StandardCharsets.UTF_8));
        }

        String log() {
            return err.toString(StandardCharsets.UTF_8);
        }
    }

    static Run run(String... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Runs {@code saef} in its own JVM (so stdin, stdout and the exit status are the process's). */
    static Run runJava(Path dir, String stdin, Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(dir, "stdout", ".txt");
        Path err = Files.createTempFile(dir, "stderr", ".txt");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        try (OutputStream in = p.getOutputStream()) {
            in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("saef " + args[0] + " did not exit within 60 s; stderr: " + Files.readString(err));
        }
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    /** A 600 table with one association (inline key) for a client and a server on 127.0.0.1. */
    static Path table(Path dir) throws Exception {
        Path t = dir.resolve("assoc");
        Files.writeString(t, "ae42@sp.example.com peer=/id-in address=127.0.0.1 key=hex:" + KEY_HEX + "\n");
        Files.setPosixFilePermissions(t, PosixFilePermissions.fromString("rw-------"));
        return t;
    }

    interface Body {
        void run() throws Exception;
    }

    static void withProperty(String name, String value, Body body) throws Exception {
        String before = System.getProperty(name);
        System.setProperty(name, value);
        try {
            body.run();
        } finally {
            if (before == null) {
                System.clearProperty(name);
            } else {
                System.setProperty(name, before);
            }
        }
    }

    /** A clean configuration error: one line "saef CMD: ..." on stderr, status 1, no trace, no key. */
    static void assertConfigError(Run r, String command, String message) {
        assertEquals(1, r.status(), r.err());
        assertTrue(r.err().startsWith("saef " + command + ": " + message), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertFalse(r.err().contains("Exception"), r.err());
        assertFalse(r.err().contains(KEY_HEX.substring(0, 8)), r.err());
    }

    @Test
    void demoRunsPskSaefEndToEnd() throws Exception {
        Run r = run("demo");
        assertEquals(0, r.status(), r.err());
        String o = r.out();
        assertTrue(o.contains("KpsaID ae-demo@in.example.com, peer bound to CAEdemo (configured, AE)"), o);
        assertTrue(o.contains("peer bound to 12-ae-new@in.example.com (Credential-ID, clause 10.4)"), o);
        assertTrue(o.contains("server bound to /id-in (IdB)"), o);
        assertTrue(o.contains("From=CAEother -> ORIGINATOR_NOT_AUTHENTICATED (4106)"), o);
        assertTrue(o.contains("AE:  HTTP 201, X-M2M-RSC 2001"), o);
        assertTrue(o.contains("AE:  HTTP 403, X-M2M-RSC 4106"), o);
        assertTrue(o.contains("TLS_PSK_WITH_"), o);
        assertFalse(o.contains("key=hex"), o);
    }

    @Test
    void checkListsAssociationsWithoutKeys(@TempDir Path dir) throws Exception {
        Path t = dir.resolve("associations");
        Files.writeString(t, "ae42@sp.example.com peer=/id-in address=cse.example.net:8443"
                + " key=hex:00112233445566778899aabbccddeeff\nnode7@mef.example.com peer=CAE-node7"
                + " key=base64:ABEiM0RVZneImaq7zN3u/w==\n");
        Files.setPosixFilePermissions(t, PosixFilePermissions.fromString("rw-------"));
        Run r = run("check", "--associations", t.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("ae42@sp.example.com"), r.out());
        assertTrue(r.out().contains("cse.example.net:8443"), r.out());
        assertTrue(r.out().contains("2 association(s), configuration OK"), r.out());
        assertFalse(r.out().contains("00112233"), r.out());
        assertFalse(r.out().contains("ABEiM0RV"), r.out());

        Files.setPosixFilePermissions(t, PosixFilePermissions.fromString("rw-r--r--"));
        r = run("check", "--associations", t.toString());
        assertEquals(1, r.status());
        assertTrue(r.err().contains("chmod 600 " + t), r.err());
    }

    @Test
    void unknownCommandIsAUsageError() throws Exception {
        Run r = run("frobnicate");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("unknown command 'frobnicate'"), r.err());
    }

    @Test
    void clientPrintsTheEchoAfterStdinEndsAndExitsCleanly(@TempDir Path dir) throws Exception {
        Path t = table(dir);
        int rounds = 5;
        EchoServer server = EchoServer.start(t, rounds);
        for (int i = 0; i < rounds; i++) {
            Run r = runJava(dir, "hello\n", Map.of(), "client", "--connect", "127.0.0.1:" + server.port(),
                    "--associations", t.toString(), "--wait", "2");
            assertEquals(0, r.status(), "round " + i + ": " + r.err());
            assertEquals("hello\n", r.out(), "round " + i + ": " + r.err());
            assertTrue(r.err().contains("KpsaID ae42@sp.example.com"), r.err());
        }
        server.thread().join(30_000);
        assertFalse(server.thread().isAlive(), server.log());
        assertEquals(0, server.status()[0], server.log());
        // every connection ended by the client's close_notify, none by an error
        assertEquals(rounds, server.log().lines().filter(l -> l.equals(
                "saef server: connection closed by the client (close_notify)")).count(), server.log());
        assertFalse(server.log().contains("connection ended"), server.log());
    }

    @Test
    void clientAndServerReportConfigurationErrorsWithoutAStackTrace(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("missing");
        assertConfigError(run("client", "--connect", "127.0.0.1:9", "--associations", missing.toString()), "client",
                "association table " + missing + " does not exist");
        assertConfigError(run("server", "--port", "0", "--associations", dir.toString()), "server",
                "association table " + dir + " is a directory");

        Path t = table(dir);
        Files.setPosixFilePermissions(t, PosixFilePermissions.fromString("rw-r--r--"));
        assertConfigError(run("server", "--port", "0", "--associations", t.toString()), "server",
                "association table " + t + " contains inline keys");
        assertConfigError(run("client", "--connect", "127.0.0.1:9", "--associations", t.toString()), "client",
                "association table " + t + " contains inline keys");

        Path bad = dir.resolve("bad");
        Files.writeString(bad, "bad peer=/id-in key=hex:" + KEY_HEX + "\n");
        Files.setPosixFilePermissions(bad, PosixFilePermissions.fromString("rw-------"));
        assertConfigError(run("client", "--connect", "127.0.0.1:9", "--associations", bad.toString()), "client",
                bad + ":1: bad KpsaID");

        Files.setPosixFilePermissions(t, PosixFilePermissions.fromString("rw-------"));
        withProperty("saef.cipherSuites", "TLS_PSK_WITH_NULL_SHA256", () -> {
            String why = "saef.cipherSuites: cipher suite TLS_PSK_WITH_NULL_SHA256 is insecure and not allowed by SAEF";
            assertConfigError(run("client", "--connect", "127.0.0.1:9", "--associations", t.toString()), "client", why);
            assertConfigError(run("server", "--port", "0", "--associations", t.toString()), "server", why);
        });
    }

    @Test
    void checkRefusesWhatTheProviderRefusesWithTheSameMessage(@TempDir Path dir) throws Exception {
        Path t = table(dir);
        for (String[] setting : new String[][] {
            {"saef.cipherSuites", "TLS_PSK_WITH_NULL_SHA256"},
            {"saef.cipherSuites", "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256"},
            {"saef.cipherSuites", " , "},
        }) {
            withProperty(setting[0], setting[1], () -> {
                KeyManagementException refused = assertThrows(KeyManagementException.class,
                        () -> SSLContext.getInstance("TLS", new SaefProvider()).init(null, null, null));
                Run r = run("check", "--associations", t.toString());
                assertEquals(1, r.status(), r.out());
                assertEquals("saef check: " + refused.getCause().getMessage(), r.err().strip());
                assertFalse(r.out().contains("configuration OK"), r.out());
            });
        }
        // what the provider accepts, check accepts
        withProperty("saef.enableEcdhePsk", "true", () -> withProperty("saef.cipherSuites",
                "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256", () -> {
                    Run r = run("check", "--associations", t.toString());
                    assertEquals(0, r.status(), r.err());
                    assertTrue(r.out().contains("1 association(s), configuration OK"), r.out());
                }));
    }

    @Test
    void keysListPrintsTheExactCaseKpsaIds(@TempDir Path dir) throws Exception {
        Path store = dir.resolve("kpsa.p12");
        Map<String, String> env = Map.of("STOREPW", "store-secret", "KEYHEX", KEY_HEX);
        Run r = runJava(dir, "", env, "keys", "add", "--keystore", store.toString(), "--keystore-password-env",
                "STOREPW", "--kpsa-id", "AE123-LOCK@in.provider.com", "--key-env", "KEYHEX");
        assertEquals(0, r.status(), r.err());
        r = runJava(dir, "", env, "keys", "add", "--keystore", store.toString(), "--keystore-password-env",
                "STOREPW", "--kpsa-id", "node7@mef.example.com", "--generate", "16");
        assertEquals(0, r.status(), r.err());
        r = runJava(dir, "", env, "keys", "list", "--keystore", store.toString(), "--keystore-password-env", "STOREPW");
        assertEquals(0, r.status(), r.err());
        assertEquals(List.of("AE123-LOCK@in.provider.com", "node7@mef.example.com"), r.out().lines().toList());
        assertFalse(r.out().toLowerCase(java.util.Locale.ROOT).contains(KEY_HEX.substring(0, 8)), r.out());
        // command-line mistakes: exit 2 with the reason
        r = runJava(dir, "", env, "keys", "add", "--keystore", store.toString(), "--keystore-password-env", "STOREPW",
                "--kpsa-id", "no-at-sign", "--generate", "16");
        assertEquals(2, r.status(), r.err());
        assertTrue(r.err().startsWith("saef keys: --kpsa-id: "), r.err());
        r = runJava(dir, "", env, "keys", "add", "--keystore", store.toString(), "--keystore-password-env", "STOREPW",
                "--kpsa-id", "a@b.example", "--identity-mode", "loose", "--generate", "16");
        assertEquals(2, r.status(), r.err());
        assertEquals("saef keys: --identity-mode: 'loose' is not allowed; use strict or lenient", r.err().strip());
        // a wrong store password: one line with the reason, no stack trace
        r = runJava(dir, "", Map.of("STOREPW", "not-the-password"), "keys", "list", "--keystore", store.toString(),
                "--keystore-password-env", "STOREPW");
        assertEquals(1, r.status(), r.err());
        assertEquals(List.of("saef keys: key store " + store + ": wrong password in STOREPW (or the file is damaged)"),
                r.err().lines().toList());
    }

    @Test
    void serverPortInUseIsOneLine(@TempDir Path dir) throws Exception {
        try (java.net.ServerSocket busy = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Path t = dir.resolve("t");
            java.nio.file.Files.writeString(t, "ae42@sp.example.com peer=CAE1 key=hex:" + KEY_HEX + "\n");
            java.nio.file.Files.setPosixFilePermissions(t, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            Run r = run("server", "--port", String.valueOf(busy.getLocalPort()), "--associations", t.toString());
            assertEquals(1, r.status(), r.err());
            assertTrue(r.err().startsWith("saef server: Address already in use"), r.err());
            assertFalse(r.err().contains("\tat "), r.err());
        }
    }
}
