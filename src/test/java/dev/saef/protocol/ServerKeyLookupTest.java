package dev.saef.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saef.crypto.SaefTlsCrypto;
import dev.saef.identity.IdentityMode;
import dev.saef.keys.Association;
import dev.saef.keys.PskKeyManager;
import dev.saef.profile.SuiteProfile;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.crypto.SecretKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The time-limited key lookup of {@link ServerKeyLookup#withTimeout}: a key source that stalls must not
 * make lookups pile up without limit. A lookup that timed out leaves no entry behind in the lookup
 * pool's queue, and the queue itself is bounded.
 */
@Timeout(60)
class ServerKeyLookupTest {

    /** A key manager whose server lookups wait until released. */
    static final class StalledKeys implements PskKeyManager {
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public Optional<Association> chooseClientAssociation(String peerHost, int peerPort) {
            return Optional.empty();
        }

        @Override
        public Optional<Association> chooseServerAssociation(byte[] pskIdentity) {
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Optional.empty();
        }

        @Override
        public SecretKey getKey(Association association) {
            return null;
        }

        @Override
        public boolean lookupsMayBlock() {
            return true;
        }

        @Override
        public String describe() {
            return "stalled test keys";
        }
    }

    static SaefPolicy policy(PskKeyManager keys, long limitMillis) {
        return SaefPolicy.builder().crypto(SaefTlsCrypto.create(new SecureRandom())).keyManager(keys)
                .profile(SuiteProfile.create(null, false)).identityMode(IdentityMode.STRICT)
                .keyLookupTimeoutMillis(limitMillis).build();
    }

    @Test
    void lookupsThatTimedOutLeaveNothingQueuedAndTheQueueIsBounded() throws Exception {
        StalledKeys keys = new StalledKeys();
        SaefPolicy policy = policy(keys, 50);
        int callers = ServerKeyLookup.MAX_THREADS + 40;
        ExecutorService tasks = Executors.newFixedThreadPool(callers);
        try {
            List<Future<ServerKeyLookup.Result>> results = new ArrayList<>();
            for (int i = 0; i < callers; i++) {
                byte[] id = ("ae" + i + "@sp.example.com").getBytes(StandardCharsets.US_ASCII);
                results.add(tasks.submit(() -> ServerKeyLookup.withTimeout(policy, id)));
            }
            for (Future<ServerKeyLookup.Result> f : results) {
                ServerKeyLookup.Result r = f.get(30, TimeUnit.SECONDS);
                assertNotNull(r.failure, "a stalled key source fails the lookup at its time limit");
            }
            // every pool thread is stuck in the key source; the 40 lookups that waited for one timed out
            assertEquals(0, ServerKeyLookup.queuedLookups(), "timed-out lookups left behind in the queue");
            assertTrue(ServerKeyLookup.MAX_QUEUED > 0);
        } finally {
            keys.release.countDown();
            tasks.shutdownNow();
        }
    }
}
