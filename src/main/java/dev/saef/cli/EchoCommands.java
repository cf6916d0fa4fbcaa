package dev.saef.cli;

import dev.saef.config.SaefConfiguration;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

/**
 * {@code saef server} and {@code saef client}: the PSK-SAEF counterparts of {@code openssl s_server}
 * and {@code s_client} with {@code -psk}, for interoperability checks by hand. The server echoes each
 * line back; the client copies stdin to the server and the server's bytes to stdout.
 */
final class EchoCommands {
    private final PrintStream out;
    private final PrintStream err;

    EchoCommands(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    int server(Options o) throws Exception {
        int port = o.intValue("port", 4433);
        int accept = o.intValue("accept", Integer.MAX_VALUE);
        SaefConfiguration config = Contexts.configuration(o);
        SSLContext ctx = Contexts.context(config);
        String bind = o.get("bind").orElse("127.0.0.1");
        try (SSLServerSocket ss = (SSLServerSocket) ctx.getServerSocketFactory()
                .createServerSocket(port, 50, InetAddress.getByName(bind))) {
            err.println("saef server: listening on " + bind + ":" + ss.getLocalPort() + " ("
                    + config.associations().associations().size() + " associations)");
            err.flush();
            for (int i = 0; i < accept; i++) {
                try (SSLSocket s = (SSLSocket) ss.accept()) {
                    s.startHandshake();
                    err.println("saef server: " + SessionReport.describe(s.getSession()));
                    err.flush();
                    echo(s);
                } catch (IOException e) {
                    err.println("saef server: connection ended: " + e.getMessage());
                    err.flush();
                }
            }
        }
        return 0;
    }

    private void echo(SSLSocket s) throws IOException {
        BufferedReader r = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
        OutputStream w = s.getOutputStream();
        String line;
        while ((line = r.readLine()) != null) {
            w.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            w.flush();
        }
    }

    int client(Options o) throws Exception {
        String target = o.require("connect");
        int colon = target.lastIndexOf(':');
        if (colon <= 0) {
            throw new UsageException("--connect needs host:port, not '" + target + "'");
        }
        String host = target.substring(0, colon);
        int port;
        try {
            port = Integer.parseInt(target.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new UsageException("--connect needs host:port, not '" + target + "'");
        }
        SaefConfiguration config = Contexts.configuration(o);
        SSLContext ctx = Contexts.context(config);
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(host, port)) {
            s.startHandshake();
            err.println("saef client: " + SessionReport.describe(s.getSession()));
            err.flush();
            Thread pump = new Thread(() -> copy(System.in, s), "stdin-to-server");
            pump.setDaemon(true);
            pump.start();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[8192];
            int n;
            while ((n = in.read(buf)) >= 0) {
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            err.println("saef client: " + e.getMessage());
            return 1;
        }
        return 0;
    }

    private static void copy(InputStream in, Socket s) {
        try {
            OutputStream w = s.getOutputStream();
            byte[] buf = new byte[8192];
            int n;
            while ((n = in.read(buf)) >= 0) {
                w.write(buf, 0, n);
                w.flush();
            }
            s.close();
        } catch (IOException ignored) {
            // the connection ended
        }
    }
}
