package dev.saef.frameworks;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContext;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Netty applications that take the JVM's default {@code SSLContext} ({@code new JdkSslContext(
 * SSLContext.getDefault(), ...)}, a common pattern), run in a forked JVM configured only by
 * {@code -Djava.security.properties}, {@code -Dsaef.*} and the JDK's {@code javax.net.ssl.*}.
 * <ul>
 * <li>{@code server}: the Netty HTTP server of {@link NettyPskHttpServer}; prints {@code port N},
 * serves until stdin closes. With {@code javax.net.ssl.keyStore} set, clients offering no PSK suite
 * are handed to the JDK's TLS by the SAEF engine.</li>
 * <li>{@code client label url ...}: one GET per URL; prints {@code label status suite peer=... server=...}.</li>
 * </ul>
 */
public final class NettyZeroCodeMain {
    private NettyZeroCodeMain() {
    }

    public static void main(String[] args) throws Exception {
        boolean server = args[0].equals("server");
        SslContext ctx = new JdkSslContext(SSLContext.getDefault(), !server, ClientAuth.NONE);
        if (server) {
            try (NettyPskHttpServer s = new NettyPskHttpServer(ctx)) {
                System.out.println("port " + s.port());
                System.out.flush();
                while (System.in.read() >= 0) {
                    // serve until the test closes our stdin
                }
                System.out.println("handshakes " + s.handshakes);
                System.out.println("errors " + s.errors);
            }
            return;
        }
        EventLoopGroup group = new NioEventLoopGroup(1);
        try {
            for (int i = 1; i + 1 < args.length; i += 2) {
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
