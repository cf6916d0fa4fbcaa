package dev.saef.crypto;


/**
 * The buffer an outgoing TLS record is encoded into, lent to the calling thread for the duration of
 * one connection operation.
 *
 * <p>Bouncy Castle's TLS record layer ({@code RecordStream.writeRecord} in bctls 1.84) asks the record
 * cipher for the encoded record ({@code TlsCipher.encodePlaintext}), writes its header, and copies it to
 * the connection's output queue ({@code ByteQueueOutputStream.write}, non-blocking mode, the only mode
 * SAEF runs {@code TlsProtocol} in) before it returns; nothing keeps a reference to the encoded array.
 * So one array per thread is enough for every record that thread encodes: the record ciphers of this
 * package ({@link AeadRecordCipher}, {@link CbcRecordCipher}) encode into {@link #lease}, and the
 * connection gives the buffer back with {@link #releaseThread()} when its operation (wrap, unwrap,
 * write, close) is over, so that an idle thread, like an idle connection, holds no record-sized buffer.
 * A thread that never calls {@link #releaseThread()} keeps one buffer, never more.
 *
 * <p>The buffer only ever holds ciphertext and record headers, which go on the wire anyway: the
 * ciphers encrypt from the caller's plaintext into it, and zero what they wrote if encoding fails.
 * So it is not zeroed when given back (zeroing 16 KiB per operation cost about 5% of bulk
 * throughput), and, for that reason, it goes to a small pool of its own rather than to
 * {@link RecordBuffers} (whose borrowers get zeroed buffers): only the record ciphers of this package
 * ever see these buffers, and they overwrite what they send. The pool is lock-free and bounded like
 * {@link RecordBuffers}'; a larger request gets an array that is not kept.
 *
 * <p>The same pool lends the {@code SSLEngine} the buffer it copies a received record into
 * ({@link #borrowRecord}, {@link #releaseRecord}): when the record was decrypted straight into the
 * caller's buffer ({@link DecodeTarget}) the buffer holds only the record as received and goes back
 * as it is; otherwise (decrypted in place, or refused) the record's range is zeroed first, so that the
 * pool never holds plaintext.
 *
 * <p>DTLS ({@code DTLSRecordLayer}) hands the encoded record to a {@code DatagramTransport}, whose
 * {@code send} need not copy it: the DTLS record ciphers keep Bouncy Castle's own encoding (one array
 * per record).
 */
public final class RecordScratch {

    private static final ThreadLocal<byte[][]> LEASE = ThreadLocal.withInitial(() -> new byte[1][]);

    private static final BufferSlots POOL = new BufferSlots();

    private RecordScratch() {
    }

    /**
     * The calling thread's encode buffer, taken from the pool if it holds none (or a smaller one). The
     * previous content is overwritten: call only when no encoded record of this thread is still waiting
     * to be copied. Its content is undefined (earlier ciphertext).
     *
     * @param size octets needed
     * @return an array of at least {@code size} octets
     */
    static byte[] lease(int size) {
        byte[][] l = LEASE.get();
        byte[] b = l[0];
        if (b == null || b.length < size) {
            giveBack(l);
            b = take(size);
            l[0] = b;
        }
        return b;
    }

    /** Gives the calling thread's encode buffer back to the pool, if it holds one. */
    public static void releaseThread() {
        giveBack(LEASE.get());
    }

    /**
     * Whether the calling thread holds an encode buffer (diagnostics and tests: after a connection
     * operation returned it holds none).
     *
     * @return {@code true} between a {@link #lease} and the next {@link #releaseThread()}
     */
    public static boolean held() {
        return LEASE.get()[0] != null;
    }

    /**
     * A buffer from this pool for one received record, for a transport that copies the record in and
     * lends the caller's buffer as {@link DecodeTarget}: give it back with {@link #releaseRecord}. Its
     * content is undefined (earlier records as they were on the wire).
     *
     * @param size octets needed
     * @return an array of at least {@code size} octets
     */
    public static byte[] borrowRecord(int size) {
        return take(size);
    }

    /**
     * Gives back a buffer of {@link #borrowRecord}. Only wire data (records as sent or received, never
     * decrypted in place) may go back as it is; else the caller says how many octets from offset 0 to
     * zero first.
     *
     * @param buf the buffer, which the caller must not use afterwards; null is ignored
     * @param zero octets from offset 0 that may hold plaintext and are zeroed, 0 when it holds only wire data
     */
    public static void releaseRecord(byte[] buf, int zero) {
        if (buf == null) {
            return;
        }
        java.util.Arrays.fill(buf, 0, Math.min(Math.max(zero, 0), buf.length), (byte) 0);
        put(buf);
    }

    private static byte[] take(int size) {
        return size > RecordBuffers.RECORD_CAPACITY ? new byte[size] : POOL.take();
    }

    private static void giveBack(byte[][] l) {
        byte[] b = l[0];
        if (b == null) {
            return;
        }
        l[0] = null;
        put(b);
    }

    private static void put(byte[] b) {
        POOL.put(b);
    }
}
