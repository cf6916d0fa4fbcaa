package dev.saef.jsse;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntPredicate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;

/**
 * Drives an {@code SSLEngine} over a real {@link DatagramSocket} the way code written for the JDK's
 * own DTLS engine does (the structure of OpenJDK's DTLS tests: unwrap on NEED_UNWRAP and
 * NEED_UNWRAP_AGAIN, wrap every datagram on NEED_WRAP, and wrap again after a receive timeout so
 * that the engine retransmits). Nothing here knows it drives SAEF. Outgoing datagrams can be dropped
 * ({@link #dropOutgoing}) to simulate loss.
 */
public final class DtlsDriver {

    static final int MAX_LOOPS = 200;

    private final SSLEngine engine;
    private final DatagramSocket socket;
    private SocketAddress peer;
    private final String side;
    private IntPredicate dropOutgoing = i -> false;
    final AtomicInteger sent = new AtomicInteger();
    final AtomicInteger dropped = new AtomicInteger();
    final AtomicInteger timeouts = new AtomicInteger();

    /** @param peer where to send; null: the source of the first datagram received (a server) */
    public DtlsDriver(SSLEngine engine, DatagramSocket socket, SocketAddress peer, String side) {
        this.engine = engine;
        this.socket = socket;
        this.peer = peer;
        this.side = side;
    }

    /** @param drop given the index of each outgoing datagram (0, 1, ...): true to drop it */
    public DtlsDriver dropOutgoing(IntPredicate drop) {
        this.dropOutgoing = drop;
        return this;
    }

    private void send(List<byte[]> packets) throws Exception {
        for (byte[] p : packets) {
            if (dropOutgoing.test(sent.getAndIncrement())) {
                dropped.incrementAndGet();
                continue;
            }
            socket.send(new DatagramPacket(p, p.length, peer));
        }
    }

    public void handshake() throws Exception {
        engine.beginHandshake();
        int loops = MAX_LOOPS;
        while (true) {
            if (--loops < 0) {
                throw new IllegalStateException(side + ": too many loops");
            }
            HandshakeStatus hs = engine.getHandshakeStatus();
            if (hs == HandshakeStatus.NEED_UNWRAP || hs == HandshakeStatus.NEED_UNWRAP_AGAIN) {
                ByteBuffer in;
                if (hs == HandshakeStatus.NEED_UNWRAP) {
                    byte[] buf = new byte[engine.getSession().getPacketBufferSize()];
                    DatagramPacket packet = new DatagramPacket(buf, buf.length);
                    try {
                        socket.receive(packet);
                    } catch (SocketTimeoutException e) {
                        timeouts.incrementAndGet();
                        List<byte[]> packets = new ArrayList<>();
                        boolean finished = produce(packets, true);
                        send(packets);
                        if (finished) {
                            break;
                        }
                        continue;
                    }
                    if (peer == null) {
                        peer = packet.getSocketAddress();
                    }
                    in = ByteBuffer.wrap(buf, 0, packet.getLength());
                } else {
                    in = ByteBuffer.allocate(0);
                }
                ByteBuffer app = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize());
                SSLEngineResult r = engine.unwrap(in, app);
                if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                    throw new IllegalStateException(side + ": closed during the handshake");
                }
                if (r.getHandshakeStatus() == HandshakeStatus.FINISHED) {
                    break;
                }
            } else if (hs == HandshakeStatus.NEED_WRAP) {
                List<byte[]> packets = new ArrayList<>();
                boolean finished = produce(packets, false);
                send(packets);
                if (finished) {
                    break;
                }
            } else if (hs == HandshakeStatus.NEED_TASK) {
                Runnable t;
                while ((t = engine.getDelegatedTask()) != null) {
                    t.run();
                }
            } else if (hs == HandshakeStatus.NOT_HANDSHAKING) {
                break;
            } else {
                throw new IllegalStateException(side + ": unexpected status " + hs);
            }
        }
        if (engine.getHandshakeStatus() != HandshakeStatus.NOT_HANDSHAKING) {
            throw new IllegalStateException(side + ": not finished: " + engine.getHandshakeStatus());
        }
    }

    /** Wraps handshake datagrams while the engine asks for it; @return true when it reported FINISHED. */
    private boolean produce(List<byte[]> packets, boolean afterTimeout) throws Exception {
        for (int loops = MAX_LOOPS; loops > 0; loops--) {
            ByteBuffer net = ByteBuffer.allocate(32768);
            SSLEngineResult r = engine.wrap(ByteBuffer.allocate(0), net);
            if (r.getStatus() != SSLEngineResult.Status.OK) {
                throw new IllegalStateException(side + ": wrap " + r);
            }
            net.flip();
            if (net.hasRemaining()) {
                byte[] b = new byte[net.remaining()];
                net.get(b);
                packets.add(b);
            }
            HandshakeStatus hs = r.getHandshakeStatus();
            if (hs == HandshakeStatus.FINISHED) {
                return true;
            }
            if (hs != HandshakeStatus.NEED_WRAP) {
                return false;
            }
        }
        throw new IllegalStateException(side + ": too many wraps");
    }

    /**
     * Sends one application datagram; records the engine has waiting (a retransmitted flight) go first,
     * each in a datagram of its own, as the JDK's engine does (those wraps consume nothing).
     */
    public void send(byte[] data) throws Exception {
        ByteBuffer src = ByteBuffer.wrap(data);
        for (int loops = MAX_LOOPS; src.hasRemaining(); loops--) {
            if (loops == 0) {
                throw new IllegalStateException(side + ": too many wraps");
            }
            ByteBuffer net = ByteBuffer.allocate(32768);
            SSLEngineResult r = engine.wrap(src, net);
            if (r.getStatus() != SSLEngineResult.Status.OK || (r.bytesConsumed() == 0 && r.bytesProduced() == 0)) {
                throw new IllegalStateException(side + ": wrap " + r);
            }
            net.flip();
            byte[] b = new byte[net.remaining()];
            net.get(b);
            send(List.of(b));
        }
    }

    /** Receives datagrams until one carries application data (handshake retransmissions are processed). */
    public byte[] receive() throws Exception {
        for (int loops = MAX_LOOPS; loops > 0; loops--) {
            byte[] buf = new byte[engine.getSession().getPacketBufferSize()];
            DatagramPacket packet = new DatagramPacket(buf, buf.length);
            socket.receive(packet);
            if (peer == null) {
                peer = packet.getSocketAddress();
            }
            ByteBuffer app = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize());
            engine.unwrap(ByteBuffer.wrap(buf, 0, packet.getLength()), app);
            if (engine.getHandshakeStatus() == HandshakeStatus.NEED_WRAP) {
                List<byte[]> packets = new ArrayList<>();
                produce(packets, false);
                send(packets);
            }
            if (app.position() > 0) {
                app.flip();
                byte[] out = new byte[app.remaining()];
                app.get(out);
                return out;
            }
        }
        throw new IllegalStateException(side + ": no application data");
    }
}
