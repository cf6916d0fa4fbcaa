package dev.saef.jsse;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * Plain TCP peers that misbehave on purpose, for tests of what SAEF sockets do about them: a real
 * ClientHello captured from an SAEF client, and a relay that can corrupt one byte in flight.
 */
final class RawPeers {
    private RawPeers() {
    }

    /** The first record (the ClientHello) an SAEF client of {@code client} sends when it connects. */
    static byte[] captureClientHello(SSLContext client) throws Exception {
        try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = ss.getLocalPort();
            CompletableFuture<Void> handshake = CompletableFuture.runAsync(() -> {
                try (SSLSocket s = (SSLSocket) client.getSocketFactory().createSocket("127.0.0.1", port)) {
                    s.startHandshake();
                } catch (IOException expected) {
                    // the capturing side closes without answering
                }
            });
            try (Socket s = ss.accept()) {
                DataInputStream in = new DataInputStream(s.getInputStream());
                byte[] header = new byte[5];
                in.readFully(header);
                int length = ((header[3] & 0xFF) << 8) | (header[4] & 0xFF);
                byte[] record = new byte[5 + length];
                System.arraycopy(header, 0, record, 0, 5);
                in.readFully(record, 5, length);
                return record;
            } finally {
                handshake.get(30, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * A TCP relay for one connection, client to {@code 127.0.0.1:targetPort}; on request it flips the
     * last bit of the next chunk it forwards from the client (inside a TLS record, so the server sees a
     * record that fails authentication).
     */
    static final class Relay implements AutoCloseable {
        private final ServerSocket listen;
        private final int targetPort;
        private volatile boolean corruptNext;
        private volatile Socket a;
        private volatile Socket b;

        Relay(int targetPort) throws IOException {
            this.listen = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
            this.targetPort = targetPort;
            Thread t = new Thread(this::run, "relay");
            t.setDaemon(true);
            t.start();
        }

        int port() {
            return listen.getLocalPort();
        }

        void corruptNextClientChunk() {
            corruptNext = true;
        }

        private void run() {
            try {
                a = listen.accept();
                b = new Socket("127.0.0.1", targetPort);
                Thread up = new Thread(() -> pump(a, b, true), "relay-up");
                up.setDaemon(true);
                up.start();
                pump(b, a, false);
            } catch (IOException e) {
                close();
            }
        }

        private void pump(Socket from, Socket to, boolean fromClient) {
            byte[] buf = new byte[16384];
            try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                int n;
                while ((n = in.read(buf)) >= 0) {
                    if (fromClient && corruptNext && n > 0) {
                        corruptNext = false;
                        buf[n - 1] ^= 1;
                    }
                    out.write(buf, 0, n);
                }
                to.shutdownOutput();
            } catch (IOException e) {
                close();
            }
        }

        @Override
        public void close() {
            for (java.io.Closeable c : new java.io.Closeable[] {listen, a, b}) {
                try {
                    if (c != null) {
                        c.close();
                    }
                } catch (IOException ignored) {
                    // closing
                }
            }
        }
    }
}
