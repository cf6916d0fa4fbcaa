package dev.saef.interop;

import static dev.saef.interop.InteropContexts.clientTable;
import static dev.saef.interop.InteropContexts.context;
import static dev.saef.interop.InteropContexts.serverTable;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS 1.2 session resumption (RFC 5246 session IDs) between SAEF and a real OpenSSL, both ways:
 * {@code openssl s_client -reconnect} against a SAEF server (s_client reports each reconnection as
 * "Reused"), and a SAEF client connecting twice to {@code openssl s_server} (the server echoes the
 * offered session ID, and reports the reuse in its statistics). Skipped when {@code openssl} is not
 * on PATH.
 */
@Timeout(60)
class OpenSslResumptionTest {

    static final String KPSA = "cse-mn1@sp.example.com";
    static final String KEY = "00112233445566778899aabbccddeeff";
    static final String SUITE = "TLS_PSK_WITH_AES_128_GCM_SHA256";
    static final Duration WAIT = Duration.ofSeconds(20);

    private static Path openssl;
    private final List<AutoCloseable> started = new ArrayList<>();

    @BeforeAll
    static void findOpenSsl() {
        Optional<Path> found = OpenSslProcess.findOnPath();
        Assumptions.assumeTrue(found.isPresent(), "openssl is not on PATH: OpenSSL resumption tests skipped");
        openssl = found.get();
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : started) {
            c.close();
        }
    }

    @Test
    void opensslClientReconnectResumesAgainstSaefServer() throws Exception {
        List<byte[]> ids = new ArrayList<>();
        PeerProcess p = reconnect(context(serverTable(KPSA, "CAE-mn1", KEY), c -> c), ids, null, null);
        p.awaitStdout(Pattern.compile("(?s)(Reused, TLSv1\\.2.*){5}"), WAIT);
        p.closeStdin();
        p.awaitExit(WAIT);
        String out = p.stdout();
        assertEquals(1, count(out, "New, TLSv1.2"), p.describe());
        assertEquals(5, count(out, "Reused, TLSv1.2, Cipher is PSK-AES128-GCM-SHA256"), p.describe());
        synchronized (ids) {
            assertTrue(ids.size() >= 6, "SAEF accepted " + ids.size() + " connections");
            for (byte[] id : ids) {
                assertArrayEquals(ids.get(0), id, "every reconnection resumed the first session");
            }
        }
    }

    /**
     * RFC 5077 session tickets ({@code saef.sessionTickets=true}): {@code s_client -reconnect} asks for a
     * ticket, gets one (and its lifetime hint) on the full handshake and resumes with it on every
     * reconnection; the server keeps no session (its session context stays empty) and every resumed
     * connection keeps the binding of the first.
     */
    @Test
    void opensslClientReconnectResumesWithATicketAgainstSaefServer() throws Exception {
        List<byte[]> ids = new ArrayList<>();
        List<String> peers = new ArrayList<>();
        SSLContext ctx = context(serverTable(KPSA, "CAE-mn1", KEY), c -> c.withSessionTickets(true));
        PeerProcess p = reconnect(ctx, ids, null, peers);
        p.awaitStdout(Pattern.compile("(?s)(Reused, TLSv1\\.2.*){5}"), WAIT);
        p.closeStdin();
        p.awaitExit(WAIT);
        String out = p.stdout();
        assertEquals(1, count(out, "New, TLSv1.2"), p.describe());
        assertEquals(5, count(out, "Reused, TLSv1.2, Cipher is PSK-AES128-GCM-SHA256"), p.describe());
        assertTrue(out.contains("TLS session ticket lifetime hint: 3600 (seconds)"), p.describe());
        assertEquals(0, Collections.list(ctx.getServerSessionContext().getIds()).size(),
                "with tickets the server keeps no session");
        synchronized (ids) {
            assertTrue(ids.size() >= 6, "SAEF accepted " + ids.size() + " connections");
            for (byte[] id : ids.subList(2, ids.size())) {
                assertArrayEquals(ids.get(1), id, "every reconnection resumed with the same ticket and session ID");
            }
            for (String peer : peers) {
                assertEquals("CAE-mn1", peer);
            }
        }
    }

    /** Tickets off (default): the server ignores the client's SessionTicket extension and resumes by ID. */
    @Test
    void ticketsOffByDefaultResumesByIdOnly() throws Exception {
        List<byte[]> ids = new ArrayList<>();
        SSLContext ctx = context(serverTable(KPSA, "CAE-mn1", KEY), c -> c);
        PeerProcess p = reconnect(ctx, ids, null, null);
        p.awaitStdout(Pattern.compile("(?s)(Reused, TLSv1\\.2.*){5}"), WAIT);
        p.closeStdin();
        p.awaitExit(WAIT);
        String out = p.stdout();
        assertFalse(out.contains("TLS session ticket lifetime hint"), p.describe());
        assertEquals(1, Collections.list(ctx.getServerSessionContext().getIds()).size());
    }

    /**
     * RFC 7627 section 5.3: a session without the extended master secret is not resumed. With
     * {@code withRequireExtendedMasterSecret(false)} a SAEF server completes full handshakes with an
     * OpenSSL client that has EMS switched off, and answers every reconnection with a full handshake.
     */
    @Test
    void sessionWithoutExtendedMasterSecretIsNotResumed(@TempDir Path dir) throws Exception {
        List<byte[]> ids = new ArrayList<>();
        PeerProcess p = reconnect(context(serverTable(KPSA, "CAE-mn1", KEY), c -> c.withRequireExtendedMasterSecret(false)),
                ids, OpenSslInteropTest.noEmsConfig(dir), null);
        p.awaitStdout(Pattern.compile("(?s)(New, TLSv1\\.2.*){6}"), WAIT);
        p.closeStdin();
        p.awaitExit(WAIT);
        String out = p.stdout();
        assertTrue(out.contains("Extended master secret: no"), p.describe());
        assertEquals(0, count(out, "Reused, TLSv1.2"), p.describe());
    }

    /** A SAEF echo server accepting connections until the test ends, and s_client -reconnect against it. */
    private PeerProcess reconnect(SSLContext ctx, List<byte[]> ids, Path config, List<String> peers) throws Exception {
        int port = serve(ctx, ids, peers);
        List<String> args = List.of("s_client", "-4", "-connect", "127.0.0.1:" + port, "-tls1_2",
                "-cipher", "PSK-AES128-GCM-SHA256", "-psk", KEY, "-psk_identity", KPSA, "-reconnect",
                "-noservername", "-nocommands");
        PeerProcess p = config == null ? OpenSslProcess.start("s_client", openssl, args)
                : OpenSslProcess.start("s_client", openssl, args, config);
        started.add(p);
        return p;
    }

    /** A SAEF echo server accepting connections until the test ends; records each session's ID and peer. */
    private int serve(SSLContext ctx, List<byte[]> ids, List<String> peers) throws Exception {
        SSLServerSocket ss = (SSLServerSocket) ctx.getServerSocketFactory().createServerSocket(0, 10,
                InetAddress.getByName("127.0.0.1"));
        started.add(ss);
        ss.setSoTimeout(20_000);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        started.add(pool::shutdownNow);
        AtomicInteger accepted = new AtomicInteger();
        pool.submit(() -> {
            while (!ss.isClosed()) {
                try (SSLSocket s = (SSLSocket) ss.accept()) {
                    s.setSoTimeout(15_000);
                    s.startHandshake();
                    synchronized (ids) {
                        ids.add(s.getSession().getId());
                        if (peers != null) {
                            peers.add(s.getSession().getPeerPrincipal().getName());
                        }
                    }
                    accepted.incrementAndGet();
                    InputStream in = s.getInputStream();
                    OutputStream out = s.getOutputStream();
                    byte[] buf = new byte[4096];
                    for (int n; (n = in.read(buf)) >= 0;) {
                        out.write(buf, 0, n);
                        out.flush();
                    }
                } catch (Exception e) {
                    // the next connection (s_client -reconnect closes abruptly), or the end of the test
                }
            }
            return null;
        });
        return ss.getLocalPort();
    }

    /**
     * {@code s_client -sess_out} then, in another process, {@code -sess_in}: the session file holds the
     * ticket (the SAEF server kept nothing), and the second process resumes with it ("Reused").
     */
    @Test
    void opensslSessionFileWithATicketResumesInAnotherProcess(@TempDir Path dir) throws Exception {
        List<byte[]> ids = new ArrayList<>();
        List<String> peers = new ArrayList<>();
        SSLContext ctx = context(serverTable(KPSA, "CAE-mn1", KEY), c -> c.withSessionTickets(true));
        int port = serve(ctx, ids, peers);
        Path session = dir.resolve("session.pem");
        String[] outs = new String[2];
        for (int i = 0; i < 2; i++) {
            List<String> args = new ArrayList<>(List.of("s_client", "-4", "-connect", "127.0.0.1:" + port, "-tls1_2",
                    "-cipher", "PSK-AES128-GCM-SHA256", "-psk", KEY, "-psk_identity", KPSA, "-noservername",
                    "-nocommands"));
            args.addAll(i == 0 ? List.of("-sess_out", session.toString()) : List.of("-sess_in", session.toString()));
            PeerProcess p = OpenSslProcess.start("s_client", openssl, args);
            started.add(p);
            p.awaitStdout(Pattern.compile(i == 0 ? "(?s)New, TLSv1\\.2.*Verify return code" : "(?s)Reused, TLSv1\\.2.*Verify return code"), WAIT);
            p.closeStdin();
            p.awaitExit(WAIT);
            outs[i] = p.stdout();
        }
        assertTrue(outs[0].contains("TLS session ticket lifetime hint: 3600"), outs[0]);
        assertTrue(outs[1].contains("Reused, TLSv1.2, Cipher is PSK-AES128-GCM-SHA256"), outs[1]);
        assertEquals(0, Collections.list(ctx.getServerSessionContext().getIds()).size());
        for (int i = 0; i < 500; i++) { // the server may finish its side just after s_client reported
            synchronized (ids) {
                if (peers.size() >= 2) {
                    break;
                }
            }
            Thread.sleep(10);
        }
        synchronized (ids) {
            assertEquals(List.of("CAE-mn1", "CAE-mn1"), peers);
        }
    }

    @Test
    void saefClientResumesAgainstOpensslServer() throws Exception {
        PeerProcess srv = OpenSslProcess.start("s_server", openssl, List.of("s_server", "-4", "-accept",
                "127.0.0.1:0", "-naccept", "2", "-nocert", "-tls1_2", "-cipher", "PSK-AES128-GCM-SHA256", "-psk",
                KEY, "-psk_identity", KPSA, "-rev"));
        started.add(srv);
        Matcher m = srv.awaitStdout(Pattern.compile("(?m)^ACCEPT 127\\.0\\.0\\.1:(\\d+)\\s*$"), WAIT);
        int port = Integer.parseInt(m.group(1));
        SSLContext ctx = context(clientTable(KPSA, port, KEY), c -> c);
        List<SSLSession> sessions = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
                s.setSoTimeout(15_000);
                s.getOutputStream().write("abc\n".getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                byte[] back = s.getInputStream().readNBytes(4);
                assertEquals("cba\n", new String(back, StandardCharsets.US_ASCII), srv.describe());
                sessions.add(s.getSession());
            }
        }
        srv.awaitExit(WAIT);
        assertEquals(32, sessions.get(0).getId().length, "OpenSSL issued a session ID\n" + srv.describe());
        assertArrayEquals(sessions.get(0).getId(), sessions.get(1).getId(),
                "s_server echoed the offered session ID: resumed\n" + srv.describe());
        assertEquals(sessions.get(0).getCreationTime(), sessions.get(1).getCreationTime());
        assertEquals("/id-in", sessions.get(1).getPeerPrincipal().getName());
    }

    /**
     * {@code saef.clientSessionTickets=true}: the SAEF client asks {@code openssl s_server} (which issues
     * tickets by default) for a ticket and resumes with it: s_server accepts the ticket and echoes the
     * session ID the client sent with it (RFC 5077 3.4), and reports one reused session.
     */
    @Test
    void saefClientResumesWithATicketAgainstOpensslServer() throws Exception {
        PeerProcess srv = OpenSslProcess.start("s_server", openssl, List.of("s_server", "-4", "-accept",
                "127.0.0.1:0", "-naccept", "2", "-nocert", "-tls1_2", "-cipher", "PSK-AES128-GCM-SHA256", "-psk",
                KEY, "-psk_identity", KPSA, "-rev", "-no_cache"));
        started.add(srv);
        Matcher m = srv.awaitStdout(Pattern.compile("(?m)^ACCEPT 127\\.0\\.0\\.1:(\\d+)\\s*$"), WAIT);
        int port = Integer.parseInt(m.group(1));
        SSLContext ctx = context(clientTable(KPSA, port, KEY), c -> c.withClientSessionTickets(true));
        List<SSLSession> sessions = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
                s.setSoTimeout(15_000);
                s.getOutputStream().write("abc\n".getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                byte[] back = s.getInputStream().readNBytes(4);
                assertEquals("cba\n", new String(back, StandardCharsets.US_ASCII), srv.describe());
                sessions.add(s.getSession());
            }
        }
        srv.awaitExit(WAIT);
        assertEquals(32, sessions.get(0).getId().length, "the client's own ID for the ticket session");
        assertArrayEquals(sessions.get(0).getId(), sessions.get(1).getId(),
                "s_server (no session cache: -no_cache) accepted the ticket and echoed the ID\n" + srv.describe());
        assertEquals(sessions.get(0).getCreationTime(), sessions.get(1).getCreationTime());
        assertEquals("/id-in", sessions.get(1).getPeerPrincipal().getName());
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }
}
