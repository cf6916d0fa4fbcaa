package dev.saef.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The bounded, expiring set of in-flight client randoms behind {@code saef.reflectionCheck}. */
class ReflectionGuardTest {

    private static byte[] random(int i) {
        return ByteBuffer.allocate(32).putInt(i).putInt(28, ~i).array();
    }

    @Test
    void recordsUntilTheHandshakeEnds() {
        ReflectionGuard g = new ReflectionGuard();
        byte[] r = random(1);
        assertFalse(g.isOwnClientHello(r));
        g.clientHelloSent(r);
        assertTrue(g.isOwnClientHello(r.clone()), "matched by value");
        assertFalse(g.isOwnClientHello(random(2)));
        byte[] sent = r.clone();
        r[0] ^= 1; // the guard keeps its own copy
        assertTrue(g.isOwnClientHello(sent));
        assertFalse(g.isOwnClientHello(r));
        r[0] ^= 1;
        g.clientHandshakeEnded(r);
        assertFalse(g.isOwnClientHello(r));
        g.clientHandshakeEnded(r); // idempotent
        assertEquals(0, g.size());
        assertFalse(g.isOwnClientHello(null));
    }

    @Test
    void boundedUnderLoadOldestDroppedFirst() {
        ReflectionGuard g = new ReflectionGuard(100, Long.MAX_VALUE, System::nanoTime);
        for (int i = 0; i < 10_000; i++) {
            g.clientHelloSent(random(i)); // never ended: abandoned handshakes
        }
        assertEquals(100, g.size());
        assertFalse(g.isOwnClientHello(random(9_899)));
        assertTrue(g.isOwnClientHello(random(9_900)));
        assertTrue(g.isOwnClientHello(random(9_999)));
    }

    @Test
    void expiresOldRandoms() {
        AtomicLong now = new AtomicLong(1_000);
        ReflectionGuard g = new ReflectionGuard(100, 500, now::get);
        g.clientHelloSent(random(1));
        now.addAndGet(300);
        g.clientHelloSent(random(2));
        now.addAndGet(250); // random 1 is 550 old, random 2 250
        assertFalse(g.isOwnClientHello(random(1)));
        assertTrue(g.isOwnClientHello(random(2)));
        assertEquals(1, g.size());
        now.addAndGet(1_000);
        assertFalse(g.isOwnClientHello(random(2)));
        assertEquals(0, g.size());
    }

    @Test
    void concurrentUseStaysConsistentAndBounded() throws Exception {
        ReflectionGuard g = new ReflectionGuard(1_000, Long.MAX_VALUE, System::nanoTime);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int base = t * 1_000_000;
                results.add(pool.submit(() -> {
                    boolean ok = true;
                    for (int i = 0; i < 20_000; i++) {
                        byte[] r = random(base + i);
                        g.clientHelloSent(r);
                        ok &= g.size() <= 1_000;
                        if (i % 2 == 0) {
                            g.clientHandshakeEnded(r);
                            ok &= !g.isOwnClientHello(r);
                        }
                    }
                    return ok;
                }));
            }
            for (Future<Boolean> f : results) {
                assertTrue(f.get(30, TimeUnit.SECONDS));
            }
            assertEquals(1_000, g.size(), "full of the randoms never ended, never above the bound");
        } finally {
            pool.shutdownNow();
        }
    }
}
