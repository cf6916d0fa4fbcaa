package dev.saef.frameworks.jetty;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * An unchanged Jetty 12 client application (run in a forked JVM by {@link JettyZeroCodeTest}):
 * {@code SslContextFactory.Client} with {@code setProvider("SAEF")} (argument {@code provider}) or
 * nothing at all ({@code default}), endpoint identification left on. GETs the URL over h2 and over
 * HTTP/1.1 and prints {@code <kind> <status> <version> <engine class>/<alpn> <body>} per request, or
 * {@code <kind>-error <message>}.
 */
public final class JettyZeroCodeClientMain {
    private JettyZeroCodeClientMain() {
    }

    public static void main(String[] args) throws Exception {
        String url = args[1];
        for (JettySaef.ClientKind kind : new JettySaef.ClientKind[] {JettySaef.ClientKind.H2,
                JettySaef.ClientKind.HTTP11}) {
            SslContextFactory.Client ssl = new SslContextFactory.Client();
            if ("provider".equals(args[0])) {
                ssl.setProvider("SAEF");
            }
            List<SSLEngine> engines = new CopyOnWriteArrayList<>();
            HttpClient client = JettySaef.startClient(ssl, kind, engines);
            try {
                ContentResponse r = client.newRequest(url).timeout(15, TimeUnit.SECONDS).send();
                SSLEngine e = engines.isEmpty() ? null : engines.get(0);
                System.out.println(kind + " " + r.getStatus() + " " + r.getVersion() + " "
                        + (e == null ? "-" : e.getClass().getName() + "/" + e.getApplicationProtocol()) + " "
                        + r.getContentAsString());
            } catch (Exception x) {
                Throwable root = x;
                while (root.getCause() != null) {
                    root = root.getCause();
                }
                System.out.println(kind + "-error " + root);
            } finally {
                client.stop();
            }
        }
        System.out.flush();
    }
}
