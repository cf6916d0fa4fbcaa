package dev.saef.interop;

import static dev.saef.interop.InteropContexts.clientTable;
import static dev.saef.interop.InteropContexts.context;
import static dev.saef.interop.InteropContexts.serverTable;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saef.config.SaefConfiguration;
import dev.saef.identity.SaefPrincipal;
import dev.saef.interop.InteropPeer.ClientRun;
import dev.saef.interop.InteropPeer.Refusal;
import dev.saef.interop.InteropPeer.Server;
import dev.saef.interop.InteropScenario.Case;
import dev.saef.interop.InteropScenario.Role;
import dev.saef.profile.SuiteProfile;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The interop scenario matrix ({@link InteropScenario#matrix()}), run against one real peer: each
 * subclass ({@link OpenSslInteropTest}, {@link GnuTlsInteropTest}) names its {@link InteropPeer} and adds
 * the tests only that tool can do (its trace, its options, its bugs). One test method per scenario
 * case, parameterized by the scenarios of that case the peer supports; the SAEF side (contexts, sockets,
 * echo server, our errors) is here, the peer's side (command lines, its report) in the peer.
 *
 * <p>Over loopback TCP: TLS 1.2 PSK, psk_identity = KpsaID, psk = Kpsa (oneM2M TS-0003 clauses 8.2.2.1
 * and 10.2.2). The subclass skips every test (assumption in its {@code @BeforeAll}) when its tools are
 * not installed; a suite the peer does not implement is skipped with the reason.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
abstract class InteropScenarios {

    static final String KPSA = "ae42@sp.example.com";
    static final String STRANGER = "stranger@sp.example.com";
    static final String KEY = "00112233445566778899aabbccddeeff";
    static final String OTHER_KEY = "ffeeddccbbaa99887766554433221100";
    static final String TLS_MANDATORY = SuiteProfile.TLS_MANDATORY;
    static final String DTLS_MANDATORY = SuiteProfile.DTLS_MANDATORY;

    /** Bound on each wait for a process or a peer. */
    static final Duration WAIT = Duration.ofSeconds(10);

    private final List<AutoCloseable> resources = new ArrayList<>();

    /** @return the peer under test (its tools were found by the subclass's {@code @BeforeAll}) */
    abstract InteropPeer peer();

    /** @return the recorder of the suite x role cells of this peer */
    abstract MatrixWatcher matrix();

    <T extends AutoCloseable> T track(T resource) {
        resources.add(resource);
        return resource;
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

    private Stream<InteropScenario> scenarios(Set<Case> cases) {
        return InteropScenario.matrix().stream().filter(s -> cases.contains(s.kase())).filter(peer()::supports);
    }

    Stream<InteropScenario> handshakes() {
        return scenarios(EnumSet.of(Case.HANDSHAKE));
    }

    Stream<InteropScenario> wrongKeys() {
        return scenarios(EnumSet.of(Case.WRONG_KEY));
    }

    Stream<InteropScenario> unknownIdentities() {
        return scenarios(EnumSet.of(Case.UNKNOWN_IDENTITY_HIDDEN, Case.UNKNOWN_IDENTITY_REVEALED));
    }

    Stream<InteropScenario> suiteMismatches() {
        return scenarios(EnumSet.of(Case.SUITE_NOT_ENABLED, Case.SUITE_OFF_BY_DEFAULT, Case.SUITE_DISABLED_ON_SOCKET));
    }

    Stream<InteropScenario> longestIdentities() {
        return scenarios(EnumSet.of(Case.LONGEST_IDENTITY_AND_KEY));
    }

    // -------------------------------------------------------------------------------- the matrix

    /**
     * Every suite of the profile in both roles: handshake, data both ways (a short and a 6000-octet line),
     * our session's suite, TLS 1.2 and bound identity (SAEF client: IdB {@code /id-in}; SAEF server: the
     * configured AE-ID), and the peer's own report of the session.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("handshakes")
    @Timeout(30)
    void everySuite(InteropScenario s) throws Exception {
        peerSuiteOrSkip(s.suite());
        UnaryOperator<SaefConfiguration> ecdhe = c -> c.withEcdhePskEnabled(s.isEcdhe());
        if (s.saefRole() == Role.CLIENT) {
            Server srv = peer().server(s.suite(), KPSA, KEY);
            SSLSession session = saefClientRoundTrip(context(clientTable(KPSA, srv.port(), KEY), ecdhe), srv, s.suite());
            assertEquals(s.suite(), session.getCipherSuite());
            assertEquals("TLSv1.2", session.getProtocol());
            SaefPrincipal peer = (SaefPrincipal) session.getPeerPrincipal();
            assertEquals("/id-in", peer.getName(), "Entity A binds the session to IdB");
            assertEquals(KPSA, peer.kpsaId().orElseThrow().value());
            peer().assertServerCompleted(srv, s, KPSA);
            return;
        }
        SaefEchoServer echo = track(SaefEchoServer.start(context(serverTable(KPSA, "CAE01", KEY), ecdhe), ss -> { }));
        ClientRun run = peer().client(echo.port(), s.suite(), KPSA, KEY, true);
        SaefEchoServer.Outcome o = echo.outcome(WAIT);
        String why = run.process().describe();
        assertNull(o.handshakeFailure(), () -> "handshake failed on our side\n" + why);
        assertEquals(s.suite(), o.session().getCipherSuite());
        SaefPrincipal peer = (SaefPrincipal) o.session().getPeerPrincipal();
        assertEquals("CAE01", peer.getName(), "peer= configured: bound to that AE-ID");
        assertTrue(peer.isConfigured());
        assertEquals(KPSA, peer.kpsaId().orElseThrow().value());
        peer().assertClientCompleted(run, s, KPSA, o)
                .ifPresent(note -> matrix().peerBug(s.suite(), InteropMatrix.SAEF_SERVER, note));
    }

    /** Different Kpsa on the two sides: both fail at the Finished messages, our errors say why, without key text. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("wrongKeys")
    @Timeout(30)
    void wrongKey(InteropScenario s) throws Exception {
        if (s.saefRole() == Role.CLIENT) {
            Server srv = peer().server(s.suite(), KPSA, OTHER_KEY);
            SSLHandshakeException e = saefClientFails(context(clientTable(KPSA, srv.port(), KEY), UnaryOperator.identity()),
                    srv, null);
            assertEquals(wrongKeyAsClient(KPSA), e.getMessage());
            assertNoKeyMaterial(e);
            peer().assertServerRefused(srv, Refusal.FINISHED_FAILED);
            return;
        }
        SaefEchoServer echo = track(SaefEchoServer.start(context(serverTable(KPSA, "CAE01", KEY),
                UnaryOperator.identity()), ss -> { }));
        ClientRun run = peer().client(echo.port(), s.suite(), KPSA, OTHER_KEY, false);
        Throwable e = echo.outcome(WAIT).handshakeFailure();
        assertNotNull(e, run.process().describe());
        assertTrue(e instanceof SSLHandshakeException, e.toString());
        assertEquals("the client's Finished message failed verification (alert bad_record_mac): the client used a"
                + " different Kpsa for KpsaID " + KPSA, e.getMessage());
        assertNoKeyMaterial(e);
        peer().assertClientRefused(run, Refusal.GOT_BAD_RECORD_MAC);
    }

    /**
     * A KpsaID the server does not know. A hiding server (SAEF by default, saef.unknownIdentity=hide;
     * gnutls-serv by design) answers as for a wrong Kpsa; a revealing SAEF server sends
     * unknown_psk_identity. SAEF's messages name the KpsaID either way.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("unknownIdentities")
    @Timeout(30)
    void unknownIdentity(InteropScenario s) throws Exception {
        if (s.saefRole() == Role.CLIENT) {
            // The SAEF client cannot tell a hidden unknown KpsaID from a wrong Kpsa: its message names both causes.
            Server srv = peer().server(s.suite(), KPSA, KEY);
            SSLHandshakeException e = saefClientFails(context(clientTable(STRANGER, srv.port(), KEY),
                    UnaryOperator.identity()), srv, null);
            assertEquals(wrongKeyAsClient(STRANGER), e.getMessage());
            assertNoKeyMaterial(e);
            peer().assertServerRefused(srv, Refusal.FINISHED_FAILED);
            return;
        }
        boolean hide = s.kase() == Case.UNKNOWN_IDENTITY_HIDDEN;
        UnaryOperator<SaefConfiguration> reveal = hide ? UnaryOperator.identity() : c -> c.withHideUnknownIdentities(false);
        SaefEchoServer echo = track(SaefEchoServer.start(context(serverTable(KPSA, "CAE01", KEY), reveal), ss -> { }));
        ClientRun run = peer().client(echo.port(), s.suite(), STRANGER, KEY, false);
        Throwable e = echo.outcome(WAIT).handshakeFailure();
        assertNotNull(e, run.process().describe());
        assertTrue(e instanceof SSLHandshakeException, e.toString());
        String msg = e.getMessage();
        assertTrue(msg.startsWith("the client offered KpsaID '" + STRANGER + "', which is not provisioned in "), msg);
        assertTrue(msg.endsWith(hide
                ? "; answered as for a wrong Kpsa (alert bad_record_mac) so that clients cannot tell unknown KpsaIDs"
                        + " from known ones (saef.unknownIdentity=hide, RFC 4279 section 5)"
                : "; sent alert unknown_psk_identity"), msg);
        assertNoKeyMaterial(e);
        peer().assertClientRefused(run, hide ? Refusal.GOT_BAD_RECORD_MAC : Refusal.GOT_UNKNOWN_PSK_IDENTITY);
    }

    /**
     * No suite in common: the SAEF client enabled only the TLS mandatory suite against a peer server that
     * allows only a GCM suite; the SAEF server refuses an ECDHE_PSK suite (off by default) and a suite
     * the application disabled on the server socket. Our messages list both sides' suites.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("suiteMismatches")
    @Timeout(30)
    void suiteMismatch(InteropScenario s) throws Exception {
        if (s.saefRole() == Role.CLIENT) {
            Server srv = peer().server(s.suite(), KPSA, KEY);
            SSLHandshakeException e = saefClientFails(context(clientTable(KPSA, srv.port(), KEY),
                    UnaryOperator.identity()), srv, TLS_MANDATORY);
            assertEquals("the server rejected the handshake (alert handshake_failure): most likely no cipher suite in"
                    + " common; we offered [" + TLS_MANDATORY + "]", e.getMessage());
            peer().assertServerRefused(srv, Refusal.NO_SHARED_SUITE);
            return;
        }
        boolean onSocket = s.kase() == Case.SUITE_DISABLED_ON_SOCKET;
        SaefEchoServer echo = track(SaefEchoServer.start(context(serverTable(KPSA, "CAE01", KEY),
                UnaryOperator.identity()), ss -> {
                    if (onSocket) {
                        ss.setEnabledCipherSuites(new String[] {TLS_MANDATORY});
                    }
                }));
        ClientRun run = peer().client(echo.port(), s.suite(), KPSA, KEY, false);
        Throwable e = echo.outcome(WAIT).handshakeFailure();
        assertNotNull(e, run.process().describe());
        String msg = e.getMessage();
        assertTrue(msg.startsWith("no cipher suite in common (alert handshake_failure): the client offered ["
                + s.suite()), msg);
        String accepted = onSocket ? TLS_MANDATORY : String.join(", ", SuiteProfile.create(null, false).defaultNames());
        assertTrue(msg.endsWith("; this server accepts [" + accepted + "]"), msg);
        peer().assertClientRefused(run, Refusal.GOT_HANDSHAKE_FAILURE);
    }

    /** A 128-octet KpsaID and a 64-octet Kpsa, the RFC 4279 section 5.3 minimum maxima, both roles. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("longestIdentities")
    @Timeout(30)
    void longestIdentityAndKey(InteropScenario s) throws Exception {
        String id = "k".repeat(128 - "@sp.example.com".length()) + "@sp.example.com";
        assertEquals(128, id.length());
        String key = "a5".repeat(64);
        if (s.saefRole() == Role.CLIENT) {
            Server srv = peer().server(s.suite(), id, key);
            SSLSession cs = saefClientRoundTrip(context(clientTable(id, srv.port(), key), UnaryOperator.identity()),
                    srv, s.suite());
            assertEquals(id, ((SaefPrincipal) cs.getPeerPrincipal()).kpsaId().orElseThrow().value());
            peer().assertServerCompleted(srv, s, id);
            return;
        }
        SaefEchoServer echo = track(SaefEchoServer.start(context(serverTable(id, null, key), UnaryOperator.identity()),
                ss -> { }));
        ClientRun run = peer().client(echo.port(), s.suite(), id, key, true);
        SaefEchoServer.Outcome o = echo.outcome(WAIT);
        assertNull(o.handshakeFailure(), run.process().describe());
        assertEquals("12-" + id, o.session().getPeerPrincipal().getName());
        assertEquals(List.of(), peer().assertClientCompleted(run, s, id, o).stream().toList(), "no peer bug expected");
    }

    // ----------------------------------------------------------------------------------- helpers

    /** @return the peer's name of the suite; skips the test when the peer does not implement it */
    String peerSuiteOrSkip(String suite) {
        Optional<String> name = peer().suiteName(suite);
        int code = SuiteProfile.byName(suite).orElseThrow().code();
        Assumptions.assumeTrue(name.isPresent(), () -> String.format(Locale.ROOT,
                "%s (0x%04X, RFC 8442) is not implemented by %s %s: not testable against %s", suite, code,
                peer().name(), peer().version(), peer().name()));
        return name.get();
    }

    static SSLSocket saefSocket(SSLContext ctx, int port) throws Exception {
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port);
        s.setSoTimeout((int) WAIT.toMillis());
        return s;
    }

    /**
     * Connects a SAEF client to the peer's echo server, sends a short and a 6000-octet line and checks
     * both come back as the peer answers them, then closes (close_notify).
     *
     * @param suite the one suite to enable on the socket, or null to keep the context's defaults
     */
    SSLSession saefClientRoundTrip(SSLContext ctx, Server srv, String suite) throws Exception {
        Random random = new Random(srv.port());
        StringBuilder big = new StringBuilder();
        for (int i = 0; i < 6000; i++) {
            big.append((char) ('a' + random.nextInt(26)));
        }
        List<String> lines = List.of("SAEF to " + peer().name() + " " + (suite == null ? "" : suite), big.toString());
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
                assertEquals(peer().answer(line), in.readLine(), peer().name() + " server's answer");
            }
            return s.getSession();
        }
    }

    /** A SAEF client handshake that must fail; {@code suite}: the one suite to enable, or null for the defaults. */
    static SSLHandshakeException saefClientFails(SSLContext ctx, Server srv, String suite) {
        return assertThrows(SSLHandshakeException.class, () -> {
            try (SSLSocket s = saefSocket(ctx, srv.port())) {
                if (suite != null) {
                    s.setEnabledCipherSuites(new String[] {suite});
                }
                s.startHandshake();
            }
        }, () -> srv.process().describe());
    }

    /** The SAEF client's message when the server fails our Finished (wrong Kpsa, or an unknown KpsaID hidden). */
    static String wrongKeyAsClient(String kpsaId) {
        return "the server could not verify our Finished message (alert bad_record_mac): it does not hold our Kpsa"
                + " for KpsaID " + kpsaId + ": either the Kpsa differs between the two sides, or the server does not"
                + " know this KpsaID and hides that (as GnuTLS does); provision the same KpsaID and Kpsa on both"
                + " sides (TS-0003 clause 8.2.2.1)";
    }

    static void assertNoKeyMaterial(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
            assertFalse(m.contains(KEY) || m.contains(OTHER_KEY), "key material in message: " + t);
        }
    }
}
