package dev.saef.conformance;

import static dev.saef.conformance.ConformanceFixture.PSK_AES_128_CBC_SHA256;
import static dev.saef.conformance.ConformanceFixture.assertDone;
import static dev.saef.conformance.ConformanceFixture.engine;
import static dev.saef.conformance.ConformanceFixture.hasFatalAlert;
import static dev.saef.conformance.ConformanceFixture.key;
import static dev.saef.conformance.ConformanceFixture.saefClientHello;
import static dev.saef.conformance.ConformanceFixture.saefClientVs;
import static dev.saef.conformance.ConformanceFixture.saefPair;
import static dev.saef.conformance.ConformanceFixture.suiteCode;
import static dev.saef.conformance.ConformanceFixture.vsSaefServer;
import static dev.saef.conformance.Saef.AE_ID;
import static dev.saef.conformance.Saef.KEY_HEX;
import static dev.saef.conformance.Saef.KPSA;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saef.profile.CipherSuiteInfo;
import dev.saef.profile.SuiteProfile;
import java.util.List;
import java.util.function.UnaryOperator;
import javax.net.ssl.SSLContext;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.CipherSuite;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * TS-0003 clause 10.2.2, TLS and DTLS cipher suites for TLS-PSK-based frameworks: the RFC 4279 key
 * exchanges, the mandatory TLS suite and the enabled set (rows {@code SAEF-10.2.2-nn}).
 *
 * <p>Part of the executable conformance suite of {@code conformance/requirements.md}: one test per
 * requirement ID, named from it ({@code SAEF-10.2.2-02} -> {@code saef_10_2_2_02_...}) and carrying the ID
 * in its display name; {@code ConformanceReportListener} maps the results back to the catalogue. Every
 * handshake is real (SAEF engines and sockets through the public JSSE API, against SAEF or an independent
 * Bouncy Castle peer, {@link BcPeer}); shared set-up is in {@link ConformanceFixture}.
 */
@Timeout(120)
@TestMethodOrder(MethodOrderer.MethodName.class)
class Clause10_2_2SuitesTest {

    @Test
    @DisplayName("SAEF-10.2.2-01 only RFC 4279 key exchanges (PSK, DHE_PSK); ECDHE_PSK only when explicitly enabled")
    void saef_10_2_2_01_rfc4279KeyExchangesOnly() throws Exception {
        SSLContext ctx = Saef.context(Saef.serverLine(KPSA, AE_ID, KEY_HEX));
        for (String s : ctx.getSupportedSSLParameters().getCipherSuites()) {
            CipherSuiteInfo.KeyExchange kx = SuiteProfile.byName(s).orElseThrow().keyExchange();
            assertTrue(kx == CipherSuiteInfo.KeyExchange.PSK || kx == CipherSuiteInfo.KeyExchange.DHE_PSK, s);
        }
        // every suite a default SAEF client offers and every suite a default SAEF server selects is PSK or DHE_PSK
        for (int code : saefClientHello().suites) {
            if (code != 0x00FF) {
                CipherSuiteInfo.KeyExchange kx = SuiteProfile.byCode(code).orElseThrow().keyExchange();
                assertTrue(kx == CipherSuiteInfo.KeyExchange.PSK || kx == CipherSuiteInfo.KeyExchange.DHE_PSK);
            }
        }
        // a client offering only ECDHE_PSK (RFC 5489, outside RFC 4279) is refused by default ...
        Link ecdhe = vsSaefServer(BcPeer.client(KPSA, KEY_HEX)
                .suites(CipherSuite.TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256).build());
        assertFalse(ecdhe.server.handshakeDone());
        assertTrue(hasFatalAlert(ecdhe.s2c(), AlertDescription.handshake_failure));
        // ... and accepted only when ECDHE_PSK is explicitly enabled
        Link enabled = vsSaefServer(BcPeer.client(KPSA, KEY_HEX)
                .suites(CipherSuite.TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256).build(), c -> c.withEcdhePskEnabled(true));
        assertDone(enabled);
    }

    @Test
    @DisplayName("SAEF-10.2.2-02 TLS_PSK_WITH_AES_128_CBC_SHA256 (RFC 5487) is implemented, both roles")
    void saef_10_2_2_02_tlsMandatorySuite() throws Exception {
        String mandatory = SuiteProfile.TLS_MANDATORY;
        SSLContext ctx = Saef.context(Saef.serverLine(KPSA, AE_ID, KEY_HEX));
        assertTrue(List.of(ctx.getDefaultSSLParameters().getCipherSuites()).contains(mandatory), "enabled by default");
        // SAEF <-> SAEF, only the mandatory suite on both sides
        Link l = saefPair(AE_ID, c -> c.withCipherSuites(mandatory), c -> c.withCipherSuites(mandatory));
        assertDone(l);
        assertEquals(PSK_AES_128_CBC_SHA256, Wire.serverHello(l.s2c()).suite());
        assertEquals(mandatory, engine(l.client).getSession().getCipherSuite());
        assertEquals(mandatory, engine(l.server).getSession().getCipherSuite());
        byte[] data = new byte[40_000];
        new java.util.Random(1).nextBytes(data);
        assertArrayEquals(data, l.clientSends(data));
        assertArrayEquals(data, l.serverSends(data));
        // against independent peers in both roles
        Link c = saefClientVs(BcPeer.server(KPSA, KEY_HEX).suites(PSK_AES_128_CBC_SHA256).build());
        assertDone(c);
        assertArrayEquals(data, c.clientSends(data));
        Link s = vsSaefServer(BcPeer.client(KPSA, KEY_HEX).suites(PSK_AES_128_CBC_SHA256).build());
        assertDone(s);
        assertArrayEquals(data, s.serverSends(data));
    }

    @Test
    @DisplayName("SAEF-10.2.2-04 forward-secret (DHE_PSK) suites are available and selectable in both roles")
    void saef_10_2_2_04_pfsSelectable() throws Exception {
        String pfs = "TLS_DHE_PSK_WITH_AES_128_GCM_SHA256";
        // the application chooses PFS first: the client's order is honoured by the SAEF server
        Link l = saefPair(AE_ID, c -> c.withCipherSuites(pfs + "," + SuiteProfile.TLS_MANDATORY),
                UnaryOperator.identity());
        assertDone(l);
        assertEquals(pfs, engine(l.server).getSession().getCipherSuite());
        // DHE parameters of at least 2048 bits (RFC 7919 groups)
        byte[] ske = Wire.message(l.s2c(), Wire.SERVER_KEY_EXCHANGE).orElseThrow().body();
        int hintLen = Wire.u16(ske, 0);
        int pLen = Wire.u16(ske, 2 + hintLen);
        assertTrue(pLen * 8 >= 2048, "DH prime of " + pLen * 8 + " bits");
        // both roles against independent peers
        assertDone(saefClientVs(BcPeer.server(KPSA, KEY_HEX).suites(suiteCode(pfs)).build(), KEY_HEX,
                c -> c.withCipherSuites(pfs)));
        Link s = vsSaefServer(BcPeer.client(KPSA, KEY_HEX).suites(suiteCode(pfs)).build());
        assertDone(s);
        assertEquals(pfs, engine(s.server).getSession().getCipherSuite());
    }
}
