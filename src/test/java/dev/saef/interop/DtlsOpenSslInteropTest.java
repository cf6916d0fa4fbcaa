package dev.saef.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saef.identity.SaefPrincipal;
import dev.saef.jsse.DtlsDriver;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * DTLS 1.2 PSK-SAEF against OpenSSL ({@code s_server -dtls1_2} / {@code s_client -dtls1_2}), both
 * roles, every suite of the SAEF profile that OpenSSL implements, over real UDP on 127.0.0.1; the SAEF
 * side is driven like the JDK's DTLS engine ({@link DtlsDriver}). Skipped when {@code openssl} is not
 * on PATH. OpenSSL 3 needs {@code @SECLEVEL=0} for the CCM_8 suites (64-bit tags): every cipher string
 * here carries it. ECDHE_PSK is enabled in the SAEF contexts (off by default). The AES-256 suites
 * (AES-128 twins: same record and handshake code) are skipped with
 * {@code -Dsaef.interop.dtlsAllSuites=false}. The cells are recorded in
 * {@code target/conformance/interop/openssl-dtls.tsv} ({@link InteropMatrix}).
 */
class DtlsOpenSslInteropTest {

    static final String KPSA = "ae42@sp.example.com";
    static final String KEY = "00112233445566778899aabbccddeeff";
    static final Duration WAIT = Duration.ofSeconds(20);
    private static final Pattern ACCEPT = Pattern.compile("(?m)^ACCEPT 127\\.0\\.0\\.1:(\\d+)\\s*$");

    static final String PEER = "OpenSSL-DTLS";

    private static Path openssl;
    private static OpenSslSuites suites;
    private static String unavailable;
    private static Path ffdhe2048;
    private final List<PeerProcess> started = new ArrayList<>();

    @RegisterExtension
    static final MatrixWatcher MATRIX = new MatrixWatcher(PEER,
            () -> Optional.ofNullable(suites).map(OpenSslSuites::versionNumber), () -> unavailable,
            s -> OpenSslSuites.opensslName(s).orElse("-"));

    @BeforeAll
    static void findOpenSsl() throws Exception {
        Optional<Path> o = OpenSslProcess.findOnPath();
        if (o.isEmpty()) {
            unavailable = "openssl is not on PATH: DTLS interop with OpenSSL skipped";
        }
        Assumptions.assumeTrue(o.isPresent(), unavailable);
        openssl = o.get();
        suites = OpenSslSuites.probe(openssl);
        // At @SECLEVEL=0 (needed for CCM_8) s_server's automatic DH group for AES-128 DHE_PSK is 1024
        // bits, which SAEF refuses by design (OpenSslInteropTest#saefClientRefusesDhGroupBelow2048Bits):
        // s_server gets the RFC 7919 ffdhe2048 group instead.
        ffdhe2048 = Files.createTempFile("saef-ffdhe2048", ".pem");
        OpenSslProcess.run(openssl, List.of("genpkey", "-genparam", "-algorithm", "DH", "-pkeyopt", "group:ffdhe2048",
                "-out", ffdhe2048.toString()), WAIT);
    }

    @AfterAll
    static void removeDhParameters() throws Exception {
        if (ffdhe2048 != null) {
            Files.deleteIfExists(ffdhe2048);
        }
    }

    static List<String> suites() {
        return DtlsInterop.profileSuites();
    }

    /** @return OpenSSL's cipher string for exactly that suite, or aborts the cell (recorded as skipped) saying why */
    private static String cipher(String suite) {
        Optional<String> name = OpenSslSuites.opensslName(suite);
        Assumptions.assumeTrue(name.isPresent(),
                () -> "OpenSSL " + suites.versionNumber() + " does not implement " + suite + " (RFC 8442)");
        DtlsInterop.assumeDefaultCell(suite);
        return name.get() + ":@SECLEVEL=0";
    }

    @AfterEach
    void stop() {
        started.forEach(PeerProcess::close);
    }

    private PeerProcess start(String label, List<String> args) throws Exception {
        PeerProcess p = OpenSslProcess.start(label, openssl, args);
        started.add(p);
        return p;
    }

    @ParameterizedTest(name = "saef-client {0}")
    @MethodSource("suites")
    void saefClientWithOpenSslServer(String suite) throws Exception {
        String cipher = cipher(suite);
        List<String> args = new ArrayList<>(List.of("s_server", "-4", "-dtls1_2", "-accept", "127.0.0.1:0",
                "-naccept", "1", "-nocert", "-cipher", cipher, "-psk", KEY, "-psk_identity", KPSA));
        if (cipher.startsWith("DHE-")) {
            args.addAll(List.of("-dhparam", ffdhe2048.toString()));
        }
        PeerProcess server = start("s_server", args);
        Matcher m = server.awaitStdout(ACCEPT, WAIT);
        int port = Integer.parseInt(m.group(1));
        SSLContext ctx = InteropContexts.dtlsContext(InteropContexts.clientTable(KPSA, port, KEY), c -> c.withEcdhePskEnabled(true));
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            socket.setSoTimeout(500);
            SSLEngine e = ctx.createSSLEngine("127.0.0.1", port);
            e.setUseClientMode(true);
            e.setEnabledCipherSuites(new String[] {suite});
            DtlsDriver d = new DtlsDriver(e, socket, new InetSocketAddress("127.0.0.1", port), "SAEF client");
            d.handshake();
            assertEquals(suite, e.getSession().getCipherSuite());
            assertEquals("DTLSv1.2", e.getSession().getProtocol());
            assertEquals("/id-in", e.getSession().getPeerPrincipal().getName());
            String line = "SAEF to OpenSSL over DTLS " + suite;
            d.send((line + "\n").getBytes(StandardCharsets.US_ASCII));
            server.awaitStdout(Pattern.compile(Pattern.quote(line)), WAIT);
            String back = "OpenSSL to SAEF " + cipher;
            server.send(back + "\n");
            String got = new String(d.receive(), StandardCharsets.US_ASCII);
            assertEquals(back + "\n", got);
        }
    }

    @ParameterizedTest(name = "saef-server {0}")
    @MethodSource("suites")
    void openSslClientWithSaefServer(String suite) throws Exception {
        String cipher = cipher(suite);
        SSLContext ctx = InteropContexts.dtlsContext(InteropContexts.serverTable(KPSA, "CAE-openssl", KEY),
                c -> c.withEcdhePskEnabled(true));
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            socket.setSoTimeout(500);
            int port = socket.getLocalPort();
            SSLEngine e = ctx.createSSLEngine();
            e.setUseClientMode(false);
            DtlsDriver d = new DtlsDriver(e, socket, null, "SAEF server");
            PeerProcess client = start("s_client", List.of("s_client", "-4", "-dtls1_2", "-connect",
                    "127.0.0.1:" + port, "-cipher", cipher, "-psk", KEY, "-psk_identity", KPSA, "-nocommands"));
            String line = "OpenSSL to SAEF over DTLS " + suite;
            client.send(line + "\n"); // buffered by s_client until its handshake completes
            d.handshake();
            assertEquals(suite, e.getSession().getCipherSuite());
            SaefPrincipal peer = (SaefPrincipal) e.getSession().getPeerPrincipal();
            assertEquals("CAE-openssl", peer.getName());
            assertEquals(KPSA, peer.kpsaId().orElseThrow().value());
            assertEquals(line + "\n", new String(d.receive(), StandardCharsets.US_ASCII));
            String back = "SAEF to OpenSSL " + suite;
            d.send((back + "\n").getBytes(StandardCharsets.US_ASCII));
            client.awaitStdout(Pattern.compile(Pattern.quote(back)), WAIT);
            assertTrue(client.stdout().contains("Cipher is") || client.stdout().contains("CIPHER is")
                    || client.stdout().contains(cipher.replace(":@SECLEVEL=0", "")), client.stdout());
        }
    }
}
