package dev.saef.cli;

import java.io.IOException;
import java.net.Socket;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Enforces the CLI's per-connection time limits by closing the connection's plain TCP socket (the one
 * under the TLS socket) when a limit passes:
 * <ul>
 *   <li>handshake: the TLS handshake must complete within a fixed time from the start of the
 *       connection. A deadline, not a read timeout, so a client that drips its ClientHello one byte at
 *       a time is dropped as surely as one that sends nothing;</li>
 *   <li>idle (optional): after the handshake, the connection is dropped once nothing has been read
 *       and no write has completed for that long. A write blocked by a peer that never reads counts
 *       as idle too, which {@code SO_TIMEOUT} (reads only) would not catch.</li>
 * </ul>
 * Closing the TCP socket is immediate and takes no TLS lock; the thread serving the connection then
 * sees an {@code IOException} and can ask {@link Guard#dropReason()} why. One timer thread (daemon)
 * serves all connections; {@link #close()} stops it.
 */
final class ConnectionWatchdog implements AutoCloseable {

    private final ScheduledThreadPoolExecutor timer;

    ConnectionWatchdog() {
        timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "saef-connection-watchdog");
            t.setDaemon(true);
            return t;
        });
        timer.setRemoveOnCancelPolicy(true);
    }

    /**
     * Starts watching one connection; the handshake deadline runs from now.
     *
     * @param tcp the plain TCP socket to close when a limit passes
     * @param handshakeSeconds the handshake time limit ({@code --handshake-timeout})
     * @param idleSeconds the idle limit after the handshake ({@code --idle-timeout}); 0 for none
     * @return the guard; the caller reports progress to it and closes it when the connection ends
     */
    Guard watch(Socket tcp, int handshakeSeconds, int idleSeconds) {
        Guard g = new Guard(tcp, handshakeSeconds, idleSeconds);
        g.schedule(TimeUnit.SECONDS.toNanos(handshakeSeconds));
        return g;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }

    /** The limits of one connection. Thread-safe. */
    final class Guard implements AutoCloseable {
        private final Socket tcp;
        private final int handshakeSeconds;
        private final int idleSeconds;
        private volatile boolean handshakeDone;
        private volatile long lastActivity = System.nanoTime();
        private volatile String dropReason;
        private ScheduledFuture<?> pending;
        private boolean closed;

        private Guard(Socket tcp, int handshakeSeconds, int idleSeconds) {
            this.tcp = tcp;
            this.handshakeSeconds = handshakeSeconds;
            this.idleSeconds = idleSeconds;
        }

        /** The handshake completed: from now on only the idle limit applies (if any). */
        synchronized void handshakeCompleted() {
            handshakeDone = true;
            lastActivity = System.nanoTime();
            cancel();
            if (idleSeconds > 0 && !closed) {
                schedule(TimeUnit.SECONDS.toNanos(idleSeconds));
            }
        }

        /** Data was read or a write completed: the idle time starts again. */
        void activity() {
            lastActivity = System.nanoTime();
        }

        /** @return why the watchdog closed the connection, or null when it did not */
        String dropReason() {
            return dropReason;
        }

        /** Stops watching (the connection ended or no longer needs limits); does not close the socket. */
        @Override
        public synchronized void close() {
            closed = true;
            cancel();
        }

        private synchronized void schedule(long delayNanos) {
            if (!closed) {
                pending = timer.schedule(this::check, delayNanos, TimeUnit.NANOSECONDS);
            }
        }

        private void cancel() {
            if (pending != null) {
                pending.cancel(false);
                pending = null;
            }
        }

        private synchronized void check() {
            if (closed) {
                return;
            }
            if (!handshakeDone) {
                drop("no complete TLS handshake within " + handshakeSeconds + " s (--handshake-timeout)");
                return;
            }
            long due = lastActivity + TimeUnit.SECONDS.toNanos(idleSeconds);
            long now = System.nanoTime();
            if (now - due >= 0) {
                drop("idle for " + idleSeconds + " s: no data received, no write completed (--idle-timeout)");
            } else {
                schedule(due - now);
            }
        }

        private void drop(String reason) {
            dropReason = reason;
            closed = true;
            try {
                tcp.close();
            } catch (IOException ignored) {
                // closing a plain socket: nothing more to do
            }
        }
    }
}
