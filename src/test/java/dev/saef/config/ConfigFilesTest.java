package dev.saef.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 7 item 2: configuration files are read only when they are regular files, with a size limit,
 * and every other case fails at once with a message naming the file, what it is and the fix. Before,
 * a FIFO as the table hung the JVM and {@code /dev/zero} or a file of several GB exhausted the heap.
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a FIFO open blocks uninterruptibly
class ConfigFilesTest {

    @TempDir
    Path dir;

    static Path fifo(Path dir, String name) throws Exception {
        Path f = dir.resolve(name);
        Process p = new ProcessBuilder("mkfifo", "-m", "600", f.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0, "mkfifo: " + out);
        return f;
    }

    /** A sparse file of {@code size} octets (no disk space used), mode 600. */
    static Path sparse(Path dir, String name, long size) throws Exception {
        Path f = dir.resolve(name);
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.setLength(size);
        }
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        return f;
    }

    private static String error(String... kv) {
        Properties p = new Properties();
        for (int i = 0; i < kv.length; i += 2) {
            p.setProperty(kv[i], kv[i + 1]);
        }
        return assertThrows(SaefConfigException.class, () -> SaefProperties.load(p)).getMessage();
    }

    private static String notRegular(String what, String kind, String property) {
        return what + " is " + kind + ", not a regular file; SAEF reads its configuration only from regular files: set "
                + property + " to the file itself";
    }

    @Test
    void aFifoIsNeverOpened() throws Exception {
        Path fifo = fifo(dir, "fifo");
        // Opening a FIFO for reading blocks until a writer comes: the @Timeout would fire.
        assertEquals(notRegular("association table " + fifo, "a FIFO (named pipe)", "saef.associations"),
                error("saef.associations", fifo.toString()));
        assertEquals(notRegular("saef.keyStore " + fifo, "a FIFO (named pipe)", "saef.keyStore"),
                error("saef.keyStore", fifo.toString(), "saef.keyStorePassword", "pw"));
        Path store = sparse(dir, "store.p12", 10);
        assertEquals(notRegular("saef.keyStorePasswordFile " + fifo, "a FIFO (named pipe)", "saef.keyStorePasswordFile"),
                error("saef.keyStore", store.toString(), "saef.keyStorePasswordFile", fifo.toString()));
    }

    @Test
    void devZeroIsRefused() {
        assertEquals(notRegular("association table /dev/zero", "a character device", "saef.associations"),
                error("saef.associations", "/dev/zero"));
        assertEquals(notRegular("saef.keyStore /dev/zero", "a character device", "saef.keyStore"),
                error("saef.keyStore", "/dev/zero", "saef.keyStorePassword", "pw"));
    }

    @Test
    void aDirectoryIsRefused() {
        assertEquals(notRegular("association table " + dir, "a directory", "saef.associations"),
                error("saef.associations", dir.toString()));
    }

    @Test
    void oversizedFilesAreRefusedWithoutReadingThem() throws Exception {
        Path big = sparse(dir, "big", 3L << 30); // 3 GiB: readAllBytes threw OutOfMemoryError
        assertEquals("association table " + big + " is too large (" + (3L << 30) + " octets); the limit for this file"
                + " is 64 MiB: check that saef.associations names the right file", error("saef.associations",
                        big.toString()));
        Path table = sparse(dir, "table", ConfigFiles.TABLE_LIMIT + 1);
        assertTrue(error("saef.associations", table.toString()).endsWith("is too large (67108865 octets); the limit"
                + " for this file is 64 MiB: check that saef.associations names the right file"));
        Path store = sparse(dir, "store.p12", ConfigFiles.KEY_STORE_LIMIT + 1);
        assertTrue(error("saef.keyStore", store.toString(), "saef.keyStorePassword", "pw").startsWith(
                "saef.keyStore " + store + " is too large"));
        Path pw = sparse(dir, "pw", 4097);
        Path small = sparse(dir, "small.p12", 10);
        assertEquals("saef.keyStorePasswordFile " + pw + " is too large (4097 octets); the limit for this file is 4 KiB:"
                + " check that saef.keyStorePasswordFile names the right file", error("saef.keyStore", small.toString(),
                        "saef.keyStorePasswordFile", pw.toString()));
    }

    @Test
    void aLimitIsEnforcedOnTheOctetsReadNotOnlyOnTheReportedSize() throws Exception {
        // /proc files report size 0 but have content: the read itself stops at the limit + 1.
        Path proc = Path.of("/proc/self/maps");
        SaefConfigException e = assertThrows(SaefConfigException.class,
                () -> ConfigFiles.read(proc, "file " + proc, "saef.x", 16));
        assertEquals("file /proc/self/maps is too large (more than 16 octets); the limit for this file is 16 octets: check"
                + " that saef.x names the right file", e.getMessage());
    }

    @Test
    void aSymbolicLinkToARegularFileIsFollowed() throws Exception {
        Path table = dir.resolve("real-table");
        Files.writeString(table, "ae1@x.com peer=/id-in key=hex:00112233445566778899aabbccddeeff\n");
        Files.setPosixFilePermissions(table, PosixFilePermissions.fromString("rw-------"));
        Path link = Files.createSymbolicLink(dir.resolve("link"), table);
        Properties p = new Properties();
        p.setProperty("saef.associations", link.toString());
        SaefConfiguration c = SaefProperties.load(p);
        assertEquals(1, c.associations().associations().size());
        c.destroy();
        Path fifoLink = Files.createSymbolicLink(dir.resolve("fifo-link"), fifo(dir, "fifo2"));
        assertEquals(notRegular("association table " + fifoLink, "a FIFO (named pipe)", "saef.associations"),
                error("saef.associations", fifoLink.toString()));
    }
}
