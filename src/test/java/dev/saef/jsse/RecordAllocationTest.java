package dev.saef.jsse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saef.crypto.RecordScratch;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.Arrays;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 10 item 4, "no per-record allocation on the steady path": after a handshake and a warm-up,
 * moving full-size (16 KiB) records from a client to a server engine in memory allocates no
 * record-sized array, wrap and unwrap together, for AES-GCM, AES-CCM_8 and AES-CBC; and the thread that
 * did it holds no encode buffer afterwards (an idle thread, like an idle connection, keeps none).
 *
 * <p>Before {@code AeadRecordCipher} and {@code CbcRecordCipher}, Bouncy Castle's record layer
 * ({@code TlsAEADCipher} and {@code TlsBlockCipher.encodePlaintext} in 1.84) returned every encoded
 * record in a fresh array: about 17-18.7 KB per record. Before {@code InPlaceBlockCipher}, the JDK's
 * CBC cipher also copied the whole record on each in-place call (three record-sized arrays, about
 * 50 KB). What is left is small objects: the JDK's GCM builds a new engine and GHASH state per record
 * (about 2.5 KB), Bouncy Castle's encode and decode results, the {@link SSLEngineResult}s.
 *
 * <p>Measured with {@code com.sun.management.ThreadMXBean#getThreadAllocatedBytes} on the test
 * thread over many records: a bound on bytes, not on time, so a loaded machine does not change the
 * outcome.
 */
class RecordAllocationTest {

    /** Records moved in the measured run. */
    static final int RECORDS = 2_000;
    static final int RECORD = 16_384;
    /**
     * Allowed allocation per record, wrap + unwrap together: a quarter of a record, room for the small
     * objects above (GCM: about 2.5 KB; CCM_8 and CBC: under 1 KB). One record-sized array exceeds it.
     */
    static final long BOUND = RECORD / 4;

    private static com.sun.management.ThreadMXBean threads;

    @BeforeAll
    static void allocationCounting() {
        threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assertTrue(threads.isThreadAllocatedMemorySupported(), "this JVM cannot count allocated bytes");
        threads.setThreadAllocatedMemoryEnabled(true);
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLS_PSK_WITH_AES_128_GCM_SHA256", "TLS_PSK_WITH_AES_128_CCM_8",
            "TLS_PSK_WITH_AES_128_CBC_SHA256"})
    void steadyBulkAllocatesNoRecordSizedArray(String suite) throws Exception {
        EnginePair p = EngineHandshakeTest.pair("/id-mn1");
        p.client.setEnabledCipherSuites(new String[] {suite});
        p.handshake();
        assertEquals(suite, p.client.getSession().getCipherSuite());
        Mover m = new Mover(p.client, p.server);
        m.records(RECORDS); // warm-up: pools filled, queues grown, code compiled where the JIT wants
        long perRecord = allocatedPerRecord(m, RECORDS);
        System.out.println(suite + ": " + perRecord + " bytes allocated per 16 KiB record (wrap + unwrap)");
        assertTrue(perRecord <= BOUND, suite + ": " + perRecord + " bytes allocated per 16 KiB record (wrap + unwrap),"
                + " bound " + BOUND + ": something on the record path allocates a record-sized array");
        assertFalse(RecordScratch.held(), "the thread still holds its encode buffer after wrap and unwrap");
    }

    /**
     * DTLS, established, in memory: each 1 KiB datagram (client wrap, server unwrap) allocates less
     * than one maximum-size packet. Bouncy Castle 1.84's DTLS record layer allocates its receive
     * buffer at the transport's receive limit for every datagram; before {@code DatagramQueue}
     * reported the waiting datagram's size as that limit, this was a 16 KiB buffer per datagram
     * (about 21.6 KB per 1 KiB datagram in all; now about 6 KB, the datagram copies and Bouncy
     * Castle's encoded record).
     */
    @Test
    void steadyDtlsAllocatesNoPacketSizedBufferPerDatagram() throws Exception {
        SSLEngine[] pair = DtlsIdlePairs.handshake(DtlsIdlePairs.contexts(), 40_000);
        SSLEngine client = pair[0];
        SSLEngine server = pair[1];
        byte[] payload = new byte[1024];
        ByteBuffer net = ByteBuffer.allocate(client.getSession().getPacketBufferSize());
        ByteBuffer app = ByteBuffer.allocate(server.getSession().getApplicationBufferSize());
        long tid = Thread.currentThread().getId();
        long before = 0;
        for (int i = 0; i < 2 * RECORDS; i++) {
            if (i == RECORDS) { // the first half warms up
                before = threads.getThreadAllocatedBytes(tid);
            }
            net.clear();
            SSLEngineResult r = client.wrap(ByteBuffer.wrap(payload), net);
            assertEquals(SSLEngineResult.Status.OK, r.getStatus(), "wrap");
            net.flip();
            app.clear();
            r = server.unwrap(net, app);
            assertEquals(SSLEngineResult.Status.OK, r.getStatus(), "unwrap");
            assertEquals(payload.length, app.position(), "unwrapped octets");
        }
        long perDatagram = (threads.getThreadAllocatedBytes(tid) - before) / RECORDS;
        System.out.println("DTLS CCM_8: " + perDatagram + " bytes allocated per 1 KiB datagram (wrap + unwrap)");
        assertTrue(perDatagram <= DTLS_BOUND, perDatagram + " bytes allocated per 1 KiB DTLS datagram, bound "
                + DTLS_BOUND + ": something allocates a packet-sized buffer per datagram");
    }

    /** Allowed allocation per 1 KiB DTLS datagram: well under one 16 KiB receive buffer. */
    static final long DTLS_BOUND = 10 * 1024;

    static long allocatedPerRecord(Mover m, int records) throws SSLException {
        long tid = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(tid);
        m.records(records);
        long after = threads.getThreadAllocatedBytes(tid);
        return (after - before) / records;
    }

    /** Wraps 16 KiB records on one engine and unwraps them on the other, with buffers made once. */
    static final class Mover {
        private final SSLEngine from;
        private final SSLEngine to;
        private final ByteBuffer plain;
        private final ByteBuffer net;
        private final ByteBuffer app;
        private final byte[] data;

        Mover(SSLEngine from, SSLEngine to) {
            this.from = from;
            this.to = to;
            data = new byte[RECORD];
            new java.util.Random(7).nextBytes(data);
            plain = ByteBuffer.wrap(data);
            net = ByteBuffer.allocate(Math.max(from.getSession().getPacketBufferSize(), RECORD + 4096));
            app = ByteBuffer.allocate(Math.max(to.getSession().getApplicationBufferSize(), RECORD));
        }

        void records(int n) throws SSLException {
            for (int i = 0; i < n; i++) {
                plain.clear();
                net.clear();
                SSLEngineResult r = from.wrap(plain, net);
                if (r.getStatus() != SSLEngineResult.Status.OK || plain.hasRemaining()) {
                    throw new SSLException("wrap: " + r);
                }
                net.flip();
                app.clear();
                r = to.unwrap(net, app);
                if (r.getStatus() != SSLEngineResult.Status.OK || app.position() != RECORD || net.hasRemaining()) {
                    throw new SSLException("unwrap: " + r + ", " + app.position() + " octets");
                }
            }
            if (!Arrays.equals(data, 0, 16, app.array(), 0, 16)) {
                throw new SSLException("data corrupted");
            }
        }
    }
}
