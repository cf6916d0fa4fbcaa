package dev.saef.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.saef.fuzz.FuzzInput;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.DatagramSender;
import org.bouncycastle.tls.TlsFatalAlert;

/**
 * Coverage-guided fuzzing (Jazzer) of the record renumbering of {@link DatagramQueue} (its private
 * {@code renumbered}, reached as Bouncy Castle reaches it: through {@link DatagramQueue#send}), which
 * rewrites the epoch-0 sequence numbers of every datagram a DTLS handshake sends, including the
 * records of a server whose first number follows the client's ClientHello (RFC 6347 section 4.2.1),
 * chosen by an unauthenticated peer.
 *
 * <p>Oracle, for a series of datagrams sent through one queue, each at an offset in a larger buffer:
 * {@code send} throws nothing but its documented {@link TlsFatalAlert} ({@code internal_error}, when
 * the epoch-0 numbers would pass 2^48 - 1: RFC 6347 section 4.1, a sequence number never wraps), and
 * then queues nothing; otherwise exactly one datagram is queued, of the same length, with the same
 * records (count, types, lengths: the walk of an independent reader), in which only the sequence
 * numbers of epoch-0 records changed, each to {@code max(its own, one above the last given)}: never
 * lower than Bouncy Castle's, strictly increasing over the queue's life, never wrapped. A
 * {@code tls12_cid} record or a malformed one ends the walk; what follows is left as it was.
 *
 * <p>Input ({@link FuzzInput}): repeated {offset (0..7), trailing junk (0..7), a 16-bit length modulo
 * 2049, the datagram}.
 */
class DatagramQueueFuzzTest {

    private static final int HEADER = 13;
    private static final long MAX_SEQ = (1L << 48) - 1;

    @FuzzTest(maxDuration = "10m")
    void renumber(byte[] data) {
        FuzzInput in = new FuzzInput(data);
        DatagramQueue q = new DatagramQueue(16_709, new HandshakeBudget(1 << 20, 1 << 20));
        DatagramSender sender = q;
        long next = 0; // the model: the next unused epoch-0 number
        for (int round = 0; round < 64 && in.hasMore(); round++) {
            int off = in.u8() % 8;
            int after = in.u8() % 8;
            byte[] d = in.lengthPrefixed(2048);
            byte[] buf = new byte[off + d.length + after];
            Arrays.fill(buf, (byte) 0xA5);
            System.arraycopy(d, 0, buf, off, d.length);

            long[] model = {next};
            boolean overflows = modelOverflows(d, model);
            try {
                sender.send(buf, off, d.length); // as Bouncy Castle calls it
            } catch (TlsFatalAlert e) {
                assertEquals(AlertDescription.internal_error, e.getAlertDescription());
                assertTrue(overflows, "a TlsFatalAlert although no number passes 2^48 - 1");
                assertNull(q.pollOutput(), "nothing is queued when the numbers are exhausted");
                next = model[0];
                continue;
            } catch (IOException e) {
                throw new AssertionError("an undocumented IOException", e);
            }
            assertTrue(!overflows, "an epoch-0 number past 2^48 - 1 was due: the datagram was sent instead of refused");
            byte[] out = q.pollOutput();
            assertNotNull(out, "send queued nothing");
            assertNull(q.pollOutput(), "send queued more than one datagram");
            next = check(d, out, next);
            assertEquals(model[0], next);
        }
    }

    /** @return whether renumbering {@code d} from {@code next[0]} would pass 2^48 - 1 */
    private static boolean modelOverflows(byte[] d, long[] next) {
        int off = 0;
        while (off + HEADER <= d.length) {
            int length = u16(d, off + 11);
            if ((d[off] & 0xff) == 25 || off + HEADER + length > d.length) {
                break;
            }
            if (u16(d, off + 3) == 0) {
                long fresh = Math.max(u48(d, off + 5), next[0]);
                if (fresh > MAX_SEQ) {
                    return true;
                }
                next[0] = fresh + 1;
            }
            off += HEADER + length;
        }
        return false;
    }

    /** Checks {@code out} against {@code in} record by record; @return the model's next number */
    private static long check(byte[] in, byte[] out, long next) {
        assertEquals(in.length, out.length, "the datagram changed length");
        boolean[] mayChange = new boolean[in.length];
        int off = 0;
        int records = 0;
        while (off + HEADER <= in.length) {
            int length = u16(in, off + 11);
            assertEquals(length, u16(out, off + 11), "a record length changed");
            if ((in[off] & 0xff) == 25 || off + HEADER + length > in.length) {
                break;
            }
            records++;
            if (u16(in, off + 3) == 0) {
                long seqIn = u48(in, off + 5);
                long seqOut = u48(out, off + 5);
                long fresh = Math.max(seqIn, next);
                assertEquals(fresh, seqOut, "record " + records + ": epoch-0 number " + seqIn + " became " + seqOut
                        + ", not max(own, next unused " + next + ")");
                next = fresh + 1;
                for (int i = off + 5; i < off + 11; i++) {
                    mayChange[i] = true;
                }
            }
            off += HEADER + length;
        }
        for (int i = 0; i < in.length; i++) {
            if (!mayChange[i]) {
                assertEquals(in[i], out[i], "octet " + i + " changed outside an epoch-0 sequence number");
            }
        }
        return next;
    }

    private static int u16(byte[] d, int i) {
        return (d[i] & 0xff) << 8 | (d[i + 1] & 0xff);
    }

    private static long u48(byte[] d, int i) {
        long v = 0;
        for (int k = 0; k < 6; k++) {
            v = (v << 8) | (d[i + k] & 0xff);
        }
        return v;
    }

    /**
     * Writes the seeds: a server's first flight (ServerHello, ServerHelloDone: two epoch-0 records
     * after a ClientHello numbered 5), its resent copy, a ChangeCipherSpec with an epoch-1 Finished, a
     * datagram with a connection-ID record in front, a record whose length overruns the datagram, and
     * a flight numbered up to 2^48 - 1 followed by a resend (which must be refused, not wrapped).
     * Run from the project root with the test class path.
     */
    public static void main(String[] args) throws Exception {
        Path dir = Paths.get(args.length > 0 ? args[0]
                : "src/test/resources/dev/saef/protocol/DatagramQueueFuzzTestInputs/renumber");
        Files.createDirectories(dir);
        byte[] serverHello = record(22, 0, 5, new byte[48]);
        byte[] serverHelloDone = record(22, 0, 6, new byte[12]);
        byte[] flight = concat(serverHello, serverHelloDone);
        byte[] finished = concat(record(20, 0, 7, new byte[] {1}), record(22, 1, 0, new byte[40]));
        byte[] cid = concat(record(25, 1, 3, new byte[30]), record(22, 0, 9, new byte[12]));
        byte[] overrun = Arrays.copyOf(record(22, 0, 2, new byte[20]), 20);
        Files.write(dir.resolve("seed-server-flight-resent"), concat(entry(flight), entry(flight)));
        Files.write(dir.resolve("seed-finished-flight"), concat(entry(flight), entry(finished)));
        Files.write(dir.resolve("seed-cid-first"), entry(cid));
        Files.write(dir.resolve("seed-overrun"), concat(entry(overrun), entry(flight)));
        long max = (1L << 48) - 1;
        byte[] last = concat(record(22, 0, max - 1, new byte[48]), record(22, 0, max, new byte[12]));
        Files.write(dir.resolve("seed-numbers-exhausted"), concat(concat(entry(last), entry(flight)), entry(finished)));
    }

    private static byte[] record(int type, int epoch, long seq, byte[] body) {
        byte[] r = new byte[HEADER + body.length];
        r[0] = (byte) type;
        r[1] = (byte) 0xfe;
        r[2] = (byte) 0xfd;
        r[3] = (byte) (epoch >>> 8);
        r[4] = (byte) epoch;
        for (int k = 0; k < 6; k++) {
            r[5 + k] = (byte) (seq >>> (8 * (5 - k)));
        }
        r[11] = (byte) (body.length >>> 8);
        r[12] = (byte) body.length;
        System.arraycopy(body, 0, r, HEADER, body.length);
        return r;
    }

    private static byte[] entry(byte[] d) {
        return concat(new byte[] {1, 2, (byte) (d.length >>> 8), (byte) d.length}, d);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.writeBytes(a);
        o.writeBytes(b);
        return o.toByteArray();
    }
}
