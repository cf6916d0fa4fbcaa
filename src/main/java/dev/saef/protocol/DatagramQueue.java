package dev.saef.protocol;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.DatagramSender;
import org.bouncycastle.tls.DatagramTransport;
import org.bouncycastle.tls.TlsFatalAlert;

/**
 * The datagram transport Bouncy Castle's DTLS runs over inside SAEF: two queues instead of a
 * socket. The engine's {@code unwrap} puts each received datagram in, its {@code wrap} takes each
 * datagram to send out, one at a time.
 *
 * <p>During the handshake, Bouncy Castle runs on a pool thread and waits in {@link #receive} (up to
 * its RFC 6347 section 4.2.4 retransmission timer). The engine's calls never wait for that thread:
 * while it works ({@link #busy}) the engine asks for a delegated task, which waits with
 * {@link #awaitIdle} until the thread has dealt with the datagrams and waits again. Received
 * datagrams waiting for the thread are charged to the context's {@link HandshakeBudget} and to this
 * queue's own per-peer budget; over either they are dropped (as UDP may drop them) and counted. The datagrams the thread sends between two waits are one flight;
 * the last one is kept so that {@code wrap} after a receive timeout can send it again
 * ({@link #replayLastFlight}). After the handshake the queue is "direct": {@link #receive} never
 * waits, and the engine's thread drives the record layer itself, so an established association
 * holds no thread.
 *
 * <p>Thread-safe (one monitor).
 */
final class DatagramQueue implements DatagramTransport, DatagramSender {

    /** Received records waiting for the handshake thread (held ones too); beyond this, the newest are dropped (UDP). */
    static final int MAX_INBOUND = 64;
    /** DTLS 1.2 record header: type, version, epoch, sequence number (48 bits), length. */
    private static final int RECORD_HEADER = 13;
    /** RFC 9146 {@code tls12_cid}: a longer header, and never epoch 0. */
    private static final byte CONTENT_TYPE_CID = 25;
    private static final byte CONTENT_TYPE_CHANGE_CIPHER_SPEC = 20;
    /** Records of the next epoch held until the ChangeCipherSpec ({@link #offer}); beyond, dropped. */
    static final int MAX_EARLY = 8;
    /** The largest record sequence number: 48 bits (RFC 6347 section 4.1), which never wrap. */
    static final long MAX_SEQUENCE = (1L << 48) - 1;

    private final int packetSize;
    private final HandshakeBudget budget;
    private final ArrayDeque<byte[]> in = new ArrayDeque<>();
    /** Bytes in {@link #in} charged to the budget (the handshake's datagrams; none once it ended). */
    private long charged;
    /** The most bytes ever charged at once. */
    private long peakCharged;
    /**
     * Records of a later epoch received during the handshake before any ChangeCipherSpec
     * ({@link #offer}): held, charged like the rest, until a ChangeCipherSpec comes, then queued after it.
     */
    private final ArrayDeque<byte[]> early = new ArrayDeque<>();
    /** A ChangeCipherSpec record was received during the handshake. */
    private boolean changeCipherSpecReceived;
    private final ArrayDeque<byte[]> out = new ArrayDeque<>();
    private List<byte[]> burst = new ArrayList<>();
    private List<byte[]> lastFlight = List.of();
    /** The next unused record sequence number of epoch 0 on the way out ({@link #renumbered}). */
    private long nextEpoch0Sequence;
    private boolean direct;
    private boolean waiting;
    private boolean handshakeEnded;
    private boolean closed;

    /**
     * @param packetSize the largest datagram to send or receive (the maximum packet size)
     * @param budget the context's budget for datagrams waiting for handshakes
     */
    DatagramQueue(int packetSize, HandshakeBudget budget) {
        this.packetSize = packetSize;
        this.budget = budget;
    }

    /**
     * The maximum packet size; on an established association with a datagram waiting, that
     * datagram's size (at most the maximum). Bouncy Castle 1.84's record layer allocates a receive
     * buffer of this size for every datagram it reads, and the waiting datagram is all it can read:
     * a buffer of its size holds it, where one of the maximum packet size (about 16 KiB) would be
     * allocated per datagram.
     */
    @Override
    public synchronized int getReceiveLimit() {
        byte[] next = direct ? in.peek() : null;
        return next == null ? packetSize : Math.min(next.length, packetSize);
    }

    /** @return the maximum packet size: no record this queue carries decrypts to more */
    int packetSize() {
        return packetSize;
    }

    @Override
    public int getSendLimit() {
        return packetSize;
    }

    @Override
    public synchronized int receive(byte[] buf, int off, int len, int waitMillis) throws IOException {
        if (!burst.isEmpty()) {
            lastFlight = burst; // the thread waits for the peer: what it sent since the last wait is a flight
            burst = new ArrayList<>();
        }
        long deadline = waitMillis == 0 ? Long.MAX_VALUE : System.currentTimeMillis() + waitMillis;
        while (in.isEmpty()) {
            if (closed && !direct) {
                throw new IOException("the SSLEngine was closed during the DTLS handshake");
            }
            if (direct) {
                waiting = false;
                throw NoDatagram.INSTANCE;
            }
            long remaining = deadline - System.currentTimeMillis();
            if (remaining <= 0) {
                waiting = false;
                return -1;
            }
            waiting = true;
            notifyAll();
            try {
                wait(remaining);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("DTLS handshake interrupted");
            }
        }
        waiting = false;
        byte[] d = in.poll();
        if (charged > 0) {
            charged -= d.length;
            budget.release(d.length);
        }
        System.arraycopy(d, 0, buf, off, Math.min(len, d.length));
        return d.length; // longer than len: Bouncy Castle discards it
    }

    /**
     * Thrown by {@link #receive} on an established association when the datagram given to the record
     * layer is used up: Bouncy Castle rethrows an {@code InterruptedIOException} (other than a
     * socket timeout) at once, without failing the connection, where a -1 would make it poll until
     * its wait time is over. No stack trace: it is a signal.
     */
    static final class NoDatagram extends java.io.InterruptedIOException {
        private static final long serialVersionUID = 1L;
        static final NoDatagram INSTANCE = new NoDatagram();

        private NoDatagram() {
            super("no datagram waiting");
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }

    /**
     * Queues a datagram Bouncy Castle sends, its epoch-0 records renumbered ({@link #renumbered}).
     *
     * @throws TlsFatalAlert {@code internal_error} when an epoch-0 record would need a sequence number
     *     past 2^48 - 1 (nothing is queued; Bouncy Castle fails the handshake, as it does when its own
     *     numbers run out)
     */
    @Override
    public synchronized void send(byte[] buf, int off, int len) throws TlsFatalAlert {
        // also once established: Bouncy Castle may resend its final flight (an epoch-0 ChangeCipherSpec)
        // with a number a copy of ours already used
        byte[] d = renumbered(java.util.Arrays.copyOfRange(buf, off, off + len));
        out.add(d);
        if (!direct) {
            burst.add(d);
        }
        notifyAll();
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (!direct) {
            in.clear();
            early.clear();
            releaseCharged();
        }
        notifyAll();
    }

    private void releaseCharged() {
        budget.release(charged);
        charged = 0;
    }

    /**
     * Queues a received datagram. During the handshake it is one record ({@link DtlsConnection} splits
     * datagrams), charged to the per-peer and the context's budget first; false when the queue is full
     * or a budget spent (the datagram is dropped and counted, as UDP would drop it). A record of a later
     * epoch that comes before any ChangeCipherSpec (a Finished that overtook it) is held, at most
     * {@value #MAX_EARLY}, and queued right after the ChangeCipherSpec: Bouncy Castle 1.84 would
     * discard it, and the handshake would wait for the peer's next retransmission.
     */
    synchronized boolean offer(byte[] d) {
        if (direct) {
            in.add(d); // established: the caller's thread takes it at once
            return true;
        }
        if (handshakeEnded || closed) {
            return false;
        }
        boolean nextEpoch = d.length >= RECORD_HEADER && (d[3] != 0 || d[4] != 0);
        if (nextEpoch && !changeCipherSpecReceived && early.size() >= MAX_EARLY) {
            budget.countDrop();
            return false;
        }
        if (in.size() + early.size() >= MAX_INBOUND || charged + d.length > budget.perPeer()) {
            budget.countDrop();
            return false;
        }
        if (!budget.reserve(d.length)) {
            return false;
        }
        charged += d.length;
        peakCharged = Math.max(peakCharged, charged);
        if (nextEpoch && !changeCipherSpecReceived) {
            // RFC 6347 section 4.1: a record of the next epoch that overtook the ChangeCipherSpec (say the
            // peer's Finished, reordered on the way) may be buffered; Bouncy Castle 1.84 discards it, so
            // it is held here and given to it right after the ChangeCipherSpec
            early.add(d);
            return true;
        }
        in.add(d);
        if (d.length >= RECORD_HEADER && d[0] == CONTENT_TYPE_CHANGE_CIPHER_SPEC && d[3] == 0 && d[4] == 0) {
            changeCipherSpecReceived = true;
            in.addAll(early);
            early.clear();
        }
        notifyAll();
        return true;
    }

    /** @return received bytes waiting for the handshake thread (charged to the budgets) */
    synchronized long pendingBytes() {
        return charged;
    }

    /** @return the most received bytes that ever waited for the handshake thread at once */
    synchronized long peakPendingBytes() {
        return peakCharged;
    }

    /**
     * Waits until the handshake thread waits for the peer with nothing left to read, or has ended.
     *
     * @return true when so; false when {@code maxMillis} passed first
     */
    synchronized boolean awaitIdle(long maxMillis) {
        long deadline = System.currentTimeMillis() + maxMillis;
        while (!(handshakeEnded || closed || (waiting && in.isEmpty()))) {
            long remaining = deadline - System.currentTimeMillis();
            if (remaining <= 0) {
                return false;
            }
            try {
                wait(remaining);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    /** The handshake thread ended; on success the queue turns direct (no waits). */
    synchronized void handshakeEnded(boolean established) {
        handshakeEnded = true;
        direct = established;
        waiting = false;
        releaseCharged(); // datagrams left over are the record layer's now (or dropped with a failed handshake)
        early.clear(); // a next-epoch record whose ChangeCipherSpec never came: nothing can use it
        if (!established) {
            in.clear();
        }
        lastFlight = List.of();
        burst = new ArrayList<>();
        notifyAll();
    }

    /**
     * Sends the last flight again, when the handshake thread waits for the peer and nothing else is
     * waiting to be sent: the engine's retransmission on {@code wrap} after the application's receive
     * timed out (as with the JDK's DTLS engine). RFC 6347 section 4.1: a retransmission goes out in
     * new records, since a peer discards a record number it has seen (section 4.1.2.6): the epoch-0
     * records of the copies (the unprotected handshake flights) get fresh sequence numbers
     * ({@link #renumbered}). A protected record (the Finished) keeps its number: it is sealed with
     * it, and a peer that got it needs no copy. Bouncy Castle's own timer (1 s, doubling up to
     * 60 s) also sends fresh ones.
     *
     * @return true when datagrams were queued
     */
    synchronized boolean replayLastFlight() {
        if (direct || handshakeEnded || !waiting || !in.isEmpty() || !out.isEmpty() || lastFlight.isEmpty()) {
            return false;
        }
        List<byte[]> copies = new ArrayList<>(lastFlight.size());
        try {
            for (byte[] d : lastFlight) {
                copies.add(renumbered(d.clone()));
            }
        } catch (TlsFatalAlert e) {
            return false; // the numbers ran out: no copy; Bouncy Castle's own timer fails the handshake
        }
        out.addAll(copies);
        return true;
    }

    /**
     * Gives every epoch-0 record in the datagram {@code d} (in place) a sequence number above all
     * epoch-0 numbers sent so far, and never below the one Bouncy Castle chose (which follows the
     * client's ClientHello on a server, RFC 6347 section 4.2.1): Bouncy Castle's own records keep
     * their numbers until a resent copy used them, then move up with the rest. Epoch-0 records carry
     * no MAC, so the number may change; a malformed or connection-ID record ends the walk. A server's
     * first number is the one of the client's ClientHello, which the client chooses: numbers never
     * wrap past 2^48 - 1 (RFC 6347 section 4.1); when one would, the datagram is refused.
     *
     * @return {@code d}
     * @throws TlsFatalAlert {@code internal_error} when an epoch-0 record would need a number past
     *     2^48 - 1 ({@code d} is then partly renumbered and must not be sent)
     */
    private byte[] renumbered(byte[] d) throws TlsFatalAlert {
        int off = 0;
        while (off + RECORD_HEADER <= d.length) {
            int epoch = ((d[off + 3] & 0xFF) << 8) | (d[off + 4] & 0xFF);
            int length = ((d[off + 11] & 0xFF) << 8) | (d[off + 12] & 0xFF);
            if (d[off] == CONTENT_TYPE_CID || off + RECORD_HEADER + length > d.length) {
                break;
            }
            if (epoch == 0) {
                long seq = 0;
                for (int i = off + 5; i < off + 11; i++) {
                    seq = (seq << 8) | (d[i] & 0xFF);
                }
                long fresh = Math.max(seq, nextEpoch0Sequence);
                if (fresh > MAX_SEQUENCE) {
                    throw new TlsFatalAlert(AlertDescription.internal_error,
                            "DTLS epoch-0 record sequence numbers exhausted (2^48, RFC 6347 section 4.1): the peer's"
                                    + " ClientHello was numbered too close to the limit");
                }
                for (int i = off + 10; i >= off + 5; i--) {
                    d[i] = (byte) (fresh >>> (8 * (off + 10 - i)));
                }
                nextEpoch0Sequence = fresh + 1;
            }
            off += RECORD_HEADER + length;
        }
        return d;
    }

    /** @return the size of the next datagram to send, or -1 when none */
    synchronized int nextOutputSize() {
        byte[] d = out.peek();
        return d == null ? -1 : d.length;
    }

    /** @return the next datagram to send, or null */
    synchronized byte[] pollOutput() {
        return out.poll();
    }

    /**
     * @return whether the handshake thread is at work (on received datagrams, on its retransmission
     *     timer, or starting), i.e. the engine's answer is not ready yet
     */
    synchronized boolean busy() {
        return !handshakeEnded && !closed && !(waiting && in.isEmpty());
    }

    /** @return whether the handshake thread has ended (completed or failed) */
    synchronized boolean ended() {
        return handshakeEnded;
    }
}
