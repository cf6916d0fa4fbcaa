package dev.saef.keys.jdbc;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A small bounded pool of JDBC connections to one database: at most {@code max} open at once; a caller waits at most
 * the lookup timeout for one, then fails. A connection that failed is closed, not returned. Connections get the
 * driver's standard time limits unless the URL sets them ({@code connectTimeout}, {@code socketTimeout},
 * {@code loginTimeout}, in seconds), so a database that stops answering fails a lookup, never hangs it. The database
 * password comes from the URL or the driver's own password file ({@code ~/.pgpass}, {@code PGPASSFILE}).
 * Thread-safe.
 */
final class ConnectionPool implements AutoCloseable {

    private final String url;
    private final Properties props;
    private final BlockingQueue<Connection> idle;
    private final Semaphore permits;
    private final long waitMillis;
    private volatile boolean closed;

    ConnectionPool(String url, int max, int timeoutSeconds) {
        this.url = url;
        this.props = new Properties();
        String t = Integer.toString(timeoutSeconds);
        props.setProperty("connectTimeout", t);
        props.setProperty("socketTimeout", t);
        props.setProperty("loginTimeout", t);
        props.setProperty("ApplicationName", "saef-jsse");
        this.idle = new ArrayBlockingQueue<>(max);
        this.permits = new Semaphore(max);
        this.waitMillis = timeoutSeconds * 1000L;
    }

    /** @return a new connection outside the pool (the change listener's), with the same settings */
    Connection open() throws SQLException {
        // URL parameters take precedence over these defaults (the PostgreSQL driver reads the URL last)
        return DriverManager.getConnection(url, props);
    }

    /** @return a pooled connection; give it back with {@link #release} */
    Connection borrow() throws SQLException {
        if (closed) {
            throw new SQLException("the key store is closed");
        }
        try {
            if (!permits.tryAcquire(waitMillis, TimeUnit.MILLISECONDS)) {
                throw new SQLException("no database connection became free within " + waitMillis + " ms");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while waiting for a database connection");
        }
        Connection c = idle.poll();
        if (c != null) {
            return c;
        }
        try {
            return open();
        } catch (SQLException | RuntimeException e) {
            permits.release();
            throw e;
        }
    }

    /**
     * @param c a connection from {@link #borrow}
     * @param healthy false when a statement on it failed: it is closed instead of reused
     */
    void release(Connection c, boolean healthy) {
        try {
            if (healthy && !closed && idle.offer(c)) {
                return;
            }
            closeQuietly(c);
        } finally {
            permits.release();
        }
    }

    static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            // closing a broken connection: nothing to do
        }
    }

    /** Closes the idle connections (after the database restarted they are dead); later borrows open new ones. */
    void closeIdle() {
        Connection c;
        while ((c = idle.poll()) != null) {
            closeQuietly(c);
        }
    }

    @Override
    public void close() {
        closed = true;
        Connection c;
        while ((c = idle.poll()) != null) {
            closeQuietly(c);
        }
    }
}
