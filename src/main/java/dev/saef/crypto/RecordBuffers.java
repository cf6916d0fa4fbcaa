package dev.saef.crypto;

import java.util.Arrays;

/**
 * A small process-wide pool of record-sized scratch buffers, so that an established but idle
 * connection holds none: a connection borrows a buffer for the duration of one operation (one
 * record sealed or opened, one record copied in or out) and gives it back, zeroed, when the
 * operation is over. While data flows the same few buffers go round, so the steady path allocates
 * nothing; with many idle connections the heap holds only the pool (at most {@link #slots()}
 * buffers of {@link #RECORD_CAPACITY} octets).
 *
 * <p>Buffers of up to {@link #RECORD_CAPACITY} octets come from the pool; a larger request gets a
 * fresh array that is zeroed on release and not kept. {@link #release} zeroes the range the
 * caller says it used before the buffer becomes visible to any other borrower, so plaintext, key
 * stream and MAC state never pass from one connection to another. The pool is lock-free (one
 * compare-and-set per borrow or release) and never blocks: when every slot is empty a borrower
 * allocates, when every slot is full a released buffer is dropped.
 */
public final class RecordBuffers {

    /**
     * Capacity of a pooled buffer: a TLS or DTLS record of the largest size (2^14 octets of
     * plaintext, 2048 of expansion, RFC 5246 section 6.2.3) plus a record header and slack for the
     * CCM header blocks.
     */
    public static final int RECORD_CAPACITY = (1 << 14) + 2048 + 64;

    private static final BufferSlots POOL = new BufferSlots();

    private RecordBuffers() {
    }

    /** @return how many buffers the pool keeps at most */
    public static int slots() {
        return POOL.length();
    }

    /**
     * Borrows a zeroed buffer of at least {@code size} octets; give it back with {@link #release}.
     *
     * @param size octets needed
     * @return a zeroed array of at least {@code size} octets (exactly {@link #RECORD_CAPACITY} for a
     *     request that fits a pooled buffer)
     */
    public static byte[] borrow(int size) {
        if (size > RECORD_CAPACITY) {
            return new byte[size];
        }
        return POOL.take();
    }

    /**
     * Zeroes {@code buf[0, used)} and gives the buffer back to the pool (or drops it when the pool is
     * full or it is not a pooled size). {@code null} is ignored.
     *
     * @param buf a buffer from {@link #borrow}, which the caller must not use afterwards
     * @param used the octets the caller may have written, from offset 0
     */
    public static void release(byte[] buf, int used) {
        if (buf == null) {
            return;
        }
        Arrays.fill(buf, 0, Math.min(Math.max(used, 0), buf.length), (byte) 0);
        POOL.put(buf);
    }

    /** For tests: whether every buffer in the pool is all-zero. */
    static boolean pooledBuffersAreZero() {
        for (int i = 0; i < POOL.length(); i++) {
            byte[] b = POOL.peek(i);
            if (b != null && !Arrays.equals(b, new byte[b.length])) {
                return false;
            }
        }
        return true;
    }
}
