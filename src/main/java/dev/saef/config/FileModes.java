package dev.saef.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * Refuses configuration files whose POSIX mode lets other local users read secrets or rewrite
 * bindings: a key file (an association table with inline keys, a key store) must be private to its
 * owner, and an association table must not be writable by others, since whoever can edit it can bind
 * a key of theirs to any CSE-ID or AE-ID (TS-0003 clause 8.2.2.1, Association Configuration).
 * File systems without POSIX modes are not checked.
 */
final class FileModes {
    /** Read or write by group or others. */
    static final Set<PosixFilePermission> SHARED = Collections.unmodifiableSet(EnumSet.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE));
    /** Write by group or others. */
    static final Set<PosixFilePermission> SHARED_WRITE = Collections.unmodifiableSet(EnumSet.of(
            PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_WRITE));

    private FileModes() {
    }

    /**
     * @param file the file to check
     * @param what how messages name it, e.g. {@code "association table f"}
     * @param forbidden the permission bits that make it unsafe
     * @param why what those bits expose, for the message (e.g. "contains inline keys (key=) but")
     * @param fix the command that fixes it, e.g. {@code "chmod 600 f"}
     * @throws SaefConfigException when {@code file} has any of {@code forbidden}, or its mode cannot be read
     */
    static void refuse(Path file, String what, Set<PosixFilePermission> forbidden, String why, String fix)
            throws SaefConfigException {
        Set<PosixFilePermission> perms;
        try {
            perms = Files.getPosixFilePermissions(file);
        } catch (UnsupportedOperationException e) {
            return; // not a POSIX file system: no mode bits to check
        } catch (IOException e) {
            throw new SaefConfigException("cannot read the permissions of " + what + ": " + e.getMessage());
        }
        if (!Collections.disjoint(perms, forbidden)) {
            throw new SaefConfigException(what + " " + why + " group or others may "
                    + (forbidden == SHARED_WRITE ? "write" : "read or write") + " it (permissions "
                    + PosixFilePermissions.toString(perms) + "); restrict it with: " + fix);
        }
    }
}
