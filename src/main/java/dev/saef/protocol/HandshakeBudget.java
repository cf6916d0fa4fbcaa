package dev.saef.protocol;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The memory budget of the DTLS handshakes in progress of one {@code SSLContext}: received
 * datagrams that wait for a handshake thread ({@link DatagramQueue}) are charged here, per peer
 * (checked by the queue) and in total (this class), and released when the handshake thread takes
 * them or the handshake ends. A datagram over either budget is dropped silently, as UDP may drop it,
 * and counted. Before any authentication a peer can send anything, so this is what keeps a flood of
 * handshake fragments (or many peers that passed the cookie exchange and then keep sending) from
 * growing the heap without bound. Thread-safe (lock-free).
 */
final class HandshakeBudget {

    private final long perPeer;
    private final long total;
    private final AtomicLong used = new AtomicLong();
    private final AtomicLong peak = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();

    /** @param perPeer most bytes waiting for one handshake; @param total most bytes waiting for all */
    HandshakeBudget(long perPeer, long total) {
        this.perPeer = perPeer;
        this.total = total;
    }

    /** @return the most bytes one handshake may have waiting */
    long perPeer() {
        return perPeer;
    }

    /** @return the most bytes all handshakes together may have waiting */
    long total() {
        return total;
    }

    /** @return true when {@code n} bytes were charged; false (and the drop counted) when over the total budget */
    boolean reserve(long n) {
        while (true) {
            long u = used.get();
            if (u + n > total) {
                dropped.incrementAndGet();
                return false;
            }
            if (used.compareAndSet(u, u + n)) {
                peak.accumulateAndGet(u + n, Math::max);
                return true;
            }
        }
    }

    /** Returns {@code n} charged bytes. */
    void release(long n) {
        if (n > 0) {
            used.addAndGet(-n);
        }
    }

    /** Counts a datagram dropped over the per-peer budget. */
    void countDrop() {
        dropped.incrementAndGet();
    }

    /** @return bytes now waiting for handshakes */
    long used() {
        return used.get();
    }

    /** @return the most bytes that ever waited at once */
    long peak() {
        return peak.get();
    }

    /** @return datagrams dropped over a budget */
    long dropped() {
        return dropped.get();
    }
}
