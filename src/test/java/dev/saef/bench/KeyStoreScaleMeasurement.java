package dev.saef.bench;

import dev.saef.config.AssociationTable;
import dev.saef.config.PskKeyManagerParameters;
import dev.saef.config.SaefConfiguration;
import dev.saef.identity.IdentityMode;
import dev.saef.identity.KpsaId;
import dev.saef.jsse.SaefProvider;
import dev.saef.keys.CompositeKeyProvider;
import dev.saef.keys.KeyStoreKeyProvider;
import dev.saef.keys.KeyStoreKeyWriter;
import dev.saef.keys.PskKeyProvider;
import dev.saef.keys.PskSecretKey;
import dev.saef.keys.jdbc.PostgresKeyStore;
import dev.saef.keys.jdbc.TestPostgres;
import java.io.StringReader;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.crypto.SecretKey;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;

/**
 * Issue 11 item 4, at a scale that runs in about a minute: N KpsaIDs (default 100 000) in a real PostgreSQL
 * ({@link TestPostgres}), p50/p99 of {@link PostgresKeyStore#getKey} cold (a cache miss: one indexed query and the
 * unwrap) and cached (the unwrap only), the memory of the cache per entry, and in-memory {@code SSLEngine} handshakes
 * per second with the server's key from the database store (cached and uncached) against a PKCS12 store.
 *
 * <p>Not a test and not JMH (a database round trip is not a micro-benchmark): run it with
 * {@code java -cp target/classes:target/test-classes:$(cat target/bench-classpath.txt) dev.saef.bench.KeyStoreScaleMeasurement [N]}
 * after {@code mvn -o test-compile} (bench/run.sh writes the class path file). Prints one line per figure.
 */
public final class KeyStoreScaleMeasurement {

    private static final String PASSWORD = "bench-store-pw";
    private static final int SAMPLE = 20_000;
    private static final int ROUNDS = 3;

    private KeyStoreScaleMeasurement() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        try (TestPostgres pg = TestPostgres.start()) {
            String url = pg.url();
            long t0 = System.nanoTime();
            try (PostgresKeyStore store = PostgresKeyStore.open(url, PASSWORD.toCharArray())) {
                report("open (creates the store; PBKDF2 " + PostgresKeyStore.DEFAULT_ITERATIONS + " iterations)",
                        System.nanoTime() - t0);
                Random r = new Random(1);
                Map<KpsaId, SecretKey> keys = new LinkedHashMap<>();
                for (int i = 0; i < n; i++) {
                    byte[] k = new byte[32];
                    r.nextBytes(k);
                    keys.put(KpsaId.parse("node" + i + "@sp.example.com", IdentityMode.STRICT), new PskSecretKey(k));
                }
                t0 = System.nanoTime();
                for (int from = 0; from < n; from += 10_000) {
                    Map<KpsaId, SecretKey> chunk = new LinkedHashMap<>();
                    keys.entrySet().stream().skip(from).limit(10_000).forEach(e -> chunk.put(e.getKey(), e.getValue()));
                    store.putAll(chunk);
                }
                report("provision " + n + " keys (putAll, batches of 1000)", System.nanoTime() - t0);
            }
            List<KpsaId> ids = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                ids.add(KpsaId.parse("node" + i + "@sp.example.com", IdentityMode.STRICT));
            }
            Collections.shuffle(ids, new Random(2));
            List<KpsaId> sample = ids.subList(0, Math.min(SAMPLE, n));

            Runtime rt = Runtime.getRuntime();
            try (PostgresKeyStore store = PostgresKeyStore.open(url, PASSWORD.toCharArray())) {
                warm(store, ids.subList(n - 2000, n));
                long before = usedHeap(rt);
                long[] cold = lookups(store, sample);
                percentiles("getKey cold (cache miss: query + unwrap), " + sample.size() + " distinct of " + n, cold);
                long after = usedHeap(rt);
                System.out.printf("cache memory: about %d bytes per cached KpsaID (%d entries)%n",
                        (after - before) / sample.size(), sample.size());
                long[] cached = lookups(store, sample);
                percentiles("getKey cached (unwrap only)", cached);
                List<KpsaId> unknown = new ArrayList<>();
                for (int i = 0; i < 5000; i++) {
                    unknown.add(KpsaId.parse("ghost" + i + "@sp.example.com", IdentityMode.STRICT));
                }
                percentiles("getKey unknown KpsaID, cold", lookups(store, unknown));
                percentiles("getKey unknown KpsaID, cached (negative cache)", lookups(store, unknown));
            }

            KpsaId one = ids.get(0);
            byte[] key = keys(one, url);
            String keyHex = HexFormat.of().formatHex(key);
            KeyStore p12 = KeyStore.getInstance("PKCS12");
            p12.load(null, null);
            KeyStoreKeyWriter.storeKey(p12, one, new PskSecretKey(key), PASSWORD.toCharArray());
            try (KeyStoreKeyProvider file = new KeyStoreKeyProvider(p12, PASSWORD.toCharArray());
                    PostgresKeyStore cachedDb = PostgresKeyStore.open(url, PASSWORD.toCharArray());
                    PostgresKeyStore uncachedDb = PostgresKeyStore.open(url, PASSWORD.toCharArray(),
                            new PostgresKeyStore.Settings(PostgresKeyStore.DEFAULT_ITERATIONS, 0, Duration.ofSeconds(60),
                                    5, 8, false))) {
                SSLContext client = BenchSupport.saefContext(one.value() + " peer=/id-in address="
                        + BenchSupport.ENGINE_PEER_HOST + ":" + BenchSupport.ENGINE_PEER_PORT + " key=hex:" + keyHex + "\n");
                SSLContext fromFile = server(one, file);
                SSLContext fromCachedDb = server(one, cachedDb);
                SSLContext fromUncachedDb = server(one, uncachedDb);
                // Alternating rounds, so that a noisy machine's drift hits all three alike.
                for (int round = 1; round <= ROUNDS; round++) {
                    handshakes("round " + round + ", PKCS12 key store", client, fromFile);
                    handshakes("round " + round + ", PostgreSQL key store, cached", client, fromCachedDb);
                    handshakes("round " + round + ", PostgreSQL key store, no cache (one query per handshake)",
                            client, fromUncachedDb);
                }
            }
        }
    }

    private static byte[] keys(KpsaId id, String url) throws Exception {
        try (PostgresKeyStore s = PostgresKeyStore.open(url, PASSWORD.toCharArray())) {
            return s.getKey(id).getEncoded();
        }
    }

    private static SSLContext server(KpsaId id, PskKeyProvider store) throws Exception {
        AssociationTable t = AssociationTable.parse("bench-server", new StringReader(id.value() + " peer=CAE01\n"),
                IdentityMode.STRICT, true);
        SaefConfiguration config = SaefConfiguration.builder().associations(t)
                .keys(CompositeKeyProvider.of(t.inlineKeys(), store)).build();
        SaefProvider provider = new SaefProvider();
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("PSK", provider);
        kmf.init(new PskKeyManagerParameters(config));
        SSLContext ctx = SSLContext.getInstance("TLS", provider);
        ctx.init(kmf.getKeyManagers(), null, null);
        return ctx;
    }

    private static void handshakes(String what, SSLContext client, SSLContext server) throws Exception {
        BenchSupport.Buffers b = new BenchSupport.Buffers();
        long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        while (System.nanoTime() < deadline) { // warm-up
            one(client, server, b);
        }
        int count = 0;
        long t0 = System.nanoTime();
        deadline = t0 + Duration.ofSeconds(3).toNanos();
        while (System.nanoTime() < deadline) {
            one(client, server, b);
            count++;
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("handshakes/s, %s: %.0f (%d in %.1f s, one thread, in-memory engines)%n", what,
                count / seconds, count, seconds);
    }

    private static void one(SSLContext client, SSLContext server, BenchSupport.Buffers b) throws Exception {
        SSLEngine c = client.createSSLEngine(BenchSupport.ENGINE_PEER_HOST, BenchSupport.ENGINE_PEER_PORT);
        c.setUseClientMode(true);
        SSLEngine s = server.createSSLEngine();
        s.setUseClientMode(false);
        BenchSupport.handshake(c, s, b);
    }

    private static void warm(PostgresKeyStore store, List<KpsaId> ids) throws Exception {
        lookups(store, ids);
    }

    private static long[] lookups(PostgresKeyStore store, List<KpsaId> ids) throws Exception {
        long[] ns = new long[ids.size()];
        for (int i = 0; i < ns.length; i++) {
            long t = System.nanoTime();
            SecretKey k = store.getKey(ids.get(i));
            ns[i] = System.nanoTime() - t;
            if (k != null) {
                k.destroy();
            }
        }
        return ns;
    }

    private static void percentiles(String what, long[] ns) {
        long[] s = ns.clone();
        Arrays.sort(s);
        System.out.printf("%s: p50 %.1f us, p99 %.1f us, max %.1f us%n", what, s[s.length / 2] / 1e3,
                s[(int) (s.length * 0.99)] / 1e3, s[s.length - 1] / 1e3);
    }

    private static void report(String what, long ns) {
        System.out.printf("%s: %.2f s%n", what, ns / 1e9);
    }

    private static long usedHeap(Runtime rt) throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
        }
        return rt.totalMemory() - rt.freeMemory();
    }
}
