package dev.saef.jsse;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.function.Predicate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;

/**
 * A DTLS client engine and server engine connected in memory: each datagram one engine wraps is
 * handed whole to the other's unwrap. {@link #step} moves everything that is ready once.
 */
final class DtlsMemoryPair {

    final SSLEngine client;
    final SSLEngine server;
    final ArrayDeque<byte[]> toServer = new ArrayDeque<>();
    final ArrayDeque<byte[]> toClient = new ArrayDeque<>();
    /** Datagrams moved so far (both ways). */
    int moved;
    /** Every datagram the client sent, in order. */
    final java.util.List<byte[]> clientSent = new java.util.ArrayList<>();

    DtlsMemoryPair(SSLEngine client, SSLEngine server) {
        this.client = client;
        this.server = server;
    }

    /** Runs the engine's delegated tasks on this thread, as code written for the JDK's engine does. */
    static void runTasks(SSLEngine e) {
        Runnable t;
        while ((t = e.getDelegatedTask()) != null) {
            t.run();
        }
    }

    /** Wraps everything an engine has to send into the queue for its peer (running its tasks first). */
    static void drain(SSLEngine e, ArrayDeque<byte[]> out) throws Exception {
        for (int i = 0; i < 100; i++) {
            HandshakeStatus hs = e.getHandshakeStatus();
            if (hs == HandshakeStatus.NEED_TASK) {
                runTasks(e);
                continue;
            }
            if (hs != HandshakeStatus.NEED_WRAP) {
                return;
            }
            ByteBuffer net = ByteBuffer.allocate(e.getSession().getPacketBufferSize());
            SSLEngineResult r = e.wrap(ByteBuffer.allocate(0), net);
            if (r.bytesProduced() > 0) {
                net.flip();
                byte[] d = new byte[net.remaining()];
                net.get(d);
                out.add(d);
            }
        }
    }

    static void feed(SSLEngine e, ArrayDeque<byte[]> in) throws Exception {
        byte[] d;
        while ((d = in.poll()) != null) {
            e.unwrap(ByteBuffer.wrap(d), ByteBuffer.allocate(e.getSession().getApplicationBufferSize()));
            runTasks(e);
            while (e.getHandshakeStatus() == HandshakeStatus.NEED_UNWRAP_AGAIN) {
                e.unwrap(ByteBuffer.allocate(0), ByteBuffer.allocate(e.getSession().getApplicationBufferSize()));
                runTasks(e);
            }
        }
    }

    /** One round: client sends, server receives and sends, client receives. */
    void step() throws Exception {
        drain(client, toServer);
        clientSent.addAll(toServer);
        moved += toServer.size();
        feed(server, toServer);
        drain(server, toClient);
        moved += toClient.size();
        feed(client, toClient);
    }

    /**
     * Runs rounds until {@code done} holds, for at most 30 s: the handshakes run on Bouncy Castle
     * threads, which a loaded machine may schedule late, so a round that moved nothing waits a little
     * instead of counting as "no progress".
     */
    void runUntil(Predicate<DtlsMemoryPair> done) throws Exception {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (done.test(this)) {
                return;
            }
            int before = moved;
            step();
            if (moved == before) {
                Thread.sleep(5);
            }
        }
        throw new IllegalStateException("no progress in 30 s: client " + client.getHandshakeStatus() + ", server "
                + server.getHandshakeStatus());
    }

    /** Full handshake. */
    void handshake() throws Exception {
        client.beginHandshake();
        server.beginHandshake();
        runUntil(p -> p.client.getSession().isValid() && p.server.getSession().isValid()
                && p.client.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING
                && p.server.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING);
    }
}
