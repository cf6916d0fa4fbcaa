package dev.saef.bench;

import dev.saef.jsse.DtlsIdlePairs;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;

/**
 * Heap per idle, established engine pair (client + server), SAEF against SunJSSE in one JVM: a
 * main, not a test. For each stack it establishes {@code N} in-memory engine pairs (full handshake,
 * then one 32-byte record each way), keeps them reachable and idle for {@value #IDLE_WAIT_MILLIS} ms,
 * runs the GC until the used heap is stable and prints (used heap after - used heap before) / N, and
 * the ratio.
 *
 * <ul>
 * <li>SAEF TLS 1.2 PSK {@code TLS_PSK_WITH_AES_128_GCM_SHA256} and {@code TLS_PSK_WITH_AES_128_CCM_8};</li>
 * <li>SunJSSE TLS 1.2 {@code TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256} with a P-256 key made by
 * {@code keytool};</li>
 * <li>SAEF DTLS 1.2 PSK (default suite CCM_8), fewer pairs (DTLS handshakes are slower).</li>
 * </ul>
 *
 * Arguments: TLS pairs (default 2000), DTLS pairs (default 300). Run with e.g.
 * {@code java -cp target/test-classes:target/classes:<deps> dev.saef.bench.IdleHeapMeasurement 2000 300}.
 */
public final class IdleHeapMeasurement {

    private IdleHeapMeasurement() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        int dtlsN = args.length > 1 ? Integer.parseInt(args[1]) : 300;
        SSLContext[] sun = sunEcdsa();
        SSLContext saefServer = BenchSupport.saefContext(BenchSupport.KPSA + " peer=CAE01 key=hex:"
                + BenchSupport.KEY_HEX + "\n");
        SSLContext saefClient = BenchSupport.saefContext(BenchSupport.KPSA + " peer=/id-in address="
                + BenchSupport.ENGINE_PEER_HOST + ":" + BenchSupport.ENGINE_PEER_PORT + " key=hex:"
                + BenchSupport.KEY_HEX + "\n");
        SSLContext[] dtls = DtlsIdlePairs.contexts();
        // Warm up every path once (class loading, JIT, caches) before the measured runs.
        tls(sun[0], sun[1], "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", 50);
        tls(saefClient, saefServer, "TLS_PSK_WITH_AES_128_GCM_SHA256", 50);
        tls(saefClient, saefServer, "TLS_PSK_WITH_AES_128_CCM_8", 50);
        DtlsIdlePairs.establish(dtls, 20);

        double sunGcm = perPair(n, () -> tls(sun[0], sun[1], "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", n));
        double saefGcm = perPair(n, () -> tls(saefClient, saefServer, "TLS_PSK_WITH_AES_128_GCM_SHA256", n));
        double saefCcm = perPair(n, () -> tls(saefClient, saefServer, "TLS_PSK_WITH_AES_128_CCM_8", n));
        double saefDtls = perPair(dtlsN, () -> DtlsIdlePairs.establish(dtls, dtlsN));

        System.out.printf("heap per idle established engine pair (client + server), %s, %s%n",
                Runtime.version(), ManagementFactory.getOperatingSystemMXBean().getAvailableProcessors() + " cpus");
        System.out.printf("| %-52s | %9s | %s |%n", "what", "KiB/pair", "vs SunJSSE");
        System.out.printf("| %-52s | %9.1f | %s |%n", "SunJSSE TLS 1.2 ECDHE_ECDSA P-256 AES_128_GCM (" + n + ")",
                sunGcm / 1024, "1.00x");
        System.out.printf("| %-52s | %9.1f | %.2fx |%n", "SAEF TLS 1.2 PSK AES_128_GCM (" + n + ")", saefGcm / 1024,
                saefGcm / sunGcm);
        System.out.printf("| %-52s | %9.1f | %.2fx |%n", "SAEF TLS 1.2 PSK AES_128_CCM_8 (" + n + ")", saefCcm / 1024,
                saefCcm / sunGcm);
        System.out.printf("| %-52s | %9.1f | %.2fx |%n", "SAEF DTLS 1.2 PSK AES_128_CCM_8 (" + dtlsN + ")",
                saefDtls / 1024, saefDtls / sunGcm);
    }

    interface Maker {
        Object make() throws Exception;
    }

    /**
     * How long the pairs stay idle before the heap is measured, for every stack alike: an idle
     * session is one that nothing has touched for a while (SAEF gives back the outgoing queue of a
     * connection that went quiet after full-size records once it has written nothing for 1 s).
     */
    static final long IDLE_WAIT_MILLIS = 3000;

    /** Bytes of heap per pair that the objects {@code maker} returns keep reachable, once idle. */
    static double perPair(int n, Maker maker) throws Exception {
        long before = settledUsed();
        Object keep = maker.make();
        Thread.sleep(IDLE_WAIT_MILLIS);
        long after = settledUsed();
        if (keep.hashCode() == 42) { // keeps the pairs reachable until after the measurement
            System.out.print("");
        }
        keep = null;
        return (double) (after - before) / n;
    }

    static long settledUsed() throws InterruptedException {
        long last = Long.MAX_VALUE;
        for (int i = 0; i < 10; i++) {
            System.gc();
            Thread.sleep(100);
            long used = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
            if (Math.abs(last - used) < 64 * 1024) {
                return used;
            }
            last = used;
        }
        return last;
    }

    static List<SSLEngine> tls(SSLContext client, SSLContext server, String suite, int n) throws Exception {
        return tls(client, server, suite, n, 32);
    }

    /**
     * {@code n} established pairs, each after a full handshake and one record of {@code recordSize}
     * octets each way (32: the idle pair of the table; 16384: idle after a full-size record).
     */
    static List<SSLEngine> tls(SSLContext client, SSLContext server, String suite, int n, int recordSize)
            throws Exception {
        List<SSLEngine> engines = new ArrayList<>(2 * n);
        BenchSupport.Buffers b = new BenchSupport.Buffers();
        for (int i = 0; i < n; i++) {
            SSLEngine c = client.createSSLEngine(BenchSupport.ENGINE_PEER_HOST, BenchSupport.ENGINE_PEER_PORT);
            c.setUseClientMode(true);
            c.setEnabledCipherSuites(new String[] {suite});
            c.setEnabledProtocols(new String[] {BenchSupport.TLS12});
            SSLEngine s = server.createSSLEngine();
            s.setUseClientMode(false);
            s.setEnabledCipherSuites(new String[] {suite});
            s.setEnabledProtocols(new String[] {BenchSupport.TLS12});
            BenchSupport.handshake(c, s, b);
            if (!suite.equals(c.getSession().getCipherSuite())) {
                throw new IllegalStateException("negotiated " + c.getSession().getCipherSuite());
            }
            exchange(c, s, recordSize);
            exchange(s, c, recordSize);
            c.getSession().invalidate(); // every pair a full handshake, no resumption
            engines.add(c);
            engines.add(s);
        }
        return engines;
    }

    /** One record of {@code size} octets (at most 16384) from {@code from} to {@code to}. */
    static void exchange(SSLEngine from, SSLEngine to, int size) throws Exception {
        ByteBuffer net = ByteBuffer.allocate(from.getSession().getPacketBufferSize());
        SSLEngineResult r = from.wrap(ByteBuffer.wrap(new byte[size]), net);
        if (r.getStatus() != SSLEngineResult.Status.OK) {
            throw new IllegalStateException("wrap: " + r);
        }
        net.flip();
        ByteBuffer app = ByteBuffer.allocate(to.getSession().getApplicationBufferSize());
        r = to.unwrap(net, app);
        if (r.getStatus() != SSLEngineResult.Status.OK || app.position() != size) {
            throw new IllegalStateException("unwrap: " + r + " " + app.position());
        }
    }

    /** SunJSSE client and server contexts with a P-256 ECDSA key made by keytool. */
    static SSLContext[] sunEcdsa() throws Exception {
        return BenchSupport.SunMaterial.keytool("CN=localhost", null, "-keyalg", "EC", "-groupname", "secp256r1",
                "-sigalg", "SHA256withECDSA").sunContexts();
    }
}
