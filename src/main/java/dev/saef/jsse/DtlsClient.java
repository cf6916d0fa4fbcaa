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
import javax.net.ssl.SSLParameters;
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
 *
 * <p>{@link #connect(SSLContext, String, int, Duration, int)} sets a maximum packet size (the path MTU
 * less the IP and UDP headers) through {@code SSLParameters.setMaximumPacketSize}, as
 * {@link DtlsServer.Builder#maximumPacketSize} does for the server: no datagram the client sends is
 * larger (the engine fragments handshake messages to fit, RFC 6347 section 4.2.3, and splits
 * application data into records that fit), and {@code getPacketBufferSize()} is that size. SAEF's
 * engine also accepts no larger datagram from the server, so give both ends the same limit.
 */
public final class DtlsClient implements Closeable {

    private static final int MAX_STEPS = 200;
    /**
     * The smallest maximum packet size {@link #connect(SSLContext, String, int, Duration, int)} accepts:
     * 256 octets, the smallest SAEF's DTLS engine works with (a record header, a handshake fragment
     * header and room for the fragment, RFC 6347 section 4.2.3).
     */
    public static final int MIN_PACKET_SIZE = SaefDtlsEngine.MIN_PACKET_SIZE;
    /** The largest maximum packet size accepted: the largest UDP payload over IPv4 (65 535 - 20 - 8). */
    public static final int MAX_PACKET_SIZE = 65_507;

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
        return connect(context, host, port, handshakeTimeout, 0);
    }

    /**
     * Connects to {@code host:port} with at most {@code maximumPacketSize} octets per datagram sent
     * ({@code SSLParameters.setMaximumPacketSize} of the client's engine) and completes the handshake.
     *
     * @param context a DTLS context, initialised
     * @param handshakeTimeout the limit of the whole handshake, retransmissions included
     * @param maximumPacketSize the largest datagram (UDP payload) to send, from {@link #MIN_PACKET_SIZE}
     *     to {@link #MAX_PACKET_SIZE}; 0 for the engine's default (SAEF: 16 709, a full record)
     * @return the connected client
     * @throws IllegalArgumentException when {@code maximumPacketSize} is neither 0 nor in that range
     * @throws SSLHandshakeException when the handshake fails or does not complete in time
     * @throws IOException when the host is unknown or the socket fails
     */
    public static DtlsClient connect(SSLContext context, String host, int port, Duration handshakeTimeout,
            int maximumPacketSize) throws IOException {
        Objects.requireNonNull(context, "context");
        checkPacketSize(maximumPacketSize);
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
            if (maximumPacketSize > 0) {
                SSLParameters p = engine.getSSLParameters();
                p.setMaximumPacketSize(maximumPacketSize);
                engine.setSSLParameters(p);
            }
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

    /** The one check of a maximum packet size, shared with {@link DtlsServer.Builder#maximumPacketSize}. */
    static void checkPacketSize(int n) {
        if (n != 0 && (n < MIN_PACKET_SIZE || n > MAX_PACKET_SIZE)) {
            throw new IllegalArgumentException("maximumPacketSize " + n + " is out of range: give 0 (the engine's"
                    + " default) or " + MIN_PACKET_SIZE + ".." + MAX_PACKET_SIZE + " octets (the path MTU less the"
                    + " IP and UDP headers; DTLS needs at least " + MIN_PACKET_SIZE + " to fit a record and a"
                    + " handshake fragment)");
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
