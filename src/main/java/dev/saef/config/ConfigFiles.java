package dev.saef.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Arrays;

/**
 * Reads the configuration files of the provider (association table, key store, key store password
 * file) so that a wrong path fails closed, quickly and with a clear message, instead of hanging or
 * exhausting the heap.
 *
 * <ul>
 *   <li>Only regular files are read. The type is checked on the file's attributes before it is opened
 *       (a symbolic link is followed: a link to a regular file is fine), so a FIFO, which would block
 *       {@code open} until a writer appears, is never opened, and a device such as {@code /dev/zero}
 *       (endless) or a directory is refused.</li>
 *   <li>At most {@code limit} octets are read, whatever size the file system reports (a file may grow
 *       between the check and the read).</li>
 * </ul>
 * A file swapped for a FIFO between the check and the {@code open} can still block: whoever can do that
 * can already rewrite the configuration.
 */
final class ConfigFiles {

    /** Limit of the association table: 64 MiB (about 400 000 lines of 160 characters). */
    static final long TABLE_LIMIT = 64L << 20;
    /** Limit of a key store file: 64 MiB (several hundred thousand PKCS12 secret key entries). */
    static final long KEY_STORE_LIMIT = 64L << 20;
    /** Limit of the key store password file: 4 KiB. */
    static final long PASSWORD_FILE_LIMIT = 4L << 10;

    private ConfigFiles() {
    }

    /**
     * @param file the file
     * @param what how messages name it, e.g. {@code "association table /etc/saef/associations"}
     * @param property the system property that names the file, for the fix in messages
     * @param limit the most octets accepted
     * @return the contents; the caller zeroes it when it holds secrets
     * @throws SaefConfigException when the file does not exist, is not readable, is not a regular file
     *     (naming what it is), or is larger than {@code limit}
     */
    static byte[] read(Path file, String what, String property, long limit) throws SaefConfigException {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            throw new SaefConfigException(what + " does not exist");
        } catch (AccessDeniedException e) {
            throw new SaefConfigException(what + " is not readable (permission denied)");
        } catch (IOException e) {
            throw new SaefConfigException("cannot read " + what + ": " + e.getMessage());
        }
        if (!attributes.isRegularFile()) {
            throw new SaefConfigException(what + " is " + kind(file, attributes) + ", not a regular file; SAEF reads its"
                    + " configuration only from regular files: set " + property + " to the file itself");
        }
        if (attributes.size() > limit) {
            throw tooLarge(what, property, limit, attributes.size() + " octets");
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes((int) limit + 1);
        } catch (NoSuchFileException e) {
            throw new SaefConfigException(what + " does not exist");
        } catch (AccessDeniedException e) {
            throw new SaefConfigException(what + " is not readable (permission denied)");
        } catch (IOException e) {
            throw new SaefConfigException("cannot read " + what + ": " + e.getMessage());
        }
        if (bytes.length > limit) {
            Arrays.fill(bytes, (byte) 0);
            throw tooLarge(what, property, limit, "more than " + limit + " octets");
        }
        return bytes;
    }

    private static SaefConfigException tooLarge(String what, String property, long limit, String size) {
        return new SaefConfigException(what + " is too large (" + size + "); the limit for this file is "
                + size(limit) + ": check that " + property + " names the right file");
    }

    private static String size(long octets) {
        if (octets >= (1 << 20) && octets % (1 << 20) == 0) {
            return (octets >> 20) + " MiB";
        }
        return octets >= (1 << 10) && octets % (1 << 10) == 0 ? (octets >> 10) + " KiB" : octets + " octets";
    }

    /** What a non-regular file is, from its POSIX file type where the file system tells it. */
    private static String kind(Path file, BasicFileAttributes attributes) {
        if (attributes.isDirectory()) {
            return "a directory";
        }
        try {
            int type = ((Integer) Files.getAttribute(file, "unix:mode")) & 0170000;
            switch (type) {
                case 0010000:
                    return "a FIFO (named pipe)";
                case 0020000:
                    return "a character device";
                case 0060000:
                    return "a block device";
                case 0140000:
                    return "a socket";
                default:
                    break;
            }
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException | ClassCastException e) {
            // no "unix" attribute view here: fall through to the generic name
        }
        return "a special file";
    }
}
