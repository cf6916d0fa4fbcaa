package dev.saef.frameworks.jetty;

import static dev.saef.frameworks.jetty.JettySaef.AE_ID;
import static dev.saef.frameworks.jetty.JettySaef.CSE_ID;
import static dev.saef.frameworks.jetty.JettySaef.H2_SUITE;
import static dev.saef.frameworks.jetty.JettySaef.KEY;
import static dev.saef.frameworks.jetty.JettySaef.KPSA;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saef.identity.SaefPrincipal;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Zero-code Jetty: unchanged Jetty 12 applications in forked JVMs, configured only through
 * {@code -Djava.security.properties=saef.security}, {@code -Dsaef.*} and Jetty's own provider setting,
 * so the JDK's provider list and {@code SSLContext} caching are real. The SAEF ALPN processors reach
 * the forked JVMs through the class path (META-INF/services), as they would from an integration jar.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JettyZeroCodeTest {

    static final String STORE_PASSWORD = "changeit-test";

    /** A forked JVM whose first output line is awaited; destroyed by {@link #close()}. */
    static final class Fork implements AutoCloseable {
        final Process process;
        final BufferedReader out;

        Fork(List<String> cmd) throws Exception {
            process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        }

        /** The next line starting with {@code prefix} (other lines, e.g. logging, are collected). */
        String await(String prefix, List<String> seen) throws Exception {
            CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
                try {
                    for (String l; (l = out.readLine()) != null; ) {
                        if (l.startsWith(prefix)) {
                            return l;
                        }
                        seen.add(l);
                    }
                    return null;
                } catch (java.io.IOException e) {
                    return null;
                }
            });
            try {
                return line.get(40, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                process.destroyForcibly();
                throw new AssertionError("no '" + prefix + "' line from the forked JVM; saw: " + seen);
            }
        }

        @Override
        public void close() {
            try {
                process.getOutputStream().close(); // the server mains stop when stdin closes
            } catch (java.io.IOException ignored) {
                // already gone
            }
            try {
                if (!process.waitFor(15, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    static List<String> java(String main, List<String> props, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Djava.security.properties=" + Paths.get("saef.security").toAbsolutePath());
        cmd.addAll(props);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main);
        cmd.addAll(List.of(args));
        return cmd;
    }

    static Path table(Path dir, String name, String line) throws Exception {
        Path t = dir.resolve(name);
        Files.writeString(t, line + "\n");
        Files.setPosixFilePermissions(t, PosixFilePermissions.fromString("rw-------"));
        return t;
    }

    static Fork startServer(Path dir, String mode, String... extraProps) throws Exception {
        Path table = table(dir, "cse-associations", KPSA + " peer=" + AE_ID + " key=hex:" + KEY);
        List<String> props = new ArrayList<>(List.of("-Dsaef.associations=" + table, "-Dsaef.localId=" + CSE_ID));
        props.addAll(List.of(extraProps));
        return new Fork(java(JettyZeroCodeServerMain.class.getName(), props, mode));
    }

    static int port(String portLine) {
        return Integer.parseInt(portLine.split(" ")[1]);
    }

    /** setProvider("SAEF") on an otherwise empty SslContextFactory.Server; clients: SAEF in this JVM. */
    @Test
    void unchangedJettyServerWithProviderSaef(@TempDir Path dir) throws Exception {
        List<String> seen = new ArrayList<>();
        try (Fork server = startServer(dir, "provider")) {
            String first = server.await("port ", seen);
            assertNotNull(first, String.join("\n", seen));
            assertTrue(first.endsWith(" provider SAEF"), first);
            int port = port(first);

            for (JettySaef.ClientKind kind : new JettySaef.ClientKind[] {JettySaef.ClientKind.H2,
                    JettySaef.ClientKind.HTTP11}) {
                SslContextFactory.Client ssl = JettySaef.clientSsl(JettySaef.clientContext("localhost", port));
                if (kind == JettySaef.ClientKind.H2) {
                    ssl.setIncludeCipherSuites(H2_SUITE);
                }
                HttpClient client = JettySaef.startClient(ssl, kind, null);
                try {
                    ContentResponse r = client.newRequest("https://localhost:" + port + "/zero").timeout(15,
                            TimeUnit.SECONDS).send();
                    Map<String, String> f = JettySaef.fields(r.getContentAsString());
                    assertEquals(200, r.getStatus(), r.getContentAsString());
                    assertEquals(kind == JettySaef.ClientKind.H2 ? HttpVersion.HTTP_2 : HttpVersion.HTTP_1_1,
                            r.getVersion());
                    assertEquals(SaefPrincipal.class.getName(), f.get("principal"), r.getContentAsString());
                    assertEquals(AE_ID, f.get("bound"));
                    assertEquals(CSE_ID, f.get("local"));
                    if (kind == JettySaef.ClientKind.H2) {
                        assertEquals(H2_SUITE, f.get("suite"));
                    }
                } finally {
                    JettySaef.stop(client);
                }
            }
            server.process.getOutputStream().write('?');
            server.process.getOutputStream().flush();
            assertEquals("engines dev.saef.jsse.SaefSSLEngine/h2 dev.saef.jsse.SaefSSLEngine/",
                    server.await("engines", seen));
        }
    }

    /**
     * Both sides zero-code: the server's SslContextFactory names no provider (SAEF is provider 1),
     * the client's names SAEF; suites come from the standard jdk.tls.client.cipherSuites property.
     */
    @Test
    void unchangedJettyServerAndClientWithSaefAsDefaultProvider(@TempDir Path dir) throws Exception {
        List<String> seen = new ArrayList<>();
        try (Fork server = startServer(dir, "default")) {
            String first = server.await("port ", seen);
            assertNotNull(first, String.join("\n", seen));
            assertTrue(first.endsWith(" provider SAEF"), first);
            int port = port(first);
            Path table = table(dir, "ae-associations", KPSA + " peer=" + CSE_ID + " address=localhost:" + port
                    + " key=hex:" + KEY);
            List<String> cmd = java(JettyZeroCodeClientMain.class.getName(), List.of("-Dsaef.associations=" + table,
                    "-Dsaef.localId=" + AE_ID, "-Dsaef.fallback=none",
                    "-Djdk.tls.client.cipherSuites=" + H2_SUITE + ",TLS_PSK_WITH_AES_128_GCM_SHA256"),
                    "provider", "https://localhost:" + port + "/both");
            Process client = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(client.waitFor(40, TimeUnit.SECONDS), out);
            String h2 = line(out, "H2 ");
            assertTrue(h2.startsWith("H2 200 HTTP/2.0 dev.saef.jsse.SaefSSLEngine/h2 version=HTTP/2.0"), out);
            assertTrue(h2.contains(" suite=" + H2_SUITE + " ") && h2.contains(" bound=" + AE_ID + " "), h2);
            String http11 = line(out, "HTTP11 ");
            assertTrue(http11.startsWith("HTTP11 200 HTTP/1.1 dev.saef.jsse.SaefSSLEngine/ version=HTTP/1.1"), out);
            assertTrue(http11.contains(" principal=" + SaefPrincipal.class.getName() + " "), http11);
            assertFalse(out.contains(KEY));
        }
    }

    /**
     * One Jetty connector for PSK and certificate clients (saef.fallback=jdk with javax.net.ssl.keyStore):
     * a SunJSSE Jetty client offering h2 is handed to the JDK's TLS by the SAEF engine, and should get h2.
     */
    @Test
    void certificateClientsHandedToTheJdkKeepAlpn(@TempDir Path dir) throws Exception {
        certificateClients(dir, true);
    }

    /** The same, over HTTP/1.1: works. */
    @Test
    void certificateClientsHandedToTheJdkOverHttp11(@TempDir Path dir) throws Exception {
        certificateClients(dir, false);
    }

    private void certificateClients(Path dir, boolean h2) throws Exception {
        Path store = certificateStore(dir);
        List<String> seen = new ArrayList<>();
        try (Fork server = startServer(dir, "provider", "-Djavax.net.ssl.keyStore=" + store,
                "-Djavax.net.ssl.keyStorePassword=" + STORE_PASSWORD)) {
            String first = server.await("port ", seen);
            assertNotNull(first, String.join("\n", seen));
            int port = port(first);
            SslContextFactory.Client ssl = new SslContextFactory.Client();
            ssl.setProvider("SunJSSE");
            ssl.setTrustStorePath(store.toString());
            ssl.setTrustStorePassword(STORE_PASSWORD);
            ssl.setTrustStoreType("PKCS12");
            List<javax.net.ssl.SSLEngine> engines = new java.util.concurrent.CopyOnWriteArrayList<>();
            HttpClient client = JettySaef.startClient(ssl, h2 ? JettySaef.ClientKind.DYNAMIC_H2_AND_HTTP11
                    : JettySaef.ClientKind.HTTP11, engines);
            try {
                ContentResponse r;
                try {
                    r = client.newRequest("https://localhost:" + port + "/cert").timeout(15, TimeUnit.SECONDS).send();
                } catch (java.util.concurrent.ExecutionException x) {
                    server.process.getOutputStream().write('?');
                    server.process.getOutputStream().flush();
                    throw new AssertionError("certificate client failed; server side: " + server.await("engines", seen)
                            + "; client engines: " + engines.stream().map(e -> e.getClass().getName() + "/"
                            + e.getApplicationProtocol()).toList(), x);
                }
                Map<String, String> f = JettySaef.fields(r.getContentAsString());
                assertEquals(200, r.getStatus(), r.getContentAsString());
                assertFalse(f.get("suite").contains("PSK"), r.getContentAsString());
                assertEquals("none", f.get("principal"), r.getContentAsString()); // no client certificate
                assertTrue(engines.get(0).getClass().getName().startsWith("sun.security.ssl."));
                assertEquals(h2 ? HttpVersion.HTTP_2 : HttpVersion.HTTP_1_1, r.getVersion(), r.getContentAsString());
                // the server's engine is the SAEF engine, which handed this client to the JDK's TLS
                server.process.getOutputStream().write('?');
                server.process.getOutputStream().flush();
                assertEquals("engines dev.saef.jsse.SaefSSLEngine/" + (h2 ? "h2" : ""), server.await("engines", seen));
            } finally {
                JettySaef.stop(client);
            }
        }
    }

    /** A self-signed RSA key for localhost made with keytool (test-only, throwaway). */
    static Path certificateStore(Path dir) throws Exception {
        Path p12 = dir.resolve("cert-server.p12");
        Process k = new ProcessBuilder(Paths.get(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "server", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=localhost",
                "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12",
                "-keystore", p12.toString(), "-storepass", STORE_PASSWORD).redirectErrorStream(true).start();
        String out = new String(k.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(k.waitFor(40, TimeUnit.SECONDS) && k.exitValue() == 0, out);
        return p12;
    }

    static String line(String out, String prefix) {
        return out.lines().filter(l -> l.startsWith(prefix)).findFirst()
                .orElseThrow(() -> new AssertionError("no '" + prefix + "' line in:\n" + out));
    }
}
