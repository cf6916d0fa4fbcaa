package dev.saef.crypto;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Counts where given octet strings occur in a file (a heap dump): a streaming search with an
 * overlap of the longest pattern, so that occurrences across read boundaries are found once.
 * HPROF writes {@code byte[]} contents verbatim, so a key held in any byte array (or in an
 * {@code int[]}/{@code long[]} in big-endian word order, as the JDK's SHA-2 code holds blocks) shows
 * up as its octets.
 */
final class OctetScan {
    private OctetScan() {
    }

    /** @return for each pattern (at least 8 octets each), how many times it occurs in {@code file} */
    static int[] count(Path file, byte[]... patterns) throws IOException {
        int longest = 0;
        int[][] byFirst = new int[256][];
        for (int k = 0; k < patterns.length; k++) {
            byte[] p = patterns[k];
            if (p.length < 8) {
                throw new IllegalArgumentException("patterns must have at least 8 octets");
            }
            longest = Math.max(longest, p.length);
            int f = p[0] & 0xFF;
            int[] list = byFirst[f] == null ? new int[0] : byFirst[f];
            list = java.util.Arrays.copyOf(list, list.length + 1);
            list[list.length - 1] = k;
            byFirst[f] = list;
        }
        int[] counts = new int[patterns.length];
        byte[] buf = new byte[1 << 20];
        int keep = 0; // octets carried over from the previous read (a tail that may start a match)
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buf, keep, buf.length - keep)) > 0) {
                int len = keep + n;
                // matches starting in the last longest-1 octets are counted with the next read (or at the end)
                int limit = len - longest + 1;
                scan(buf, Math.max(limit, 0), len, patterns, byFirst, counts);
                keep = Math.min(len, longest - 1);
                System.arraycopy(buf, len - keep, buf, 0, keep);
            }
            scan(buf, keep, keep, patterns, byFirst, counts);
        }
        return counts;
    }

    /** Counts matches starting at positions [0, to) that end within {@code len}. */
    private static void scan(byte[] buf, int to, int len, byte[][] patterns, int[][] byFirst, int[] counts) {
        for (int i = 0; i < to; i++) {
            int[] candidates = byFirst[buf[i] & 0xFF];
            if (candidates == null) {
                continue;
            }
            for (int k : candidates) {
                byte[] p = patterns[k];
                if (i + p.length <= len && matches(buf, i, p)) {
                    counts[k]++;
                }
            }
        }
    }

    private static boolean matches(byte[] buf, int at, byte[] p) {
        for (int j = 1; j < p.length; j++) {
            if (buf[at + j] != p[j]) {
                return false;
            }
        }
        return true;
    }
}
