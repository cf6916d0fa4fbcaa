package dev.saef.jsse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Malformed input from the peer gets the alert RFC 5246 section 7.2.2 names for it, never
 * {@code internal_error} (which is for the sender's own faults), and the error message names the alert
 * that really went out. Each case was a fuzzing finding (Jazzer, issue 7) where Bouncy Castle answered
 * {@code internal_error}; the fuzz inputs replay in {@code HandshakeFuzzTest}/{@code RecordLayerFuzzTest},
 * these tests pin the exact alert. Real engines; the malformed bytes are written by hand.
 */
@Timeout(60)
class PeerFaultAlertsTest {

    static final String KPSA = "CAE01@in.provider.com";
    static final byte DECODE_ERROR = 50;
    static final byte ILLEGAL_PARAMETER = 47;
    static final byte HANDSHAKE_FAILURE = 40;

    static SSLEngine clientEngine() throws Exception {
        SSLContext ctx = Peers.context(Peers.clientTable(KPSA, "127.0.0.1:5684", Peers.KEY_HEX));
        SSLEngine e = ctx.createSSLEngine("127.0.0.1", 5684);
        e.setUseClientMode(true);
        return e;
    }

    static SSLEngine serverEngine(boolean ecdhe) throws Exception {
        SSLContext ctx = Peers.context(Peers.serverTable(KPSA, "CAE01", Peers.KEY_HEX),
                c -> c.withEcdhePskEnabled(ecdhe));
        SSLEngine e = ctx.createSSLEngine();
        e.setUseClientMode(false);
        return e;
    }

    /** Wraps until the engine has nothing more to send; returns the bytes. */
    static byte[] drain(SSLEngine e) throws SSLException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer net = ByteBuffer.allocate(e.getSession().getPacketBufferSize());
        for (int i = 0; i < 10; i++) {
            net.clear();
            e.wrap(ByteBuffer.allocate(0), net);
            if (net.position() == 0) {
                break;
            }
            out.write(net.array(), 0, net.position());
        }
        return out.toByteArray();
    }

    static SSLException unwrapFails(SSLEngine e, byte[] record) {
        ByteBuffer app = ByteBuffer.allocate(e.getSession().getApplicationBufferSize());
        return assertThrows(SSLException.class, () -> {
            ByteBuffer in = ByteBuffer.wrap(record);
            for (int i = 0; i < 5 && in.hasRemaining(); i++) {
                e.unwrap(in, app);
            }
        });
    }

    /**
     * The plaintext fatal alert record a side sends before keys are in use: record version {3, 1}
     * from a client that has not seen the ServerHello yet (as its ClientHello record), else {3, 3}.
     */
    static byte[] plainAlert(int recordMinor, byte description) {
        return new byte[] {0x15, 0x03, (byte) recordMinor, 0x00, 0x02, 0x02, description};
    }

    @Test
    void aReservedRecordVersionDuringTheHandshakeIsADecodeError() throws Exception {
        SSLEngine client = clientEngine();
        client.beginHandshake();
        drain(client); // the ClientHello
        // a "ServerHello" record whose version field is the reserved {0xFE, 0xFE}
        SSLException x = unwrapFails(client, new byte[] {0x16, (byte) 0xFE, (byte) 0xFE, 0x00, 0x04, 0x02, 0x00, 0x00, 0x00});
        assertTrue(x.getMessage().contains("sent alert decode_error"), x.getMessage());
        assertArrayEquals(plainAlert(1, DECODE_ERROR), drain(client));
    }

    @Test
    void aReservedRecordVersionAfterTheHandshakeIsADecodeErrorTheServerReceives() throws Exception {
        EnginePair pair = new EnginePair(clientEngine(), serverEngine(false));
        pair.handshake();
        // five bytes anyone on the path can send: an alert record header with version {0xFE, 0xFE}
        SSLException x = unwrapFails(pair.client, new byte[] {0x15, (byte) 0xFE, (byte) 0xFE, 0x00, 0x00});
        assertTrue(x.getMessage().contains("sent alert decode_error"), x.getMessage());
        byte[] alert = drain(pair.client); // encrypted: the server's engine reads it
        SSLException got = unwrapFails(pair.server, alert);
        assertTrue(got.getMessage().contains("decode_error"), got.getMessage());
    }

    @Test
    void anOverlongHandshakeMessageFromTheServerIsAnIllegalParameter() throws Exception {
        SSLEngine client = clientEngine();
        client.beginHandshake();
        drain(client);
        // a ServerHello header announcing 0xFFFFFF octets (the limit is 32768)
        SSLException x = unwrapFails(client, new byte[] {0x16, 0x03, 0x03, 0x00, 0x04, 0x02, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF});
        assertTrue(x.getMessage().contains("sent alert illegal_parameter"), x.getMessage());
        assertTrue(x.getMessage().contains("the server's server_hello message has 16777215 octets, more than the 32768"
                + " this client accepts"), x.getMessage());
        assertArrayEquals(plainAlert(1, ILLEGAL_PARAMETER), drain(client));
    }

    @Test
    void aServerHelloShorterThanItsExtensionsLengthIsADecodeError() throws Exception {
        SSLEngine client = clientEngine();
        client.beginHandshake();
        drain(client);
        // ServerHello (TLS 1.2, zero random, empty session id, TLS_PSK_WITH_AES_128_CBC_SHA256, null
        // compression) whose extensions block announces 16 octets, of which none follow
        byte[] body = new byte[2 + 32 + 1 + 2 + 1 + 2];
        body[0] = 3;
        body[1] = 3;
        body[35] = 0x00;
        body[36] = (byte) 0xAE;
        body[39] = 16;
        byte[] record = new byte[5 + 4 + body.length];
        record[0] = 0x16;
        record[1] = 3;
        record[2] = 3;
        record[4] = (byte) (4 + body.length);
        record[5] = 2;
        record[8] = (byte) body.length;
        System.arraycopy(body, 0, record, 9, body.length);
        SSLException x = unwrapFails(client, record);
        assertTrue(x.getMessage().contains("sent alert decode_error: a message from the peer is shorter than its own"
                + " length fields say"), x.getMessage());
        assertArrayEquals(plainAlert(1, DECODE_ERROR), drain(client));
    }

    @Test
    void anEcdhePskClientHelloWithOnlyACurveTheJdkLacksIsAHandshakeFailure() throws Exception {
        SSLEngine server = serverEngine(true);
        server.beginHandshake();
        // a real SAEF client's ECDHE_PSK hello, every group in supported_groups replaced by the binary
        // curve sect571k1 (13), which SunEC no longer has
        SSLException x = unwrapFails(server, ecdheHelloWithGroups(true));
        assertTrue(x.getMessage().contains("handshake_failure"), x.getMessage());
        assertArrayEquals(plainAlert(3, HANDSHAKE_FAILURE), drain(server));
    }

    @Test
    void theSameClientHelloWithACurveTheJdkHasAfterItStillNegotiatesEcdhePsk() throws Exception {
        SSLEngine server = serverEngine(true);
        server.beginHandshake();
        ByteBuffer app = ByteBuffer.allocate(server.getSession().getApplicationBufferSize());
        server.unwrap(ByteBuffer.wrap(ecdheHelloWithGroups(false)), app); // sect571k1 first, then the client's own
        byte[] flight = drain(server);
        // ServerHello: record header (5), handshake header (4), version (2), random (32), session id
        // (1 + n); the chosen suite follows
        int sid = flight[5 + 4 + 2 + 32] & 0xFF;
        int at = 5 + 4 + 2 + 32 + 1 + sid;
        assertArrayEquals(new byte[] {(byte) 0xC0, 0x37}, Arrays.copyOfRange(flight, at, at + 2));
    }

    /**
     * A SAEF client's ClientHello offering only TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256 (0xC037), with
     * sect571k1 (13) written over every listed group ({@code all}) or over the first one only.
     */
    static byte[] ecdheHelloWithGroups(boolean all) throws Exception {
        byte[] hello = ClientHelloExtensionsTest.clientHello(c -> c.withEcdhePskEnabled(true),
                new String[] {"TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256"}, null);
        ByteBuffer b = ByteBuffer.wrap(hello);
        b.position(5 + 4 + 2 + 32);
        b.position(b.position() + 1 + (b.get(b.position()) & 0xFF)); // session id
        b.position(b.position() + 2 + (b.getShort(b.position()) & 0xFFFF)); // suites
        b.position(b.position() + 1 + (b.get(b.position()) & 0xFF)); // compression
        int end = b.position() + 2 + (b.getShort() & 0xFFFF);
        while (b.position() < end) {
            int type = b.getShort() & 0xFFFF;
            int len = b.getShort() & 0xFFFF;
            if (type == 10) { // supported_groups
                int n = (b.getShort() & 0xFFFF) / 2;
                assertTrue(n >= 2, "the client lists several groups");
                for (int i = 0; i < (all ? n : 1); i++) {
                    b.putShort(b.position() + 2 * i, (short) 13);
                }
                return hello;
            }
            b.position(b.position() + len);
        }
        throw new AssertionError("no supported_groups in the ECDHE_PSK ClientHello");
    }
}
