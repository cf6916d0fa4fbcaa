package dev.saef.protocol;

import dev.saef.crypto.RecordBuffers;
import java.nio.ByteBuffer;

/**
 * The received application data of one TLS connection, waiting to be read: it holds a buffer only
 * while it holds data. The buffer is borrowed from {@link RecordBuffers} when the first octets
 * arrive and given back, zeroed, as soon as the application has read the last one, so an
 * established, idle connection keeps no array here, and while data flows the same pooled buffers go
 * round (no allocation per record).
 *
 * <p>It replaces Bouncy Castle's private application-data queue of {@code TlsProtocol} (a
 * {@code ByteQueue} that keeps its largest array, 32 KiB once a full record arrived, for the life of
 * the connection and leaves the plaintext in it): {@link SaefClientProtocol} and
 * {@link SaefServerProtocol} put decrypted application records here instead. Plaintext is zeroed
 * when the buffer is given back. Not thread-safe: the connection's lock guards it.
 *
 * <p>Direct delivery: while the transport offers one record on behalf of a caller whose buffers are
 * known ({@code SSLEngine.unwrap}'s {@code dsts}, {@link #deliverTo}), an application record's
 * plaintext goes straight into those buffers instead of through this queue, when nothing is queued
 * (order is kept: queued data always comes first) and the whole record fits (else it is queued as
 * usual). This is called only with plaintext whose record was authenticated: Bouncy Castle hands a
 * record to {@code processRecord} after its record cipher verified it.
 */
final class PlaintextQueue {

    private byte[] buf;
    private int start;
    private int count;
    /** Octets of {@link #buf} written since it was borrowed, from offset 0: zeroed on release. */
    private int dirty;

    /** The caller's buffers while {@link #deliverTo} is in force, else null. */
    private ByteBuffer[] direct;
    private int directOffset;
    private int directLength;
    /** Octets put into {@link #direct} since {@link #deliverTo}. */
    private int delivered;

    /**
     * Until {@link #endDelivery()}: authenticated plaintext may go straight into {@code dsts[offset,
     * offset + length)} ({@link #deliver}).
     */
    void deliverTo(ByteBuffer[] dsts, int offset, int length) {
        direct = dsts;
        directOffset = offset;
        directLength = length;
        delivered = 0;
    }

    /** Ends {@link #deliverTo}; @return the octets delivered into the caller's buffers meanwhile */
    int endDelivery() {
        int n = delivered;
        direct = null;
        delivered = 0;
        return n;
    }

    /**
     * Puts one record's plaintext straight into the caller's buffers, when {@link #deliverTo} is in
     * force, nothing is queued and the whole record fits; all or nothing.
     *
     * @return true when delivered; false when the caller must {@link #add} it instead
     */
    boolean deliver(byte[] src, int off, int len) {
        ByteBuffer[] d = direct;
        if (d == null || count > 0) {
            return false;
        }
        long room = 0;
        for (int i = directOffset; i < directOffset + directLength; i++) {
            room += d[i].remaining();
        }
        if (room < len) {
            return false;
        }
        int done = 0;
        for (int i = directOffset; i < directOffset + directLength && done < len; i++) {
            ByteBuffer b = d[i];
            int n = Math.min(b.remaining(), len - done);
            if (b.hasArray() && b.array() == src && b.arrayOffset() + b.position() == off + done) {
                b.position(b.position() + n); // decrypted into this buffer already (DecodeTarget)
            } else {
                b.put(src, off + done, n);
            }
            done += n;
        }
        delivered += len;
        return true;
    }

    /** @return octets waiting to be read */
    int available() {
        return count;
    }

    /** Appends {@code len} octets of plaintext. */
    void add(byte[] src, int off, int len) {
        if (len <= 0) {
            return;
        }
        if (buf == null) {
            buf = RecordBuffers.borrow(len);
            start = 0;
            dirty = 0;
        } else if (start + count + len > buf.length) {
            if (count + len <= buf.length) {
                System.arraycopy(buf, start, buf, 0, count); // stale octets beyond stay below dirty
            } else {
                byte[] bigger = RecordBuffers.borrow(Math.max(count + len, 2 * buf.length));
                System.arraycopy(buf, start, bigger, 0, count);
                RecordBuffers.release(buf, dirty);
                buf = bigger;
                dirty = count;
            }
            start = 0;
        }
        System.arraycopy(src, off, buf, start + count, len);
        count += len;
        dirty = Math.max(dirty, start + count);
    }

    /** Moves up to {@code len} octets into {@code dst}; @return the octets moved */
    int read(byte[] dst, int off, int len) {
        int n = Math.min(len, count);
        if (n <= 0) {
            return 0;
        }
        System.arraycopy(buf, start, dst, off, n);
        consumed(n);
        return n;
    }

    /** Moves up to {@code len} octets into {@code dst}; @return the octets moved */
    int read(ByteBuffer dst, int len) {
        int n = Math.min(Math.min(len, count), dst.remaining());
        if (n <= 0) {
            return 0;
        }
        dst.put(buf, start, n);
        consumed(n);
        return n;
    }

    private void consumed(int n) {
        start += n;
        count -= n;
        if (count == 0) {
            release();
        }
    }

    /** Zeroes and gives back the buffer, dropping any unread octets. */
    void release() {
        byte[] b = buf;
        buf = null;
        start = 0;
        count = 0;
        RecordBuffers.release(b, dirty);
        dirty = 0;
    }
}
