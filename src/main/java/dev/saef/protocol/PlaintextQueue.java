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
 */
final class PlaintextQueue {

    private byte[] buf;
    private int start;
    private int count;
    /** Octets of {@link #buf} written since it was borrowed, from offset 0: zeroed on release. */
    private int dirty;

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
