package dev.saef.crypto;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Function;
import org.bouncycastle.tls.crypto.TlsNonceGenerator;

/**
 * One nonce generator for all the connections of a {@link SaefTlsCrypto}, striped by thread: the
 * public random values of TLS and DTLS (client and server random, RFC 5246 section 7.4.1.2; CBC
 * explicit IVs, section 6.2.3.2; DTLS cookies) come from a few deterministic random bit generators
 * shared by every connection, instead of one per connection.
 *
 * <p>Bouncy Castle gives every connection its own SP 800-90A Hash_DRBG (SHA-512) for these values,
 * about 1.4 KiB of heap that an established, idle connection keeps for its whole life (issue 10,
 * "lean idle sessions"). Here each stripe is such a generator, made by {@link SaefTlsCrypto} exactly
 * as Bouncy Castle makes its own (seeded from the crypto's nonce entropy source, never from the
 * key-material source), with a distinct personalisation string (stripe, counter, time); a thread
 * always draws from the stripe its id selects. The generators are thread-safe themselves, so
 * stripes only spread contention; the heap cost is at most {@link #stripes()} generators per
 * crypto instance, whatever the number of connections. The values drawn are public (they are sent
 * in clear), as with one generator per connection; key material never comes from here.
 */
final class StripedNonceGenerator implements TlsNonceGenerator {

    private static final AtomicLong COUNTER = new AtomicLong();

    private final AtomicReferenceArray<TlsNonceGenerator> stripes;
    private final Function<byte[], TlsNonceGenerator> factory;

    /**
     * @param factory makes one generator from its personalisation string (Bouncy Castle's own
     *     nonce generator of the crypto)
     */
    StripedNonceGenerator(Function<byte[], TlsNonceGenerator> factory) {
        this.factory = factory;
        this.stripes = new AtomicReferenceArray<>(Math.min(64, 2 * Runtime.getRuntime().availableProcessors()));
    }

    /** @return how many generators this instance makes at most */
    int stripes() {
        return stripes.length();
    }

    @Override
    public byte[] generateNonce(int size) {
        int i = (int) (Thread.currentThread().getId() % stripes.length());
        TlsNonceGenerator g = stripes.get(i);
        if (g == null) {
            TlsNonceGenerator made = factory.apply(personalisation(i));
            g = stripes.compareAndSet(i, null, made) ? made : stripes.get(i);
        }
        return g.generateNonce(size);
    }

    /** 8 octets stripe and process-wide counter, 8 octets time: distinct for every generator made. */
    private static byte[] personalisation(int stripe) {
        long a = ((long) stripe << 48) ^ COUNTER.incrementAndGet();
        long b = System.nanoTime();
        byte[] p = new byte[16];
        for (int k = 0; k < 8; k++) {
            p[k] = (byte) (a >>> (56 - 8 * k));
            p[8 + k] = (byte) (b >>> (56 - 8 * k));
        }
        return p;
    }
}
