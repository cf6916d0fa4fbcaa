package dev.saef.modulepath;

import java.io.InputStream;
import java.io.OutputStream;
import java.lang.module.ModuleDescriptor;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.Provider;
import java.security.Security;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

/**
 * Runs in a forked JVM with SAEF-JSSE on the module path and this class on the class path (unnamed
 * module), using nothing but JDK API and {@code saef.*} system properties ({@link ModulePathTest}).
 * Prints one line per fact: the module the {@code SAEF} provider came from, its exported packages and
 * services, and a PSK-SAEF handshake over loopback between a server context and a client context.
 */
public final class ModulePathMain {
    private ModulePathMain() {
    }

    public static void main(String[] args) throws Exception {
        // the JDK found SAEF by name (security.provider.1=SAEF) through ServiceLoader
        Provider saef = Security.getProvider("SAEF");
        System.out.println("provider " + (saef == null ? "none" : saef.getClass().getName()));
        Module module = saef.getClass().getModule();
        System.out.println("module " + (module.isNamed() ? module.getName() : "unnamed"));
        ModuleDescriptor d = module.getDescriptor();
        System.out.println("exports " + d.exports().stream().map(e -> e.source() + (e.isQualified() ? "(qualified)" : ""))
                .collect(Collectors.toCollection(TreeSet::new)));
        System.out.println("provides " + d.provides().stream().map(p -> p.service() + "=" + p.providers())
                .collect(Collectors.toCollection(TreeSet::new)));

        // a server context through KeyManagerFactory.PSK, configured by the saef.* properties ...
        System.setProperty("saef.associations", args[0]);
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("PSK", "SAEF");
        kmf.init(null, null);
        SSLContext serverContext = SSLContext.getInstance("TLS", "SAEF");
        serverContext.init(kmf.getKeyManagers(), null, null);
        // ... and a client context that reads them itself
        System.setProperty("saef.associations", args[1]);
        System.setProperty("saef.localId", "CAEmodule");
        SSLContext clientContext = SSLContext.getInstance("TLS", "SAEF");
        clientContext.init(null, null, null);
        System.out.println("contexts " + serverContext.getProvider().getName() + " " + clientContext.getProvider().getName());

        try (SSLServerSocket server = (SSLServerSocket) serverContext.getServerSocketFactory()
                .createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<String> served = CompletableFuture.supplyAsync(() -> {
                try (SSLSocket s = (SSLSocket) server.accept()) {
                    s.setSoTimeout(30_000);
                    byte[] ping = s.getInputStream().readNBytes(4);
                    s.getOutputStream().write("pong".getBytes(StandardCharsets.US_ASCII));
                    s.getOutputStream().flush();
                    return new String(ping, StandardCharsets.US_ASCII) + " peer=" + s.getSession().getPeerPrincipal().getName();
                } catch (Exception e) {
                    return "server-error " + e;
                }
            });
            try (SSLSocket c = (SSLSocket) clientContext.getSocketFactory()
                    .createSocket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
                c.setSoTimeout(30_000);
                OutputStream out = c.getOutputStream();
                out.write("ping".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                InputStream in = c.getInputStream();
                String pong = new String(in.readNBytes(4), StandardCharsets.US_ASCII);
                System.out.println("client " + pong + " " + c.getSession().getProtocol() + " "
                        + c.getSession().getCipherSuite() + " peer=" + c.getSession().getPeerPrincipal().getName());
            }
            System.out.println("server " + served.get(30, TimeUnit.SECONDS));
        }

        System.out.println("done");
    }
}
