package dev.saef.jsse;

import java.io.Closeable;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.security.Principal;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLEngineResult.Status;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * A ready-made DTLS 1.2 client (RFC 6347) over any DTLS {@code SSLContext} (SAEF's
 * {@code SSLContext.getInstance("DTLS", "SAEF")}), because the JDK has no DTLS socket: one connected
 * {@link DatagramSocket} and one client-mode {@code SSLEngine}, created with
 * {@code createSSLEngine(host, port)} so that the association for that address is used.
 *
 * <p>{@link #connect} runs the handshake and, when a receive times out, calls {@code wrap} again so
 * that the engine retransmits its last flight (RFC 6347 section 4.2.4: after 1 s, doubling up to
 * 60 s), until the handshake completes or the handshake timeout passes. {@link #send} sends one
 * datagram of application data (split when larger than a record); {@link #receive} returns the next
 * one, answering the server's retransmissions meanwhile; {@link #close} sends close_notify. Sending
 * and receiving may run on two threads.
 *
 * <p>With {@code saef.dtls.connectionIdLength} set in the context's configuration, the client offers
 * an RFC 9146 connection ID; when the server answers with its own, every record the client sends
 * carries it, so a server that demultiplexes by connection ID (as {@link DtlsServer} does) keeps the
 * session when the client's address changes on the way (NAT rebinding) without a new handshake.
 */
public final class DtlsClient implements Closeable {

    private static final int MAX_STEPS = 200;

    private final DatagramSocket socket;
    private final SSLEngine engine;
    private final Object receiveLock = new Object();
    private volatile boolean peerClosed;
    private volatile boolean closed;

    private DtlsClient(DatagramSocket socket, SSLEngine engine) {
        this.socket = socket;
        this.engine = engine;
    }

    /**
     * Connects to {@code host:port} and completes the handshake.
     *
     * @param context a DTLS context, initialised
     * @param handshakeTimeout the limit of the whole handshake, retransmissions included
     * @return the connected client
     * @throws SSLHandshakeException when the handshake fails or does not complete in time
     * @throws IOException when the host is unknown or the socket fails
     */
    public static DtlsClient connect(SSLContext context, String host, int port, Duration handshakeTimeout)
            throws IOException {
        Objects.requireNonNull(context, "context");
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) {
            throw new UnknownHostException("unknown host " + host);
        }
        DatagramSocket socket = new DatagramSocket();
        SSLEngine engine = null;
        try {
            socket.connect(address);
            engine = context.createSSLEngine(host, port);
            engine.setUseClientMode(true);
            DtlsClient c = new DtlsClient(socket, engine);
            c.handshake(handshakeTimeout.toNanos());
            return c;
        } catch (IOException | RuntimeException e) {
            if (engine != null) {
                engine.closeOutbound(); // ends the engine's handshake at once, and the thread running it
            }
            socket.close();
            throw e;
        }
    }

    private void handshake(long limitNanos) throws IOException {
        long deadline = System.nanoTime() + limitNanos;
        long retransmitMillis = DtlsServer.FIRST_RETRANSMIT_MILLIS;
        engine.beginHandshake();
        byte[] buf = new byte[engine.getSession().getPacketBufferSize()];
        while (true) {
            HandshakeStatus hs = engine.getHandshakeStatus();
            if (hs == HandshakeStatus.NEED_WRAP) {
                if (wrapOne().getHandshakeStatus() == HandshakeStatus.FINISHED) {
                    return;
                }
            } else if (hs == HandshakeStatus.NEED_TASK) {
                Runnable task;
                while ((task = engine.getDelegatedTask()) != null) {
                    task.run(); // waits for the engine's handshake thread; this thread may block
                }
            } else if (hs == HandshakeStatus.NEED_UNWRAP_AGAIN) {
                if (unwrap(ByteBuffer.allocate(0), ByteBuffer.allocate(0)).getHandshakeStatus()
                        == HandshakeStatus.FINISHED) {
                    return;
                }
            } else if (hs == HandshakeStatus.NEED_UNWRAP) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    throw new SSLHandshakeException("DTLS handshake with " + socket.getRemoteSocketAddress()
                            + " not complete after " + TimeUnit.NANOSECONDS.toMillis(limitNanos)
                            + " ms: the server does not answer, or drops our records (a wrong Kpsa looks like this)");
                }
                socket.setSoTimeout((int) Math.max(1, Math.min(left, retransmitMillis)));
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                try {
                    socket.receive(p);
                } catch (SocketTimeoutException e) {
                    retransmitMillis = Math.min(retransmitMillis * 2, DtlsServer.MAX_RETRANSMIT_MILLIS);
                    wrapOne(); // retransmits the last flight
                    continue;
                } catch (java.net.PortUnreachableException e) {
                    continue; // the server may not be up yet: retransmission covers it
                }
                SSLEngineResult r = unwrap(ByteBuffer.wrap(buf, 0, p.getLength()), ByteBuffer.allocate(0));
                if (r.getStatus() == Status.CLOSED) {
                    throw new SSLHandshakeException("the DTLS server closed the connection during the handshake");
                }
                if (r.getHandshakeStatus() == HandshakeStatus.FINISHED) {
                    return;
                }
            } else {
                return;
            }
        }
    }

    private SSLEngineResult unwrap(ByteBuffer src, ByteBuffer dst) throws SSLException {
        return engine.unwrap(src, dst);
    }

    private SSLEngineResult wrapOne() throws IOException {
        ByteBuffer net = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        SSLEngineResult r = engine.wrap(ByteBuffer.allocate(0), net);
        sendDatagram(net);
        return r;
    }

    private void sendDatagram(ByteBuffer net) throws IOException {
        net.flip();
        if (net.hasRemaining()) {
            socket.send(new DatagramPacket(net.array(), net.arrayOffset() + net.position(), net.remaining()));
        }
    }

    /** @return the DTLS session */
    public SSLSession session() {
        return engine.getSession();
    }

    /**
     * @return the identity the handshake bound the server to (for SAEF the association's {@code peer=})
     * @throws SSLPeerUnverifiedException when there is none
     */
    public Principal principal() throws SSLPeerUnverifiedException {
        return engine.getSession().getPeerPrincipal();
    }

    /** @return the local address of the socket */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    /** @return whether the server sent close_notify */
    public boolean isClosedByPeer() {
        return peerClosed;
    }

    /**
     * Sends {@code data} as one datagram (several when it exceeds a record's plaintext limit).
     *
     * @throws SSLException when the connection is closed
     */
    public void send(byte[] data) throws IOException {
        ByteBuffer src = ByteBuffer.wrap(data);
        do {
            ByteBuffer net = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
            SSLEngineResult r = engine.wrap(src, net);
            if (r.getStatus() != Status.OK) {
                throw new SSLException("cannot send over DTLS: the connection is " + r.getStatus());
            }
            sendDatagram(net);
            if (r.bytesConsumed() == 0 && r.bytesProduced() == 0) {
                throw new SSLException("cannot send over DTLS: the engine took no data");
            }
        } while (src.hasRemaining());
    }

    /**
     * Waits up to {@code timeout} for the next datagram of application data.
     *
     * @return its payload, or null when none came in time or the server closed the connection
     *     ({@link #isClosedByPeer()})
     * @throws SSLException when the engine fails
     */
    public byte[] receive(Duration timeout) throws IOException {
        synchronized (receiveLock) {
            long deadline = System.nanoTime() + timeout.toNanos();
            byte[] buf = new byte[engine.getSession().getPacketBufferSize()];
            while (!peerClosed && !closed) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    return null;
                }
                socket.setSoTimeout((int) Math.min(left, Integer.MAX_VALUE));
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                try {
                    socket.receive(p);
                } catch (SocketTimeoutException | java.net.PortUnreachableException e) {
                    continue;
                }
                ByteBuffer app = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize());
                SSLEngineResult r = engine.unwrap(ByteBuffer.wrap(buf, 0, p.getLength()), app);
                for (int i = 0; i < MAX_STEPS && engine.getHandshakeStatus() == HandshakeStatus.NEED_WRAP; i++) {
                    wrapOne(); // the server retransmitted its last flight: answer it again, or our close_notify
                }
                if (r.getStatus() == Status.CLOSED) {
                    peerClosed = true;
                    return null;
                }
                if (app.position() > 0) {
                    app.flip();
                    byte[] data = new byte[app.remaining()];
                    app.get(data);
                    return data;
                }
            }
            return null;
        }
    }

    /** Sends close_notify (unless the server already closed) and closes the socket. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            engine.closeOutbound();
            for (int i = 0; i < MAX_STEPS && !engine.isOutboundDone(); i++) {
                if (wrapOne().bytesProduced() == 0) {
                    break;
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // best effort: the socket closes regardless
        } finally {
            socket.close();
        }
    }
}
