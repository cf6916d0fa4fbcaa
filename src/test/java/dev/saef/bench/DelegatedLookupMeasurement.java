package dev.saef.bench;

import dev.saef.config.AssociationTable;
import dev.saef.config.PskKeyManagerParameters;
import dev.saef.config.SaefConfiguration;
import dev.saef.identity.IdentityMode;
import dev.saef.identity.KpsaId;
import dev.saef.jsse.SaefProvider;
import dev.saef.keys.CompositeKeyProvider;
import dev.saef.keys.PskKeyProvider;
import dev.saef.keys.PskSecretKey;
import java.io.StringReader;
import java.util.HexFormat;
import javax.crypto.SecretKey;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;

/**
 * Issue 11 item 2: what a delegated key lookup costs. In-memory {@code SSLEngine} handshakes per second (plain PSK,
 * the default suites) with one in-memory key source, once declared non-blocking (looked up in place) and once
 * declared blocking ({@code lookupsMayBlock() == true}: {@code NEED_TASK}, the task run inline by the driver, the
 * lookup on a {@code saef-key-lookup} thread within {@code saef.keyLookupTimeout}). The difference is the price of the
 * task and the thread hand-off alone; a real blocking source adds its own latency.
 *
 * <p>Not a test: run it with {@code java -cp target/classes:target/test-classes:$(cat target/bench-classpath.txt)
 * dev.saef.bench.DelegatedLookupMeasurement [seconds [rounds]]} after {@code mvn -o test-compile}.
 */
public final class DelegatedLookupMeasurement {

    static final String KPSA = "meter7@sp.example.com";
    static final String KEY_HEX = "00112233445566778899aabbccddeeff";
    static final SaefProvider PROVIDER = new SaefProvider();

    private DelegatedLookupMeasurement() {
    }

    /** An in-memory key source that says whatever it is told about blocking. */
    record Keys(boolean mayBlock) implements PskKeyProvider {
        @Override
        public SecretKey getKey(KpsaId kpsaId) {
            return kpsaId.toString().equals(KPSA) ? new PskSecretKey(HexFormat.of().parseHex(KEY_HEX)) : null;
        }

        @Override
        public boolean lookupsMayBlock() {
            return mayBlock;
        }
    }

    static SSLContext context(String table, PskKeyProvider extra) throws Exception {
        AssociationTable t = AssociationTable.parse("table", new StringReader(table), IdentityMode.STRICT, true);
        SaefConfiguration config = SaefConfiguration.of(t,
                extra == null ? t.inlineKeys() : CompositeKeyProvider.of(t.inlineKeys(), extra));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("PSK", PROVIDER);
        kmf.init(new PskKeyManagerParameters(config));
        SSLContext ctx = SSLContext.getInstance("TLS", PROVIDER);
        ctx.init(kmf.getKeyManagers(), null, null);
        return ctx;
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        SSLContext client = context(KPSA + " peer=/id-in address=meters.example.net:443 key=hex:" + KEY_HEX + "\n", null);
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        for (int round = 0; round < rounds; round++) {
            for (boolean mayBlock : new boolean[] {false, true}) {
                SSLContext server = context(KPSA + " peer=CAE01\n", new Keys(mayBlock));
                BenchSupport.Buffers buffers = new BenchSupport.Buffers();
                long end = System.nanoTime() + seconds * 1_000_000_000L;
                long n = 0;
                long t0 = System.nanoTime();
                while (System.nanoTime() < end) {
                    SSLEngine c = client.createSSLEngine("meters.example.net", 443);
                    c.setUseClientMode(true);
                    SSLEngine s = server.createSSLEngine();
                    s.setUseClientMode(false);
                    BenchSupport.handshake(c, s, buffers);
                    c.getSession().invalidate();
                    n++;
                }
                double perSecond = n / ((System.nanoTime() - t0) / 1e9);
                System.out.printf("%s lookup: %.0f handshakes/s (%d in %d s)%s%n",
                        mayBlock ? "delegated (NEED_TASK)" : "in place", perSecond, n, seconds,
                        round == 0 ? " [warm-up]" : "");
            }
        }
    }
}
