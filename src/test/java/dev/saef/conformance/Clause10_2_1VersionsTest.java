package dev.saef.conformance;

import static dev.saef.conformance.ConformanceFixture.PSK_AES_128_CBC_SHA256;
import static dev.saef.conformance.ConformanceFixture.PSK_AES_128_CCM_8;
import static dev.saef.conformance.ConformanceFixture.Sockets;
import static dev.saef.conformance.ConformanceFixture.assertDone;
import static dev.saef.conformance.ConformanceFixture.engine;
import static dev.saef.conformance.ConformanceFixture.hasFatalAlert;
import static dev.saef.conformance.ConformanceFixture.overSockets;
import static dev.saef.conformance.ConformanceFixture.saefClientVs;
import static dev.saef.conformance.ConformanceFixture.saefPair;
import static dev.saef.conformance.ConformanceFixture.vsSaefServer;
import static dev.saef.conformance.Saef.AE_ID;
import static dev.saef.conformance.Saef.CSE_ID;
import static dev.saef.conformance.Saef.HOST;
import static dev.saef.conformance.Saef.KEY_HEX;
import static dev.saef.conformance.Saef.KPSA;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saef.profile.SuiteProfile;
import java.util.List;
import java.util.function.UnaryOperator;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIMatcher;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.CipherSuite;
import org.bouncycastle.tls.ProtocolVersion;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * TS-0003 clause 10.2.1, TLS and DTLS versions: TLS 1.2 only over TCP, older and newer versions refused in
 * both roles (rows {@code SAEF-10.2.1-nn}; the DTLS rows are not implemented yet).
 *
 * <p>Part of the executable conformance suite of {@code conformance/requirements.md}: one test per
 * requirement ID, named from it ({@code SAEF-10.2.2-02} -> {@code saef_10_2_2_02_...}) and carrying the ID
 * in its display name; {@code ConformanceReportListener} maps the results back to the catalogue. Every
 * handshake is real (SAEF engines and sockets through the public JSSE API, against SAEF or an independent
 * Bouncy Castle peer, {@link BcPeer}); shared set-up is in {@link ConformanceFixture}.
 */
@Timeout(120)
@TestMethodOrder(MethodOrderer.MethodName.class)
class Clause10_2_1VersionsTest {

    /** A fake server that answers any ClientHello with a fixed ServerHello (version, suite) and ServerHelloDone. */
    static final class ScriptedServer implements Link.End {
        private final int version;
        private final int suite;
        private boolean answered;
        private byte[] pending = new byte[0];

        ScriptedServer(int version, int suite) {
            this.version = version;
            this.suite = suite;
        }

        @Override
        public void begin() {
        }

        @Override
        public byte[] produce() {
            byte[] p = pending;
            pending = new byte[0];
            return p;
        }

        @Override
        public void consume(byte[] data) {
            if (answered) {
                return;
            }
            answered = true;
            java.io.ByteArrayOutputStream hello = new java.io.ByteArrayOutputStream();
            Wire.put16(hello, version);
            hello.writeBytes(new byte[32]);
            hello.write(0); // no session id
            Wire.put16(hello, suite);
            hello.write(0); // no compression
            java.io.ByteArrayOutputStream flight = new java.io.ByteArrayOutputStream();
            flight.writeBytes(Wire.handshake(Wire.SERVER_HELLO, hello.toByteArray()));
            flight.writeBytes(Wire.handshake(Wire.SERVER_HELLO_DONE, new byte[0]));
            pending = Wire.record(Wire.HANDSHAKE, version, flight.toByteArray());
        }

        @Override
        public boolean handshakeDone() {
            return false;
        }

        @Override
        public Throwable failure() {
            return null;
        }

        @Override
        public void send(byte[] data) {
        }

        @Override
        public byte[] takeReceived() {
            return new byte[0];
        }
    }

    @Test
    @DisplayName("SAEF-10.2.1-01 TLS 1.2 over TCP; other versions are refused in both roles")
    void saef_10_2_1_01_tls12ForTcp() throws Exception {
        Link l = saefPair(AE_ID);
        assertDone(l);
        assertEquals(0x0303, Wire.serverHello(l.s2c()).version());
        assertEquals(0x0303, Wire.clientHello(l.c2s()).version);
        assertEquals("TLSv1.2", engine(l.client).getSession().getProtocol());
        assertEquals("TLSv1.2", engine(l.server).getSession().getProtocol());
        assertEquals(List.of("TLSv1.2"), List.of(engine(l.client).getSupportedProtocols()));
        assertThrows(IllegalArgumentException.class,
                () -> Saef.clientEngine(KEY_HEX).setEnabledProtocols(new String[] {"TLSv1.3"}));
        assertThrows(IllegalArgumentException.class,
                () -> Saef.clientEngine(KEY_HEX).setEnabledProtocols(new String[] {"TLSv1.1"}));
        // an independent TLS 1.1 client is refused with protocol_version
        Link old = vsSaefServer(BcPeer.client(KPSA, KEY_HEX).versions(ProtocolVersion.TLSv11)
                .suites(CipherSuite.TLS_PSK_WITH_AES_128_CBC_SHA).build());
        assertFalse(old.server.handshakeDone());
        assertTrue(hasFatalAlert(old.s2c(), AlertDescription.protocol_version), Wire.alerts(old.s2c()).toString());
        assertTrue(old.server.failure().getMessage().contains("TLS 1.2"), old.server.failure().getMessage());
        // the SAEF client refuses a server that answers with TLS 1.1 (or TLS 1.0)
        for (int version : new int[] {0x0302, 0x0301}) {
            Link oldServer = Link.of(Saef.clientEngine(KEY_HEX), new ScriptedServer(version, PSK_AES_128_CBC_SHA256))
                    .handshake();
            assertFalse(oldServer.client.handshakeDone());
            assertTrue(hasFatalAlert(oldServer.c2s(), AlertDescription.protocol_version),
                    Wire.alerts(oldServer.c2s()).toString());
        }
    }

    @Test
    @DisplayName("SAEF-10.2.1-04 SNI is supported: the client indicates the authority, the server receives it")
    void saef_10_2_1_04_sniSupported() throws Exception {
        BcPeer server = BcPeer.server(KPSA, KEY_HEX).build();
        assertDone(saefClientVs(server));
        assertEquals(List.of(HOST), server.sniReceived);
        // server role: received, exposed, and usable to select (SNIMatcher)
        Link l = vsSaefServer(BcPeer.client(KPSA, KEY_HEX).sni(HOST).build());
        assertDone(l);
        assertEquals(List.of(new SNIHostName(HOST)),
                ((ExtendedSSLSession) engine(l.server).getSession()).getRequestedServerNames());
        for (String asked : List.of(HOST, "other.example.net")) {
            SSLEngine se = Saef.serverEngine(AE_ID, KEY_HEX);
            SSLParameters p = se.getSSLParameters();
            p.setSNIMatchers(List.<SNIMatcher>of(SNIHostName.createSNIMatcher("cse\\.example\\.net")));
            se.setSSLParameters(p);
            Link m = Link.of(BcPeer.client(KPSA, KEY_HEX).sni(asked).build(), se).handshake();
            assertEquals(asked.equals(HOST), m.server.handshakeDone(), asked);
        }
        // over sockets to a host name
        Sockets s = overSockets(Saef.serverLine(KPSA, AE_ID, KEY_HEX), UnaryOperator.identity(), KPSA, CSE_ID,
                "localhost", UnaryOperator.identity());
        assertEquals(List.of(new SNIHostName("localhost")), ((ExtendedSSLSession) s.server()).getRequestedServerNames());
    }

    @Test
    @DisplayName("SAEF-10.2.1-06 an IN server supports every TLS suite listed in clause 10.2.2")
    void saef_10_2_1_06_inServerSupportsAllClause1022Suites() throws Exception {
        SSLContext server = Saef.context(Saef.serverLine(KPSA, AE_ID, KEY_HEX));
        List<String> defaults = List.of(server.getDefaultSSLParameters().getCipherSuites());
        for (int code : new int[] {PSK_AES_128_CBC_SHA256, PSK_AES_128_CCM_8}) {
            assertTrue(defaults.contains(SuiteProfile.byCode(code).orElseThrow().name()));
            BcPeer client = BcPeer.client(KPSA, KEY_HEX).suites(code).build();
            Link l = vsSaefServer(client, server);
            assertDone(l);
            assertEquals(code, Wire.serverHello(l.s2c()).suite());
            assertArrayEquals("x".getBytes(), l.clientSends("x".getBytes()));
        }
    }
}
