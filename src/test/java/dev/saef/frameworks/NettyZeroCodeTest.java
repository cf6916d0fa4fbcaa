package dev.saef.frameworks;

import static dev.saef.frameworks.FrameworkPeers.AE_ID;
import static dev.saef.frameworks.FrameworkPeers.AE_KEY;
import static dev.saef.frameworks.FrameworkPeers.AE_KPSA;
import static dev.saef.frameworks.FrameworkPeers.CSE_ID;
import static dev.saef.frameworks.FrameworkPeers.PROVIDER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpsServer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.Security;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSession;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Netty with zero SAEF code: forked JVMs ({@link NettyZeroCodeMain}) configured only by
 * {@code -Djava.security.properties=saef.security}, {@code -Dsaef.*} and {@code javax.net.ssl.*}, so
 * that SAEF is provider 1 and the JDK's {@code SSLContext} caching is real.
 */
@Timeout(90)
class NettyZeroCodeTest {

    @TempDir
    static Path dir;
    static Path p12;
    static EventLoopGroup group;
    /** An in-process PSK-SAEF CSE (Netty, programmatic SAEF context). */
    static NettyPskHttpServer pskServer;
    /** An in-process certificate server (SunJSSE) with no association. */
    static HttpsServer certServer;

    @BeforeAll
    static void start() throws Exception {
        p12 = JdkHttpsServers.certificateStore(dir);
        group = new NioEventLoopGroup(1);
        pskServer = new NettyPskHttpServer(SslContextBuilder.forServer(FrameworkPeers.cseKeyManagerFactory())
                .sslProvider(SslProvider.JDK).sslContextProvider(PROVIDER).build());
        certServer = JdkHttpsServers.certificateServer(p12);
    }

    @AfterAll
    static void stop() {
        if (pskServer != null) {
            pskServer.close();
        }
        if (certServer != null) {
            certServer.stop(0);
        }
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    static List<String> jvmProperties(Path table, String... more) {
        List<String> p = new ArrayList<>(List.of(
                "-Djava.security.properties=" + Paths.get("saef.security").toAbsolutePath(),
                "-Dsaef.associations=" + table));
        p.addAll(List.of(more));
        return p;
    }

    /** A forked server JVM: its port (first line {@code port N}), its output, stdin closed to stop it. */
    static final class ServerJvm implements AutoCloseable {
        final Process process;
        final List<String> out = new CopyOnWriteArrayList<>();
        final CompletableFuture<Integer> port = new CompletableFuture<>();
        final Thread reader;

        ServerJvm(List<String> cmd) throws IOException {
            process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    for (String l; (l = r.readLine()) != null;) {
                        out.add(l);
                        if (l.startsWith("port ")) {
                            port.complete(Integer.parseInt(l.substring(5).trim()));
                        }
                    }
                } catch (IOException ignored) {
                    // the process ended
                }
                port.completeExceptionally(new AssertionError("server JVM ended:\n" + String.join("\n", out)));
            });
            reader.setDaemon(true);
            reader.start();
        }

        int port() throws Exception {
            return port.get(30, TimeUnit.SECONDS);
        }

        /** Stops the server (stdin EOF) and returns all its output. */
        String stop() throws Exception {
            process.getOutputStream().close();
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
            reader.join(5000);
            return String.join("\n", out);
        }

        @Override
        public void close() throws Exception {
            stop();
            process.destroyForcibly();
        }
    }

    static SslContext certificateClient() throws Exception {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX", "SunJSSE");
        tmf.init(JdkHttpsServers.load(p12));
        return SslContextBuilder.forClient().sslProvider(SslProvider.JDK)
                .sslContextProvider(Security.getProvider("SunJSSE")).trustManager(tmf).build();
    }

    static SslContext pskClient(int port) throws Exception {
        return SslContextBuilder.forClient().sslProvider(SslProvider.JDK).sslContextProvider(PROVIDER)
                .keyManager(FrameworkPeers.aeKeyManagerFactory(AE_KPSA, AE_KEY, "127.0.0.1:" + port)).build();
    }

    /**
     * Server: {@code new JdkSslContext(SSLContext.getDefault(), ...)} serves a PSK-SAEF client and,
     * on the same port, a certificate client (SunJSSE), which the SAEF engine hands to the JDK's TLS
     * because its ClientHello offers no PSK suite ({@code javax.net.ssl.keyStore} set).
     */
    @Test
    void defaultContextServerServesPskAndCertificateClientsOnOnePort() throws Exception {
        Path table = FrameworkPeers.writeTable(dir, "cse-associations", FrameworkPeers.cseTable());
        try (ServerJvm jvm = new ServerJvm(FrameworkPeers.javaCommand(jvmProperties(table,
                "-Dsaef.localId=" + CSE_ID, "-Djavax.net.ssl.keyStore=" + p12,
                "-Djavax.net.ssl.keyStorePassword=" + JdkHttpsServers.STORE_PASSWORD), NettyZeroCodeMain.class,
                "server"))) {
            int port = jvm.port();
            try (NettyHttpClient c = new NettyHttpClient(group, pskClient(port), "127.0.0.1", port, true)) {
                assertEquals(CSE_ID, c.handshake().getPeerPrincipal().getName());
                assertEquals("bound=" + AE_ID + " kpsa=" + AE_KPSA + " configured=true suite="
                        + "TLS_PSK_WITH_AES_128_GCM_SHA256 protocol=TLSv1.2",
                        c.exchange(HttpMethod.GET, "/psk", new byte[0], true).header("X-SAEF-Peer"));
            }
            try (NettyHttpClient c = new NettyHttpClient(group, certificateClient(), "127.0.0.1", port, true)) {
                SSLSession s = c.handshake();
                assertFalse(s.getCipherSuite().contains("PSK"), s.getCipherSuite());
                assertEquals("CN=localhost", s.getPeerPrincipal().getName());
                NettyHttpClient.Reply r = c.exchange(HttpMethod.GET, "/cert", new byte[0], true);
                assertEquals(200, r.status());
                assertTrue(r.header("X-SAEF-Peer").startsWith("unverified"), r.header("X-SAEF-Peer"));
            }
            String all = jvm.stop();
            assertTrue(all.contains("\nerrors []"), all);
            assertTrue(all.contains("handshakes [ok bound=" + AE_ID + " "), all);
            assertFalse(all.contains(AE_KEY), all);
        }
    }

    /**
     * Client: {@code SslContextBuilder.forClient().sslProvider(SslProvider.JDK)} with no provider
     * setting gets SAEF (provider 1, initialised from the saef.* properties): PSK-SAEF to the
     * configured CSE, the JDK's certificate TLS (javax.net.ssl.trustStore) to a server without an
     * association.
     */
    @Test
    void builderClientReachesPskAndCertificateServers() throws Exception {
        Path table = FrameworkPeers.writeTable(dir, "ae-associations",
                FrameworkPeers.aeTable(AE_KPSA, AE_KEY, "127.0.0.1:" + pskServer.port()));
        List<String> out = FrameworkPeers.runJvm(FrameworkPeers.javaCommand(jvmProperties(table,
                "-Dsaef.localId=" + AE_ID, "-Djavax.net.ssl.trustStore=" + p12,
                "-Djavax.net.ssl.trustStorePassword=" + JdkHttpsServers.STORE_PASSWORD), NettyZeroCodeMain.class,
                "client", "psk", "https://127.0.0.1:" + pskServer.port(),
                "cert", "https://localhost:" + certServer.getAddress().getPort()), dir, 60);
        String all = String.join("\n", out);
        assertTrue(out.contains("client-context SAEF"), all);
        assertTrue(out.contains("psk 200 TLS_PSK_WITH_AES_128_GCM_SHA256 peer=" + CSE_ID + " server=bound=" + AE_ID
                + " kpsa=" + AE_KPSA + " configured=true suite=TLS_PSK_WITH_AES_128_GCM_SHA256 protocol=TLSv1.2"),
                all);
        assertTrue(out.stream().anyMatch(l -> l.startsWith("cert 200 TLS_") && !l.contains("PSK")
                && l.endsWith(" peer=CN=localhost server=cert-ok")), all);
        assertTrue(pskServer.errors.isEmpty(), "PSK server errors: " + pskServer.errors);
    }

    /**
     * "Nothing else breaks": an unchanged certificate server ({@code SslContextBuilder.forServer(key,
     * certificate)}) in a JVM with SAEF as provider 1 must keep serving certificate clients.
     * Today {@code SSLContext.getInstance("TLS")} returns SAEF, whose init refuses X509 key managers.
     */
    @Test
    void certificateServerStillWorksWithSaefInstalled() throws Exception {
        Path table = FrameworkPeers.writeTable(dir, "cse-associations-2", FrameworkPeers.cseTable());
        try (ServerJvm jvm = new ServerJvm(FrameworkPeers.javaCommand(jvmProperties(table), NettyZeroCodeMain.class,
                "cert-server", p12.toString()))) {
            int port = jvm.port();
            try (NettyHttpClient c = new NettyHttpClient(group, certificateClient(), "127.0.0.1", port, true)) {
                assertEquals("CN=localhost", c.handshake().getPeerPrincipal().getName());
                assertEquals(200, c.exchange(HttpMethod.GET, "/cert", new byte[0], true).status());
            }
        }
    }

    /**
     * "Nothing else breaks": a client that brings its own trust manager ({@code trustManager(...)}, a
     * private CA) must keep it for certificate servers. Today SAEF ignores the trust managers given to
     * {@code init} and hands such peers to the JDK's Default context (javax.net.ssl.trustStore or
     * cacerts): the private CA fails with PKIX, and any public CA would be accepted.
     */
    @Test
    void clientKeepsItsOwnTrustManagerForCertificateServers() throws Exception {
        Path table = FrameworkPeers.writeTable(dir, "ae-associations-2",
                FrameworkPeers.aeTable(AE_KPSA, AE_KEY, "127.0.0.1:" + pskServer.port()));
        List<String> out = FrameworkPeers.runJvm(FrameworkPeers.javaCommand(jvmProperties(table),
                NettyZeroCodeMain.class, "client", "trust=" + p12, "psk", "https://127.0.0.1:" + pskServer.port(),
                "cert", "https://localhost:" + certServer.getAddress().getPort()), dir, 60);
        String all = String.join("\n", out);
        assertTrue(out.stream().anyMatch(l -> l.startsWith("psk 200 TLS_PSK_")), all);
        assertTrue(out.stream().anyMatch(l -> l.startsWith("cert 200 TLS_") && l.endsWith(" server=cert-ok")), all);
    }
}
