package dev.saef.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Properties;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bounded negative cache of unknown identities (issue 11 item 2). */
class UnknownIdentityCacheTest {

    @TempDir
    Path dir;

    private static byte[] id(int i) {
        return ("flood" + i + "@sp.example.com").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aFloodStaysWithinTheBoundEvictingTheLeastRecentlySeen() {
        UnknownIdentityCache c = new UnknownIdentityCache(100);
        for (int i = 0; i < 10_000; i++) {
            c.remember(id(i));
        }
        assertEquals(100, c.size());
        assertTrue(c.isUnknown(id(9_999)));
        assertFalse(c.isUnknown(id(0)), "evicted");
    }

    @Test
    void exactOctetsNotText() {
        UnknownIdentityCache c = new UnknownIdentityCache(10);
        c.remember("Ae@sp".getBytes(StandardCharsets.UTF_8));
        assertFalse(c.isUnknown("ae@sp".getBytes(StandardCharsets.UTF_8)));
        assertFalse(c.isUnknown(new byte[] {(byte) 0xC3, (byte) 0xA9}), "no charset folding");
    }

    @Test
    void theManagerAnswersRepeatedUnknownIdentitiesFromTheCacheAndAReloadEmptiesIt() throws Exception {
        Path t = dir.resolve("t");
        Files.writeString(t, "known@sp.example.com peer=CAE1 key=hex:00112233445566778899aabbccddeeff\n");
        Files.setPosixFilePermissions(t, PosixFilePermissions.fromString("rw-------"));
        Properties p = new Properties();
        p.setProperty(SaefProperties.ASSOCIATIONS, t.toString());
        p.setProperty(SaefProperties.RELOAD, "manual");
        try (ReloadingKeyManager km = ReloadingKeyManager.load(p)) {
            for (int i = 0; i < 3 * UnknownIdentityCache.DEFAULT_CAPACITY; i++) {
                try (var s = km.pin()) {
                    assertTrue(s.chooseServerAssociation(id(i % 10)).isEmpty());
                }
            }
            assertEquals(10, km.unknownIdentities());
            try (var s = km.pin()) {
                assertTrue(s.chooseServerAssociation("known@sp.example.com".getBytes(StandardCharsets.UTF_8)).isPresent());
            }
            assertTrue(km.reload());
            assertEquals(0, km.unknownIdentities(), "a reload starts with an empty cache");
        }
    }
}
