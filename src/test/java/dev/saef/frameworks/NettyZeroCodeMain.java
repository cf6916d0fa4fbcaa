package dev.saef.frameworks;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.TrustManagerFactory;

/**
 * Netty applications with no SAEF code, run in a forked JVM configured only by
 * {@code -Djava.security.properties}, {@code -Dsaef.*} and the JDK's {@code javax.net.ssl.*}:
 * <ul>
 * <li>{@code server}: an HTTP server ({@link NettyPskHttpServer}) on {@code new JdkSslContext(
 * SSLContext.getDefault(), false, ClientAuth.NONE)}; prints {@code port N}, serves until stdin closes.</li>
 * <li>{@code cert-server P12}: the same server configured the usual certificate way,
 * {@code SslContextBuilder.forServer(key, certificate).sslProvider(SslProvider.JDK)}.</li>
 * <li>{@code client [trust=P12] label url ...}: {@code SslContextBuilder.forClient().sslProvider(JDK)},
 * with the application's own trust manager when {@code trust=} is given; one GET per URL, printing
 * {@code label status suite peer=... server=...} or {@code label-error ...}.</li>
 * </ul>
 */
public final class NettyZeroCodeMain {
    private NettyZeroCodeMain() {
    }

    public static void main(String[] args) throws Exception {
        try {
            switch (args[0]) {
                case "server" -> serve(defaultContextServer());
                case "cert-server" -> serve(certificateServer(args[1]));
                case "client" -> client(args);
                default -> throw new IllegalArgumentException(args[0]);
            }
        } catch (Exception e) {
            System.out.println("main-error " + e + " / " + e.getCause());
            throw e;
        }
    }

    @SuppressWarnings("deprecation") // Netty 4.1.118 deprecates every public JdkSslContext constructor
    static SslContext defaultContextServer() throws Exception {
        return new JdkSslContext(SSLContext.getDefault(), false, ClientAuth.NONE);
    }

    static KeyStore load(String p12) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(Paths.get(p12))) {
            ks.load(in, JdkHttpsServers.STORE_PASSWORD.toCharArray());
        }
        return ks;
    }

    static SslContext certificateServer(String p12) throws Exception {
        KeyStore ks = load(p12);
        return SslContextBuilder.forServer((PrivateKey) ks.getKey("server", JdkHttpsServers.STORE_PASSWORD
                .toCharArray()), (X509Certificate) ks.getCertificate("server")).sslProvider(SslProvider.JDK).build();
    }

    static void serve(SslContext ctx) throws Exception {
        try (NettyPskHttpServer s = new NettyPskHttpServer(ctx)) {
            System.out.println("port " + s.port());
            System.out.flush();
            while (System.in.read() >= 0) {
                // serve until the test closes our stdin
            }
            System.out.println("handshakes " + s.handshakes);
            System.out.println("errors " + s.errors);
        }
    }

    static void client(String[] args) throws Exception {
        int first = 1;
        SslContextBuilder b = SslContextBuilder.forClient().sslProvider(SslProvider.JDK);
        if (args[1].startsWith("trust=")) {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(load(args[1].substring(6)));
            b.trustManager(tmf);
            first = 2;
        }
        SslContext ctx = b.build();
        System.out.println("client-context " + ((JdkSslContext) ctx).context().getProvider()
                .getName());
        EventLoopGroup group = new NioEventLoopGroup(1);
        try {
            for (int i = first; i + 1 < args.length; i += 2) {
                URI u = URI.create(args[i + 1]);
                try (NettyHttpClient c = new NettyHttpClient(group, ctx, u.getHost(), u.getPort(), true)) {
                    SSLSession s = c.handshake();
                    NettyHttpClient.Reply r = c.exchange(HttpMethod.GET, "/" + args[i], new byte[0], true);
                    String reply = r.header("X-SAEF-Peer") != null ? r.header("X-SAEF-Peer")
                            : new String(r.body(), StandardCharsets.UTF_8);
                    System.out.println(args[i] + " " + r.status() + " " + s.getCipherSuite() + " peer=" + peer(s)
                            + " server=" + reply);
                } catch (Throwable e) {
                    System.out.println(args[i] + "-error " + e);
                }
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    private static String peer(SSLSession s) {
        try {
            return s.getPeerPrincipal().getName();
        } catch (SSLPeerUnverifiedException e) {
            return "unverified";
        }
    }
}
