package dev.saef.frameworks;

import dev.saef.config.AssociationTable;
import dev.saef.config.SaefConfiguration;
import dev.saef.identity.IdentityMode;
import dev.saef.identity.SaefPrincipal;
import dev.saef.jsse.SaefProvider;
import dev.saef.config.PskKeyManagerParameters;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.Principal;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.UnaryOperator;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Shared fixtures of the framework integration tests: the provider, throwaway test keys and
 * SAEF contexts built through the public JCA API only (exactly what the README tells users to write).
 */
final class FrameworkPeers {
    static final SaefProvider PROVIDER = new SaefProvider();

    /** The configured AE: the CSE's table binds KpsaID {@link #AE_KPSA} to AE-ID {@link #AE_ID}. */
    static final String AE_KPSA = "ae-fw@sp.example.com";
    static final String AE_ID = "CAEframework";
    /** An AE the CSE has a key for but no AE-ID: bound to the Credential-ID {@code 12-<KpsaID>}. */
    static final String ANON_KPSA = "ae-new@sp.example.com";
    static final String CSE_ID = "/id-in";
    /** Test-only throwaway keys. */
    static final String AE_KEY = "3a5f0c8e1d7b2946a8c3e5f70b1d2c4e";
    static final String ANON_KEY = "c0ffee00112233445566778899aabbcc";
    static final String WRONG_KEY = "ffeeddccbbaa99887766554433221100";

    private FrameworkPeers() {
    }

    /** The CSE (Entity B) table: one configured AE, one unknown-AE-ID key. */
    static String cseTable() {
        return AE_KPSA + " peer=" + AE_ID + " key=hex:" + AE_KEY + "\n"
                + ANON_KPSA + " key=hex:" + ANON_KEY + "\n";
    }

    /** An AE (Entity A) table: the CSE {@link #CSE_ID} at {@code address}. */
    static String aeTable(String kpsaId, String keyHex, String address) {
        return kpsaId + " peer=" + CSE_ID + " address=" + address + " key=hex:" + keyHex + "\n";
    }

    static SaefConfiguration config(String table) throws Exception {
        AssociationTable t = AssociationTable.parse("test-table", new StringReader(table), IdentityMode.STRICT, true);
        return SaefConfiguration.of(t, t.inlineKeys());
    }

    static KeyManagerFactory keyManagerFactory(String table, UnaryOperator<SaefConfiguration> tweak) throws Exception {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("PSK", PROVIDER);
        kmf.init(new PskKeyManagerParameters(tweak.apply(config(table))));
        return kmf;
    }

    static KeyManagerFactory cseKeyManagerFactory() throws Exception {
        return keyManagerFactory(cseTable(), c -> c.withLocalId(CSE_ID));
    }

    static KeyManagerFactory aeKeyManagerFactory(String kpsaId, String keyHex, String address) throws Exception {
        // no JDK fallback: a wrong address must fail loudly instead of trying certificate TLS
        return keyManagerFactory(aeTable(kpsaId, keyHex, address), c -> c.withJdkFallback(false));
    }

    static SSLContext context(KeyManagerFactory kmf) throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS", PROVIDER);
        ctx.init(kmf.getKeyManagers(), null, null);
        return ctx;
    }

    static SSLContext cseContext() throws Exception {
        return context(cseKeyManagerFactory());
    }

    static SSLContext aeContext(String kpsaId, String keyHex, String address) throws Exception {
        return context(aeKeyManagerFactory(kpsaId, keyHex, address));
    }

    /** A one-line description of the bound peer identity of {@code s}, as the servers under test report it. */
    static String describePeer(SSLSession s) {
        try {
            Principal p = s.getPeerPrincipal();
            if (p instanceof SaefPrincipal sp) {
                return "bound=" + sp.getName() + " kpsa=" + sp.kpsaId().map(dev.saef.identity.KpsaId::value).orElse("-")
                        + " configured=" + sp.isConfigured() + " suite=" + s.getCipherSuite() + " protocol="
                        + s.getProtocol();
            }
            return "not-saef=" + p.getClass().getName() + ":" + p.getName();
        } catch (SSLPeerUnverifiedException e) {
            return "unverified: " + e.getMessage();
        }
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Deterministic test payload of {@code size} bytes. */
    static byte[] payload(int size, int seed) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (i * 31 + seed + (i >>> 8));
        }
        return b;
    }

    /** Writes an association table with owner-only permissions (SAEF refuses readable inline keys). */
    static Path writeTable(Path dir, String name, String text) throws Exception {
        Path t = dir.resolve(name);
        Files.writeString(t, text);
        Files.setPosixFilePermissions(t, PosixFilePermissions.fromString("rw-------"));
        return t;
    }

    /**
     * Runs a forked JVM with its output in {@code dir}; returns the output lines. A JVM still running
     * after {@code seconds} is thread-dumped (jstack, into the failure message) and killed.
     */
    static List<String> runJvm(List<String> cmd, Path dir, int seconds) throws Exception {
        Path log = Files.createTempFile(dir, "jvm-", ".out");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            if (!p.waitFor(seconds, java.util.concurrent.TimeUnit.SECONDS)) {
                String dump;
                try {
                    Process j = new ProcessBuilder(Paths.get(System.getProperty("java.home"), "bin", "jstack")
                            .toString(), Long.toString(p.pid())).redirectErrorStream(true).start();
                    dump = new String(j.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                    j.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
                } catch (java.io.IOException e) {
                    dump = "(no jstack: " + e + ")";
                }
                throw new AssertionError("forked JVM did not finish within " + seconds + " s; output:\n"
                        + Files.readString(log) + "\nthreads:\n" + dump);
            }
            return Files.readAllLines(log);
        } finally {
            p.destroyForcibly();
        }
    }

    /** The command line of a forked JVM with this test class path, configured only by system properties. */
    static List<String> javaCommand(List<String> systemProperties, Class<?> main, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(systemProperties);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main.getName());
        cmd.addAll(List.of(args));
        return cmd;
    }
}
