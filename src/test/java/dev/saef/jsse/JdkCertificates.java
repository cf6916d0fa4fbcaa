package dev.saef.jsse;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.KeyStore;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Certificate TLS contexts of the JDK's own provider (SunJSSE), for control runs: a program that
 * fails with SAEF but also fails with SunJSSE tests the program, not the provider. The key is a
 * throwaway self-signed EC key made with {@code keytool} (test-only).
 */
final class JdkCertificates {
    static final String STORE_PASSWORD = "changeit-test";

    private final KeyStore store;

    private JdkCertificates(KeyStore store) {
        this.store = store;
    }

    /** Makes a throwaway key and certificate for {@code localhost} in {@code dir}. */
    static JdkCertificates create(Path dir) throws Exception {
        Path p12 = dir.resolve("control-server.p12");
        Process k = new ProcessBuilder(Paths.get(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-dname",
                "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12",
                "-keystore", p12.toString(), "-storepass", STORE_PASSWORD).redirectErrorStream(true).start();
        String out = new String(k.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!k.waitFor(60, TimeUnit.SECONDS) || k.exitValue() != 0) {
            throw new IllegalStateException("keytool failed: " + out);
        }
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(p12)) {
            ks.load(in, STORE_PASSWORD.toCharArray());
        }
        return new JdkCertificates(ks);
    }

    /** SunJSSE server context with the certificate. */
    SSLContext server() throws Exception {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("SunX509", "SunJSSE");
        kmf.init(store, STORE_PASSWORD.toCharArray());
        SSLContext ctx = SSLContext.getInstance("TLSv1.2", "SunJSSE");
        ctx.init(kmf.getKeyManagers(), null, null);
        return ctx;
    }

    /** SunJSSE client context trusting the certificate. */
    SSLContext client() throws Exception {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX", "SunJSSE");
        tmf.init(store);
        SSLContext ctx = SSLContext.getInstance("TLSv1.2", "SunJSSE");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    /** The certificate's key managers (SunJSSE), for a SAEF context that hands certificate clients to the JDK. */
    javax.net.ssl.KeyManager[] keyManagers() throws Exception {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("SunX509", "SunJSSE");
        kmf.init(store, STORE_PASSWORD.toCharArray());
        return kmf.getKeyManagers();
    }

    /** Trust managers (SunJSSE) trusting the certificate, for a SAEF context that hands clients to the JDK. */
    javax.net.ssl.TrustManager[] trustManagers() throws Exception {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX", "SunJSSE");
        tmf.init(store);
        return tmf.getTrustManagers();
    }
}
