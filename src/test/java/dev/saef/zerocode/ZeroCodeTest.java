package dev.saef.zerocode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsServer;
import dev.saef.config.AssociationTable;
import dev.saef.config.SaefConfiguration;
import dev.saef.identity.IdentityMode;
import dev.saef.identity.OriginatorCheck;
import dev.saef.jsse.SaefProvider;
import dev.saef.config.PskKeyManagerParameters;
import java.io.OutputStream;
import java.io.StringReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Zero-code use (README, "Zero-code setup"): a forked JVM running plain JDK HTTPS code, configured only by
 * {@code -Djava.security.properties} and {@code -Dsaef.*}, talks PSK-SAEF to a CSE. The CSE (in this
 * JVM) checks the bound identity and the clause 7.2.1 originator rule on every request.
 */
@Timeout(120)
class ZeroCodeTest {

    static final String KPSA = "ae-zc@sp.example.com";
    static final String KEY = "8f1e2d3c4b5a69788796a5b4c3d2e1f0";
    static HttpsServer server;
    static int port;
    /** An ordinary certificate HTTPS server (SunJSSE) with no PSK association. */
    static HttpsServer certServer;
    static int certPort;
    static Path trustStore;
    static final String STORE_PASSWORD = "changeit-test";

    /** Creates a self-signed RSA key for localhost with keytool (test-only, throwaway). */
    static Path certificateStore(Path dir) throws Exception {
        Path p12 = dir.resolve("cert-server.p12");
        Process k = new ProcessBuilder(Paths.get(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "server", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=localhost",
                "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12",
                "-keystore", p12.toString(), "-storepass", STORE_PASSWORD).redirectErrorStream(true).start();
        String out = new String(k.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(k.waitFor(60, TimeUnit.SECONDS) && k.exitValue() == 0, out);
        return p12;
    }

    @BeforeAll
    static void startCse() throws Exception {
        SaefProvider provider = new SaefProvider();
        AssociationTable t = AssociationTable.parse("cse", new StringReader(KPSA + " peer=CAEzc key=hex:" + KEY),
                IdentityMode.STRICT, true);
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("PSK", provider);
        kmf.init(new PskKeyManagerParameters(SaefConfiguration.of(t, t.inlineKeys()).withLocalId("/id-in")));
        SSLContext ctx = SSLContext.getInstance("TLS", provider);
        ctx.init(kmf.getKeyManagers(), null, null);
        server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(ctx));
        server.createContext("/", ex -> {
            OriginatorCheck.Result check = OriginatorCheck.check(((HttpsExchange) ex).getSSLSession(),
                    ex.getRequestHeaders().getFirst("X-M2M-Origin"));
            byte[] body = ("bound=" + check.boundIdentity() + ",rsc=" + (check.authenticated() ? 2000
                    : check.responseStatusCode())).getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(body);
            }
        });
        server.start();
        port = server.getAddress().getPort();
    }

    @BeforeAll
    static void startCertificateServer(@TempDir Path dir) throws Exception {
        trustStore = certificateStore(dir);
        java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(trustStore)) {
            ks.load(in, STORE_PASSWORD.toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("SunX509", "SunJSSE");
        kmf.init(ks, STORE_PASSWORD.toCharArray());
        SSLContext jdk = SSLContext.getInstance("TLS", "SunJSSE");
        jdk.init(kmf.getKeyManagers(), null, null);
        certServer = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        certServer.setHttpsConfigurator(new HttpsConfigurator(jdk));
        certServer.createContext("/", ex -> {
            byte[] body = "cert-ok".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(body);
            }
        });
        certServer.start();
        certPort = certServer.getAddress().getPort();
    }

    @AfterAll
    static void stopCse() {
        server.stop(0);
        certServer.stop(0);
    }

    static List<String> runClient(Path securityFile, Path table, String... extra) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Djava.security.properties=" + securityFile);
        cmd.add("-Dsaef.associations=" + table);
        cmd.add("-Dsaef.localId=CAEzc");
        cmd.addAll(List.of(extra));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("-Djavax.net.ssl.trustStore=" + trustStore);
        cmd.add("-Djavax.net.ssl.trustStorePassword=" + STORE_PASSWORD);
        cmd.add(ZeroCodeClientMain.class.getName());
        cmd.add("https://localhost:" + port);
        cmd.add("https://localhost:" + certPort);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "client JVM did not finish");
        return List.of(out.split("\n"));
    }

    static Path table(Path dir, String perms) throws Exception {
        Path t = dir.resolve("associations");
        Files.writeString(t, "# zero-code client\n" + KPSA + " peer=/id-in address=localhost:" + port + " key=hex:"
                + KEY + "\n");
        Files.setPosixFilePermissions(t, PosixFilePermissions.fromString(perms));
        return t;
    }

    static String line(List<String> out, String prefix) {
        return out.stream().filter(l -> l.startsWith(prefix + " ")).findFirst()
                .orElseThrow(() -> new AssertionError("no '" + prefix + "' line in:\n" + String.join("\n", out)));
    }

    @Test
    void unchangedJdkClientsSpeakPskSaef(@TempDir Path dir) throws Exception {
        Path security = Paths.get("saef.security").toAbsolutePath();
        List<String> out = runClient(security, table(dir, "rw-------"));
        assertEquals("default-provider SAEF", line(out, "default-provider"), String.join("\n", out));
        String url = line(out, "urlconnection");
        assertTrue(url.startsWith("urlconnection 200 TLS_PSK_WITH_AES_128_GCM_SHA256 peer=/id-in local=CAEzc"
                + " body=bound=CAEzc,rsc=2000"), url);
        String hc = line(out, "httpclient");
        assertEquals("httpclient 200 HTTP_1_1 TLS_PSK_WITH_AES_128_GCM_SHA256 body=bound=CAEzc,rsc=2000", hc);
        assertEquals("init-null TLS_PSK_WITH_AES_128_GCM_SHA256 peer=/id-in host=localhost:true", line(out, "init-null"));
        // the same default context hands the certificate server (no association) to the JDK's TLS
        String cert = line(out, "cert-urlconnection");
        assertTrue(cert.startsWith("cert-urlconnection 200 TLS_") && cert.endsWith("1-cert body=cert-ok")
                && !cert.contains("PSK"), String.join("\n", out));
        assertEquals("cert-httpclient 200 body=cert-ok", line(out, "cert-httpclient"));
        String sock = out.stream().filter(l -> l.startsWith("socket")).findFirst().orElseThrow();
        assertTrue(sock.startsWith("socket HTTP/1.1 200 OK TLS_PSK_WITH_AES_128_GCM_SHA256 body=bound=CAEzc,rsc=2000"),
                String.join("\n", out));
        assertFalse(String.join("\n", out).contains(KEY));
    }

    /** A custom HostnameVerifier is consulted (there is no certificate) and sees the bound identity. */
    @Test
    void customHostnameVerifierSeesTheBoundIdentity() throws Exception {
        SaefProvider provider = new SaefProvider();
        AssociationTable t = AssociationTable.parse("ae", new StringReader(KPSA + " peer=/id-in address=localhost:"
                + port + " key=hex:" + KEY), IdentityMode.STRICT, true);
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("PSK", provider);
        kmf.init(new PskKeyManagerParameters(SaefConfiguration.of(t, t.inlineKeys())));
        SSLContext ctx = SSLContext.getInstance("TLS", provider);
        ctx.init(kmf.getKeyManagers(), null, null);
        List<String> seen = new ArrayList<>();
        for (boolean accept : new boolean[] {true, false}) {
            javax.net.ssl.HttpsURLConnection c = (javax.net.ssl.HttpsURLConnection)
                    new java.net.URL("https://localhost:" + port + "/hv").openConnection();
            c.setSSLSocketFactory(ctx.getSocketFactory());
            c.setHostnameVerifier((host, session) -> {
                try {
                    seen.add(host + " " + session.getPeerPrincipal().getName());
                } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
                    seen.add(host + " unverified");
                }
                return accept;
            });
            c.setRequestProperty("X-M2M-Origin", "CAEzc");
            if (accept) {
                assertEquals(200, c.getResponseCode());
            } else {
                java.io.IOException x = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                        c::getResponseCode);
                // "HTTPS hostname wrong: should be <h>" up to Java 21, "Wrong HTTPS hostname: ..." on 25
                assertTrue(x.getMessage().toLowerCase(java.util.Locale.ROOT).contains("https hostname"),
                        x.getMessage());
            }
            c.disconnect();
        }
        assertEquals(List.of("localhost /id-in", "localhost /id-in"), seen);
    }

    @Test
    void oneLineSecurityFileStillWorks(@TempDir Path dir) throws Exception {
        Path security = dir.resolve("minimal.security");
        Files.writeString(security, "security.provider.1=SAEF\n");
        List<String> out = runClient(security, table(dir, "rw-------"));
        assertEquals("default-provider SAEF", line(out, "default-provider"), String.join("\n", out));
        assertTrue(line(out, "urlconnection").contains("body=bound=CAEzc,rsc=2000"), String.join("\n", out));
        assertTrue(line(out, "httpclient").contains("body=bound=CAEzc,rsc=2000"), String.join("\n", out));
        assertTrue(String.join("\n", out).contains("displaced the JDK's SUN provider"), String.join("\n", out));
        // issue 7 item 8: the certificate server (no association) is handed to the JDK's TLS, which needs SUN
        String cert = line(out, "cert-urlconnection");
        assertTrue(cert.startsWith("cert-urlconnection 200 TLS_") && cert.endsWith("1-cert body=cert-ok")
                && !cert.contains("PSK"), String.join("\n", out));
        assertEquals("cert-httpclient 200 body=cert-ok", line(out, "cert-httpclient"));
        assertTrue(line(out, "init-null").startsWith("init-null TLS_PSK_"), String.join("\n", out));
    }

    /**
     * One listening socket serves PSK clients (SAEF) and certificate clients (handed to the JDK's TLS),
     * with the full saef.security and with the one-line file (issue 7 item 8: there the JDK's TLS was
     * not available, and certificate clients got nothing).
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "one-line security file: {0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
    void serverDelegatesCertificateClientsToTheJdk(boolean oneLine, @TempDir Path dir) throws Exception {
        Path security = Paths.get("saef.security").toAbsolutePath();
        if (oneLine) {
            security = dir.resolve("minimal.security");
            Files.writeString(security, "security.provider.1=SAEF\n");
        }
        Path table = dir.resolve("server-associations");
        Files.writeString(table, KPSA + " peer=CAEzc key=hex:" + KEY + "\n");
        Files.setPosixFilePermissions(table, PosixFilePermissions.fromString("rw-------"));
        List<String> cmd = List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.security.properties=" + security, "-Dsaef.associations=" + table,
                "-Djavax.net.ssl.keyStore=" + trustStore, "-Djavax.net.ssl.keyStorePassword=" + STORE_PASSWORD,
                "-cp", System.getProperty("java.class.path"), ZeroCodeServerMain.class.getName());
        Process server = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(
                    server.getInputStream(), StandardCharsets.UTF_8));
            String ports = out.readLine();
            StringBuilder before = new StringBuilder();
            while (ports != null && !ports.startsWith("ports ")) { // log lines (stderr) may come first
                before.append(ports).append('\n');
                ports = out.readLine();
            }
            assertTrue(ports != null, before.toString());
            int httpPort = Integer.parseInt(ports.split(" ")[1]);
            int echoPort = Integer.parseInt(ports.split(" ")[2]);

            // a PSK client (SAEF) ...
            SaefProvider provider = new SaefProvider();
            AssociationTable t = AssociationTable.parse("ae", new StringReader(KPSA + " peer=/id-in address=127.0.0.1"
                    + " key=hex:" + KEY), IdentityMode.STRICT, true);
            KeyManagerFactory kmf = KeyManagerFactory.getInstance("PSK", provider);
            kmf.init(new PskKeyManagerParameters(SaefConfiguration.of(t, t.inlineKeys()).withJdkFallback(false)));
            SSLContext psk = SSLContext.getInstance("TLS", provider);
            psk.init(kmf.getKeyManagers(), null, null);
            // ... and a certificate client (SunJSSE trusting the server's self-signed certificate)
            java.security.KeyStore ts = java.security.KeyStore.getInstance("PKCS12");
            try (var in = Files.newInputStream(trustStore)) {
                ts.load(in, STORE_PASSWORD.toCharArray());
            }
            javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance("PKIX", "SunJSSE");
            tmf.init(ts);
            SSLContext cert = SSLContext.getInstance("TLS", "SunJSSE");
            cert.init(null, tmf.getTrustManagers(), null);

            assertEquals("CAEzc TLS_PSK_WITH_AES_128_GCM_SHA256", get(psk, httpPort));
            String viaJdk = get(cert, httpPort);
            assertTrue(viaJdk.startsWith("certificate-client TLS_") && !viaJdk.contains("PSK"), viaJdk);
            assertEquals("hello TLS_PSK_WITH_AES_128_GCM_SHA256", echo(psk, echoPort, "hello"));
            String echoed = echo(cert, echoPort, "hi");
            assertTrue(echoed.startsWith("hi TLS_") && !echoed.contains("PSK"), echoed);
        } finally {
            server.getOutputStream().close();
            if (!server.waitFor(20, TimeUnit.SECONDS)) {
                server.destroyForcibly();
            }
        }
    }

    static String get(SSLContext ctx, int port) throws Exception {
        javax.net.ssl.HttpsURLConnection c = (javax.net.ssl.HttpsURLConnection)
                new java.net.URL("https://127.0.0.1:" + port + "/").openConnection();
        c.setSSLSocketFactory(ctx.getSocketFactory());
        c.setHostnameVerifier((h, s) -> true); // the certificate names localhost; the PSK side has none
        try (var in = c.getInputStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } finally {
            c.disconnect();
        }
    }

    static String echo(SSLContext ctx, int port, String line) throws Exception {
        try (javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1",
                port)) {
            s.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
            s.getOutputStream().flush();
            return new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(),
                    StandardCharsets.UTF_8)).readLine();
        }
    }

    @Test
    void withoutFallbackPeersWithoutAssociationFail(@TempDir Path dir) throws Exception {
        Path security = Paths.get("saef.security").toAbsolutePath();
        List<String> out = runClient(security, table(dir, "rw-------"), "-Dsaef.fallback=none");
        assertTrue(line(out, "urlconnection").contains("body=bound=CAEzc,rsc=2000"), String.join("\n", out));
        String err = line(out, "cert-error");
        assertTrue(err.contains("no PSK-SAEF association for localhost:" + certPort), err);
    }

    @Test
    void readableInlineKeysAreRefusedLoudly(@TempDir Path dir) throws Exception {
        Path security = Paths.get("saef.security").toAbsolutePath();
        Path t = table(dir, "rw-r--r--");
        List<String> out = runClient(security, t);
        String err = line(out, "default-context-error");
        assertTrue(err.contains(t.toString()) && err.contains("chmod 600"), err);
        assertFalse(err.contains(KEY), err);
    }
}
