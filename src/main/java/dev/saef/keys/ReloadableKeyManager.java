package dev.saef.keys;

import java.util.Optional;

/**
 * A {@link PskKeyManager} whose associations and keys can change while it runs (a reloaded
 * association table or key store), in whole snapshots: a handshake reads its association and its
 * Kpsa from one snapshot ({@link #pin()}), never from a mix of two, and a session can ask afterwards
 * whether the association it was bound to is still the same ({@link #isCurrent}), so that sessions
 * whose Kpsa was removed or replaced stop being valid (TS-0003 clause 8.2.2.1: the association is
 * the provisioned KpsaID, Kpsa and peer identity together).
 *
 * <p>SAEF calls {@link #pin()} once per handshake, around its association choice and key read,
 * and closes the snapshot right after; keys are never read from a snapshot after it is closed.
 * Implementations must be thread-safe.
 */
public interface ReloadableKeyManager extends PskKeyManager {

    /**
     * @return the current snapshot, pinned: its key material is not released before it is closed,
     *     even when a newer snapshot replaces it meanwhile
     */
    Snapshot pin();

    /**
     * @param association the association a session was bound to
     * @param fingerprint what {@link Snapshot#fingerprint} gave for it when the session was made
     * @return whether the current snapshot still holds that association with the same peer identity,
     *     address and Kpsa; compared in constant time. May read the current Kpsa once (never during
     *     a handshake)
     */
    boolean isCurrent(Association association, byte[] fingerprint);

    /**
     * One pinned snapshot: the {@link PskKeyManager} methods answer from this snapshot only.
     * {@link #close()} unpins it; call it exactly once.
     */
    interface Snapshot extends PskKeyManager, AutoCloseable {

        /**
         * @param association an association this snapshot chose, whose key was read through
         *     {@link #getKey} on this snapshot
         * @return a keyed fingerprint of the association (KpsaID, peer, address and Kpsa; never the
         *     key, nor anything that tests a guess of it without the process's secret fingerprint
         *     key), or empty when not known
         */
        Optional<byte[]> fingerprint(Association association);

        /** Unpins the snapshot; its key material may then be released once it is no longer current. */
        @Override
        void close();
    }
}
