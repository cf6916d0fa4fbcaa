package dev.saef.conformance;

import static dev.saef.conformance.ConformanceFixture.assertDone;
import static dev.saef.conformance.ConformanceFixture.engine;
import static dev.saef.conformance.ConformanceFixture.message;
import static dev.saef.conformance.ConformanceFixture.offerToSaefServer;
import static dev.saef.conformance.ConformanceFixture.saefClientHello;
import static dev.saef.conformance.ConformanceFixture.saefClientVs;
import static dev.saef.conformance.ConformanceFixture.saefPair;
import static dev.saef.conformance.ConformanceFixture.vsSaefServer;
import static dev.saef.conformance.Saef.AE_ID;
import static dev.saef.conformance.Saef.CSE_ID;
import static dev.saef.conformance.Saef.HOST;
import static dev.saef.conformance.Saef.KEY_HEX;
import static dev.saef.conformance.Saef.KPSA;
import static dev.saef.conformance.Saef.PORT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIMatcher;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import org.bouncycastle.tls.AlertDescription;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * RFC 6066 section 3, Server Name Indication (cited by TS-0003 clause 10.2.1): what the client sends, what
 * the server acknowledges and exposes, and SNI matchers (rows {@code SAEF-RFC6066-3-nn}).
 *
 * <p>Part of the executable conformance suite of {@code conformance/requirements.md}: one test per
 * requirement ID, named from it ({@code SAEF-10.2.2-02} -> {@code saef_10_2_2_02_...}) and carrying the ID
 * in its display name; {@code ConformanceReportListener} maps the results back to the catalogue. Every
 * handshake is real (SAEF engines and sockets through the public JSSE API, against SAEF or an independent
 * Bouncy Castle peer, {@link BcPeer}); shared set-up is in {@link ConformanceFixture}.
 */
@Timeout(120)
@TestMethodOrder(MethodOrderer.MethodName.class)
class Rfc6066SniTest {

    static List<String> sniOnWire(Link l) {
        byte[] ext = Wire.clientHello(l.c2s()).extensions.get(Wire.EXT_SERVER_NAME);
        return ext == null ? List.of() : Wire.sniHostNames(ext);
    }

    @Test
    @DisplayName("SAEF-RFC6066-3-01 the client sends the server's DNS host name as HostName")
    void saef_rfc6066_3_01_hostNameIsTheServersName() throws Exception {
        Link l = saefPair(AE_ID);
        assertDone(l);
        assertEquals(List.of(HOST), sniOnWire(l));
        assertEquals(List.of(new SNIHostName(HOST)),
                ((ExtendedSSLSession) engine(l.server).getSession()).getRequestedServerNames());
        BcPeer server = BcPeer.server(KPSA, KEY_HEX).build();
        assertDone(saefClientVs(server));
        assertEquals(List.of(HOST), server.sniReceived);
    }

    @Test
    @DisplayName("SAEF-RFC6066-3-02 HostName is ASCII without a trailing dot; names set as SNIHostName go out as A-labels")
    void saef_rfc6066_3_02_asciiNoTrailingDot() throws Exception {
        SSLContext client = Saef.context(Saef.clientLine(KPSA, CSE_ID, HOST + ":" + PORT, KEY_HEX));
        Link dot = Link.of(Saef.clientEngine(client, HOST + ".", PORT), Saef.serverEngine(AE_ID, KEY_HEX)).handshake();
        assertDone(dot);
        assertEquals(List.of(HOST), sniOnWire(dot));
        // an internationalised name chosen by the application is sent in its A-label form
        SSLEngine e = Saef.clientEngine(client, HOST, PORT);
        SSLParameters p = e.getSSLParameters();
        p.setServerNames(List.of(new SNIHostName("b\u00fccher.example")));
        e.setSSLParameters(p);
        Link idn = Link.of(e, Saef.serverEngine(AE_ID, KEY_HEX)).handshake();
        assertDone(idn);
        assertEquals(List.of("xn--bcher-kva.example"), sniOnWire(idn));
        for (String name : sniOnWire(idn)) {
            assertTrue(name.chars().allMatch(ch -> ch < 0x80) && !name.endsWith("."), name);
        }
    }

    @Test
    @DisplayName("SAEF-RFC6066-3-02 a Unicode host name is connected to and sent as its A-label")
    void saef_rfc6066_3_02_unicodeHostSentAsALabel() throws Exception {
        SSLContext client = Saef.context(Saef.clientLine(KPSA, CSE_ID, "xn--bcher-kva.example:443", KEY_HEX),
                c -> c.withJdkFallback(false));
        Link l = Link.of(Saef.clientEngine(client, "b\u00fccher.example", 443), Saef.serverEngine(AE_ID, KEY_HEX))
                .handshake();
        assertDone(l);
        assertEquals(List.of("xn--bcher-kva.example"), sniOnWire(l));
    }

    @Test
    @DisplayName("SAEF-RFC6066-3-03 no SNI for literal IPv4 and IPv6 addresses")
    void saef_rfc6066_3_03_noIpLiterals() throws Exception {
        for (String[] hp : new String[][] {{"192.0.2.1", "192.0.2.1:443"}, {"2001:db8::1", "[2001:db8::1]:443"},
                {"127.0.0.1", "127.0.0.1:443"}}) {
            SSLContext client = Saef.context(Saef.clientLine(KPSA, CSE_ID, hp[1], KEY_HEX));
            Link l = Link.of(Saef.clientEngine(client, hp[0], 443), Saef.serverEngine(AE_ID, KEY_HEX)).handshake();
            assertDone(l);
            assertNull(Wire.clientHello(l.c2s()).extensions.get(Wire.EXT_SERVER_NAME), hp[0]);
            assertEquals(List.of(), ((ExtendedSSLSession) engine(l.server).getSession()).getRequestedServerNames());
        }
    }

    @Test
    @DisplayName("SAEF-RFC6066-3-04 the ServerNameList holds at most one host_name")
    void saef_rfc6066_3_04_oneNamePerType() throws Exception {
        Link l = saefPair(AE_ID);
        assertDone(l);
        assertEquals(1, sniOnWire(l).size());
        // an application-chosen name replaces the derived one; it is not added to it
        SSLContext client = Saef.context(Saef.clientLine(KPSA, CSE_ID, HOST + ":" + PORT, KEY_HEX));
        SSLEngine e = Saef.clientEngine(client, HOST, PORT);
        SSLParameters p = e.getSSLParameters();
        p.setServerNames(List.of(new SNIHostName("virtual.example.net")));
        e.setSSLParameters(p);
        Link v = Link.of(e, Saef.serverEngine(AE_ID, KEY_HEX)).handshake();
        assertDone(v);
        assertEquals(List.of("virtual.example.net"), sniOnWire(v));
    }

    @Test
    @DisplayName("SAEF-RFC6066-3-05 the server acknowledges SNI with an empty server_name extension in ServerHello")
    void saef_rfc6066_3_05_serverAcknowledgesWithEmptyExtension() throws Exception {
        Link l = saefPair(AE_ID);
        assertDone(l);
        assertArrayEquals(new byte[0], Wire.serverHello(l.s2c()).extensions().get(Wire.EXT_SERVER_NAME));
        Link b = vsSaefServer(BcPeer.client(KPSA, KEY_HEX).sni(HOST).build());
        assertDone(b);
        assertArrayEquals(new byte[0], Wire.serverHello(b.s2c()).extensions().get(Wire.EXT_SERVER_NAME));
        // no SNI from the client: no acknowledgement
        Link none = vsSaefServer(BcPeer.client(KPSA, KEY_HEX).build());
        assertDone(none);
        assertFalse(Wire.serverHello(none.s2c()).extensions().containsKey(Wire.EXT_SERVER_NAME));
    }

    static SSLEngine serverWithSniMatcher() throws Exception {
        SSLEngine se = Saef.serverEngine(AE_ID, KEY_HEX);
        SSLParameters p = se.getSSLParameters();
        p.setSNIMatchers(List.<SNIMatcher>of(SNIHostName.createSNIMatcher("cse\\.example\\.net")));
        se.setSSLParameters(p);
        return se;
    }

    @Test
    @DisplayName("SAEF-RFC6066-3-06 an unrecognised server name ends the handshake with a fatal unrecognized_name, or is accepted")
    void saef_rfc6066_3_06_unrecognizedNameFatalOrContinue() throws Exception {
        BcPeer client = BcPeer.client(KPSA, KEY_HEX).sni("other.example.net").build();
        Link refused = Link.of(client, serverWithSniMatcher()).handshake();
        assertFalse(refused.server.handshakeDone());
        assertTrue(client.receivedFatal(AlertDescription.unrecognized_name), client.toString());
        assertTrue(refused.server.failure().getMessage().contains("other.example.net"),
                refused.server.failure().getMessage());
        // the SAEF client facing such a server reports it
        SSLContext ctx = Saef.context(Saef.clientLine(KPSA, CSE_ID, "other.example.net:443", KEY_HEX));
        Link saef = Link.of(Saef.clientEngine(ctx, "other.example.net", 443), serverWithSniMatcher()).handshake();
        assertFalse(saef.client.handshakeDone());
        assertTrue(saef.client.failure().getMessage().contains("unrecognized_name"), saef.client.failure().getMessage());
        // without a matcher, the server continues
        assertDone(vsSaefServer(BcPeer.client(KPSA, KEY_HEX).sni("other.example.net").build()));
    }

    @Test
    @DisplayName("SAEF-RFC6066-3-07 no warning-level unrecognized_name alert is sent")
    void saef_rfc6066_3_07_noWarningLevelUnrecognizedName() throws Exception {
        Link refused = Link.of(BcPeer.client(KPSA, KEY_HEX).sni("other.example.net").build(), serverWithSniMatcher())
                .handshake();
        List<Wire.Alert> alerts = Wire.alerts(refused.s2c());
        assertEquals(List.of(new Wire.Alert(2, AlertDescription.unrecognized_name)), alerts);
        Link accepted = vsSaefServer(BcPeer.client(KPSA, KEY_HEX).sni("unknown.example.net").build());
        assertDone(accepted);
        assertEquals(List.of(), Wire.alerts(accepted.s2c()));
    }

    @Test
    @DisplayName("SAEF-RFC6066-3-08 malformed server_name length fields are refused safely")
    void saef_rfc6066_3_08_malformedServerNameLengths() throws Exception {
        byte[] name = HOST.getBytes(StandardCharsets.US_ASCII);
        List<byte[]> variants = new ArrayList<>();
        variants.add(new byte[] {(byte) 0xFF, (byte) 0xFF, 0, 0, (byte) name.length}); // list length overruns
        variants.add(new byte[] {0, (byte) (name.length + 3), 0, (byte) 0xFF, (byte) 0xFF}); // name length overruns
        variants.add(new byte[] {0, 0}); // empty list
        variants.add(new byte[] {0, 3, 0, 0, 0}); // empty host name
        variants.add(new byte[] {0}); // truncated
        variants.add(new byte[] {0, 1, 0}); // entry without a length
        byte[] extra = new byte[70_000 % 65_000];
        variants.add(extra); // zeros
        for (byte[] v : variants) {
            Wire.ClientHello ch = saefClientHello();
            ch.extensions.put(Wire.EXT_SERVER_NAME, v);
            Object[] r = offerToSaefServer(ch.toRecord());
            Link.EngineEnd server = (Link.EngineEnd) r[0];
            assertFalse(server.handshakeDone());
            assertInstanceOf(SSLException.class, server.failure(), Saef.hex(v));
            for (Throwable t = server.failure(); t != null; t = t.getCause()) {
                assertFalse(t instanceof IndexOutOfBoundsException || t instanceof NegativeArraySizeException,
                        message(server.failure()));
            }
            List<Wire.Alert> alerts = Wire.alerts((byte[]) r[1]);
            assertEquals(1, alerts.size(), Saef.hex(v));
            assertTrue(alerts.get(0).fatal());
        }
    }
}
