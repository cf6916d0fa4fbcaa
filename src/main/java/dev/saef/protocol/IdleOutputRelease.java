package dev.saef.protocol;

import java.util.Iterator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Gives back Bouncy Castle's outgoing record queue of TLS connections that went quiet right after
 * sending full-size records. The queue's array grows to 32 KiB with the first full record, and a
 * connection cannot tell the last record of a burst from the next-to-last: releasing it at every
 * drain would cost a 32 KiB array per record while bulk data flows. So a connection whose large
 * output was drained is watched here, and once it has written nothing for {@link #IDLE_MILLIS} a
 * sweep releases the (empty) array under the connection's lock ({@link TlsConnection#releaseOutputIfIdle}).
 *
 * <p>One daemon thread for the whole process, made only while some connection is watched (it ends
 * a few seconds after the last sweep); a connection is registered once per burst, not per record,
 * and leaves the set at the sweep that releases its array (or finds it closed).
 */
final class IdleOutputRelease {

    /** How long a connection must have written nothing before its grown queue is released. */
    static final long IDLE_MILLIS = 1000;

    private static final Set<TlsConnection> WATCHED = ConcurrentHashMap.newKeySet();
    private static final AtomicBoolean SCHEDULED = new AtomicBoolean();
    private static final ScheduledThreadPoolExecutor TIMER = timer();

    private IdleOutputRelease() {
    }

    private static ScheduledThreadPoolExecutor timer() {
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
            Thread th = new Thread(r, "saef-idle-release");
            th.setDaemon(true);
            return th;
        });
        t.setKeepAliveTime(5, TimeUnit.SECONDS);
        t.allowCoreThreadTimeOut(true);
        t.setRemoveOnCancelPolicy(true);
        return t;
    }

    /** Watches {@code c} until a sweep finds it idle and releases its outgoing queue. */
    static void watch(TlsConnection c) {
        WATCHED.add(c);
        schedule();
    }

    private static void schedule() {
        if (SCHEDULED.compareAndSet(false, true)) {
            TIMER.schedule(IdleOutputRelease::sweep, IDLE_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    private static void sweep() {
        try {
            long now = System.nanoTime();
            for (Iterator<TlsConnection> it = WATCHED.iterator(); it.hasNext();) {
                if (it.next().releaseOutputIfIdle(now)) {
                    it.remove();
                }
            }
        } finally {
            SCHEDULED.set(false);
            if (!WATCHED.isEmpty()) {
                schedule(); // also covers a watch() that raced with the end of this sweep
            }
        }
    }
}
