package dev.saef.protocol;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A server connection's key lookups run as delegated tasks, for an {@code SSLEngine} over a key manager
 * whose lookups may block ({@code PskKeyManager.lookupsMayBlock()}). Bouncy Castle asks for the PSK
 * synchronously while it processes the ClientKeyExchange (and checks a resumed session's association
 * while it processes the ClientHello), so the bytes that would make it ask are held back: when
 * {@link KeyLookupTrigger} finds the client's {@code psk_identity} (or a cached session's ID, or a
 * session ticket) in received bytes, those bytes are kept here instead of being offered, a lookup task
 * is prepared ({@link ServerKeyLookup#withTimeout}), and only after that task has run are the bytes
 * offered to Bouncy Castle, whose identity manager (or resumption check) then takes the result from
 * here ({@link #take}) instead of asking the key manager. A ticket's KpsaID is sealed inside it: the task
 * opens the ticket ({@link TicketState#open}) to learn it, and looks nothing up for a ticket that does
 * not open or has expired (Bouncy Castle then runs a full handshake, whose {@code psk_identity} gets a
 * task of its own).
 *
 * <p>State: idle → {@link #hold} (task ready, bytes held) → task handed out ({@link #takeTask}) → task
 * ran ({@link #completed}) → {@link #release} → idle. The task's lookup runs on another thread, without
 * the transport's lock; results are published under this object's lock. Key octets of results not used
 * are zeroed by {@link #close()}, also when a lookup finishes after its connection ended.
 */
final class DeferredKeyLookup {

    private final SaefPolicy policy;
    private final KeyLookupTrigger trigger;
    /** Guarded by {@code this}. */
    private byte[] held;
    private List<Wanted> identities;
    private boolean taskHandedOut;
    private boolean completed;
    private boolean closed;
    private final List<ServerKeyLookup.Result> results = new ArrayList<>(2);

    /**
     * What one lookup is for: the {@code psk_identity} octets, or a session ticket whose KpsaID they are.
     *
     * @param identity the identity octets, or null
     * @param ticket the ticket the client offered (opened by the task), or null
     */
    record Wanted(byte[] identity, byte[] ticket) {
        static Wanted identity(byte[] identity) {
            return new Wanted(identity, null);
        }

        static Wanted ticket(byte[] ticket) {
            return new Wanted(null, ticket);
        }
    }

    DeferredKeyLookup(SaefPolicy policy) {
        this.policy = policy;
        this.trigger = new KeyLookupTrigger(policy.sessionTicketKeys() != null);
    }

    /** @return the trigger that finds what needs a lookup in the received bytes */
    KeyLookupTrigger trigger() {
        return trigger;
    }

    /**
     * Holds received bytes until the lookup of {@code ids} has run.
     *
     * @param ids what to look up (one or two)
     */
    synchronized void hold(byte[] buf, int off, int len, List<Wanted> ids) {
        if (held != null) {
            throw new IllegalStateException("a key lookup is already pending");
        }
        held = Arrays.copyOfRange(buf, off, off + len);
        identities = ids;
        taskHandedOut = false;
        completed = false;
    }

    /** @return true from {@link #hold} until {@link #release} (or {@link #close()}): the transport must run the task */
    synchronized boolean pending() {
        return held != null && !closed;
    }

    /** @return true once the task has run and the held bytes can be offered */
    synchronized boolean completed() {
        return held != null && completed && !closed;
    }

    /** @return the lookup task, once per {@link #hold}; null when there is none to hand out */
    synchronized Runnable takeTask() {
        if (held == null || taskHandedOut || closed) {
            return null;
        }
        taskHandedOut = true;
        List<Wanted> ids = identities;
        return () -> run(ids);
    }

    /** The delegated task: looks every identity up (a ticket's: if it opens), then publishes the results. */
    private void run(List<Wanted> ids) {
        List<ServerKeyLookup.Result> found = new ArrayList<>(ids.size());
        for (Wanted w : ids) {
            byte[] id = w.identity() != null ? w.identity() : ticketKpsaId(w.ticket());
            if (id != null) {
                found.add(ServerKeyLookup.withTimeout(policy, id));
            }
        }
        synchronized (this) {
            if (!closed) {
                results.addAll(found);
                completed = true;
                return;
            }
        }
        found.forEach(ServerKeyLookup.Result::wipe); // the connection ended meanwhile
    }

    /**
     * @return the KpsaID octets sealed in the ticket, or null when it does not open (altered, sealed by a
     *     key this server no longer holds) or has expired: then the resumption is declined and needs no key
     */
    private byte[] ticketKpsaId(byte[] ticket) {
        SessionTicketKeys keys = policy.sessionTicketKeys();
        TicketState t = keys == null ? null : TicketState.open(keys, ticket);
        if (t == null) {
            return null;
        }
        try {
            return t.expired(policy.serverSessionCache().timeoutSeconds(), System.currentTimeMillis())
                    ? null : t.kpsaId().clone();
        } finally {
            t.destroy(); // the master secret copy: the resumption check opens the ticket itself
        }
    }

    /** @return the held bytes, to be offered now (the caller zeroes nothing: they are plaintext handshake messages) */
    synchronized byte[] release() {
        byte[] b = held;
        held = null;
        identities = null;
        return b;
    }

    /**
     * @param identity the {@code psk_identity} octets Bouncy Castle asks about
     * @return the completed lookup of exactly these octets (removed: the caller owns its key), or null
     */
    synchronized ServerKeyLookup.Result take(byte[] identity) {
        for (int i = 0; i < results.size(); i++) {
            if (results.get(i).isFor(identity)) {
                return results.remove(i);
            }
        }
        return null;
    }

    /** Drops everything: held bytes, results (their keys zeroed); a lookup still running zeroes its own. */
    synchronized void close() {
        closed = true;
        held = null;
        identities = null;
        results.forEach(ServerKeyLookup.Result::wipe);
        results.clear();
    }
}
