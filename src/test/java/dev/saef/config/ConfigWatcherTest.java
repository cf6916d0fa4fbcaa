package dev.saef.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The change detection behind {@code saef.reload=watch}. */
class ConfigWatcherTest {

    @TempDir
    Path dir;

    @Test
    void aRacyEditThatKeepsSizeAndModificationTimeIsSeenByItsContentHash() throws Exception {
        Path f = dir.resolve("t");
        Files.writeString(f, "ae1@sp.example.com peer=A\n");
        FileTime mtime = Files.getLastModifiedTime(f);
        List<ConfigWatcher.FileState> before = ConfigWatcher.capture(List.of(f), null);
        Files.writeString(f, "ae2@sp.example.com peer=A\n"); // same size
        Files.setLastModifiedTime(f, mtime); // same clock tick
        List<ConfigWatcher.FileState> after = ConfigWatcher.capture(List.of(f), before);
        assertFalse(ConfigWatcher.FileState.same(before, after));
        assertTrue(ConfigWatcher.FileState.same(after, ConfigWatcher.capture(List.of(f), after)));
    }

    @Test
    void oldFilesAreComparedByMetadataOnly() throws Exception {
        Path f = dir.resolve("t");
        Files.writeString(f, "x\n");
        Files.setLastModifiedTime(f, FileTime.fromMillis(System.currentTimeMillis() - 60_000));
        ConfigWatcher.FileState s = ConfigWatcher.capture(List.of(f), null).get(0);
        assertEquals(null, s.hash, "no hash of a file that is not racy");
    }

    @Test
    void aDeletedFileIsAChange() throws Exception {
        Path f = dir.resolve("t");
        Files.writeString(f, "x\n");
        List<ConfigWatcher.FileState> before = ConfigWatcher.capture(List.of(f), null);
        Files.delete(f);
        assertFalse(ConfigWatcher.FileState.same(before, ConfigWatcher.capture(List.of(f), before)));
    }

    @Test
    void manyWatchingManagersShareOneThread() throws Exception {
        List<ReloadingKeyManager> managers = new ArrayList<>();
        try {
            for (int i = 0; i < 5; i++) {
                Path f = dir.resolve("t" + i);
                Files.writeString(f, "ae" + i + "@sp.example.com peer=CAE" + i + " key=hex:00112233445566778899aabbccddeeff\n");
                Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
                Properties p = new Properties();
                p.setProperty(SaefProperties.ASSOCIATIONS, f.toString());
                managers.add(ReloadingKeyManager.load(p));
            }
            long watchers = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().equals("saef-config-watcher")).count();
            assertEquals(1, watchers);
        } finally {
            managers.forEach(ReloadingKeyManager::close);
        }
        long end = System.nanoTime() + 2_000_000_000L;
        while (ConfigWatcher.shared().running() && System.nanoTime() < end) {
            Thread.sleep(10);
        }
        assertFalse(ConfigWatcher.shared().running(), "the thread ends when nothing is watched");
    }

    @Test
    void badReloadValueIsRefusedLikeEveryProperty() {
        Properties p = new Properties();
        p.setProperty(SaefProperties.RELOAD, "sometimes");
        SaefConfigException e = org.junit.jupiter.api.Assertions.assertThrows(SaefConfigException.class,
                () -> SaefProperties.load(p));
        assertEquals("saef.reload: 'sometimes' is not watch, manual or off", e.getMessage());
    }
}
