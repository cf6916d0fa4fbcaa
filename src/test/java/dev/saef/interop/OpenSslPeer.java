package dev.saef.interop;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saef.profile.SuiteProfile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * OpenSSL as interop peer: {@code openssl s_server -rev} (line-reversing echo, {@code -trace} on stdout,
 * one connection on an ephemeral 127.0.0.1 port that OpenSSL itself reports: no race) and
 * {@code openssl s_client}; {@code -tls1_2}, {@code -cipher} with the one suite, {@code -psk} and
 * {@code -psk_identity}. Its reports are read from s_server's stderr summary and trace and from
 * s_client's session printout.
 */
final class OpenSslPeer implements InteropPeer {

    static final Duration WAIT = InteropScenarios.WAIT;

    private static final Pattern ACCEPT = Pattern.compile("(?m)^ACCEPT 127\\.0\\.0\\.1:(\\d+)\\s*$");

    private final Path openssl;
    private final OpenSslSuites suites;
    private final Consumer<AutoCloseable> track;

    /**
     * @param track receives every process started, for the test to stop after each test
     */
    OpenSslPeer(Path openssl, OpenSslSuites suites, Consumer<AutoCloseable> track) {
        this.openssl = openssl;
        this.suites = suites;
        this.track = track;
    }

    @Override
    public String name() {
        return "OpenSSL";
    }

    @Override
    public String version() {
        return suites.versionNumber();
    }

    @Override
    public Optional<String> suiteName(String suite) {
        return OpenSslSuites.opensslName(suite);
    }

    /** s_server accepts any psk_identity (a differing one only makes it print a warning): it cannot hide one. */
    @Override
    public boolean supports(InteropScenario s) {
        return !(s.kase() == InteropScenario.Case.UNKNOWN_IDENTITY_HIDDEN && s.saefRole() == InteropScenario.Role.CLIENT);
    }

    /** {@code s_server -rev} answers each line reversed. */
    @Override
    public String answer(String line) {
        return new StringBuilder(line).reverse().toString();
    }

    @Override
    public Server server(String suite, String identity, String keyHex) throws Exception {
        return sServer(suiteName(suite).orElseThrow(), keyHex, identity, List.of());
    }

    @Override
    public ClientRun client(int port, String suite, String identity, String keyHex, boolean sendLine)
            throws Exception {
        String cipher = suiteName(suite).orElseThrow();
        if (sendLine) {
            return sClientRoundTrip(port, cipher, keyHex, identity, List.of("-noservername"));
        }
        PeerProcess p = sClient(port, cipher, keyHex, identity, List.of("-noservername"));
        p.closeStdin();
        return new ClientRun(p, p.awaitExit(WAIT), false);
    }

    @Override
    public void assertServerCompleted(Server srv, InteropScenario s, String identity) throws Exception {
        String name = suiteName(s.suite()).orElseThrow();
        int rc = srv.process().awaitExit(WAIT);
        String out = srv.process().stdout();
        String err = srv.process().stderr();
        String why = srv.process().describe();
        assertAll(
                () -> assertTrue(err.contains("Ciphersuite: " + name + "\n"), "s_server's negotiated suite\n" + why),
                () -> assertTrue(err.contains("Protocol version: TLSv1.2"), why),
                () -> assertFalse(out.contains("PSK warning"), "s_server received another identity\n" + why),
                () -> assertTrue(out.contains("psk_identity (len=" + identity.length() + "): " + hex(identity)), why),
                () -> assertTrue(serverHello(out).contains(codeText(s.suite())), "ServerHello code point\n" + why),
                () -> assertTrue(serverHello(out).contains("extended_master_secret(23)"),
                        "OpenSSL did not negotiate the extended master secret\n" + why),
                () -> assertEquals(0, rc, "s_server exit code\n" + why));
    }

    @Override
    public void assertServerRefused(Server srv, Refusal refusal) throws Exception {
        srv.process().awaitExit(WAIT);
        String expected = switch (refusal) {
            case FINISHED_FAILED -> "bad record mac";
            case NO_SHARED_SUITE -> "no shared cipher";
            default -> throw new IllegalArgumentException(refusal + " is a client's refusal");
        };
        assertTrue(srv.process().stderr().contains(expected), srv.process().describe());
    }

    @Override
    public Optional<String> assertClientCompleted(ClientRun run, InteropScenario s, String identity,
            SaefEchoServer.Outcome saefSide) {
        String name = suiteName(s.suite()).orElseThrow();
        String out = run.process().stdout();
        String why = run.process().describe();
        assertNull(saefSide.laterFailure(), () -> "echo/close failed on our side: " + saefSide.laterFailure() + "\n"
                + why);
        assertAll(
                () -> assertTrue(out.contains("Cipher is " + name + "\n"), "s_client's negotiated suite\n" + why),
                () -> assertTrue(out.contains("Protocol  : TLSv1.2"), why),
                () -> assertTrue(out.contains("Extended master secret: yes"), "no EMS per s_client\n" + why),
                () -> assertTrue(out.contains("PSK identity: " + identity + "\n"), why),
                () -> assertEquals(0, run.exitCode(), "s_client exit code\n" + why));
        return Optional.empty();
    }

    @Override
    public void assertClientRefused(ClientRun run, Refusal refusal) {
        String expected = switch (refusal) {
            case GOT_BAD_RECORD_MAC -> "alert bad record mac";
            case GOT_UNKNOWN_PSK_IDENTITY -> "alert unknown psk identity";
            case GOT_HANDSHAKE_FAILURE -> "alert handshake failure";
            default -> throw new IllegalArgumentException(refusal + " is a server's refusal");
        };
        String why = run.process().describe();
        assertTrue(run.process().stderr().contains(expected), why);
        assertTrue(run.exitCode() != 0, why);
    }

    // ------------------------------------------- command lines (also used by the OpenSSL-only tests)

    /**
     * Starts {@code s_server} in line-reversing echo mode ({@code -rev}) for one connection on an
     * ephemeral 127.0.0.1 port (OpenSSL reports the port it bound: no race), with {@code -trace} on
     * stdout, and waits until it accepts.
     */
    Server sServer(String cipher, String keyHex, String identity, List<String> extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("s_server", "-4", "-accept", "127.0.0.1:0", "-naccept", "1",
                "-nocert", "-tls1_2", "-cipher", cipher, "-psk", keyHex, "-psk_identity", identity, "-rev", "-trace"));
        args.addAll(extra);
        PeerProcess p = start("s_server", args, null);
        return new Server(p, acceptPort(p));
    }

    /** Starts an OpenSSL tool ({@code args.get(0)}), optionally under an OpenSSL configuration file. */
    PeerProcess start(String label, List<String> args, Path config) throws Exception {
        PeerProcess p = config == null ? OpenSslProcess.start(label, openssl, args)
                : OpenSslProcess.start(label, openssl, args, config);
        track.accept(p);
        return p;
    }

    /** @return the port a starting {@code s_server} reports it accepts on */
    static int acceptPort(PeerProcess sServer) throws InterruptedException {
        Matcher m = sServer.awaitStdout(ACCEPT, WAIT);
        return Integer.parseInt(m.group(1));
    }

    PeerProcess sClient(int port, String cipher, String keyHex, String identity, List<String> extra)
            throws Exception {
        List<String> args = new ArrayList<>(List.of("s_client", "-4", "-connect", "127.0.0.1:" + port,
                "-tls1_2", "-cipher", cipher, "-psk", keyHex, "-psk_identity", identity, "-nocommands"));
        args.addAll(extra);
        return start("s_client", args, null);
    }

    /**
     * Runs {@code s_client} against a SAEF echo server: sends one line on stdin, waits until the echo
     * shows up on its stdout, then closes stdin (s_client sends close_notify and exits).
     */
    ClientRun sClientRoundTrip(int port, String cipher, String keyHex, String identity, List<String> extra)
            throws Exception {
        PeerProcess p = sClient(port, cipher, keyHex, identity, extra);
        String line = "OpenSSL to SAEF " + cipher + " " + Long.toHexString(new Random().nextLong());
        p.send(line + "\n");
        p.awaitStdout(Pattern.compile(Pattern.quote(line)), WAIT);
        p.closeStdin();
        return new ClientRun(p, p.awaitExit(WAIT), true);
    }

    /** @return the ServerHello part of an OpenSSL {@code -trace} */
    static String serverHello(String trace) {
        return block(trace, "ServerHello");
    }

    /** @return the trace lines of one handshake message, up to the next record */
    static String block(String trace, String message) {
        int start = trace.indexOf(" " + message + ", Length=");
        if (start < 0) {
            return "";
        }
        int end = trace.indexOf(" Record\n", start);
        return trace.substring(start, end < 0 ? trace.length() : end);
    }

    /** @return the code point as OpenSSL's trace prints it, e.g. {@code {0x00, 0xAE}} */
    static String codeText(String suite) {
        int code = SuiteProfile.byName(suite).orElseThrow().code();
        return String.format(Locale.ROOT, "{0x%02X, 0x%02X}", code >> 8, code & 0xFF);
    }

    static String hex(String ascii) {
        return HexFormat.of().withUpperCase().formatHex(ascii.getBytes(StandardCharsets.US_ASCII));
    }
}
