package dev.saef.frameworks.jetty;

import java.util.List;
import javax.net.ssl.SSLEngine;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * An unchanged Jetty 12 application (run in a forked JVM by {@link JettyZeroCodeTest}): an HTTPS
 * connector with ALPN (h2, http/1.1) whose {@code SslContextFactory.Server} has no key store and no
 * {@code SSLContext} - only, with argument {@code provider}, {@code setProvider("SAEF")}; with
 * {@code default} not even that (SAEF is provider 1 through {@code -Djava.security.properties}).
 * The PSK configuration comes from {@code -Dsaef.*}. Prints {@code port <n> provider <name>} and runs
 * until its standard input closes; prints each handshake's engine as {@code engine <class> <alpn>}.
 */
public final class JettyZeroCodeServerMain {
    private JettyZeroCodeServerMain() {
    }

    public static void main(String[] args) throws Exception {
        SslContextFactory.Server ssl = new SslContextFactory.Server();
        if ("provider".equals(args[0])) {
            ssl.setProvider("SAEF");
        }
        JettySaef.ServerSpec spec = new JettySaef.ServerSpec();
        spec.h2 = true;
        Server server = JettySaef.startServer(ssl, spec);
        try {
            System.out.println("port " + JettySaef.port(server) + " provider " + ssl.getSslContext().getProvider().getName());
            System.out.flush();
            int c;
            while ((c = System.in.read()) >= 0) {
                if (c == '?') { // report the engines seen so far
                    List<SSLEngine> engines = spec.engines;
                    StringBuilder sb = new StringBuilder("engines");
                    for (SSLEngine e : engines) {
                        sb.append(' ').append(e.getClass().getName()).append('/').append(e.getApplicationProtocol());
                    }
                    System.out.println(sb);
                    System.out.flush();
                }
            }
        } finally {
            server.stop();
        }
    }
}
