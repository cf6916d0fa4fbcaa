package dev.saef.jsse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code saef.handshakeTimeout} over real sockets: a peer that sends nothing, or dribbles its bytes
 * so that no single read ever times out, fails the handshake within the limit, with an
 * {@link SSLHandshakeException} naming the limit and the property; client and server, direct and
 * layered. The socket's own SO_TIMEOUT is restored after a handshake, and when shorter it still
 * applies (a {@link SocketTimeoutException}, as with the JDK).
 */
@Timeout(120)
class HandshakeTimeoutTest {

    static final String KPSA = SocketPairs.KPSA;
    static final Duration LIMIT = Duration.ofMillis(1500);
    /** Generous slack for a loaded 2-core CI machine; without the limit these peers take minutes or forever. */
    static final long MUST_FAIL_WITHIN_MILLIS = LIMIT.toMillis() + 6_000;

    static SSLContext server(Duration limit) throws Exception {
        return Peers.context(Peers.serverTable(KPSA, "CAE01", Peers.KEY_HEX), c -> c.withHandshakeTimeout(limit));
    }

    static SSLContext client(int port, Duration limit) throws Exception {
        return Peers.context(Peers.clientTable(KPSA, "127.0.0.1:" + port, Peers.KEY_HEX),
                c -> c.withHandshakeTimeout(limit));
    }

    /** Runs {@code handshake} and returns its failure, timing it; a hang fails the test instead of the build. */
    static Throwable failureWithin(long millis, ThrowingRunnable handshake) throws Exception {
        long t0 = System.nanoTime();
        CompletableFuture<Throwable> f = CompletableFuture.supplyAsync(() -> {
            try {
                handshake.run();
                return null;
            } catch (Throwable t) {
                return t;
            }
        });
        Throwable t;
        try {
            t = f.get(millis + 30_000, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("the handshake with a stalling peer did not end", e);
        }
        long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(t != null, "the handshake with a stalling peer succeeded");
        assertTrue(took >= LIMIT.toMillis() - 50, "failed before the limit: " + took + " ms: " + t);
        assertTrue(took < millis, "took " + took + " ms, limit " + LIMIT.toMillis() + " ms: " + t);
        return t;
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    static void assertTimeoutMessage(Throwable t) {
        assertInstanceOf(SSLHandshakeException.class, t, () -> String.valueOf(t));
        assertTrue(t.getMessage().contains("did not complete within " + LIMIT.toMillis() + " ms")
                && t.getMessage().contains("saef.handshakeTimeout"), t.getMessage());
    }

    /** A server facing a client that connects and sends nothing, or its ClientHello one byte every 150 ms. */
    @ParameterizedTest
    @ValueSource(strings = {"silent", "drip", "silent-layered", "drip-layered"})
    void serverFailsAStallingClientWithinTheLimit(String how) throws Exception {
        boolean layered = how.endsWith("layered");
        SSLContext ctx = server(LIMIT);
        byte[] hello = RawPeers.captureClientHello(client(1, LIMIT));
        try (ServerSocket ss = layered ? new ServerSocket(0, 5, InetAddress.getLoopbackAddress())
                : ctx.getServerSocketFactory().createServerSocket(0, 5, InetAddress.getLoopbackAddress());
             Socket peer = new Socket("127.0.0.1", ss.getLocalPort())) {
            Thread dripper = new Thread(() -> {
                try {
                    OutputStream out = peer.getOutputStream();
                    for (byte b : hello) {
                        out.write(b);
                        out.flush();
                        Thread.sleep(150);
                    }
                } catch (IOException | InterruptedException stopped) {
                    // the server closed the connection
                }
            });
            dripper.setDaemon(true);
            Socket accepted = ss.accept();
            SSLSocket s = layered ? (SSLSocket) ctx.getSocketFactory().createSocket(accepted, null, -1, true)
                    : (SSLSocket) accepted;
            s.setUseClientMode(false);
            if (how.startsWith("drip")) {
                dripper.start();
            }
            try (s) {
                Throwable t = failureWithin(MUST_FAIL_WITHIN_MILLIS, s::startHandshake);
                assertTimeoutMessage(t);
                assertTrue(t.getMessage().startsWith("the server handshake with 127.0.0.1:"), t.getMessage());
                assertTrue(s.isClosed(), "the connection is closed");
            }
        }
    }

    /** A client facing a server that accepts and answers nothing, or dribbles a record one byte every 150 ms. */
    @ParameterizedTest
    @ValueSource(strings = {"silent", "drip", "silent-layered", "drip-layered"})
    void clientFailsAStallingServerWithinTheLimit(String how) throws Exception {
        boolean layered = how.endsWith("layered");
        try (ServerSocket ss = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            int port = ss.getLocalPort();
            SSLContext ctx = client(port, LIMIT);
            Thread stalling = new Thread(() -> {
                try (Socket s = ss.accept()) {
                    InputStream in = s.getInputStream();
                    in.read(new byte[4096]); // the ClientHello
                    if (how.startsWith("drip")) {
                        // a ServerHello record header announcing 100 bytes, then one byte at a time
                        byte[] record = new byte[105];
                        record[0] = 22;
                        record[1] = 3;
                        record[2] = 3;
                        record[4] = 100;
                        OutputStream out = s.getOutputStream();
                        for (byte b : record) {
                            out.write(b);
                            out.flush();
                            Thread.sleep(150);
                        }
                    }
                    in.read(); // until the client gives up
                } catch (IOException | InterruptedException stopped) {
                    // the client closed the connection
                }
            });
            stalling.setDaemon(true);
            stalling.start();
            Socket plain = layered ? new Socket("127.0.0.1", port) : null;
            SSLSocket s = layered ? (SSLSocket) ctx.getSocketFactory().createSocket(plain, "127.0.0.1", port, true)
                    : (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port);
            try (s) {
                Throwable t = failureWithin(MUST_FAIL_WITHIN_MILLIS, s::startHandshake);
                assertTimeoutMessage(t);
                assertTrue(t.getMessage().startsWith("the client handshake with 127.0.0.1:" + port), t.getMessage());
                assertTrue(s.isClosed(), "the connection is closed");
            }
        }
    }

    /**
     * The application's SO_TIMEOUT is restored after the handshake; when shorter than the limit it
     * applies during the handshake as a SocketTimeoutException (as with the JDK), and the handshake can
     * be resumed.
     */
    @Test
    void applicationSoTimeoutIsRestoredAndStillApplies() throws Exception {
        SSLContext serverCtx = server(Duration.ofSeconds(30));
        try (SSLServerSocket ss = (SSLServerSocket) serverCtx.getServerSocketFactory()
                .createServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            int port = ss.getLocalPort();
            SSLContext clientCtx = client(port, Duration.ofSeconds(30));
            try (SSLSocket c = (SSLSocket) clientCtx.getSocketFactory().createSocket("127.0.0.1", port);
                 SSLSocket s = (SSLSocket) ss.accept()) {
                s.setSoTimeout(300);
                // the client has not started: the server's own 300 ms SO_TIMEOUT expires first
                assertInstanceOf(SocketTimeoutException.class,
                        failureWithinAny(s::startHandshake));
                assertEquals(300, s.getSoTimeout());
                s.setSoTimeout(12_345);
                c.setSoTimeout(23_456);
                CompletableFuture<Void> serverSide = CompletableFuture.runAsync(() -> {
                    try {
                        s.startHandshake(); // resumed
                    } catch (IOException e) {
                        throw new RuntimeException(e);
                    }
                });
                c.startHandshake();
                serverSide.get(30, TimeUnit.SECONDS);
                assertEquals(12_345, s.getSoTimeout());
                assertEquals(23_456, c.getSoTimeout());
                c.getOutputStream().write(1);
                assertEquals(1, s.getInputStream().read());
            }
        }
    }

    static Throwable failureWithinAny(ThrowingRunnable r) {
        try {
            r.run();
            return null;
        } catch (Throwable t) {
            return t;
        }
    }

    /** 0 means no limit: a silent peer is then bounded only by SO_TIMEOUT (the behaviour before the property). */
    @Test
    void zeroMeansNoLimit() throws Exception {
        SSLContext ctx = server(Duration.ZERO);
        try (SSLServerSocket ss = (SSLServerSocket) ctx.getServerSocketFactory()
                .createServerSocket(0, 5, InetAddress.getLoopbackAddress());
             Socket peer = new Socket("127.0.0.1", ss.getLocalPort());
             SSLSocket s = (SSLSocket) ss.accept()) {
            s.setSoTimeout(LIMIT.toMillis() > 0 ? (int) (LIMIT.toMillis() * 2) : 1);
            long t0 = System.nanoTime();
            assertInstanceOf(SocketTimeoutException.class, failureWithinAny(s::startHandshake));
            assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) >= LIMIT.toMillis() * 2 - 50);
        }
    }
}
