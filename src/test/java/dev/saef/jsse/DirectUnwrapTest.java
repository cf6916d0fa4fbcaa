package dev.saef.jsse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code SSLEngine.unwrap} puts an application record's plaintext straight into the caller's buffer
 * (decrypted there for AES-GCM and AES-CCM, copied once for CBC) instead of through the received-data
 * queue: the data arrives intact wherever the destination starts (a slice of a larger array, a
 * non-zero position, a direct buffer, several buffers), {@code bytesProduced} counts it, data that
 * does not fit the first buffer is spread as before, and a tampered record leaves no plaintext in the
 * destination.
 */
class DirectUnwrapTest {

    private static final int RECORD = 16_384;

    private static EnginePair established(String suite) throws Exception {
        EnginePair p = EngineHandshakeTest.pair("/id-mn1");
        p.client.setEnabledCipherSuites(new String[] {suite});
        p.handshake();
        assertEquals(suite, p.client.getSession().getCipherSuite());
        return p;
    }

    /** One full record from the client, as it goes on the wire. */
    private static ByteBuffer record(SSLEngine client, byte[] data) throws SSLException {
        ByteBuffer net = ByteBuffer.allocate(client.getSession().getPacketBufferSize());
        SSLEngineResult r = client.wrap(ByteBuffer.wrap(data), net);
        assertEquals(SSLEngineResult.Status.OK, r.getStatus());
        assertEquals(data.length, r.bytesConsumed());
        return net.flip();
    }

    private static byte[] data(int seed) {
        byte[] d = new byte[RECORD];
        new Random(seed).nextBytes(d);
        return d;
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLS_PSK_WITH_AES_128_GCM_SHA256", "TLS_PSK_WITH_AES_128_CCM_8",
            "TLS_PSK_WITH_AES_128_CBC_SHA256"})
    void plaintextLandsWhereTheDestinationStarts(String suite) throws Exception {
        EnginePair p = established(suite);
        byte[] backing = new byte[3 * RECORD];
        Arrays.fill(backing, (byte) 0x5A);
        ByteBuffer dst = ByteBuffer.wrap(backing, 100, 2 * RECORD).slice(); // arrayOffset 100
        dst.position(7);
        for (int i = 0; i < 3; i++) {
            byte[] d = data(i);
            Arrays.fill(backing, (byte) 0x5A);
            int start = dst.position();
            SSLEngineResult r = p.server.unwrap(record(p.client, d), dst);
            assertEquals(SSLEngineResult.Status.OK, r.getStatus());
            assertEquals(RECORD, r.bytesProduced());
            assertEquals(start + RECORD, dst.position());
            assertArrayEquals(d, Arrays.copyOfRange(backing, 100 + start, 100 + start + RECORD), suite + " record " + i);
            assertEquals(0x5A, backing[100 + start - 1] & 0xFF, "the octet before the destination was written");
            assertEquals(0x5A, backing[100 + start + RECORD] & 0xFF, "the octet after the plaintext was written");
            dst.clear().position(i + 1);
        }
        ByteBuffer direct = ByteBuffer.allocateDirect(2 * RECORD);
        byte[] d = data(9);
        assertEquals(RECORD, p.server.unwrap(record(p.client, d), direct).bytesProduced());
        byte[] got = new byte[RECORD];
        direct.flip().get(got);
        assertArrayEquals(d, got, suite + " into a direct buffer");
    }

    /**
     * The received record is copied into a buffer of {@code RecordScratch}'s pool, which goes back
     * unzeroed only when the record was decrypted into the caller's buffer (the pool holds wire data
     * only): after records decrypted in place (CBC; a destination too small or not array-backed) or
     * straight to the destination, no pooled buffer holds any of the plaintext.
     */
    @ParameterizedTest
    @ValueSource(strings = {"TLS_PSK_WITH_AES_128_GCM_SHA256", "TLS_PSK_WITH_AES_128_CCM_8",
            "TLS_PSK_WITH_AES_128_CBC_SHA256"})
    void noPlaintextLeftInPooledRecordBuffers(String suite) throws Exception {
        EnginePair p = established(suite);
        ByteBuffer[][] destinations = {{ByteBuffer.allocate(2 * RECORD)}, {ByteBuffer.allocate(2 * RECORD)},
                {ByteBuffer.allocateDirect(2 * RECORD)}, {ByteBuffer.allocate(100), ByteBuffer.allocate(RECORD)},
                {ByteBuffer.allocate(2 * RECORD)}};
        for (int i = 0; i < destinations.length; i++) {
            byte[] d = data(20 + i);
            assertEquals(RECORD, p.server.unwrap(record(p.client, d), destinations[i]).bytesProduced());
            byte[] window = Arrays.copyOfRange(d, 4000, 4032);
            for (byte[] b : pooledScratch()) {
                for (int k = 0; k + window.length <= b.length; k++) {
                    assertTrue(!Arrays.equals(b, k, k + window.length, window, 0, window.length),
                            suite + ", destination " + i + ": plaintext left in a pooled record buffer at " + k);
                }
            }
        }
    }

    private static java.util.List<byte[]> pooledScratch() throws Exception {
        java.lang.reflect.Field f = dev.saef.crypto.RecordScratch.class.getDeclaredField("POOL");
        f.setAccessible(true);
        Object pool = f.get(null); // a dev.saef.crypto.BufferSlots
        java.lang.reflect.Method length = pool.getClass().getDeclaredMethod("length");
        java.lang.reflect.Method peek = pool.getClass().getDeclaredMethod("peek", int.class);
        length.setAccessible(true);
        peek.setAccessible(true);
        java.util.List<byte[]> out = new java.util.ArrayList<>();
        for (int i = 0, n = (int) length.invoke(pool); i < n; i++) {
            if (peek.invoke(pool, i) instanceof byte[] b) {
                out.add(b);
            }
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLS_PSK_WITH_AES_128_GCM_SHA256", "TLS_PSK_WITH_AES_128_CBC_SHA256"})
    void recordSpreadOverSeveralBuffersInOrder(String suite) throws Exception {
        EnginePair p = established(suite);
        byte[] d = data(3);
        ByteBuffer a = ByteBuffer.allocate(1000);
        ByteBuffer b = ByteBuffer.allocate(RECORD);
        SSLEngineResult r = p.server.unwrap(record(p.client, d), new ByteBuffer[] {a, b});
        assertEquals(RECORD, r.bytesProduced());
        assertArrayEquals(Arrays.copyOf(d, 1000), a.array());
        assertArrayEquals(Arrays.copyOfRange(d, 1000, RECORD), Arrays.copyOf(b.array(), RECORD - 1000));
        // the next record, after one that was spread: still in order
        byte[] e = data(4);
        ByteBuffer c = ByteBuffer.allocate(2 * RECORD);
        assertEquals(RECORD, p.server.unwrap(record(p.client, e), c).bytesProduced());
        assertArrayEquals(e, Arrays.copyOf(c.array(), RECORD));
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLS_PSK_WITH_AES_128_GCM_SHA256", "TLS_PSK_WITH_AES_128_CCM_8",
            "TLS_PSK_WITH_AES_128_CBC_SHA256"})
    void tamperedRecordLeavesNoPlaintextInTheDestination(String suite) throws Exception {
        EnginePair p = established(suite);
        byte[] d = data(5);
        ByteBuffer net = record(p.client, d);
        net.put(net.limit() - 1, (byte) (net.get(net.limit() - 1) ^ 1)); // the tag (or the MAC)
        ByteBuffer dst = ByteBuffer.allocate(2 * RECORD);
        assertThrows(SSLException.class, () -> p.server.unwrap(net, dst));
        assertEquals(0, dst.position());
        byte[] window = Arrays.copyOf(d, 32);
        byte[] all = dst.array();
        for (int i = 0; i + window.length <= all.length; i++) {
            assertTrue(!Arrays.equals(all, i, i + window.length, window, 0, window.length),
                    suite + ": plaintext of the refused record in the destination at " + i);
        }
    }
}
