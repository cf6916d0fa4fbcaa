package dev.saef.frameworks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saef.protocol.ClientHelloInspector;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A certificate client whose ClientHello arrives split over several handshake records (legal: RFC
 * 5246 section 6.2.1) is still recognised as one that offers no PSK suite and handed to the JDK's
 * TLS, which completes the handshake: through our server socket (a relay re-frames the real client's
 * first flight and sends each record in its own TCP write) and through our server engine (fed a few
 * octets at a time, so it answers BUFFER_UNDERFLOW until the whole ClientHello is there).
 */
@Timeout(60)
class SplitClientHelloHandOffTest {
    private static final ExecutorService POOL = Executors.newCachedThreadPool();
    /** Fragment sizes of the re-framed ClientHello: the first record ends inside the random. */
    private static final List<Integer> SPLIT = List.of(20, 30, 7, 1, 1, 64);
    @TempDir
    static Path dir;
    private static Path p12;
    private static SSLContext server;

    @BeforeAll
    static void setUp() throws Exception {
        p12 = JdkHttpsServers.certificateStore(dir);
        KeyManagerFactory x509 = KeyManagerFactory.getInstance("SunX509", "SunJSSE");
        x509.init(JdkHttpsServers.load(p12), JdkHttpsServers.STORE_PASSWORD.toCharArray());
        KeyManager psk = FrameworkPeers.cseKeyManagerFactory().getKeyManagers()[0];
        server = SSLContext.getInstance("TLS", FrameworkPeers.PROVIDER);
        server.init(new KeyManager[] {psk, x509.getKeyManagers()[0]}, null, null);
    }

    @AfterAll
    static void tearDown() {
        POOL.shutdownNow();
    }

    /** Frames the handshake octets {@code message} into records of the given fragment sizes (the last takes the rest). */
    static List<byte[]> reframe(byte[] message, int major, int minor, List<Integer> sizes) {
        List<byte[]> records = new ArrayList<>();
        int p = 0;
        for (int i = 0; p < message.length; i++) {
            int n = i < sizes.size() ? Math.min(sizes.get(i), message.length - p) : message.length - p;
            byte[] r = new byte[5 + n];
            r[0] = 22;
            r[1] = (byte) major;
            r[2] = (byte) minor;
            r[3] = (byte) (n >>> 8);
            r[4] = (byte) n;
            System.arraycopy(message, p, r, 5, n);
            records.add(r);
            p += n;
        }
        return records;
    }

    static byte[] concat(List<byte[]> parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        parts.forEach(out::writeBytes);
        return out.toByteArray();
    }

    @Test
    void serverSocketHandsASplitCertificateHelloToTheJdk() throws Exception {
        try (SSLServerSocket ss = (SSLServerSocket) server.getServerSocketFactory()
                .createServerSocket(0, 5, InetAddress.getLoopbackAddress());
                ServerSocket relay = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            Future<String> served = POOL.submit(() -> {
                try (SSLSocket s = (SSLSocket) ss.accept()) {
                    s.setSoTimeout(20_000);
                    s.startHandshake();
                    s.getOutputStream().write(s.getInputStream().read());
                    s.getOutputStream().flush();
                    return s.getSession().getCipherSuite();
                }
            });
            int[] recordsSent = {0};
            Future<?> relayed = POOL.submit(() -> {
                relayOnce(relay, ss.getLocalPort(), recordsSent);
                return null;
            });
            SSLContext client = JdkHttpsServers.certificateClientContext(p12);
            String clientSuite;
            try (SSLSocket c = (SSLSocket) client.getSocketFactory().createSocket("localhost", relay.getLocalPort())) {
                c.setSoTimeout(20_000);
                c.startHandshake();
                c.getOutputStream().write(42);
                c.getOutputStream().flush();
                assertEquals(42, c.getInputStream().read());
                clientSuite = c.getSession().getCipherSuite();
                assertEquals("CN=localhost", c.getSession().getPeerPrincipal().getName());
            }
            // Only now: the JDK's TLS 1.3 socket close waits (up to its SO_TIMEOUT) for the peer's
            // close_notify, so the server's close returns once the client has closed.
            String suite = served.get(30, TimeUnit.SECONDS);
            assertEquals(clientSuite, suite);
            assertFalse(suite.contains("PSK"), suite);
            relayed.get(30, TimeUnit.SECONDS);
            assertTrue(recordsSent[0] >= SPLIT.size(), "the ClientHello went out in " + recordsSent[0] + " records");
        }
    }

    /**
     * Accepts one client, connects to {@code target}, sends the client's ClientHello re-framed into
     * {@link #SPLIT} records (one TCP write each, with pauses so the server reads them separately),
     * then relays both ways until either side closes.
     */
    private static void relayOnce(ServerSocket relay, int target, int[] recordsSent) throws Exception {
        try (Socket c = relay.accept(); Socket s = new Socket(InetAddress.getLoopbackAddress(), target)) {
            c.setTcpNoDelay(true);
            s.setTcpNoDelay(true);
            DataInputStream in = new DataInputStream(c.getInputStream());
            byte[] header = new byte[5];
            in.readFully(header);
            assertEquals(22, header[0], "the client's first record is a handshake record");
            byte[] fragment = new byte[((header[3] & 0xFF) << 8) | (header[4] & 0xFF)];
            in.readFully(fragment);
            OutputStream toServer = s.getOutputStream();
            for (byte[] r : reframe(fragment, header[1], header[2], SPLIT)) {
                toServer.write(r);
                toServer.flush();
                recordsSent[0]++;
                Thread.sleep(20);
            }
            Future<?> back = POOL.submit(() -> pump(s.getInputStream(), c.getOutputStream()));
            pump(in, toServer);
            back.get(30, TimeUnit.SECONDS);
        }
    }

    private static Void pump(InputStream from, OutputStream to) {
        byte[] buf = new byte[16384];
        try {
            int n;
            while ((n = from.read(buf)) >= 0) {
                to.write(buf, 0, n);
                to.flush();
            }
            to.close();
        } catch (IOException ended) {
            // one side closed
        }
        return null;
    }

    @Test
    void serverEngineHandsASplitCertificateHelloToTheJdk() throws Exception {
        SSLEngine s = server.createSSLEngine();
        s.setUseClientMode(false);
        assertTrue(s.getSession().getPacketBufferSize() >= ClientHelloInspector.MAX_INSPECTED,
                "an application's packet buffer holds every ClientHello the inspector reads");
        SSLEngine c = JdkHttpsServers.certificateClientContext(p12).createSSLEngine("localhost", 443);
        c.setUseClientMode(true);
        c.beginHandshake();
        s.beginHandshake();
        ByteBuffer toServer = ByteBuffer.allocate(65536); // in flight, not yet given to the server
        ByteBuffer serverIn = ByteBuffer.allocate(s.getSession().getPacketBufferSize());
        ByteBuffer toClient = ByteBuffer.allocate(65536);
        ByteBuffer app = ByteBuffer.allocate(65536);
        ByteBuffer empty = ByteBuffer.allocate(0);
        boolean first = true;
        int underflows = 0;
        for (int round = 0; round < 10_000 && !(done(c) && done(s)); round++) {
            // client
            HandshakeStatus hc = c.getHandshakeStatus();
            if (hc == HandshakeStatus.NEED_WRAP) {
                int before = toServer.position();
                c.wrap(empty, toServer);
                if (first && toServer.position() > before) {
                    first = false;
                    byte[] record = new byte[toServer.position() - before];
                    toServer.position(before);
                    toServer.get(record);
                    toServer.position(before);
                    byte[] fragment = java.util.Arrays.copyOfRange(record, 5, record.length);
                    toServer.put(concat(reframe(fragment, record[1], record[2], SPLIT)));
                }
            } else if (hc == HandshakeStatus.NEED_UNWRAP) {
                toClient.flip();
                c.unwrap(toClient, app);
                toClient.compact();
            } else if (hc == HandshakeStatus.NEED_TASK) {
                runTasks(c);
            }
            // the network: at most 16 octets per round reach the server
            toServer.flip();
            for (int i = 0; i < 16 && toServer.hasRemaining() && serverIn.hasRemaining(); i++) {
                serverIn.put(toServer.get());
            }
            toServer.compact();
            // server
            HandshakeStatus hs = s.getHandshakeStatus();
            if (hs == HandshakeStatus.NEED_UNWRAP || hs == HandshakeStatus.NEED_UNWRAP_AGAIN) {
                serverIn.flip();
                SSLEngineResult r = s.unwrap(serverIn, app);
                serverIn.compact();
                if (r.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW) {
                    underflows++;
                }
            } else if (hs == HandshakeStatus.NEED_WRAP) {
                s.wrap(empty, toClient);
            } else if (hs == HandshakeStatus.NEED_TASK) {
                runTasks(s);
            }
        }
        assertTrue(done(c) && done(s), "handshake did not complete: client " + c.getHandshakeStatus() + ", server "
                + s.getHandshakeStatus());
        assertEquals(c.getSession().getCipherSuite(), s.getSession().getCipherSuite());
        assertFalse(s.getSession().getCipherSuite().contains("PSK"), s.getSession().getCipherSuite());
        assertTrue(underflows > 3, "the server engine waited for the rest of the ClientHello: " + underflows);
    }

    private static boolean done(SSLEngine e) {
        HandshakeStatus h = e.getHandshakeStatus();
        return h == HandshakeStatus.NOT_HANDSHAKING || h == HandshakeStatus.FINISHED;
    }

    private static void runTasks(SSLEngine e) {
        Runnable t;
        while ((t = e.getDelegatedTask()) != null) {
            t.run();
        }
    }
}
