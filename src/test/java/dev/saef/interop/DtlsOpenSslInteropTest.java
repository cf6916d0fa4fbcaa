package dev.saef.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saef.identity.SaefPrincipal;
import dev.saef.jsse.DtlsDriver;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * DTLS 1.2 PSK-SAEF against OpenSSL ({@code s_server -dtls1_2} / {@code s_client -dtls1_2}), both
 * roles, over real UDP on 127.0.0.1; the SAEF side is driven like the JDK's DTLS engine
 * ({@link DtlsDriver}). Skipped when {@code openssl} is not on PATH. OpenSSL 3 needs
 * {@code @SECLEVEL=0} for the CCM_8 suites (64-bit tags).
 */
@Timeout(60)
class DtlsOpenSslInteropTest {

    static final String KPSA = "ae42@sp.example.com";
    static final String KEY = "00112233445566778899aabbccddeeff";
    static final Duration WAIT = Duration.ofSeconds(20);
    private static final Pattern ACCEPT = Pattern.compile("(?m)^ACCEPT 127\\.0\\.0\\.1:(\\d+)\\s*$");

    private static Path openssl;
    private final List<PeerProcess> started = new ArrayList<>();

    @BeforeAll
    static void findOpenSsl() {
        Optional<Path> o = OpenSslProcess.findOnPath();
        Assumptions.assumeTrue(o.isPresent(), "openssl is not on PATH: DTLS interop with OpenSSL skipped");
        openssl = o.get();
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

    @ParameterizedTest(name = "SAEF client, s_server: {0}")
    @CsvSource({
        "TLS_PSK_WITH_AES_128_CCM_8, PSK-AES128-CCM8:@SECLEVEL=0",
        "TLS_PSK_WITH_AES_128_CCM, PSK-AES128-CCM",
        "TLS_PSK_WITH_AES_128_GCM_SHA256, PSK-AES128-GCM-SHA256",
        "TLS_PSK_WITH_AES_128_CBC_SHA256, PSK-AES128-CBC-SHA256",
        "TLS_DHE_PSK_WITH_AES_128_GCM_SHA256, DHE-PSK-AES128-GCM-SHA256"})
    void saefClientWithOpenSslServer(String suite, String cipher) throws Exception {
        PeerProcess server = start("s_server", List.of("s_server", "-4", "-dtls1_2", "-accept", "127.0.0.1:0",
                "-naccept", "1", "-nocert", "-cipher", cipher, "-psk", KEY, "-psk_identity", KPSA));
        Matcher m = server.awaitStdout(ACCEPT, WAIT);
        int port = Integer.parseInt(m.group(1));
        SSLContext ctx = InteropContexts.dtlsContext(InteropContexts.clientTable(KPSA, port, KEY), c -> c);
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

    @ParameterizedTest(name = "s_client, SAEF server: {0}")
    @CsvSource({
        "TLS_PSK_WITH_AES_128_CCM_8, PSK-AES128-CCM8:@SECLEVEL=0",
        "TLS_PSK_WITH_AES_128_CCM, PSK-AES128-CCM",
        "TLS_PSK_WITH_AES_128_GCM_SHA256, PSK-AES128-GCM-SHA256",
        "TLS_PSK_WITH_AES_128_CBC_SHA256, PSK-AES128-CBC-SHA256",
        "TLS_DHE_PSK_WITH_AES_128_GCM_SHA256, DHE-PSK-AES128-GCM-SHA256"})
    void openSslClientWithSaefServer(String suite, String cipher) throws Exception {
        SSLContext ctx = InteropContexts.dtlsContext(InteropContexts.serverTable(KPSA, "CAE-openssl", KEY), c -> c);
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
