package dev.saef.cli;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsServer;
import dev.saef.config.AssociationTable;
import dev.saef.config.SaefConfiguration;
import dev.saef.identity.IdentityMode;
import dev.saef.identity.OriginatorCheck;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.net.InetSocketAddress;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSession;

/**
 * {@code saef demo}: an IN-CSE (HTTPS server, Entity B) and two AEs (HTTPS clients, Entity A) on
 * loopback, provisioned with fresh random Kpsa keys, doing the PSK-SAEF of TS-0003 clause 8.2.2.1
 * end to end:
 * <ol>
 *   <li>AE {@code CAEdemo} is pre-configured on the CSE: the CSE binds the session to that AE-ID;</li>
 *   <li>AE {@code CAEnew} is not: the CSE binds the session to the Credential-ID
 *       {@code 12-<KpsaID>} (clause 10.4);</li>
 *   <li>an impersonation attempt (a From that is not the bound identity) is answered with
 *       ORIGINATOR_NOT_AUTHENTICATED (4106), clause 7.2.1;</li>
 *   <li>AE {@code CAEcoap} registers over CoAP/DTLS (the TS-0008 binding over DTLS 1.2, clause 10.2.1):
 *       a Californium {@code CoapClient} and {@code CoapServer} over SAEF's connectors
 *       ({@link CoapDemo}); skipped, with a note, when Californium is not on the class path.</li>
 * </ol>
 * The CSE runs on {@code com.sun.net.httpserver.HttpsServer} (our SSLEngine), the AEs on
 * {@code HttpsURLConnection} (our SSLSocket). No key is ever printed.
 */
final class DemoCommand {
    private static final String CSE_ID = "/id-in";
    private final PrintStream out;

    DemoCommand(PrintStream out) {
        this.out = out;
    }

    int run(String[] args) throws Exception {
        SecureRandom random = new SecureRandom();
        byte[] k1 = new byte[16];
        byte[] k2 = new byte[32];
        byte[] k3 = new byte[16];
        random.nextBytes(k1);
        random.nextBytes(k2);
        random.nextBytes(k3);
        String id1 = "ae-demo@in.example.com";
        String id2 = "ae-new@in.example.com";
        String id3 = "ae-coap@in.example.com";
        HttpsServer server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        int port = server.getAddress().getPort();
        HexFormat hex = HexFormat.of();
        // The CSE knows AE 1's AE-ID; AE 2 only by its KpsaID (bound to its Credential-ID).
        SaefConfiguration cseConfig = config("cse", id1 + " peer=CAEdemo key=hex:" + hex.formatHex(k1) + "\n"
                + id2 + " key=hex:" + hex.formatHex(k2) + "\n"
                + id3 + " peer=CAEcoap key=hex:" + hex.formatHex(k3) + "\n", CSE_ID);
        SaefConfiguration ae1Config = config("ae-demo", id1 + " peer=" + CSE_ID + " address=127.0.0.1:" + port
                + " key=hex:" + hex.formatHex(k1) + "\n", "CAEdemo");
        SaefConfiguration ae2Config = config("ae-new", id2 + " peer=" + CSE_ID + " address=127.0.0.1:" + port
                + " key=hex:" + hex.formatHex(k2) + "\n", null);
        CoapPart coap = startCoap(cseConfig, k3, id3);
        Arrays.fill(k1, (byte) 0);
        Arrays.fill(k2, (byte) 0);
        Arrays.fill(k3, (byte) 0);

        SSLContext cse = Contexts.context(cseConfig);
        server.setHttpsConfigurator(new HttpsConfigurator(cse));
        server.createContext("/", exchange -> {
            SSLSession session = ((HttpsExchange) exchange).getSSLSession();
            String from = exchange.getRequestHeaders().getFirst("X-M2M-Origin");
            OriginatorCheck.Result check = OriginatorCheck.check(session, from);
            exchange.getRequestBody().readAllBytes();
            String body = "CSE: " + SessionReport.describe(session) + "\n"
                    + "CSE: From=" + from + " -> " + (check.authenticated()
                            ? "authenticated, request accepted (2001 CREATED)"
                            : "ORIGINATOR_NOT_AUTHENTICATED (" + check.responseStatusCode() + "): " + check.reason())
                    + "\n";
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("X-M2M-RSC", check.authenticated() ? "2001" : "4106");
            exchange.sendResponseHeaders(check.authenticated() ? 201 : 403, bytes.length);
            try (OutputStream os = exchange.getResponseBody()) {
                os.write(bytes);
            }
        });
        server.start();
        out.println("SAEF demo: IN-CSE " + CSE_ID + " listening on https://127.0.0.1:" + port
                + " (PSK-SAEF, TS-0003 clause 8.2.2.1)");
        try {
            out.println();
            out.println("1) AE CAEdemo, pre-configured on the CSE, registers as CAEdemo");
            request(Contexts.context(ae1Config), port, "CAEdemo");
            out.println();
            out.println("2) AE with KpsaID " + id2 + ", unknown AE-ID: CSE binds to its Credential-ID");
            request(Contexts.context(ae2Config), port, "12-" + id2);
            out.println();
            out.println("3) AE CAEdemo tries to impersonate CAEother (clause 7.2.1 check)");
            request(Contexts.context(ae1Config), port, "CAEother");
            out.println();
            coap.run();
        } finally {
            server.stop(0);
            coap.close();
        }
        out.println();
        out.println("SAEF demo: done");
        return 0;
    }

    /** Step 4 of the demo, over CoAP/DTLS; a note instead when Californium is absent. */
    private interface CoapPart extends AutoCloseable {
        void run() throws Exception;

        @Override
        void close();
    }

    /**
     * Starts the CSE's CoAP/DTLS endpoint (so that the AE's association can name its port).
     *
     * @return the CoAP part, or one that only says why it is skipped
     */
    private CoapPart startCoap(SaefConfiguration cseConfig, byte[] key, String kpsaId) throws Exception {
        CoapDemo demo;
        CoapDemo.Cse cse;
        try {
            demo = new CoapDemo(out);
            cse = demo.startCse(Contexts.context(cseConfig, "DTLS"));
        } catch (NoClassDefFoundError e) {
            String missing = e.getMessage();
            return new CoapPart() {
                @Override
                public void run() {
                    out.println("4) CoAP/DTLS: skipped, Eclipse Californium is not on the class path (" + missing + ")");
                }

                @Override
                public void close() {
                }
            };
        }
        SaefConfiguration aeConfig = config("ae-coap", kpsaId + " peer=" + CSE_ID + " address=127.0.0.1:" + cse.port()
                + " key=hex:" + HexFormat.of().formatHex(key) + "\n", "CAEcoap");
        return new CoapPart() {
            @Override
            public void run() throws Exception {
                out.println("4) AE CAEcoap registers over CoAP/DTLS (TS-0008 binding, DTLS 1.2) at coaps://127.0.0.1:"
                        + cse.port() + "/" + CoapDemo.CSE_BASE);
                SSLContext ae = Contexts.context(aeConfig, "DTLS");
                demo.register(ae, cse.port(), "CAEcoap");
                out.println();
                out.println("5) AE CAEcoap tries to register as CAEother over CoAP/DTLS");
                demo.register(ae, cse.port(), "CAEother");
            }

            @Override
            public void close() {
                cse.close();
            }
        };
    }

    private void request(SSLContext ae, int port, String from) throws IOException {
        URL url = new URL("https://127.0.0.1:" + port + "/~/in-cse/cse-base");
        HttpsURLConnection c = (HttpsURLConnection) url.openConnection();
        c.setSSLSocketFactory(ae.getSocketFactory());
        c.setRequestMethod("POST");
        c.setDoOutput(true);
        c.setRequestProperty("X-M2M-Origin", from);
        c.setRequestProperty("X-M2M-RI", "req-" + System.nanoTime());
        c.setRequestProperty("Content-Type", "application/json;ty=2");
        try (OutputStream os = c.getOutputStream()) {
            os.write("{\"m2m:ae\":{\"rn\":\"demo\",\"api\":\"Ndemo\",\"rr\":false,\"srv\":[\"3\"]}}"
                    .getBytes(StandardCharsets.UTF_8));
        }
        int status = c.getResponseCode();
        out.println("AE:  " + c.getCipherSuite() + ", server bound to " + c.getPeerPrincipal().getName()
                + " (IdB)");
        InputStream body = status < 400 ? c.getInputStream() : c.getErrorStream();
        out.print(new String(body.readAllBytes(), StandardCharsets.UTF_8));
        out.println("AE:  HTTP " + status + ", X-M2M-RSC " + c.getHeaderField("X-M2M-RSC"));
        c.disconnect();
    }

    private static SaefConfiguration config(String name, String table, String localId) throws Exception {
        AssociationTable t = AssociationTable.parse("demo:" + name, new StringReader(table), IdentityMode.STRICT, true);
        SaefConfiguration c = SaefConfiguration.of(t, t.inlineKeys());
        return localId == null ? c : c.withLocalId(localId);
    }
}
