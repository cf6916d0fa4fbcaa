package dev.saef.keys;

import dev.saef.identity.KpsaId;
import java.security.GeneralSecurityException;
import java.util.List;
import java.util.Objects;
import javax.crypto.SecretKey;

/**
 * Looks a Kpsa (oneM2M TS-0003 clause 8.2.2.1) up in several {@link PskKeyProvider}s in order and
 * returns the first key found, e.g. an association table's inline keys before a key store. An
 * exception from one provider stops the search (an ambiguous or unreadable store is not skipped).
 * Immutable; thread-safe when its providers are.
 */
public final class CompositeKeyProvider implements PskKeyProvider {

    private final List<PskKeyProvider> providers;

    private CompositeKeyProvider(List<PskKeyProvider> providers) {
        this.providers = providers;
    }

    /**
     * @param providers the providers, first asked first
     * @return a provider consulting them in order
     */
    public static CompositeKeyProvider of(PskKeyProvider... providers) {
        return of(List.of(providers));
    }

    /**
     * @param providers the providers, first asked first
     * @return a provider consulting them in order
     */
    public static CompositeKeyProvider of(List<? extends PskKeyProvider> providers) {
        for (PskKeyProvider p : providers) {
            Objects.requireNonNull(p, "provider");
        }
        return new CompositeKeyProvider(List.copyOf(providers));
    }

    /** @return the providers in the order they are asked */
    public List<PskKeyProvider> providers() {
        return providers;
    }

    @Override
    public SecretKey getKey(KpsaId kpsaId) throws GeneralSecurityException {
        for (PskKeyProvider p : providers) {
            SecretKey key = p.getKey(kpsaId);
            if (key != null) {
                return key;
            }
        }
        return null;
    }

    @Override
    public boolean hasKey(KpsaId kpsaId) throws GeneralSecurityException {
        for (PskKeyProvider p : providers) {
            if (p.hasKey(kpsaId)) {
                return true;
            }
        }
        return false;
    }

    /** @return true when any of the providers may block */
    @Override
    public boolean lookupsMayBlock() {
        for (PskKeyProvider p : providers) {
            if (p.lookupsMayBlock()) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "CompositeKeyProvider" + providers;
    }
}
