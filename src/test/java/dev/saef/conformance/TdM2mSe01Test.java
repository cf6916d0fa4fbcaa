package dev.saef.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsServer;
import dev.saef.config.SaefConfiguration;
import dev.saef.identity.OriginatorCheck;
import dev.saef.identity.SaefPrincipal;
import dev.saef.profile.SuiteProfile;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * oneM2M TS-0013 test description TD_M2M_SE_01 (security association establishment with a provisioned
 * symmetric key) as an automated scenario: an AE holding KpsaID {@code test@onem2m.com} and Kpsa
 * {@code 123456} establishes TLS 1.2 with {@code TLS_PSK_WITH_AES_128_CBC_SHA256} to its Registrar
 * CSE and sends an AE registration (CREATE of an {@code <AE>}, {@code ty=2}) over HTTPS; the CSE checks
 * the originator ({@code X-M2M-Origin}) against the identity bound to the security association with
 * {@link OriginatorCheck} (TS-0003 clause 7.2.1): accepted (2001) when equal, ORIGINATOR_NOT_AUTHENTICATED
 * (4106) when not.
 *
 * <p>The CSE is {@code com.sun.net.httpserver.HttpsServer} on a SAEF {@code SSLContext} (SAEF's
 * {@code SSLEngine}); the AE is {@code HttpsURLConnection} on a SAEF socket factory, as in the
 * {@code saef demo}.
 *
 * <p><b>The Kpsa {@code 123456} is read as hexadecimal: the three octets 0x12 0x34 0x56.</b> TS-0013
 * writes the PSK as the string {@code 123456} without saying how it is encoded. The test tools used to
 * run such test descriptions take a PSK in hexadecimal: {@code openssl s_client/s_server -psk 123456}
 * and {@code gnutls-cli --pskkey=123456} both mean 0x12 0x34 0x56, so a SAEF entity configured with
 * {@code key=hex:123456} interoperates with a tester who types the value into those tools (checked by
 * {@link #tdM2mSe01_opensslAeRegisters} when {@code openssl} is installed). The other reading, the six
 * ASCII octets of "123456" ({@code key=hex:313233343536}), is a different key: {@link
 * #tdM2mSe01_asciiReadingOfTheKpsaIsADifferentKey} shows the handshake then fails, so the two sides must
 * agree on the reading.
 *
 * <p>Credential-ID: TS-0013 uses the prefix {@code 00-}, clause 12.3.2.1 gives 12. A CSE without a
 * configured AE-ID for the KpsaID binds to {@code 12-test@onem2m.com} by default and to
 * {@code 00-test@onem2m.com} with {@code SaefConfiguration.withCredentialIdType(0)}
 * ({@code saef.credentialIdType=0}); both are exercised.
 */
@Timeout(60)
class TdM2mSe01Test {

    static final String KPSA_ID = "test@onem2m.com";
    /** TS-0013's Kpsa "123456", read as hexadecimal (see the class comment). */
    static final String KPSA_HEX = "123456";
    static final String CSE_ID = "/id-in";
    static final String AE_ID = "CAEtest";
    static final String SUITE = SuiteProfile.TLS_MANDATORY; // TLS_PSK_WITH_AES_128_CBC_SHA256

    private HttpsServer server;
    private final AtomicReference<SSLSession> cseSession = new AtomicReference<>();

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    /** Starts the Registrar CSE; {@code peer} is the AE-ID configured for the KpsaID, or null for none. */
    int startCse(String peer, UnaryOperator<SaefConfiguration> tweak) throws Exception {
        SSLContext cse = Saef.context(KPSA_ID + (peer == null ? "" : " peer=" + peer) + " key=hex:" + KPSA_HEX + "\n",
                c -> tweak.apply(c.withLocalId(CSE_ID).withCipherSuites(SUITE)));
        server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(cse));
        server.createContext("/", exchange -> {
            SSLSession session = ((HttpsExchange) exchange).getSSLSession();
            cseSession.set(session);
            String from = exchange.getRequestHeaders().getFirst("X-M2M-Origin");
            exchange.getRequestBody().readAllBytes();
            OriginatorCheck.Result check = OriginatorCheck.check(session, from);
            byte[] body = (check.authenticated() ? "{\"m2m:ae\":{\"aei\":\"" + from + "\"}}"
                    : "{\"m2m:dbg\":\"" + check.reason().replace("\"", "'") + "\"}").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("X-M2M-RSC", check.authenticated() ? "2001" : "4106");
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(check.authenticated() ? 201 : 403, body.length);
            try (OutputStream os = exchange.getResponseBody()) {
                os.write(body);
            }
        });
        server.start();
        return server.getAddress().getPort();
    }

    /** The AE's context: KpsaID test@onem2m.com, IdB /id-in, the CSE's address, only the TD's suite. */
    static SSLContext ae(int port, String keyHex) throws Exception {
        return Saef.context(KPSA_ID + " peer=" + CSE_ID + " address=127.0.0.1:" + port + " key=hex:" + keyHex + "\n",
                c -> c.withCipherSuites(SUITE));
    }

    /** What the AE saw. */
    record Response(int http, String rsc, String suite, String boundCse) {
    }

    /** The AE registers (CREATE <AE>) with the given originator. */
    static Response register(SSLContext ae, int port, String from) throws IOException {
        URL url = new URL("https://127.0.0.1:" + port + "/~/in-cse/cse-base");
        HttpsURLConnection c = (HttpsURLConnection) url.openConnection();
        try {
            c.setSSLSocketFactory(ae.getSocketFactory());
            c.setRequestMethod("POST");
            c.setDoOutput(true);
            c.setRequestProperty("X-M2M-Origin", from);
            c.setRequestProperty("X-M2M-RI", "td-m2m-se-01");
            c.setRequestProperty("X-M2M-RVI", "3");
            c.setRequestProperty("Content-Type", "application/json;ty=2");
            try (OutputStream os = c.getOutputStream()) {
                os.write("{\"m2m:ae\":{\"rn\":\"td-ae\",\"api\":\"Ntd\",\"rr\":false,\"srv\":[\"3\"]}}"
                        .getBytes(StandardCharsets.UTF_8));
            }
            int status = c.getResponseCode();
            String suite = c.getCipherSuite();
            String bound = c.getPeerPrincipal().getName();
            try (InputStream in = status < 400 ? c.getInputStream() : c.getErrorStream()) {
                if (in != null) {
                    in.readAllBytes();
                }
            }
            return new Response(status, c.getHeaderField("X-M2M-RSC"), suite, bound);
        } finally {
            c.disconnect();
        }
    }

    void assertSecurityAssociation(Response r) throws Exception {
        assertEquals(SUITE, r.suite(), "AE: TLS_PSK_WITH_AES_128_CBC_SHA256");
        assertEquals(CSE_ID, r.boundCse(), "AE: bound to IdB");
        SSLSession s = cseSession.get();
        assertNotNull(s);
        assertEquals("TLSv1.2", s.getProtocol());
        assertEquals(SUITE, s.getCipherSuite());
        SaefPrincipal p = (SaefPrincipal) s.getPeerPrincipal();
        assertEquals(KPSA_ID, p.kpsaId().orElseThrow().value());
        assertEquals(CSE_ID, s.getLocalPrincipal().getName());
    }

    @Test
    @DisplayName("SAEF-TD-M2M-SE-01 AE registration over PSK-SAEF TLS 1.2 (AE-ID configured on the CSE): accepted")
    void tdM2mSe01_registrationAccepted() throws Exception {
        int port = startCse(AE_ID, UnaryOperator.identity());
        Response r = register(ae(port, KPSA_HEX), port, AE_ID);
        assertEquals(201, r.http());
        assertEquals("2001", r.rsc());
        assertSecurityAssociation(r);
        assertEquals(AE_ID, cseSession.get().getPeerPrincipal().getName());
    }

    @Test
    @DisplayName("SAEF-TD-M2M-SE-01 an originator other than the bound AE-ID is refused with 4106")
    void tdM2mSe01_impersonationRefused() throws Exception {
        int port = startCse(AE_ID, UnaryOperator.identity());
        Response r = register(ae(port, KPSA_HEX), port, "CAEother");
        assertEquals(403, r.http());
        assertEquals(Integer.toString(OriginatorCheck.ORIGINATOR_NOT_AUTHENTICATED), r.rsc());
        assertSecurityAssociation(r);
    }

    @Test
    @DisplayName("SAEF-TD-M2M-SE-01 Credential-ID binding with the clause 12.3.2.1 prefix 12-")
    void tdM2mSe01_credentialIdPrefix12() throws Exception {
        int port = startCse(null, UnaryOperator.identity());
        SSLContext ae = ae(port, KPSA_HEX);
        Response ok = register(ae, port, "12-" + KPSA_ID);
        assertEquals("2001", ok.rsc());
        assertSecurityAssociation(ok);
        assertEquals("12-" + KPSA_ID, cseSession.get().getPeerPrincipal().getName());
        assertEquals("4106", register(ae, port, "00-" + KPSA_ID).rsc());
        assertEquals("4106", register(ae, port, KPSA_ID).rsc());
    }

    @Test
    @DisplayName("SAEF-TD-M2M-SE-01 Credential-ID binding with TS-0013's prefix 00- (withCredentialIdType(0))")
    void tdM2mSe01_credentialIdPrefix00() throws Exception {
        int port = startCse(null, c -> c.withCredentialIdType(0));
        SSLContext ae = ae(port, KPSA_HEX);
        Response ok = register(ae, port, "00-" + KPSA_ID);
        assertEquals("2001", ok.rsc());
        assertSecurityAssociation(ok);
        assertEquals("00-" + KPSA_ID, cseSession.get().getPeerPrincipal().getName());
        assertEquals("4106", register(ae, port, "12-" + KPSA_ID).rsc());
    }

    @Test
    @DisplayName("SAEF-TD-M2M-SE-01 the ASCII reading of the Kpsa (0x313233343536) is a different key: no association")
    void tdM2mSe01_asciiReadingOfTheKpsaIsADifferentKey() throws Exception {
        int port = startCse(AE_ID, UnaryOperator.identity());
        String ascii = Saef.hex(KPSA_HEX.getBytes(StandardCharsets.US_ASCII));
        assertEquals("313233343536", ascii);
        IOException x = assertThrows(IOException.class, () -> register(ae(port, ascii), port, AE_ID));
        // HttpsServer closes the connection on a failed handshake (it may drop the bad_record_mac alert)
        assertInstanceOf(javax.net.ssl.SSLException.class, x, x.toString());
        assertTrue(x.getMessage().contains("bad_record_mac") || x.getMessage().contains("closed the connection"),
                x.getMessage());
        assertEquals(null, cseSession.get(), "no request reached the CSE");
    }

    @Test
    @DisplayName("SAEF-TD-M2M-SE-01 openssl s_client -psk 123456 as the AE registers with the SAEF CSE")
    void tdM2mSe01_opensslAeRegisters() throws Exception {
        Optional<Path> openssl = onPath("openssl");
        Assumptions.assumeTrue(openssl.isPresent(), "openssl is not on PATH");
        int port = startCse(AE_ID, UnaryOperator.identity());
        for (String[] fromAndRsc : new String[][] {{AE_ID, "2001"}, {"CAEother", "4106"}}) {
            Process p = new ProcessBuilder(openssl.get().toString(), "s_client", "-connect", "127.0.0.1:" + port,
                    "-tls1_2", "-cipher", "PSK-AES128-CBC-SHA256", "-psk", KPSA_HEX, "-psk_identity", KPSA_ID,
                    "-quiet").redirectErrorStream(true).start();
            try {
                String body = "{\"m2m:ae\":{\"rn\":\"td-ae\",\"api\":\"Ntd\",\"rr\":false,\"srv\":[\"3\"]}}";
                String request = "POST /~/in-cse/cse-base HTTP/1.1\r\nHost: 127.0.0.1\r\nX-M2M-Origin: " + fromAndRsc[0]
                        + "\r\nX-M2M-RI: td-m2m-se-01\r\nX-M2M-RVI: 3\r\nContent-Type: application/json;ty=2\r\n"
                        + "Content-Length: " + body.length() + "\r\nConnection: close\r\n\r\n" + body;
                try (OutputStream os = p.getOutputStream()) {
                    os.write(request.getBytes(StandardCharsets.US_ASCII));
                    os.flush();
                    String out = readUntil(p.getInputStream(), "m2m:", 20_000);
                    assertTrue(out.toLowerCase(Locale.ROOT).contains("x-m2m-rsc: " + fromAndRsc[1]), out);
                }
            } finally {
                p.destroy();
                p.waitFor(10, TimeUnit.SECONDS);
            }
            assertEquals(SUITE, cseSession.get().getCipherSuite());
            assertEquals(AE_ID, cseSession.get().getPeerPrincipal().getName());
        }
    }

    /** Reads the process output until {@code marker} appeared and the stream paused, or the time is up. */
    static String readUntil(InputStream in, String marker, long millis) throws Exception {
        StringBuilder sb = new StringBuilder();
        long end = System.currentTimeMillis() + millis;
        byte[] buf = new byte[4096];
        while (System.currentTimeMillis() < end) {
            if (in.available() > 0) {
                int n = in.read(buf);
                if (n < 0) {
                    break;
                }
                sb.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
                if (sb.indexOf(marker) >= 0 && sb.indexOf("}") > sb.indexOf(marker)) {
                    break;
                }
            } else {
                Thread.sleep(20);
            }
        }
        return sb.toString();
    }

    static Optional<Path> onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path p = Path.of(dir, program);
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }
}
