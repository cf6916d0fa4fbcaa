package dev.saef.interop;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saef.interop.InteropPeer.Server;
import dev.saef.profile.CipherSuiteInfo;
import dev.saef.profile.SuiteProfile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Interop of the SAEF provider with a real GnuTLS ({@code gnutls-serv} / {@code gnutls-cli} from
 * Debian 12's {@code gnutls-bin}, GnuTLS 3.7.9) over loopback TCP: TLS 1.2 PSK, psk_identity = KpsaID,
 * psk = Kpsa (oneM2M TS-0003 clauses 8.2.2.1 and 10.2.2). The tests start the GnuTLS processes
 * themselves and are skipped when {@code gnutls-cli} or {@code gnutls-serv} is not on PATH.
 *
 * <p>The scenarios every peer runs (every suite in both roles, wrong Kpsa, unknown KpsaID, no suite in
 * common, longest KpsaID and Kpsa) are the matrix of {@link InteropScenarios}, played against GnuTLS by
 * {@link GnuTlsPeer} (its command lines, described below, and the reading of its reports); this class
 * adds the checks of GnuTLS's own suite names and priority strings and the proof that gnutls-cli's
 * crash after (EC)DHE_PSK handshakes is GnuTLS's own.
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
 * wrong key, {@link InteropScenarios#wrongKey}), and the SAEF server completed the handshake (which
 * includes checking gnutls-cli's Finished and the extended master secret) and bound the session.
 * Application data is not exchanged in these cells.
 *
 * <p>Further cases:
 * <pre>
 * case                                                    SAEF client                 SAEF server
 * wrong Kpsa                                              pass: exact message         pass: exact message
 * unknown KpsaID                                          pass: exact message (*)     pass: exact message (hidden and revealed)
 * suite mismatch                                          pass: exact message         pass (ECDHE off by default; socket-disabled GCM)
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
class GnuTlsInteropTest extends InteropScenarios {

    static final String PEER = "GnuTLS";

    private static Path gnutlsCli;
    private static Path gnutlsServ;
    private static Path stdbuf;
    private static Path timeout;
    private static GnuTlsSuites suites;
    private static String unavailable;

    private GnuTlsPeer peer;

    /** Records every suite x role cell into {@code target/conformance/interop/gnutls.tsv}. */
    @RegisterExtension
    static final MatrixWatcher MATRIX = new MatrixWatcher(PEER,
            () -> Optional.ofNullable(suites).map(GnuTlsSuites::version), () -> unavailable,
            suite -> GnuTlsSuites.gnutlsName(suite).orElse("-"));

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

    // -------------------------------------------------------------------- every suite, SAEF server

    /**
     * The crash is GnuTLS's own: gnutls-cli 3.7.9 also dies after a DHE_PSK handshake with gnutls-serv,
     * right after its session printout started; gnutls-serv saw a completed handshake.
     */
    @Test
    @Timeout(30)
    void gnutlsCliCrashesAfterDhePskAgainstGnutlsServToo() throws Exception {
        String name = GnuTlsSuites.gnutlsName("TLS_DHE_PSK_WITH_AES_128_GCM_SHA256").orElseThrow();
        String priority = GnuTlsSuites.priority(name);
        Server srv = peer().gnutlsServ(priority, KPSA + ":" + KEY);
        PeerProcess cli = peer().gnutlsCli(srv.port(), priority, KPSA, KEY);
        cli.closeStdin();
        int rc = cli.awaitExit(WAIT);
        String serv = GnuTlsPeer.stop(srv);
        String why = cli.describe() + "\n" + srv.process().describe();
        assertTrue(GnuTlsPeer.DESCRIPTION.matcher(cli.stdout()).find(), why);
        assertTrue(serv.contains("- Key Exchange: DHE-PSK\n"), "gnutls-serv completed the handshake\n" + why);
        Assumptions.assumeTrue(suites.version().equals("3.7.9"),
                () -> "gnutls-cli " + suites.version() + " exited with " + rc + " (the crash was seen with 3.7.9)");
        assertEquals(GnuTlsPeer.SIGSEGV_EXIT, rc, "gnutls-cli 3.7.9 no longer crashes after DHE_PSK: update the matrix notes\n"
                + why);
    }

    // ------------------------------------------------------------------------------------ helpers

    // ------------------------------------------------------------------------------------ helpers

    @Override
    GnuTlsPeer peer() {
        if (peer == null) {
            peer = new GnuTlsPeer(gnutlsCli, gnutlsServ, stdbuf, timeout, suites, this::track);
        }
        return peer;
    }

    @Override
    MatrixWatcher matrix() {
        return MATRIX;
    }
}
