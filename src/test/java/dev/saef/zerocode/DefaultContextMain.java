package dev.saef.zerocode;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;

/**
 * Run in a forked JVM with {@code -Djava.security.properties} naming SAEF as provider 1 and a
 * configuration that cannot load: prints which provider the JVM's default context comes from and how
 * each use of it, and of {@code init(null, null, null)} on a {@code TLS} context, ends. One line each.
 */
public final class DefaultContextMain {
    private DefaultContextMain() {
    }

    public static void main(String[] args) throws Exception {
        SSLContext def = SSLContext.getDefault();
        System.out.println("default-provider " + def.getProvider().getName());
        attempt("socket-factory", () -> {
            SSLSocketFactory.getDefault().createSocket().close();
            return null;
        });
        attempt("engine", () -> def.createSSLEngine());
        attempt("server-socket-factory", () -> def.getServerSocketFactory());
        attempt("default-again", () -> SSLContext.getDefault().getSocketFactory());
        attempt("new-default", () -> SSLContext.getInstance("Default").getSocketFactory());
        SSLContext tls = SSLContext.getInstance("TLS");
        System.out.println("tls-provider " + tls.getProvider().getName());
        attempt("init-null", () -> {
            tls.init(null, null, null);
            return null;
        });
        attempt("tls-use", () -> tls.getSocketFactory());
        System.out.println("done");
    }

    interface Action {
        Object run() throws Exception;
    }

    static void attempt(String name, Action a) {
        try {
            a.run();
            System.out.println(name + " ok");
        } catch (Throwable t) {
            StringBuilder b = new StringBuilder(name + " failed:");
            for (Throwable c = t; c != null; c = c.getCause()) {
                b.append(" [").append(c.getClass().getName()).append(": ").append(c.getMessage()).append(']');
            }
            System.out.println(b.toString().replace('\n', ' '));
        }
    }
}
