package dev.saef.frameworks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.security.Principal;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server that asks for client certificates keeps asking when a certificate client (no PSK suite
 * offered) is handed to the JDK's TLS: {@code setNeedClientAuth(true)} on our server socket must reach
 * the JDK's socket, or a client without a certificate would get in unauthenticated.
 */
class HandOffClientAuthTest {
    private static final ExecutorService POOL = Executors.newCachedThreadPool();
    @TempDir
    static Path dir;
    private static Path p12;
    private static SSLContext server;

    @BeforeAll
    static void setUp() throws Exception {
        p12 = JdkHttpsServers.certificateStore(dir);
        KeyManagerFactory x509 = KeyManagerFactory.getInstance("SunX509", "SunJSSE");
        x509.init(JdkHttpsServers.load(p12), JdkHttpsServers.STORE_PASSWORD.toCharArray());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX", "SunJSSE");
        tmf.init(JdkHttpsServers.load(p12));
        KeyManager psk = FrameworkPeers.cseKeyManagerFactory().getKeyManagers()[0];
        server = SSLContext.getInstance("TLS", FrameworkPeers.PROVIDER);
        server.init(new KeyManager[] {psk, x509.getKeyManagers()[0]}, tmf.getTrustManagers(), null);
    }

    @AfterAll
    static void tearDown() {
        POOL.shutdownNow();
    }

    @Test
    void needClientAuthRefusesACertificateClientWithoutACertificate() throws Exception {
        Outcome o = handOff(true, JdkHttpsServers.certificateClientContext(p12));
        assertTrue(o.handshakeFailure instanceof SSLException,
                "the handed-off server accepted a client without a certificate: " + o.handshakeFailure);
        assertTrue(o.handshakeFailure.getMessage().contains("certificate"), o.handshakeFailure.getMessage());
    }

    @Test
    void needClientAuthAcceptsAndExposesACertificateClient() throws Exception {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("SunX509", "SunJSSE");
        kmf.init(JdkHttpsServers.load(p12), JdkHttpsServers.STORE_PASSWORD.toCharArray());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX", "SunJSSE");
        tmf.init(JdkHttpsServers.load(p12));
        SSLContext client = SSLContext.getInstance("TLS", "SunJSSE");
        client.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        Outcome o = handOff(true, client);
        assertEquals(null, o.handshakeFailure);
        assertEquals(null, o.serverFailure);
        assertEquals("CN=localhost", o.peer.getName());
    }

    @Test
    void withoutClientAuthACertificateClientNeedsNoCertificate() throws Exception {
        Outcome o = handOff(false, JdkHttpsServers.certificateClientContext(p12));
        assertEquals(null, o.handshakeFailure);
        assertEquals(null, o.serverFailure);
        assertThrows(javax.net.ssl.SSLPeerUnverifiedException.class, () -> o.session.getPeerPrincipal());
    }

    private static final class Outcome {
        Exception handshakeFailure;
        Exception serverFailure;
        Principal peer;
        javax.net.ssl.SSLSession session;
    }

    /** One certificate client against our server socket; the server echoes one byte. */
    private static Outcome handOff(boolean needClientAuth, SSLContext client) throws Exception {
        try (SSLServerSocket ss = (SSLServerSocket) server.getServerSocketFactory()
                .createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            ss.setNeedClientAuth(needClientAuth);
            Future<Outcome> accepted = POOL.submit(() -> {
                Outcome o = new Outcome();
                try (SSLSocket s = (SSLSocket) ss.accept()) {
                    s.setSoTimeout(10_000);
                    try {
                        s.startHandshake();
                    } catch (IOException e) {
                        o.handshakeFailure = e;
                        return o;
                    }
                    o.session = s.getSession();
                    if (needClientAuth) {
                        o.peer = o.session.getPeerPrincipal();
                    }
                    s.getOutputStream().write(s.getInputStream().read());
                    s.getOutputStream().flush();
                } catch (IOException e) {
                    o.serverFailure = e;
                }
                return o;
            });
            try (SSLSocket c = (SSLSocket) client.getSocketFactory().createSocket("localhost", ss.getLocalPort())) {
                c.setSoTimeout(10_000);
                c.getOutputStream().write(42);
                c.getOutputStream().flush();
                c.getInputStream().read();
            } catch (IOException expectedWhenRefused) {
                // TLS 1.3: the client learns of the refusal only when it reads
            }
            return accepted.get(30, TimeUnit.SECONDS);
        }
    }
}
