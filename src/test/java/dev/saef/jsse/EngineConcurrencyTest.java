package dev.saef.jsse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLEngineResult.Status;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The engine called the way Jetty's {@code SslConnection} calls it: one thread wraps (flush) while
 * another unwraps (fill), on both engines at once, while a third thread polls the status methods.
 * The handshake too is driven by the two threads (the wrap thread wraps whenever it runs, the
 * unwrap thread unwraps whatever arrives), then 32 MiB each way of checked bytes, then the
 * close_notify exchange, each engine's wrap and unwrap on different threads. Network bytes go through bounded in-memory pipes that split records at random
 * points (as TCP may). SunJSSE runs the same program as the control.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class EngineConcurrencyTest {

    static final long VOLUME = 32L << 20;
    static final long STALL_MILLIS = 20_000;
    static final String HOST = "cse.example.net";
    static final int PORT = 4433;

    @TempDir
    static Path dir;
    static JdkCertificates certs;

    @BeforeAll
    static void setUp() throws Exception {
        certs = JdkCertificates.create(dir);
    }

    /** The network of one direction: a bounded queue of byte chunks (an end-of-stream is not needed). */
    static final class Pipe {
        final BlockingQueue<byte[]> chunks = new ArrayBlockingQueue<>(64);
        final Random random;

        Pipe(long seed) {
            random = new Random(seed);
        }

        /** Sends {@code net} (flipped), split at a random point into two chunks. */
        void send(ByteBuffer net) throws InterruptedException {
            int n = net.remaining();
            if (n == 0) {
                return;
            }
            int cut = n > 1 ? 1 + random.nextInt(n - 1) : n;
            byte[] a = new byte[cut];
            net.get(a);
            chunks.put(a);
            if (net.hasRemaining()) {
                byte[] b = new byte[net.remaining()];
                net.get(b);
                chunks.put(b);
            }
        }
    }

    /** One engine with its wrap thread, unwrap thread and counters. */
    static final class End {
        final String name;
        final SSLEngine engine;
        final Pipe out;
        final Pipe in;
        final long sendFrom;
        final long receiveFrom;
        final AtomicLong wrapped = new AtomicLong();
        final AtomicLong unwrapped = new AtomicLong();
        final CountDownLatch receivedAll = new CountDownLatch(1);
        final AtomicReference<Throwable> error = new AtomicReference<>();
        volatile boolean closed;
        final List<Thread> threads = new ArrayList<>();

        End(String name, SSLEngine engine, Pipe out, Pipe in, long sendFrom, long receiveFrom) {
            this.name = name;
            this.engine = engine;
            this.out = out;
            this.in = in;
            this.sendFrom = sendFrom;
            this.receiveFrom = receiveFrom;
        }

        void start() {
            threads.add(new Thread(() -> guard(this::wrapLoop), name + "-wrap"));
            threads.add(new Thread(() -> guard(this::unwrapLoop), name + "-unwrap"));
            threads.add(new Thread(() -> guard(this::observeLoop), name + "-observe"));
            for (Thread t : threads) {
                t.setDaemon(true);
                t.start();
            }
        }

        interface Body {
            void run() throws Exception;
        }

        void guard(Body b) {
            try {
                b.run();
            } catch (Throwable t) {
                error.compareAndSet(null, t);
            }
        }

        void wrapLoop() throws Exception {
            ByteBuffer net = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
            byte[] plain = new byte[100_000];
            Random sizes = new Random(sendFrom);
            long done = 0;
            while (done < VOLUME) {
                int n = (int) Math.min(1 + sizes.nextInt(plain.length), VOLUME - done);
                FullDuplexTest.fill(plain, sendFrom + done, n);
                // heap and direct sources, as frameworks use both
                ByteBuffer src = (n & 1) == 0 ? ByteBuffer.wrap(plain, 0, n)
                        : ByteBuffer.allocateDirect(n).put(plain, 0, n).flip();
                while (src.hasRemaining()) {
                    net.clear();
                    SSLEngineResult r = engine.wrap(src, net);
                    if (r.getStatus() != Status.OK) {
                        throw new IllegalStateException(name + " wrap after " + done + " bytes: " + r);
                    }
                    runTasks(r);
                    done += r.bytesConsumed();
                    wrapped.set(done);
                    net.flip();
                    out.send(net);
                    if (r.bytesConsumed() == 0 && r.bytesProduced() == 0) {
                        Thread.sleep(1); // handshaking: the unwrap thread has to receive the peer's flight first
                    }
                }
            }
            // close only after everything from the peer arrived (TLS 1.2 closure ends both directions)
            receivedAll.await();
            engine.closeOutbound();
            while (!engine.isOutboundDone()) {
                net.clear();
                SSLEngineResult r = engine.wrap(ByteBuffer.allocate(0), net);
                net.flip();
                out.send(net);
                if (r.getStatus() == Status.CLOSED && !net.hasRemaining() && r.bytesProduced() == 0) {
                    break;
                }
            }
        }

        void unwrapLoop() throws Exception {
            ByteBuffer src = ByteBuffer.allocate(4 * engine.getSession().getPacketBufferSize());
            ByteBuffer app = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize());
            byte[] expected = new byte[app.capacity()];
            long done = 0;
            src.flip();
            while (true) {
                SSLEngineResult r = engine.unwrap(src, app);
                runTasks(r);
                if (r.bytesProduced() > 0) {
                    app.flip();
                    int n = app.remaining();
                    byte[] got = new byte[n];
                    app.get(got);
                    FullDuplexTest.fill(expected, receiveFrom + done, n);
                    int at = Arrays.mismatch(got, 0, n, expected, 0, n);
                    if (at >= 0) {
                        throw new IllegalStateException(name + ": wrong byte at stream offset " + (done + at));
                    }
                    done += n;
                    unwrapped.set(done);
                    if (done > VOLUME) {
                        throw new IllegalStateException(name + ": more data than sent: " + done);
                    }
                    if (done == VOLUME) {
                        receivedAll.countDown();
                    }
                    app.clear();
                }
                if (r.getStatus() == Status.CLOSED) {
                    if (done != VOLUME) {
                        throw new IllegalStateException(name + ": closed after " + done + " bytes");
                    }
                    closed = true;
                    return;
                }
                if (r.getStatus() == Status.BUFFER_OVERFLOW) {
                    throw new IllegalStateException(name + " unwrap: " + r + " with an application buffer of "
                            + app.capacity());
                }
                if (r.getStatus() == Status.OK && src.hasRemaining() && r.bytesConsumed() == 0
                        && r.bytesProduced() == 0) {
                    Thread.sleep(1); // the engine waits for the wrap thread (NEED_WRAP)
                } else if (r.getStatus() == Status.BUFFER_UNDERFLOW || !src.hasRemaining()) {
                    byte[] chunk = in.chunks.poll(STALL_MILLIS, TimeUnit.MILLISECONDS);
                    if (chunk == null) {
                        throw new IllegalStateException(name + ": no network bytes for " + STALL_MILLIS + " ms after "
                                + done + " bytes");
                    }
                    src.compact();
                    if (src.remaining() < chunk.length) {
                        throw new IllegalStateException(name + ": network buffer full");
                    }
                    src.put(chunk).flip();
                }
            }
        }

        void runTasks(SSLEngineResult r) {
            if (r.getHandshakeStatus() == HandshakeStatus.NEED_TASK) {
                Runnable t;
                while ((t = engine.getDelegatedTask()) != null) {
                    t.run();
                }
            }
        }

        /** Jetty polls these from any thread while data moves. */
        void observeLoop() throws Exception {
            while (unwrapped.get() == 0 && error.get() == null && !closed) {
                Thread.sleep(1); // the handshake is done once application data arrives
            }
            // until the closure starts (it needs this engine to have received everything)
            while (receivedAll.getCount() > 0 && error.get() == null) {
                HandshakeStatus hs = engine.getHandshakeStatus();
                if (hs != HandshakeStatus.NOT_HANDSHAKING || engine.isOutboundDone() || engine.isInboundDone()) {
                    if (unwrapped.get() == VOLUME) {
                        break; // the last record and the peer's close_notify arrived between our two reads
                    }
                    throw new IllegalStateException(name + ": handshake status " + hs + " while streaming");
                }
                if (!engine.getSession().isValid()) {
                    throw new IllegalStateException(name + ": session invalid while streaming");
                }
                Thread.sleep(1);
            }
        }

        String progress() {
            return name + " wrapped " + wrapped.get() + ", unwrapped " + unwrapped.get();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"SAEF", "SUNJSSE_CONTROL"})
    void wrapAndUnwrapOnDifferentThreadsBothWays(String kind) throws Exception {
        SSLEngine client;
        SSLEngine server;
        if (kind.equals("SAEF")) {
            SSLContext s = Peers.context(Peers.serverTable(SocketPairs.KPSA, "CAE01", Peers.KEY_HEX));
            SSLContext c = Peers.context(Peers.clientTable(SocketPairs.KPSA, HOST + ":" + PORT, Peers.KEY_HEX));
            client = c.createSSLEngine(HOST, PORT);
            server = s.createSSLEngine();
        } else {
            client = certs.client().createSSLEngine(HOST, PORT);
            server = certs.server().createSSLEngine();
        }
        client.setUseClientMode(true);
        server.setUseClientMode(false);
        client.beginHandshake();
        server.beginHandshake();
        Pipe toServer = new Pipe(1);
        Pipe toClient = new Pipe(2);
        End c = new End("client", client, toServer, toClient, 0, 500_000);
        End s = new End("server", server, toClient, toServer, 500_000, 0);
        long start = System.nanoTime();
        c.start();
        s.start();
        long lastTotal = -1;
        long lastChange = System.nanoTime();
        while (!(c.closed && s.closed)) {
            Thread.sleep(100);
            for (End e : new End[] {c, s}) {
                if (e.error.get() != null) {
                    throw new AssertionError(kind + ": " + c.progress() + "; " + s.progress(), e.error.get());
                }
            }
            long total = c.wrapped.get() + c.unwrapped.get() + s.wrapped.get() + s.unwrapped.get();
            if (total != lastTotal) {
                lastTotal = total;
                lastChange = System.nanoTime();
            }
            if (TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastChange) > STALL_MILLIS + 5_000) {
                fail(kind + ": no progress (deadlock): " + c.progress() + "; " + s.progress());
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("engines %s: %d MiB each way at once in %.2f s%n", kind, VOLUME >> 20, seconds);
        for (End e : new End[] {c, s}) {
            for (Thread t : e.threads) {
                t.join(10_000);
                assertTrue(!t.isAlive(), t.getName() + " still running");
            }
            assertEquals(null, e.error.get(), e.name);
            assertEquals(VOLUME, e.unwrapped.get(), e.name);
            assertTrue(e.engine.isInboundDone() && e.engine.isOutboundDone(), e.name + " closed both ways");
        }
    }
}
