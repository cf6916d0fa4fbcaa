package dev.saef.frameworks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saef.config.AssociationTable;
import dev.saef.config.PskKeyManagerParameters;
import dev.saef.config.SaefConfiguration;
import dev.saef.identity.IdentityMode;
import dev.saef.identity.KpsaId;
import dev.saef.jsse.SaefProvider;
import dev.saef.keys.CompositeKeyProvider;
import dev.saef.keys.PskKeyProvider;
import dev.saef.keys.PskSecretKey;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslHandler;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.crypto.SecretKey;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 11 item 2 under Netty: an unchanged {@link SslHandler} given an executor for delegated tasks, over a SAEF
 * server engine whose key source blocks, completes real handshakes with SAEF socket clients. The server has ONE
 * event-loop thread, and the key source lets each lookup finish only once the other connection's lookup is running
 * too: that can only happen when neither lookup blocks the event loop (Netty runs the {@code NEED_TASK} tasks on
 * its executor).
 */
@Timeout(60)
class NettyDelegatedKeyLookupTest {

    static final SaefProvider PROVIDER = new SaefProvider();
    static final String KPSA = "meter7@sp.example.com";
    static final String KEY_HEX = "00112233445566778899aabbccddeeff";

    /** Blocks each lookup until two are in flight at once. */
    static final class PairedKeys implements PskKeyProvider {
        final CyclicBarrier both = new CyclicBarrier(2);
        final List<Thread> callers = new CopyOnWriteArrayList<>();

        @Override
        public SecretKey getKey(KpsaId kpsaId) throws GeneralSecurityException {
            callers.add(Thread.currentThread());
            try {
                both.await(20, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new GeneralSecurityException("the other connection's lookup never started: " + e);
            }
            return kpsaId.toString().equals(KPSA) ? new PskSecretKey(HexFormat.of().parseHex(KEY_HEX)) : null;
        }

        @Override
        public boolean hasKey(KpsaId kpsaId) {
            return kpsaId.toString().equals(KPSA);
        }

        @Override
        public boolean lookupsMayBlock() {
            return true;
        }
    }

    static SSLContext context(String table, PskKeyProvider extra) throws Exception {
        AssociationTable t = AssociationTable.parse("table", new StringReader(table), IdentityMode.STRICT, true);
        SaefConfiguration config = SaefConfiguration.of(t,
                extra == null ? t.inlineKeys() : CompositeKeyProvider.of(t.inlineKeys(), extra));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("PSK", PROVIDER);
        kmf.init(new PskKeyManagerParameters(config));
        SSLContext ctx = SSLContext.getInstance("TLS", PROVIDER);
        ctx.init(kmf.getKeyManagers(), null, null);
        return ctx;
    }

    @Test
    void sslHandlerWithATaskExecutorCompletesHandshakesOverABlockingKeySource() throws Exception {
        PairedKeys keys = new PairedKeys();
        SSLContext serverContext = context(KPSA + " peer=CAE01\n", keys);
        EventLoopGroup boss = new NioEventLoopGroup(1);
        EventLoopGroup loop = new NioEventLoopGroup(1);
        ExecutorService taskExecutor = Executors.newCachedThreadPool();
        ExecutorService clients = Executors.newFixedThreadPool(2);
        List<String> boundPeers = new CopyOnWriteArrayList<>();
        List<Thread> loopThreads = new CopyOnWriteArrayList<>();
        try {
            Channel server = new ServerBootstrap().group(boss, loop).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            SSLEngine engine = serverContext.createSSLEngine();
                            engine.setUseClientMode(false);
                            SslHandler ssl = new SslHandler(engine, false, taskExecutor);
                            ssl.handshakeFuture().addListener(f -> {
                                if (f.isSuccess()) {
                                    boundPeers.add(engine.getSession().getPeerPrincipal().getName());
                                }
                            });
                            ch.pipeline().addLast(ssl, new ChannelInboundHandlerAdapter() {
                                @Override
                                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                    loopThreads.add(Thread.currentThread());
                                    ctx.writeAndFlush(((ByteBuf) msg).retain()); // echo
                                    ((ByteBuf) msg).release();
                                }
                            });
                        }
                    }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            int port = ((InetSocketAddress) server.localAddress()).getPort();
            SSLContext clientContext = context(KPSA + " peer=/id-in address=127.0.0.1:" + port + " key=hex:" + KEY_HEX
                    + "\n", null);
            List<Future<String>> replies = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                String text = "ping " + i;
                replies.add(clients.submit(() -> {
                    try (SSLSocket s = (SSLSocket) clientContext.getSocketFactory().createSocket("127.0.0.1", port)) {
                        s.setSoTimeout(20_000);
                        s.startHandshake();
                        OutputStream out = s.getOutputStream();
                        out.write(text.getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                        InputStream in = s.getInputStream();
                        byte[] got = in.readNBytes(text.length());
                        return s.getSession().getPeerPrincipal().getName() + " " + new String(got, StandardCharsets.US_ASCII);
                    }
                }));
            }
            assertEquals("/id-in ping 0", replies.get(0).get(30, TimeUnit.SECONDS));
            assertEquals("/id-in ping 1", replies.get(1).get(30, TimeUnit.SECONDS));
            assertEquals(List.of("CAE01", "CAE01"), boundPeers);
            assertEquals(2, keys.callers.size());
            for (Thread t : keys.callers) {
                assertFalse(loopThreads.contains(t), "a key lookup ran on the event loop " + t.getName());
            }
            server.close().sync();
        } finally {
            clients.shutdownNow();
            loop.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
            boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
            taskExecutor.shutdownNow();
            assertTrue(taskExecutor.awaitTermination(10, TimeUnit.SECONDS));
        }
    }
}
