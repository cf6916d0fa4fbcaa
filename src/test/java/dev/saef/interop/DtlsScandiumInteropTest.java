package dev.saef.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.saef.jsse.DtlsServer;
import dev.saef.profile.CipherSuiteInfo;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.eclipse.californium.elements.RawData;
import org.eclipse.californium.scandium.dtls.cipher.CipherSuite;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * DTLS 1.2 PSK-SAEF against Eclipse Californium's Scandium 3.14.0 ({@link ScandiumPeer}: a
 * {@code DTLSConnector} with a PSK store, extended master secret required), both roles, every suite of
 * the SAEF profile that Scandium implements, over real UDP on 127.0.0.1:
 * <ul>
 *   <li>{@code saef-client <suite>}: one Scandium echo server offering every shared suite; a SAEF
 *       {@code DTLS} engine enabled for exactly that suite, driven like the JDK's DTLS engine
 *       ({@code DtlsDriver}): handshake, the session's suite and bound peer, one datagram echoed;
 *       Scandium's own view (the suite of the session the datagram came over, the PSK identity);</li>
 *   <li>{@code saef-server <suite>}: one SAEF {@link DtlsServer} (echo) for all cells; a Scandium client
 *       offering only that suite: its datagram echoed over a session of that suite, the SAEF server's
 *       session bound to the configured AE-ID and the KpsaID.</li>
 * </ul>
 * Scandium has no DHE_PSK suites (and SAEF's ECDHE_PSK, off by default, is enabled here): those cells
 * are recorded as skipped with the reason. The cells are recorded in
 * {@code target/conformance/interop/scandium-dtls.tsv} ({@link InteropMatrix}).
 */
@Timeout(30)
class DtlsScandiumInteropTest {

    static final String PEER = "Scandium-DTLS";

    @RegisterExtension
    static final MatrixWatcher MATRIX = new MatrixWatcher(PEER, () -> Optional.of(ScandiumPeer.VERSION), () -> null,
            s -> ScandiumPeer.suite(DtlsInterop.info(s).code()).map(CipherSuite::name).orElse("-"));

    private static ScandiumPeer scandiumServer;
    private static DtlsInterop.EchoServer saefServer;

    static List<String> suites() {
        return DtlsInterop.profileSuites();
    }

    /** @return Scandium's suite for a SAEF suite, or aborts the cell (recorded as skipped) saying why */
    private static CipherSuite shared(String suite) {
        Optional<CipherSuite> s = ScandiumPeer.suite(DtlsInterop.info(suite).code());
        Assumptions.assumeTrue(s.isPresent(), () -> "Scandium " + ScandiumPeer.VERSION + " does not implement " + suite
                + (DtlsInterop.info(suite).keyExchange() == CipherSuiteInfo.KeyExchange.DHE_PSK
                        ? " (it has no DHE_PSK suites)" : " (its only CBC suites are AES_128_CBC_SHA256)"));
        return s.get();
    }

    /** The suites both implement: Scandium's server offers them all. */
    private static List<CipherSuite> allShared() {
        return suites().stream().map(s -> ScandiumPeer.suite(DtlsInterop.info(s).code()))
                .flatMap(Optional::stream).toList();
    }

    @AfterAll
    static void stopServers() {
        if (scandiumServer != null) {
            scandiumServer.close();
            scandiumServer = null;
        }
        if (saefServer != null) {
            saefServer.close();
            saefServer = null;
        }
    }

    @Test
    void sharedSuitesAreTheProfileWithoutDhePsk() {
        // the matrix is only as good as this list: every profile suite but DHE_PSK's is in Scandium
        List<String> shared = allShared().stream().map(CipherSuite::name).toList();
        assertEquals(List.of("TLS_PSK_WITH_AES_128_CCM_8", "TLS_PSK_WITH_AES_256_CCM_8", "TLS_PSK_WITH_AES_128_CCM",
                "TLS_PSK_WITH_AES_256_CCM", "TLS_PSK_WITH_AES_128_GCM_SHA256", "TLS_PSK_WITH_AES_256_GCM_SHA378",
                "TLS_PSK_WITH_AES_128_CBC_SHA256", "TLS_ECDHE_PSK_WITH_AES_128_CCM_8_SHA256",
                "TLS_ECDHE_PSK_WITH_AES_128_CCM_SHA256", "TLS_ECDHE_PSK_WITH_AES_128_GCM_SHA256",
                "TLS_ECDHE_PSK_WITH_AES_256_GCM_SHA378", "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256").stream().sorted().toList(),
                shared.stream().sorted().toList());
    }

    @ParameterizedTest(name = "saef-client {0}")
    @MethodSource("suites")
    void saefClientWithScandiumServer(String suite) throws Exception {
        CipherSuite theirs = shared(suite);
        if (scandiumServer == null) {
            scandiumServer = ScandiumPeer.server(allShared(), 0, 1_000);
        }
        byte[] line = ("SAEF to Scandium over DTLS " + suite).getBytes(StandardCharsets.US_ASCII);
        DtlsInterop.ClientRun run = DtlsInterop.clientRoundTrip(scandiumServer.address().getPort(), suite, line,
                Duration.ofMillis(500));
        assertArrayEquals(line, run.echoed(), "echoed by Scandium");
        RawData seen = scandiumServer.poll(DtlsInterop.WAIT.toMillis());
        assertNotNull(seen, "Scandium's server received nothing");
        assertEquals(theirs.name(), ScandiumPeer.cipherOf(seen), "the suite of Scandium's session");
        assertEquals(DtlsInterop.KPSA, seen.getSenderIdentity().getName(), "the PSK identity Scandium accepted");
        assertEquals(run.localPort(), seen.getInetSocketAddress().getPort());
    }

    @ParameterizedTest(name = "saef-server {0}")
    @MethodSource("suites")
    void scandiumClientWithSaefServer(String suite) throws Exception {
        CipherSuite theirs = shared(suite);
        if (saefServer == null) {
            saefServer = new DtlsInterop.EchoServer(DtlsInterop.serverContext(), 0);
        }
        try (ScandiumPeer client = ScandiumPeer.client(theirs, 0, 500)) {
            byte[] line = ("Scandium to SAEF over DTLS " + suite).getBytes(StandardCharsets.US_ASCII);
            client.send(line, saefServer.server.localAddress());
            DtlsServer.Peer peer = saefServer.awaitConnected();
            DtlsInterop.assertServerSide(peer, suite);
            RawData echo = client.poll(DtlsInterop.WAIT.toMillis());
            assertNotNull(echo, "Scandium's client got no echo from the SAEF server");
            assertArrayEquals(line, echo.getBytes());
            assertEquals(theirs.name(), ScandiumPeer.cipherOf(echo), "the suite of Scandium's session");
            assertEquals(client.address().getPort(), peer.address().getPort());
        }
    }
}
