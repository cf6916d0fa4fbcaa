package dev.saef.jsse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saef.keys.PskKeyProvider;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 9, item 1: an event loop drives SAEF DTLS engines and is never blocked by Bouncy Castle's
 * blocking handshake. One thread, a {@link Selector} over two non-blocking {@link DatagramChannel}s
 * on the loopback interface (real UDP), drives a client engine and a server engine through the
 * handshake and an echo; delegated tasks ({@code NEED_TASK}) go to an executor, as Netty's
 * {@code SslHandler} does. The server's key lookup takes {@value #SLOW_KEY_MILLIS} ms (a remote key
 * store): an engine that waited for its handshake thread inside {@code unwrap} would hold the loop
 * that long. Every {@code wrap} and {@code unwrap} on the loop is timed (after a warm-up handshake,
 * so that class loading is not counted); the longest must stay under {@value #MAX_CALL_MILLIS} ms.
 */
@Timeout(60)
class DtlsEventLoopTest {

    static final long SLOW_KEY_MILLIS = 1500;
    static final long MAX_CALL_MILLIS = 200;

    /** The server's keys, each lookup delayed as a remote key store would. */
    static PskKeyProvider slow(PskKeyProvider keys) {
        return id -> {
            try {
                Thread.sleep(SLOW_KEY_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return keys.getKey(id);
        };
    }

    /** One engine on the loop: its channel, its peer, and its handshake progress. */
    final class Side {
        final String name;
        final SSLEngine engine;
        final DatagramChannel channel;
        SocketAddress peer;
        boolean finished;
        long lastSent = System.nanoTime();

        Side(String name, SSLEngine engine, DatagramChannel channel, SocketAddress peer) {
            this.name = name;
            this.engine = engine;
            this.channel = channel;
            this.peer = peer;
        }
    }

    private long maxCallNanos;
    private long otherCallNanos;
    private String slowestCall = "none";
    private final AtomicInteger tasksHandedOut = new AtomicInteger();
    private final Set<String> taskThreads = ConcurrentHashMap.newKeySet();

    /** Times one engine call on the loop. */
    private SSLEngineResult timed(String what, Side s, EngineCall call) throws Exception {
        long t0 = System.nanoTime();
        try {
            return call.run();
        } finally {
            long d = System.nanoTime() - t0;
            if (!what.equals("wrap") && !what.equals("unwrap")) {
                otherCallNanos = Math.max(otherCallNanos, d);
            } else if (d > maxCallNanos) {
                maxCallNanos = d;
                slowestCall = s.name + " " + what;
            }
        }
    }

    @FunctionalInterface
    interface EngineCall {
        SSLEngineResult run() throws Exception;
    }

    @Test
    void oneThreadDrivesClientAndServerAndNeverWaitsInsideTheEngine() throws Exception {
        warmUp();
        SSLContext serverCtx = DtlsEngineTest.dtls(Peers.serverTable(DtlsEngineTest.KPSA, "CAE01", Peers.KEY_HEX),
                c -> c.toBuilder().keys(slow(c.keys())).build());
        ExecutorService tasks = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "delegated-task");
            t.setDaemon(true);
            return t;
        });
        try (DatagramChannel sc = DatagramChannel.open(); DatagramChannel cc = DatagramChannel.open();
                Selector selector = Selector.open()) {
            sc.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            cc.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            sc.configureBlocking(false);
            cc.configureBlocking(false);
            int port = ((InetSocketAddress) sc.getLocalAddress()).getPort();
            int clientPort = ((InetSocketAddress) cc.getLocalAddress()).getPort();
            SSLContext clientCtx = DtlsEngineTest.dtls(Peers.clientTable(DtlsEngineTest.KPSA, "localhost:" + port,
                    Peers.KEY_HEX), c -> c);
            SSLEngine se = serverCtx.createSSLEngine("127.0.0.1", clientPort);
            se.setUseClientMode(false);
            SSLEngine ce = clientCtx.createSSLEngine("localhost", port);
            ce.setUseClientMode(true);
            Side server = new Side("server", se, sc, null);
            Side client = new Side("client", ce, cc, sc.getLocalAddress());
            sc.register(selector, SelectionKey.OP_READ, server);
            cc.register(selector, SelectionKey.OP_READ, client);
            String loop = Thread.currentThread().getName();

            long t0 = System.nanoTime();
            timed("beginHandshake", client, () -> {
                ce.beginHandshake();
                return null;
            });
            timed("beginHandshake", server, () -> {
                se.beginHandshake();
                return null;
            });
            byte[] ping = "ping on the event loop".getBytes(StandardCharsets.UTF_8);
            byte[] pong = null;
            boolean pingSent = false;
            long deadline = t0 + TimeUnit.SECONDS.toNanos(40);
            while (pong == null) {
                assertTrue(System.nanoTime() < deadline, "no echo in 40 s: client " + ce.getHandshakeStatus()
                        + ", server " + se.getHandshakeStatus());
                for (Side s : new Side[] {client, server}) {
                    progress(s, tasks);
                }
                if (client.finished && server.finished && !pingSent) {
                    sendData(client, ping);
                    pingSent = true;
                }
                selector.select(5); // the only place the loop waits
                for (SelectionKey k : selector.selectedKeys()) {
                    Side s = (Side) k.attachment();
                    ByteBuffer in = ByteBuffer.allocate(65_536);
                    SocketAddress from;
                    while ((from = s.channel.receive(in)) != null) {
                        s.peer = from;
                        in.flip();
                        ByteBuffer app = ByteBuffer.allocate(s.engine.getSession().getApplicationBufferSize());
                        ByteBuffer datagram = in;
                        SSLEngineResult r = timed("unwrap", s, () -> s.engine.unwrap(datagram, app));
                        s.finished |= r.getHandshakeStatus() == HandshakeStatus.FINISHED;
                        if (app.position() > 0) {
                            app.flip();
                            byte[] data = new byte[app.remaining()];
                            app.get(data);
                            if (s == server) {
                                sendData(server, data); // echo
                            } else {
                                pong = data;
                            }
                        }
                        in = ByteBuffer.allocate(65_536);
                    }
                }
                selector.selectedKeys().clear();
            }
            long total = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            System.out.printf("event loop: handshake and echo in %d ms, longest wrap/unwrap %.2f ms (%s), longest"
                    + " beginHandshake %.2f ms, %d tasks handed out, run on %s%n", total, maxCallNanos / 1e6, slowestCall,
                    otherCallNanos / 1e6, tasksHandedOut.get(), taskThreads);
            assertArrayEquals(ping, pong);
            assertEquals("TLS_PSK_WITH_AES_128_CCM_8", se.getSession().getCipherSuite());
            assertTrue(total >= SLOW_KEY_MILLIS, "the server's key lookup took " + SLOW_KEY_MILLIS + " ms");
            assertTrue(maxCallNanos < TimeUnit.MILLISECONDS.toNanos(MAX_CALL_MILLIS), "the event loop was held "
                    + maxCallNanos / 1_000_000 + " ms inside " + slowestCall + " (bound " + MAX_CALL_MILLIS + " ms)");
            assertTrue(tasksHandedOut.get() > 0, "the engines asked for delegated tasks while their handshake worked");
            assertTrue(!taskThreads.contains(loop), "no task ran on the loop");
        } finally {
            tasks.shutdownNow();
        }
    }

    /** One handshake in memory first, so that class loading is not timed (an event loop runs warm). */
    private static void warmUp() throws Exception {
        SSLContext server = DtlsEngineTest.dtls(Peers.serverTable(DtlsEngineTest.KPSA, "CAE01", Peers.KEY_HEX), c -> c);
        SSLContext client = DtlsEngineTest.dtls(Peers.clientTable(DtlsEngineTest.KPSA, "localhost:5684", Peers.KEY_HEX),
                c -> c);
        SSLEngine se = server.createSSLEngine("192.0.2.7", 40000);
        se.setUseClientMode(false);
        SSLEngine ce = client.createSSLEngine("localhost", 5684);
        ce.setUseClientMode(true);
        new DtlsMemoryPair(ce, se).handshake();
    }

    /** What a JDK-style event loop does for one engine between reads: tasks, wraps, retransmission. */
    private void progress(Side s, ExecutorService tasks) throws Exception {
        for (int i = 0; i < 20; i++) {
            HandshakeStatus hs = s.engine.getHandshakeStatus();
            if (hs == HandshakeStatus.NEED_TASK) {
                Runnable t = s.engine.getDelegatedTask();
                if (t != null) {
                    tasksHandedOut.incrementAndGet();
                    tasks.execute(() -> {
                        taskThreads.add(Thread.currentThread().getName());
                        t.run();
                    });
                }
                return; // the loop goes on; the task's end shows in the status
            } else if (hs == HandshakeStatus.NEED_WRAP) {
                SSLEngineResult r = timedWrapResult(s, ByteBuffer.allocate(0));
                s.finished |= r.getHandshakeStatus() == HandshakeStatus.FINISHED;
            } else if (hs == HandshakeStatus.NEED_UNWRAP_AGAIN) {
                SSLEngineResult r = timed("unwrap", s, () -> s.engine.unwrap(ByteBuffer.allocate(0),
                        ByteBuffer.allocate(s.engine.getSession().getApplicationBufferSize())));
                s.finished |= r.getHandshakeStatus() == HandshakeStatus.FINISHED;
            } else if (hs == HandshakeStatus.NEED_UNWRAP && s.peer != null
                    && System.nanoTime() - s.lastSent > TimeUnit.SECONDS.toNanos(2)) {
                timedWrapResult(s, ByteBuffer.allocate(0)); // no answer: wrap retransmits (JDK engine contract)
                return;
            } else {
                if (hs == HandshakeStatus.NOT_HANDSHAKING && s.engine.getSession().isValid()) {
                    s.finished = true;
                }
                return;
            }
        }
    }

    private SSLEngineResult timedWrapResult(Side s, ByteBuffer src) throws Exception {
        ByteBuffer net = ByteBuffer.allocate(s.engine.getSession().getPacketBufferSize());
        SSLEngineResult r = timed("wrap", s, () -> s.engine.wrap(src, net));
        net.flip();
        send(s, net);
        return r;
    }

    /** Wraps and sends until the data is consumed (records the engine has waiting go first, JDK style). */
    private void sendData(Side s, byte[] data) throws Exception {
        ByteBuffer src = ByteBuffer.wrap(data);
        for (int i = 0; i < 20 && src.hasRemaining(); i++) {
            timedWrapResult(s, src);
        }
        assertTrue(!src.hasRemaining(), s.name + ": the engine did not take the data");
    }

    private static void send(Side s, ByteBuffer datagram) throws Exception {
        if (datagram.hasRemaining() && s.peer != null) {
            s.channel.send(datagram, s.peer);
            s.lastSent = System.nanoTime();
        }
    }
}
