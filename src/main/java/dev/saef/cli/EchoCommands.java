package dev.saef.cli;

import dev.saef.config.SaefConfiguration;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * {@code saef server} and {@code saef client}: the PSK-SAEF counterparts of {@code openssl s_server}
 * and {@code s_client} with {@code -psk}, for interoperability checks by hand. The server
 * ({@link EchoServer}) serves connections concurrently and echoes what it receives until the client's
 * close_notify; the client copies stdin to the server and the server's bytes to stdout.
 *
 * <p>Time limits: the server drops a connection whose handshake has not completed within
 * {@code --handshake-timeout} seconds or that stays idle for {@code --idle-timeout} seconds; the
 * client gives up when the TCP connection, or then the handshake, takes longer than
 * {@code --handshake-timeout} seconds (defaults {@value EchoServer#DEFAULT_HANDSHAKE_TIMEOUT_SECONDS} and
 * {@value EchoServer#DEFAULT_IDLE_TIMEOUT_SECONDS}; {@link ConnectionWatchdog}).
 *
 * <p>End of stdin: TLS 1.2 has no half-close (close_notify ends the connection in both directions,
 * and the peer may discard what it still had to send), so the client cannot announce it. It stops
 * sending and keeps printing what the server sends until the server closes the connection, or until
 * the server has sent nothing for {@code --wait} seconds (default {@value #DEFAULT_WAIT_SECONDS});
 * then it sends close_notify and exits 0. A server that answers later than that loses its answer; one
 * that never stops sending keeps the client running, as {@code openssl s_client} would.
 *
 * <p>With {@code --dtls} both run DTLS 1.2 over UDP instead ({@link DtlsEchoCommands}).
 */
final class EchoCommands {
    /** Default of {@code --wait}: seconds of silence from the server, after the end of stdin, before closing. */
    static final int DEFAULT_WAIT_SECONDS = 2;
    /** How often the client's reader wakes up to check the {@code --wait} deadline. */
    private static final int POLL_MILLIS = 100;
    /** Upper bound of the timeout options, seconds (one day: the limits are for stuck peers). */
    static final int MAX_TIMEOUT_SECONDS = 86_400;
    /** Upper bound of {@code --max-connections}: one thread each. */
    static final int MAX_CONNECTIONS_LIMIT = 10_000;

    private final PrintStream out;
    private final PrintStream err;

    EchoCommands(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    int server(Options o) throws Exception {
        int port = Options.port("--port", o.get("port").orElse("4433"), 0);
        int accept = o.intValue("accept", Integer.MAX_VALUE, 1, Integer.MAX_VALUE, "a number of connections");
        int max = o.intValue("max-connections", EchoServer.DEFAULT_MAX_CONNECTIONS, 1, MAX_CONNECTIONS_LIMIT,
                "a number of connections");
        int handshake = o.intValue("handshake-timeout", EchoServer.DEFAULT_HANDSHAKE_TIMEOUT_SECONDS, 1,
                MAX_TIMEOUT_SECONDS, "seconds");
        int idle = o.intValue("idle-timeout", EchoServer.DEFAULT_IDLE_TIMEOUT_SECONDS, 1, MAX_TIMEOUT_SECONDS,
                "seconds");
        String bind = o.get("bind").orElse("127.0.0.1");
        if (o.get("dtls").isPresent()) {
            return new DtlsEchoCommands(out, err).server(o, port, accept, max, handshake, idle, bind);
        }
        dev.saef.keys.PskKeyManager keys = Contexts.keyManager(o);
        SaefConfiguration config = Contexts.configuration(keys);
        SSLContext ctx = Contexts.context(keys);
        String reload = reloadText(keys);
        try (ServerSocket ss = new ServerSocket(port, 50, InetAddress.getByName(bind))) {
            err.println("saef server: listening on " + bind + ":" + ss.getLocalPort() + " ("
                    + config.associations().associations().size() + " associations, " + reload + "; up to " + max
                    + " connections at once, handshake within " + handshake + " s, idle limit " + idle + " s)");
            err.flush();
            new EchoServer(ctx, err, max, handshake, idle).serve(ss, accept);
        }
        return 0;
    }

    /** @return how the server's key manager reloads, for its start-up line */
    static String reloadText(dev.saef.keys.PskKeyManager keys) {
        return keys instanceof dev.saef.config.ReloadingKeyManager r
                ? "reload " + r.mode().name().toLowerCase(java.util.Locale.ROOT)
                        + r.objectName().map(n -> ", JMX " + n).orElse("")
                : "reload off";
    }

    int client(Options o) throws Exception {
        String target = o.require("connect");
        int colon = target.lastIndexOf(':');
        if (colon <= 0) {
            throw new UsageException("--connect needs host:port, not '" + target + "'");
        }
        String host = target.substring(0, colon);
        int port = Options.port("--connect " + target, target.substring(colon + 1), 1);
        int wait = o.intValue("wait", DEFAULT_WAIT_SECONDS);
        if (wait < 0) {
            throw new UsageException("--wait takes a number of seconds, 0 or more");
        }
        int handshake = o.intValue("handshake-timeout", EchoServer.DEFAULT_HANDSHAKE_TIMEOUT_SECONDS, 1,
                MAX_TIMEOUT_SECONDS, "seconds");
        if (o.get("dtls").isPresent()) {
            return new DtlsEchoCommands(out, err).client(o, host, port, wait, handshake);
        }
        SaefConfiguration config = Contexts.configuration(o);
        SSLContext ctx = Contexts.context(config);
        Socket tcp = new Socket();
        try (ConnectionWatchdog watchdog = new ConnectionWatchdog()) {
            ConnectionWatchdog.Guard guard = null;
            try {
                InetSocketAddress address = new InetSocketAddress(host, port);
                if (address.isUnresolved()) {
                    throw new UnknownHostException("unknown host " + host);
                }
                tcp.connect(address, (int) TimeUnit.SECONDS.toMillis(handshake));
                guard = watchdog.watch(tcp, handshake, 0);
                try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(tcp, host, port, true)) {
                    s.startHandshake();
                    guard.close();
                    err.println("saef client: " + SessionReport.describe(s.getSession()));
                    err.flush();
                    relay(s, TimeUnit.SECONDS.toNanos(wait));
                }
            } catch (IOException e) {
                String dropped = guard != null ? guard.dropReason() : null;
                err.println("saef client: " + (dropped != null ? dropped : e.getMessage()));
                return 1;
            } finally {
                tcp.close();
            }
        }
        return 0;
    }

    /**
     * Copies stdin to the server (on a second thread) and the server's bytes to stdout, until the
     * server ends the stream or, once stdin has ended, the server has been silent for {@code waitNanos}.
     * The caller's close then sends close_notify.
     */
    private void relay(SSLSocket s, long waitNanos) throws IOException {
        InputStream in = s.getInputStream();
        StdinPump pump = new StdinPump(System.in, s.getOutputStream());
        Thread t = new Thread(pump, "stdin-to-server");
        t.setDaemon(true);
        t.start();
        s.setSoTimeout(POLL_MILLIS);
        byte[] buf = new byte[8192];
        long lastData = System.nanoTime();
        while (true) {
            int n;
            try {
                n = in.read(buf);
            } catch (SocketTimeoutException e) {
                if (pump.silentFor(lastData) >= waitNanos) {
                    return;
                }
                continue;
            }
            if (n < 0) {
                return;
            }
            out.write(buf, 0, n);
            out.flush();
            lastData = System.nanoTime();
        }
    }

    /** Copies stdin to the server; never closes the socket (the reader decides when the session ends). */
    private static final class StdinPump implements Runnable {
        private final InputStream stdin;
        private final OutputStream toServer;
        /** {@code System.nanoTime()} when stdin ended (or writing failed); valid once {@code ended}. */
        private volatile long endedAt;
        private volatile boolean ended;

        StdinPump(InputStream stdin, OutputStream toServer) {
            this.stdin = stdin;
            this.toServer = toServer;
        }

        @Override
        public void run() {
            try {
                byte[] buf = new byte[8192];
                int n;
                while ((n = stdin.read(buf)) >= 0) {
                    toServer.write(buf, 0, n);
                    toServer.flush();
                }
            } catch (IOException ignored) {
                // the connection ended; the reader sees that too
            } finally {
                endedAt = System.nanoTime();
                ended = true;
            }
        }

        /** @return nanoseconds since both stdin ended and {@code lastData} arrived; 0 while stdin is open */
        long silentFor(long lastData) {
            if (!ended) {
                return 0;
            }
            long now = System.nanoTime();
            return Math.min(now - endedAt, now - lastData);
        }
    }
}
