package dev.saef.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saef.jsse.KeyExport;
import dev.saef.jsse.KeyExport.ExportedKey;
import dev.saef.keys.KeyDerivation;
import dev.saef.keys.PskSecretKey;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLKeyException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * TLS key export (RFC 5705) and the oneM2M keys of TS-0003 clause 10.3 on SAEF sessions: both ends of a
 * SAEF connection export the same octets; OpenSSL ({@code s_server}/{@code s_client -keymatexport})
 * exports the same octets as SAEF in both roles, so the exporter is RFC 5705's and not merely
 * self-consistent; the clause 10.3.1 split (identifier = 16 most significant octets, key = 32 least
 * significant) and the clause 10.3.2/10.3.3 HMAC derivations are checked against an independent
 * computation.
 */
@Timeout(60)
class KeyExportTest {

    static final String KPSA = "CAE01@in.provider.com";
    static final String KEY = "00112233445566778899aabbccddeeff";
    static final Duration WAIT = Duration.ofSeconds(20);
    static final Pattern KEYING_MATERIAL = Pattern.compile("Keying material: ([0-9A-Fa-f]+)");

    /** A connected SAEF pair over loopback; the server side's socket arrives through {@code server}. */
    record Pair(SSLSocket client, SSLSocket server, SSLServerSocket listener) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            client.close();
            server.close();
            listener.close();
        }
    }

    static Pair pair() throws Exception {
        SSLContext s = InteropContexts.context(InteropContexts.serverTable(KPSA, "CAE01", KEY), UnaryOperator.identity());
        SSLServerSocket listener = (SSLServerSocket) s.getServerSocketFactory().createServerSocket(0, 1,
                InetAddress.getLoopbackAddress());
        SSLContext c = InteropContexts.context(InteropContexts.clientTable(KPSA, listener.getLocalPort(), KEY),
                UnaryOperator.identity());
        CompletableFuture<SSLSocket> accepted = CompletableFuture.supplyAsync(() -> {
            try {
                SSLSocket a = (SSLSocket) listener.accept();
                a.startHandshake();
                return a;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        SSLSocket client = (SSLSocket) c.getSocketFactory().createSocket("127.0.0.1", listener.getLocalPort());
        client.startHandshake();
        return new Pair(client, accepted.get(20, TimeUnit.SECONDS), listener);
    }

    @Test
    void bothEndsExportTheSameOctetsAndLabelsAndContextsSeparateThem() throws Exception {
        try (Pair p = pair()) {
            byte[] c = KeyExport.exportKeyingMaterial(p.client().getSession(), "EXPORTER-test", null, 64);
            byte[] s = KeyExport.exportKeyingMaterial(p.server().getSession(), "EXPORTER-test", null, 64);
            assertArrayEquals(c, s);
            byte[] otherLabel = KeyExport.exportKeyingMaterial(p.client().getSession(), "EXPORTER-other", null, 64);
            byte[] emptyContext = KeyExport.exportKeyingMaterial(p.client().getSession(), "EXPORTER-test", new byte[0], 64);
            assertFalse(Arrays.equals(c, otherLabel));
            assertFalse(Arrays.equals(c, emptyContext), "RFC 5705: no context differs from an empty one");
            assertArrayEquals(emptyContext,
                    KeyExport.exportKeyingMaterial(p.server().getSession(), "EXPORTER-test", new byte[0], 64));

            ExportedKey kc = KeyExport.secureConnectionKey(p.client().getSession());
            ExportedKey kcServer = KeyExport.secureConnectionKey(p.server().getSession());
            byte[] raw = KeyExport.exportKeyingMaterial(p.client().getSession(), KeyExport.SECURE_CONNECTION_LABEL, null, 48);
            assertArrayEquals(Arrays.copyOfRange(raw, 0, 16), kc.id(), "KcID: the 16 most significant octets");
            assertArrayEquals(Arrays.copyOfRange(raw, 16, 48), kc.key().getEncoded(), "Kc: the 32 least significant");
            assertArrayEquals(kc.key().getEncoded(), kcServer.key().getEncoded());
            assertEquals(HexFormat.of().formatHex(raw, 0, 16) + "@maf.example.com", kc.keyId("maf.example.com"));
            assertFalse(kc.toString().contains(HexFormat.of().formatHex(raw, 16, 48)), "no key in toString");
            ExportedKey ke = KeyExport.enrolmentKey(p.client().getSession());
            ExportedKey e2e = KeyExport.pairwiseE2EKey(p.client().getSession());
            assertArrayEquals(e2e.key().getEncoded(), KeyExport.pairwiseE2EKey(p.server().getSession()).key().getEncoded());
            byte[] rawE2e = KeyExport.exportKeyingMaterial(p.server().getSession(), KeyExport.PAIRWISE_E2E_LABEL, null, 48);
            assertArrayEquals(Arrays.copyOfRange(rawE2e, 0, 16), e2e.id());
            assertFalse(Arrays.equals(kc.key().getEncoded(), ke.key().getEncoded()));
            assertFalse(Arrays.equals(kc.key().getEncoded(), e2e.key().getEncoded()));
            assertEquals(HexFormat.of().formatHex(ke.id()) + "@mef.example.com", ke.keyId("mef.example.com"));
        }
    }

    @Test
    void onJava25TheStandardExtendedSslSessionMethodsReachTheSameExporter() throws Exception {
        java.lang.reflect.Method data;
        java.lang.reflect.Method key;
        try {
            data = javax.net.ssl.ExtendedSSLSession.class.getMethod("exportKeyingMaterialData", String.class,
                    byte[].class, int.class);
            key = javax.net.ssl.ExtendedSSLSession.class.getMethod("exportKeyingMaterialKey", String.class,
                    String.class, byte[].class, int.class);
        } catch (NoSuchMethodException e) {
            Assumptions.abort("Java " + Runtime.version().feature() + " has no ExtendedSSLSession key export (25+)");
            return;
        }
        try (Pair p = pair()) {
            byte[] viaJdkApi = (byte[]) data.invoke(p.client().getSession(), "EXPORTER-test", null, 32);
            assertArrayEquals(KeyExport.exportKeyingMaterial(p.server().getSession(), "EXPORTER-test", null, 32), viaJdkApi);
            SecretKey k = (SecretKey) key.invoke(p.server().getSession(), "HmacSHA256", "EXPORTER-test", null, 32);
            assertArrayEquals(viaJdkApi, k.getEncoded());
            assertEquals("HmacSHA256", k.getAlgorithm());
        }
    }

    @Test
    void exportNeedsAnOpenConnection() throws Exception {
        Pair p = pair();
        var session = p.client().getSession();
        p.close();
        SSLKeyException x = assertThrows(SSLKeyException.class,
                () -> KeyExport.exportKeyingMaterial(session, "EXPORTER-test", null, 32));
        assertTrue(x.getMessage().contains("connection is closed"), x.getMessage());
    }

    @Test
    void clause10_3DerivationsAreHmacSha256OverTheLabelAndTheNfkcId() throws Exception {
        byte[] ke = HexFormat.of().parseHex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
        SecretKey keKey = new SecretKeySpec(ke, "TlsPsk");
        // "ﬁ" (U+FB01) normalises to "fi" under NFKC
        PskSecretKey km = KeyDerivation.masterCredential(keKey, "maf-\uFB01.example.com");
        PskSecretKey kpsa = KeyDerivation.provisionedKpsa(keKey, "/id-in/CAE01");
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(ke, "HmacSHA256"));
        byte[] expectKm = mac.doFinal("oneM2M Enrolment Key to Master Credential derivationmaf-fi.example.com"
                .getBytes(StandardCharsets.UTF_8));
        byte[] expectKpsa = mac.doFinal("oneM2M Enrolment Key to Provisioned Secure Connection Key derivation/id-in/CAE01"
                .getBytes(StandardCharsets.UTF_8));
        assertArrayEquals(expectKm, km.getEncoded());
        assertArrayEquals(expectKpsa, kpsa.getEncoded());
        assertEquals(32, kpsa.length());
    }

    // ------------------------------------------------------------------------------ against OpenSSL

    static Path openssl() {
        Optional<Path> found = OpenSslProcess.findOnPath();
        Assumptions.assumeTrue(found.isPresent(), "openssl is not on PATH: key export interop skipped");
        return found.get();
    }

    @Test
    void saefClientExportsWhatOpenSslServerExports() throws Exception {
        Path openssl = openssl();
        try (PeerProcess srv = OpenSslProcess.start("s_server", openssl, List.of("s_server", "-4", "-accept",
                "127.0.0.1:0", "-naccept", "1", "-nocert", "-tls1_2", "-cipher", "PSK-AES128-CBC-SHA256", "-psk", KEY,
                "-psk_identity", KPSA, "-keymatexport", KeyExport.SECURE_CONNECTION_LABEL, "-keymatexportlen", "48"))) {
            int port = OpenSslPeer.acceptPort(srv);
            SSLContext c = InteropContexts.context(InteropContexts.clientTable(KPSA, port, KEY), UnaryOperator.identity());
            try (SSLSocket s = (SSLSocket) c.getSocketFactory().createSocket("127.0.0.1", port)) {
                s.startHandshake();
                Matcher m = srv.awaitStdout(KEYING_MATERIAL, WAIT);
                byte[] theirs = HexFormat.of().parseHex(m.group(1).toLowerCase());
                byte[] ours = KeyExport.exportKeyingMaterial(s.getSession(), KeyExport.SECURE_CONNECTION_LABEL, null, 48);
                assertArrayEquals(theirs, ours, "RFC 5705 export of OpenSSL " + srv.describe());
                ExportedKey kc = KeyExport.secureConnectionKey(s.getSession());
                assertArrayEquals(Arrays.copyOfRange(theirs, 16, 48), kc.key().getEncoded());
            }
        }
    }

    @Test
    void openSslClientExportsWhatSaefServerExports() throws Exception {
        Path openssl = openssl();
        SSLContext s = InteropContexts.context(InteropContexts.serverTable(KPSA, "CAE01", KEY), UnaryOperator.identity());
        try (SSLServerSocket listener = (SSLServerSocket) s.getServerSocketFactory().createServerSocket(0, 1,
                InetAddress.getLoopbackAddress())) {
            CompletableFuture<byte[]> ours = CompletableFuture.supplyAsync(() -> {
                try (SSLSocket a = (SSLSocket) listener.accept()) {
                    a.startHandshake();
                    byte[] b = KeyExport.exportKeyingMaterial(a.getSession(), "EXPORTER-oneM2M-Bootstrap",
                            null, 48);
                    InputStream in = a.getInputStream();
                    while (in.read() >= 0) {
                        // until s_client closes
                    }
                    return b;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            try (PeerProcess cli = OpenSslProcess.start("s_client", openssl, List.of("s_client", "-4", "-connect",
                    "127.0.0.1:" + listener.getLocalPort(), "-tls1_2", "-cipher", "PSK-AES128-CBC-SHA256", "-psk", KEY,
                    "-psk_identity", KPSA, "-nocommands", "-noservername", "-keymatexport",
                    "EXPORTER-oneM2M-Bootstrap", "-keymatexportlen", "48"))) {
                Matcher m = cli.awaitStdout(KEYING_MATERIAL, WAIT);
                cli.closeStdin();
                byte[] theirs = HexFormat.of().parseHex(m.group(1).toLowerCase());
                assertArrayEquals(theirs, ours.get(20, TimeUnit.SECONDS), "RFC 5705 export of OpenSSL " + cli.describe());
            }
        }
    }
}
