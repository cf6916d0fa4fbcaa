package dev.saef.jsse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What a fatal alert does (issue 7 item 10, RFC 5246 section 7.2.2): the session of a connection
 * that ended with a fatal alert, sent or received, is no longer valid (socket and engine); and a
 * socket that sent one does not close at once but half-closes and reads and discards briefly, so a
 * peer still writing gets the alert instead of a TCP reset.
 */
@Timeout(60)
class FatalAlertTest {

    static final String KPSA = SocketPairs.KPSA;

    @Test
    void engineSessionsAreInvalidAfterAFatalAlertSentOrReceived() throws Exception {
        SSLContext s = Peers.context(Peers.serverTable(KPSA, "CAE01", Peers.KEY_HEX));
        SSLContext c = Peers.context(Peers.clientTable(KPSA, "cse.example.net:4433", Peers.KEY_HEX));
        SSLEngine client = c.createSSLEngine("cse.example.net", 4433);
        client.setUseClientMode(true);
        SSLEngine server = s.createSSLEngine();
        server.setUseClientMode(false);
        new EnginePair(client, server).handshake();
        assertEquals("hello", new String(EnginePair.transfer(client, server, "hello".getBytes())));
        SSLSession clientSession = client.getSession();
        SSLSession serverSession = server.getSession();
        assertTrue(clientSession.isValid() && serverSession.isValid());

        // a record whose last byte (in its authentication tag) was changed in flight
        ByteBuffer net = ByteBuffer.allocate(client.getSession().getPacketBufferSize());
        client.wrap(ByteBuffer.wrap("tampered".getBytes()), net);
        net.flip();
        net.put(net.limit() - 1, (byte) (net.get(net.limit() - 1) ^ 1));
        ByteBuffer app = ByteBuffer.allocate(server.getSession().getApplicationBufferSize());
        assertThrows(SSLException.class, () -> server.unwrap(net, app));
        assertFalse(serverSession.isValid(), "the server sent bad_record_mac: its session must be invalid");
        assertFalse(server.getSession().isValid());
        assertTrue(clientSession.isValid(), "the client has not seen the alert yet");

        ByteBuffer alert = ByteBuffer.allocate(server.getSession().getPacketBufferSize());
        SSLEngineResult r = server.wrap(ByteBuffer.allocate(0), alert);
        assertTrue(r.bytesProduced() > 0, "the alert is queued for the peer: " + r);
        alert.flip();
        ByteBuffer clientApp = ByteBuffer.allocate(client.getSession().getApplicationBufferSize());
        SSLException received = assertThrows(SSLException.class, () -> client.unwrap(alert, clientApp));
        assertTrue(received.getMessage().contains("bad_record_mac"), received.getMessage());
        assertFalse(clientSession.isValid(), "the client received a fatal alert: its session must be invalid");
    }

    @Test
    void socketSessionsAreInvalidAfterAFatalAlertSentOrReceived() throws Exception {
        SSLContext server = Peers.context(Peers.serverTable(KPSA, "CAE01", Peers.KEY_HEX));
        try (SSLServerSocket ss = (SSLServerSocket) server.getServerSocketFactory()
                .createServerSocket(0, 5, InetAddress.getLoopbackAddress());
             RawPeers.Relay relay = new RawPeers.Relay(ss.getLocalPort())) {
            SSLContext client = Peers.context(Peers.clientTable(KPSA, "127.0.0.1:" + relay.port(), Peers.KEY_HEX));
            CompletableFuture<SSLSocket> accepted = CompletableFuture.supplyAsync(() -> {
                try {
                    SSLSocket s = (SSLSocket) ss.accept();
                    s.setSoTimeout(20_000);
                    s.startHandshake();
                    return s;
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            try (SSLSocket c = startedClient(client, relay.port());
                 SSLSocket s = accepted.get(30, TimeUnit.SECONDS)) {
                c.getOutputStream().write("ping".getBytes());
                assertEquals("ping", new String(s.getInputStream().readNBytes(4)));
                SSLSession clientSession = c.getSession();
                SSLSession serverSession = s.getSession();
                assertTrue(clientSession.isValid() && serverSession.isValid());

                relay.corruptNextClientChunk();
                c.getOutputStream().write("tampered in flight".getBytes());
                SSLException sent = assertThrows(SSLException.class, () -> s.getInputStream().read());
                assertFalse(serverSession.isValid(), "the server sent a fatal alert (" + sent.getMessage()
                        + "): its session must be invalid");
                SSLException received = assertThrows(SSLException.class, () -> c.getInputStream().read());
                assertTrue(received.getMessage().contains("bad_record_mac"), received.getMessage());
                assertFalse(clientSession.isValid(), "the client received a fatal alert: its session must be"
                        + " invalid");
                assertFalse(c.getSession().isValid());
            }
        }
    }

    private static SSLSocket startedClient(SSLContext client, int port) throws IOException {
        SSLSocket c = (SSLSocket) client.getSocketFactory().createSocket("127.0.0.1", port);
        c.setSoTimeout(20_000);
        c.startHandshake();
        return c;
    }

    /**
     * A peer that sends a ClientHello and then, in one write, 192 KiB the server cannot accept (its
     * receive buffer is small), and reads only after its write returned (a single-threaded client).
     * The server fails on the first bad record and sends a fatal alert. Closing at once would leave
     * the peer's bytes unread, the kernel would answer with a reset, and the peer's write would fail
     * with "Connection reset" before it ever reads the alert. Lingering, the server drains them: the
     * write completes and the peer reads the server's flight, then the alert, then the end of stream.
     */
    @Test
    void afterSendingAFatalAlertTheSocketDrainsInsteadOfResetting() throws Exception {
        SSLContext server = Peers.context(Peers.serverTable(KPSA, "CAE01", Peers.KEY_HEX));
        SSLContext capture = Peers.context(Peers.clientTable(KPSA, "127.0.0.1:1", Peers.KEY_HEX));
        try (SSLServerSocket ss = (SSLServerSocket) server.getServerSocketFactory().createServerSocket()) {
            ss.setReceiveBufferSize(8192); // inherited by accepted sockets: the peer's write must block
            ss.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 5);
            byte[] hello = RawPeers.captureClientHello(capture); // nothing in it depends on the port
            CompletableFuture<Throwable> serverSide = CompletableFuture.supplyAsync(() -> {
                try (SSLSocket s = (SSLSocket) ss.accept()) {
                    s.startHandshake();
                    return null;
                } catch (Throwable t) {
                    return t;
                }
            });
            byte[] garbage = new byte[192 * 1024];
            for (int off = 0; off < garbage.length; off += 16384 + 5) {
                // application_data records before the handshake is done: unexpected_message
                garbage[off] = 23;
                garbage[off + 1] = 3;
                garbage[off + 2] = 3;
                garbage[off + 3] = (byte) 0x40;
                garbage[off + 4] = 0;
            }
            try (Socket peer = new Socket()) {
                peer.setSendBufferSize(8192);
                peer.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), ss.getLocalPort()));
                peer.setSoTimeout(20_000);
                OutputStream out = peer.getOutputStream();
                out.write(hello);
                out.write(garbage); // blocks until the server reads (or resets)
                ByteArrayOutputStream got = new ByteArrayOutputStream();
                InputStream in = peer.getInputStream();
                byte[] buf = new byte[4096];
                int n;
                while ((n = in.read(buf)) >= 0) {
                    got.write(buf, 0, n);
                }
                assertTrue(containsFatalAlert(got.toByteArray()), "the peer read a fatal alert record");
            }
            Throwable t = serverSide.get(30, TimeUnit.SECONDS);
            assertTrue(t instanceof SSLException, "the server failed the handshake: " + t);
        }
    }

    /** @return whether the bytes hold a TLS record: alert, TLS 1.2, length 2, level fatal */
    static boolean containsFatalAlert(byte[] b) {
        int i = 0;
        while (i + 5 <= b.length) {
            int type = b[i] & 0xFF;
            int len = ((b[i + 3] & 0xFF) << 8) | (b[i + 4] & 0xFF);
            if (type == 21 && len == 2 && i + 6 <= b.length && (b[i + 5] & 0xFF) == 2) {
                return true;
            }
            i += 5 + len;
        }
        return false;
    }
}
