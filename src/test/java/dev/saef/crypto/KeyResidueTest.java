package dev.saef.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * No copy of a Kpsa (TS-0003 clause 8.2.2.1, the TLS {@code psk}) or of a session's master secret
 * outlives the handshake or the connection, on either role, for PSK and DHE_PSK, after successful and
 * failed handshakes (RFC 5246 section 8.1: secrets are deleted from memory once no longer needed).
 *
 * <p>A forked JVM ({@link KeyResidueMain}) runs 40 handshakes between SAEF client and server sockets
 * over loopback (TLS_PSK_WITH_AES_128_CBC_SHA256, _AES_256_GCM_SHA384, _AES_128_CCM_8,
 * TLS_DHE_PSK_WITH_AES_128_GCM_SHA256, _AES_256_CBC_SHA384; a 16-octet and a 32-octet random key),
 * two that fail on a wrong key and two whose ClientKeyExchange is malformed after the server took the
 * key; the sessions cached for resumption then leave their caches, by {@code SSLSession.invalidate()}
 * (server, one client) and by expiry (the other client), which must destroy their master secrets
 * (without that step each master secret is found once: the cache legitimately keeps it). It then
 * writes a heap dump. It runs with the Epsilon collector, which never frees or reuses
 * memory: the dump holds every object the process ever allocated, reachable or not, so every array
 * that held a key and was not zeroed is found - as it would be in a core dump, swap or a memory read,
 * whereas a dump of live objects after a GC finds only what is still referenced (before the fix that
 * was the two configured copies, i.e. it could not see the leftovers). The forked JVM gets the keys as
 * hex text only, so its raw octets exist only where SAEF decoded them; the test JVM's copies do not
 * count.
 *
 * <p>The dump is scanned for each key's octets and for {@code key ^ 0x36} and {@code key ^ 0x5c}
 * (the HMAC inner and outer pads, which SunJCE's {@code Mac} keeps; a plain-PSK premaster is short
 * enough to be used as the HMAC key directly), and for the master secrets (and their pads) of five
 * finished and closed sessions. Expected: each key exactly twice, the inline key of the server's and
 * of the client's association table (both contexts stay alive until the dump: those are the copies
 * the configuration legitimately holds, and finding them shows the scan works); no pad form; no
 * master secret. Measured before the fix: key A 106 copies (+17 of each pad form), key B 146 (+16),
 * each master secret 10 to 16 copies (+6 of each pad form); after: 2, 2 and 0.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class KeyResidueTest {

    /** Copies each key legitimately has in the dump: the server's table and the client's table. */
    private static final int CONFIGURED_COPIES = 2;

    @Test
    void noKpsaOrMasterSecretCopiesAfterHandshakes() throws Exception {
        SecureRandom random = new SecureRandom();
        byte[] keyA = new byte[16];
        byte[] keyB = new byte[32];
        random.nextBytes(keyA);
        random.nextBytes(keyB);
        Path work = Files.createTempDirectory("saef-residue");
        try {
            Files.writeString(work.resolve("keys"),
                    HexFormat.of().formatHex(keyA) + "\n" + HexFormat.of().formatHex(keyB) + "\n",
                    StandardCharsets.US_ASCII);
            Path dump = work.resolve("heap.hprof");
            String output = fork(work, dump);
            assertTrue(output.contains("handshakes=40 failed=4"), "unexpected child output: " + output);
            List<byte[]> masters = new ArrayList<>();
            for (String line : Files.readAllLines(work.resolve("master-secrets"), StandardCharsets.US_ASCII)) {
                if (!line.isBlank()) {
                    masters.add(HexFormat.of().parseHex(line.trim()));
                }
            }
            assertEquals(5, masters.size(), "master secrets captured");

            List<byte[]> secrets = new ArrayList<>(List.of(keyA, keyB));
            secrets.addAll(masters);
            List<byte[]> patterns = new ArrayList<>();
            for (byte[] s : secrets) {
                patterns.add(s);
                patterns.add(xor(s, 0x36));
                patterns.add(xor(s, 0x5c));
            }
            int[] counts = OctetScan.count(dump, patterns.toArray(new byte[0][]));
            StringBuilder report = new StringBuilder("copies in a heap dump of " + Files.size(dump) + " octets:");
            for (int i = 0; i < secrets.size(); i++) {
                String name = i == 0 ? "key A (16 octets)" : i == 1 ? "key B (32 octets)" : "master secret " + (i - 1);
                report.append("\n  ").append(name).append(": ").append(counts[3 * i]).append(", ^ipad ")
                        .append(counts[3 * i + 1]).append(", ^opad ").append(counts[3 * i + 2]);
            }
            System.out.println(report);

            assertEquals(CONFIGURED_COPIES, counts[0], "copies of key A (expected only the server's and the"
                    + " client's association table)\n" + report);
            assertEquals(CONFIGURED_COPIES, counts[3], "copies of key B (expected only the server's and the"
                    + " client's association table)\n" + report);
            for (int i = 0; i < patterns.size(); i++) {
                boolean configuredKey = i == 0 || i == 3;
                if (!configuredKey) {
                    assertEquals(0, counts[i], "pattern " + i + " (see the report)\n" + report);
                }
            }
        } finally {
            deleteTree(work);
        }
    }

    /** Runs {@link KeyResidueMain} in a JVM with the Epsilon collector; returns its output. */
    private static String fork(Path work, Path dump) throws IOException, InterruptedException {
        List<String> cmd = List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UnlockExperimentalVMOptions", "-XX:+UseEpsilonGC", "-Xms64m", "-Xmx768m",
                "-Xlog:disable", "-Xlog:all=error:stderr", // Epsilon's start-up warnings
                "-cp", System.getProperty("java.class.path"), KeyResidueMain.class.getName(),
                work.toString(), dump.toString(), "8");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out;
        try {
            out = p.getInputStream().readAllBytes();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                throw new AssertionError("the handshake process did not end");
            }
        } finally {
            p.destroyForcibly();
        }
        String text = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), "the handshake process failed:\n" + text);
        return text;
    }

    private static byte[] xor(byte[] b, int pad) {
        byte[] r = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            r[i] = (byte) (b[i] ^ pad);
        }
        return r;
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
