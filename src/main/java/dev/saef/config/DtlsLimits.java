package dev.saef.config;

/**
 * The resource limits of the DTLS handshakes of one {@code SSLContext} (RFC 6347): how long a
 * handshake may take before its thread is released, how many handshakes run at once, and how many
 * received datagram bytes may wait for handshakes in progress, per peer and in total. Bouncy
 * Castle's DTLS handshake is blocking, so each handshake in progress holds a thread of a bounded
 * pool; established associations hold none.
 *
 * <p>Set through {@value SaefProperties#DTLS_HANDSHAKE_TIMEOUT}, {@value SaefProperties#DTLS_HANDSHAKE_THREADS},
 * {@value SaefProperties#DTLS_PEER_HANDSHAKE_MEMORY} and {@value SaefProperties#DTLS_HANDSHAKE_MEMORY}
 * ({@link SaefProperties} parses and validates them). Immutable.
 *
 * @param handshakeTimeoutMillis the time limit of a whole DTLS handshake in milliseconds; 0: not set,
 *     the socket handshake timeout ({@value SaefProperties#HANDSHAKE_TIMEOUT}) applies, or 60 s when that is
 *     0 (a DTLS handshake always ends: a silent peer must not hold a thread for ever)
 * @param handshakeThreads the most DTLS handshakes that run at once (threads of the pool)
 * @param peerHandshakeMemory the most received bytes that wait for one handshake; more are dropped
 * @param handshakeMemory the most received bytes that wait for all handshakes of the context together
 */
public record DtlsLimits(long handshakeTimeoutMillis, int handshakeThreads, long peerHandshakeMemory,
        long handshakeMemory) {

    /** Default {@value SaefProperties#DTLS_HANDSHAKE_THREADS}. */
    public static final int DEFAULT_HANDSHAKE_THREADS = 16;
    /** Most {@value SaefProperties#DTLS_HANDSHAKE_THREADS}. */
    public static final int MAX_HANDSHAKE_THREADS = 4096;
    /** Default {@value SaefProperties#DTLS_PEER_HANDSHAKE_MEMORY}: 64 KiB, many times a PSK client's flights. */
    public static final long DEFAULT_PEER_HANDSHAKE_MEMORY = 64 * 1024;
    /** Default {@value SaefProperties#DTLS_HANDSHAKE_MEMORY}: 16 MiB. */
    public static final long DEFAULT_HANDSHAKE_MEMORY = 16 * 1024 * 1024;
    /** Least memory value: one largest DTLS record (RFC 6347 section 4.1, 2^14 + 2048 + 13 octets). */
    public static final long MIN_MEMORY = 16384 + 2048 + 13;

    /** The defaults: timeout not set (follows the socket handshake timeout), 16 threads, 64 KiB, 16 MiB. */
    public static final DtlsLimits DEFAULTS = new DtlsLimits(0, DEFAULT_HANDSHAKE_THREADS,
            DEFAULT_PEER_HANDSHAKE_MEMORY, DEFAULT_HANDSHAKE_MEMORY);

    /** @throws IllegalArgumentException naming the value that is out of range */
    public DtlsLimits {
        if (handshakeTimeoutMillis < 0 || handshakeTimeoutMillis > Integer.MAX_VALUE
                || (handshakeTimeoutMillis > 0 && handshakeTimeoutMillis < SaefProperties.MIN_HANDSHAKE_TIMEOUT_MILLIS)) {
            throw new IllegalArgumentException("DTLS handshake timeout " + handshakeTimeoutMillis + " ms is out of range ("
                    + SaefProperties.MIN_HANDSHAKE_TIMEOUT_MILLIS + " ms to " + Integer.MAX_VALUE + " ms)");
        }
        if (handshakeThreads < 1 || handshakeThreads > MAX_HANDSHAKE_THREADS) {
            throw new IllegalArgumentException("DTLS handshake threads " + handshakeThreads + " is out of range (1 to "
                    + MAX_HANDSHAKE_THREADS + ")");
        }
        if (peerHandshakeMemory < MIN_MEMORY || handshakeMemory < peerHandshakeMemory) {
            throw new IllegalArgumentException("DTLS handshake memory: per peer " + peerHandshakeMemory + " bytes, in total "
                    + handshakeMemory + " bytes; per peer must be at least " + MIN_MEMORY
                    + " (one largest record) and the total at least the per-peer value");
        }
    }

    /**
     * @param socketTimeoutMillis the socket handshake timeout ({@value SaefProperties#HANDSHAKE_TIMEOUT}), 0 for none
     * @return the DTLS handshake time limit in effect, always positive
     */
    public long effectiveTimeoutMillis(long socketTimeoutMillis) {
        if (handshakeTimeoutMillis > 0) {
            return handshakeTimeoutMillis;
        }
        return socketTimeoutMillis > 0 ? socketTimeoutMillis : SaefConfiguration.DEFAULT_HANDSHAKE_TIMEOUT_MILLIS;
    }

    /** @return a copy with this DTLS handshake time limit (0: follow the socket handshake timeout) */
    public DtlsLimits withHandshakeTimeoutMillis(long ms) {
        return new DtlsLimits(ms, handshakeThreads, peerHandshakeMemory, handshakeMemory);
    }

    /** @return a copy with this many handshake threads */
    public DtlsLimits withHandshakeThreads(int n) {
        return new DtlsLimits(handshakeTimeoutMillis, n, peerHandshakeMemory, handshakeMemory);
    }

    /** @return a copy with these memory budgets (bytes per peer, bytes in total) */
    public DtlsLimits withHandshakeMemory(long perPeer, long total) {
        return new DtlsLimits(handshakeTimeoutMillis, handshakeThreads, perPeer, total);
    }
}
