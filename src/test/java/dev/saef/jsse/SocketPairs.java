package dev.saef.jsse;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

/**
 * A connected, handshaken pair of TLS sockets over loopback TCP, for tests that need both ends:
 * SAEF direct sockets, SAEF sockets layered over plain sockets, or the JDK's own TLS (SunJSSE with
 * a throwaway certificate) as a control.
 */
final class SocketPairs implements AutoCloseable {

    /** How the two ends are made. */
    enum Kind {
        /** SAEF client and server sockets from the factories. */
        SAEF_DIRECT,
        /** SAEF sockets layered over plain TCP sockets (createSocket(Socket, host, port, autoClose)). */
        SAEF_LAYERED,
        /** SunJSSE TLS 1.2 with a certificate: the control. */
        SUNJSSE_CONTROL
    }

    static final String KPSA = "ae42@sp.example.com";

    final SSLSocket client;
    final SSLSocket server;

    private SocketPairs(SSLSocket client, SSLSocket server) {
        this.client = client;
        this.server = server;
    }

    /** Opens a pair and runs the handshake on both ends. */
    static SocketPairs open(Kind kind, JdkCertificates certs) throws Exception {
        SSLContext serverCtx = kind == Kind.SUNJSSE_CONTROL ? certs.server()
                : Peers.context(Peers.serverTable(KPSA, "CAE01", Peers.KEY_HEX));
        ServerSocket ss = kind == Kind.SAEF_LAYERED ? new ServerSocket(0, 5, InetAddress.getLoopbackAddress())
                : (SSLServerSocket) serverCtx.getServerSocketFactory().createServerSocket(0, 5,
                        InetAddress.getLoopbackAddress());
        try (ss) {
            int port = ss.getLocalPort();
            SSLContext clientCtx = kind == Kind.SUNJSSE_CONTROL ? certs.client()
                    : Peers.context(Peers.clientTable(KPSA, "127.0.0.1:" + port, Peers.KEY_HEX));
            CompletableFuture<SSLSocket> accepted = CompletableFuture.supplyAsync(() -> {
                try {
                    ss.setSoTimeout(30_000);
                    Socket s = ss.accept();
                    SSLSocket t;
                    if (kind == Kind.SAEF_LAYERED) {
                        t = (SSLSocket) serverCtx.getSocketFactory().createSocket(s, null, -1, true);
                        t.setUseClientMode(false);
                    } else {
                        t = (SSLSocket) s;
                    }
                    t.startHandshake();
                    return t;
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            SSLSocket c;
            if (kind == Kind.SAEF_LAYERED) {
                Socket plain = new Socket("127.0.0.1", port);
                c = (SSLSocket) clientCtx.getSocketFactory().createSocket(plain, "127.0.0.1", port, true);
            } else {
                c = (SSLSocket) clientCtx.getSocketFactory().createSocket("127.0.0.1", port);
            }
            try {
                c.startHandshake();
                return new SocketPairs(c, accepted.get(30, TimeUnit.SECONDS));
            } catch (Exception e) {
                c.close();
                throw e;
            }
        }
    }

    /**
     * Closes the server end first: a client writer blocked on a full send buffer then fails with a
     * reset, so the client's close (which SunJSSE makes wait for its writer) cannot hang.
     */
    @Override
    public void close() {
        for (Socket s : new Socket[] {server, client}) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing a broken pair
            }
        }
    }
}
