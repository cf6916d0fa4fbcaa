package dev.saef.zerocode;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSocket;

/**
 * An "unchanged" IN-CSE: plain JDK server code (HttpsServer on the default context, and a line-echo
 * server from {@code SSLServerSocketFactory.getDefault()}), run in a forked JVM configured only by
 * {@code java.security}, {@code saef.*} and {@code javax.net.ssl.keyStore}. Serves PSK and
 * certificate clients on the same listening sockets. Prints its ports, runs until stdin closes.
 */
public final class ZeroCodeServerMain {
    private ZeroCodeServerMain() {
    }

    public static void main(String[] args) throws Exception {
        HttpsServer http = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        http.setHttpsConfigurator(new HttpsConfigurator(SSLContext.getDefault()));
        http.createContext("/", ex -> {
            String who;
            try {
                who = ((HttpsExchange) ex).getSSLSession().getPeerPrincipal().getName();
            } catch (SSLPeerUnverifiedException e) {
                who = "certificate-client";
            }
            byte[] body = (who + " " + ((HttpsExchange) ex).getSSLSession().getCipherSuite())
                    .getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(body);
            }
        });
        http.start();
        SSLServerSocket echo = (SSLServerSocket) SSLServerSocketFactory.getDefault()
                .createServerSocket(0, 10, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            while (true) {
                try (Socket s = echo.accept()) {
                    BufferedReader r = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                    String line = r.readLine();
                    String suite = ((SSLSocket) s).getSession().getCipherSuite();
                    s.getOutputStream().write((line + " " + suite + "\n").getBytes(StandardCharsets.UTF_8));
                    s.getOutputStream().flush();
                } catch (Exception e) {
                    System.out.println("echo-error " + e);
                    if (echo.isClosed()) {
                        return;
                    }
                }
            }
        }, "echo");
        t.setDaemon(true);
        t.start();
        System.out.println("ports " + http.getAddress().getPort() + " " + echo.getLocalPort());
        System.out.flush();
        System.in.read(); // run until the test closes our stdin
        http.stop(0);
        echo.close();
    }
}
