package dev.saef.protocol;

import dev.saef.keys.Association;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Entity B's key lookup for one {@code psk_identity} (TS-0003 clause 8.2.2.1: the server finds the
 * association and the Kpsa of the KpsaID the client offered, RFC 4279 section 2): the association and
 * the key come from one snapshot of the key manager ({@link PinnedKeys}), and the key object is
 * destroyed at once ({@link KpsaOctets}). The one place that calls the key manager for a server's
 * identity, whether the lookup runs in place (sockets, key managers that answer from memory) or as an
 * {@code SSLEngine} delegated task ({@link #withTimeout}, for key managers whose lookups may block).
 *
 * <p>Never throws: every failure of the key source becomes a {@link Result} that says what failed,
 * in words that name identities, never keys.
 */
final class ServerKeyLookup {

    /** Most threads that wait on blocking key sources at once; more lookups queue (and time out there). */
    static final int MAX_THREADS = Math.max(8, Math.min(64, 4 * Runtime.getRuntime().availableProcessors()));

    private static final AtomicInteger THREADS = new AtomicInteger();
    /**
     * Runs lookups that have a time limit, so that the delegated task can give up on a key source that does
     * not answer: daemon threads, created on demand and ended after 30 s idle.
     */
    /** Lookups waiting for a pool thread, at most; beyond, a lookup fails at once (the key source is not keeping up). */
    static final int MAX_QUEUED = 4096;
    private static final ThreadPoolExecutor POOL = pool();

    /** @return lookups waiting for a pool thread */
    static int queuedLookups() {
        return POOL.getQueue().size();
    }

    private ServerKeyLookup() {
    }

    private static ThreadPoolExecutor pool() {
        ThreadPoolExecutor p = new ThreadPoolExecutor(MAX_THREADS, MAX_THREADS, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(MAX_QUEUED), r -> {
                    Thread t = new Thread(r, "saef-key-lookup-" + THREADS.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        p.allowCoreThreadTimeOut(true);
        return p;
    }

    /**
     * What a lookup found. Owns {@link #key} until it is handed on ({@link #takeKey()}) or wiped
     * ({@link #wipe()}).
     */
    static final class Result {
        private final byte[] identity;
        /** The association found, or null: the identity is unknown (or its lookup failed). */
        final Association association;
        /** The fingerprint of {@link #association} in the snapshot it came from, or null. */
        final byte[] fingerprint;
        /** Why the key source failed (names identities, never keys), or null. */
        final String failure;
        /** What the key source threw, or null. */
        final Exception cause;
        /** The lookup did not finish within {@code saef.keyLookupTimeout}. */
        final boolean timedOut;
        private byte[] key;

        private Result(byte[] identity, Association association, byte[] key, byte[] fingerprint, String failure,
                Exception cause, boolean timedOut) {
            this.identity = identity.clone();
            this.association = association;
            this.key = key;
            this.fingerprint = fingerprint;
            this.failure = failure;
            this.cause = cause;
            this.timedOut = timedOut;
        }

        static Result failed(byte[] identity, String failure, Exception cause) {
            return new Result(identity, null, null, null, failure, cause, false);
        }

        /** @return whether this is the lookup of exactly these {@code psk_identity} octets */
        boolean isFor(byte[] id) {
            return Arrays.equals(identity, id);
        }

        /** @return the Kpsa octets (the caller owns and zeroes them from now on), or null */
        synchronized byte[] takeKey() {
            byte[] k = key;
            key = null;
            return k;
        }

        /** Zeroes the key, if still held. */
        synchronized void wipe() {
            if (key != null) {
                Arrays.fill(key, (byte) 0);
                key = null;
            }
        }
    }

    /**
     * Looks the identity up on the calling thread.
     *
     * @param policy the context's policy (its key manager)
     * @param identity the {@code psk_identity} octets (not modified or kept)
     * @return the association and key, or why there are none
     */
    static Result lookUp(SaefPolicy policy, byte[] identity) {
        try (PinnedKeys keys = PinnedKeys.of(policy.keyManager())) {
            Optional<Association> found;
            try {
                found = keys.keys().chooseServerAssociation(identity);
            } catch (RuntimeException e) {
                return Result.failed(identity, "looking up the identity failed with " + e.getClass().getName(), e);
            }
            if (found == null || found.isEmpty()) {
                return new Result(identity, null, null, null, null, null, false);
            }
            Association a = found.get();
            byte[] key;
            try {
                key = KpsaOctets.take(keys.keys().getKey(a));
            } catch (GeneralSecurityException e) {
                // checked exceptions name identities, never keys (PskKeyProvider/PskKeyManager contract)
                return Result.failed(identity, "reading the Kpsa for KpsaID " + a.kpsaId() + " (" + a.source()
                        + ") failed: " + e.getMessage(), e);
            } catch (RuntimeException e) {
                return Result.failed(identity, "reading the Kpsa for KpsaID " + a.kpsaId() + " (" + a.source()
                        + ") failed with " + e.getClass().getName(), e);
            }
            return new Result(identity, a, key, key == null ? null : keys.fingerprint(a), null, null, false);
        } catch (RuntimeException e) {
            return Result.failed(identity, "the key manager failed with " + e.getClass().getName(), e); // pin()
        }
    }

    /**
     * Looks the identity up on a lookup thread and waits at most {@code policy.keyLookupTimeoutMillis()}
     * ({@code saef.keyLookupTimeout}; 0: no limit, the lookup runs on the calling thread). A lookup that
     * finishes after the limit has its key zeroed at once; it is not interrupted (a key source has its own
     * time limits, e.g. the database driver's).
     *
     * @param policy the context's policy (its key manager and time limit)
     * @param identity the {@code psk_identity} octets
     * @return the result, or a failed one that says the limit passed
     */
    static Result withTimeout(SaefPolicy policy, byte[] identity) {
        long limit = policy.keyLookupTimeoutMillis();
        if (limit == 0) {
            return lookUp(policy, identity);
        }
        byte[] id = identity.clone();
        AtomicReference<Result> slot = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(1);
        Future<?> running;
        try {
            running = POOL.submit(() -> {
                Result r = lookUp(policy, id);
                if (!slot.compareAndSet(null, r)) {
                    r.wipe(); // too late: the handshake failed already
                }
                done.countDown();
            });
        } catch (RejectedExecutionException e) {
            return Result.failed(id, "the key lookup could not be started: " + MAX_QUEUED + " lookups already wait"
                    + " for the key source, which is not keeping up (check it)", e);
        }
        boolean finished;
        try {
            finished = done.await(limit, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            finished = false;
        }
        if (!finished) {
            String why = Thread.currentThread().isInterrupted()
                    ? "the delegated task running the key lookup was interrupted"
                    : "the key lookup did not finish within " + limit + " ms (saef.keyLookupTimeout): the key source"
                            + " may be down, slow or overloaded; check it, or raise saef.keyLookupTimeout";
            Result late = new Result(id, null, null, null, why, null, !Thread.currentThread().isInterrupted());
            if (slot.compareAndSet(null, late)) {
                running.cancel(false); // still queued: never runs; running: finishes and zeroes its key
                POOL.remove((Runnable) running); // and a queued one leaves the queue now, not when a thread frees
                return late;
            }
        }
        return slot.get();
    }
}
