package dev.saef.keys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saef.identity.IdentityMode;
import dev.saef.identity.KpsaId;
import java.security.GeneralSecurityException;
import java.security.KeyStoreException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CompositeKeyProviderTest {

    private static final KpsaId A = KpsaId.parse("a@x.com", IdentityMode.STRICT);
    private static final KpsaId B = KpsaId.parse("b@x.com", IdentityMode.STRICT);
    private static final KpsaId C = KpsaId.parse("c@x.com", IdentityMode.STRICT);

    /** A provider backed by a map. */
    private static PskKeyProvider map(Map<KpsaId, byte[]> keys) {
        return id -> {
            byte[] k = keys.get(id);
            return k == null ? null : new PskSecretKey(k);
        };
    }

    @Test
    void firstProviderWithAKeyWins() throws Exception {
        PskKeyProvider first = map(Map.of(A, new byte[] {1}));
        PskKeyProvider second = map(Map.of(A, new byte[] {2}, B, new byte[] {3}));
        CompositeKeyProvider c = CompositeKeyProvider.of(first, second);
        assertArrayEquals(new byte[] {1}, c.getKey(A).getEncoded());
        assertArrayEquals(new byte[] {3}, c.getKey(B).getEncoded());
        assertNull(c.getKey(C));
        assertTrue(c.hasKey(A));
        assertTrue(c.hasKey(B));
        assertFalse(c.hasKey(C));
        assertSame(first, c.providers().get(0));
    }

    @Test
    void aFailingProviderStopsTheSearch() {
        PskKeyProvider failing = id -> {
            throw new KeyStoreException("ambiguous");
        };
        CompositeKeyProvider c = CompositeKeyProvider.of(failing, map(Map.of(A, new byte[] {1})));
        assertEquals("ambiguous", assertThrows(GeneralSecurityException.class, () -> c.getKey(A)).getMessage());
    }

    @Test
    void defaultHasKeyDestroysTheProbedKey() throws Exception {
        PskSecretKey[] handedOut = new PskSecretKey[1];
        PskKeyProvider p = id -> handedOut[0] = new PskSecretKey(new byte[] {7});
        assertTrue(p.hasKey(A));
        assertTrue(handedOut[0].isDestroyed());
    }
}
