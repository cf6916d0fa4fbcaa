package dev.saef.cli;

import dev.saef.jsse.DtlsClient;
import dev.saef.jsse.DtlsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;

/**
 * {@code saef server --dtls} and {@code saef client --dtls}: the DTLS 1.2 forms of the echo server and
 * client (TS-0003 clause 10.2.1: DTLS where UDP payloads are secured), with the options and log lines
 * of their TLS forms ({@link EchoCommands}), over SAEF's ready-made endpoints {@link DtlsServer} and
 * {@link DtlsClient}. The server echoes every datagram back to its sender; peers beyond
 * {@code --max-connections} are not served (UDP has no backlog to wait in: their datagrams are dropped).
 * The client sends what it reads from stdin, one datagram per read, and prints every datagram the
 * server sends; at the end of stdin it waits for {@code --wait} seconds of silence, then sends
 * close_notify.
 */
final class DtlsEchoCommands {
    private static final Duration POLL = Duration.ofMillis(100);

    private final PrintStream out;
    private final PrintStream err;

    DtlsEchoCommands(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    int server(Options o, int port, int accept, int max, int handshake, int idle, String bind) throws Exception {
        dev.saef.keys.PskKeyManager keys = Contexts.keyManager(o);
        int associations = Contexts.configuration(keys).associations().associations().size();
        SSLContext ctx = Contexts.context(keys, "DTLS");
        String reload = EchoCommands.reloadText(keys);
        CountDownLatch ended = new CountDownLatch(accept);
        DtlsServer.Handler echo = new DtlsServer.Handler() {
            @Override
            public void onConnected(DtlsServer.Peer peer) {
                log(peer + ": " + SessionReport.describe(peer.session()));
            }

            @Override
            public void onMessage(DtlsServer.Peer peer, byte[] data) throws IOException {
                peer.send(data);
            }

            @Override
            public void onClosed(DtlsServer.Peer peer, String reason) {
                log(peer + ": " + (reason.startsWith("closed by the client") ? "connection " + reason
                        : reason.startsWith("dropped:") ? reason : "connection ended: " + reason));
                ended.countDown();
            }
        };
        try (DtlsServer server = DtlsServer.builder(ctx)
                .bind(new InetSocketAddress(InetAddress.getByName(bind), port))
                .maxPeers(max)
                .handshakeTimeout(Duration.ofSeconds(handshake))
                .idleTimeout(Duration.ofSeconds(idle))
                .start(echo)) {
            log("listening on " + bind + ":" + server.localAddress().getPort() + " (UDP, DTLS 1.2; " + associations
                    + " associations, " + reload + "; up to " + max + " peers at once, handshake within " + handshake
                    + " s, idle limit " + idle + " s)");
            ended.await();
        }
        return 0;
    }

    int client(Options o, String host, int port, int waitSeconds, int handshake) throws Exception {
        SSLContext ctx = Contexts.context(Contexts.configuration(o), "DTLS");
        try (DtlsClient c = DtlsClient.connect(ctx, host, port, Duration.ofSeconds(handshake))) {
            err.println("saef client: " + SessionReport.describe(c.session()));
            err.flush();
            relay(c, TimeUnit.SECONDS.toNanos(waitSeconds));
        } catch (IOException e) {
            err.println("saef client: " + e.getMessage());
            return 1;
        }
        return 0;
    }

    /** Sends stdin (second thread) and prints replies until the server closes or, after stdin ended, is silent. */
    private void relay(DtlsClient c, long waitNanos) throws IOException {
        long[] endedAt = {0};
        boolean[] ended = {false};
        Thread pump = new Thread(() -> {
            byte[] buf = new byte[8192];
            try {
                InputStream in = System.in;
                int n;
                while ((n = in.read(buf)) >= 0) {
                    c.send(Arrays.copyOf(buf, n));
                }
            } catch (IOException ignored) {
                // the connection ended; the reader sees that too
            } finally {
                synchronized (ended) {
                    endedAt[0] = System.nanoTime();
                    ended[0] = true;
                }
            }
        }, "stdin-to-server");
        pump.setDaemon(true);
        pump.start();
        long lastData = System.nanoTime();
        while (!c.isClosedByPeer()) {
            byte[] d = c.receive(POLL);
            if (d != null) {
                out.write(d);
                out.flush();
                lastData = System.nanoTime();
                continue;
            }
            synchronized (ended) {
                long now = System.nanoTime();
                if (ended[0] && Math.min(now - endedAt[0], now - lastData) >= waitNanos) {
                    return;
                }
            }
        }
    }

    private void log(String line) {
        err.println("saef server: " + line);
        err.flush();
    }
}
