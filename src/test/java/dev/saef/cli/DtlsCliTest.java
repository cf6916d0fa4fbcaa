package dev.saef.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code saef server --dtls} and {@code saef client --dtls}: the DTLS echo over real UDP on loopback,
 * the client in its own JVM with piped stdin, as {@code echo hello | saef client --dtls ...}.
 */
@Timeout(120)
class DtlsCliTest {

    @Test
    void dtlsClientPrintsTheEchoAndBothSidesReportTheBinding(@TempDir Path dir) throws Exception {
        Path t = CliTest.table(dir);
        int rounds = 2;
        CliTest.EchoServer server = CliTest.EchoServer.start(t, rounds, "--dtls");
        assertTrue(server.log().contains("(UDP, DTLS 1.2; 1 associations"), server.log());
        for (int i = 0; i < rounds; i++) {
            CliTest.Run r = CliTest.runJava(dir, "hello\nover DTLS\n", Map.of(), "client", "--dtls", "--connect",
                    "127.0.0.1:" + server.port(), "--associations", t.toString(), "--wait", "2");
            assertEquals(0, r.status(), "round " + i + ": " + r.err());
            assertEquals("hello\nover DTLS\n", r.out(), "round " + i + ": " + r.err());
            assertTrue(r.err().startsWith("saef client: DTLSv1.2 TLS_PSK_WITH_AES_128_CCM_8, KpsaID ae42@sp.example.com,"
                    + " peer bound to /id-in"), r.err());
        }
        server.thread().join(30_000);
        assertFalse(server.thread().isAlive(), server.log());
        assertEquals(0, server.status()[0], server.log());
        assertEquals(rounds, server.log().lines().filter(l -> l.matches(
                "saef server: #\\d+ 127\\.0\\.0\\.1:\\d+: DTLSv1\\.2 TLS_PSK_WITH_AES_128_CCM_8, KpsaID"
                        + " ae42@sp\\.example\\.com, peer bound to /id-in.*")).count(), server.log());
        assertEquals(rounds, server.log().lines().filter(l -> l.matches(
                "saef server: #\\d+ 127\\.0\\.0\\.1:\\d+: connection closed by the client \\(close_notify\\)"))
                .count(), server.log());
        assertFalse(server.log().contains("connection ended"), server.log());
    }

    @Test
    void dtlsClientGivesUpOnAServerThatNeverAnswers(@TempDir Path dir) throws Exception {
        Path t = CliTest.table(dir);
        try (java.net.DatagramSocket silent = new java.net.DatagramSocket(0, java.net.InetAddress.getLoopbackAddress())) {
            CliTest.Run r = CliTest.runJava(dir, "", Map.of(), "client", "--dtls", "--connect",
                    "127.0.0.1:" + silent.getLocalPort(), "--associations", t.toString(), "--handshake-timeout", "2");
            assertEquals(1, r.status(), r.err());
            assertTrue(r.err().startsWith("saef client: DTLS handshake with "), r.err());
            assertTrue(r.err().contains("not complete after 2000 ms"), r.err());
            assertEquals(1, r.err().lines().count(), r.err());
        }
    }

    @Test
    void usageNamesDtls() throws Exception {
        CliTest.Run r = CliTest.run("help");
        assertTrue(r.out().contains("server [--dtls] --port N"), r.out());
        assertTrue(r.out().contains("client [--dtls] --connect host:port"), r.out());
    }
}
