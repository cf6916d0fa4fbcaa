package dev.saef.frameworks;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLSession;

/**
 * A Netty 4.1 HTTP/1.1 client connection: SslHandler (created with peer host and port, which the SAEF
 * key manager chooses the association by) + HttpClientCodec + HttpObjectAggregator.
 */
final class NettyHttpClient implements AutoCloseable {
    record Reply(int status, HttpHeaders headers, byte[] body) {
        String header(String name) {
            return headers.get(name);
        }
    }

    final String host;
    final Channel channel;
    final SslHandler ssl;
    final BlockingQueue<Object> replies = new LinkedBlockingQueue<>();
    final List<Throwable> errors = new CopyOnWriteArrayList<>();
    final CompletableFuture<Void> closed = new CompletableFuture<>();

    NettyHttpClient(EventLoopGroup group, SslContext ctx, String host, int port, boolean withPeerHost)
            throws InterruptedException {
        this.host = host;
        AtomicReference<SslHandler> sslRef = new AtomicReference<>();
        Bootstrap b = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        SslHandler handler = withPeerHost ? ctx.newHandler(ch.alloc(), host, port)
                                : ctx.newHandler(ch.alloc());
                        sslRef.set(handler);
                        ch.pipeline().addLast(handler,
                                new HttpClientCodec(), new HttpObjectAggregator(8 << 20),
                                new SimpleChannelInboundHandler<FullHttpResponse>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext c, FullHttpResponse r) {
                                        replies.add(new Reply(r.status().code(), r.headers().copy(),
                                                ByteBufUtil.getBytes(r.content())));
                                    }

                                    @Override
                                    public void exceptionCaught(ChannelHandlerContext c, Throwable cause) {
                                        errors.add(cause);
                                        replies.add(cause);
                                        c.close();
                                    }
                                });
                    }
                });
        channel = b.connect(host, port).sync().channel();
        channel.closeFuture().addListener(f -> closed.complete(null));
        // kept from initChannel: a failed handshake may already have removed it from the pipeline
        ssl = sslRef.get();
    }

    SSLSession handshake() throws Exception {
        Future<Channel> hs = ssl.handshakeFuture();
        assertTrue(hs.await(20, TimeUnit.SECONDS), "handshake did not complete");
        if (!hs.isSuccess()) {
            throw new AssertionError("handshake failed: " + hs.cause(), hs.cause());
        }
        return ssl.engine().getSession();
    }

    Reply exchange(HttpMethod method, String uri, byte[] body, boolean keepAlive) throws Exception {
        FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, uri,
                Unpooled.wrappedBuffer(body));
        req.headers().set(HttpHeaderNames.HOST, host);
        req.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.length);
        req.headers().set(HttpHeaderNames.CONNECTION, keepAlive ? HttpHeaderValues.KEEP_ALIVE
                : HttpHeaderValues.CLOSE);
        channel.writeAndFlush(req);
        Object r = replies.poll(20, TimeUnit.SECONDS);
        if (r instanceof Throwable t) {
            throw new AssertionError("request failed: " + t, t);
        }
        assertNotNull(r, "no response within 20 s");
        return (Reply) r;
    }

    @Override
    public void close() throws Exception {
        channel.close().await(5, TimeUnit.SECONDS);
    }
}
