package dev.saef.interop;

import static dev.saef.interop.InteropContexts.clientTable;
import static dev.saef.interop.InteropContexts.context;
import static dev.saef.interop.InteropContexts.serverTable;
import static dev.saef.interop.OpenSslPeer.block;
import static dev.saef.interop.OpenSslPeer.codeText;
import static dev.saef.interop.OpenSslPeer.hex;
import static dev.saef.interop.OpenSslPeer.serverHello;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saef.config.SaefConfiguration;
import dev.saef.identity.SaefPrincipal;
import dev.saef.interop.InteropPeer.Server;
import dev.saef.profile.CipherSuiteInfo;
import dev.saef.profile.SuiteProfile;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Interop of the SAEF provider with a real OpenSSL ({@code openssl s_server} / {@code s_client},
 * Debian 12's OpenSSL 3.0.x) over loopback TCP: TLS 1.2 PSK, psk_identity = KpsaID, psk = Kpsa
 * (oneM2M TS-0003 clauses 8.2.2.1 and 10.2.2). The tests start the OpenSSL processes themselves
 * (127.0.0.1 only, ephemeral ports reported by OpenSSL itself, output drained on threads, every wait
 * bounded, processes destroyed after each test) and are skipped when {@code openssl} is not on PATH.
 *
 * <p>The scenarios every peer runs (every suite in both roles, wrong Kpsa, unknown KpsaID, no suite in
 * common, longest KpsaID and Kpsa) are the matrix of {@link InteropScenarios}, played against OpenSSL
 * by {@link OpenSslPeer} (its command lines and the reading of its reports); this class adds what only
 * OpenSSL can show: the {@code -trace} decoding of both hellos for the mandatory suites, bulk data,
 * renegotiation requests, a peer without the extended master secret, {@code -no_etm}, and DH group
 * sizes at different security levels.
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
 * "pass" ({@code everySuite}): handshake, data both ways (reversed lines / echo), our session's suite
 * and bound identity (client: IdB {@code /id-in}; server: the configured AE-ID), OpenSSL's own report
 * of the suite, TLS 1.2, the psk_identity and the extended master secret. "+deep": ServerHello and ClientHello decoded by
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
 * unknown KpsaID (message names it)                          n/a (s_server takes any) pass (hidden and revealed)
 * suite mismatch (OpenSSL offers only what we disabled)      pass: exact message   pass (ECDHE off by default; socket-disabled GCM)
 * (the rows above up to here: the scenario matrix of InteropScenarios; the rows below: this class)
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
class OpenSslInteropTest extends InteropScenarios {

    private static Path openssl;
    private static OpenSslSuites suites;

    private OpenSslPeer peer;

    /** Records every suite x role cell into {@code target/conformance/interop/openssl.tsv}. */
    @RegisterExtension
    static final MatrixWatcher MATRIX = new MatrixWatcher("OpenSSL",
            () -> Optional.ofNullable(suites).map(OpenSslSuites::versionNumber),
            () -> openssl == null ? "openssl is not on PATH: OpenSSL interop tests skipped" : null,
            suite -> OpenSslSuites.opensslName(suite).orElse("-"));

    @BeforeAll
    static void findOpenSsl() throws Exception {
        Optional<Path> found = OpenSslProcess.findOnPath();
        Assumptions.assumeTrue(found.isPresent(), "openssl is not on PATH: OpenSSL interop tests skipped");
        openssl = found.get();
        suites = OpenSslSuites.probe(openssl);
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

    // -------------------------------------------------------------------- every suite, SAEF server

    // ----------------------------------------------------------------- mandatory suites, in depth

    @ParameterizedTest(name = "mandatory saef-client {0}")
    @ValueSource(strings = {TLS_MANDATORY, DTLS_MANDATORY})
    @Timeout(30)
    void mandatorySuiteSaefClient(String suite) throws Exception {
        String name = OpenSslSuites.opensslName(suite).orElseThrow();
        // An identity hint makes OpenSSL send a PSK ServerKeyExchange, which the client must accept.
        Server srv = peer().sServer(name, KEY, KPSA, List.of("-psk_hint", "saef-interop-hint"));
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
        Server srv = peer().sServer(name, KEY, KPSA, List.of());
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
        PeerProcess p = peer().sClient(echo.port(), name, KEY, KPSA, List.of("-noservername"));
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
        PeerProcess p = peer().start("s_server", args, null);
        int port = OpenSslPeer.acceptPort(p);
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
        PeerProcess p = peer().start("s_client", List.of("s_client", "-4", "-connect",
                "127.0.0.1:" + echo.port(), "-tls1_2", "-cipher", "PSK-AES128-CBC-SHA256", "-psk", KEY,
                "-psk_identity", KPSA, "-noservername", "-trace"), null);
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
        PeerProcess srv = peer().start("s_server", List.of("s_server", "-4", "-accept",
                "127.0.0.1:0", "-naccept", "1", "-nocert", "-tls1_2", "-cipher", cipher, "-psk", KEY,
                "-psk_identity", KPSA, "-rev", "-trace"), config);
        int port = OpenSslPeer.acceptPort(srv);
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
        PeerProcess cli = peer().start("s_client", List.of("s_client", "-4", "-connect",
                "127.0.0.1:" + echo.port(), "-tls1_2", "-cipher", cipher, "-psk", KEY, "-psk_identity", KPSA,
                "-noservername", "-nocommands", "-trace"), config);
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
        Server srv = peer().sServer(name, KEY, KPSA, List.of("-no_etm"));
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
        Server srv = peer().sServer("DHE-PSK-AES128-CBC-SHA256:@SECLEVEL=1", KEY, KPSA, List.of());
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

    // ------------------------------------------------------------------------------- negative cases

    // ------------------------------------------------------------------------------------ helpers

    // ------------------------------------------------------------------------------------ helpers

    @Override
    OpenSslPeer peer() {
        if (peer == null) {
            peer = new OpenSslPeer(openssl, suites, this::track);
        }
        return peer;
    }

    @Override
    MatrixWatcher matrix() {
        return MATRIX;
    }

    /** An {@code s_client} run against a SAEF echo server, with the SAEF side's outcome. */
    record ClientRun(PeerProcess process, int exitCode, SaefEchoServer.Outcome outcome) {
    }

    private ClientRun sClientRoundTrip(SaefEchoServer echo, String cipher, String keyHex, String identity,
            List<String> extra) throws Exception {
        InteropPeer.ClientRun run = peer().sClientRoundTrip(echo.port(), cipher, keyHex, identity, extra);
        return new ClientRun(run.process(), run.exitCode(), echo.outcome(WAIT));
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

}
