package dev.saef.frameworks;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * An unchanged Netty 4.1 HTTP/1.1 server (HttpServerCodec + HttpObjectAggregator) whose only TLS
 * configuration is the {@link SslContext} it is given. Each response reports the identity bound to
 * the connection's SAEF session ({@code SslHandler.engine().getSession().getPeerPrincipal()}) in
 * {@code X-SAEF-Peer}, the ALPN result in {@code X-ALPN} and the request body's SHA-256 in
 * {@code X-Request-SHA256}; {@code ?size=N} asks for an N-byte body ({@link FrameworkPeers#payload}).
 */
final class NettyPskHttpServer implements AutoCloseable {
    private final EventLoopGroup boss = new NioEventLoopGroup(1);
    private final EventLoopGroup workers = new NioEventLoopGroup(2);
    private final Channel channel;
    /** Exceptions reaching the end of a child pipeline, and failed handshakes. */
    final List<Throwable> errors = new CopyOnWriteArrayList<>();
    /** One line per completed or failed handshake, in order. */
    final List<String> handshakes = new CopyOnWriteArrayList<>();

    NettyPskHttpServer(SslContext sslContext) throws InterruptedException {
        ServerBootstrap b = new ServerBootstrap().group(boss, workers).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(sslContext.newHandler(ch.alloc()), new HttpServerCodec(),
                                new HttpObjectAggregator(8 << 20), new Handler());
                    }
                });
        channel = b.bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    }

    private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            SslHandler ssl = ctx.pipeline().get(SslHandler.class);
            byte[] in = ByteBufUtil.getBytes(req.content());
            List<String> size = new QueryStringDecoder(req.uri()).parameters().get("size");
            byte[] body = FrameworkPeers.payload(size == null ? 16 : Integer.parseInt(size.get(0)), 7);
            FullHttpResponse res = new DefaultFullHttpResponse(req.protocolVersion(), HttpResponseStatus.OK,
                    Unpooled.wrappedBuffer(body));
            res.headers().set("X-SAEF-Peer", FrameworkPeers.describePeer(ssl.engine().getSession()));
            res.headers().set("X-ALPN", String.valueOf(ssl.applicationProtocol()));
            res.headers().set("X-Request-SHA256", FrameworkPeers.sha256(in));
            res.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/octet-stream");
            HttpUtil.setContentLength(res, body.length);
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            if (keepAlive) {
                res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
                ctx.writeAndFlush(res);
            } else {
                res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof SslHandshakeCompletionEvent e) {
                if (e.isSuccess()) {
                    handshakes.add("ok " + FrameworkPeers.describePeer(
                            ctx.pipeline().get(SslHandler.class).engine().getSession()));
                } else {
                    handshakes.add("failed " + e.cause());
                    errors.add(e.cause());
                }
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            errors.add(cause);
            ctx.close();
        }
    }
}
