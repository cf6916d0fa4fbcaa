package dev.saef.interop;

import static dev.saef.interop.InteropContexts.clientTable;
import static dev.saef.interop.InteropContexts.context;
import static dev.saef.interop.InteropContexts.serverTable;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saef.config.SaefConfiguration;
import dev.saef.identity.SaefPrincipal;
import dev.saef.profile.CipherSuiteInfo;
import dev.saef.profile.SuiteProfile;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Interop of the SAEF provider with a real OpenSSL ({@code openssl s_server} / {@code s_client},
 * Debian 12's OpenSSL 3.0.x) over loopback TCP: TLS 1.2 PSK, psk_identity = KpsaID, psk = Kpsa
 * (oneM2M TS-0003 clauses 8.2.2.1 and 10.2.2). The tests start the OpenSSL processes themselves
 * (127.0.0.1 only, ephemeral ports reported by OpenSSL itself, output drained on threads, every wait
 * bounded, processes destroyed after each test) and are skipped when {@code openssl} is not on PATH.
 *
 * <p>Interop matrix, OpenSSL 3.0.19 + BC 1.84 ("SAEF client" = SAEF socket against
 * {@code s_server -rev}; "SAEF server" = {@code s_client} against a SAEF echo server):
 * <pre>
 * suite (JSSE name)                            OpenSSL name                 SAEF client  SAEF server
 * TLS_PSK_WITH_AES_128_GCM_SHA256              PSK-AES128-GCM-SHA256        pass         pass
 * TLS_PSK_WITH_AES_256_GCM_SHA384              PSK-AES256-GCM-SHA384        pass         pass
 * TLS_PSK_WITH_AES_128_CCM                     PSK-AES128-CCM               pass         pass
 * TLS_PSK_WITH_AES_256_CCM                     PSK-AES256-CCM               pass         pass
 * TLS_PSK_WITH_AES_128_CCM_8       (DTLS mand.) PSK-AES128-CCM8             pass (+deep) pass (+deep)
 * TLS_PSK_WITH_AES_256_CCM_8                   PSK-AES256-CCM8              pass         pass
 * TLS_PSK_WITH_AES_128_CBC_SHA256  (TLS mand.) PSK-AES128-CBC-SHA256        pass (+deep) pass (+deep)
 * TLS_PSK_WITH_AES_256_CBC_SHA384              PSK-AES256-CBC-SHA384        pass         pass
 * TLS_DHE_PSK_WITH_AES_128_GCM_SHA256          DHE-PSK-AES128-GCM-SHA256    pass         pass
 * TLS_DHE_PSK_WITH_AES_256_GCM_SHA384          DHE-PSK-AES256-GCM-SHA384    pass         pass
 * TLS_DHE_PSK_WITH_AES_128_CCM                 DHE-PSK-AES128-CCM           pass         pass
 * TLS_DHE_PSK_WITH_AES_256_CCM                 DHE-PSK-AES256-CCM           pass         pass
 * TLS_PSK_DHE_WITH_AES_128_CCM_8               DHE-PSK-AES128-CCM8          pass         pass
 * TLS_PSK_DHE_WITH_AES_256_CCM_8               DHE-PSK-AES256-CCM8          pass         pass
 * TLS_DHE_PSK_WITH_AES_128_CBC_SHA256          DHE-PSK-AES128-CBC-SHA256    pass         pass
 * TLS_DHE_PSK_WITH_AES_256_CBC_SHA384          DHE-PSK-AES256-CBC-SHA384    pass         pass
 * TLS_ECDHE_PSK_WITH_AES_128_GCM_SHA256        none (RFC 8442, 0xD001)      skipped: not in OpenSSL 3.0
 * TLS_ECDHE_PSK_WITH_AES_256_GCM_SHA384        none (RFC 8442, 0xD002)      skipped: not in OpenSSL 3.0
 * TLS_ECDHE_PSK_WITH_AES_128_CCM_SHA256        none (RFC 8442, 0xD005)      skipped: not in OpenSSL 3.0
 * TLS_ECDHE_PSK_WITH_AES_128_CCM_8_SHA256      none (RFC 8442, 0xD003)      skipped: not in OpenSSL 3.0
 * TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256        ECDHE-PSK-AES128-CBC-SHA256  pass         pass
 * TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA384        ECDHE-PSK-AES256-CBC-SHA384  pass         pass
 * </pre>
 * "pass": handshake, data both ways (reversed lines / echo), our session's suite and bound identity
 * (client: IdB {@code /id-in}; server: the configured AE-ID), OpenSSL's own report of the suite,
 * TLS 1.2 and the extended master secret. "+deep": ServerHello and ClientHello decoded by
 * {@code -trace} (code point, EMS, encrypt-then-MAC exactly for CBC, no SNI for an IP literal, SNI
 * acknowledged), the psk_identity octets, a PSK identity hint, the Credential-ID binding
 * {@code 12-<KpsaID>} without peer=, SNI exposed by our session.
 *
 * <p>Further cases:
 * <pre>
 * case                                                      SAEF client           SAEF server
 * 256 KiB each way (CBC_SHA256, CCM_8, DHE AES256-GCM)       pass                  pass
 * 128-octet KpsaID, 64-octet Kpsa (RFC 4279 5.3)             pass                  pass
 * CBC with OpenSSL -no_etm (MAC-then-encrypt)                pass                  pass (DHE AES256-CBC)
 * wrong Kpsa                                                 pass: exact message   pass: exact message
 * unknown KpsaID (message names it)                          n/a (s_server takes any) pass
 * suite mismatch (OpenSSL offers only what we disabled)      pass: exact message   pass (ECDHE off by default; socket-disabled GCM)
 * OpenSSL without EMS: refused                               pass                  pass
 * OpenSSL without EMS, withRequireExtendedMasterSecret(false) pass                 pass
 * renegotiation requested by OpenSSL: refused                pass                  pass
 * DHE with a 1024-bit group (s_server @SECLEVEL=1): refused  pass                  n/a
 * alert after the handshake: not reported as a suite mismatch  pass                  pass
 * missing EMS named in the error (not "no cipher suite")     pass                  pass
 * DHE_PSK AES-256 vs s_client @SECLEVEL=3 (ffdhe3072)        n/a                   pass
 * </pre>
 * The run records the per-suite matrix of its own results in
 * {@code target/conformance/interop/openssl.tsv} ({@link InteropMatrix}, for the conformance report)
 * and prints it to the test output
 * ({@code target/surefire-reports/dev.saef.interop.OpenSslInteropTest-output.txt}).
 */
@Timeout(60)
class OpenSslInteropTest {

    static final String KPSA = "ae42@sp.example.com";
    static final String KEY = "00112233445566778899aabbccddeeff";
    static final String OTHER_KEY = "ffeeddccbbaa99887766554433221100";
    static final String TLS_MANDATORY = SuiteProfile.TLS_MANDATORY;
    static final String DTLS_MANDATORY = SuiteProfile.DTLS_MANDATORY;

    /** Bound on each wait for a process or a peer. */
    static final Duration WAIT = Duration.ofSeconds(10);

    private static final Pattern ACCEPT = Pattern.compile("(?m)^ACCEPT 127\\.0\\.0\\.1:(\\d+)\\s*$");

    private static Path openssl;
    private static OpenSslSuites suites;

    /** Records every suite x role cell into {@code target/conformance/interop/openssl.tsv}. */
    @RegisterExtension
    static final MatrixWatcher MATRIX = new MatrixWatcher("OpenSSL",
            () -> Optional.ofNullable(suites).map(OpenSslSuites::versionNumber),
            () -> openssl == null ? "openssl is not on PATH: OpenSSL interop tests skipped" : null,
            suite -> OpenSslSuites.opensslName(suite).orElse("-"));

    private final List<AutoCloseable> resources = new ArrayList<>();

    @BeforeAll
    static void findOpenSsl() throws Exception {
        Optional<Path> found = OpenSslProcess.findOnPath();
        Assumptions.assumeTrue(found.isPresent(), "openssl is not on PATH: OpenSSL interop tests skipped");
        openssl = found.get();
        suites = OpenSslSuites.probe(openssl);
    }

    @AfterEach
    void closeResources() {
        // Processes and servers are closed here even when a test fails or times out.
        Collections.reverse(resources);
        for (AutoCloseable r : resources) {
            try {
                r.close();
            } catch (Exception ignored) {
                // best effort: the next resource must still be closed
            }
        }
        resources.clear();
    }

    static Stream<String> allSuites() {
        return SuiteProfile.all().stream().map(CipherSuiteInfo::name);
    }

    // ------------------------------------------------------------------------------------ mapping

    @Test
    @Timeout(20)
    void opensslNamesMatchOurCodePoints() {
        List<String> problems = new ArrayList<>();
        for (CipherSuiteInfo s : SuiteProfile.all()) {
            Optional<String> name = OpenSslSuites.opensslName(s.name());
            if (name.isPresent()) {
                Optional<Integer> code = suites.codeOf(name.get());
                if (code.isEmpty()) {
                    problems.add(s + ": " + suites.version() + " does not know " + name.get());
                } else if (code.get() != s.code()) {
                    problems.add(s + ": " + name.get() + " is 0x" + Integer.toHexString(code.get()) + " in OpenSSL");
                }
            } else {
                suites.nameOf(s.code()).ifPresent(n -> problems.add(s + ": not mapped, but OpenSSL has it as " + n));
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    // -------------------------------------------------------------------- every suite, SAEF client

    @ParameterizedTest(name = "saef-client {0}")
    @MethodSource("allSuites")
    @Timeout(30)
    void saefClientAgainstOpenSslServer(String suite) throws Exception {
        String name = opensslNameOrSkip(suite);
        OpenSslServer srv = sServer(name, KEY, List.of());
        SSLContext ctx = context(clientTable(KPSA, srv.port(), KEY), ecdhe(suite));
        SSLSession session = saefClientRoundTrip(ctx, srv, suite);

        assertEquals(suite, session.getCipherSuite());
        assertEquals("TLSv1.2", session.getProtocol());
        SaefPrincipal peer = (SaefPrincipal) session.getPeerPrincipal();
        assertEquals("/id-in", peer.getName(), "Entity A binds the session to IdB");
        assertEquals(KPSA, peer.kpsaId().orElseThrow().value());

        int rc = srv.process().awaitExit(WAIT);
        String out = srv.process().stdout();
        String err = srv.process().stderr();
        String why = srv.process().describe();
        assertAll(
                () -> assertTrue(err.contains("Ciphersuite: " + name + "\n"), "s_server's negotiated suite\n" + why),
                () -> assertTrue(err.contains("Protocol version: TLSv1.2"), why),
                () -> assertFalse(out.contains("PSK warning"), "s_server received another identity\n" + why),
                () -> assertTrue(serverHello(out).contains(codeText(suite)), "ServerHello code point\n" + why),
                () -> assertTrue(serverHello(out).contains("extended_master_secret(23)"),
                        "OpenSSL did not negotiate the extended master secret\n" + why),
                () -> assertEquals(0, rc, "s_server exit code\n" + why));
    }

    // -------------------------------------------------------------------- every suite, SAEF server

    @ParameterizedTest(name = "saef-server {0}")
    @MethodSource("allSuites")
    @Timeout(30)
    void openSslClientAgainstSaefServer(String suite) throws Exception {
        String name = opensslNameOrSkip(suite);
        SSLContext ctx = context(serverTable(KPSA, "CAE01", KEY), ecdhe(suite));
        SaefEchoServer echo = track(SaefEchoServer.start(ctx, ss -> { }));
        ClientRun run = sClientRoundTrip(echo, name, KEY, KPSA, List.of("-noservername"));

        SaefEchoServer.Outcome o = run.outcome();
        assertNull(o.handshakeFailure(), () -> "handshake failed on our side\n" + run.process().describe());
        assertNull(o.laterFailure(), () -> "echo/close failed on our side: " + o.laterFailure() + "\n"
                + run.process().describe());
        assertEquals(suite, o.session().getCipherSuite());
        SaefPrincipal peer = (SaefPrincipal) o.session().getPeerPrincipal();
        assertEquals("CAE01", peer.getName(), "peer= configured: bound to that AE-ID");
        assertTrue(peer.isConfigured());
        assertEquals(KPSA, peer.kpsaId().orElseThrow().value());

        String out = run.process().stdout();
        String why = run.process().describe();
        assertAll(
                () -> assertTrue(out.contains("Cipher is " + name + "\n"), "s_client's negotiated suite\n" + why),
                () -> assertTrue(out.contains("Protocol  : TLSv1.2"), why),
                () -> assertTrue(out.contains("Extended master secret: yes"), "no EMS per s_client\n" + why),
                () -> assertTrue(out.contains("PSK identity: " + KPSA + "\n"), why),
                () -> assertEquals(0, run.exitCode(), "s_client exit code\n" + why));
    }

    // ----------------------------------------------------------------- mandatory suites, in depth

    @ParameterizedTest(name = "mandatory saef-client {0}")
    @ValueSource(strings = {TLS_MANDATORY, DTLS_MANDATORY})
    @Timeout(30)
    void mandatorySuiteSaefClient(String suite) throws Exception {
        String name = OpenSslSuites.opensslName(suite).orElseThrow();
        // An identity hint makes OpenSSL send a PSK ServerKeyExchange, which the client must accept.
        OpenSslServer srv = sServer(name, KEY, List.of("-psk_hint", "saef-interop-hint"));
        // Only the one suite is enabled on our side, by configuration rather than on the socket.
        SSLContext ctx = context(clientTable(KPSA, srv.port(), KEY), c -> c.withCipherSuites(suite));
        SSLSession session = saefClientRoundTrip(ctx, srv, null);
        assertEquals(suite, session.getCipherSuite());
        srv.process().awaitExit(WAIT);

        String trace = srv.process().stdout();
        String why = srv.process().describe();
        String clientHello = block(trace, "ClientHello");
        String serverHello = serverHello(trace);
        boolean cbc = !SuiteProfile.byName(suite).orElseThrow().isAead();
        assertAll(
                // what we offered
                () -> assertTrue(clientHello.contains("cipher_suites (len=4)"), "one suite + SCSV offered\n" + why),
                () -> assertTrue(clientHello.contains(codeText(suite)), why),
                () -> assertTrue(clientHello.contains("extended_master_secret(23)"), "EMS not offered\n" + why),
                () -> assertTrue(clientHello.contains("encrypt_then_mac(22)"), "ETM not offered\n" + why),
                () -> assertFalse(clientHello.contains("server_name(0)"), "no SNI for an IP literal\n" + why),
                // what OpenSSL chose
                () -> assertTrue(serverHello.contains("cipher_suite " + codeText(suite)), why),
                () -> assertTrue(serverHello.contains("extended_master_secret(23)"), "EMS not negotiated\n" + why),
                () -> assertEquals(cbc, serverHello.contains("encrypt_then_mac(22)"),
                        "encrypt-then-MAC is negotiated exactly for CBC suites\n" + why),
                () -> assertTrue(block(trace, "ServerKeyExchange").contains("saef-interop-hint")
                        || block(trace, "ServerKeyExchange").contains(hex("saef-interop-hint")),
                        "hint sent\n" + why),
                // the psk_identity octets are the KpsaID
                () -> assertTrue(trace.contains("psk_identity (len=" + KPSA.length() + "): " + hex(KPSA)), why),
                () -> assertTrue(srv.process().stderr().contains("Ciphersuite: " + name + "\n"), why));
    }

    @ParameterizedTest(name = "mandatory saef-server {0}")
    @ValueSource(strings = {TLS_MANDATORY, DTLS_MANDATORY})
    @Timeout(30)
    void mandatorySuiteSaefServer(String suite) throws Exception {
        String name = OpenSslSuites.opensslName(suite).orElseThrow();
        // No peer=: the session is bound to the Credential-ID 12-<KpsaID>. Only this suite enabled.
        SSLContext ctx = context(serverTable(KPSA, null, KEY), c -> c.withCipherSuites(suite));
        SaefEchoServer echo = track(SaefEchoServer.start(ctx, ss -> { }));
        ClientRun run = sClientRoundTrip(echo, name, KEY, KPSA, List.of("-servername", "cse.example.com", "-trace"));

        SaefEchoServer.Outcome o = run.outcome();
        String why = run.process().describe();
        assertNull(o.handshakeFailure(), () -> "handshake failed on our side\n" + why);
        assertNull(o.laterFailure(), () -> "echo/close failed on our side: " + o.laterFailure() + "\n" + why);
        SSLSession session = o.session();
        SaefPrincipal peer = (SaefPrincipal) session.getPeerPrincipal();
        String out = run.process().stdout();
        String serverHello = serverHello(out);
        boolean cbc = !SuiteProfile.byName(suite).orElseThrow().isAead();
        assertAll(
                () -> assertEquals(suite, session.getCipherSuite()),
                () -> assertEquals("12-" + KPSA, peer.getName(), "no peer=: bound to the Credential-ID"),
                () -> assertTrue(peer.isDerivedFromCredentialId()),
                () -> assertEquals(List.of(new SNIHostName("cse.example.com")),
                        ((ExtendedSSLSession) session).getRequestedServerNames(), "SNI exposed"),
                // s_client's own summary
                // "New, TLSv1.0, Cipher is ...": OpenSSL prints the suite's minimum version there
                () -> assertTrue(out.contains(", Cipher is " + name + "\n"), why),
                () -> assertTrue(out.contains("Protocol  : TLSv1.2"), why),
                () -> assertTrue(out.contains("Extended master secret: yes"), "no EMS per s_client\n" + why),
                // our ServerHello as OpenSSL decoded it
                () -> assertTrue(serverHello.contains("cipher_suite " + codeText(suite)), why),
                () -> assertTrue(serverHello.contains("extended_master_secret(23)"), why),
                () -> assertTrue(serverHello.contains("server_name(0)"), "SNI acknowledged\n" + why),
                () -> assertEquals(cbc, serverHello.contains("encrypt_then_mac(22)"),
                        "encrypt-then-MAC is negotiated exactly for CBC suites\n" + why),
                () -> assertEquals(0, run.exitCode(), why));
    }

    // --------------------------------------------------------------------------------- bulk data

    /** 256 KiB each way, many full-size records, both roles; the SAEF socket reads and writes at once. */
    @ParameterizedTest(name = "bulk {0}")
    @ValueSource(strings = {TLS_MANDATORY, DTLS_MANDATORY, "TLS_DHE_PSK_WITH_AES_256_GCM_SHA384"})
    @Timeout(30)
    void bulkDataBothRoles(String suite) throws Exception {
        String name = OpenSslSuites.opensslName(suite).orElseThrow();
        List<String> lines = randomLines(64, 4000, suite.hashCode());
        String payload = String.join("\n", lines) + "\n";

        // SAEF client -> s_server -rev: one 256 KiB write on a second thread while this one reads.
        OpenSslServer srv = sServer(name, KEY, List.of());
        SSLContext client = context(clientTable(KPSA, srv.port(), KEY), UnaryOperator.identity());
        try (SSLSocket s = saefSocket(client, srv.port())) {
            s.setEnabledCipherSuites(new String[] {suite});
            s.startHandshake();
            java.util.concurrent.CompletableFuture<Void> writer = java.util.concurrent.CompletableFuture.runAsync(() -> {
                try {
                    s.getOutputStream().write(payload.getBytes(StandardCharsets.US_ASCII));
                    s.getOutputStream().flush();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            for (String line : lines) {
                assertEquals(new StringBuilder(line).reverse().toString(), in.readLine());
            }
            writer.get(WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        }
        assertEquals(0, srv.process().awaitExit(WAIT), srv.process().describe());

        // s_client -> SAEF echo server: 256 KiB on stdin, all of it must come back on stdout.
        SSLContext server = context(serverTable(KPSA, "CAE01", KEY), UnaryOperator.identity());
        SaefEchoServer echo = track(SaefEchoServer.start(server, ss -> ss.setEnabledCipherSuites(new String[] {suite})));
        PeerProcess p = sClient(echo, name, KEY, KPSA, List.of("-noservername"));
        p.send(payload);
        p.awaitStdout(Pattern.compile(Pattern.quote(lines.get(lines.size() - 1))), WAIT);
        p.closeStdin();
        assertEquals(0, p.awaitExit(WAIT), p.describe());
        SaefEchoServer.Outcome o = echo.outcome(WAIT);
        assertNull(o.handshakeFailure());
        assertNull(o.laterFailure());
        assertEquals(payload.length(), o.echoed());
        assertTrue(p.stdout().contains(payload), "echoed payload differs");
    }

    // ------------------------------------------------------------------------------- renegotiation

    /**
     * s_client asks for renegotiation (its "R" command) after data flowed; SAEF refuses with a
     * no_renegotiation warning (the profile has no renegotiation), and OpenSSL, as it always does
     * when its own renegotiation is refused, then ends the connection with a fatal handshake_failure.
     */
    @Test
    @Timeout(30)
    void saefServerRefusesRenegotiation() throws Exception {
        Renegotiation r = clientRequestsRenegotiation();
        String trace = r.process().stdout();
        String why = r.process().describe();
        SaefEchoServer.Outcome o = r.outcome();
        assertAll(
                () -> assertNull(o.handshakeFailure(), why),
                () -> assertEquals("before\n".length(), o.echoed(), "data before the request was echoed"),
                () -> assertTrue(r.process().stderr().contains("RENEGOTIATING"), why),
                () -> assertEquals(2, count(trace, " ClientHello, Length="), "OpenSSL sent a second ClientHello\n" + why),
                () -> assertEquals(1, count(trace, " ServerHello, Length="), "SAEF must not answer it\n" + why),
                () -> assertTrue(trace.contains("Level=warning(1), description=no renegotiation(100)"), why),
                () -> assertTrue(r.process().stderr().contains(":no renegotiation:"), why),
                // the connection then ends with OpenSSL's fatal alert, reported as a non-handshake SSLException
                () -> assertTrue(o.laterFailure() instanceof SSLException, String.valueOf(o.laterFailure())),
                () -> assertFalse(o.laterFailure() instanceof SSLHandshakeException, String.valueOf(o.laterFailure())),
                () -> assertTrue(o.laterFailure().getMessage().contains("alert handshake_failure"),
                        o.laterFailure().getMessage()));
    }

    /** s_server sends a HelloRequest (its "r" command); the SAEF client refuses to renegotiate. */
    @Test
    @Timeout(30)
    void saefClientRefusesRenegotiation() throws Exception {
        ClientRenegotiation r = serverRequestsRenegotiation();
        String trace = r.process().stdout();
        String why = r.process().describe();
        SSLException e = r.failure();
        assertAll(
                () -> assertFalse(e instanceof SSLHandshakeException, e.toString()),
                () -> assertTrue(e.getMessage().contains("alert handshake_failure"), e.getMessage()),
                () -> assertTrue(trace.contains("HelloRequest"), why),
                () -> assertEquals(1, count(trace, " ClientHello, Length="), "SAEF must not start a new handshake\n" + why),
                () -> assertTrue(trace.contains("Level=warning(1), description=no renegotiation(100)"), why));
    }

    /** Same two exchanges; only the wording of our errors is checked. */
    @Test
    @Timeout(30)
    void alertAfterHandshakeIsNotReportedAsSuiteMismatch() throws Exception {
        String asServer = String.valueOf(clientRequestsRenegotiation().outcome().laterFailure().getMessage());
        String asClient = serverRequestsRenegotiation().failure().getMessage();
        for (String msg : List.of(asServer, asClient)) {
            assertFalse(msg.contains("no cipher suite in common"), msg);
            assertFalse(msg.contains("we offered"), msg);
            assertTrue(msg.contains("handshake_failure"), msg);
        }
    }

    record ClientRenegotiation(PeerProcess process, SSLException failure) {
    }

    private ClientRenegotiation serverRequestsRenegotiation() throws Exception {
        // plain s_server mode (not -rev): it prints what it receives and takes commands on stdin
        List<String> args = List.of("s_server", "-4", "-accept", "127.0.0.1:0", "-naccept", "1", "-nocert", "-tls1_2",
                "-cipher", "PSK-AES128-CCM8", "-psk", KEY, "-psk_identity", KPSA, "-trace");
        PeerProcess p = track(OpenSslProcess.start("s_server", openssl, args));
        int port = Integer.parseInt(p.awaitStdout(ACCEPT, WAIT).group(1));
        SSLContext ctx = context(clientTable(KPSA, port, KEY), UnaryOperator.identity());
        SSLException e;
        try (SSLSocket s = saefSocket(ctx, port)) {
            s.getOutputStream().write("ping from SAEF\n".getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            p.awaitStdout(Pattern.compile("(?m)^ping from SAEF$"), WAIT);
            p.send("r\n"); // s_server: SSL_renegotiate + SSL_do_handshake -> HelloRequest
            e = assertThrows(SSLException.class, () -> s.getInputStream().read());
        }
        p.closeStdin();
        p.awaitExit(WAIT); // s_server's trace is stdio-buffered: complete once it has exited
        return new ClientRenegotiation(p, e);
    }

    record Renegotiation(PeerProcess process, int exitCode, SaefEchoServer.Outcome outcome) {
    }

    private Renegotiation clientRequestsRenegotiation() throws Exception {
        SSLContext ctx = context(serverTable(KPSA, "CAE01", KEY), UnaryOperator.identity());
        SaefEchoServer echo = track(SaefEchoServer.start(ctx, ss -> { }));
        // no -nocommands: the "R" line is s_client's renegotiation command
        PeerProcess p = track(OpenSslProcess.start("s_client", openssl, List.of("s_client", "-4", "-connect",
                "127.0.0.1:" + echo.port(), "-tls1_2", "-cipher", "PSK-AES128-CBC-SHA256", "-psk", KEY,
                "-psk_identity", KPSA, "-noservername", "-trace")));
        p.send("before\n");
        p.awaitStdout(Pattern.compile("(?m)^before$"), WAIT);
        p.send("R\n");
        int rc = p.awaitExit(WAIT); // OpenSSL gives up on the refused renegotiation and exits
        return new Renegotiation(p, rc, echo.outcome(WAIT));
    }

    // ------------------------------------------------------------- extended master secret (RFC 7627)

    /** OpenSSL without EMS (config {@code Options = -ExtendedMasterSecret}): SAEF refuses, both roles. */
    @Test
    @Timeout(30)
    void extendedMasterSecretIsRequiredBothRoles(@TempDir Path dir) throws Exception {
        Path noEms = noEmsConfig(dir);
        NoEms r = withoutEms(noEms, UnaryOperator.identity());
        String why = r.server().describe() + "\n" + r.client().describe();
        assertAll(
                // the config really switched EMS off in OpenSSL
                () -> assertFalse(block(r.client().stdout(), "ClientHello").contains("extended_master_secret"), why),
                () -> assertFalse(block(r.server().stdout(), "ServerHello").contains("extended_master_secret"), why),
                // SAEF as server
                () -> assertTrue(r.serverSide().handshakeFailure() instanceof SSLHandshakeException, why),
                () -> assertTrue(r.serverSide().handshakeFailure().getMessage().contains("alert handshake_failure"),
                        r.serverSide().handshakeFailure().getMessage()),
                () -> assertTrue(r.client().stderr().contains("alert handshake failure"), why),
                // SAEF as client
                () -> assertTrue(r.clientSide() instanceof SSLHandshakeException, String.valueOf(r.clientSide())),
                () -> assertTrue(r.clientSide().getMessage().contains("alert handshake_failure"),
                        r.clientSide().getMessage()),
                () -> assertTrue(r.server().stderr().contains("alert handshake failure"), why));
    }

    /** Same exchanges; only the wording: the error must say that the extended master secret is missing. */
    @Test
    @Timeout(30)
    void missingExtendedMasterSecretIsNamedInTheError(@TempDir Path dir) throws Exception {
        NoEms r = withoutEms(noEmsConfig(dir), UnaryOperator.identity());
        for (Throwable e : List.of(r.serverSide().handshakeFailure(), r.clientSide())) {
            String msg = e.getMessage();
            assertTrue(msg.toLowerCase(Locale.ROOT).contains("extended master secret"), msg);
            assertFalse(msg.contains("no cipher suite in common"), msg);
        }
    }

    /** With {@code withRequireExtendedMasterSecret(false)} the same OpenSSL peers are accepted, both roles. */
    @Test
    @Timeout(30)
    void extendedMasterSecretCanBeRelaxed(@TempDir Path dir) throws Exception {
        NoEms r = withoutEms(noEmsConfig(dir), c -> c.withRequireExtendedMasterSecret(false));
        String why = r.server().describe() + "\n" + r.client().describe();
        assertNull(r.clientSide(), why);
        assertNull(r.serverSide().handshakeFailure(), why);
        assertEquals(TLS_MANDATORY, r.serverSide().session().getCipherSuite());
        assertTrue(r.client().stdout().contains("Extended master secret: no"), why);
    }

    record NoEms(PeerProcess server, Throwable clientSide, PeerProcess client, SaefEchoServer.Outcome serverSide) {
    }

    /** SAEF client against a no-EMS s_server, then a no-EMS s_client against a SAEF server. */
    private NoEms withoutEms(Path config, UnaryOperator<SaefConfiguration> tweak) throws Exception {
        String cipher = OpenSslSuites.opensslName(TLS_MANDATORY).orElseThrow();
        PeerProcess srv = track(OpenSslProcess.start("s_server", openssl, List.of("s_server", "-4", "-accept",
                "127.0.0.1:0", "-naccept", "1", "-nocert", "-tls1_2", "-cipher", cipher, "-psk", KEY,
                "-psk_identity", KPSA, "-rev", "-trace"), config));
        int port = Integer.parseInt(srv.awaitStdout(ACCEPT, WAIT).group(1));
        SSLContext client = context(clientTable(KPSA, port, KEY), tweak);
        Throwable clientSide = null;
        try (SSLSocket s = saefSocket(client, port)) {
            s.startHandshake();
            s.getOutputStream().write("ems\n".getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            assertEquals("sme", new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII))
                    .readLine());
        } catch (SSLException e) {
            clientSide = e;
        }
        srv.awaitExit(WAIT);

        SSLContext server = context(serverTable(KPSA, "CAE01", KEY), tweak);
        SaefEchoServer echo = track(SaefEchoServer.start(server, ss -> { }));
        PeerProcess cli = track(OpenSslProcess.start("s_client", openssl, List.of("s_client", "-4", "-connect",
                "127.0.0.1:" + echo.port(), "-tls1_2", "-cipher", cipher, "-psk", KEY, "-psk_identity", KPSA,
                "-noservername", "-nocommands", "-trace"), config));
        cli.closeStdin();
        cli.awaitExit(WAIT);
        return new NoEms(srv, clientSide, cli, echo.outcome(WAIT));
    }

    /** An OpenSSL configuration that turns the extended master secret off (3.0 has no command-line switch). */
    static Path noEmsConfig(Path dir) throws java.io.IOException {
        Path f = dir.resolve("no-ems.cnf");
        java.nio.file.Files.writeString(f, String.join("\n",
                "openssl_conf = default_conf",
                "[default_conf]",
                "ssl_conf = ssl_sect",
                "[ssl_sect]",
                "system_default = system_default_sect",
                "[system_default_sect]",
                "Options = -ExtendedMasterSecret",
                ""));
        return f;
    }

    // --------------------------------------------------------------------------- encrypt-then-MAC

    /** CBC suites with OpenSSL's {@code -no_etm}: classic MAC-then-encrypt records, both roles. */
    @Test
    @Timeout(30)
    void cbcWithoutEncryptThenMacBothRoles() throws Exception {
        String name = OpenSslSuites.opensslName(TLS_MANDATORY).orElseThrow();
        OpenSslServer srv = sServer(name, KEY, List.of("-no_etm"));
        SSLSession cs = saefClientRoundTrip(context(clientTable(KPSA, srv.port(), KEY), UnaryOperator.identity()),
                srv, TLS_MANDATORY);
        assertEquals(TLS_MANDATORY, cs.getCipherSuite());
        srv.process().awaitExit(WAIT);
        assertFalse(serverHello(srv.process().stdout()).contains("encrypt_then_mac"), srv.process().describe());
        assertTrue(serverHello(srv.process().stdout()).contains("extended_master_secret(23)"));

        SaefEchoServer echo = track(SaefEchoServer.start(context(serverTable(KPSA, "CAE01", KEY),
                UnaryOperator.identity()), ss -> { }));
        ClientRun run = sClientRoundTrip(echo, "DHE-PSK-AES256-CBC-SHA384", KEY, KPSA, List.of("-noservername",
                "-no_etm", "-trace"));
        assertNull(run.outcome().handshakeFailure(), run.process().describe());
        assertNull(run.outcome().laterFailure(), run.process().describe());
        assertEquals("TLS_DHE_PSK_WITH_AES_256_CBC_SHA384", run.outcome().session().getCipherSuite());
        assertFalse(block(run.process().stdout(), "ClientHello").contains("encrypt_then_mac"), run.process().describe());
        assertFalse(serverHello(run.process().stdout()).contains("encrypt_then_mac"), run.process().describe());
    }

    // ------------------------------------------------------------------- DHE groups and SECLEVEL

    /**
     * At {@code @SECLEVEL=1} OpenSSL sends a 1024-bit DH group for DHE_PSK with AES-128; Bouncy Castle
     * refuses groups under 2048 bits (known pitfall), with insufficient_security.
     */
    @Test
    @Timeout(30)
    void saefClientRefusesDhGroupBelow2048Bits() throws Exception {
        OpenSslServer srv = sServer("DHE-PSK-AES128-CBC-SHA256:@SECLEVEL=1", KEY, List.of());
        SSLContext ctx = context(clientTable(KPSA, srv.port(), KEY), UnaryOperator.identity());
        SSLHandshakeException e = assertThrows(SSLHandshakeException.class, () -> {
            try (SSLSocket s = saefSocket(ctx, srv.port())) {
                s.startHandshake();
            }
        });
        assertTrue(e.getMessage().contains("alert insufficient_security"), e.getMessage());
        srv.process().awaitExit(WAIT);
        assertTrue(block(srv.process().stdout(), "ServerKeyExchange").contains("dh_p (len=128)"),
                "OpenSSL sent a 1024-bit group\n" + srv.process().describe());
        assertTrue(srv.process().stderr().contains("alert insufficient security"), srv.process().describe());
    }

    /**
     * OpenSSL clients at {@code @SECLEVEL=3} (128-bit security) need at least 3072-bit DH; the SAEF
     * server sends ffdhe3072 for the AES-256 DHE_PSK suites (ffdhe2048 for AES-128), so the handshake
     * succeeds. (GnuTlsInteropTest sees the same choice: gnutls-cli reports DHE-FFDHE3072 for AES-256.)
     */
    @Test
    @Timeout(30)
    void dhePskAes256WithOpenSslClientAtSeclevel3() throws Exception {
        SaefEchoServer echo = track(SaefEchoServer.start(context(serverTable(KPSA, "CAE01", KEY),
                UnaryOperator.identity()), ss -> { }));
        ClientRun run = sClientRoundTrip(echo, "DHE-PSK-AES256-GCM-SHA384:@SECLEVEL=3", KEY, KPSA,
                List.of("-noservername"));
        assertNull(run.outcome().handshakeFailure(), run.process().describe());
        assertEquals("TLS_DHE_PSK_WITH_AES_256_GCM_SHA384", run.outcome().session().getCipherSuite());
    }

    // ----------------------------------------------------------------- limits (RFC 4279 section 5.3)

    /** A 128-octet KpsaID and a 64-octet Kpsa, the RFC 4279 minimum maxima, both roles. */
    @Test
    @Timeout(30)
    void longestIdentityAndKeyBothRoles() throws Exception {
        String id = "k".repeat(128 - "@sp.example.com".length()) + "@sp.example.com";
        assertEquals(128, id.length());
        String key = "a5".repeat(64);
        String name = OpenSslSuites.opensslName(TLS_MANDATORY).orElseThrow();

        OpenSslServer srv = sServer(name, key, List.of());
        SSLContext client = context(clientTable(id, srv.port(), key), UnaryOperator.identity());
        SSLSession cs = saefClientRoundTrip(client, srv, TLS_MANDATORY);
        assertEquals(id, ((SaefPrincipal) cs.getPeerPrincipal()).kpsaId().orElseThrow().value());
        srv.process().awaitExit(WAIT);
        assertTrue(srv.process().stdout().contains("psk_identity (len=128): " + hex(id)), srv.process().describe());

        SSLContext server = context(serverTable(id, null, key), UnaryOperator.identity());
        SaefEchoServer echo = track(SaefEchoServer.start(server, ss -> { }));
        ClientRun run = sClientRoundTrip(echo, name, key, id, List.of("-noservername"));
        assertNull(run.outcome().handshakeFailure(), run.process().describe());
        assertEquals("12-" + id, run.outcome().session().getPeerPrincipal().getName());
    }

    // ------------------------------------------------------------------------------- negative cases

    @Test
    @Timeout(30)
    void wrongKeySaefClient() throws Exception {
        OpenSslServer srv = sServer("PSK-AES128-CBC-SHA256", OTHER_KEY, List.of());
        SSLContext ctx = context(clientTable(KPSA, srv.port(), KEY), UnaryOperator.identity());
        SSLHandshakeException e = assertThrows(SSLHandshakeException.class, () -> {
            try (SSLSocket s = saefSocket(ctx, srv.port())) {
                s.startHandshake();
            }
        });
        assertEquals("the server could not verify our Finished message (alert bad_record_mac): it does not hold our Kpsa for KpsaID "
                + KPSA + ": either the Kpsa differs between the two sides, or the server does not know this KpsaID and hides"
                + " that (as GnuTLS does); provision the same KpsaID and Kpsa on both sides (TS-0003 clause 8.2.2.1)", e.getMessage());
        assertNoKeyMaterial(e);
        srv.process().awaitExit(WAIT);
        assertTrue(srv.process().stderr().contains("bad record mac"), srv.process().describe());
    }

    @Test
    @Timeout(30)
    void wrongKeySaefServer() throws Exception {
        SSLContext ctx = context(serverTable(KPSA, "CAE01", KEY), UnaryOperator.identity());
        SaefEchoServer echo = track(SaefEchoServer.start(ctx, ss -> { }));
        ClientRun run = sClientFailing(echo, "PSK-AES128-CCM8", OTHER_KEY, KPSA);
        Throwable e = run.outcome().handshakeFailure();
        assertNotNull(e, run.process().describe());
        assertTrue(e instanceof SSLHandshakeException, e.toString());
        assertEquals("the client's Finished message failed verification (alert bad_record_mac): the client used a"
                + " different Kpsa for KpsaID " + KPSA, e.getMessage());
        assertNoKeyMaterial(e);
        assertTrue(run.process().stderr().contains("alert bad record mac"), run.process().describe());
        assertTrue(run.exitCode() != 0, run.process().describe());
    }

    @Test
    @Timeout(30)
    void unknownIdentityRejectedBySaefServer() throws Exception {
        String stranger = "stranger@sp.example.com";
        // default (saef.unknownIdentity=hide): OpenSSL sees what a wrong key gives; our message names the KpsaID
        SSLContext ctx = context(serverTable(KPSA, "CAE01", KEY), UnaryOperator.identity());
        SaefEchoServer echo = track(SaefEchoServer.start(ctx, ss -> { }));
        ClientRun run = sClientFailing(echo, "PSK-AES128-CBC-SHA256", KEY, stranger);
        Throwable e = run.outcome().handshakeFailure();
        assertNotNull(e, run.process().describe());
        assertTrue(e instanceof SSLHandshakeException, e.toString());
        String msg = e.getMessage();
        assertTrue(msg.startsWith("the client offered KpsaID '" + stranger + "', which is not provisioned in "), msg);
        assertTrue(msg.endsWith("; answered as for a wrong Kpsa (alert bad_record_mac) so that clients cannot tell"
                + " unknown KpsaIDs from known ones (saef.unknownIdentity=hide, RFC 4279 section 5)"), msg);
        assertNoKeyMaterial(e);
        assertTrue(run.process().stderr().contains("alert bad record mac"), run.process().describe());
        // saef.unknownIdentity=reveal: unknown_psk_identity
        SSLContext revealing = context(serverTable(KPSA, "CAE01", KEY), c -> c.withHideUnknownIdentities(false));
        SaefEchoServer echo2 = track(SaefEchoServer.start(revealing, ss -> { }));
        ClientRun run2 = sClientFailing(echo2, "PSK-AES128-CBC-SHA256", KEY, stranger);
        Throwable e2 = run2.outcome().handshakeFailure();
        assertNotNull(e2, run2.process().describe());
        String msg2 = e2.getMessage();
        assertTrue(msg2.startsWith("the client offered KpsaID '" + stranger + "', which is not provisioned in "), msg2);
        assertTrue(msg2.endsWith("; sent alert unknown_psk_identity"), msg2);
        assertNoKeyMaterial(e2);
        assertTrue(run2.process().stderr().contains("alert unknown psk identity"), run2.process().describe());
    }

    /** OpenSSL offers only an ECDHE_PSK suite; ECDHE_PSK is off by default (outside RFC 4279). */
    @Test
    @Timeout(30)
    void saefServerRefusesSuiteDisabledByDefault() throws Exception {
        SSLContext ctx = context(serverTable(KPSA, "CAE01", KEY), UnaryOperator.identity());
        SaefEchoServer echo = track(SaefEchoServer.start(ctx, ss -> { }));
        ClientRun run = sClientFailing(echo, "ECDHE-PSK-AES128-CBC-SHA256", KEY, KPSA);
        Throwable e = run.outcome().handshakeFailure();
        assertNotNull(e, run.process().describe());
        String msg = e.getMessage();
        assertTrue(msg.startsWith("no cipher suite in common (alert handshake_failure): the client offered "
                + "[TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256"), msg);
        assertTrue(msg.contains("; this server accepts [" + String.join(", ",
                SuiteProfile.create(null, false).defaultNames()) + "]"), msg);
        assertTrue(run.process().stderr().contains("alert handshake failure"), run.process().describe());
    }

    /** OpenSSL offers only a suite the application disabled on the server socket. */
    @Test
    @Timeout(30)
    void saefServerRefusesSuiteDisabledOnSocket() throws Exception {
        SSLContext ctx = context(serverTable(KPSA, "CAE01", KEY), UnaryOperator.identity());
        SaefEchoServer echo = track(SaefEchoServer.start(ctx,
                ss -> ss.setEnabledCipherSuites(new String[] {TLS_MANDATORY})));
        ClientRun run = sClientFailing(echo, "PSK-AES128-GCM-SHA256", KEY, KPSA);
        Throwable e = run.outcome().handshakeFailure();
        assertNotNull(e, run.process().describe());
        String msg = e.getMessage();
        assertTrue(msg.startsWith("no cipher suite in common (alert handshake_failure): the client offered "
                + "[TLS_PSK_WITH_AES_128_GCM_SHA256"), msg);
        assertTrue(msg.endsWith("; this server accepts [" + TLS_MANDATORY + "]"), msg);
    }

    /** s_server allows only a GCM suite; the SAEF client enabled only the TLS mandatory suite. */
    @Test
    @Timeout(30)
    void saefClientSuiteMismatch() throws Exception {
        OpenSslServer srv = sServer("PSK-AES128-GCM-SHA256", KEY, List.of());
        SSLContext ctx = context(clientTable(KPSA, srv.port(), KEY), UnaryOperator.identity());
        SSLHandshakeException e = assertThrows(SSLHandshakeException.class, () -> {
            try (SSLSocket s = saefSocket(ctx, srv.port())) {
                s.setEnabledCipherSuites(new String[] {TLS_MANDATORY});
                s.startHandshake();
            }
        });
        assertEquals("the server rejected the handshake (alert handshake_failure): most likely no cipher suite in"
                + " common; we offered [" + TLS_MANDATORY + "]", e.getMessage());
        srv.process().awaitExit(WAIT);
        assertTrue(srv.process().stderr().contains("no shared cipher"), srv.process().describe());
    }

    // ------------------------------------------------------------------------------------ helpers

    record OpenSslServer(PeerProcess process, int port) {
    }

    record ClientRun(PeerProcess process, int exitCode, SaefEchoServer.Outcome outcome) {
    }

    private <T extends AutoCloseable> T track(T resource) {
        resources.add(resource);
        return resource;
    }

    private static String opensslNameOrSkip(String suite) {
        Optional<String> name = OpenSslSuites.opensslName(suite);
        int code = SuiteProfile.byName(suite).orElseThrow().code();
        Assumptions.assumeTrue(name.isPresent(), () -> String.format(Locale.ROOT,
                "%s (0x%04X, RFC 8442) is not implemented by OpenSSL %s: not testable against OpenSSL", suite, code,
                suites.versionNumber()));
        return name.get();
    }

    private static UnaryOperator<SaefConfiguration> ecdhe(String suite) {
        boolean e = SuiteProfile.byName(suite).orElseThrow().keyExchange() == CipherSuiteInfo.KeyExchange.ECDHE_PSK;
        return c -> c.withEcdhePskEnabled(e);
    }

    /**
     * Starts {@code s_server} in line-reversing echo mode ({@code -rev}) for one connection on an
     * ephemeral 127.0.0.1 port (OpenSSL reports the port it bound: no race), with {@code -trace} on
     * stdout, and waits until it accepts.
     */
    private OpenSslServer sServer(String cipher, String keyHex, List<String> extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("s_server", "-4", "-accept", "127.0.0.1:0", "-naccept", "1",
                "-nocert", "-tls1_2", "-cipher", cipher, "-psk", keyHex, "-psk_identity", KPSA, "-rev", "-trace"));
        args.addAll(extra);
        PeerProcess p = track(OpenSslProcess.start("s_server", openssl, args));
        Matcher m = p.awaitStdout(ACCEPT, WAIT);
        return new OpenSslServer(p, Integer.parseInt(m.group(1)));
    }

    private static SSLSocket saefSocket(SSLContext ctx, int port) throws Exception {
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port);
        s.setSoTimeout((int) WAIT.toMillis());
        return s;
    }

    /**
     * Connects a SAEF client to {@code s_server -rev}, sends a short and a long line and checks both
     * come back reversed, then closes (close_notify).
     *
     * @param suite the one suite to enable on the socket, or null to keep the context's defaults
     */
    private static SSLSession saefClientRoundTrip(SSLContext ctx, OpenSslServer srv, String suite) throws Exception {
        Random random = new Random(srv.port());
        StringBuilder big = new StringBuilder();
        for (int i = 0; i < 6000; i++) {
            big.append((char) ('a' + random.nextInt(26)));
        }
        List<String> lines = List.of("SAEF to OpenSSL " + (suite == null ? "" : suite), big.toString());
        try (SSLSocket s = saefSocket(ctx, srv.port())) {
            if (suite != null) {
                s.setEnabledCipherSuites(new String[] {suite});
            }
            try {
                s.startHandshake();
            } catch (SSLException e) {
                throw new AssertionError("SAEF client handshake failed: " + e + "\n" + srv.process().describe(), e);
            }
            OutputStream out = s.getOutputStream();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            for (String line : lines) {
                out.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                String back = in.readLine();
                assertEquals(new StringBuilder(line).reverse().toString(), back, "s_server -rev answer");
            }
            return s.getSession();
        }
    }

    /**
     * Runs {@code s_client} against the echo server: sends one line on stdin, waits until the echo
     * shows up on its stdout, then closes stdin (s_client sends close_notify and exits).
     */
    private ClientRun sClientRoundTrip(SaefEchoServer echo, String cipher, String keyHex, String identity,
            List<String> extra) throws Exception {
        PeerProcess p = sClient(echo, cipher, keyHex, identity, extra);
        String line = "OpenSSL to SAEF " + cipher + " " + Long.toHexString(new Random().nextLong());
        p.send(line + "\n");
        p.awaitStdout(Pattern.compile(Pattern.quote(line)), WAIT);
        p.closeStdin();
        int rc = p.awaitExit(WAIT);
        return new ClientRun(p, rc, echo.outcome(WAIT));
    }

    /** Runs {@code s_client} for a handshake expected to fail; stdin is closed at once. */
    private ClientRun sClientFailing(SaefEchoServer echo, String cipher, String keyHex, String identity)
            throws Exception {
        PeerProcess p = sClient(echo, cipher, keyHex, identity, List.of("-noservername"));
        p.closeStdin();
        int rc = p.awaitExit(WAIT);
        return new ClientRun(p, rc, echo.outcome(WAIT));
    }

    private PeerProcess sClient(SaefEchoServer echo, String cipher, String keyHex, String identity,
            List<String> extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("s_client", "-4", "-connect", "127.0.0.1:" + echo.port(),
                "-tls1_2", "-cipher", cipher, "-psk", keyHex, "-psk_identity", identity, "-nocommands"));
        args.addAll(extra);
        return track(OpenSslProcess.start("s_client", openssl, args));
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

    static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + part.length())) {
            n++;
        }
        return n;
    }

    static List<String> randomLines(int count, int length, long seed) {
        Random random = new Random(seed);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            StringBuilder sb = new StringBuilder(length).append(i).append(':');
            while (sb.length() < length) {
                sb.append((char) ('a' + random.nextInt(26)));
            }
            lines.add(sb.toString());
        }
        return lines;
    }

    private static void assertNoKeyMaterial(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
            assertFalse(m.contains(KEY) || m.contains(OTHER_KEY), "key material in message: " + t);
        }
    }
}
