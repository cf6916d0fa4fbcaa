package dev.saef.protocol;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.bouncycastle.tls.DTLSVerifier;

/**
 * What the DTLS connections of one {@code SSLContext} share: the bounded pool of threads that run
 * Bouncy Castle's blocking DTLS handshakes, and the stateless cookie verifier of the servers (RFC
 * 6347 section 4.2.1: a HelloVerifyRequest whose cookie is an HMAC of the client's address and
 * ClientHello under a secret of this context, so that a server keeps no state for a client until
 * it has proved it receives at its address). Threads serve handshakes in progress only: an
 * established DTLS association holds none. Idle threads end after {@value #KEEP_ALIVE_SECONDS} s.
 */
public final class DtlsHandshakes {

    /** Most handshakes that run at once; more wait in a queue of {@value #MAX_QUEUED}. */
    public static final int MAX_THREADS = 16;
    /** Handshakes that may wait for a thread; beyond that a handshake fails at once. */
    public static final int MAX_QUEUED = 1024;
    static final int KEEP_ALIVE_SECONDS = 30;

    private static final AtomicInteger POOLS = new AtomicInteger();

    private final ThreadPoolExecutor pool;
    private final AtomicInteger started = new AtomicInteger();
    private final DTLSVerifier verifier;

    /** @param policy the context's policy: the random of its crypto makes the cookie secret */
    public DtlsHandshakes(SaefPolicy policy) {
        int id = POOLS.incrementAndGet();
        AtomicInteger n = new AtomicInteger();
        ThreadFactory threads = r -> {
            Thread t = new Thread(r, "saef-dtls-handshake-" + id + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        this.pool = new ThreadPoolExecutor(MAX_THREADS, MAX_THREADS, KEEP_ALIVE_SECONDS, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(MAX_QUEUED), threads);
        this.pool.allowCoreThreadTimeOut(true);
        this.verifier = new DTLSVerifier(policy.crypto());
    }

    DTLSVerifier verifier() {
        return verifier;
    }

    /** @return false when the pool and its queue are full */
    boolean submit(Runnable handshake) {
        try {
            pool.execute(handshake);
            started.incrementAndGet();
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    /** @return how many handshakes this context has started (each one after a valid cookie, for a server) */
    public int handshakesStarted() {
        return started.get();
    }

    /** @return the number of threads running or waiting for handshakes now */
    public int threads() {
        return pool.getPoolSize();
    }
}
