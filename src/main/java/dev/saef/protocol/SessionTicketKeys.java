package dev.saef.protocol;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.function.LongSupplier;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

/**
 * The keys that protect the session tickets of one server {@code SSLContext} (RFC 5077 section 4,
 * "Recommended Ticket Construction", with AES-256-GCM in place of AES-CBC plus HMAC): generated at
 * random in memory, never written anywhere, and rotated. A key issues tickets for one lifetime from
 * its creation, decrypts them for one more lifetime after that, and is then zeroed; so a ticket is
 * accepted for at least one lifetime and at most two after it was issued.
 *
 * <p>A ticket is {@code key_name[16] || nonce[12] || AES-GCM(state) || tag[16]}: the 16-octet key name
 * (random, not secret) tells which key protects it, the nonce is random per ticket, and key name and
 * nonce are authenticated as additional data, so a ticket altered anywhere, or protected by a key no
 * longer held, does not open ({@link #open} returns null and the server runs a full handshake).
 *
 * <p>Rotation is lazy (at the next seal or open), so no thread is needed; the clock is injectable for
 * tests. Thread-safe: one lock guards the two keys, held for the rotation check only.
 */
public final class SessionTicketKeys {

    /** Length of a key name, as RFC 5077 section 4 recommends. */
    static final int KEY_NAME_OCTETS = 16;
    static final int NONCE_OCTETS = 12;
    static final int TAG_OCTETS = 16;
    /** AES-256: the ticket holds master secrets of sessions whose suites may be AES-256. */
    static final int KEY_OCTETS = 32;
    /** Overhead of a ticket over its state: key name, nonce and tag. */
    static final int OVERHEAD = KEY_NAME_OCTETS + NONCE_OCTETS + TAG_OCTETS;

    private final SecureRandom random;
    private final long lifetimeMillis;
    private final LongSupplier clock;
    private TicketKey current;
    private TicketKey previous;

    /**
     * @param random the source of keys, key names and nonces
     * @param lifetimeMillis how long a key issues tickets (it decrypts them for as long again); positive
     * @param clock milliseconds since the epoch ({@code System::currentTimeMillis} outside tests)
     */
    public SessionTicketKeys(SecureRandom random, long lifetimeMillis, LongSupplier clock) {
        if (lifetimeMillis <= 0) {
            throw new IllegalArgumentException("session ticket key lifetime " + lifetimeMillis + " ms is not positive");
        }
        this.random = random;
        this.lifetimeMillis = lifetimeMillis;
        this.clock = clock;
    }

    /** @return how long a key issues tickets, in milliseconds */
    public long lifetimeMillis() {
        return lifetimeMillis;
    }

    /** One ticket protection key: a random name and an AES-256 key, zeroed by {@link #destroy()}. */
    private static final class TicketKey implements SecretKey {
        private static final long serialVersionUID = 1L;
        final byte[] name;
        final long created;
        private final byte[] key;
        private volatile boolean destroyed;

        TicketKey(SecureRandom random, long created) {
            this.name = new byte[KEY_NAME_OCTETS];
            this.key = new byte[KEY_OCTETS];
            random.nextBytes(name);
            random.nextBytes(key);
            this.created = created;
        }

        @Override
        public String getAlgorithm() {
            return "AES";
        }

        @Override
        public String getFormat() {
            return "RAW";
        }

        /** A copy for the JCA provider's key schedule (SunJCE copies it again and does not keep this one). */
        @Override
        public byte[] getEncoded() {
            if (destroyed) {
                throw new IllegalStateException("session ticket key destroyed");
            }
            return key.clone();
        }

        @Override
        public void destroy() {
            destroyed = true;
            Arrays.fill(key, (byte) 0);
        }

        @Override
        public boolean isDestroyed() {
            return destroyed;
        }

        @Override
        public String toString() {
            return "TicketKey[created " + created + "]"; // never the key
        }

        private void writeObject(java.io.ObjectOutputStream out) throws java.io.NotSerializableException {
            throw new java.io.NotSerializableException("session ticket keys are never written anywhere");
        }
    }

    /** Retires and zeroes keys as time passes; creates the first key on first use. Caller holds the lock. */
    private void rotate(long now) {
        if (previous != null && now - previous.created >= 2 * lifetimeMillis) {
            previous.destroy();
            previous = null;
        }
        if (current != null && now - current.created >= lifetimeMillis) {
            if (previous != null) {
                previous.destroy();
            }
            if (now - current.created < 2 * lifetimeMillis) {
                previous = current; // still decrypts for the rest of its second lifetime
            } else {
                current.destroy();
                previous = null;
            }
            current = null;
        }
        if (current == null) {
            current = new TicketKey(random, now);
        }
    }

    private synchronized TicketKey issuing() {
        rotate(clock.getAsLong());
        return current;
    }

    private synchronized TicketKey named(byte[] ticket) {
        rotate(clock.getAsLong());
        for (TicketKey k : new TicketKey[] {current, previous}) {
            if (k != null && MessageDigest.isEqual(Arrays.copyOf(ticket, KEY_NAME_OCTETS), k.name)) {
                return k;
            }
        }
        return null;
    }

    /**
     * Protects a session state with the current key.
     *
     * @param state the encoded session state; the caller zeroes it
     * @return the ticket
     */
    public byte[] seal(byte[] state) {
        TicketKey k = issuing();
        byte[] ticket = new byte[OVERHEAD + state.length];
        System.arraycopy(k.name, 0, ticket, 0, KEY_NAME_OCTETS);
        byte[] nonce = new byte[NONCE_OCTETS];
        random.nextBytes(nonce);
        System.arraycopy(nonce, 0, ticket, KEY_NAME_OCTETS, NONCE_OCTETS);
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, k, new GCMParameterSpec(TAG_OCTETS * 8, nonce));
            c.updateAAD(ticket, 0, KEY_NAME_OCTETS + NONCE_OCTETS);
            int n = c.doFinal(state, 0, state.length, ticket, KEY_NAME_OCTETS + NONCE_OCTETS);
            if (n != state.length + TAG_OCTETS) {
                throw new IllegalStateException("AES-GCM produced " + n + " octets");
            }
            return ticket;
        } catch (GeneralSecurityException | IllegalStateException e) {
            throw new IllegalStateException("sealing a session ticket failed: AES/GCM/NoPadding is not usable ("
                    + e.getClass().getSimpleName() + ")", e);
        }
    }

    /**
     * Opens a ticket issued by {@link #seal} with a key still held.
     *
     * @param ticket the ticket the client sent
     * @return the session state (the caller zeroes it), or null: too short, unknown or retired key
     *     name, or altered (the tag does not verify)
     */
    public byte[] open(byte[] ticket) {
        if (ticket == null || ticket.length <= OVERHEAD) {
            return null;
        }
        TicketKey k = named(ticket);
        if (k == null) {
            return null;
        }
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, k, new GCMParameterSpec(TAG_OCTETS * 8, ticket, KEY_NAME_OCTETS, NONCE_OCTETS));
            c.updateAAD(ticket, 0, KEY_NAME_OCTETS + NONCE_OCTETS);
            // SunJCE checks the tag before it releases any plaintext: nothing is returned for an altered ticket
            return c.doFinal(ticket, KEY_NAME_OCTETS + NONCE_OCTETS, ticket.length - KEY_NAME_OCTETS - NONCE_OCTETS);
        } catch (AEADBadTagException e) {
            return null; // altered, or sealed by another key of the same name (never: names are random)
        } catch (GeneralSecurityException | IllegalStateException e) {
            return null; // a key zeroed meanwhile, or a provider failure: a full handshake
        }
    }

    /** @return how many keys are held (issuing and decrypt-only), for tests */
    synchronized int keysHeld() {
        rotate(clock.getAsLong());
        return (current != null ? 1 : 0) + (previous != null ? 1 : 0);
    }

    /** Zeroes every key (the context is going away). Later tickets get a fresh key. */
    public synchronized void destroy() {
        if (current != null) {
            current.destroy();
        }
        if (previous != null) {
            previous.destroy();
        }
        current = null;
        previous = null;
    }
}
