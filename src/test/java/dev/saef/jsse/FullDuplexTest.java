package dev.saef.jsse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Full duplex over real loopback TCP (issue 7 item 1): on both ends one thread writes while another
 * reads, 32 MiB each way at the same time, for SAEF direct and layered sockets and for SunJSSE as
 * the control (the same program with the JDK's TLS must also finish, else the program is wrong).
 * A stall of every counter is reported as a deadlock instead of hanging the build.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class FullDuplexTest {

    static final long VOLUME = 32L << 20;
    /** No byte moved in any direction for this long: a deadlock, not a slow machine. */
    static final long STALL_MILLIS = 20_000;
    static final long TOTAL_MILLIS = 180_000;
    /** A prime length, so that the stream never realigns with write or read sizes. */
    static final byte[] PATTERN = new byte[1_000_003];
    static final int[] WRITE_SIZES = {65_536, 1, 16_384, 70_000, 3_000, 16_385, 200_000, 17};

    @TempDir
    static Path dir;
    static JdkCertificates certs;

    @BeforeAll
    static void setUp() throws Exception {
        new Random(7).nextBytes(PATTERN);
        certs = JdkCertificates.create(dir);
    }

    /** One end: a writer and a reader thread on one socket. */
    static final class End {
        final String name;
        final SSLSocket socket;
        final long sendFrom;
        final long receiveFrom;
        final AtomicLong written = new AtomicLong();
        final AtomicLong read = new AtomicLong();
        final AtomicReference<Throwable> error = new AtomicReference<>();
        final Thread writer;
        final Thread reader;

        End(String name, SSLSocket socket, long sendFrom, long receiveFrom) {
            this.name = name;
            this.socket = socket;
            this.sendFrom = sendFrom;
            this.receiveFrom = receiveFrom;
            this.writer = new Thread(this::write, name + "-writer");
            this.reader = new Thread(this::read, name + "-reader");
            writer.setDaemon(true);
            reader.setDaemon(true);
        }

        void start() {
            writer.start();
            reader.start();
        }

        private void write() {
            try {
                OutputStream out = socket.getOutputStream();
                byte[] chunk = new byte[256 * 1024];
                long done = 0;
                for (int i = 0; done < VOLUME; i++) {
                    int n = (int) Math.min(WRITE_SIZES[i % WRITE_SIZES.length], VOLUME - done);
                    fill(chunk, sendFrom + done, n);
                    out.write(chunk, 0, n);
                    done += n;
                    written.set(done);
                }
                out.flush();
            } catch (Throwable t) {
                error.compareAndSet(null, t);
            }
        }

        private void read() {
            try {
                InputStream in = socket.getInputStream();
                byte[] buf = new byte[64 * 1024];
                byte[] expected = new byte[buf.length];
                long done = 0;
                while (done < VOLUME) {
                    int n = in.read(buf, 0, (int) Math.min(buf.length, VOLUME - done));
                    if (n < 0) {
                        throw new IllegalStateException(name + ": end of stream after " + done + " bytes");
                    }
                    fill(expected, receiveFrom + done, n);
                    int at = Arrays.mismatch(buf, 0, n, expected, 0, n);
                    if (at >= 0) {
                        throw new IllegalStateException(name + ": wrong byte at stream offset " + (done + at));
                    }
                    done += n;
                    read.set(done);
                }
            } catch (Throwable t) {
                error.compareAndSet(null, t);
            }
        }

        boolean done() {
            return written.get() == VOLUME && read.get() == VOLUME;
        }

        String progress() {
            return name + " wrote " + written.get() + ", read " + read.get();
        }
    }

    /** Copies {@code n} bytes of the endless pattern stream, starting at stream offset {@code from}. */
    static void fill(byte[] to, long from, int n) {
        int pos = (int) (from % PATTERN.length);
        int done = 0;
        while (done < n) {
            int k = Math.min(n - done, PATTERN.length - pos);
            System.arraycopy(PATTERN, pos, to, done, k);
            done += k;
            pos = 0;
        }
    }

    @ParameterizedTest
    @EnumSource(SocketPairs.Kind.class)
    void bothEndsWriteAndReadAtOnce(SocketPairs.Kind kind) throws Exception {
        try (SocketPairs pair = SocketPairs.open(kind, certs)) {
            End client = new End("client", pair.client, 0, 500_000);
            End server = new End("server", pair.server, 500_000, 0);
            long start = System.nanoTime();
            client.start();
            server.start();
            long lastTotal = -1;
            long lastChange = System.nanoTime();
            while (!(client.done() && server.done())) {
                Thread.sleep(100);
                for (End e : new End[] {client, server}) {
                    if (e.error.get() != null) {
                        pair.close();
                        throw new AssertionError(kind + ": " + e.progress() + " then failed", e.error.get());
                    }
                }
                long total = client.written.get() + client.read.get() + server.written.get() + server.read.get();
                long now = System.nanoTime();
                if (total != lastTotal) {
                    lastTotal = total;
                    lastChange = now;
                }
                if (TimeUnit.NANOSECONDS.toMillis(now - lastChange) > STALL_MILLIS) {
                    pair.close(); // unblocks the threads
                    fail(kind + ": no progress for " + STALL_MILLIS + " ms (deadlock): " + client.progress() + "; "
                            + server.progress());
                }
                if (TimeUnit.NANOSECONDS.toMillis(now - start) > TOTAL_MILLIS) {
                    pair.close();
                    fail(kind + ": not done after " + TOTAL_MILLIS + " ms: " + client.progress() + "; "
                            + server.progress());
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("%s: %d MiB each way at once in %.2f s (%.1f MiB/s each way)%n", kind, VOLUME >> 20,
                    seconds, (VOLUME >> 20) / seconds);
            for (End e : new End[] {client, server}) {
                e.writer.join(10_000);
                e.reader.join(10_000);
                assertEquals(null, e.error.get(), e.name);
            }
        }
    }

    /**
     * A reader must honour SO_TIMEOUT while a writer of the same socket is blocked on a full TCP send
     * buffer (the peer reads nothing): it must neither wait for the writer's lock nor hang.
     */
    @ParameterizedTest
    @EnumSource(SocketPairs.Kind.class)
    void readerHonoursSoTimeoutWhileWriterIsBlocked(SocketPairs.Kind kind) throws Exception {
        try (SocketPairs pair = SocketPairs.open(kind, certs)) {
            AtomicLong written = new AtomicLong();
            Thread writer = new Thread(() -> {
                try {
                    OutputStream out = pair.client.getOutputStream();
                    byte[] chunk = new byte[64 * 1024];
                    while (true) {
                        out.write(chunk);
                        written.addAndGet(chunk.length);
                    }
                } catch (Exception expected) {
                    // the socket is closed at the end of the test
                }
            }, "blocked-writer");
            writer.setDaemon(true);
            writer.start();
            // wait until the writer is stuck: the server reads nothing, so the TCP buffers fill up
            long last = -1;
            while (written.get() != last || last < (1 << 20)) {
                last = written.get();
                Thread.sleep(1000);
            }
            byte[] message = "from the server".getBytes();
            pair.server.getOutputStream().write(message);
            pair.server.getOutputStream().flush();
            pair.client.setSoTimeout(10_000);
            CompletableFuture<Throwable> reading = CompletableFuture.supplyAsync(() -> {
                try {
                    InputStream in = pair.client.getInputStream();
                    byte[] got = in.readNBytes(message.length);
                    assertArrayEquals(message, got);
                    pair.client.setSoTimeout(300);
                    long t0 = System.nanoTime();
                    try {
                        int b = in.read();
                        return new AssertionError("read returned " + b + " instead of timing out");
                    } catch (SocketTimeoutException e) {
                        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                        assertTrue(ms >= 250 && ms < 5_000, "timed out after " + ms + " ms");
                        return e;
                    }
                } catch (Throwable t) {
                    return new AssertionError("reading the server's message failed", t);
                }
            });
            Throwable outcome;
            try {
                outcome = reading.get(15, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                pair.close();
                throw new AssertionError(kind + ": the reader neither read nor timed out while the writer was"
                        + " blocked (" + written.get() + " bytes written): it waits for the writer", e);
            } catch (ExecutionException e) {
                throw new AssertionError(e.getCause());
            }
            assertInstanceOf(SocketTimeoutException.class, outcome, () -> kind + ": " + outcome);
            assertTrue(writer.isAlive(), "the writer is still blocked, as set up");
        }
    }
}
