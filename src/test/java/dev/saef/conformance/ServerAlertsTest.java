package dev.saef.conformance;

import static dev.saef.conformance.Saef.AE_ID;
import static dev.saef.conformance.Saef.CSE_ID;
import static dev.saef.conformance.Saef.HOST;
import static dev.saef.conformance.Saef.KEY_HEX;
import static dev.saef.conformance.Saef.KPSA;
import static dev.saef.conformance.Saef.OTHER_KEY_HEX;
import static dev.saef.conformance.Saef.PORT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saef.profile.CipherSuiteInfo;
import dev.saef.profile.SuiteProfile;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLHandshakeException;
import org.bouncycastle.tls.AlertDescription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What a SAEF server sends on the wire when a client's identity or ClientKeyExchange is not
 * acceptable, between real engines:
 * <ul>
 *   <li>an unknown KpsaID is answered exactly like a wrong Kpsa by default
 *       ({@code saef.unknownIdentity=hide}, RFC 4279 section 5): the same messages and the same alert
 *       record, byte for byte, for every PSK and DHE_PSK suite; with {@code reveal} it gets
 *       {@code unknown_psk_identity};</li>
 *   <li>a malformed ClientKeyExchange gets {@code decode_error}, an identity that cannot be a KpsaID
 *       by its length {@code illegal_parameter} (RFC 5246 section 7.2.2), never {@code internal_error}.</li>
 * </ul>
 */
class ServerAlertsTest {

    static final String STRANGER = "stranger@evil.example.org";
    static final String PSK = SuiteProfile.TLS_MANDATORY;
    static final String DHE_PSK = "TLS_DHE_PSK_WITH_AES_128_GCM_SHA256";

    static Stream<String> pskAndDhePskSuites() {
        return SuiteProfile.all().stream()
                .filter(s -> s.keyExchange() != CipherSuiteInfo.KeyExchange.ECDHE_PSK)
                .map(CipherSuiteInfo::name);
    }

    static SSLContext server(boolean hide) throws Exception {
        return Saef.context(Saef.serverLine(KPSA, AE_ID, KEY_HEX), c -> c.withHideUnknownIdentities(hide));
    }

    static SSLEngine client(String kpsaId, String keyHex, String suite) throws Exception {
        SSLContext ctx = Saef.context(Saef.clientLine(kpsaId, CSE_ID, HOST + ":" + PORT, keyHex),
                c -> c.withCipherSuites(suite));
        return Saef.clientEngine(ctx, HOST, PORT);
    }

    static Link handshake(SSLContext server, String kpsaId, String keyHex, String suite) throws Exception {
        return Link.of(client(kpsaId, keyHex, suite), Saef.serverEngine(server)).handshake();
    }

    /** The alert records of one direction, as sent (header and fragment). */
    static List<byte[]> alertRecords(byte[] stream) {
        List<byte[]> out = new ArrayList<>();
        for (Wire.Record r : Wire.records(stream)) {
            if (r.type() == Wire.ALERT) {
                out.add(Wire.record(r.type(), r.version(), r.fragment()));
            }
        }
        return out;
    }

    /** Record types and lengths of one direction: the shape an observer sees. */
    static List<String> shape(byte[] stream) {
        return Wire.records(stream).stream().map(r -> r.type() + ":" + r.fragment().length).toList();
    }

    // ------------------------------------------------------------------ unknown identities (item 5)

    @ParameterizedTest
    @MethodSource("pskAndDhePskSuites")
    void hiddenUnknownIdentityLooksExactlyLikeAWrongKey(String suite) throws Exception {
        SSLContext server = server(true);
        Link wrongKey = handshake(server, KPSA, OTHER_KEY_HEX, suite);
        Link unknown = handshake(server, STRANGER, KEY_HEX, suite);
        for (Link l : List.of(wrongKey, unknown)) {
            assertFalse(l.client.handshakeDone() || l.server.handshakeDone(), suite);
            assertInstanceOf(SSLHandshakeException.class, l.server.failure());
            assertInstanceOf(SSLHandshakeException.class, l.client.failure());
        }
        // on the wire: the same flights and one alert record, identical byte for byte
        assertEquals(shape(wrongKey.s2c()), shape(unknown.s2c()), suite);
        assertEquals(Wire.messageTypes(wrongKey.s2c()), Wire.messageTypes(unknown.s2c()));
        List<byte[]> a = alertRecords(wrongKey.s2c());
        List<byte[]> b = alertRecords(unknown.s2c());
        assertEquals(1, a.size());
        assertEquals(1, b.size());
        assertArrayEquals(a.get(0), b.get(0), suite);
        assertEquals(List.of(new Wire.Alert(2, AlertDescription.bad_record_mac)), Wire.alerts(unknown.s2c()));
        // the client learns nothing more from its own exception (only its own KpsaID differs)
        assertEquals(wrongKey.client.failure().getMessage().replace(KPSA, "<id>"),
                unknown.client.failure().getMessage().replace(STRANGER, "<id>"));
        // the server's own message names the unknown KpsaID
        assertEquals("the client offered KpsaID '" + STRANGER + "', which is not provisioned in association table"
                + " conformance-table; answered as for a wrong Kpsa (alert bad_record_mac) so that clients cannot tell"
                + " unknown KpsaIDs from known ones (saef.unknownIdentity=hide, RFC 4279 section 5)",
                unknown.server.failure().getMessage());
        assertEquals("the client's Finished message failed verification (alert bad_record_mac): the client used a"
                + " different Kpsa for KpsaID " + KPSA, wrongKey.server.failure().getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {PSK, DHE_PSK})
    void revealedUnknownIdentityGetsUnknownPskIdentity(String suite) throws Exception {
        SSLContext server = server(false);
        Link unknown = handshake(server, STRANGER, KEY_HEX, suite);
        assertEquals(List.of(new Wire.Alert(2, AlertDescription.unknown_psk_identity)), Wire.alerts(unknown.s2c()));
        assertEquals("the client offered KpsaID '" + STRANGER + "', which is not provisioned in association table"
                + " conformance-table; sent alert unknown_psk_identity", unknown.server.failure().getMessage());
        assertEquals("the server does not know KpsaID " + STRANGER + " (alert unknown_psk_identity): provision the"
                + " same KpsaID and Kpsa on both sides (TS-0003 clause 8.2.2.1)", unknown.client.failure().getMessage());
        // a wrong key is unchanged by the setting
        Link wrongKey = handshake(server, KPSA, OTHER_KEY_HEX, suite);
        assertEquals(List.of(new Wire.Alert(2, AlertDescription.bad_record_mac)), Wire.alerts(wrongKey.s2c()));
        // and a good key still works in both modes
        assertTrue(handshake(server, KPSA, KEY_HEX, suite).bothDone());
        assertTrue(handshake(server(true), KPSA, KEY_HEX, suite).bothDone());
    }

    // ------------------------------------------------------------------ malformed ClientKeyExchange (item 6)

    /** What the server answered to a crafted ClientKeyExchange, and its exception. */
    record Answer(byte[] s2c, Throwable failure) {
        List<Wire.Alert> alerts() {
            return Wire.alerts(s2c);
        }
    }

    /**
     * A real handshake up to the server's first flight; then, instead of the client's real second
     * flight, the given ClientKeyExchange body, split into records of at most 2^14 octets.
     */
    static Answer craftedClientKeyExchange(String suite, byte[] body) throws Exception {
        Link l = Link.of(client(KPSA, KEY_HEX, suite), Saef.serverEngine(server(true)));
        l.client.begin();
        l.server.begin();
        l.server.consume(l.client.produce()); // ClientHello
        l.client.consume(l.server.produce()); // ServerHello .. ServerHelloDone
        l.client.produce(); // the client's real ClientKeyExchange, ChangeCipherSpec, Finished: dropped
        byte[] message = Wire.handshake(Wire.CLIENT_KEY_EXCHANGE, body);
        ByteArrayOutputStream records = new ByteArrayOutputStream();
        for (int p = 0; p < message.length; p += 16384) {
            records.writeBytes(Wire.record(Wire.HANDSHAKE, 0x0303,
                    Arrays.copyOfRange(message, p, Math.min(message.length, p + 16384))));
        }
        l.server.consume(records.toByteArray());
        byte[] answer = l.server.produce();
        assertFalse(l.server.handshakeDone());
        assertNotNull(l.server.failure(), "the server must refuse");
        return new Answer(answer, l.server.failure());
    }

    static byte[] bytes(int... b) {
        byte[] out = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = (byte) b[i];
        }
        return out;
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return b.toByteArray();
    }

    static byte[] opaque16(byte[] v) {
        return concat(bytes(v.length >>> 8, v.length & 0xFF), v);
    }

    static byte[] identityOf(int octets) {
        byte[] id = new byte[octets];
        Arrays.fill(id, (byte) 'a');
        return id;
    }

    /** A syntactically valid dh_Yc (the value itself is never reached). */
    static final byte[] DH_YC = opaque16(concat(bytes(2), new byte[255]));

    static void assertAlert(Answer a, int alert, String detail) {
        assertEquals(List.of(new Wire.Alert(2, alert)), a.alerts(), () -> "server said: " + a.failure());
        assertInstanceOf(SSLHandshakeException.class, a.failure());
        assertEquals("PSK-SAEF handshake failed: sent alert " + AlertDescription.getName((short) alert) + ": " + detail,
                a.failure().getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {PSK, DHE_PSK})
    void emptyClientKeyExchangeIsADecodeError(String suite) throws Exception {
        assertAlert(craftedClientKeyExchange(suite, new byte[0]), AlertDescription.decode_error,
                "the client's ClientKeyExchange has 0 octets, too few for the psk_identity length (RFC 4279 section 2)");
        assertAlert(craftedClientKeyExchange(suite, bytes(0)), AlertDescription.decode_error,
                "the client's ClientKeyExchange has 1 octet, too few for the psk_identity length (RFC 4279 section 2)");
    }

    @ParameterizedTest
    @ValueSource(strings = {PSK, DHE_PSK})
    void identityLengthOverrunningTheBodyIsADecodeError(String suite) throws Exception {
        byte[] body = concat(bytes(0, 64), KPSA.getBytes(StandardCharsets.US_ASCII));
        assertAlert(craftedClientKeyExchange(suite, body), AlertDescription.decode_error,
                "the psk_identity length in the client's ClientKeyExchange (64 octets) overruns the message ("
                        + KPSA.length() + " octets follow it)");
    }

    @ParameterizedTest
    @ValueSource(strings = {PSK, DHE_PSK})
    void maximalIdentityIsAnIllegalParameter(String suite) throws Exception {
        byte[] body = concat(opaque16(identityOf(65535)), suite.equals(DHE_PSK) ? DH_YC : new byte[0]);
        assertAlert(craftedClientKeyExchange(suite, body), AlertDescription.illegal_parameter,
                "the client's ClientKeyExchange has " + body.length + " octets, more than the 32768 this server accepts:"
                        + " its psk_identity cannot be a KpsaID (at most 128 octets, RFC 4279 section 5.3)");
    }

    @ParameterizedTest
    @ValueSource(strings = {PSK, DHE_PSK})
    void identityOfAnImpossibleLengthIsAnIllegalParameter(String suite) throws Exception {
        byte[] tail = suite.equals(DHE_PSK) ? DH_YC : new byte[0];
        for (int n : new int[] {0, 129, 2000, 32000}) {
            assertAlert(craftedClientKeyExchange(suite, concat(opaque16(identityOf(n)), tail)),
                    AlertDescription.illegal_parameter, "the client's psk_identity has " + n
                            + " octets; a KpsaID has 1 to 128 (RFC 4279 section 5.3, TS-0003 clause 10.5)");
        }
    }

    @Test
    void trailingOctetsAreADecodeError() throws Exception {
        byte[] id = opaque16(KPSA.getBytes(StandardCharsets.US_ASCII));
        assertAlert(craftedClientKeyExchange(PSK, concat(id, bytes(1, 2, 3))), AlertDescription.decode_error,
                "3 octets follow the last field of the client's ClientKeyExchange");
        assertAlert(craftedClientKeyExchange(DHE_PSK, concat(id, DH_YC, bytes(9))), AlertDescription.decode_error,
                "1 octet follows the last field of the client's ClientKeyExchange");
    }

    @Test
    void missingOrOverrunningDhPublicValueIsADecodeError() throws Exception {
        byte[] id = opaque16(KPSA.getBytes(StandardCharsets.US_ASCII));
        assertAlert(craftedClientKeyExchange(DHE_PSK, id), AlertDescription.decode_error,
                "the client's ClientKeyExchange ends before its dh_Yc (RFC 4279 section 3)");
        assertAlert(craftedClientKeyExchange(DHE_PSK, concat(id, bytes(1, 0), new byte[10])),
                AlertDescription.decode_error, "the dh_Yc length in the client's ClientKeyExchange (256 octets) overruns"
                        + " the message (10 octets follow it)");
        assertAlert(craftedClientKeyExchange(DHE_PSK, concat(id, bytes(0, 0))), AlertDescription.decode_error,
                "the client's dh_Yc is empty (RFC 4279 section 3)");
    }
}
