package dev.saef.keys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.saef.identity.IdentityMode;
import dev.saef.identity.KpsaId;
import java.io.InputStream;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.SecretKey;
import org.junit.jupiter.api.Test;

/**
 * A PKCS12 key store written by the Bouncy Castle based attribute encoder (before issue 8) still
 * loads: the resource {@code legacy-keystore.pkcs12} was generated with that code (password
 * {@code legacy-pass}; entries {@code AE42@sp.example.com} = 00..0f and
 * {@code Node7@MEF.example.com} = a0..bf with the KpsaID attribute, {@code plain@legacy.example.com} =
 * 010203 without it). JCEKS stores drop entry attributes, so only PKCS12 carries the KpsaID attribute.
 */
class LegacyKeyStoreTest {

    private static final char[] PASSWORD = "legacy-pass".toCharArray();

    private static KeyStoreKeyProvider load(String type) throws Exception {
        try (InputStream in = LegacyKeyStoreTest.class.getResourceAsStream("legacy-keystore." + type.toLowerCase())) {
            assertNotNull(in, "test resource missing");
            return KeyStoreKeyProvider.load(in.readAllBytes(), type, PASSWORD);
        }
    }

    private static byte[] key(KeyStoreKeyProvider p, String id) throws Exception {
        SecretKey k = p.getKey(KpsaId.parse(id, IdentityMode.STRICT));
        assertNotNull(k, id);
        return k.getEncoded();
    }

    @Test
    void pkcs12StoreWrittenBeforeIssue8StillLoads() throws Exception {
        try (KeyStoreKeyProvider p = load("PKCS12")) {
            assertEquals(List.of("AE42@sp.example.com", "Node7@MEF.example.com", "plain@legacy.example.com"), p.kpsaIds());
            assertArrayEquals(HexFormat.of().parseHex("000102030405060708090a0b0c0d0e0f"), key(p, "AE42@sp.example.com"));
            assertArrayEquals(HexFormat.of().parseHex("a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"),
                    key(p, "Node7@MEF.example.com"));
            assertArrayEquals(new byte[] {1, 2, 3}, key(p, "Plain@Legacy.example.com"));
            // the exact case of an attributed entry is kept: another spelling finds nothing
            assertFalse(p.hasKey(KpsaId.parse("ae42@sp.example.com", IdentityMode.STRICT)));
        }
    }
}
