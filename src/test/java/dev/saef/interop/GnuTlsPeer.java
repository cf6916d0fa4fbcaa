package dev.saef.interop;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saef.profile.CipherSuiteInfo;
import dev.saef.profile.SuiteProfile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GnuTLS as interop peer: {@code gnutls-serv --echo} and {@code gnutls-cli}, each with a priority string
 * that enables exactly one suite ({@link GnuTlsSuites#priority}). How they are driven (loopback, port
 * discovery, stdbuf, timeout, no core files) is described in {@link GnuTlsInteropTest}; their reports are
 * read from gnutls-serv's and gnutls-cli's session printouts ({@code - Version:}, {@code - Options:},
 * {@code - Description:}, ...) and received-alert lines.
 */
final class GnuTlsPeer implements InteropPeer {

    static final Duration WAIT = InteropScenarios.WAIT;

    /** Exit status of a process killed by SIGSEGV, as {@link Process#exitValue()} reports it on Linux. */
    static final int SIGSEGV_EXIT = 128 + 11;

    static final Pattern DESCRIPTION = Pattern.compile("(?m)^- Description: (.*)$");

    private static final Pattern LISTENING = Pattern.compile("listening on IPv4 \\S+ port 0\\.\\.\\.done");
    private static final Pattern ACCEPTED = Pattern.compile("(?m)^\\* Accepted connection from (\\S+) (\\S+) port ");
    private static final Pattern OPTIONS = Pattern.compile("(?m)^- Options: (.*)$");
    private static final Pattern HANDSHAKE_REPORTED = Pattern.compile("(?m)^- Options: [^\n]*\n");

    private final Path gnutlsCli;
    private final Path gnutlsServ;
    private final Path stdbuf;
    private final Path timeout;
    private final GnuTlsSuites suites;
    private final Consumer<AutoCloseable> track;

    /**
     * @param track receives every process and file started or written, for the test to stop or remove
     *     after each test
     */
    GnuTlsPeer(Path gnutlsCli, Path gnutlsServ, Path stdbuf, Path timeout, GnuTlsSuites suites,
            Consumer<AutoCloseable> track) {
        this.gnutlsCli = gnutlsCli;
        this.gnutlsServ = gnutlsServ;
        this.stdbuf = stdbuf;
        this.timeout = timeout;
        this.suites = suites;
        this.track = track;
    }

    @Override
    public String name() {
        return "GnuTLS";
    }

    @Override
    public String version() {
        return suites.version();
    }

    @Override
    public Optional<String> suiteName(String suite) {
        return GnuTlsSuites.gnutlsName(suite);
    }

    @Override
    public boolean supports(InteropScenario scenario) {
        return true;
    }

    /** {@code gnutls-serv --echo} sends each line back unchanged. */
    @Override
    public String answer(String line) {
        return line;
    }

    @Override
    public Server server(String suite, String identity, String keyHex) throws Exception {
        return gnutlsServ(GnuTlsSuites.priority(suiteName(suite).orElseThrow()), identity + ":" + keyHex);
    }

    @Override
    public ClientRun client(int port, String suite, String identity, String keyHex, boolean sendLine)
            throws Exception {
        PeerProcess p = gnutlsCli(port, GnuTlsSuites.priority(suiteName(suite).orElseThrow()), identity, keyHex);
        boolean echoed = false;
        if (sendLine) {
            // Sends one line and waits until the echo shows up on its stdout; or, if gnutls-cli exits
            // first (the known crash, see GnuTlsInteropTest), reports that nothing was echoed.
            String line = "GnuTLS to SAEF " + Long.toHexString(new Random().nextLong());
            try {
                p.send(line + "\n");
            } catch (IOException e) {
                // gnutls-cli is already gone: judged by assertClientCompleted
            }
            echoed = p.pollStdout(Pattern.compile("(?m)^" + Pattern.quote(line) + "$"), WAIT).isPresent();
        }
        p.closeStdin();
        return new ClientRun(p, p.awaitExit(WAIT), echoed);
    }

    @Override
    public void assertServerCompleted(Server srv, InteropScenario s, String identity) throws Exception {
        String name = suiteName(s.suite()).orElseThrow();
        String out = stop(srv);
        String why = srv.process().describe();
        assertOneLoopbackConnection(srv);
        assertAll(
                () -> assertTrue(out.contains("- PSK authentication. Connected as '" + identity + "'\n"),
                        "gnutls-serv's accepted identity\n" + why),
                () -> assertTrue(out.contains("- Version: TLS1.2\n"), why),
                () -> assertTrue(out.contains("- Key Exchange: " + GnuTlsSuites.keyExchange(name) + "\n"), why),
                () -> assertTrue(out.contains("- Cipher: " + GnuTlsSuites.cipher(name) + "\n"), why),
                () -> assertTrue(out.contains("- MAC: " + GnuTlsSuites.mac(name) + "\n"), why),
                () -> assertTrue(options(out).contains("extended master secret"),
                        "GnuTLS did not negotiate the extended master secret\n" + why),
                () -> assertEquals(s.isCbc(), options(out).contains("EtM"),
                        "encrypt-then-MAC is negotiated exactly for CBC suites\n" + why),
                () -> assertFalse(srv.process().stderr().contains("Error in handshake"), why));
    }

    @Override
    public void assertServerRefused(Server srv, Refusal refusal) throws Exception {
        String out = stop(srv);
        String why = srv.process().describe();
        assertOneLoopbackConnection(srv);
        String expected = switch (refusal) {
            case FINISHED_FAILED -> "Error in handshake: Decryption has failed.";
            case NO_SHARED_SUITE -> "Error in handshake: No supported cipher suites have been found.";
            default -> throw new IllegalArgumentException(refusal + " is a client's refusal");
        };
        assertTrue(srv.process().stderr().contains(expected), why);
        assertFalse(out.contains("Connected as"), "gnutls-serv accepted the handshake\n" + why);
    }

    @Override
    public Optional<String> assertClientCompleted(ClientRun run, InteropScenario s, String identity,
            SaefEchoServer.Outcome saefSide) {
        String name = suiteName(s.suite()).orElseThrow();
        String out = run.process().stdout();
        String why = run.process().describe();
        // Printed by gnutls-cli only after gnutls_handshake() succeeded (that is, after it verified our Finished).
        Matcher d = DESCRIPTION.matcher(out);
        assertTrue(d.find(), () -> "gnutls-cli did not report a completed handshake\n" + why);
        String description = d.group(1);
        assertTrue(description.matches(expectedDescription(name)),
                () -> "gnutls-cli's session: " + description + ", expected /" + expectedDescription(name) + "/\n" + why);
        if (run.echoed()) {
            assertAll(
                    () -> assertNull(saefSide.laterFailure(), () -> "echo/close failed on our side: "
                            + saefSide.laterFailure() + "\n" + why),
                    () -> assertTrue(options(out).contains("extended master secret"), "no EMS per gnutls-cli\n" + why),
                    () -> assertEquals(s.isCbc(), options(out).contains("EtM"),
                            "encrypt-then-MAC is negotiated exactly for CBC suites\n" + why),
                    () -> assertEquals(0, run.exitCode(), "gnutls-cli exit code\n" + why));
            return Optional.empty();
        }
        // No echo: only the known gnutls-cli 3.7.9 crash after (EC)DHE_PSK handshakes is accepted.
        CipherSuiteInfo.KeyExchange kx = SuiteProfile.byName(s.suite()).orElseThrow().keyExchange();
        assertTrue(kx != CipherSuiteInfo.KeyExchange.PSK && run.exitCode() == SIGSEGV_EXIT,
                () -> "gnutls-cli ended (exit " + run.exitCode() + ") without echoing\n" + why);
        assertNotNull(saefSide.laterFailure(), "our side saw the connection drop without close_notify");
        return Optional.of(String.format(Locale.ROOT,
                "peer bug: gnutls-cli %s crashes (SIGSEGV) after the %s handshake, before sending application data"
                        + " (handshake itself verified: gnutls-cli reported %s once its handshake had succeeded; the"
                        + " SAEF server completed it, extended master secret included, and bound the session to %s;"
                        + " no data exchanged)",
                suites.version(), kx.name(), description, principalName(saefSide)));
    }

    private static String principalName(SaefEchoServer.Outcome o) {
        try {
            return o.session().getPeerPrincipal().getName();
        } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
            throw new AssertionError("the SAEF session has no peer", e);
        }
    }

    @Override
    public void assertClientRefused(ClientRun run, Refusal refusal) {
        String expected = switch (refusal) {
            case GOT_BAD_RECORD_MAC -> "*** Received alert [20]: Bad record MAC";
            case GOT_UNKNOWN_PSK_IDENTITY -> "*** Received alert [115]: The SRP/PSK username is missing or not known";
            case GOT_HANDSHAKE_FAILURE -> "*** Received alert [40]: Handshake failed";
            default -> throw new IllegalArgumentException(refusal + " is a server's refusal");
        };
        String why = run.process().describe();
        assertTrue(run.process().stdout().contains(expected), why);
        // gnutls-cli prints its session description only after a successful handshake
        assertFalse(DESCRIPTION.matcher(run.process().stdout()).find(), why);
        assertEquals(1, run.exitCode(), why);
    }

    // ------------------------------------------- command lines (also used by the GnuTLS-only tests)

    /**
     * Starts {@code gnutls-serv --echo} with a PSK file holding {@code pskLines} on an ephemeral port
     * (all interfaces: gnutls-serv has no bind-address option) and finds that port.
     */
    Server gnutlsServ(String priority, String pskLines) throws Exception {
        Path psk = Files.createTempFile("saef-gnutls-psk", ".txt");
        track.accept(() -> Files.deleteIfExists(psk));
        Files.writeString(psk, pskLines + "\n", StandardCharsets.US_ASCII);
        // timeout: gnutls-serv never exits by itself and listens on all interfaces; should this JVM die
        // before closing it, it still ends within a minute. stdbuf: line-buffered stdout, else gnutls-serv
        // may lose its buffered report when it is stopped.
        List<String> cmd = List.of(timeout.toString(), "-k", "2", "60", stdbuf.toString(), "-oL", gnutlsServ.toString(),
                "--port", "0", "--pskpasswd", psk.toString(), "--priority", priority, "--echo");
        PeerProcess p = PeerProcess.start("gnutls-serv", cmd, Map.of());
        track.accept(p);
        p.awaitStderr(LISTENING, WAIT);
        long deadline = System.nanoTime() + WAIT.toNanos();
        List<Integer> ports = p.listeningTcpPorts();
        while (ports.isEmpty() && System.nanoTime() < deadline && p.isAlive()) {
            Thread.sleep(10);
            ports = p.listeningTcpPorts();
        }
        assertEquals(1, ports.size(), "gnutls-serv's IPv4 listening ports " + ports + "\n" + p.describe());
        return new Server(p, ports.get(0));
    }

    /**
     * Waits until gnutls-serv has reported the handshake (its {@code - Options:} line after a
     * successful one, {@code Error in handshake} after a failed one), then stops it (SIGTERM).
     *
     * @return its stdout
     */
    static String stop(Server srv) throws InterruptedException {
        PeerProcess p = srv.process();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!HANDSHAKE_REPORTED.matcher(p.stdout()).find() && !p.stderr().contains("Error in handshake")
                && System.nanoTime() < deadline && p.isAlive()) {
            Thread.sleep(10);
        }
        // stdout and stderr are read by separate threads: the "Accepted connection" line on stdout may
        // still be in transit when "Error in handshake" shows on stderr
        long acceptDeadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(3);
        while (!ACCEPTED.matcher(p.stdout()).find() && System.nanoTime() < acceptDeadline && p.isAlive()) {
            Thread.sleep(10);
        }
        p.stop(WAIT);
        return p.stdout();
    }

    /** gnutls-serv listens on all interfaces: it must have served exactly our one connection, from 127.0.0.1. */
    static void assertOneLoopbackConnection(Server srv) {
        String out = srv.process().stdout();
        Matcher m = ACCEPTED.matcher(out);
        List<String> from = new ArrayList<>();
        while (m.find()) {
            from.add(m.group(1) + " " + m.group(2));
        }
        assertEquals(List.of("IPv4 127.0.0.1"), from, "connections gnutls-serv accepted\n" + srv.process().describe());
    }

    /**
     * Starts {@code gnutls-cli} against 127.0.0.1:port, with line-buffered stdout (stdbuf) and without
     * core files (it may crash, see {@link GnuTlsInteropTest}).
     */
    PeerProcess gnutlsCli(int port, String priority, String identity, String keyHex) throws IOException {
        List<String> cmd = List.of("/bin/sh", "-c", "ulimit -c 0; exec \"$@\"", "sh", stdbuf.toString(), "-oL",
                gnutlsCli.toString(), "--port", Integer.toString(port), "--pskusername", identity, "--pskkey", keyHex,
                "--priority", priority, "127.0.0.1");
        PeerProcess p = PeerProcess.start("gnutls-cli", cmd, Map.of());
        track.accept(p);
        return p;
    }

    /** @return the text of gnutls's {@code - Options:} line (e.g. "extended master secret, safe renegotiation, EtM,") */
    static String options(String out) {
        Matcher m = OPTIONS.matcher(out);
        return m.find() ? m.group(1) : "";
    }

    /**
     * @return a pattern for gnutls-cli's {@code - Description:} of the suite, e.g.
     *     {@code (TLS1.2-X.509)-(DHE-FFDHE2048)-(AES-128-CBC)-(SHA256)}; the (EC)DHE group is SAEF's choice
     */
    static String expectedDescription(String gnutlsName) {
        String kx = switch (GnuTlsSuites.keyExchange(gnutlsName)) {
            case "PSK" -> "PSK";
            case "DHE-PSK" -> "DHE-FFDHE\\d+";
            default -> "ECDHE-[A-Z0-9]+";
        };
        String mac = GnuTlsSuites.mac(gnutlsName);
        return Pattern.quote("(TLS1.2-X.509)-(") + kx + Pattern.quote(")-(" + GnuTlsSuites.cipher(gnutlsName) + ")"
                + (mac.equals("AEAD") ? "" : "-(" + mac + ")"));
    }
}
