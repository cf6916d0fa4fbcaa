package dev.saef.jsse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.Status;
import javax.net.ssl.SSLException;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Properties of the engine's record layer and handshake under arbitrary input: data of any size
 * crosses intact however the network splits it, and garbage or mutated handshake bytes always end in
 * an {@link SSLException} (never another exception, never a hang, never a session).
 */
class RecordLayerProperties {

    @Provide
    Arbitrary<String> suites() {
        return Arbitraries.of("TLS_PSK_WITH_AES_128_CBC_SHA256", "TLS_PSK_WITH_AES_128_CCM_8",
                "TLS_PSK_WITH_AES_256_GCM_SHA384", "TLS_DHE_PSK_WITH_AES_128_CCM");
    }

    @Property(tries = 40)
    void dataSurvivesArbitraryNetworkSplits(@ForAll("suites") String suite,
            @ForAll @Size(max = 5) List<@IntRange(min = 0, max = 40_000) Integer> messageSizes,
            @ForAll @IntRange(min = 1, max = 5000) int chunk) throws Exception {
        EnginePair p = EngineHandshakeTest.pair("/id-mn1");
        p.client.setEnabledCipherSuites(new String[] {suite});
        p.handshake();
        ByteArrayOutputStream sent = new ByteArrayOutputStream();
        ByteArrayOutputStream net = new ByteArrayOutputStream();
        ByteBuffer out = ByteBuffer.allocate(p.client.getSession().getPacketBufferSize());
        int seed = 1;
        for (int size : messageSizes) {
            byte[] msg = new byte[size];
            for (int i = 0; i < size; i++) {
                msg[i] = (byte) (seed++ * 31);
            }
            sent.write(msg);
            ByteBuffer src = ByteBuffer.wrap(msg);
            do {
                out.clear();
                SSLEngineResult r = p.client.wrap(src, out);
                assertEquals(Status.OK, r.getStatus());
                net.write(out.array(), 0, out.position());
            } while (src.hasRemaining());
        }
        // deliver the ciphertext in arbitrary chunks, as TCP may
        byte[] wire = net.toByteArray();
        ByteBuffer in = ByteBuffer.allocate(wire.length + 1);
        ByteBuffer app = ByteBuffer.allocate(p.server.getSession().getApplicationBufferSize());
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        int pos = 0;
        while (pos < wire.length || in.position() > 0) {
            int n = Math.min(chunk, wire.length - pos);
            in.put(wire, pos, n);
            pos += n;
            in.flip();
            while (true) {
                app.clear();
                SSLEngineResult r = p.server.unwrap(in, app);
                got.write(app.array(), 0, app.position());
                if (r.getStatus() == Status.BUFFER_UNDERFLOW || !in.hasRemaining()) {
                    break;
                }
                assertEquals(Status.OK, r.getStatus());
            }
            in.compact();
            if (pos >= wire.length && in.position() > 0 && n == 0) {
                throw new AssertionError(in.position() + " bytes left undecoded");
            }
        }
        assertArrayEquals(sent.toByteArray(), got.toByteArray());
    }

    @Property(tries = 200)
    void mutatedClientHelloNeverYieldsASession(@ForAll @IntRange(min = 0, max = 400) int position,
            @ForAll byte xor, @ForAll @IntRange(min = 0, max = 50) int truncate) throws Exception {
        EnginePair p = EngineHandshakeTest.pair("/id-mn1");
        ByteBuffer hello = ByteBuffer.allocate(p.client.getSession().getPacketBufferSize());
        p.client.beginHandshake();
        p.client.wrap(ByteBuffer.allocate(0), hello);
        hello.flip();
        byte[] bytes = new byte[hello.remaining()];
        hello.get(bytes);
        int at = position % bytes.length;
        bytes[at] ^= (xor == 0 ? 1 : xor);
        int len = Math.max(0, bytes.length - truncate);
        feedServer(p.server, ByteBuffer.wrap(bytes, 0, len));
    }

    @Property(tries = 200)
    void randomBytesNeverYieldASession(@ForAll @Size(min = 1, max = 600) byte[] garbage) throws Exception {
        EnginePair p = EngineHandshakeTest.pair("/id-mn1");
        feedServer(p.server, ByteBuffer.wrap(garbage));
    }

    /** Feeds bytes to a server engine: it may wait for more, fail with SSLException, or - for a benign
     *  mutation - go on with the handshake; it must never complete one or throw anything else. */
    private static void feedServer(SSLEngine server, ByteBuffer in) throws Exception {
        ByteBuffer app = ByteBuffer.allocate(server.getSession().getApplicationBufferSize());
        try {
            for (int i = 0; i < 10 && in.hasRemaining(); i++) {
                SSLEngineResult r = server.unwrap(in, app);
                if (r.getStatus() != Status.OK) {
                    break;
                }
            }
        } catch (SSLException expected) {
            assertTrue(expected.getMessage() != null && !expected.getMessage().isEmpty());
            assertTrue(server.isInboundDone());
            return;
        }
        assertEquals("SSL_NULL_WITH_NULL_NULL", server.getSession().getCipherSuite());
    }
}
