package dev.saef.jsse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saef.config.SaefConfiguration;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import org.junit.jupiter.api.Test;

/**
 * What the SAEF client's ClientHello carries (issue 7 item 10): only extensions that do something in
 * a PSK-SAEF handshake. No certificate is ever exchanged, so {@code status_request} (RFC 6066 8) and
 * {@code signature_algorithms} (RFC 5246 7.4.1.4.1) are dead weight; {@code supported_groups} and
 * {@code ec_point_formats} matter only for the key exchanges that use them: FFDHE groups for DHE_PSK
 * (RFC 7919 section 3), EC groups and point formats for ECDHE_PSK (RFC 4492 section 5.1, RFC 8422).
 * SNI (clause 10.2.1), extended master secret (RFC 7627), encrypt-then-MAC (RFC 7366) and ALPN stay.
 * The ClientHello bytes come from a real SAEF client engine.
 */
class ClientHelloExtensionsTest {
    private static final String KPSA = "ae42@sp.example.com";

    static final int SERVER_NAME = 0;
    static final int STATUS_REQUEST = 5;
    static final int SUPPORTED_GROUPS = 10;
    static final int EC_POINT_FORMATS = 11;
    static final int SIGNATURE_ALGORITHMS = 13;
    static final int ALPN = 16;
    static final int ENCRYPT_THEN_MAC = 22;
    static final int EXTENDED_MASTER_SECRET = 23;

    /** The client's first flight (one record holding the ClientHello). */
    static byte[] clientHello(UnaryOperator<SaefConfiguration> tweak, String[] suites, String[] alpn) throws Exception {
        SSLContext ctx = Peers.context(Peers.clientTable(KPSA, "cse.example.net:8443", Peers.KEY_HEX), tweak);
        SSLEngine e = ctx.createSSLEngine("cse.example.net", 8443);
        e.setUseClientMode(true);
        if (suites != null) {
            e.setEnabledCipherSuites(suites);
        }
        if (alpn != null) {
            SSLParameters p = e.getSSLParameters();
            p.setApplicationProtocols(alpn);
            e.setSSLParameters(p);
        }
        ByteBuffer out = ByteBuffer.allocate(e.getSession().getPacketBufferSize());
        e.wrap(ByteBuffer.allocate(0), out);
        byte[] b = new byte[out.position()];
        out.flip().get(b);
        return b;
    }

    /** @return extension type to extension data, in ClientHello order */
    static Map<Integer, byte[]> extensions(byte[] record) {
        ByteBuffer b = ByteBuffer.wrap(record);
        b.position(5 + 4 + 2 + 32);
        b.position(b.position() + 1 + (b.get(b.position()) & 0xFF));
        b.position(b.position() + 2 + (b.getShort(b.position()) & 0xFFFF));
        b.position(b.position() + 1 + (b.get(b.position()) & 0xFF));
        Map<Integer, byte[]> ext = new LinkedHashMap<>();
        int end = b.position() + 2 + (b.getShort() & 0xFFFF);
        while (b.position() < end) {
            int type = b.getShort() & 0xFFFF;
            byte[] data = new byte[b.getShort() & 0xFFFF];
            b.get(data);
            ext.put(type, data);
        }
        assertEquals(record.length, b.position(), "extensions end the ClientHello");
        return ext;
    }

    /** @return the named groups listed in a supported_groups extension */
    static List<Integer> groups(byte[] data) {
        ByteBuffer b = ByteBuffer.wrap(data);
        int n = (b.getShort() & 0xFFFF) / 2;
        List<Integer> g = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            g.add(b.getShort() & 0xFFFF);
        }
        return g;
    }

    @Test
    void theDefaultHelloCarriesOnlyWhatAPskHandshakeUses() throws Exception {
        byte[] hello = clientHello(UnaryOperator.identity(), null, null);
        Map<Integer, byte[]> ext = extensions(hello);
        System.out.println("default ClientHello: " + hello.length + " octets on the wire, extensions " + ext.keySet());
        assertTrue(ext.containsKey(SERVER_NAME), "SNI (clause 10.2.1)");
        assertTrue(ext.containsKey(EXTENDED_MASTER_SECRET), "RFC 7627");
        assertTrue(ext.containsKey(ENCRYPT_THEN_MAC), "RFC 7366 (CBC suites are offered)");
        // DHE_PSK suites are enabled by default: the FFDHE groups (RFC 7919), and no EC group
        assertTrue(ext.containsKey(SUPPORTED_GROUPS), ext.keySet().toString());
        assertTrue(groups(ext.get(SUPPORTED_GROUPS)).stream().allMatch(g -> g >= 0x0100 && g <= 0x01FF),
                "FFDHE groups only: " + groups(ext.get(SUPPORTED_GROUPS)));
        assertEquals(List.of(SERVER_NAME, ENCRYPT_THEN_MAC, SUPPORTED_GROUPS, EXTENDED_MASTER_SECRET).stream().sorted()
                .toList(), ext.keySet().stream().filter(t -> t != 0xFF01).sorted().toList(),
                "no status_request, signature_algorithms, ec_point_formats");
    }

    @Test
    void plainPskSuitesOnlyNeedNoGroups() throws Exception {
        byte[] hello = clientHello(UnaryOperator.identity(),
                new String[] {"TLS_PSK_WITH_AES_128_CBC_SHA256", "TLS_PSK_WITH_AES_128_CCM_8"}, null);
        Map<Integer, byte[]> ext = extensions(hello);
        System.out.println("plain-PSK ClientHello: " + hello.length + " octets on the wire, extensions " + ext.keySet());
        assertEquals(List.of(SERVER_NAME, ENCRYPT_THEN_MAC, EXTENDED_MASTER_SECRET),
                ext.keySet().stream().filter(t -> t != 0xFF01).sorted().toList());
    }

    @Test
    void alpnStaysWithAnAeadSuite() throws Exception {
        byte[] hello = clientHello(UnaryOperator.identity(), new String[] {"TLS_PSK_WITH_AES_128_CCM_8"},
                new String[] {"mqtt"});
        Map<Integer, byte[]> ext = extensions(hello);
        assertTrue(ext.containsKey(ALPN), ext.keySet().toString());
        assertTrue(ext.containsKey(SERVER_NAME) && ext.containsKey(EXTENDED_MASTER_SECRET), ext.keySet().toString());
        assertTrue(!ext.containsKey(SIGNATURE_ALGORITHMS) && !ext.containsKey(STATUS_REQUEST), ext.keySet().toString());
    }

    @Test
    void ecdhePskAddsEcGroupsAndPointFormats() throws Exception {
        byte[] hello = clientHello(c -> c.withEcdhePskEnabled(true),
                new String[] {"TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256", "TLS_PSK_WITH_AES_128_CBC_SHA256"}, null);
        Map<Integer, byte[]> ext = extensions(hello);
        System.out.println("ECDHE_PSK ClientHello: " + hello.length + " octets on the wire, extensions " + ext.keySet());
        assertTrue(ext.containsKey(SUPPORTED_GROUPS) && ext.containsKey(EC_POINT_FORMATS), ext.keySet().toString());
        assertTrue(groups(ext.get(SUPPORTED_GROUPS)).stream().allMatch(g -> g < 0x0100),
                "EC groups only, no FFDHE without DHE_PSK: " + groups(ext.get(SUPPORTED_GROUPS)));
        assertTrue(!ext.containsKey(SIGNATURE_ALGORITHMS) && !ext.containsKey(STATUS_REQUEST), ext.keySet().toString());
    }

    @Test
    void sniNamesTheHost() throws Exception {
        byte[] hello = clientHello(UnaryOperator.identity(), null, null);
        byte[] sni = extensions(hello).get(SERVER_NAME);
        assertTrue(new String(sni, java.nio.charset.StandardCharsets.US_ASCII).endsWith("cse.example.net"),
                "SNI carries the host connected to");
    }
}
