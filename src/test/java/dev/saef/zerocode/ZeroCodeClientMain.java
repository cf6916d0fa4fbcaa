package dev.saef.zerocode;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * An "unchanged application": plain JDK HTTPS code with no SAEF import. Run in a forked JVM whose
 * only SAEF configuration is {@code -Djava.security.properties} and {@code -Dsaef.*}.
 * Prints one line per client API; the test asserts on them.
 */
public final class ZeroCodeClientMain {
    private ZeroCodeClientMain() {
    }

    public static void main(String[] args) throws Exception {
        String base = args[0];
        try {
            System.out.println("default-provider " + SSLContext.getDefault().getProvider().getName());
            SSLSocketFactory.getDefault().createSocket().close();
        } catch (Exception e) {
            System.out.println("default-context-error " + chain(e));
            return;
        }
        // 1. HttpsURLConnection with the default socket factory and hostname verifier
        HttpsURLConnection c = (HttpsURLConnection) new URL(base + "/urlconnection").openConnection();
        c.setRequestProperty("X-M2M-Origin", "CAEzc");
        try (InputStream in = c.getInputStream()) {
            System.out.println("urlconnection " + c.getResponseCode() + " " + c.getCipherSuite() + " peer="
                    + c.getPeerPrincipal().getName() + " local=" + name(c.getLocalPrincipal()) + " body="
                    + new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        // 2. java.net.http.HttpClient (SSLEngine), default version (HTTP/2 offered, falls back to 1.1)
        HttpClient client = HttpClient.newHttpClient();
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(base + "/httpclient"))
                .header("X-M2M-Origin", "CAEzc").build(), HttpResponse.BodyHandlers.ofString());
        System.out.println("httpclient " + r.statusCode() + " " + r.version() + " "
                + r.sslSession().map(s -> s.getCipherSuite()).orElse("?") + " body=" + r.body());
        if (args.length > 1) {
            certificatePeer(args[1]);
        }
        // 3. an explicitly initialised context without key managers
        initNullContext(base);
        // 4. a plain socket from SSLSocketFactory.getDefault()
        URI u = URI.create(base);
        try (SSLSocket s = (SSLSocket) SSLSocketFactory.getDefault().createSocket(u.getHost(), u.getPort())) {
            OutputStream out = s.getOutputStream();
            out.write(("GET /socket HTTP/1.1\r\nHost: " + u.getHost() + "\r\nX-M2M-Origin: CAEzc\r\n"
                    + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            // read the head, then exactly Content-length bytes (HTTP framing, as real clients do)
            java.io.DataInputStream in = new java.io.DataInputStream(s.getInputStream());
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                head.append((char) in.readUnsignedByte());
            }
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
            byte[] body = new byte[m.find() ? Integer.parseInt(m.group(1)) : 0];
            in.readFully(body);
            System.out.println("socket " + head.substring(0, head.indexOf("\r")) + " " + s.getSession().getCipherSuite()
                    + " body=" + new String(body, StandardCharsets.UTF_8));
        }
    }

    /** A certificate HTTPS server with no PSK association: handed to the JDK's TLS (saef.fallback=jdk). */
    static void certificatePeer(String url) throws Exception {
        try {
            HttpsURLConnection c = (HttpsURLConnection) new URL(url + "/cert").openConnection();
            try (InputStream in = c.getInputStream()) {
                System.out.println("cert-urlconnection " + c.getResponseCode() + " " + c.getCipherSuite() + " "
                        + c.getServerCertificates().length + "-cert body=" + new String(in.readAllBytes(),
                                StandardCharsets.UTF_8));
            }
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url + "/cert"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            System.out.println("cert-httpclient " + r.statusCode() + " body=" + r.body());
        } catch (Exception e) {
            System.out.println("cert-error " + chain(e));
        }
    }

    /** {@code SSLContext.getInstance("TLS", "SAEF").init(null, null, null)}: the same system-property configuration. */
    static void initNullContext(String base) throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS", "SAEF");
        ctx.init(null, null, null);
        URI u = URI.create(base);
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(u.getHost(), u.getPort())) {
            s.startHandshake();
            System.out.println("init-null " + s.getSession().getCipherSuite() + " peer="
                    + s.getSession().getPeerPrincipal().getName() + " host=" + s.getSession().getPeerHost() + ":"
                    + (s.getSession().getPeerPort() == u.getPort()));
        }
    }

    private static String name(java.security.Principal p) {
        return p == null ? "null" : p.getName();
    }

    private static String chain(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable x = t; x != null; x = x.getCause()) {
            sb.append(x.getClass().getSimpleName()).append(": ").append(x.getMessage()).append(" | ");
        }
        return sb.toString();
    }
}
