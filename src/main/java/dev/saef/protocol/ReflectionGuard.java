package dev.saef.protocol;

import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The client randoms (RFC 5246 section 7.4.1.2) of the handshakes one {@code SSLContext} currently
 * runs as a client, so that its servers can refuse a ClientHello that is one of them: a connection
 * an on-path attacker reflected back to its sender (the "Selfie" attack on TLS-PSK, Drucker and
 * Gueron 2019). One association table serves both roles (TS-0003 clause 8.2.2.1), so without this
 * check the reflected handshake succeeds and the entity believes it talks to the remote CSE.
 *
 * <p>A random is recorded when a client sends its ClientHello and forgotten when that handshake
 * ends (completed, failed or closed): only a handshake still in progress can be reflected. Memory
 * is bounded whatever the load: at most {@link #capacity} randoms are kept (the oldest is dropped
 * first), and a random older than {@link #maxAgeNanos} is dropped too (a client handshake abandoned
 * without being closed). Thread-safe; each operation is O(1) under one short lock. Client randoms
 * are public values (sent in clear), so no constant-time comparison is needed.
 */
final class ReflectionGuard {

    /** Default bound on the randoms kept: far above the client handshakes one context runs at once. */
    static final int DEFAULT_CAPACITY = 16_384;
    /** Default age after which a random is dropped: longer than any handshake (10 minutes). */
    static final long DEFAULT_MAX_AGE_NANOS = 600_000_000_000L;

    private final int capacity;
    private final long maxAgeNanos;
    private final LongSupplier clock;
    /** random -> time recorded, in insertion order (oldest first). Guarded by {@code this}. */
    private final LinkedHashMap<Random, Long> randoms = new LinkedHashMap<>();

    ReflectionGuard() {
        this(DEFAULT_CAPACITY, DEFAULT_MAX_AGE_NANOS, System::nanoTime);
    }

    ReflectionGuard(int capacity, long maxAgeNanos, LongSupplier clock) {
        if (capacity < 1 || maxAgeNanos < 1) {
            throw new IllegalArgumentException("capacity and maximum age must be positive");
        }
        this.capacity = capacity;
        this.maxAgeNanos = maxAgeNanos;
        this.clock = clock;
    }

    /** Records the random of a ClientHello this context is sending. */
    synchronized void clientHelloSent(byte[] clientRandom) {
        long now = clock.getAsLong();
        expire(now);
        randoms.put(key(clientRandom), now);
        while (randoms.size() > capacity) {
            Iterator<?> oldest = randoms.entrySet().iterator();
            oldest.next();
            oldest.remove();
        }
    }

    /** Forgets the random of a client handshake that ended; idempotent. */
    synchronized void clientHandshakeEnded(byte[] clientRandom) {
        randoms.remove(key(clientRandom));
    }

    /** @return whether a ClientHello with this random is one this context sent and is still waiting on */
    synchronized boolean isOwnClientHello(byte[] clientRandom) {
        expire(clock.getAsLong());
        return clientRandom != null && randoms.containsKey(key(clientRandom));
    }

    /** @return the number of randoms held (for tests) */
    synchronized int size() {
        return randoms.size();
    }

    private void expire(long now) {
        Iterator<Map.Entry<Random, Long>> it = randoms.entrySet().iterator();
        while (it.hasNext()) {
            if (now - it.next().getValue() < maxAgeNanos) {
                return; // insertion order: the rest are younger
            }
            it.remove();
        }
    }

    private static Random key(byte[] random) {
        return new Random(random.clone());
    }

    /** A client random as a map key, compared by value (a private copy, never changed). */
    private record Random(byte[] octets) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Random r && Arrays.equals(octets, r.octets);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(octets);
        }

        @Override
        public String toString() {
            return "Random[" + octets.length + " octets]";
        }
    }
}
