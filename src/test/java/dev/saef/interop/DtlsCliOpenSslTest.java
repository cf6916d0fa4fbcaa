package dev.saef.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saef.cli.Main;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code saef client --dtls} (its own JVM, stdin piped) against OpenSSL
 * {@code s_server -dtls1_2 -psk ... -cipher PSK-AES128-CCM8:@SECLEVEL=0 -nocert}: the CLI's DTLS client
 * with the mandatory DTLS suite of TS-0003 clause 10.2.2, data both ways. Skipped without
 * {@code openssl}.
 */
@Timeout(90)
class DtlsCliOpenSslTest {

    static final String KPSA = "ae42@sp.example.com";
    static final String KEY = "00112233445566778899aabbccddeeff";
    static final Duration WAIT = Duration.ofSeconds(20);
    private static final Pattern ACCEPT = Pattern.compile("(?m)^ACCEPT 127\\.0\\.0\\.1:(\\d+)\\s*$");

    private final List<PeerProcess> started = new ArrayList<>();

    @AfterEach
    void stop() {
        started.forEach(PeerProcess::close);
    }

    @Test
    void cliDtlsClientWithOpenSslServer(@TempDir Path dir) throws Exception {
        Optional<Path> openssl = OpenSslProcess.findOnPath();
        Assumptions.assumeTrue(openssl.isPresent(), "openssl is not on PATH: skipped");
        PeerProcess server = OpenSslProcess.start("s_server", openssl.get(), List.of("s_server", "-4", "-dtls1_2",
                "-accept", "127.0.0.1:0", "-naccept", "1", "-nocert", "-cipher", "PSK-AES128-CCM8:@SECLEVEL=0",
                "-psk", KEY, "-psk_identity", KPSA));
        started.add(server);
        Matcher m = server.awaitStdout(ACCEPT, WAIT);
        int port = Integer.parseInt(m.group(1));
        Path table = dir.resolve("assoc");
        Files.writeString(table, KPSA + " peer=/id-in address=127.0.0.1:" + port + " key=hex:" + KEY + "\n");
        Files.setPosixFilePermissions(table, PosixFilePermissions.fromString("rw-------"));
        PeerProcess client = PeerProcess.start("saef client", List.of(
                Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "client", "--dtls", "--connect", "127.0.0.1:" + port, "--associations", table.toString(),
                "--wait", "5"), Map.of());
        started.add(client);
        client.send("saef cli to openssl\n");
        client.closeStdin();
        server.awaitStdout(Pattern.compile(Pattern.quote("saef cli to openssl")), WAIT);
        server.send("openssl to saef cli\n");
        client.awaitStdout(Pattern.compile(Pattern.quote("openssl to saef cli")), WAIT);
        assertEquals(0, client.awaitExit(WAIT), client.stderr());
        assertTrue(client.stderr().startsWith("saef client: DTLSv1.2 TLS_PSK_WITH_AES_128_CCM_8, KpsaID " + KPSA
                + ", peer bound to /id-in"), client.stderr());
        assertEquals("openssl to saef cli\n", client.stdout());
    }
    @Test
    void openSslClientWithCliDtlsServer(@TempDir Path dir) throws Exception {
        Optional<Path> openssl = OpenSslProcess.findOnPath();
        Assumptions.assumeTrue(openssl.isPresent(), "openssl is not on PATH: skipped");
        Path table = dir.resolve("assoc");
        Files.writeString(table, KPSA + " peer=CAE-openssl key=hex:" + KEY + "\n");
        Files.setPosixFilePermissions(table, PosixFilePermissions.fromString("rw-------"));
        PeerProcess server = PeerProcess.start("saef server", List.of(
                Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "server", "--dtls", "--port", "0", "--accept", "1", "--idle-timeout", "5",
                "--associations", table.toString()), Map.of());
        started.add(server);
        Matcher m = server.awaitStderr(Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+) \\(UDP, DTLS 1\\.2"), WAIT);
        int port = Integer.parseInt(m.group(1));
        PeerProcess client = OpenSslProcess.start("s_client", openssl.get(), List.of("s_client", "-4", "-dtls1_2",
                "-connect", "127.0.0.1:" + port, "-cipher", "PSK-AES128-CCM8:@SECLEVEL=0", "-psk", KEY,
                "-psk_identity", KPSA, "-nocommands"));
        started.add(client);
        client.send("openssl to the saef dtls server\n");
        // the echo comes back: one datagram out, the same datagram back
        client.awaitStdout(Pattern.compile("(?m)^openssl to the saef dtls server$"), WAIT);
        server.awaitStderr(Pattern.compile("#1 127\\.0\\.0\\.1:\\d+: DTLSv1\\.2 TLS_PSK_WITH_AES_128_CCM_8, KpsaID "
                + Pattern.quote(KPSA) + ", peer bound to CAE-openssl"), WAIT);
        client.closeStdin(); // s_client ends: close_notify, or silence until the idle limit
        assertEquals(0, server.awaitExit(WAIT), server.stderr());
    }
}
