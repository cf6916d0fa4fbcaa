package dev.saef.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Ticket protection ({@link SessionTicketKeys}) on a clock the test moves: a key issues tickets for
 * one lifetime and decrypts them for one more, then is dropped; every altered octet is refused; and
 * the session state codec ({@link TicketState}) round-trips and refuses what it did not write.
 */
class SessionTicketKeysTest {

    private final AtomicLong now = new AtomicLong(1_000_000);
    private final SessionTicketKeys keys = new SessionTicketKeys(new SecureRandom(), 1_000, now::get);
    private final byte[] state = "state of one session".getBytes(StandardCharsets.US_ASCII);

    @Test
    void sealedStateOpensAndCarriesKeyNameNonceAndTag() {
        byte[] t = keys.seal(state);
        assertEquals(state.length + 16 + 12 + 16, t.length);
        assertArrayEquals(state, keys.open(t));
        byte[] u = keys.seal(state);
        assertArrayEquals(Arrays.copyOf(t, 16), Arrays.copyOf(u, 16), "same key name within the lifetime");
        assertFalse(Arrays.equals(Arrays.copyOfRange(t, 16, 28), Arrays.copyOfRange(u, 16, 28)), "a fresh nonce");
    }

    @Test
    void everyAlteredOctetIsRefused() {
        byte[] t = keys.seal(state);
        for (int i = 0; i < t.length; i++) {
            byte[] x = t.clone();
            x[i] ^= (byte) 0x80;
            assertNull(keys.open(x), "octet " + i);
        }
        assertNull(keys.open(Arrays.copyOf(t, t.length - 1)));
        assertNull(keys.open(Arrays.copyOf(t, t.length + 1)));
        assertNull(keys.open(new byte[0]));
        assertNull(keys.open(null));
        assertNull(keys.open(Arrays.copyOf(t, SessionTicketKeys.OVERHEAD)));
    }

    @Test
    void aKeyIssuesForOneLifetimeAndDecryptsForOneMore() {
        byte[] t = keys.seal(state);
        now.addAndGet(999);
        assertArrayEquals(state, keys.open(t), "within the first lifetime");
        now.addAndGet(1);
        byte[] newer = keys.seal(state);
        assertFalse(Arrays.equals(Arrays.copyOf(t, 16), Arrays.copyOf(newer, 16)), "a new key issues now");
        assertEquals(2, keys.keysHeld());
        assertArrayEquals(state, keys.open(t), "the old key still decrypts in its second lifetime");
        now.addAndGet(999);
        assertArrayEquals(state, keys.open(t));
        now.addAndGet(1);
        assertNull(keys.open(t), "two lifetimes after its creation the old key is gone");
        assertEquals(2, keys.keysHeld(), "the newer key (now decrypt-only) and a fresh issuing key");
        assertArrayEquals(state, keys.open(newer), "the newer key is in its second lifetime");
    }

    @Test
    void longIdleDropsBothKeys() {
        byte[] t = keys.seal(state);
        now.addAndGet(5_000);
        assertNull(keys.open(t));
        assertEquals(1, keys.keysHeld(), "only a fresh issuing key");
    }

    @Test
    void destroyForgetsEveryKey() {
        byte[] t = keys.seal(state);
        keys.destroy();
        assertNull(keys.open(t));
    }

    @Test
    void lifetimeMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new SessionTicketKeys(new SecureRandom(), 0, now::get));
    }

    @Test
    void stateRoundTripsAndHoldsNoKpsa() {
        byte[] ms = new byte[48];
        Arrays.fill(ms, (byte) 7);
        TicketState s = new TicketState(0x00A8, true, false, (short) -1, 123456789L, ms.clone(),
                "meter@sp.example.com".getBytes(StandardCharsets.US_ASCII), new byte[32], false, "CAE-a");
        byte[] enc = s.encode();
        TicketState d = TicketState.decode(enc);
        assertNotNull(d);
        assertEquals(0x00A8, d.cipherSuite());
        assertTrue(d.extendedMasterSecret());
        assertFalse(d.encryptThenMac());
        assertEquals(-1, d.maxFragmentLength());
        assertEquals(123456789L, d.creationTime());
        assertArrayEquals(ms, d.masterSecret());
        assertEquals("CAE-a", d.principalName());
        assertFalse(d.derivedPrincipal());
        d.destroy();
        assertArrayEquals(new byte[48], d.masterSecret(), "destroy zeroes the master secret");
        assertFalse(s.toString().contains(Arrays.toString(ms)), s.toString());
        assertNull(TicketState.decode(Arrays.copyOf(enc, enc.length - 1)), "truncated");
        assertNull(TicketState.decode(Arrays.copyOf(enc, enc.length + 1)), "trailing octets");
        byte[] otherFormat = enc.clone();
        otherFormat[0] = 2;
        assertNull(TicketState.decode(otherFormat));
    }
}
