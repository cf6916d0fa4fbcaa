package dev.saef.frameworks;

import io.netty.handler.ssl.*;
import java.security.KeyStore;
import java.io.FileInputStream;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.*;
import org.junit.jupiter.api.Test;

class ScratchSunCloseTest {
    @Test
    void sun() throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(new FileInputStream("/tmp/scratch/cert.p12"), "changeit".toCharArray());
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("SunX509");
        kmf.init(ks, "changeit".toCharArray());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(ks);
        SslContext sctx = SslContextBuilder.forServer(kmf).sslProvider(SslProvider.JDK).protocols("TLSv1.2").build();
        NettyTest.clientGroup = new io.netty.channel.nio.NioEventLoopGroup(1);
        try (NettyPskHttpServer s = new NettyPskHttpServer(sctx)) {
            SslContext cctx = SslContextBuilder.forClient().sslProvider(SslProvider.JDK).trustManager(tmf).protocols("TLSv1.2").build();
            try (NettyTest.Client c = new NettyTest.Client(cctx, s.port())) {
                c.handshake();
                System.out.println("SUN reply " + c.exchange(io.netty.handler.codec.http.HttpMethod.GET, "/", new byte[0], true).status());
                c.ssl.closeOutbound().await(5, TimeUnit.SECONDS);
                System.out.println("SUN sslClose " + c.ssl.sslCloseFuture().await(5, TimeUnit.SECONDS) + " " + c.ssl.sslCloseFuture().isSuccess());
                try { c.closed.get(5, TimeUnit.SECONDS); System.out.println("SUN channel closed"); } catch (Exception e) { System.out.println("SUN channel still open " + e); }
            }
        }
    }
}
