package dev.saef.protocol;

import dev.saef.keys.Association;
import dev.saef.keys.PskKeyManager;
import dev.saef.keys.ReloadableKeyManager;

/**
 * The key manager one handshake reads its association and Kpsa from: for a
 * {@link ReloadableKeyManager}, one pinned snapshot (so that a reload in between cannot give the
 * association of one configuration and the key of another), else the context's key manager itself.
 * Opened and closed within one method: the handshake keeps only its own copy of the Kpsa.
 */
final class PinnedKeys implements AutoCloseable {
    private final PskKeyManager keys;
    private final ReloadableKeyManager.Snapshot snapshot;

    private PinnedKeys(PskKeyManager keys, ReloadableKeyManager.Snapshot snapshot) {
        this.keys = keys;
        this.snapshot = snapshot;
    }

    static PinnedKeys of(PskKeyManager km) {
        if (km instanceof ReloadableKeyManager r) {
            ReloadableKeyManager.Snapshot s = r.pin();
            return new PinnedKeys(s, s);
        }
        return new PinnedKeys(km, null);
    }

    PskKeyManager keys() {
        return keys;
    }

    /** @return the association's fingerprint in this snapshot, or null (not reloadable, or unknown) */
    byte[] fingerprint(Association a) {
        return snapshot == null ? null : snapshot.fingerprint(a).orElse(null);
    }

    @Override
    public void close() {
        if (snapshot != null) {
            snapshot.close();
        }
    }
}
