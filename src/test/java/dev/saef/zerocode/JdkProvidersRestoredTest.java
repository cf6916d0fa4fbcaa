package dev.saef.zerocode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 7 item 8: the one-line {@code java.security} override {@code security.provider.1=SAEF} (the
 * product contract's zero-code file) replaces the JDK's {@code SUN} provider. SAEF puts SUN back
 * right after itself, so that the JVM behaves exactly as with the full {@code saef.security}: the same
 * provider list, the same default {@code SecureRandom}, SHA digests, PKCS12, X.509 and the JDK's own
 * TLS. Each file runs {@link JdkProvidersMain} in a forked JVM; their outputs must be equal. (Before,
 * Bouncy Castle digests stood in for SUN: no X.509 {@code CertificateFactory}, so no JDK TLS.) The
 * certificate hand-off under the one-line file is in {@link ZeroCodeTest#oneLineSecurityFileStillWorks}.
 */
@Timeout(180)
class JdkProvidersRestoredTest {

    static final List<String> KEYS = List.of("securerandom", "securerandom-again", "providers", "strong", "sha256",
            "sha1-by-name", "pkcs12", "x509", "jdk-tls", "default-context");

    static List<String> run(Path securityFile, Path store, String java) throws Exception {
        Process p = new ProcessBuilder(java, "-Djava.security.properties=" + securityFile, "-cp",
                System.getProperty("java.class.path"), JdkProvidersMain.class.getName(), store.toString(),
                ZeroCodeTest.STORE_PASSWORD).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the JVM did not finish");
        return List.of(out.split("\n"));
    }

    static List<String> results(List<String> out) {
        return out.stream().filter(l -> KEYS.contains(l.split(" ")[0])).collect(Collectors.toList());
    }

    @Test
    void theOneLineFileWorksExactlyLikeTheFullOne(@TempDir Path dir) throws Exception {
        Path store = ZeroCodeTest.certificateStore(dir);
        Path oneLine = dir.resolve("minimal.security");
        Files.writeString(oneLine, "security.provider.1=SAEF\n");
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();

        List<String> full = run(Paths.get("saef.security").toAbsolutePath(), store, java);
        List<String> minimal = run(oneLine, store, java);
        String both = "full:\n" + String.join("\n", full) + "\none line:\n" + String.join("\n", minimal);
        assertEquals(KEYS.size(), results(full).size(), both);
        assertEquals(results(full), results(minimal), both);

        List<String> r = results(minimal);
        assertTrue(r.get(2).startsWith("providers SAEF SUN SunRsaSign SunEC SunJSSE SunJCE"), both);
        assertTrue(r.get(0).endsWith(" SUN") && r.get(1).endsWith(" SUN"), both);
        assertTrue(r.get(4).startsWith("sha256 SUN ba7816bf"), both);
        assertEquals("sha1-by-name SUN", r.get(5), both);
        assertEquals("pkcs12 SUN CN=localhost", r.get(6), both);
        assertEquals("x509 SUN CN=localhost", r.get(7), both);
        assertTrue(r.get(8).startsWith("jdk-tls SunJSSE "), both);
        assertEquals("default-context SAEF", r.get(9), both);
        assertTrue(String.join("\n", minimal).contains("security.provider.1=SAEF displaced the JDK's SUN provider; SAEF"
                + " registered it again as provider 2"), both);
    }
}
