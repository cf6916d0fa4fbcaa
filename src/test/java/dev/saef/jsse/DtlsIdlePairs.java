package dev.saef.jsse;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;

/**
 * Established, idle DTLS 1.2 PSK engine pairs (SAEF client and server, in memory, default suite
 * TLS_PSK_WITH_AES_128_CCM_8) for heap measurements: each pair completed its handshake and moved one
 * small datagram each way. Used by {@code dev.saef.bench.IdleHeapMeasurement}; not a test.
 */
public final class DtlsIdlePairs {

    private DtlsIdlePairs() {
    }

    /** The two contexts (client, server) every pair of one run shares. */
    public static SSLContext[] contexts() throws Exception {
        SSLContext server = DtlsEngineTest.dtls(Peers.serverTable(DtlsEngineTest.KPSA, "CAE01", Peers.KEY_HEX), c -> c);
        SSLContext client = DtlsEngineTest.dtls(
                Peers.clientTable(DtlsEngineTest.KPSA, "localhost:5684", Peers.KEY_HEX), c -> c);
        return new SSLContext[] {client, server};
    }

    /** Establishes {@code n} pairs on the given contexts; the list holds the engines (client, server, ...). */
    public static List<SSLEngine> establish(SSLContext[] contexts, int n) throws Exception {
        List<SSLEngine> engines = new ArrayList<>(2 * n);
        for (int i = 0; i < n; i++) {
            SSLEngine se = contexts[1].createSSLEngine("192.0.2.7", 10000 + i);
            se.setUseClientMode(false);
            SSLEngine ce = contexts[0].createSSLEngine("localhost", 5684);
            ce.setUseClientMode(true);
            new DtlsMemoryPair(ce, se).handshake();
            exchange(ce, se);
            exchange(se, ce);
            engines.add(ce);
            engines.add(se);
        }
        return engines;
    }

    /**
     * One full handshake between a fresh client and server engine in memory (cookie exchange
     * included), for benchmarks; the client session is invalidated, so the next one is full too.
     *
     * @param clientPort the port the server engine is told the client has (its cookie binds to it)
     * @return {client, server}, established
     */
    public static SSLEngine[] handshake(SSLContext[] contexts, int clientPort) throws Exception {
        SSLEngine se = contexts[1].createSSLEngine("192.0.2.7", clientPort);
        se.setUseClientMode(false);
        SSLEngine ce = contexts[0].createSSLEngine("localhost", 5684);
        ce.setUseClientMode(true);
        new DtlsMemoryPair(ce, se).handshake();
        ce.getSession().invalidate();
        return new SSLEngine[] {ce, se};
    }

    /** One small datagram from {@code from} to {@code to}. */
    static void exchange(SSLEngine from, SSLEngine to) throws Exception {
        ByteBuffer net = ByteBuffer.allocate(from.getSession().getPacketBufferSize());
        SSLEngineResult r = from.wrap(ByteBuffer.wrap(new byte[32]), net);
        if (r.getStatus() != SSLEngineResult.Status.OK) {
            throw new IllegalStateException("wrap: " + r);
        }
        net.flip();
        ByteBuffer app = ByteBuffer.allocate(to.getSession().getApplicationBufferSize());
        r = to.unwrap(net, app);
        if (r.getStatus() != SSLEngineResult.Status.OK || app.position() != 32) {
            throw new IllegalStateException("unwrap: " + r);
        }
    }
}
