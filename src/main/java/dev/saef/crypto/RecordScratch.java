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
 * <p>The buffer only ever holds ciphertext and record headers (the ciphers encrypt from the caller's
 * plaintext into it, and zero it if encoding fails); it is zeroed as far as it was leased before it goes
 * back to {@link RecordBuffers}, whose borrowers get zeroed buffers. DTLS ({@code DTLSRecordLayer})
 * hands the encoded record to a {@code DatagramTransport}, whose {@code send} need not copy it: the DTLS
 * record ciphers keep Bouncy Castle's own encoding (one array per record).
 */
public final class RecordScratch {

    private static final ThreadLocal<Lease> LEASE = ThreadLocal.withInitial(Lease::new);

    /** A thread's leased buffer and how far it was leased (the octets to zero on release). */
    private static final class Lease {
        byte[] buf;
        int used;
    }

    private RecordScratch() {
    }

    /**
     * The calling thread's encode buffer, borrowed from {@link RecordBuffers} if it holds none (or a
     * smaller one). The previous content is overwritten: call only when no encoded record of this
     * thread is still waiting to be copied.
     *
     * @param size octets needed
     * @return an array of at least {@code size} octets
     */
    static byte[] lease(int size) {
        Lease l = LEASE.get();
        byte[] b = l.buf;
        if (b == null || b.length < size) {
            release(l);
            b = RecordBuffers.borrow(size);
            l.buf = b;
        }
        l.used = Math.max(l.used, size);
        return b;
    }

    /**
     * Zeroes the calling thread's encode buffer as far as it was leased and gives it back to
     * {@link RecordBuffers}, if the thread holds one.
     */
    public static void releaseThread() {
        release(LEASE.get());
    }

    private static void release(Lease l) {
        byte[] b = l.buf;
        if (b != null) {
            l.buf = null;
            RecordBuffers.release(b, l.used);
            l.used = 0;
        }
    }

    /**
     * Whether the calling thread holds an encode buffer (diagnostics and tests: after a connection
     * operation returned it holds none).
     *
     * @return {@code true} between a {@link #lease} and the next {@link #releaseThread()}
     */
    public static boolean held() {
        return LEASE.get().buf != null;
    }
}
