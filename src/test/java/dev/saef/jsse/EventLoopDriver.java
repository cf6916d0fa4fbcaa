package dev.saef.jsse;

import java.nio.ByteBuffer;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;

/**
 * Drives engine pairs in memory from ONE thread, the way an event loop (Netty, Jetty) does: it never
 * runs a delegated task itself but hands it to an executor and goes on serving its other channels;
 * a channel whose engine waits for a task is skipped until the task has completed. Measures the
 * longest time spent inside one server {@code wrap}/{@code unwrap}/{@code getDelegatedTask} call:
 * what the event loop would be blocked for.
 */
final class EventLoopDriver {

    /** One client/server engine pair: one "channel" of the loop. */
    static final class Channel {
        final SSLEngine client;
        final SSLEngine server;
        final ByteBuffer toServer;
        final ByteBuffer toClient;
        final ByteBuffer sink;
        final ByteBuffer empty = ByteBuffer.allocate(0);
        Future<?> task;
        boolean clientFinished;
        boolean serverFinished;
        int serverNeedTask;
        SSLException serverFailure;
        SSLException clientFailure;

        Channel(SSLEngine client, SSLEngine server) {
            this.client = client;
            this.server = server;
            int packet = Math.max(client.getSession().getPacketBufferSize(), server.getSession().getPacketBufferSize());
            this.toServer = ByteBuffer.allocate(packet);
            this.toClient = ByteBuffer.allocate(packet);
            this.sink = ByteBuffer.allocate(client.getSession().getApplicationBufferSize());
        }

        boolean done() {
            return (clientFinished && serverFinished) || (serverFailure != null && clientFailure != null);
        }
    }

    private final ExecutorService tasks;
    /** The longest single server engine call, in nanoseconds. */
    long maxServerCallNanos;
    /** Loop iterations: the loop kept turning while lookups ran. */
    int iterations;

    EventLoopDriver(ExecutorService tasks) {
        this.tasks = tasks;
    }

    /** Runs every channel until each handshake completed or failed on both sides, or the deadline passes. */
    void run(long timeoutMillis, Channel... channels) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        for (Channel c : channels) {
            c.client.beginHandshake();
            c.server.beginHandshake();
        }
        while (true) {
            boolean all = true;
            boolean progress = false;
            for (Channel c : channels) {
                if (c.done()) {
                    continue;
                }
                all = false;
                progress |= clientStep(c);
                progress |= serverStep(c);
            }
            if (all) {
                return;
            }
            iterations++;
            if (System.nanoTime() > deadline) {
                throw new AssertionError("handshakes did not end within " + timeoutMillis + " ms");
            }
            if (!progress) {
                Thread.sleep(1); // select(): waiting for I/O or a task's completion
            }
        }
    }

    private static boolean clientStep(Channel c) {
        if (c.clientFailure != null || c.clientFinished && c.client.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING
                && c.toClient.position() == 0) {
            return false;
        }
        try {
            HandshakeStatus hs = c.client.getHandshakeStatus();
            if (hs == HandshakeStatus.NEED_WRAP) {
                SSLEngineResult r = c.client.wrap(c.empty, c.toServer);
                c.clientFinished |= r.getHandshakeStatus() == HandshakeStatus.FINISHED;
                return r.bytesProduced() > 0;
            }
            if (c.toClient.position() > 0) {
                c.toClient.flip();
                SSLEngineResult r;
                boolean moved = false;
                do {
                    c.sink.clear();
                    r = c.client.unwrap(c.toClient, c.sink);
                    moved |= r.bytesConsumed() > 0;
                    c.clientFinished |= r.getHandshakeStatus() == HandshakeStatus.FINISHED;
                } while (r.getStatus() == SSLEngineResult.Status.OK && c.toClient.hasRemaining());
                c.toClient.compact();
                return moved;
            }
        } catch (SSLException e) {
            c.clientFailure = e;
            return true;
        }
        return false;
    }

    private boolean serverStep(Channel c) {
        if (c.serverFailure != null) {
            return drainAlert(c);
        }
        if (c.task != null) {
            if (!c.task.isDone()) {
                return false; // the loop serves other channels meanwhile
            }
            c.task = null;
        }
        try {
            HandshakeStatus hs = timed(c.server::getHandshakeStatus);
            if (hs == HandshakeStatus.NEED_TASK) {
                c.serverNeedTask++;
                Runnable t = timed(c.server::getDelegatedTask);
                if (t != null) {
                    c.task = tasks.submit(t);
                }
                return true;
            }
            if (hs == HandshakeStatus.NEED_WRAP) {
                SSLEngineResult r = timed(() -> c.server.wrap(c.empty, c.toClient));
                c.serverFinished |= r.getHandshakeStatus() == HandshakeStatus.FINISHED;
                return true;
            }
            if (hs == HandshakeStatus.NEED_UNWRAP && c.toServer.position() > 0) {
                c.toServer.flip();
                SSLEngineResult r;
                boolean moved = false;
                do {
                    c.sink.clear();
                    r = timed(() -> c.server.unwrap(c.toServer, c.sink));
                    moved |= r.bytesConsumed() > 0;
                    c.serverFinished |= r.getHandshakeStatus() == HandshakeStatus.FINISHED;
                    if (r.getHandshakeStatus() == HandshakeStatus.NEED_TASK) {
                        c.serverNeedTask++;
                    }
                } while (r.getStatus() == SSLEngineResult.Status.OK && c.toServer.hasRemaining()
                        && r.getHandshakeStatus() == HandshakeStatus.NEED_UNWRAP);
                c.toServer.compact();
                return moved;
            }
            if (c.serverFinished && hs == HandshakeStatus.NOT_HANDSHAKING) {
                return false;
            }
        } catch (SSLException e) {
            c.serverFailure = e;
            c.server.closeOutbound();
            return true;
        }
        return false;
    }

    /** After a server failure: sends its queued alert, as Netty does. */
    private boolean drainAlert(Channel c) {
        if (c.server.isOutboundDone()) {
            return false;
        }
        try {
            SSLEngineResult r = timed(() -> c.server.wrap(c.empty, c.toClient));
            return r.bytesProduced() > 0;
        } catch (SSLException e) {
            return false;
        }
    }

    private interface Call<T> {
        T call() throws SSLException;
    }

    private <T> T timed(Call<T> call) throws SSLException {
        long t0 = System.nanoTime();
        try {
            return call.call();
        } finally {
            maxServerCallNanos = Math.max(maxServerCallNanos, System.nanoTime() - t0);
        }
    }
}
