package dev.saef.protocol;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * At most {@code perSecond} log lines in each one-second window; what is over the limit is counted
 * and reported once by the first line of a later window, so that a flood of failing handshakes
 * cannot fill a disk. Thread-safe.
 */
final class LogRateLimit {

    /** What {@link #acquire()} returns when the line must be dropped. */
    static final long DROP = -1;

    private static final long WINDOW = TimeUnit.SECONDS.toNanos(1);

    private final int perSecond;
    private final LongSupplier nanoTime;
    private long windowStart;
    private int used;
    private long suppressed;

    LogRateLimit(int perSecond, LongSupplier nanoTime) {
        this.perSecond = perSecond;
        this.nanoTime = nanoTime;
        this.windowStart = nanoTime.getAsLong();
    }

    /**
     * @return {@link #DROP} when this line is over the limit; otherwise how many lines were dropped
     *     since the last line logged (0 mostly), to report in a summary before this one
     */
    synchronized long acquire() {
        long now = nanoTime.getAsLong();
        long dropped = 0;
        if (now - windowStart >= WINDOW) {
            windowStart = now;
            used = 0;
            dropped = suppressed;
            suppressed = 0;
        }
        if (used >= perSecond) {
            suppressed++;
            return DROP;
        }
        used++;
        return dropped;
    }
}
