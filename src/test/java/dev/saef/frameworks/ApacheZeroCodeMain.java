package dev.saef.frameworks;

import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.client5.http.async.methods.SimpleRequestBuilder;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManagerBuilder;
import org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy;
import org.apache.hc.client5.http.ssl.HostnameVerificationPolicy;
import org.apache.hc.core5.http.io.entity.EntityUtils;

/**
 * An Apache HttpClient 5 application with no SAEF import, run in a forked JVM configured only by
 * {@code -Djava.security.properties} and {@code -Dsaef.*} (plus the JDK's trust store properties for
 * the certificate server). Arguments: the PSK CSE's URL, the certificate server's URL by its name
 * (localhost) and by an address its certificate does not name (127.0.0.1). Prints one line per
 * client style and target: {@code <api>-<style>-<target> <status> ...} or {@code ...-error <causes>}.
 */
public final class ApacheZeroCodeMain {
    private ApacheZeroCodeMain() {
    }

    /**
     * {@code BUILTIN} host name verification that also holds on the async (SSLEngine) path: HttpClient
     * 5.4.4 sets the HTTPS endpoint identification algorithm on the engine's SSLParameters only after
     * it has applied them, so the async path would otherwise verify no host name at all.
     */
    static DefaultClientTlsStrategy strictBuiltin(SSLContext ctx) {
        return new DefaultClientTlsStrategy(ctx, HostnameVerificationPolicy.BUILTIN, null) {
            @Override
            protected void initializeEngine(SSLEngine engine) {
                SSLParameters p = engine.getSSLParameters();
                p.setEndpointIdentificationAlgorithm("HTTPS");
                engine.setSSLParameters(p);
            }
        };
    }

    public static void main(String[] args) throws Exception {
        String[] targets = {"psk", args[0], "cert", args[1], "certip", args[2]};
        System.out.println("default-provider " + SSLContext.getDefault().getProvider().getName());

        // 1. HttpClients.createSystem(): system TLS context and properties, default host name verifier
        try (CloseableHttpClient system = HttpClients.createSystem()) {
            classic("system", system, targets);
        }
        try (CloseableHttpAsyncClient system = HttpAsyncClients.createSystem()) {
            system.start();
            async("system", system, targets);
        }

        // 2. the same default context, host name verification left to JSSE (HTTPS endpoint identification)
        DefaultClientTlsStrategy builtin = new DefaultClientTlsStrategy(SSLContext.getDefault(),
                HostnameVerificationPolicy.BUILTIN, null);
        try (CloseableHttpClient client = HttpClients.custom().setConnectionManager(
                PoolingHttpClientConnectionManagerBuilder.create().setTlsSocketStrategy(builtin).build()).build()) {
            classic("builtin", client, targets);
        }
        try (CloseableHttpAsyncClient client = HttpAsyncClients.custom().setConnectionManager(
                PoolingAsyncClientConnectionManagerBuilder.create().setTlsStrategy(builtin).build()).build()) {
            client.start();
            async("builtin", client, targets);
        }
        try (CloseableHttpAsyncClient client = HttpAsyncClients.custom().setConnectionManager(
                PoolingAsyncClientConnectionManagerBuilder.create()
                        .setTlsStrategy(strictBuiltin(SSLContext.getDefault())).build()).build()) {
            client.start();
            async("strict", client, targets);
        }
    }

    static void classic(String style, CloseableHttpClient client, String[] targets) {
        for (int i = 0; i < targets.length; i += 2) {
            String label = "classic-" + style + "-" + targets[i];
            try {
                String line = client.execute(new HttpGet(targets[i + 1] + "/" + label), r -> r.getCode() + " "
                        + (r.containsHeader("X-SAEF-Peer") ? r.getFirstHeader("X-SAEF-Peer").getValue()
                                : EntityUtils.toString(r.getEntity())));
                System.out.println(label + " " + line);
            } catch (Exception e) {
                System.out.println(label + "-error " + chain(e));
            }
        }
    }

    static void async(String style, CloseableHttpAsyncClient client, String[] targets) {
        for (int i = 0; i < targets.length; i += 2) {
            String label = "async-" + style + "-" + targets[i];
            try {
                SimpleHttpResponse r = client.execute(SimpleRequestBuilder.get(targets[i + 1] + "/" + label).build(),
                        null).get(20, TimeUnit.SECONDS);
                System.out.println(label + " " + r.getCode() + " " + r.getVersion() + " "
                        + (r.containsHeader("X-SAEF-Peer") ? r.getFirstHeader("X-SAEF-Peer").getValue()
                                : r.getBodyText()));
            } catch (Exception e) {
                System.out.println(label + "-error " + chain(e));
            }
        }
    }

    static String chain(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable x = t; x != null; x = x.getCause()) {
            sb.append(x.getClass().getSimpleName()).append(": ").append(x.getMessage()).append(" | ");
        }
        return sb.toString().replace('\n', ' ');
    }
}
