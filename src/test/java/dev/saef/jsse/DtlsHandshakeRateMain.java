package dev.saef.jsse;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;

/**
 * A rough measurement, not a JMH benchmark: full DTLS 1.2 PSK handshakes (cookie exchange included)
 * per second between a SAEF client engine and a SAEF server engine in memory, one pair at a time,
 * with the default suite (TLS_PSK_WITH_AES_128_CCM_8). Arguments: seconds of warm-up and of
 * measurement (default 3 and 10).
 */
public final class DtlsHandshakeRateMain {

    private DtlsHandshakeRateMain() {
    }

    public static void main(String[] args) throws Exception {
        int warm = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int measure = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        SSLContext server = DtlsEngineTest.dtls(Peers.serverTable(DtlsEngineTest.KPSA, "CAE01", Peers.KEY_HEX), c -> c);
        SSLContext client = DtlsEngineTest.dtls(Peers.clientTable(DtlsEngineTest.KPSA, "localhost:5684", Peers.KEY_HEX),
                c -> c);
        run(server, client, warm);
        long t0 = System.nanoTime();
        int n = run(server, client, measure);
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.printf("%d handshakes in %.1f s: %.0f handshakes/s (%s)%n", n, s, n / s,
                Runtime.version());
    }

    private static int run(SSLContext server, SSLContext client, int seconds) throws Exception {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        int n = 0;
        while (System.nanoTime() < end) {
            SSLEngine se = server.createSSLEngine("192.0.2.7", 40000 + (n % 1000));
            se.setUseClientMode(false);
            SSLEngine ce = client.createSSLEngine("localhost", 5684);
            ce.setUseClientMode(true);
            new DtlsMemoryPair(ce, se).handshake();
            n++;
        }
        return n;
    }
}
