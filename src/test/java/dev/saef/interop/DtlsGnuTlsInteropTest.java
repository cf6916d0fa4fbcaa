package dev.saef.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saef.jsse.DtlsServer;
import dev.saef.profile.CipherSuiteInfo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * DTLS 1.2 PSK-SAEF against GnuTLS ({@code gnutls-serv --udp} / {@code gnutls-cli --udp} of Debian's
 * {@code gnutls-bin}), both roles, every suite of the SAEF profile that GnuTLS implements, over real UDP
 * on 127.0.0.1. Skipped, with the reason, when the GnuTLS tools are not on PATH. The AES-256 suites
 * (AES-128 twins: same record and handshake code) are skipped with
 * {@code -Dsaef.interop.dtlsAllSuites=false}; they pass with GnuTLS 3.7.9 (peer-bug for DHE/ECDHE_PSK
 * as below).
 * <ul>
 *   <li>{@code saef-client <suite>}: one {@code gnutls-serv --udp --echo} for all cells, its priority
 *       string enabling every shared suite over DTLS 1.2 only; a SAEF {@code DTLS} engine enabled for
 *       exactly that suite, driven like the JDK's DTLS engine ({@code DtlsDriver}): the session's suite
 *       and bound peer ({@code /id-in}), one datagram echoed, close_notify; gnutls-serv's log shows it
 *       accepted our port and decrypted our line.</li>
 *   <li>{@code saef-server <suite>}: one SAEF {@link DtlsServer} (echo) for all cells; per cell a
 *       {@code gnutls-cli --udp} whose priority enables only that suite over DTLS 1.2: its
 *       {@code - Description:} names DTLS 1.2 and the suite, a line echoed, exit 0 after close_notify;
 *       the SAEF session of that suite bound to the configured AE-ID and the KpsaID.</li>
 * </ul>
 * Process handling (stdbuf, timeout, no core files, port discovery through {@code /proc}, gnutls-serv
 * listening on all interfaces) is that of {@link GnuTlsInteropTest}; gnutls-serv's UDP port is read from
 * {@code /proc/net/udp}.
 *
 * <p>"peer-bug": gnutls-cli 3.7.9 crashes (SIGSEGV) right after every DHE_PSK and ECDHE_PSK handshake,
 * before it reads stdin, over DTLS as over TLS ({@link GnuTlsInteropTest} has the analysis). Such a cell
 * still verifies the handshake (gnutls-cli prints its {@code - Description:} only after
 * {@code gnutls_handshake()} succeeded; the SAEF server completed it, Finished and extended master
 * secret included, and bound the session) but exchanges no data. The cells are recorded in
 * {@code target/conformance/interop/gnutls-dtls.tsv} ({@link InteropMatrix}).
 */
@Timeout(30)
class DtlsGnuTlsInteropTest {

    static final String PEER = "GnuTLS-DTLS";
    static final Duration WAIT = DtlsInterop.WAIT;
    private static final Pattern LISTENING = Pattern.compile("listening on IPv4 \\S+ port 0\\.\\.\\.done");
    private static final Pattern DESCRIPTION = Pattern.compile("(?m)^- Description: (.*)$");

    private static Path gnutlsCli;
    private static Path gnutlsServ;
    private static Path stdbuf;
    private static Path timeout;
    private static GnuTlsSuites suites;
    private static String unavailable;

    private static PeerProcess gnutlsServer;
    private static int gnutlsServerPort;
    private static Path pskFile;
    private static DtlsInterop.EchoServer saefServer;
    private final List<AutoCloseable> started = new ArrayList<>();

    @RegisterExtension
    static final MatrixWatcher MATRIX = new MatrixWatcher(PEER,
            () -> Optional.ofNullable(suites).map(GnuTlsSuites::version), () -> unavailable,
            s -> GnuTlsSuites.gnutlsName(s).orElse("-"));

    @BeforeAll
    static void findGnuTls() throws Exception {
        gnutlsCli = PeerProcess.findOnPath("gnutls-cli").orElse(null);
        gnutlsServ = PeerProcess.findOnPath("gnutls-serv").orElse(null);
        stdbuf = PeerProcess.findOnPath("stdbuf").orElse(null);
        timeout = PeerProcess.findOnPath("timeout").orElse(null);
        if (gnutlsCli == null || gnutlsServ == null || stdbuf == null || timeout == null) {
            unavailable = "gnutls-cli/gnutls-serv (Debian package gnutls-bin), stdbuf or timeout is not on PATH:"
                    + " DTLS interop with GnuTLS skipped";
        }
        Assumptions.assumeTrue(unavailable == null, unavailable);
        suites = GnuTlsSuites.probe(gnutlsCli);
    }

    @AfterAll
    static void stopServers() throws Exception {
        if (gnutlsServer != null) {
            gnutlsServer.close();
            gnutlsServer = null;
        }
        if (pskFile != null) {
            Files.deleteIfExists(pskFile);
            pskFile = null;
        }
        if (saefServer != null) {
            saefServer.close();
            saefServer = null;
        }
    }

    @org.junit.jupiter.api.AfterEach
    void stopClients() throws Exception {
        for (AutoCloseable c : started) {
            c.close();
        }
    }

    static List<String> suites() {
        return DtlsInterop.profileSuites();
    }

    /** @return the GnuTLS names of the profile suites GnuTLS implements, in profile order */
    static List<String> sharedGnuTlsNames() {
        return suites().stream().map(GnuTlsSuites::gnutlsName).flatMap(Optional::stream).toList();
    }

    /**
     * @return GnuTLS's name of a suite, or aborts the cell (recorded as skipped) saying why: GnuTLS
     *     lacks it, or it is an AES-256 twin of an AES-128 suite run here and {@value DtlsInterop#ALL_SUITES} is not set
     */
    private static String shared(String suite) {
        Optional<String> name = GnuTlsSuites.gnutlsName(suite);
        Assumptions.assumeTrue(name.isPresent(),
                () -> "GnuTLS " + suites.version() + " does not implement " + suite + " (RFC 8442)");
        DtlsInterop.assumeDefaultCell(suite);
        return name.get();
    }

    /** {@link GnuTlsSuites#priority} over DTLS 1.2 instead of TLS 1.2: exactly that one suite. */
    static String dtlsPriority(String gnutlsName) {
        return GnuTlsSuites.priority(gnutlsName).replace("+VERS-TLS1.2", "+VERS-DTLS1.2");
    }

    /** A DTLS 1.2 priority string enabling every shared suite (the union of their kx, cipher and MAC). */
    static String serverPriority() {
        Set<String> kx = new LinkedHashSet<>();
        Set<String> ciphers = new LinkedHashSet<>();
        Set<String> macs = new LinkedHashSet<>();
        for (String n : sharedGnuTlsNames()) {
            kx.add(GnuTlsSuites.keyExchange(n));
            ciphers.add(GnuTlsSuites.cipher(n));
            macs.add(GnuTlsSuites.mac(n));
        }
        return "NORMAL:-VERS-ALL:+VERS-DTLS1.2:-KX-ALL:+" + String.join(":+", kx) + ":-CIPHER-ALL:+"
                + String.join(":+", ciphers) + ":-MAC-ALL:+" + String.join(":+", macs);
    }

    @Test
    void prioritiesEnableExactlyTheSharedSuitesOverDtls() throws Exception {
        // the server's priority enables every shared suite and nothing else; a client's exactly one
        assertEquals(new TreeSet<>(sharedGnuTlsNames()),
                new TreeSet<>(GnuTlsSuites.enabledBy(gnutlsCli, serverPriority()).keySet()), serverPriority());
        String ccm8 = GnuTlsSuites.gnutlsName("TLS_PSK_WITH_AES_128_CCM_8").orElseThrow();
        assertEquals(Map.of(ccm8, 0xC0A8), GnuTlsSuites.enabledBy(gnutlsCli, dtlsPriority(ccm8)));
    }

    private static void startGnutlsServ() throws Exception {
        pskFile = Files.createTempFile("saef-gnutls-dtls-psk", ".txt");
        Files.writeString(pskFile, DtlsInterop.KPSA + ":" + DtlsInterop.KEY + "\n", StandardCharsets.US_ASCII);
        // gnutls-serv never exits by itself and binds all interfaces: timeout bounds its life should
        // this JVM die; stdbuf keeps its log line-buffered
        List<String> cmd = List.of(timeout.toString(), "-k", "2", "120", stdbuf.toString(), "-oL",
                gnutlsServ.toString(), "--udp", "--port", "0", "--pskpasswd", pskFile.toString(),
                "--priority", serverPriority(), "--echo");
        gnutlsServer = PeerProcess.start("gnutls-serv", cmd, Map.of());
        gnutlsServer.awaitStderr(LISTENING, WAIT);
        long deadline = System.nanoTime() + WAIT.toNanos();
        List<Integer> ports = gnutlsServer.boundUdpPorts();
        while (ports.isEmpty() && System.nanoTime() < deadline && gnutlsServer.isAlive()) {
            Thread.sleep(10);
            ports = gnutlsServer.boundUdpPorts();
        }
        assertEquals(1, ports.size(), "gnutls-serv's IPv4 UDP ports " + ports + "\n" + gnutlsServer.describe());
        gnutlsServerPort = ports.get(0);
    }

    @ParameterizedTest(name = "saef-client {0}")
    @MethodSource("suites")
    void saefClientWithGnutlsServ(String suite) throws Exception {
        shared(suite);
        if (gnutlsServer == null) {
            startGnutlsServ();
        }
        String line = "SAEF to GnuTLS over DTLS " + suite;
        byte[] data = (line + "\n").getBytes(StandardCharsets.US_ASCII);
        DtlsInterop.ClientRun run = DtlsInterop.clientRoundTrip(gnutlsServerPort, suite, data, Duration.ofMillis(500));
        assertArrayEquals(data, run.echoed(), "echoed by gnutls-serv");
        // gnutls-serv logs each connection it accepted after the cookie exchange, and what it decrypted
        gnutlsServer.awaitStdout(Pattern.compile("(?m)^Accepted connection from IPv4 127\\.0\\.0\\.1 port "
                + run.localPort() + "$"), WAIT);
        gnutlsServer.awaitStdout(Pattern.compile("(?m)^received\\[[0-9a-f]+\\]: " + Pattern.quote(line) + "$"), WAIT);
    }

    @ParameterizedTest(name = "saef-server {0}")
    @MethodSource("suites")
    void gnutlsCliWithSaefServer(String suite) throws Exception {
        String name = shared(suite);
        if (saefServer == null) {
            saefServer = new DtlsInterop.EchoServer(DtlsInterop.serverContext(), 0);
        }
        PeerProcess cli = gnutlsCli(saefServer.port(), dtlsPriority(name));
        String line = "GnuTLS to SAEF over DTLS " + suite;
        try {
            cli.send(line + "\n"); // read by gnutls-cli once its handshake completed
        } catch (IOException e) {
            // gnutls-cli is already gone: judged below
        }
        DtlsServer.Peer peer = saefServer.awaitConnected();
        DtlsInterop.assertServerSide(peer, suite);
        boolean echoed = cli.pollStdout(Pattern.compile("(?m)^" + Pattern.quote(line) + "$"), WAIT).isPresent();
        cli.closeStdin();
        int exit = cli.awaitExit(WAIT);
        String why = cli.describe();
        Matcher d = DESCRIPTION.matcher(cli.stdout());
        assertTrue(d.find(), () -> "gnutls-cli did not report a completed handshake\n" + why);
        String expected = GnuTlsPeer.expectedDescription(name).replace("(TLS1.2-X.509)", "(DTLS1.2-X.509)");
        assertTrue(d.group(1).matches(expected), "gnutls-cli's session: " + d.group(1) + ", expected /" + expected
                + "/\n" + why);
        if (!echoed && DtlsInterop.info(suite).keyExchange() != CipherSuiteInfo.KeyExchange.PSK
                && exit == GnuTlsPeer.SIGSEGV_EXIT) {
            MATRIX.peerBug(suite, InteropMatrix.SAEF_SERVER, "peer bug: gnutls-cli " + suites.version()
                    + " crashes (SIGSEGV) after the " + DtlsInterop.info(suite).keyExchange() + " handshake, before"
                    + " sending application data (handshake verified: gnutls-cli reported " + d.group(1)
                    + "; the SAEF server completed it and bound the session to " + DtlsInterop.CLIENT_AE
                    + "; no data exchanged)");
            return;
        }
        assertTrue(echoed, () -> "gnutls-cli did not print the echo (exit " + exit + ")\n" + why);
        assertEquals(0, exit, why);
    }

    /** {@code gnutls-cli --udp} against 127.0.0.1:port, line-buffered, without core files (it may crash). */
    private PeerProcess gnutlsCli(int port, String priority) throws IOException {
        List<String> cmd = List.of("/bin/sh", "-c", "ulimit -c 0; exec \"$@\"", "sh", stdbuf.toString(), "-oL",
                gnutlsCli.toString(), "--udp", "--port", Integer.toString(port), "--pskusername", DtlsInterop.KPSA,
                "--pskkey", DtlsInterop.KEY, "--priority", priority, "127.0.0.1");
        PeerProcess p = PeerProcess.start("gnutls-cli", cmd, Map.of());
        started.add(p);
        return p;
    }
}
