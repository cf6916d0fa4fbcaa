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
import javax.crypto.SecretKey;
import org.junit.jupiter.api.Test;

class CompositeKeyProviderTest {

    private static final KpsaId A = KpsaId.parse("a@x.com", IdentityMode.STRICT);
    private static final KpsaId B = KpsaId.parse("b@x.com", IdentityMode.STRICT);
    private static final KpsaId C = KpsaId.parse("c@x.com", IdentityMode.STRICT);

    /** A provider backed by a map, with a per-provider hash algorithm. */
    private static PskKeyProvider map(Map<KpsaId, byte[]> keys, String hash) {
        return new PskKeyProvider() {
            @Override
            public SecretKey getKey(KpsaId id) {
                byte[] k = keys.get(id);
                return k == null ? null : new PskSecretKey(k);
            }

            @Override
            public String getHashAlgorithm(KpsaId id) {
                return hash;
            }
        };
    }

    @Test
    void firstProviderWithAKeyWins() throws Exception {
        PskKeyProvider first = map(Map.of(A, new byte[] {1}), "SHA-384");
        PskKeyProvider second = map(Map.of(A, new byte[] {2}, B, new byte[] {3}), "SHA-256");
        CompositeKeyProvider c = CompositeKeyProvider.of(first, second);
        assertArrayEquals(new byte[] {1}, c.getKey(A).getEncoded());
        assertArrayEquals(new byte[] {3}, c.getKey(B).getEncoded());
        assertNull(c.getKey(C));
        assertTrue(c.hasKey(A));
        assertTrue(c.hasKey(B));
        assertFalse(c.hasKey(C));
        assertEquals("SHA-384", c.getHashAlgorithm(A));
        assertEquals("SHA-256", c.getHashAlgorithm(B));
        assertEquals("SHA-256", c.getHashAlgorithm(C));
        assertSame(first, c.providers().get(0));
    }

    @Test
    void aFailingProviderStopsTheSearch() {
        PskKeyProvider failing = id -> {
            throw new KeyStoreException("ambiguous");
        };
        CompositeKeyProvider c = CompositeKeyProvider.of(failing, map(Map.of(A, new byte[] {1}), "SHA-256"));
        assertEquals("ambiguous", assertThrows(GeneralSecurityException.class, () -> c.getKey(A)).getMessage());
        assertEquals("SHA-256", c.getHashAlgorithm(A));
    }

    @Test
    void defaultHasKeyDestroysTheProbedKey() throws Exception {
        PskSecretKey[] handedOut = new PskSecretKey[1];
        PskKeyProvider p = id -> handedOut[0] = new PskSecretKey(new byte[] {7});
        assertTrue(p.hasKey(A));
        assertTrue(handedOut[0].isDestroyed());
        assertEquals("SHA-256", p.getHashAlgorithm(A));
    }
}
