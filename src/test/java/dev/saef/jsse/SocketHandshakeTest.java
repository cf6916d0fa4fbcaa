package dev.saef.jsse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saef.identity.SaefPrincipal;
import dev.saef.profile.CipherSuiteInfo;
import dev.saef.profile.SuiteProfile;
import java.io.DataInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Real PSK-SAEF handshakes between SAEF sockets over loopback TCP, every profile suite. */
@Timeout(60)
class SocketHandshakeTest {

    static final String KPSA = "ae42@sp.example.com";

    static Stream<String> allSuites() {
        return SuiteProfile.all().stream().map(CipherSuiteInfo::name);
    }

    /** Runs one server connection on a thread, returning what the server saw. */
    record ServerView(SSLSession session, byte[] received) {
    }

    static CompletableFuture<ServerView> serveOnce(SSLServerSocket ss, int expectBytes) {
        return CompletableFuture.supplyAsync(() -> {
            try (SSLSocket s = (SSLSocket) ss.accept()) {
                s.startHandshake();
                byte[] buf = new byte[expectBytes];
                new DataInputStream(s.getInputStream()).readFully(buf);
                OutputStream out = s.getOutputStream();
                out.write(buf); // echo
                out.flush();
                // wait for the client's close_notify
                int end = s.getInputStream().read();
                if (end != -1) {
                    throw new IllegalStateException("expected end of stream, got " + end);
                }
                return new ServerView(s.getSession(), buf);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
    }

    @ParameterizedTest
    @MethodSource("allSuites")
    void everySuiteHandshakesAndCarriesData(String suite) throws Exception {
        SSLContext server = Peers.context(Peers.serverTable(KPSA, "CAE01", Peers.KEY_HEX),
                c -> c.withEcdhePskEnabled(true));
        try (SSLServerSocket ss = (SSLServerSocket) server.getServerSocketFactory()
                .createServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            int port = ss.getLocalPort();
            SSLContext client = Peers.context(Peers.clientTable(KPSA, "127.0.0.1:" + port, Peers.KEY_HEX),
                    c -> c.withEcdhePskEnabled(true));
            byte[] data = new byte[100_000];
            new Random(suite.hashCode()).nextBytes(data);
            CompletableFuture<ServerView> seen = serveOnce(ss, data.length);
            byte[] echoed = new byte[data.length];
            SSLSession cs;
            try (SSLSocket s = (SSLSocket) client.getSocketFactory().createSocket("127.0.0.1", port)) {
                s.setEnabledCipherSuites(new String[] {suite});
                s.getOutputStream().write(data);
                new DataInputStream(s.getInputStream()).readFully(echoed);
                cs = s.getSession();
            }
            ServerView sv = seen.get(30, TimeUnit.SECONDS);
            assertArrayEquals(data, sv.received());
            assertArrayEquals(data, echoed);
            assertEquals(suite, cs.getCipherSuite());
            assertEquals("TLSv1.2", cs.getProtocol());
            assertEquals(suite, sv.session().getCipherSuite());
            // Client (Entity A) is bound to IdB; server (Entity B) to the configured AE-ID.
            SaefPrincipal toServer = (SaefPrincipal) cs.getPeerPrincipal();
            assertEquals("/id-in", toServer.getName());
            assertEquals(KPSA, toServer.kpsaId().orElseThrow().value());
            SaefPrincipal toClient = (SaefPrincipal) sv.session().getPeerPrincipal();
            assertEquals("CAE01", toClient.getName());
            assertTrue(toClient.isConfigured());
            // RFC 7627 always; RFC 7366 encrypt-then-MAC whenever the suite is CBC
            assertTrue(((SaefSSLSession) cs).info().extendedMasterSecret());
            assertTrue(((SaefSSLSession) sv.session()).info().extendedMasterSecret());
            assertEquals(suite.contains("_CBC_"), ((SaefSSLSession) cs).info().encryptThenMac());
            assertThrows(SSLPeerUnverifiedException.class, cs::getPeerCertificates);
            assertThrows(SSLPeerUnverifiedException.class, () -> sv.session().getPeerCertificates());
        }
    }

    @Test
    void serverWithoutPeerIdBindsToCredentialId() throws Exception {
        SSLContext server = Peers.context(Peers.serverTable(KPSA, null, Peers.KEY_HEX));
        try (SSLServerSocket ss = (SSLServerSocket) server.getServerSocketFactory()
                .createServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            int port = ss.getLocalPort();
            SSLContext client = Peers.context(Peers.clientTable(KPSA, "localhost:" + port, Peers.KEY_HEX));
            CompletableFuture<ServerView> seen = serveOnce(ss, 5);
            try (SSLSocket s = (SSLSocket) client.getSocketFactory().createSocket("localhost", port)) {
                s.getOutputStream().write("hello".getBytes());
                s.getInputStream().readNBytes(5);
            }
            ServerView sv = seen.get(30, TimeUnit.SECONDS);
            SaefPrincipal p = (SaefPrincipal) sv.session().getPeerPrincipal();
            assertEquals("12-" + KPSA, p.getName());
            assertTrue(p.isDerivedFromCredentialId());
            assertFalse(p.isConfigured());
            // SNI (clause 10.2.1): the client sent its host name, the server exposes it.
            assertEquals(java.util.List.of(new SNIHostName("localhost")), ((javax.net.ssl.ExtendedSSLSession)
                    sv.session()).getRequestedServerNames());
        }
    }

    @Test
    void layeredAndUnconnectedSocketsWork() throws Exception {
        SSLContext server = Peers.context(Peers.serverTable(KPSA, "CAE01", Peers.KEY_HEX));
        try (SSLServerSocket ss = (SSLServerSocket) server.getServerSocketFactory()
                .createServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            int port = ss.getLocalPort();
            SSLContext client = Peers.context(Peers.clientTable(KPSA, "127.0.0.1:" + port, Peers.KEY_HEX));
            // layered over a plain socket
            CompletableFuture<ServerView> seen = serveOnce(ss, 3);
            try (java.net.Socket plain = new java.net.Socket("127.0.0.1", port);
                 SSLSocket s = (SSLSocket) client.getSocketFactory().createSocket(plain, "127.0.0.1", port, true)) {
                s.getOutputStream().write("abc".getBytes());
                assertEquals("abc", new String(s.getInputStream().readNBytes(3)));
            }
            assertEquals("CAE01", seen.get(30, TimeUnit.SECONDS).session().getPeerPrincipal().getName());
            // unconnected, then connect
            seen = serveOnce(ss, 3);
            try (SSLSocket s = (SSLSocket) client.getSocketFactory().createSocket()) {
                s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 5000);
                s.setSoTimeout(10_000);
                s.getOutputStream().write("xyz".getBytes());
                InputStream in = s.getInputStream();
                assertEquals("xyz", new String(in.readNBytes(3)));
            }
            assertEquals("CAE01", seen.get(30, TimeUnit.SECONDS).session().getPeerPrincipal().getName());
        }
    }

    /**
     * No half-close on either socket kind: the call is refused (as Apache HttpCore's close path
     * expects, catching UnsupportedOperationException), the connection stays usable, and close()
     * then ends it with close_notify - the server reads a clean end of stream, not a truncation.
     */
    @Test
    void halfCloseIsRefusedAndCloseStillSendsCloseNotify() throws Exception {
        SSLContext server = Peers.context(Peers.serverTable(KPSA, "CAE01", Peers.KEY_HEX));
        try (SSLServerSocket ss = (SSLServerSocket) server.getServerSocketFactory()
                .createServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            int port = ss.getLocalPort();
            SSLContext client = Peers.context(Peers.clientTable(KPSA, "127.0.0.1:" + port, Peers.KEY_HEX));
            for (boolean layered : new boolean[] {false, true}) {
                CompletableFuture<ServerView> seen = serveOnce(ss, 6);
                java.net.Socket plain = layered ? new java.net.Socket("127.0.0.1", port) : null;
                SSLSocket s = layered
                        ? (SSLSocket) client.getSocketFactory().createSocket(plain, "127.0.0.1", port, true)
                        : (SSLSocket) client.getSocketFactory().createSocket("127.0.0.1", port);
                s.setSoTimeout(10_000);
                s.getOutputStream().write("abc".getBytes());
                UnsupportedOperationException out = assertThrows(UnsupportedOperationException.class,
                        s::shutdownOutput);
                assertEquals(SaefSSLSocket.NO_HALF_CLOSE, out.getMessage());
                assertThrows(UnsupportedOperationException.class, s::shutdownInput);
                assertFalse(s.isOutputShutdown() || s.isInputShutdown());
                s.getOutputStream().write("def".getBytes()); // still usable
                assertEquals("abcdef", new String(s.getInputStream().readNBytes(6)));
                s.close();
                // serveOnce reads -1 only after a close_notify; a bare FIN would be an SSLException
                assertEquals("abcdef", new String(seen.get(30, TimeUnit.SECONDS).received()), "layered=" + layered);
            }
        }
    }
}
