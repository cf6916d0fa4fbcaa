package dev.saef.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * The listening side of {@code saef server}: accepts TCP connections and serves each one on its own
 * thread from a bounded pool (plain threads, Java 17), so a client that connects and sends nothing, or
 * drips its ClientHello, cannot keep others waiting:
 * <ul>
 *   <li>at most {@code maxConnections} connections are served at once; when that many are open, the
 *       server logs it once and stops accepting until one ends (new clients wait in the TCP
 *       backlog);</li>
 *   <li>each connection must complete its handshake within {@code handshakeSeconds} and is dropped
 *       after {@code idleSeconds} without data ({@link ConnectionWatchdog}).</li>
 * </ul>
 * Each accepted TCP socket is wrapped in a server-mode SAEF socket
 * ({@code SSLSocketFactory.createSocket(Socket, host, port, true)} + {@code setUseClientMode(false)}),
 * so that the watchdog can close the TCP socket itself, at once and without any TLS lock. After the
 * handshake the server echoes every byte it receives until the client's close_notify. Log lines go
 * to {@code err}, one per event, each naming the connection ({@code #n address:port}).
 */
final class EchoServer {
    /** Default of {@code --max-connections}. */
    static final int DEFAULT_MAX_CONNECTIONS = 32;
    /** Default of {@code --handshake-timeout}, seconds: generous for a slow constrained device. */
    static final int DEFAULT_HANDSHAKE_TIMEOUT_SECONDS = 30;
    /** Default of {@code --idle-timeout}, seconds: room for a person typing into {@code saef client}. */
    static final int DEFAULT_IDLE_TIMEOUT_SECONDS = 300;

    private final SSLContext context;
    private final PrintStream err;
    private final int maxConnections;
    private final int handshakeSeconds;
    private final int idleSeconds;

    EchoServer(SSLContext context, PrintStream err, int maxConnections, int handshakeSeconds, int idleSeconds) {
        this.context = context;
        this.err = err;
        this.maxConnections = maxConnections;
        this.handshakeSeconds = handshakeSeconds;
        this.idleSeconds = idleSeconds;
    }

    /**
     * Serves connections on {@code listener} until {@code accept} have been accepted, then waits for
     * those still open to end.
     */
    void serve(ServerSocket listener, int accept) throws IOException, InterruptedException {
        AtomicInteger threadNo = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(maxConnections, maxConnections, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "saef-server-" + threadNo.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
        Semaphore slots = new Semaphore(maxConnections);
        try (ConnectionWatchdog watchdog = new ConnectionWatchdog()) {
            try {
                for (int n = 1; n <= accept; n++) {
                    if (!slots.tryAcquire()) {
                        log(maxConnections + " connection(s) open, the --max-connections limit: new clients wait"
                                + " until one ends");
                        slots.acquire();
                    }
                    Socket tcp;
                    try {
                        tcp = listener.accept();
                    } catch (IOException e) {
                        slots.release();
                        throw e;
                    }
                    int id = n;
                    pool.execute(() -> {
                        try {
                            serveOne(id, tcp, watchdog);
                        } finally {
                            slots.release();
                        }
                    });
                }
            } finally {
                pool.shutdown();
                pool.awaitTermination(Long.MAX_VALUE, TimeUnit.DAYS);
            }
        }
    }

    private void serveOne(int id, Socket tcp, ConnectionWatchdog watchdog) {
        String who = "#" + id + " " + tcp.getInetAddress().getHostAddress() + ":" + tcp.getPort();
        SSLSocketFactory factory = context.getSocketFactory();
        try (ConnectionWatchdog.Guard guard = watchdog.watch(tcp, handshakeSeconds, idleSeconds)) {
            try (SSLSocket s = (SSLSocket) factory.createSocket(tcp, tcp.getInetAddress().getHostAddress(),
                    tcp.getPort(), true)) {
                s.setUseClientMode(false);
                s.startHandshake();
                guard.handshakeCompleted();
                log(who + ": " + SessionReport.describe(s.getSession()));
                echo(s, guard);
                log(who + ": connection closed by the client (close_notify)");
            } catch (IOException | RuntimeException e) {
                String dropped = guard.dropReason();
                log(who + ": " + (dropped != null ? "dropped: " + dropped
                        : "connection ended: " + (e.getMessage() != null ? e.getMessage() : e.toString())));
            }
        } finally {
            try {
                tcp.close();
            } catch (IOException ignored) {
                // already closed by the TLS socket or the watchdog
            }
        }
    }

    /** Echoes bytes (not lines: an unbounded line would be unbounded memory) until the client's close_notify. */
    private static void echo(SSLSocket s, ConnectionWatchdog.Guard guard) throws IOException {
        InputStream in = s.getInputStream();
        OutputStream out = s.getOutputStream();
        byte[] buf = new byte[16384];
        int n;
        while ((n = in.read(buf)) >= 0) {
            guard.activity();
            out.write(buf, 0, n);
            out.flush();
            guard.activity();
        }
    }

    private void log(String line) {
        err.println("saef server: " + line);
        err.flush();
    }
}
