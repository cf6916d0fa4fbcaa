package dev.saef.modulepath;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saef.jsse.SaefProvider;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The declared API ({@code module-info.java}) at work: a forked JVM with the compiled classes and Bouncy
 * Castle on the MODULE path (the other tests run on the class path, where module-info is ignored), and no
 * {@code --add-modules}, finds the {@code SAEF} provider through {@link java.util.ServiceLoader}
 * ({@code security.provider.1=SAEF}; the module is resolved by service binding),
 * sees exactly the five exported packages ({@code dev.saef.coap} among them, though Californium is absent),
 * and runs a real PSK-SAEF handshake over loopback between a server and a client context. Jetty is not on the module path: the module must resolve without it (its
 * Jetty modules are {@code requires static}, and module-info provides no Jetty service, which would make
 * Jetty mandatory).
 */
@Timeout(120)
class ModulePathTest {

    static final String KPSA = "ae-mod@sp.example.com";
    static final String KEY = "00112233445566778899aabbccddeeff";
    static final Pattern BOUNCY_CASTLE = Pattern.compile(".*/bc(prov|tls|util)-jdk18on-[^/]*\\.jar");

    static List<String> classPath() {
        return Arrays.asList(System.getProperty("java.class.path").split(File.pathSeparator));
    }

    /** Runs {@link ModulePathMain} with {@code modules} on the module path; returns its output lines. */
    static List<String> run(Path dir, List<String> modules) throws Exception {
        Path server = dir.resolve("server-associations");
        Files.writeString(server, KPSA + " peer=CAEmodule key=hex:" + KEY + "\n");
        Path client = dir.resolve("client-associations");
        Files.writeString(client, KPSA + " peer=/id-in address=localhost key=hex:" + KEY + "\n");
        for (Path p : List.of(server, client)) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-------"));
        }
        // this class alone on the class path: not target/test-classes, which holds test classes in the
        // module's packages
        Path main = dir.resolve("main");
        Path pkg = main.resolve(ModulePathMain.class.getPackageName().replace('.', File.separatorChar));
        Files.createDirectories(pkg);
        Path compiled = Paths.get(ModulePathMain.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .resolve(ModulePathMain.class.getName().replace('.', File.separatorChar) + ".class");
        Files.copy(compiled, pkg.resolve(compiled.getFileName()));

        List<String> cmd = new ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.security.properties=" + Paths.get("saef.security").toAbsolutePath(),
                // no --add-modules: java.base uses java.security.Provider, so service binding resolves dev.saef
                "-p", String.join(File.pathSeparator, modules),
                "-cp", main.toString(), ModulePathMain.class.getName(), server.toString(), client.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(90, TimeUnit.SECONDS), "module-path JVM did not finish:\n" + out);
        assertEquals(0, p.exitValue(), out);
        return List.of(out.split("\n"));
    }

    /** target/classes (or the jar) and the three Bouncy Castle jars, nothing else. */
    static List<String> saefModules() throws Exception {
        List<String> modules = new ArrayList<>();
        modules.add(Paths.get(SaefProvider.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
        modules.addAll(classPath().stream().filter(e -> BOUNCY_CASTLE.matcher(e).matches()).collect(Collectors.toList()));
        assertEquals(4, modules.size(), "target/classes and the three Bouncy Castle jars: " + modules);
        assertTrue(Files.exists(Paths.get(modules.get(0), "module-info.class")), "module-info.class not compiled");
        return modules;
    }

    static String line(List<String> out, String prefix) {
        return out.stream().filter(l -> l.startsWith(prefix + " ")).findFirst()
                .orElseThrow(() -> new AssertionError("no '" + prefix + "' line in:\n" + String.join("\n", out)));
    }

    @Test
    void handshakeWithTheProviderOnTheModulePath(@TempDir Path dir) throws Exception {
        List<String> out = run(dir, saefModules());
        String all = String.join("\n", out);
        assertEquals("provider dev.saef.jsse.SaefProvider", line(out, "provider"), all);
        assertEquals("module dev.saef", line(out, "module"), all);
        assertEquals("exports [dev.saef.coap, dev.saef.config, dev.saef.identity, dev.saef.jsse, dev.saef.keys]",
                line(out, "exports"), all);
        assertTrue(line(out, "provides").contains("java.security.Provider=[dev.saef.jsse.SaefProvider]"), all);
        assertEquals("contexts SAEF SAEF", line(out, "contexts"), all);
        assertTrue(line(out, "client").matches("client pong TLSv1\\.2 TLS_PSK_\\S+ peer=/id-in"), all);
        assertEquals("server ping peer=CAEmodule", line(out, "server"), all);
        assertFalse(all.contains(KEY), "key in the output");
    }
}
