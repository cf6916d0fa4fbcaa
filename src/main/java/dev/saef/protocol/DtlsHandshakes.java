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
 * Bouncy Castle's blocking DTLS handshakes ({@code saef.dtls.handshakeThreads}, default
 * {@value dev.saef.config.DtlsLimits#DEFAULT_HANDSHAKE_THREADS}; each handshake ends, and frees its
 * thread, at {@code saef.dtls.handshakeTimeout} at the latest), the memory budget of the datagrams
 * waiting for them ({@link HandshakeBudget}), and the stateless cookie verifier of the servers (RFC
 * 6347 section 4.2.1: a HelloVerifyRequest whose cookie is an HMAC of the client's address and
 * ClientHello under a secret of this context, so that a server keeps no state for a client until
 * it has proved it receives at its address). Threads serve handshakes in progress only: an
 * established DTLS association holds none. Idle threads end after {@value #KEEP_ALIVE_SECONDS} s.
 */
public final class DtlsHandshakes {

    /** Handshakes that may wait for a thread; beyond that a handshake fails at once. */
    public static final int MAX_QUEUED = 1024;
    static final int KEEP_ALIVE_SECONDS = 30;

    private static final AtomicInteger POOLS = new AtomicInteger();

    private final ThreadPoolExecutor pool;
    private final AtomicInteger started = new AtomicInteger();
    private final DTLSVerifier verifier;
    private final HandshakeBudget budget;
    private final int maxThreads;

    /** @param policy the context's policy: the random of its crypto makes the cookie secret */
    public DtlsHandshakes(SaefPolicy policy) {
        int id = POOLS.incrementAndGet();
        AtomicInteger n = new AtomicInteger();
        ThreadFactory threads = r -> {
            Thread t = new Thread(r, "saef-dtls-handshake-" + id + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        this.maxThreads = policy.dtlsLimits().handshakeThreads();
        this.pool = new ThreadPoolExecutor(maxThreads, maxThreads, KEEP_ALIVE_SECONDS, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(MAX_QUEUED), threads);
        this.pool.allowCoreThreadTimeOut(true);
        this.verifier = new DTLSVerifier(policy.crypto());
        this.budget = new HandshakeBudget(policy.dtlsLimits().peerHandshakeMemory(), policy.dtlsLimits().handshakeMemory());
    }

    HandshakeBudget budget() {
        return budget;
    }

    /** @return the most handshakes that run at once ({@code saef.dtls.handshakeThreads}) */
    public int maxThreads() {
        return maxThreads;
    }

    /** @return received bytes now waiting for handshakes in progress (within {@code saef.dtls.handshakeMemory}) */
    public long pendingBytes() {
        return budget.used();
    }

    /** @return the most received bytes that ever waited for handshakes in progress at once */
    public long peakPendingBytes() {
        return budget.peak();
    }

    /** @return received datagrams dropped because a handshake's or the context's budget was spent */
    public long droppedDatagrams() {
        return budget.dropped();
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

    /** @return the number of handshakes running on a thread now (each ends by its handshake timeout) */
    public int activeHandshakes() {
        return pool.getActiveCount();
    }

    /** @return the number of threads running or waiting for handshakes now (idle ones end after a while) */
    public int threads() {
        return pool.getPoolSize();
    }
}
