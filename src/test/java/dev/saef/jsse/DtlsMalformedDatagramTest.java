package dev.saef.jsse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Random;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * RFC 6347 section 4.1.2.7: a DTLS endpoint drops invalid records silently instead of failing the
 * association. Mutated datagrams (bit flips, truncation, appended bytes, random length fields) fed
 * to a SAEF server engine before the cookie exchange and on an established association never
 * throw, never yield application data, never start a handshake; the genuine peer still gets
 * through afterwards. Seeded, so a failure replays.
 */
@Timeout(60)
class DtlsMalformedDatagramTest {

    private static final long SEED = 0x5AEFD71L;

    private static SSLEngine[] engines() throws Exception {
        SSLContext server = DtlsEngineTest.dtls(Peers.serverTable(DtlsEngineTest.KPSA, "CAE01", Peers.KEY_HEX), c -> c);
        SSLContext client = DtlsEngineTest.dtls(Peers.clientTable(DtlsEngineTest.KPSA, "localhost:5684", Peers.KEY_HEX),
                c -> c);
        SSLEngine se = server.createSSLEngine("192.0.2.7", 40000);
        se.setUseClientMode(false);
        SSLEngine ce = client.createSSLEngine("localhost", 5684);
        ce.setUseClientMode(true);
        return new SSLEngine[] {ce, se};
    }

    static byte[] mutate(byte[] d, Random r) {
        byte[] m = d.clone();
        switch (r.nextInt(5)) {
            case 0 -> m[r.nextInt(m.length)] ^= (byte) (1 << r.nextInt(8));
            case 1 -> m = Arrays.copyOf(m, 1 + r.nextInt(m.length - 1));
            case 2 -> {
                m = Arrays.copyOf(m, m.length + 1 + r.nextInt(64));
                for (int i = d.length; i < m.length; i++) {
                    m[i] = (byte) r.nextInt(256);
                }
            }
            case 3 -> { // record length field, or a handshake length field when there is one
                int at = r.nextBoolean() || m.length < 25 ? 11 : 14 + r.nextInt(3);
                m[at] = (byte) r.nextInt(256);
            }
            default -> {
                for (int i = 0; i < 1 + r.nextInt(8); i++) {
                    m[r.nextInt(m.length)] = (byte) r.nextInt(256);
                }
            }
        }
        return m;
    }

    private static SSLEngineResult unwrap(SSLEngine e, byte[] d) throws Exception {
        return e.unwrap(ByteBuffer.wrap(d), ByteBuffer.allocate(e.getSession().getApplicationBufferSize()));
    }

    @Test
    void mutatedClientHellosBeforeTheCookieAreHarmless() throws Exception {
        SSLEngine[] e = engines();
        SSLEngine ce = e[0];
        SSLEngine se = e[1];
        ce.beginHandshake();
        ArrayDeque<byte[]> toServer = new ArrayDeque<>();
        DtlsMemoryPair.drain(ce, toServer);
        byte[] clientHello = toServer.peek();
        Random r = new Random(SEED);
        for (int i = 0; i < 2000; i++) {
            SSLEngineResult res = unwrap(se, mutate(clientHello, r));
            assertEquals(0, res.bytesProduced());
            DtlsMemoryPair.drain(se, new ArrayDeque<>()); // a HelloVerifyRequest, perhaps: dropped here
        }
        assertEquals(0, ((SaefDtlsEngine) se).context().dtls().handshakesStarted());
        DtlsMemoryPair genuine = new DtlsMemoryPair(ce, se);
        genuine.toServer.add(clientHello);
        DtlsMemoryPair.feed(se, genuine.toServer);
        DtlsMemoryPair.drain(se, genuine.toClient);
        DtlsMemoryPair.feed(ce, genuine.toClient);
        genuine.runUntil(p -> p.client.getSession().isValid() && p.server.getSession().isValid()
                && p.client.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING
                && p.server.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING);
    }

    @Test
    void mutatedRecordsOnAnEstablishedAssociationAreDropped() throws Exception {
        SSLEngine[] e = engines();
        DtlsMemoryPair p = new DtlsMemoryPair(e[0], e[1]);
        p.handshake();
        Random r = new Random(SEED + 1);
        for (int i = 0; i < 300; i++) {
            byte[] data = ("record " + i).getBytes(StandardCharsets.UTF_8);
            ByteBuffer net = ByteBuffer.allocate(p.client.getSession().getPacketBufferSize());
            p.client.wrap(ByteBuffer.wrap(data), net);
            net.flip();
            byte[] record = new byte[net.remaining()];
            net.get(record);
            for (int k = 0; k < 5; k++) {
                byte[] bad = mutate(record, r);
                if (Arrays.equals(bad, record)) {
                    continue;
                }
                ByteBuffer app = ByteBuffer.allocate(p.server.getSession().getApplicationBufferSize());
                SSLEngineResult res = p.server.unwrap(ByteBuffer.wrap(bad), app);
                assertEquals(SSLEngineResult.Status.OK, res.getStatus());
                assertTrue(res.bytesProduced() == 0 || Arrays.equals(data, Arrays.copyOf(app.array(), app.position())),
                        "a mutated record yielded other data");
                if (res.bytesProduced() > 0) {
                    // a mutation outside the protected part (e.g. appended bytes) left the record intact:
                    // the genuine copy is now a replay and is dropped
                    continue;
                }
            }
            ByteBuffer app = ByteBuffer.allocate(p.server.getSession().getApplicationBufferSize());
            p.server.unwrap(ByteBuffer.wrap(record), app);
            if (app.position() > 0) {
                assertArrayEquals(data, Arrays.copyOf(app.array(), app.position()));
            }
        }
        assertTrue(p.server.getSession().isValid());
        byte[] last = "still here".getBytes(StandardCharsets.UTF_8);
        ByteBuffer net = ByteBuffer.allocate(p.client.getSession().getPacketBufferSize());
        p.client.wrap(ByteBuffer.wrap(last), net);
        net.flip();
        ByteBuffer app = ByteBuffer.allocate(p.server.getSession().getApplicationBufferSize());
        p.server.unwrap(net, app);
        assertArrayEquals(last, Arrays.copyOf(app.array(), app.position()));
    }
}
