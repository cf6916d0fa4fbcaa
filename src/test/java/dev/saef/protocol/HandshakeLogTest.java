package dev.saef.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.System.Logger.Level;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The rate limit of handshake log lines, their levels, and what a line may contain. */
class HandshakeLogTest {

    @Test
    void atMostNLinesPerSecondThenASummaryWithTheCountDropped() {
        AtomicLong now = new AtomicLong(1_000);
        LogRateLimit limit = new LogRateLimit(3, now::get);
        for (int i = 0; i < 3; i++) {
            assertEquals(0, limit.acquire());
        }
        for (int i = 0; i < 1000; i++) {
            assertEquals(LogRateLimit.DROP, limit.acquire(), "a flood is dropped after 3 lines");
        }
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(999));
        assertEquals(LogRateLimit.DROP, limit.acquire(), "still the same second");
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(1));
        assertEquals(1001, limit.acquire(), "the first line of the next second reports what was dropped");
        assertEquals(0, limit.acquire());
        assertEquals(0, limit.acquire());
        assertEquals(LogRateLimit.DROP, limit.acquire());
        now.addAndGet(TimeUnit.SECONDS.toNanos(5));
        assertEquals(1, limit.acquire());
    }

    /** A flood through the real logger: every handshake counted, few lines, and a summary of the dropped ones. */
    @Test
    void aFloodIsCountedButNotAllLogged() throws Exception {
        java.util.List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Logger jul = java.util.logging.Logger.getLogger("dev.saef");
        java.util.logging.Handler h = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord r) {
                lines.add(r.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        jul.addHandler(h);
        try {
            HandshakeStats stats = new HandshakeStats("TLS");
            for (int i = 0; i < 1000; i++) {
                stats.record(HandshakeOutcome.LOCAL_FAILURE, false, "192.0.2.7:" + i, null, "garbage");
            }
            assertEquals(1000, stats.count(HandshakeOutcome.LOCAL_FAILURE));
            assertTrue(lines.size() >= HandshakeLog.LINES_PER_SECOND && lines.size() < 100, lines.size() + " lines");
            Thread.sleep(1100);
            stats.record(HandshakeOutcome.LOCAL_FAILURE, false, "192.0.2.7:1", null, "garbage");
            assertTrue(lines.stream().anyMatch(l -> l.matches("SAEF: \\d+ more handshake\\(s\\) with outcome local_failure"
                    + " were not logged .*")), lines.toString());
        } finally {
            jul.removeHandler(h);
        }
    }

    @Test
    void levels() {
        assertEquals(Level.DEBUG, HandshakeLog.level(HandshakeOutcome.FULL, false));
        assertEquals(Level.DEBUG, HandshakeLog.level(HandshakeOutcome.RESUMED, true));
        assertEquals(Level.INFO, HandshakeLog.level(HandshakeOutcome.UNKNOWN_IDENTITY, false));
        assertEquals(Level.INFO, HandshakeLog.level(HandshakeOutcome.WRONG_KEY, false));
        assertEquals(Level.WARNING, HandshakeLog.level(HandshakeOutcome.WRONG_KEY, true));
        assertEquals(Level.WARNING, HandshakeLog.level(HandshakeOutcome.INTERNAL_ERROR, false));
    }

    /** An offered identity is the attacker's text: no line breaks (log injection), bounded length. */
    @Test
    void linesArePrintableAndBounded() {
        String id = "evil\r\nSAEF handshake succeeded: full" + "x".repeat(500);
        String line = HandshakeLog.line(HandshakeOutcome.UNKNOWN_IDENTITY, false, "TLS", "192.0.2.1:4433", id,
                "the client offered KpsaID '" + id + "'");
        assertFalse(line.contains("\n") || line.contains("\r"), line);
        assertTrue(line.startsWith("SAEF handshake failed: unknown_identity (server, TLS, peer 192.0.2.1:4433, KpsaID"
                + " evil??SAEF handshake succeeded: fullxxx"), line);
        assertTrue(line.contains("x...): the client offered KpsaID 'evil??SAEF handshake"), line);
        assertEquals(HandshakeLog.MAX_ID, line.substring(line.indexOf("KpsaID ") + 7, line.indexOf("...)")).length());
        assertEquals(true, line.length() < 40 + 600 + 120, "bounded: " + line.length());
    }
}
