package dev.saef.bench;

import dev.saef.jsse.DtlsClient;
import dev.saef.jsse.DtlsIdlePairs;
import dev.saef.jsse.DtlsServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import org.eclipse.californium.elements.AddressEndpointContext;
import org.eclipse.californium.elements.EndpointContext;
import org.eclipse.californium.elements.MessageCallback;
import org.eclipse.californium.elements.RawData;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.scandium.DTLSConnector;
import org.eclipse.californium.scandium.config.DtlsConfig;
import org.eclipse.californium.scandium.config.DtlsConnectorConfig;
import org.eclipse.californium.scandium.dtls.cipher.CipherSuite;
import org.eclipse.californium.scandium.dtls.pskstore.AdvancedSinglePskStore;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * DTLS 1.2 PSK {@code TLS_PSK_WITH_AES_128_CCM_8} (the TS-0003 clause 10.2.2 mandatory DTLS suite),
 * SAEF against Eclipse Californium Scandium 3.14.0 in the same JVM (issue 9 item 8).
 *
 * <p>Transports ({@code impl}):
 * <ul>
 * <li>{@code SAEF_ENGINES}: SAEF {@code SSLContext "DTLS"} client and server engines in memory, each
 * datagram one engine wraps handed whole to the other's unwrap; both sides' CPU on the benchmark
 * thread. Scandium has no in-memory transport, so this has no Scandium counterpart: it shows the
 * cost of the protocol alone.</li>
 * <li>{@code SAEF_UDP}: SAEF's ready-made endpoints over loopback UDP, a {@link DtlsServer} and
 * {@link DtlsClient}s.</li>
 * <li>{@code SCANDIUM_UDP}: a Scandium {@link DTLSConnector} server and client over loopback UDP.
 * Like with like: {@code SAEF_UDP}.</li>
 * </ul>
 *
 * <p>{@code handshake}: one operation = one full handshake, HelloVerifyRequest cookie exchange
 * included, sequentially (one at a time: this is the latency-bound rate of one client). SAEF UDP: a
 * new {@link DtlsClient} (new port) that connects and closes; Scandium: the client connector drops its
 * connection state ({@code clearConnectionState}) and sends one datagram, the operation ends when
 * the connector reports it sent (after the handshake).
 *
 * <p>{@code bulk}: one invocation = {@value #BATCH} datagrams of {@value #PAYLOAD} octets from the
 * client to the server over one established session; over UDP the invocation ends when the server
 * has received them all (or after 1 s; losses are counted and printed). The score in ops/us is MB/s
 * of payload.
 */
@BenchmarkMode(Mode.Throughput)
@Warmup(iterations = 5, time = 3)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class DtlsBenchmark {

    static final String SUITE = "TLS_PSK_WITH_AES_128_CCM_8";
    static final int PAYLOAD = 1024;
    static final int BATCH = 16;
    static final String HOST = "127.0.0.1";

    @Param({"SAEF_ENGINES", "SAEF_UDP", "SCANDIUM_UDP"})
    public String impl;

    private final byte[] payload = new byte[PAYLOAD];
    private final AtomicLong received = new AtomicLong();
    private long sentBytes;
    private long timeouts;
    private int clientPorts = 20_000;

    // SAEF_ENGINES
    private SSLContext[] engineContexts;
    private SSLEngine bulkClient;
    private SSLEngine bulkServer;
    private ByteBuffer net;
    private ByteBuffer app;

    // SAEF_UDP
    private SSLContext saefClientContext;
    private DtlsServer saefServer;
    private DtlsClient saefBulkClient;

    // SCANDIUM_UDP
    private DTLSConnector scServer;
    private DTLSConnector scClient;
    private EndpointContext scServerContext;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        new java.util.Random(1).nextBytes(payload);
        switch (impl) {
            case "SAEF_ENGINES" -> {
                engineContexts = DtlsIdlePairs.contexts();
                SSLEngine[] pair = DtlsIdlePairs.handshake(engineContexts, clientPorts++);
                check(pair[0].getSession().getCipherSuite());
                bulkClient = pair[0];
                bulkServer = pair[1];
                net = ByteBuffer.allocate(bulkClient.getSession().getPacketBufferSize());
                app = ByteBuffer.allocate(bulkServer.getSession().getApplicationBufferSize());
            }
            case "SAEF_UDP" -> {
                SSLContext server = BenchSupport.saefDtlsContext(BenchSupport.KPSA + " peer=CAE01 key=hex:"
                        + BenchSupport.KEY_HEX + "\n");
                saefClientContext = BenchSupport.saefDtlsContext(BenchSupport.KPSA + " peer=/id-in address=" + HOST
                        + " key=hex:" + BenchSupport.KEY_HEX + "\n");
                saefServer = DtlsServer.builder(server).bind(new InetSocketAddress(HOST, 0)).maxPeers(100_000)
                        .start((peer, data) -> received.addAndGet(data.length));
                saefBulkClient = saefConnect();
                check(saefBulkClient.session().getCipherSuite());
            }
            case "SCANDIUM_UDP" -> {
                scServer = scandium(DtlsConfig.DtlsRole.SERVER_ONLY);
                scServer.setRawDataReceiver(d -> received.addAndGet(d.getSize()));
                scServer.start();
                scClient = scandium(DtlsConfig.DtlsRole.CLIENT_ONLY);
                scClient.setRawDataReceiver(d -> { });
                scClient.start();
                scServerContext = new AddressEndpointContext(scServer.getAddress());
                scandiumSend(true); // establishes the session the bulk benchmark uses
            }
            default -> throw new IllegalArgumentException(impl);
        }
    }

    private static void check(String suite) {
        if (!SUITE.equals(suite)) {
            throw new IllegalStateException("negotiated " + suite + ", expected " + SUITE);
        }
    }

    private DtlsClient saefConnect() throws IOException {
        return DtlsClient.connect(saefClientContext, HOST, saefServer.localAddress().getPort(), Duration.ofSeconds(10));
    }

    /** A Scandium connector on loopback, PSK CCM_8 only, with the benchmark's key. */
    static DTLSConnector scandium(DtlsConfig.DtlsRole role) {
        return scandium(role, 200_000);
    }

    /** The same, holding at most {@code maxConnections} connections. */
    static DTLSConnector scandium(DtlsConfig.DtlsRole role, int maxConnections) {
        DtlsConfig.register();
        Configuration configuration = new Configuration();
        DtlsConnectorConfig.Builder b = DtlsConnectorConfig.builder(configuration)
                .set(DtlsConfig.DTLS_ROLE, role)
                .set(DtlsConfig.DTLS_RECOMMENDED_CIPHER_SUITES_ONLY, false)
                .set(DtlsConfig.DTLS_CIPHER_SUITES, List.of(CipherSuite.TLS_PSK_WITH_AES_128_CCM_8))
                .set(DtlsConfig.DTLS_MAX_CONNECTIONS, maxConnections)
                .setAddress(new InetSocketAddress(HOST, 0))
                .setAdvancedPskStore(new AdvancedSinglePskStore(BenchSupport.KPSA,
                        HexFormat.of().parseHex(BenchSupport.KEY_HEX)));
        return new DTLSConnector(b.build());
    }

    /** Sends one datagram from the Scandium client; if {@code await}, waits until it was sent. */
    private void scandiumSend(boolean await) throws Exception {
        CountDownLatch sent = new CountDownLatch(1);
        AtomicReference<Throwable> error = new AtomicReference<>();
        MessageCallback cb = !await ? null : new MessageCallback() {
            @Override
            public void onConnecting() {
            }

            @Override
            public void onDtlsRetransmission(int flight) {
            }

            @Override
            public void onContextEstablished(EndpointContext context) {
            }

            @Override
            public void onSent() {
                sent.countDown();
            }

            @Override
            public void onError(Throwable t) {
                error.set(t);
                sent.countDown();
            }
        };
        scClient.send(RawData.outbound(payload, scServerContext, cb, false));
        if (await) {
            if (!sent.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("Scandium client: no handshake within 10 s");
            }
            if (error.get() != null) {
                throw new IllegalStateException("Scandium client failed", error.get());
            }
        }
    }

    @Benchmark
    @OutputTimeUnit(TimeUnit.SECONDS)
    public Object handshake() throws Exception {
        switch (impl) {
            case "SAEF_ENGINES" -> {
                if (clientPorts > 60_000) {
                    clientPorts = 20_000;
                }
                return DtlsIdlePairs.handshake(engineContexts, clientPorts++);
            }
            case "SAEF_UDP" -> {
                DtlsClient c = saefConnect();
                c.close();
                return c;
            }
            default -> {
                scClient.clearConnectionState();
                scandiumSend(true);
                return scClient;
            }
        }
    }

    /** Score (ops/us) = MB/s of DTLS payload, client to server. */
    @Benchmark
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    @OperationsPerInvocation(BATCH * PAYLOAD)
    public long bulk() throws Exception {
        switch (impl) {
            case "SAEF_ENGINES" -> {
                for (int i = 0; i < BATCH; i++) {
                    net.clear();
                    SSLEngineResult r = bulkClient.wrap(ByteBuffer.wrap(payload), net);
                    if (r.getStatus() != SSLEngineResult.Status.OK || r.bytesConsumed() != PAYLOAD) {
                        throw new SSLException("wrap: " + r);
                    }
                    net.flip();
                    app.clear();
                    r = bulkServer.unwrap(net, app);
                    if (r.getStatus() != SSLEngineResult.Status.OK || app.position() != PAYLOAD) {
                        throw new SSLException("unwrap: " + r);
                    }
                }
                return app.position();
            }
            case "SAEF_UDP" -> {
                for (int i = 0; i < BATCH; i++) {
                    saefBulkClient.send(payload);
                }
                return awaitReceived();
            }
            default -> {
                for (int i = 0; i < BATCH; i++) {
                    scandiumSend(false);
                }
                return awaitReceived();
            }
        }
    }

    /** Waits until the server has received what was sent, at most 1 s (UDP may drop). */
    private long awaitReceived() throws InterruptedException {
        sentBytes += (long) BATCH * PAYLOAD;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        while (received.get() < sentBytes) {
            if (System.nanoTime() > deadline) {
                timeouts++;
                sentBytes = received.get(); // resynchronise: the missing datagrams are lost
                break;
            }
            Thread.onSpinWait();
        }
        return received.get();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (timeouts > 0) {
            System.out.println("[" + impl + "] bulk batches with lost datagrams: " + timeouts);
        }
        if (saefBulkClient != null) {
            saefBulkClient.close();
        }
        if (saefServer != null) {
            saefServer.close();
        }
        if (scClient != null) {
            scClient.destroy();
        }
        if (scServer != null) {
            scServer.destroy();
        }
    }

    /** For a quick manual check: {@code java ... dev.saef.bench.DtlsBenchmark}. */
    public static void main(String[] args) throws Exception {
        for (String i : new String[] {"SAEF_ENGINES", "SAEF_UDP", "SCANDIUM_UDP"}) {
            DtlsBenchmark b = new DtlsBenchmark();
            b.impl = i;
            b.setUp();
            long t = System.nanoTime();
            for (int k = 0; k < 50; k++) {
                b.handshake();
            }
            double hs = 50 / ((System.nanoTime() - t) / 1e9);
            t = System.nanoTime();
            for (int k = 0; k < 200; k++) {
                b.bulk();
            }
            double mbs = 200.0 * BATCH * PAYLOAD / ((System.nanoTime() - t) / 1e3);
            b.tearDown();
            System.out.printf("%s: %.0f handshakes/s, %.1f MB/s%n", i, hs, mbs);
        }
        System.exit(0);
    }
}
