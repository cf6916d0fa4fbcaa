package dev.saef.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Arrays;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.DatagramSender;
import org.bouncycastle.tls.TlsFatalAlert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The epoch-0 renumbering of {@link DatagramQueue} never wraps a record sequence number (RFC 6347
 * section 4.1: 48 bits, no wrap). A server's first records take the number of the client's ClientHello
 * (section 4.2.1), which the client chooses: a ClientHello numbered 2^48 - 2 left a server's resent
 * flight numbered 0, 1, ... (found by reading the code behind {@code DatagramQueueFuzzTest}, whose
 * oracle checks it too). Now such a datagram is refused with {@code internal_error}, as Bouncy Castle
 * refuses its own numbers past the limit, and a retransmission that would need one is not made.
 */
@Timeout(20)
class DatagramQueueSequenceTest {

    static final long MAX_SEQUENCE = (1L << 48) - 1;

    static byte[] record(int type, int epoch, long seq, int bodyLength) {
        byte[] r = new byte[13 + bodyLength];
        r[0] = (byte) type;
        r[1] = (byte) 0xfe;
        r[2] = (byte) 0xfd;
        r[3] = (byte) (epoch >>> 8);
        r[4] = (byte) epoch;
        for (int k = 0; k < 6; k++) {
            r[5 + k] = (byte) (seq >>> (8 * (5 - k)));
        }
        r[11] = (byte) (bodyLength >>> 8);
        r[12] = (byte) bodyLength;
        return r;
    }

    static long seq(byte[] d, int recordOffset) {
        long v = 0;
        for (int k = 0; k < 6; k++) {
            v = (v << 8) | (d[recordOffset + 5 + k] & 0xff);
        }
        return v;
    }

    static byte[] flight(long firstSeq) {
        byte[] a = record(22, 0, firstSeq, 40);
        byte[] b = record(22, 0, firstSeq + 1, 12);
        byte[] d = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, d, a.length, b.length);
        return d;
    }

    @Test
    void numbersUpToTheLimitPassAndNoneWrapsPastIt() throws IOException {
        DatagramQueue q = new DatagramQueue(1400, new HandshakeBudget(1 << 20, 1 << 20));
        DatagramSender sender = q;
        byte[] flight = flight(MAX_SEQUENCE - 1);
        sender.send(flight, 0, flight.length);
        byte[] sent = q.pollOutput();
        assertArrayEquals(flight, sent, "the last two numbers are still used as they are");

        byte[] again = flight(5); // a resend, numbered by Bouncy Castle from its own counter
        TlsFatalAlert e = assertThrows(TlsFatalAlert.class, () -> sender.send(again, 0, again.length),
                "a resent record would have wrapped to sequence number 0");
        assertEquals(AlertDescription.internal_error, e.getAlertDescription());
        assertNull(q.pollOutput(), "nothing is queued");

        byte[] protectedRecord = record(22, 1, 0, 40); // epoch 1 has numbers of its own
        sender.send(protectedRecord, 0, protectedRecord.length);
        assertArrayEquals(protectedRecord, q.pollOutput());
    }

    @Test
    void aRetransmissionThatWouldWrapIsNotMade() throws Exception {
        DatagramQueue q = new DatagramQueue(1400, new HandshakeBudget(1 << 20, 1 << 20));
        byte[] flight = flight(MAX_SEQUENCE - 1);
        ((DatagramSender) q).send(flight, 0, flight.length);
        assertEquals(seq(flight, 0), seq(q.pollOutput(), 0));
        Thread handshake = new Thread(() -> {
            try {
                q.receive(new byte[1400], 0, 1400, 10_000); // the handshake thread waits for the peer
            } catch (IOException expected) {
                // closed below
            }
        });
        handshake.start();
        try {
            long end = System.nanoTime() + 5_000_000_000L;
            while (q.busy() && System.nanoTime() < end) {
                Thread.sleep(5);
            }
            assertFalse(q.busy(), "the handshake thread waits");
            assertFalse(q.replayLastFlight(), "a copy would need sequence numbers 2^48 and 2^48 + 1");
            assertEquals(-1, q.nextOutputSize(), "no wrapped copy queued");
        } finally {
            q.close();
            handshake.join(5_000);
        }
        assertTrue(!handshake.isAlive());
    }
}
