package dev.saef.interop;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;

/**
 * A one-connection echo server over a SAEF {@link SSLServerSocket} on 127.0.0.1 (ephemeral port):
 * accepts one client, handshakes, echoes every byte until the client's close_notify, and reports
 * what happened (session or handshake failure) through {@link #outcome(Duration)}.
 */
final class SaefEchoServer implements AutoCloseable {

    /**
     * What the server saw.
     *
     * @param session the session after a completed handshake, else null
     * @param handshakeFailure why the handshake failed, else null
     * @param laterFailure an I/O failure after the handshake (while echoing or closing), else null
     * @param echoed bytes echoed back
     */
    record Outcome(SSLSession session, Throwable handshakeFailure, Throwable laterFailure, long echoed) {
    }

    private final SSLServerSocket server;
    private final Thread thread;
    private final CompletableFuture<Outcome> outcome = new CompletableFuture<>();

    private SaefEchoServer(SSLServerSocket server) {
        this.server = server;
        this.thread = new Thread(this::serveOne, "saef-echo-" + server.getLocalPort());
        thread.setDaemon(true);
    }

    static SaefEchoServer start(SSLContext context, Consumer<SSLServerSocket> configure) throws IOException {
        SSLServerSocket ss = (SSLServerSocket) context.getServerSocketFactory()
                .createServerSocket(0, 5, InetAddress.getByName("127.0.0.1"));
        try {
            ss.setSoTimeout(20_000); // accept() never waits forever
            configure.accept(ss);
        } catch (IOException | RuntimeException e) {
            ss.close();
            throw e;
        }
        SaefEchoServer s = new SaefEchoServer(ss);
        s.thread.start();
        return s;
    }

    int port() {
        return server.getLocalPort();
    }

    private void serveOne() {
        SSLSession session = null;
        long echoed = 0;
        try (SSLSocket s = (SSLSocket) server.accept()) {
            s.setSoTimeout(15_000);
            try {
                s.startHandshake();
                session = s.getSession();
            } catch (IOException | RuntimeException e) {
                outcome.complete(new Outcome(null, e, null, 0));
                return;
            }
            try {
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                byte[] buf = new byte[16384];
                int n;
                while ((n = in.read(buf)) >= 0) {
                    out.write(buf, 0, n);
                    out.flush();
                    echoed += n;
                }
            } catch (IOException | RuntimeException e) {
                outcome.complete(new Outcome(session, null, e, echoed));
                return;
            }
            outcome.complete(new Outcome(session, null, null, echoed));
        } catch (SocketTimeoutException e) {
            outcome.completeExceptionally(new AssertionError("no client connected to the SAEF echo server", e));
        } catch (IOException | RuntimeException e) {
            // close() of the accepted socket after the outcome, or accept() failing
            outcome.complete(new Outcome(session, null, e, echoed));
        }
    }

    /** @return what happened to the (single) connection, waiting at most {@code timeout} */
    Outcome outcome(Duration timeout) throws Exception {
        try {
            return outcome.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("the SAEF echo server did not finish within " + timeout, e);
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        try {
            thread.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
