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
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
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

/**
 * Interop of the SAEF provider with a real GnuTLS ({@code gnutls-serv} / {@code gnutls-cli} from
 * Debian 12's {@code gnutls-bin}, GnuTLS 3.7.9) over loopback TCP: TLS 1.2 PSK, psk_identity = KpsaID,
 * psk = Kpsa (oneM2M TS-0003 clauses 8.2.2.1 and 10.2.2). The tests start the GnuTLS processes
 * themselves and are skipped when {@code gnutls-cli} or {@code gnutls-serv} is not on PATH.
 *
 * <p>How the peers are driven:
 * <ul>
 * <li>{@code gnutls-serv --port 0 --pskpasswd FILE --priority P --echo} under {@code stdbuf -oL}
 *     (line-buffered stdout: it may lose buffered output when it is stopped) and {@code timeout 60} (it
 *     never exits by itself; this bounds its life even if the JVM dies): the PSK file holds
 *     {@code identity:hexkey} lines. gnutls-serv has <b>no option to bind to loopback only</b>: it
 *     listens on 0.0.0.0 and :: (on ephemeral ports, as {@code --port 0} asks). It cannot print the port
 *     it bound, so the test reads it from {@code /proc/<pid>/fd} and {@code /proc/net/tcp} (Linux; no
 *     guessed port, no race). It lives only for one connection's time, holds only test keys, and each
 *     test checks that it accepted exactly one connection, from 127.0.0.1. The test stops it (SIGTERM)
 *     once it has reported the handshake.</li>
 * <li>{@code gnutls-cli --port N --pskusername ID --pskkey HEX --priority P 127.0.0.1} under
 *     {@code stdbuf -oL} (line-buffered stdout, so that what it printed before a crash is not lost) and
 *     {@code ulimit -c 0} (no core files): stdin is sent to the server, the server's data is printed.</li>
 * <li>Each suite gets a priority string that enables exactly that suite:
 *     {@code NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:+<kx>:-CIPHER-ALL:+<cipher>:-MAC-ALL:+<mac>}, checked
 *     against {@code gnutls-cli --list --priority} (one suite, our code point). Plain {@code NORMAL}
 *     has neither mandatory suite: it lacks the SHA256 MAC and AES-128-CCM-8
 *     ({@link #normalPriorityNeedsCcm8AndSha256ForTheMandatorySuites}).</li>
 * </ul>
 *
 * <p>Interop matrix, GnuTLS 3.7.9 + BC 1.84 ("SAEF client" = SAEF socket against
 * {@code gnutls-serv --echo}; "SAEF server" = {@code gnutls-cli} against a SAEF echo server):
 * <pre>
 * suite (JSSE name)                            GnuTLS name                       SAEF client  SAEF server
 * TLS_PSK_WITH_AES_128_GCM_SHA256              TLS_PSK_AES_128_GCM_SHA256        pass         pass
 * TLS_PSK_WITH_AES_256_GCM_SHA384              TLS_PSK_AES_256_GCM_SHA384        pass         pass
 * TLS_PSK_WITH_AES_128_CCM                     TLS_PSK_AES_128_CCM               pass         pass
 * TLS_PSK_WITH_AES_256_CCM                     TLS_PSK_AES_256_CCM               pass         pass
 * TLS_PSK_WITH_AES_128_CCM_8       (DTLS mand.) TLS_PSK_AES_128_CCM_8             pass         pass
 * TLS_PSK_WITH_AES_256_CCM_8                   TLS_PSK_AES_256_CCM_8             pass         pass
 * TLS_PSK_WITH_AES_128_CBC_SHA256  (TLS mand.) TLS_PSK_AES_128_CBC_SHA256        pass         pass
 * TLS_PSK_WITH_AES_256_CBC_SHA384              TLS_PSK_AES_256_CBC_SHA384        pass         pass
 * TLS_DHE_PSK_WITH_AES_{128,256}_GCM_...       TLS_DHE_PSK_AES_..._GCM_...       pass         peer-bug
 * TLS_DHE_PSK_WITH_AES_{128,256}_CCM           TLS_DHE_PSK_AES_..._CCM           pass         peer-bug
 * TLS_PSK_DHE_WITH_AES_{128,256}_CCM_8         TLS_DHE_PSK_AES_..._CCM_8         pass         peer-bug
 * TLS_DHE_PSK_WITH_AES_{128,256}_CBC_...       TLS_DHE_PSK_AES_..._CBC_...       pass         peer-bug
 * TLS_ECDHE_PSK_WITH_AES_128_GCM_SHA256        none (RFC 8442, 0xD001)           skipped: not in GnuTLS 3.7
 * TLS_ECDHE_PSK_WITH_AES_256_GCM_SHA384        none (RFC 8442, 0xD002)           skipped: not in GnuTLS 3.7
 * TLS_ECDHE_PSK_WITH_AES_128_CCM_SHA256        none (RFC 8442, 0xD005)           skipped: not in GnuTLS 3.7
 * TLS_ECDHE_PSK_WITH_AES_128_CCM_8_SHA256      none (RFC 8442, 0xD003)           skipped: not in GnuTLS 3.7
 * TLS_ECDHE_PSK_WITH_AES_{128,256}_CBC_...     TLS_ECDHE_PSK_AES_..._CBC_...     pass         peer-bug
 * </pre>
 * "pass", SAEF client: handshake, two lines echoed (one of 6000 bytes), our session's suite and bound
 * identity (IdB {@code /id-in}), and gnutls-serv's own report: the identity it accepted, TLS 1.2, key
 * exchange, cipher, MAC, extended master secret, encrypt-then-MAC exactly for CBC, one connection
 * from 127.0.0.1. "pass", SAEF server: the same from gnutls-cli's report and a line echoed, the SAEF
 * session bound to the configured AE-ID, gnutls-cli exits 0 after close_notify.
 *
 * <p>"peer-bug": gnutls-cli 3.7.9 crashes (SIGSEGV, in {@code gnutls_psk_server_get_username()}
 * called by its session printout, seen with gdb) right after every (EC)DHE_PSK handshake, before it
 * reads stdin, also against GnuTLS's own gnutls-serv
 * ({@link #gnutlsCliCrashesAfterDhePskAgainstGnutlsServToo}). The handshake itself is verified: gnutls-cli prints
 * its {@code - Description:} line only once {@code gnutls_handshake()} succeeded (it does not for a
 * wrong key, {@link #wrongKeySaefServer}), and the SAEF server completed the handshake (which
 * includes checking gnutls-cli's Finished and the extended master secret) and bound the session.
 * Application data is not exchanged in these cells.
 *
 * <p>Further cases:
 * <pre>
 * case                                                    SAEF client                 SAEF server
 * wrong Kpsa                                              pass: exact message         pass: exact message
 * unknown KpsaID                                          pass: exact message (*)     pass: exact message
 * 128-octet KpsaID, 64-octet Kpsa (RFC 4279 5.3)          pass                        pass
 * </pre>
 * (*) gnutls-serv does not send unknown_psk_identity for an identity missing from its PSK file: by
 * design (no user enumeration) it continues with a random key, so the handshake fails at the Finished
 * message with bad_record_mac, exactly like a wrong key. The SAEF client then reports a differing Kpsa
 * for the KpsaID; the test pins that message.
 *
 * <p>The run records the per-suite matrix of its own results in
 * {@code target/conformance/interop/gnutls.tsv} ({@link InteropMatrix}) and prints it to the test output.
 */
@Timeout(60)
class GnuTlsInteropTest {

    static final String PEER = "GnuTLS";
    static final String KPSA = "ae42@sp.example.com";
    static final String STRANGER = "stranger@sp.example.com";
    static final String KEY = "00112233445566778899aabbccddeeff";
    static final String OTHER_KEY = "ffeeddccbbaa99887766554433221100";
    static final String TLS_MANDATORY = SuiteProfile.TLS_MANDATORY;
    static final String DTLS_MANDATORY = SuiteProfile.DTLS_MANDATORY;

    /** Bound on each wait for a process or a peer. */
    static final Duration WAIT = Duration.ofSeconds(10);

    /** Exit status of a process killed by SIGSEGV, as {@link Process#exitValue()} reports it on Linux. */
    static final int SIGSEGV_EXIT = 128 + 11;

    private static final Pattern LISTENING = Pattern.compile("listening on IPv4 \\S+ port 0\\.\\.\\.done");
    private static final Pattern ACCEPTED = Pattern.compile("(?m)^\\* Accepted connection from (\\S+) (\\S+) port ");
    private static final Pattern DESCRIPTION = Pattern.compile("(?m)^- Description: (.*)$");
    private static final Pattern OPTIONS = Pattern.compile("(?m)^- Options: (.*)$");
    private static final Pattern HANDSHAKE_REPORTED = Pattern.compile("(?m)^- Options: [^\n]*\n");

    private static Path gnutlsCli;
    private static Path gnutlsServ;
    private static Path stdbuf;
    private static Path timeout;
    private static GnuTlsSuites suites;
    private static String unavailable;

    /** Records every suite x role cell into {@code target/conformance/interop/gnutls.tsv}. */
    @RegisterExtension
    static final MatrixWatcher MATRIX = new MatrixWatcher(PEER,
            () -> Optional.ofNullable(suites).map(GnuTlsSuites::version), () -> unavailable,
            suite -> GnuTlsSuites.gnutlsName(suite).orElse("-"));

    @TempDir
    Path dir;

    private final List<AutoCloseable> resources = new ArrayList<>();

    @BeforeAll
    static void findGnuTls() throws Exception {
        Optional<Path> cli = PeerProcess.findOnPath("gnutls-cli");
        Optional<Path> serv = PeerProcess.findOnPath("gnutls-serv");
        Optional<Path> sb = PeerProcess.findOnPath("stdbuf");
        Optional<Path> to = PeerProcess.findOnPath("timeout");
        if (cli.isEmpty() || serv.isEmpty()) {
            unavailable = "gnutls-cli/gnutls-serv not on PATH (Debian package gnutls-bin): GnuTLS interop tests skipped";
        } else if (sb.isEmpty() || to.isEmpty()) {
            unavailable = "stdbuf/timeout (coreutils) not on PATH, needed to run the GnuTLS tools: GnuTLS interop"
                    + " tests skipped";
        } else if (!Files.isReadable(Path.of("/proc/net/tcp"))) {
            unavailable = "/proc/net/tcp is not readable, needed to find gnutls-serv's ephemeral port: GnuTLS"
                    + " interop tests skipped";
        }
        Assumptions.assumeTrue(unavailable == null, () -> unavailable);
        gnutlsCli = cli.get();
        gnutlsServ = serv.get();
        stdbuf = sb.get();
        timeout = to.get();
        suites = GnuTlsSuites.probe(gnutlsCli);
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

    /** The hand mapping and the one-suite priority strings agree with the installed GnuTLS. */
    @Test
    @Timeout(30)
    void gnutlsNamesAndPrioritiesMatchOurCodePoints() throws Exception {
        List<String> problems = new ArrayList<>();
        for (CipherSuiteInfo s : SuiteProfile.all()) {
            Optional<String> name = GnuTlsSuites.gnutlsName(s.name());
            if (name.isEmpty()) {
                suites.nameOf(s.code()).ifPresent(n -> problems.add(s + ": not mapped, but GnuTLS has it as " + n));
                continue;
            }
            Optional<Integer> code = suites.codeOf(name.get());
            if (code.isEmpty()) {
                problems.add(s + ": GnuTLS " + suites.version() + " does not know " + name.get());
            } else if (code.get() != s.code()) {
                problems.add(s + ": " + name.get() + " is 0x" + Integer.toHexString(code.get()) + " in GnuTLS");
            }
            String priority = GnuTlsSuites.priority(name.get());
            Map<String, Integer> enabled = GnuTlsSuites.enabledBy(gnutlsCli, priority);
            if (!enabled.equals(Map.of(name.get(), s.code()))) {
                problems.add(s + ": priority " + priority + " enables " + enabled);
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    /** GnuTLS's NORMAL needs {@code +AES-128-CCM-8:+SHA256} for the two mandatory suites. */
    @Test
    @Timeout(30)
    void normalPriorityNeedsCcm8AndSha256ForTheMandatorySuites() throws Exception {
        String base = "NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:+PSK";
        String tls = GnuTlsSuites.gnutlsName(TLS_MANDATORY).orElseThrow();
        String dtls = GnuTlsSuites.gnutlsName(DTLS_MANDATORY).orElseThrow();
        Map<String, Integer> normal = GnuTlsSuites.enabledBy(gnutlsCli, base);
        Map<String, Integer> extended = GnuTlsSuites.enabledBy(gnutlsCli, base + ":+AES-128-CCM-8:+SHA256");
        assertAll(
                () -> assertFalse(normal.containsKey(tls), "NORMAL now has " + tls + ": " + normal),
                () -> assertFalse(normal.containsKey(dtls), "NORMAL now has " + dtls + ": " + normal),
                () -> assertTrue(extended.containsKey(tls), String.valueOf(extended)),
                () -> assertTrue(extended.containsKey(dtls), String.valueOf(extended)));
    }

    // -------------------------------------------------------------------- every suite, SAEF client

    @ParameterizedTest(name = "saef-client {0}")
    @MethodSource("allSuites")
    @Timeout(30)
    void saefClientAgainstGnutlsServ(String suite) throws Exception {
        String name = gnutlsNameOrSkip(suite);
        GnuTlsServer srv = gnutlsServ(GnuTlsSuites.priority(name), KPSA + ":" + KEY);
        SSLContext ctx = context(clientTable(KPSA, srv.port(), KEY), ecdhe(suite));
        SSLSession session = saefClientRoundTrip(ctx, srv, suite);

        assertEquals(suite, session.getCipherSuite());
        assertEquals("TLSv1.2", session.getProtocol());
        SaefPrincipal peer = (SaefPrincipal) session.getPeerPrincipal();
        assertEquals("/id-in", peer.getName(), "Entity A binds the session to IdB");
        assertEquals(KPSA, peer.kpsaId().orElseThrow().value());

        String out = stop(srv);
        String why = srv.process().describe();
        assertOneLoopbackConnection(srv);
        assertAll(
                () -> assertTrue(out.contains("- PSK authentication. Connected as '" + KPSA + "'\n"),
                        "gnutls-serv's accepted identity\n" + why),
                () -> assertTrue(out.contains("- Version: TLS1.2\n"), why),
                () -> assertTrue(out.contains("- Key Exchange: " + GnuTlsSuites.keyExchange(name) + "\n"), why),
                () -> assertTrue(out.contains("- Cipher: " + GnuTlsSuites.cipher(name) + "\n"), why),
                () -> assertTrue(out.contains("- MAC: " + GnuTlsSuites.mac(name) + "\n"), why),
                () -> assertTrue(options(out).contains("extended master secret"),
                        "GnuTLS did not negotiate the extended master secret\n" + why),
                () -> assertEquals(isCbc(suite), options(out).contains("EtM"),
                        "encrypt-then-MAC is negotiated exactly for CBC suites\n" + why),
                () -> assertFalse(srv.process().stderr().contains("Error in handshake"), why));
    }

    // -------------------------------------------------------------------- every suite, SAEF server

    @ParameterizedTest(name = "saef-server {0}")
    @MethodSource("allSuites")
    @Timeout(30)
    void gnutlsCliAgainstSaefServer(String suite) throws Exception {
        String name = gnutlsNameOrSkip(suite);
        SSLContext ctx = context(serverTable(KPSA, "CAE01", KEY), ecdhe(suite));
        SaefEchoServer echo = track(SaefEchoServer.start(ctx, ss -> { }));
        ClientRun run = gnutlsCliRoundTrip(echo, GnuTlsSuites.priority(name), KPSA, KEY);

        SaefEchoServer.Outcome o = run.outcome();
        String out = run.process().stdout();
        String why = run.process().describe();
        assertNull(o.handshakeFailure(), () -> "handshake failed on our side\n" + why);
        assertEquals(suite, o.session().getCipherSuite());
        SaefPrincipal peer = (SaefPrincipal) o.session().getPeerPrincipal();
        assertEquals("CAE01", peer.getName(), "peer= configured: bound to that AE-ID");
        assertTrue(peer.isConfigured());
        assertEquals(KPSA, peer.kpsaId().orElseThrow().value());

        // Printed by gnutls-cli only after gnutls_handshake() succeeded (that is, after it verified our Finished).
        Matcher d = DESCRIPTION.matcher(out);
        assertTrue(d.find(), () -> "gnutls-cli did not report a completed handshake\n" + why);
        String description = d.group(1);
        assertTrue(description.matches(expectedDescription(name)),
                () -> "gnutls-cli's session: " + description + ", expected /" + expectedDescription(name) + "/\n" + why);

        if (run.echoed()) {
            assertAll(
                    () -> assertNull(o.laterFailure(), () -> "echo/close failed on our side: " + o.laterFailure()
                            + "\n" + why),
                    () -> assertTrue(options(out).contains("extended master secret"), "no EMS per gnutls-cli\n" + why),
                    () -> assertEquals(isCbc(suite), options(out).contains("EtM"),
                            "encrypt-then-MAC is negotiated exactly for CBC suites\n" + why),
                    () -> assertEquals(0, run.exitCode(), "gnutls-cli exit code\n" + why));
            return;
        }
        // No echo: only the known gnutls-cli 3.7.9 crash after (EC)DHE_PSK handshakes is accepted.
        CipherSuiteInfo.KeyExchange kx = SuiteProfile.byName(suite).orElseThrow().keyExchange();
        assertTrue(kx != CipherSuiteInfo.KeyExchange.PSK && run.exitCode() == SIGSEGV_EXIT,
                () -> "gnutls-cli ended (exit " + run.exitCode() + ") without echoing\n" + why);
        assertNotNull(o.laterFailure(), "our side saw the connection drop without close_notify");
        MATRIX.peerBug(suite, InteropMatrix.SAEF_SERVER, String.format(Locale.ROOT,
                "peer bug: gnutls-cli %s crashes (SIGSEGV) after the %s handshake, before sending application data"
                        + " (handshake itself verified: gnutls-cli reported %s once its handshake had succeeded; the"
                        + " SAEF server completed it, extended master secret included, and bound the session to %s;"
                        + " no data exchanged)",
                suites.version(), kx.name(), description, peer.getName()));
    }

    /**
     * The crash is GnuTLS's own: gnutls-cli 3.7.9 also dies after a DHE_PSK handshake with gnutls-serv,
     * right after its session printout started; gnutls-serv saw a completed handshake.
     */
    @Test
    @Timeout(30)
    void gnutlsCliCrashesAfterDhePskAgainstGnutlsServToo() throws Exception {
        String name = GnuTlsSuites.gnutlsName("TLS_DHE_PSK_WITH_AES_128_GCM_SHA256").orElseThrow();
        String priority = GnuTlsSuites.priority(name);
        GnuTlsServer srv = gnutlsServ(priority, KPSA + ":" + KEY);
        PeerProcess cli = gnutlsCli(srv.port(), priority, KPSA, KEY);
        cli.closeStdin();
        int rc = cli.awaitExit(WAIT);
        String serv = stop(srv);
        String why = cli.describe() + "\n" + srv.process().describe();
        assertTrue(DESCRIPTION.matcher(cli.stdout()).find(), why);
        assertTrue(serv.contains("- Key Exchange: DHE-PSK\n"), "gnutls-serv completed the handshake\n" + why);
        Assumptions.assumeTrue(suites.version().equals("3.7.9"),
                () -> "gnutls-cli " + suites.version() + " exited with " + rc + " (the crash was seen with 3.7.9)");
        assertEquals(SIGSEGV_EXIT, rc, "gnutls-cli 3.7.9 no longer crashes after DHE_PSK: update the matrix notes\n"
                + why);
    }

    // ---------------------------------------------------------------------- identities and keys

    @Test
    @Timeout(30)
    void wrongKeySaefClient() throws Exception {
        GnuTlsServer srv = gnutlsServ(GnuTlsSuites.priority("TLS_PSK_AES_128_CBC_SHA256"), KPSA + ":" + OTHER_KEY);
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
        stop(srv);
        assertOneLoopbackConnection(srv);
        assertTrue(srv.process().stderr().contains("Error in handshake: Decryption has failed."),
                srv.process().describe());
    }

    @Test
    @Timeout(30)
    void wrongKeySaefServer() throws Exception {
        SSLContext ctx = context(serverTable(KPSA, "CAE01", KEY), UnaryOperator.identity());
        SaefEchoServer echo = track(SaefEchoServer.start(ctx, ss -> { }));
        PeerProcess cli = gnutlsCli(echo.port(), GnuTlsSuites.priority("TLS_PSK_AES_128_CCM_8"), KPSA, OTHER_KEY);
        cli.closeStdin();
        int rc = cli.awaitExit(WAIT);
        Throwable e = echo.outcome(WAIT).handshakeFailure();
        String why = cli.describe();
        assertNotNull(e, why);
        assertTrue(e instanceof SSLHandshakeException, e.toString());
        assertEquals("the client's Finished message failed verification (alert bad_record_mac): the client used a"
                + " different Kpsa for KpsaID " + KPSA, e.getMessage());
        assertNoKeyMaterial(e);
        assertTrue(cli.stdout().contains("*** Received alert [20]: Bad record MAC"), why);
        // gnutls-cli prints its session description only after a successful handshake (see gnutlsCliAgainstSaefServer)
        assertFalse(DESCRIPTION.matcher(cli.stdout()).find(), why);
        assertEquals(1, rc, why);
    }

    /**
     * gnutls-serv answers an identity missing from its PSK file as if the key were wrong: it continues
     * with a random key (GnuTLS does this on purpose, so that clients cannot probe which identities
     * exist) and fails the client's Finished with bad_record_mac. It never sends unknown_psk_identity.
     * The SAEF client's message pins what we print today: it blames a differing Kpsa, which is one of
     * the two possible causes.
     */
    @Test
    @Timeout(30)
    void unknownIdentityRejectedByGnutlsServ() throws Exception {
        GnuTlsServer srv = gnutlsServ(GnuTlsSuites.priority("TLS_PSK_AES_128_CBC_SHA256"), KPSA + ":" + KEY);
        SSLContext ctx = context(clientTable(STRANGER, srv.port(), KEY), UnaryOperator.identity());
        SSLHandshakeException e = assertThrows(SSLHandshakeException.class, () -> {
            try (SSLSocket s = saefSocket(ctx, srv.port())) {
                s.startHandshake();
            }
        });
        assertEquals("the server could not verify our Finished message (alert bad_record_mac): it does not hold our Kpsa for KpsaID "
                + STRANGER + ": either the Kpsa differs between the two sides, or the server does not know this KpsaID and hides"
                + " that (as GnuTLS does); provision the same KpsaID and Kpsa on both sides (TS-0003 clause 8.2.2.1)", e.getMessage());
        assertNoKeyMaterial(e);
        String out = stop(srv);
        String why = srv.process().describe();
        assertOneLoopbackConnection(srv);
        assertTrue(srv.process().stderr().contains("Error in handshake: Decryption has failed."), why);
        assertFalse(out.contains("Connected as"), "gnutls-serv accepted the stranger\n" + why);
    }

    @Test
    @Timeout(30)
    void unknownIdentityRejectedBySaefServer() throws Exception {
        // default (saef.unknownIdentity=hide): gnutls-cli sees what a wrong key gives; our message names the KpsaID
        SSLContext hiding = context(serverTable(KPSA, "CAE01", KEY), UnaryOperator.identity());
        SaefEchoServer hidden = track(SaefEchoServer.start(hiding, ss -> { }));
        PeerProcess hcli = gnutlsCli(hidden.port(), GnuTlsSuites.priority("TLS_PSK_AES_128_CBC_SHA256"), STRANGER, KEY);
        hcli.closeStdin();
        int hrc = hcli.awaitExit(WAIT);
        Throwable he = hidden.outcome(WAIT).handshakeFailure();
        String hwhy = hcli.describe();
        assertNotNull(he, hwhy);
        assertTrue(he instanceof SSLHandshakeException, he.toString());
        assertTrue(he.getMessage().startsWith("the client offered KpsaID '" + STRANGER + "', which is not provisioned in "),
                he.getMessage());
        assertTrue(he.getMessage().endsWith("(saef.unknownIdentity=hide, RFC 4279 section 5)"), he.getMessage());
        assertNoKeyMaterial(he);
        assertTrue(hcli.stdout().contains("*** Received alert [20]: Bad record MAC"), hwhy);
        assertEquals(1, hrc, hwhy);
        // saef.unknownIdentity=reveal: unknown_psk_identity
        SSLContext ctx = context(serverTable(KPSA, "CAE01", KEY), c -> c.withHideUnknownIdentities(false));
        SaefEchoServer echo = track(SaefEchoServer.start(ctx, ss -> { }));
        PeerProcess cli = gnutlsCli(echo.port(), GnuTlsSuites.priority("TLS_PSK_AES_128_CBC_SHA256"), STRANGER, KEY);
        cli.closeStdin();
        int rc = cli.awaitExit(WAIT);
        Throwable e = echo.outcome(WAIT).handshakeFailure();
        String why = cli.describe();
        assertNotNull(e, why);
        assertTrue(e instanceof SSLHandshakeException, e.toString());
        String msg = e.getMessage();
        assertTrue(msg.startsWith("the client offered KpsaID '" + STRANGER + "', which is not provisioned in "), msg);
        assertTrue(msg.endsWith("; sent alert unknown_psk_identity"), msg);
        assertNoKeyMaterial(e);
        assertTrue(cli.stdout().contains("*** Received alert [115]: The SRP/PSK username is missing or not known"), why);
        assertFalse(DESCRIPTION.matcher(cli.stdout()).find(), why);
        assertEquals(1, rc, why);
    }

    /** A 128-octet KpsaID and a 64-octet Kpsa, the RFC 4279 minimum maxima, both roles. */
    @Test
    @Timeout(30)
    void longestIdentityAndKeyBothRoles() throws Exception {
        String id = "k".repeat(128 - "@sp.example.com".length()) + "@sp.example.com";
        assertEquals(128, id.length());
        String key = "a5".repeat(64);
        String priority = GnuTlsSuites.priority(GnuTlsSuites.gnutlsName(TLS_MANDATORY).orElseThrow());

        GnuTlsServer srv = gnutlsServ(priority, id + ":" + key);
        SSLSession cs = saefClientRoundTrip(context(clientTable(id, srv.port(), key), UnaryOperator.identity()), srv,
                TLS_MANDATORY);
        assertEquals(id, ((SaefPrincipal) cs.getPeerPrincipal()).kpsaId().orElseThrow().value());
        assertTrue(stop(srv).contains("- PSK authentication. Connected as '" + id + "'\n"), srv.process().describe());

        SaefEchoServer echo = track(SaefEchoServer.start(context(serverTable(id, null, key), UnaryOperator.identity()),
                ss -> { }));
        ClientRun run = gnutlsCliRoundTrip(echo, priority, id, key);
        String why = run.process().describe();
        assertTrue(run.echoed(), why);
        assertNull(run.outcome().handshakeFailure(), why);
        assertEquals("12-" + id, run.outcome().session().getPeerPrincipal().getName());
        assertEquals(0, run.exitCode(), why);
    }

    // ------------------------------------------------------------------------------------ helpers

    record GnuTlsServer(PeerProcess process, int port) {
    }

    /**
     * @param echoed whether gnutls-cli printed the line the SAEF server echoed
     */
    record ClientRun(PeerProcess process, int exitCode, SaefEchoServer.Outcome outcome, boolean echoed) {
    }

    private <T extends AutoCloseable> T track(T resource) {
        resources.add(resource);
        return resource;
    }

    private static String gnutlsNameOrSkip(String suite) {
        Optional<String> name = GnuTlsSuites.gnutlsName(suite);
        int code = SuiteProfile.byName(suite).orElseThrow().code();
        Assumptions.assumeTrue(name.isPresent(), () -> String.format(Locale.ROOT,
                "%s (0x%04X, RFC 8442) is not implemented by GnuTLS %s: not testable against GnuTLS", suite, code,
                suites.version()));
        return name.get();
    }

    private static UnaryOperator<SaefConfiguration> ecdhe(String suite) {
        boolean e = SuiteProfile.byName(suite).orElseThrow().keyExchange() == CipherSuiteInfo.KeyExchange.ECDHE_PSK;
        return c -> c.withEcdhePskEnabled(e);
    }

    private static boolean isCbc(String suite) {
        return !SuiteProfile.byName(suite).orElseThrow().isAead();
    }

    /**
     * Starts {@code gnutls-serv --echo} with a PSK file holding {@code pskLines} on an ephemeral port
     * (all interfaces: gnutls-serv has no bind-address option) and finds that port.
     */
    private GnuTlsServer gnutlsServ(String priority, String pskLines) throws Exception {
        Path psk = Files.createTempFile(dir, "psk", ".txt");
        Files.writeString(psk, pskLines + "\n", StandardCharsets.US_ASCII);
        // timeout: gnutls-serv never exits by itself and listens on all interfaces; should this JVM die
        // before closing it, it still ends within a minute. stdbuf: line-buffered stdout, else gnutls-serv
        // may lose its buffered report when it is stopped.
        List<String> cmd = List.of(timeout.toString(), "-k", "2", "60", stdbuf.toString(), "-oL", gnutlsServ.toString(),
                "--port", "0", "--pskpasswd", psk.toString(), "--priority", priority, "--echo");
        PeerProcess p = track(PeerProcess.start("gnutls-serv", cmd, Map.of()));
        p.awaitStderr(LISTENING, WAIT);
        long deadline = System.nanoTime() + WAIT.toNanos();
        List<Integer> ports = p.listeningTcpPorts();
        while (ports.isEmpty() && System.nanoTime() < deadline && p.isAlive()) {
            Thread.sleep(10);
            ports = p.listeningTcpPorts();
        }
        assertEquals(1, ports.size(), "gnutls-serv's IPv4 listening ports " + ports + "\n" + p.describe());
        return new GnuTlsServer(p, ports.get(0));
    }

    /**
     * Waits until gnutls-serv has reported the handshake (its {@code - Options:} line after a
     * successful one, {@code Error in handshake} after a failed one), then stops it (SIGTERM).
     *
     * @return its stdout
     */
    private static String stop(GnuTlsServer srv) throws InterruptedException {
        PeerProcess p = srv.process();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!HANDSHAKE_REPORTED.matcher(p.stdout()).find() && !p.stderr().contains("Error in handshake")
                && System.nanoTime() < deadline && p.isAlive()) {
            Thread.sleep(10);
        }
        p.stop(WAIT);
        return p.stdout();
    }

    /** gnutls-serv listens on all interfaces: it must have served exactly our one connection, from 127.0.0.1. */
    private static void assertOneLoopbackConnection(GnuTlsServer srv) {
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
     * core files (it may crash, see the class comment).
     */
    private PeerProcess gnutlsCli(int port, String priority, String identity, String keyHex) throws IOException {
        List<String> cmd = List.of("/bin/sh", "-c", "ulimit -c 0; exec \"$@\"", "sh", stdbuf.toString(), "-oL",
                gnutlsCli.toString(), "--port", Integer.toString(port), "--pskusername", identity, "--pskkey", keyHex,
                "--priority", priority, "127.0.0.1");
        return track(PeerProcess.start("gnutls-cli", cmd, Map.of()));
    }

    /**
     * Runs gnutls-cli against the echo server: sends one line on stdin and waits until the echo shows
     * up on its stdout, then closes stdin (gnutls-cli sends close_notify and exits); or, if gnutls-cli
     * exits first, reports that nothing was echoed.
     */
    private ClientRun gnutlsCliRoundTrip(SaefEchoServer echo, String priority, String identity, String keyHex)
            throws Exception {
        PeerProcess p = gnutlsCli(echo.port(), priority, identity, keyHex);
        String line = "GnuTLS to SAEF " + Long.toHexString(new Random().nextLong());
        try {
            p.send(line + "\n");
        } catch (IOException e) {
            // gnutls-cli is already gone (the known crash): judged by the caller
        }
        boolean echoed = p.pollStdout(Pattern.compile("(?m)^" + Pattern.quote(line) + "$"), WAIT).isPresent();
        p.closeStdin();
        int rc = p.awaitExit(WAIT);
        return new ClientRun(p, rc, echo.outcome(WAIT), echoed);
    }

    private static SSLSocket saefSocket(SSLContext ctx, int port) throws Exception {
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port);
        s.setSoTimeout((int) WAIT.toMillis());
        return s;
    }

    /**
     * Connects a SAEF client to {@code gnutls-serv --echo}, sends a short and a 6000-byte line and
     * checks both come back, then closes (close_notify).
     */
    private static SSLSession saefClientRoundTrip(SSLContext ctx, GnuTlsServer srv, String suite) throws Exception {
        Random random = new Random(srv.port());
        StringBuilder big = new StringBuilder();
        for (int i = 0; i < 6000; i++) {
            big.append((char) ('a' + random.nextInt(26)));
        }
        List<String> lines = List.of("SAEF to GnuTLS " + suite, big.toString());
        try (SSLSocket s = saefSocket(ctx, srv.port())) {
            s.setEnabledCipherSuites(new String[] {suite});
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
                assertEquals(line, in.readLine(), "gnutls-serv --echo answer");
            }
            return s.getSession();
        }
    }

    /** @return the text of gnutls's {@code - Options:} line (e.g. "extended master secret, safe renegotiation, EtM,") */
    private static String options(String out) {
        Matcher m = OPTIONS.matcher(out);
        return m.find() ? m.group(1) : "";
    }

    /**
     * @return a pattern for gnutls-cli's {@code - Description:} of the suite, e.g.
     *     {@code (TLS1.2-X.509)-(DHE-FFDHE2048)-(AES-128-CBC)-(SHA256)}; the (EC)DHE group is SAEF's choice
     */
    private static String expectedDescription(String gnutlsName) {
        String kx = switch (GnuTlsSuites.keyExchange(gnutlsName)) {
            case "PSK" -> "PSK";
            case "DHE-PSK" -> "DHE-FFDHE\\d+";
            default -> "ECDHE-[A-Z0-9]+";
        };
        String mac = GnuTlsSuites.mac(gnutlsName);
        return Pattern.quote("(TLS1.2-X.509)-(") + kx + Pattern.quote(")-(" + GnuTlsSuites.cipher(gnutlsName) + ")"
                + (mac.equals("AEAD") ? "" : "-(" + mac + ")"));
    }

    private static void assertNoKeyMaterial(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
            assertFalse(m.contains(KEY) || m.contains(OTHER_KEY), "key material in message: " + t);
        }
    }
}
