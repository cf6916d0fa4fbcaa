package dev.saef.frameworks;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
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
 * JDK {@code HttpsServer}s for the client tests: a PSK-SAEF CSE (our SSLContext, our SSLEngine) that
 * reports the identity bound to each exchange in {@code X-SAEF-Peer}, and an ordinary certificate
 * server (SunJSSE, a throwaway self-signed key made with keytool) that has no PSK association.
 */
final class JdkHttpsServers {
    static final String STORE_PASSWORD = "changeit-test";

    private JdkHttpsServers() {
    }

    /** The CSE side: {@code ?size=N} asks for an N-byte body; the request body's SHA-256 comes back. */
    static HttpsServer pskServer(SSLContext ctx) throws Exception {
        HttpsServer server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(ctx));
        server.createContext("/", ex -> {
            byte[] in;
            try (InputStream is = ex.getRequestBody()) {
                in = is.readAllBytes();
            }
            String q = ex.getRequestURI().getQuery();
            int size = q != null && q.startsWith("size=") ? Integer.parseInt(q.substring(5)) : 16;
            byte[] body = FrameworkPeers.payload(size, 7);
            ex.getResponseHeaders().set("X-SAEF-Peer",
                    FrameworkPeers.describePeer(((HttpsExchange) ex).getSSLSession()));
            ex.getResponseHeaders().set("X-Request-SHA256", FrameworkPeers.sha256(in));
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(body);
            }
        });
        server.start();
        return server;
    }

    /**
     * A PKCS12 store with a self-signed EC key for the DNS name localhost only (test-only, throwaway):
     * reached as {@code https://127.0.0.1:port} the host name does not match, which shows whether a
     * client really verifies host names.
     */
    static Path certificateStore(Path dir) throws Exception {
        Path p12 = dir.resolve("cert-server.p12");
        Process k = new ProcessBuilder(Paths.get(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-dname",
                "CN=localhost", "-ext", "SAN=dns:localhost", "-validity", "2", "-storetype", "PKCS12",
                "-keystore", p12.toString(), "-storepass", STORE_PASSWORD).redirectErrorStream(true).start();
        String out = new String(k.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!k.waitFor(60, TimeUnit.SECONDS) || k.exitValue() != 0) {
            throw new IllegalStateException("keytool failed: " + out);
        }
        return p12;
    }

    static KeyStore load(Path p12) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(p12)) {
            ks.load(in, STORE_PASSWORD.toCharArray());
        }
        return ks;
    }

    /** SunJSSE server context with the certificate in {@code p12}. */
    static SSLContext certificateServerContext(Path p12) throws Exception {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("SunX509", "SunJSSE");
        kmf.init(load(p12), STORE_PASSWORD.toCharArray());
        SSLContext ctx = SSLContext.getInstance("TLS", "SunJSSE");
        ctx.init(kmf.getKeyManagers(), null, null);
        return ctx;
    }

    /** SunJSSE client context trusting the certificate in {@code p12}. */
    static SSLContext certificateClientContext(Path p12) throws Exception {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX", "SunJSSE");
        tmf.init(load(p12));
        SSLContext ctx = SSLContext.getInstance("TLS", "SunJSSE");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    /** An ordinary certificate HTTPS server answering "cert-ok". */
    static HttpsServer certificateServer(Path p12) throws Exception {
        HttpsServer server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(certificateServerContext(p12)));
        server.createContext("/", ex -> {
            ex.getRequestBody().readAllBytes();
            byte[] body = "cert-ok".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(body);
            }
        });
        server.start();
        return server;
    }
}
