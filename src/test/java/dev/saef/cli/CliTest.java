package dev.saef.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saef.jsse.SaefProvider;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyManagementException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
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
        static EchoServer start(Path table, int accept, String... more) throws Exception {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int[] status = {-1};
            List<String> args = new ArrayList<>(List.of("server", "--port", "0", "--accept", Integer.toString(accept),
                    "--associations", table.toString()));
            args.addAll(List.of(more));
            Thread t = new Thread(() -> {
                try {
                    status[0] = Main.run(args.toArray(new String[0]), System.out,
                            new PrintStream(err, true, StandardCharsets.UTF_8));
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
        // step 4/5: an AE registers over CoAP/DTLS (TS-0008), bound and authorised like the HTTPS ones
        assertTrue(o.contains("CSE: CoAP POST /cse-base ty=2 RQI=coap-"), o);
        assertTrue(o.contains("over DTLS TLS_PSK_WITH_AES_128_CCM_8, KpsaID ae-coap@in.example.com, peer bound to"
                + " CAEcoap (configured, AE)"), o);
        assertTrue(o.contains("AE:  CoAP 2.01 CREATED, oneM2M-RSC 2001, server bound to /id-in (IdB),"
                + " Location cse-base/CAEcoap"), o);
        assertTrue(o.contains("AE:  CoAP 4.03 FORBIDDEN, oneM2M-RSC 4106"), o);
        assertFalse(o.contains("key=hex"), o);
    }

    /** Californium is optional: without it on the class path the demo runs its HTTPS part and says why not CoAP. */
    @Test
    void demoWithoutCaliforniumSkipsTheCoapPart(@TempDir Path dir) throws Exception {
        String cp = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> !e.contains("californium") && !e.contains("element-connector"))
                .collect(Collectors.joining(File.pathSeparator));
        Path out = dir.resolve("out.txt");
        Process p = new ProcessBuilder(Paths.get(System.getProperty("java.home"), "bin", "java").toString(), "-cp", cp,
                Main.class.getName(), "demo").redirectErrorStream(true).redirectOutput(out.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("saef demo did not exit within 60 s: " + Files.readString(out));
        }
        String o = Files.readString(out);
        assertEquals(0, p.exitValue(), o);
        assertTrue(o.contains("AE:  HTTP 201, X-M2M-RSC 2001"), o);
        assertTrue(o.contains("4) CoAP/DTLS: skipped, Eclipse Californium is not on the class path"), o);
        assertTrue(o.contains("SAEF demo: done"), o);
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
        assertEquals(rounds, server.log().lines().filter(l -> l.matches(
                "saef server: #\\d+ 127\\.0\\.0\\.1:\\d+: connection closed by the client \\(close_notify\\)"))
                .count(), server.log());
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

    // ------------------------------------------------------------------ issue 7 item 9: server limits

    /** A SAEF client (the CLI's own configuration path) that echoes one line through the server. */
    static String echoOnce(Path table, int port, String line) throws Exception {
        SSLContext ctx = Contexts.context(Contexts.configuration(Options.parse(new String[] {"--associations",
            table.toString()})));
        try (javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
            s.setSoTimeout(30_000);
            s.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
            s.getOutputStream().flush();
            byte[] buf = new byte[line.length() + 1];
            int n = 0;
            while (n < buf.length) {
                int r = s.getInputStream().read(buf, n, buf.length - n);
                if (r < 0) {
                    break;
                }
                n += r;
            }
            return new String(buf, 0, n, StandardCharsets.UTF_8);
        }
    }

    /** A certificate client's real ClientHello (SunJSSE), for a client that drips it. */
    static byte[] jdkClientHello() throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS", "SunJSSE");
        ctx.init(null, null, null);
        javax.net.ssl.SSLEngine e = ctx.createSSLEngine("example.org", 443);
        e.setUseClientMode(true);
        java.nio.ByteBuffer out = java.nio.ByteBuffer.allocate(e.getSession().getPacketBufferSize());
        e.wrap(java.nio.ByteBuffer.allocate(0), out);
        return java.util.Arrays.copyOf(out.array(), out.position());
    }

    /** @return milliseconds until the peer ends the connection (EOF or reset), reading and discarding */
    static long millisUntilClosed(java.net.Socket s, long since) throws Exception {
        s.setSoTimeout(60_000);
        try {
            while (s.getInputStream().read() >= 0) {
                // discard
            }
        } catch (java.net.SocketException reset) {
            // the server closed while we were still sending: a reset is an end too
        }
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since);
    }

    @Test
    void idleAndDrippingClientsDoNotBlockOthersAndAreDroppedAtTheHandshakeTimeout(@TempDir Path dir) throws Exception {
        Path t = table(dir);
        int handshakeTimeout = 10;
        EchoServer server = EchoServer.start(t, 1000, "--handshake-timeout", Integer.toString(handshakeTimeout),
                "--idle-timeout", "3");
        long start = System.nanoTime();
        byte[] hello = jdkClientHello();
        try (java.net.Socket idle = new java.net.Socket("127.0.0.1", server.port());
                java.net.Socket drip = new java.net.Socket("127.0.0.1", server.port())) {
            Thread dripper = new Thread(() -> {
                try {
                    for (byte b : hello) { // one byte every 100 ms: the whole hello would take a minute
                        drip.getOutputStream().write(b);
                        drip.getOutputStream().flush();
                        Thread.sleep(100);
                    }
                } catch (Exception stopped) {
                    // the server dropped us
                }
            }, "dripper");
            dripper.setDaemon(true);
            dripper.start();
            Thread.sleep(300); // both are being served (or block the server) before the real client comes

            // real clients are served while the idle and the dripping connection hang
            assertEquals("hello\n", echoOnce(t, server.port(), "hello"), server.log());
            assertEquals("again\n", echoOnce(t, server.port(), "again"), server.log());
            assertFalse(server.log().contains("dropped"), "the real clients were served only after the drops: "
                    + server.log());

            // ... and the two that never complete a handshake are dropped at the handshake timeout
            long idleMs = millisUntilClosed(idle, start);
            long dripMs = millisUntilClosed(drip, start);
            for (long ms : new long[] {idleMs, dripMs}) {
                assertTrue(ms >= handshakeTimeout * 1000L - 500 && ms < handshakeTimeout * 1000L + 10_000,
                        ms + " ms; " + server.log());
            }
            dripper.join(10_000);
        }
        assertEquals(2, server.log().lines().filter(l -> l.endsWith(
                ": dropped: no complete TLS handshake within 10 s (--handshake-timeout)")).count(), server.log());
        assertTrue(server.log().contains("#1 127.0.0.1:"), server.log());
    }

    @Test
    void theServerPicksUpANewAssociationWithoutRestart(@TempDir Path dir) throws Exception {
        Path t = table(dir);
        EchoServer server = EchoServer.start(t, 1000);
        assertTrue(server.log().contains("reload watch, JMX dev.saef:type=Associations,name="), server.log());
        String other = "ffeeddccbbaa99887766554433221100";
        Files.writeString(t, Files.readString(t) + "ae43@sp.example.com peer=CAE43 key=hex:" + other + "\n");
        Path clientTable = dir.resolve("client");
        Files.writeString(clientTable, "ae43@sp.example.com peer=/id-in address=127.0.0.1 key=hex:" + other + "\n");
        Files.setPosixFilePermissions(clientTable, PosixFilePermissions.fromString("rw-------"));
        SSLContext ctx = Contexts.context(Contexts.configuration(Options.parse(new String[] {"--associations",
            clientTable.toString()})));
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (true) {
            try (javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1",
                    server.port())) {
                s.startHandshake();
                break;
            } catch (javax.net.ssl.SSLException notYet) {
                assertTrue(System.nanoTime() < end, "ae43 not accepted within 2 s: " + server.log());
                Thread.sleep(50);
            }
        }
    }

    @Test
    void theServerSaysWhenReloadIsOff(@TempDir Path dir) throws Exception {
        EchoServer server = EchoServer.start(table(dir), 1000, "--reload", "off");
        assertTrue(server.log().contains(" associations, reload off;"), server.log());
    }

    @Test
    void aSilentClientIsDroppedAfterTheIdleTimeout(@TempDir Path dir) throws Exception {
        Path t = table(dir);
        EchoServer server = EchoServer.start(t, 1000, "--idle-timeout", "2");
        SSLContext ctx = Contexts.context(Contexts.configuration(Options.parse(new String[] {"--associations",
            t.toString()})));
        try (javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1",
                server.port())) {
            s.startHandshake();
            long handshaken = System.nanoTime();
            s.setSoTimeout(30_000);
            try {
                assertEquals(-1, s.getInputStream().read(), server.log());
            } catch (javax.net.ssl.SSLException | java.net.SocketException dropped) {
                // no close_notify from a dropped connection: the TLS socket says the stream was truncated
            }
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - handshaken);
            assertTrue(ms >= 1500 && ms < 15_000, ms + " ms; " + server.log());
        }
        // the server thread logs the drop after closing the socket: give it a moment
        String dropped = ": dropped: idle for 2 s: no data received, no write completed (--idle-timeout)";
        for (long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                !server.log().contains(dropped) && System.nanoTime() < end; ) {
            Thread.sleep(20);
        }
        assertTrue(server.log().contains(dropped), server.log());
    }

    @Test
    void atTheConnectionLimitNewClientsWaitForAFreeSlotWithALogLine(@TempDir Path dir) throws Exception {
        Path t = table(dir);
        EchoServer server = EchoServer.start(t, 1000, "--max-connections", "1", "--handshake-timeout", "3");
        try (java.net.Socket idle = new java.net.Socket("127.0.0.1", server.port())) {
            long start = System.nanoTime();
            for (int i = 0; i < 500 && !server.log().contains("--max-connections limit"); i++) {
                Thread.sleep(10);
            }
            assertTrue(server.log().contains("saef server: 1 connection(s) open, the --max-connections limit: new"
                    + " clients wait until one ends"), server.log());
            // the real client waits in the backlog until the idle connection is dropped, then is served
            assertEquals("hello\n", echoOnce(t, server.port(), "hello"), server.log());
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(ms >= 2500, ms + " ms: served before the slot was free? " + server.log());
            assertTrue(server.log().contains("#1 127.0.0.1:"), server.log());
        }
    }

    @Test
    void clientGivesUpOnAServerThatNeverAnswers(@TempDir Path dir) throws Exception {
        Path t = table(dir);
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 5, java.net.InetAddress.getLoopbackAddress())) {
            long start = System.nanoTime();
            Run r = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(30),
                    () -> run("client", "--connect", "127.0.0.1:" + silent.getLocalPort(), "--handshake-timeout", "2",
                            "--associations", t.toString()));
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals(1, r.status(), r.err());
            assertEquals("saef client: no complete TLS handshake within 2 s (--handshake-timeout)", r.err().strip());
            assertTrue(ms >= 1500, ms + " ms");
        }
    }

    // ------------------------------------------------------------------ issue 7 item 10: CLI mistakes

    /** A usage error: exit 2, one line {@code saef CMD: message}, no stack trace. */
    static void assertUsageError(Run r, String line) {
        assertEquals(2, r.status(), r.err());
        assertEquals(List.of(line), r.err().lines().toList());
    }

    @Test
    void portsOutOfRangeAreUsageErrors(@TempDir Path dir) throws Exception {
        Path t = table(dir);
        assertUsageError(run("server", "--port", "70000", "--associations", t.toString()),
                "saef server: --port: the port must be a number from 0 to 65535, not '70000'");
        assertUsageError(run("server", "--port", "-1", "--associations", t.toString()),
                "saef server: --port: the port must be a number from 0 to 65535, not '-1'");
        assertUsageError(run("client", "--connect", "127.0.0.1:65536", "--associations", t.toString()),
                "saef client: --connect 127.0.0.1:65536: the port must be a number from 1 to 65535, not '65536'");
        assertUsageError(run("client", "--connect", "127.0.0.1:0", "--associations", t.toString()),
                "saef client: --connect 127.0.0.1:0: the port must be a number from 1 to 65535, not '0'");
        assertUsageError(run("server", "--port", "0", "--handshake-timeout", "0", "--associations", t.toString()),
                "saef server: --handshake-timeout takes seconds from 1 to 86400, not 0");
        assertUsageError(run("server", "--port", "0", "--max-connections", "0", "--associations", t.toString()),
                "saef server: --max-connections takes a number of connections from 1 to 10000, not 0");
    }

    @Test
    void keysAddRefusesEmptyShortAndNonHexKeysWithOneLine(@TempDir Path dir) throws Exception {
        Path store = dir.resolve("kpsa.p12");
        String why = "128 bits, the strength of the profile's AES-128 suites: a recorded PSK handshake lets an"
                + " attacker test key guesses offline";
        String[] add = {"keys", "add", "--keystore", store.toString(), "--keystore-password-env", "STOREPW",
            "--kpsa-id", "ae42@sp.example.com", "--key-env", "KEYHEX"};
        Run r = runJava(dir, "", Map.of("STOREPW", "pw", "KEYHEX", ""), add);
        assertUsageError(r, "saef keys: environment variable KEYHEX (--key-env) is empty; it must hold the key in hex,"
                + " 16..512 octets");
        r = runJava(dir, "", Map.of("STOREPW", "pw", "KEYHEX", "0f"), add);
        assertUsageError(r, "saef keys: --key-env: the key in KEYHEX has 1 octets; a Kpsa needs 16..512 (" + why + ")");
        r = runJava(dir, "", Map.of("STOREPW", "pw", "KEYHEX", KEY_HEX.substring(2)), add);
        assertUsageError(r, "saef keys: --key-env: the key in KEYHEX has 15 octets; a Kpsa needs 16..512 (" + why + ")");
        r = runJava(dir, "", Map.of("STOREPW", "pw", "KEYHEX", "zz" + KEY_HEX), add);
        assertUsageError(r, "saef keys: --key-env: KEYHEX must hold the key in hex (an even number of digits 0-9, a-f),"
                + " 16..512 octets");
        r = runJava(dir, "", Map.of("STOREPW", "pw"), "keys", "add", "--keystore", store.toString(),
                "--keystore-password-env", "STOREPW", "--kpsa-id", "ae42@sp.example.com", "--generate", "8");
        assertUsageError(r, "saef keys: --generate takes 16..512 octets, not 8 (" + why + ")");
        assertFalse(Files.exists(store), "nothing stored");
        // 16 octets: accepted, as --generate 16 is
        r = runJava(dir, "", Map.of("STOREPW", "pw", "KEYHEX", KEY_HEX), add);
        assertEquals(0, r.status(), r.err());
    }
}
