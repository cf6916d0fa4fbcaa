package dev.saef.jsse;

import java.nio.ByteBuffer;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;

/**
 * Drives a client and a server {@link SSLEngine} against each other in memory, the way
 * {@code java.net.http.HttpClient} and Netty do: wrap into a network buffer, unwrap from it, react
 * to the handshake status. Small buffers exercise BUFFER_OVERFLOW/UNDERFLOW handling.
 */
final class EnginePair {
    final SSLEngine client;
    final SSLEngine server;
    ByteBuffer toServer;
    ByteBuffer toClient;
    int steps;

    EnginePair(SSLEngine client, SSLEngine server) {
        this.client = client;
        this.server = server;
        int packet = Math.max(client.getSession().getPacketBufferSize(), server.getSession().getPacketBufferSize());
        this.toServer = ByteBuffer.allocate(packet);
        this.toClient = ByteBuffer.allocate(packet);
    }

    /** Runs the handshake to completion; returns the FINISHED statuses seen (client, server). */
    boolean[] handshake() throws SSLException {
        begin();
        while (!round()) {
            if (steps > 200) {
                throw new IllegalStateException("handshake does not converge: client " + client.getHandshakeStatus()
                        + ", server " + server.getHandshakeStatus());
            }
        }
        return new boolean[] {clientFinished, serverFinished};
    }

    private boolean clientFinished;
    private boolean serverFinished;
    private final ByteBuffer empty = ByteBuffer.allocate(0);
    private ByteBuffer sink;

    /** Begins both handshakes (the client queues its ClientHello) without moving any bytes. */
    void begin() throws SSLException {
        client.beginHandshake();
        server.beginHandshake();
    }

    /**
     * One step of {@link #handshake()}: the client, then the server, moves once. Several pairs can be
     * interleaved round by round, so that their handshakes are in flight at the same time.
     *
     * @return true once both sides reported FINISHED
     */
    boolean round() throws SSLException {
        if (sink == null) {
            sink = ByteBuffer.allocate(client.getSession().getApplicationBufferSize());
        }
        steps++;
        clientFinished |= step(client, empty, toServer, toClient, sink);
        serverFinished |= step(server, empty, toClient, toServer, sink);
        return clientFinished && serverFinished;
    }

    private static boolean step(SSLEngine e, ByteBuffer empty, ByteBuffer out, ByteBuffer in, ByteBuffer sink)
            throws SSLException {
        boolean finished = false;
        HandshakeStatus hs = e.getHandshakeStatus();
        if (hs == HandshakeStatus.NEED_WRAP) {
            SSLEngineResult r = e.wrap(empty, out);
            finished |= r.getHandshakeStatus() == HandshakeStatus.FINISHED;
        } else if (hs == HandshakeStatus.NEED_UNWRAP) {
            in.flip();
            SSLEngineResult r;
            do {
                r = e.unwrap(in, sink);
                finished |= r.getHandshakeStatus() == HandshakeStatus.FINISHED;
            } while (r.getStatus() == SSLEngineResult.Status.OK && in.hasRemaining()
                    && e.getHandshakeStatus() == HandshakeStatus.NEED_UNWRAP);
            in.compact();
        } else if (hs == HandshakeStatus.NEED_TASK) {
            Runnable t;
            while ((t = e.getDelegatedTask()) != null) {
                t.run();
            }
        }
        return finished;
    }

    /** Sends {@code data} from one engine to the other in records; returns what arrived. */
    static byte[] transfer(SSLEngine from, SSLEngine to, byte[] data) throws SSLException {
        ByteBuffer src = ByteBuffer.wrap(data);
        ByteBuffer net = ByteBuffer.allocate(from.getSession().getPacketBufferSize());
        ByteBuffer app = ByteBuffer.allocate(to.getSession().getApplicationBufferSize());
        java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
        while (src.hasRemaining()) {
            net.clear();
            SSLEngineResult w = from.wrap(src, net);
            if (w.getStatus() != SSLEngineResult.Status.OK) {
                throw new IllegalStateException("wrap: " + w);
            }
            net.flip();
            while (net.hasRemaining()) {
                app.clear();
                SSLEngineResult u = to.unwrap(net, app);
                if (u.getStatus() != SSLEngineResult.Status.OK) {
                    throw new IllegalStateException("unwrap: " + u);
                }
                got.write(app.array(), 0, app.position());
            }
        }
        return got.toByteArray();
    }
}
