package dev.saef.frameworks;

import static dev.saef.frameworks.FrameworkPeers.AE_ID;
import static dev.saef.frameworks.FrameworkPeers.AE_KEY;
import static dev.saef.frameworks.FrameworkPeers.AE_KPSA;
import static dev.saef.frameworks.FrameworkPeers.ANON_KEY;
import static dev.saef.frameworks.FrameworkPeers.ANON_KPSA;
import static dev.saef.frameworks.FrameworkPeers.CSE_ID;
import static dev.saef.frameworks.FrameworkPeers.PROVIDER;
import static dev.saef.frameworks.FrameworkPeers.WRONG_KEY;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saef.identity.SaefPrincipal;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.IdentityCipherSuiteFilter;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Netty 4.1 client and server, unchanged, over the SAEF provider's {@code SSLEngine}: the TLS
 * configuration is only {@code SslContextBuilder...sslProvider(SslProvider.JDK).sslContextProvider(SAEF)}
 * with the PSK {@code KeyManagerFactory}. Netty drives the engine fully non-blocking (one record per
 * unwrap in JDK compatibility mode, composite buffers on wrap, close_notify on close).
 */
@Timeout(60)
class NettyTest {

    static NettyPskHttpServer server;
    static SslContext serverContext;
    static EventLoopGroup clientGroup;

    /** The server side as a user writes it: a PSK KeyManagerFactory instead of a certificate. */
    static SslContextBuilder serverBuilder() throws Exception {
        return SslContextBuilder.forServer(FrameworkPeers.cseKeyManagerFactory())
                .sslProvider(SslProvider.JDK)
                .sslContextProvider(PROVIDER)
                .protocols("TLSv1.2");
    }

    /** The client side: no trust material (there are no certificates), the PSK KeyManagerFactory. */
    static SslContextBuilder clientBuilder(String kpsaId, String keyHex, int port) throws Exception {
        return SslContextBuilder.forClient()
                .sslProvider(SslProvider.JDK)
                .sslContextProvider(PROVIDER)
                .keyManager(FrameworkPeers.aeKeyManagerFactory(kpsaId, keyHex, "127.0.0.1:" + port))
                .protocols("TLSv1.2");
    }

    @BeforeAll
    static void start() throws Exception {
        serverContext = serverBuilder().build();
        server = new NettyPskHttpServer(serverContext);
        clientGroup = new NioEventLoopGroup(2);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (clientGroup != null) {
            clientGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        }
    }

    static NettyHttpClient client(SslContext ctx, int port) throws InterruptedException {
        return new NettyHttpClient(clientGroup, ctx, "127.0.0.1", port, true);
    }

    static NettyHttpClient client(SslContext ctx, int port, boolean withPeerHost) throws InterruptedException {
        return new NettyHttpClient(clientGroup, ctx, "127.0.0.1", port, withPeerHost);
    }

    static void assertNoServerErrors() {
        assertTrue(server.errors.isEmpty(), "server pipeline errors: " + server.errors);
    }

    @Test
    void configuredAeIsBoundOnBothSides() throws Exception {
        int port = server.port();
        try (NettyHttpClient c = client(clientBuilder(AE_KPSA, AE_KEY, port).build(), port)) {
            SSLSession s = c.handshake();
            // client side: the session is bound to IdB, the CSE-ID configured for the association
            SaefPrincipal idB = assertInstanceOf(SaefPrincipal.class, s.getPeerPrincipal());
            assertEquals(CSE_ID, idB.getName());
            assertEquals("TLSv1.2", s.getProtocol());
            assertEquals("TLS_PSK_WITH_AES_128_GCM_SHA256", s.getCipherSuite());
            NettyHttpClient.Reply r = c.exchange(HttpMethod.GET, "/ae", new byte[0], false);
            assertEquals(200, r.status());
            assertEquals("bound=" + AE_ID + " kpsa=" + AE_KPSA + " configured=true suite="
                    + "TLS_PSK_WITH_AES_128_GCM_SHA256 protocol=TLSv1.2", r.header("X-SAEF-Peer"));
            // the server closed after "Connection: close": close_notify crossed Netty's pipeline
            c.closed.get(10, TimeUnit.SECONDS);
            assertTrue(c.errors.isEmpty(), "client errors: " + c.errors);
        }
        assertNoServerErrors();
    }

    @Test
    void unknownAeIdIsBoundToCredentialId() throws Exception {
        int port = server.port();
        try (NettyHttpClient c = client(clientBuilder(ANON_KPSA, ANON_KEY, port).build(), port)) {
            assertEquals(CSE_ID, c.handshake().getPeerPrincipal().getName());
            NettyHttpClient.Reply r = c.exchange(HttpMethod.GET, "/anon", new byte[0], true);
            assertTrue(r.header("X-SAEF-Peer").startsWith("bound=12-" + ANON_KPSA + " kpsa=" + ANON_KPSA
                    + " configured=false "), r.header("X-SAEF-Peer"));
        }
        assertNoServerErrors();
    }

    /** Keep-alive, bodies of many records both ways, several connections at once on two event loops. */
    @Test
    void bulkDataOverConcurrentKeepAliveConnections() throws Exception {
        int port = server.port();
        SslContext ctx = clientBuilder(AE_KPSA, AE_KEY, port).build();
        List<NettyHttpClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 6; i++) {
                clients.add(client(ctx, port));
            }
            for (int round = 0; round < 3; round++) {
                List<CompletableFuture<Void>> all = new ArrayList<>();
                for (int i = 0; i < clients.size(); i++) {
                    NettyHttpClient c = clients.get(i);
                    int seed = round * 10 + i;
                    int upload = 100_000 + seed * 4099;
                    int download = 300_000 + seed * 7919;
                    all.add(CompletableFuture.runAsync(() -> {
                        try {
                            byte[] body = FrameworkPeers.payload(upload, seed);
                            NettyHttpClient.Reply r = c.exchange(HttpMethod.POST, "/bulk?size=" + download, body,
                                    true);
                            assertEquals(200, r.status());
                            assertEquals(FrameworkPeers.sha256(body), r.header("X-Request-SHA256"));
                            assertArrayEquals(FrameworkPeers.payload(download, 7), r.body());
                            assertTrue(r.header("X-SAEF-Peer").startsWith("bound=" + AE_ID + " "));
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    }));
                }
                CompletableFuture.allOf(all.toArray(new CompletableFuture[0])).get(40, TimeUnit.SECONDS);
            }
            for (NettyHttpClient c : clients) {
                assertTrue(c.errors.isEmpty(), "client errors: " + c.errors);
                assertTrue(c.channel.isActive());
            }
        } finally {
            for (NettyHttpClient c : clients) {
                c.close();
            }
        }
        assertNoServerErrors();
    }

    /** ALPN through Netty's JdkAlpnSslEngine wrapper (setHandshakeApplicationProtocolSelector on ours). */
    @Test
    void alpnNegotiatesHttp11() throws Exception {
        ApplicationProtocolConfig alpn = new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, ApplicationProtocolNames.HTTP_1_1);
        try (NettyPskHttpServer alpnServer = new NettyPskHttpServer(serverBuilder().applicationProtocolConfig(alpn)
                .build())) {
            int port = alpnServer.port();
            try (NettyHttpClient c = client(clientBuilder(AE_KPSA, AE_KEY, port).applicationProtocolConfig(
                    new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, "h2",
                            ApplicationProtocolNames.HTTP_1_1)).build(), port)) {
                c.handshake();
                assertEquals(ApplicationProtocolNames.HTTP_1_1, c.ssl.applicationProtocol());
                NettyHttpClient.Reply r = c.exchange(HttpMethod.GET, "/alpn", new byte[0], true);
                assertEquals(ApplicationProtocolNames.HTTP_1_1, r.header("X-ALPN"));
                assertTrue(r.header("X-SAEF-Peer").startsWith("bound=" + AE_ID + " "), r.header("X-SAEF-Peer"));
            }
            assertTrue(alpnServer.errors.isEmpty(), "server errors: " + alpnServer.errors);
        }
    }

    /**
     * Netty's default cipher filtering keeps the PSK suites (none of Netty's defaults is supported,
     * so it falls back to the engine's enabled suites); an explicit list with
     * IdentityCipherSuiteFilter selects the TLS mandatory suite.
     */
    @Test
    void cipherSuitesSurviveNettyFiltering() throws Exception {
        assertTrue(serverContext.cipherSuites().contains("TLS_PSK_WITH_AES_128_CBC_SHA256"),
                serverContext.cipherSuites().toString());
        assertTrue(serverContext.cipherSuites().stream().allMatch(s -> s.contains("_PSK_")),
                serverContext.cipherSuites().toString());
        int port = server.port();
        SslContext ctx = clientBuilder(AE_KPSA, AE_KEY, port)
                .ciphers(List.of("TLS_PSK_WITH_AES_128_CBC_SHA256"), IdentityCipherSuiteFilter.INSTANCE).build();
        assertEquals(List.of("TLS_PSK_WITH_AES_128_CBC_SHA256"), ctx.cipherSuites());
        try (NettyHttpClient c = client(ctx, port)) {
            assertEquals("TLS_PSK_WITH_AES_128_CBC_SHA256", c.handshake().getCipherSuite());
            NettyHttpClient.Reply r = c.exchange(HttpMethod.POST, "/cbc?size=70000", FrameworkPeers.payload(50_000, 3),
                    true);
            assertArrayEquals(FrameworkPeers.payload(70_000, 7), r.body());
            assertTrue(r.header("X-SAEF-Peer").contains("suite=TLS_PSK_WITH_AES_128_CBC_SHA256"));
        }
        assertNoServerErrors();
    }

    /** The alternative: wrap SSLContexts built from the provider in Netty's public JdkSslContext. */
    @Test
    void jdkSslContextWrappingOurSslContext() throws Exception {
        SslContext serverCtx = new JdkSslContext(FrameworkPeers.cseContext(), false, ClientAuth.NONE);
        try (NettyPskHttpServer s = new NettyPskHttpServer(serverCtx)) {
            int port = s.port();
            SslContext clientCtx = new JdkSslContext(FrameworkPeers.aeContext(ANON_KPSA, ANON_KEY, "127.0.0.1:" + port),
                    true, ClientAuth.NONE);
            try (NettyHttpClient c = client(clientCtx, port)) {
                assertEquals(CSE_ID, c.handshake().getPeerPrincipal().getName());
                NettyHttpClient.Reply r = c.exchange(HttpMethod.GET, "/wrapped", new byte[0], true);
                assertTrue(r.header("X-SAEF-Peer").startsWith("bound=12-" + ANON_KPSA + " "),
                        r.header("X-SAEF-Peer"));
            }
            assertTrue(s.errors.isEmpty(), "server errors: " + s.errors);
        }
    }

    /** SslHandler.closeOutbound(): our close_notify goes out, the server's engine answers with its own. */
    @Test
    void closeNotifyIsAnsweredByThePeer() throws Exception {
        int port = server.port();
        try (NettyHttpClient c = client(clientBuilder(AE_KPSA, AE_KEY, port).build(), port)) {
            c.handshake();
            assertEquals(200, c.exchange(HttpMethod.GET, "/before-close", new byte[0], true).status());
            assertTrue(c.ssl.closeOutbound().await(10, TimeUnit.SECONDS));
            Future<Channel> closed = c.ssl.sslCloseFuture();
            assertTrue(closed.await(10, TimeUnit.SECONDS), "no close_notify from the server");
            assertTrue(closed.isSuccess(), String.valueOf(closed.cause()));
            assertTrue(c.ssl.engine().isOutboundDone());
            assertTrue(c.ssl.engine().isInboundDone());
            // as with SunJSSE, Netty leaves closing the TCP connection to the application
            assertTrue(c.errors.isEmpty(), "client errors: " + c.errors);
        }
        assertNoServerErrors();
    }

    /**
     * {@code SslContext.newHandler(alloc)} without peer host and port gives an engine with no peer:
     * the key manager cannot choose an association, and the handshake fails saying so.
     */
    @Test
    void handlerWithoutPeerHostFailsClearly() throws Exception {
        int port = server.port();
        try (NettyHttpClient c = client(clientBuilder(AE_KPSA, AE_KEY, port).build(), port, false)) {
            Future<Channel> hs = c.ssl.handshakeFuture();
            assertTrue(hs.await(20, TimeUnit.SECONDS), "handshake did not end");
            assertFalse(hs.isSuccess());
            assertTrue(String.valueOf(hs.cause()).contains("association"), String.valueOf(hs.cause()));
        }
    }

    /** A wrong Kpsa fails the handshake promptly on both sides, with SAEF's explanation, and no hang. */
    @Test
    void wrongKeyFailsTheHandshakeOnBothSides() throws Exception {
        try (NettyPskHttpServer s = new NettyPskHttpServer(serverBuilder().build())) {
            int port = s.port();
            try (NettyHttpClient c = client(clientBuilder(AE_KPSA, WRONG_KEY, port).build(), port)) {
                Future<Channel> hs = c.ssl.handshakeFuture();
                assertTrue(hs.await(20, TimeUnit.SECONDS), "handshake did not end");
                assertFalse(hs.isSuccess());
                Throwable cause = hs.cause();
                assertInstanceOf(SSLException.class, cause);
                assertTrue(String.valueOf(cause.getMessage()).contains("bad_record_mac"), String.valueOf(cause));
                c.closed.get(10, TimeUnit.SECONDS);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (s.handshakes.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(1, s.handshakes.size(), s.handshakes.toString());
            assertTrue(s.handshakes.get(0).startsWith("failed ") && s.handshakes.get(0).contains("bad_record_mac"),
                    s.handshakes.toString());
        }
    }

    /**
     * A server that speaks first (as greeting protocols do): the server writes as soon as the channel
     * is active, SslHandler holds it until the handshake is done and flushes it right behind the
     * server's Finished, so the client engine gets Finished and application data in one read.
     */
    @Test
    void serverSpeaksFirstRightBehindItsFinished() throws Exception {
        EventLoopGroup group = new NioEventLoopGroup(1);
        SslContext serverCtx = serverBuilder().build();
        try {
            Channel listener = new ServerBootstrap().group(group)
                    .channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            SslHandler ssl = serverCtx.newHandler(ch.alloc());
                            ch.pipeline().addLast(ssl, new ChannelInboundHandlerAdapter() {
                                @Override
                                public void channelActive(ChannelHandlerContext ctx) {
                                    ctx.writeAndFlush(Unpooled.copiedBuffer("220 greeting\n",
                                            StandardCharsets.US_ASCII));
                                    ssl.handshakeFuture().addListener(f -> ctx.writeAndFlush(
                                            Unpooled.copiedBuffer("250 " + FrameworkPeers.describePeer(
                                                    ssl.engine().getSession()) + "\n", StandardCharsets.US_ASCII)));
                                }
                            });
                        }
                    }).bind("127.0.0.1", 0).sync().channel();
            int port = ((InetSocketAddress) listener.localAddress()).getPort();
            SslContext clientCtx = clientBuilder(ANON_KPSA, ANON_KEY, port).build();
            BlockingQueue<String> lines = new LinkedBlockingQueue<>();
            Channel ch = new Bootstrap().group(group)
                    .channel(NioSocketChannel.class)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel c) {
                            c.pipeline().addLast(clientCtx.newHandler(c.alloc(), "127.0.0.1", port),
                                    new LineBasedFrameDecoder(1024),
                                    new SimpleChannelInboundHandler<ByteBuf>() {
                                        @Override
                                        protected void channelRead0(ChannelHandlerContext x,
                                                ByteBuf b) {
                                            lines.add(b.toString(StandardCharsets.US_ASCII));
                                        }

                                        @Override
                                        public void exceptionCaught(ChannelHandlerContext x,
                                                Throwable t) {
                                            lines.add("error " + t);
                                        }
                                    });
                        }
                    }).connect("127.0.0.1", port).sync().channel();
            try {
                assertEquals("220 greeting", lines.poll(10, TimeUnit.SECONDS));
                String second = lines.poll(10, TimeUnit.SECONDS);
                assertTrue(second != null && second.startsWith("250 bound=12-" + ANON_KPSA + " "), second);
            } finally {
                ch.close().sync();
                listener.close().sync();
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }
}
