package dev.saef.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link KeyLookupTrigger}: finds the ClientHello's session_id and the ClientKeyExchange's psk_identity
 * in the client's byte stream however it is cut into records (handshake messages fragmented across
 * records, several in one record, RFC 5246 section 6.2.1) and into reads, reports nothing for fields
 * that cannot be valid, and stops at the client's ChangeCipherSpec; with session tickets on, also the
 * ClientHello's non-empty SessionTicket extension (RFC 5077 section 3.2) when it has a session_id.
 */
class KeyLookupTriggerTest {

    static final byte[] IDENTITY = "meter7@sp.example.com".getBytes(StandardCharsets.US_ASCII);

    static byte[] message(int type, byte[] body) {
        byte[] m = new byte[4 + body.length];
        m[0] = (byte) type;
        m[1] = (byte) (body.length >>> 16);
        m[2] = (byte) (body.length >>> 8);
        m[3] = (byte) body.length;
        System.arraycopy(body, 0, m, 4, body.length);
        return m;
    }

    static byte[] clientHello(byte[] sessionId) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(3);
        b.write(3);
        b.writeBytes(new byte[32]); // random
        b.write(sessionId.length);
        b.writeBytes(sessionId);
        b.writeBytes(new byte[] {0, 2, 0, (byte) 0xA8, 1, 0}); // TLS_PSK_WITH_AES_128_GCM_SHA256, null compression
        return message(1, b.toByteArray());
    }

    /** A ClientHello with an extensions block holding these extensions, each {type, data}. */
    static byte[] clientHello(byte[] sessionId, Object[]... extensions) {
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        for (Object[] x : extensions) {
            int type = (Integer) x[0];
            byte[] data = (byte[]) x[1];
            e.writeBytes(new byte[] {(byte) (type >>> 8), (byte) type, (byte) (data.length >>> 8), (byte) data.length});
            e.writeBytes(data);
        }
        byte[] block = e.toByteArray();
        byte[] plain = clientHello(sessionId);
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(java.util.Arrays.copyOfRange(plain, 4, plain.length));
        b.write(block.length >>> 8);
        b.write(block.length);
        b.writeBytes(block);
        return message(1, b.toByteArray());
    }

    static Object[] ext(int type, byte[] data) {
        return new Object[] {type, data};
    }

    static byte[] clientKeyExchange(byte[] identity) {
        byte[] body = new byte[2 + identity.length];
        body[0] = (byte) (identity.length >>> 8);
        body[1] = (byte) identity.length;
        System.arraycopy(identity, 0, body, 2, identity.length);
        return message(16, body);
    }

    static byte[] record(int type, byte[] fragment) {
        byte[] r = new byte[5 + fragment.length];
        r[0] = (byte) type;
        r[1] = 3;
        r[2] = 3;
        r[3] = (byte) (fragment.length >>> 8);
        r[4] = (byte) fragment.length;
        System.arraycopy(fragment, 0, r, 5, fragment.length);
        return r;
    }

    /** The handshake bytes cut into handshake records at random places. */
    static byte[] records(byte[] handshake, Random rnd) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int p = 0;
        while (p < handshake.length) {
            int n = 1 + rnd.nextInt(Math.min(64, handshake.length - p));
            byte[] f = java.util.Arrays.copyOfRange(handshake, p, p + n);
            out.writeBytes(record(22, f));
            p += n;
            if (rnd.nextInt(8) == 0) {
                out.writeBytes(record(21, new byte[] {1, 0})); // a warning alert between records
            }
        }
        return out.toByteArray();
    }

    /** Feeds the stream in random reads; returns everything found, in order. */
    static List<KeyLookupTrigger.Found> feed(KeyLookupTrigger t, byte[] stream, Random rnd) {
        List<KeyLookupTrigger.Found> all = new ArrayList<>();
        int p = 0;
        while (p < stream.length) {
            int n = 1 + rnd.nextInt(Math.min(40, stream.length - p));
            all.addAll(t.scan(stream, p, n));
            p += n;
        }
        return all;
    }

    @Test
    void findsTheSessionIdAndTheIdentityHoweverTheStreamIsCut() {
        Random rnd = new Random(11);
        for (int i = 0; i < 2000; i++) {
            byte[] sid = new byte[1 + rnd.nextInt(32)];
            rnd.nextBytes(sid);
            byte[] id = new byte[1 + rnd.nextInt(128)];
            rnd.nextBytes(id);
            ByteArrayOutputStream hs = new ByteArrayOutputStream();
            hs.writeBytes(clientHello(sid));
            byte[] first = records(hs.toByteArray(), rnd);
            byte[] second = records(clientKeyExchange(id), rnd);
            ByteArrayOutputStream stream = new ByteArrayOutputStream();
            stream.writeBytes(first);
            stream.writeBytes(second);
            stream.writeBytes(record(20, new byte[] {1}));
            KeyLookupTrigger t = new KeyLookupTrigger();
            List<KeyLookupTrigger.Found> found = feed(t, stream.toByteArray(), rnd);
            assertEquals(2, found.size(), "case " + i);
            assertEquals(KeyLookupTrigger.Kind.SESSION_ID, found.get(0).kind());
            assertArrayEquals(sid, found.get(0).octets());
            assertEquals(KeyLookupTrigger.Kind.PSK_IDENTITY, found.get(1).kind());
            assertArrayEquals(id, found.get(1).octets());
            assertTrue(t.done());
        }
    }

    @Test
    void aClientHelloAndAClientKeyExchangeInOneRecordAreBothFound() {
        byte[] sid = new byte[32];
        ByteArrayOutputStream hs = new ByteArrayOutputStream();
        hs.writeBytes(clientHello(sid));
        hs.writeBytes(clientKeyExchange(IDENTITY));
        byte[] r = record(22, hs.toByteArray());
        List<KeyLookupTrigger.Found> found = new KeyLookupTrigger().scan(r, 0, r.length);
        assertEquals(2, found.size());
        assertArrayEquals(IDENTITY, found.get(1).octets());
    }

    @Test
    void fieldsThatCannotBeValidAreNotReported() {
        for (byte[] id : new byte[][] {new byte[0], new byte[129]}) {
            byte[] r = record(22, clientKeyExchange(id));
            KeyLookupTrigger t = new KeyLookupTrigger();
            assertEquals(List.of(), t.scan(r, 0, r.length));
            assertTrue(t.done());
        }
        byte[] r = record(22, clientHello(new byte[0])); // no session to resume
        assertEquals(List.of(), new KeyLookupTrigger().scan(r, 0, r.length));
    }

    @Test
    void scanningStopsAtTheChangeCipherSpec() {
        KeyLookupTrigger t = new KeyLookupTrigger();
        byte[] ccs = record(20, new byte[] {1});
        assertEquals(List.of(), t.scan(ccs, 0, ccs.length));
        assertTrue(t.done());
        byte[] r = record(22, clientKeyExchange(IDENTITY)); // encrypted in reality: never read
        assertEquals(List.of(), t.scan(r, 0, r.length));
    }

    @Test
    void findsTheSessionTicketHoweverTheStreamIsCut() {
        Random rnd = new Random(35);
        for (int i = 0; i < 2000; i++) {
            byte[] sid = new byte[1 + rnd.nextInt(32)];
            rnd.nextBytes(sid);
            byte[] ticket = new byte[1 + rnd.nextInt(400)];
            rnd.nextBytes(ticket);
            byte[] sni = new byte[rnd.nextInt(40)];
            ByteArrayOutputStream stream = new ByteArrayOutputStream();
            stream.writeBytes(records(clientHello(sid, ext(0, sni), ext(35, ticket), ext(23, new byte[0])), rnd));
            stream.writeBytes(records(clientKeyExchange(IDENTITY), rnd));
            KeyLookupTrigger t = new KeyLookupTrigger(true);
            List<KeyLookupTrigger.Found> found = feed(t, stream.toByteArray(), rnd);
            assertEquals(3, found.size(), "case " + i);
            assertEquals(KeyLookupTrigger.Kind.SESSION_ID, found.get(0).kind());
            assertArrayEquals(sid, found.get(0).octets());
            assertEquals(KeyLookupTrigger.Kind.SESSION_TICKET, found.get(1).kind());
            assertArrayEquals(ticket, found.get(1).octets());
            assertEquals(KeyLookupTrigger.Kind.PSK_IDENTITY, found.get(2).kind());
            assertArrayEquals(IDENTITY, found.get(2).octets());
            assertTrue(t.done());
        }
    }

    /** The session_id and the ticket come in one list, when the ClientHello's last octet arrives. */
    @Test
    void aClientHellosFieldsAreReportedTogetherAtItsEnd() {
        byte[] sid = new byte[32];
        byte[] hello = record(22, clientHello(sid, ext(35, new byte[] {1, 2, 3})));
        KeyLookupTrigger t = new KeyLookupTrigger(true);
        assertEquals(List.of(), t.scan(hello, 0, hello.length - 1));
        List<KeyLookupTrigger.Found> found = t.scan(hello, hello.length - 1, 1);
        assertEquals(List.of(KeyLookupTrigger.Kind.SESSION_ID, KeyLookupTrigger.Kind.SESSION_TICKET),
                found.stream().map(KeyLookupTrigger.Found::kind).toList());
        assertArrayEquals(new byte[] {1, 2, 3}, found.get(1).octets());
    }

    @Test
    void ticketsThatCannotResumeAreNotReported() {
        byte[] sid = new byte[32];
        byte[] ticket = {9, 9, 9};
        // tickets off
        List<KeyLookupTrigger.Found> off = scanAll(new KeyLookupTrigger(), clientHello(sid, ext(35, ticket)));
        assertEquals(List.of(KeyLookupTrigger.Kind.SESSION_ID), off.stream().map(KeyLookupTrigger.Found::kind).toList());
        // an empty extension only asks for a ticket (RFC 5077 3.2)
        List<KeyLookupTrigger.Found> asking = scanAll(new KeyLookupTrigger(true), clientHello(sid, ext(35, new byte[0])));
        assertEquals(List.of(KeyLookupTrigger.Kind.SESSION_ID), asking.stream().map(KeyLookupTrigger.Found::kind).toList());
        // no session_id: the server could not accept the ticket (RFC 5077 3.4)
        assertEquals(List.of(), scanAll(new KeyLookupTrigger(true), clientHello(new byte[0], ext(35, ticket))));
        // an extensions block that does not parse: Bouncy Castle refuses the ClientHello
        byte[] bad = clientHello(sid, ext(35, ticket));
        bad[bad.length - ticket.length - 6] ^= 0x01; // the block's length
        List<KeyLookupTrigger.Found> malformed = scanAll(new KeyLookupTrigger(true), bad);
        assertEquals(List.of(KeyLookupTrigger.Kind.SESSION_ID), malformed.stream().map(KeyLookupTrigger.Found::kind).toList());
    }

    private static List<KeyLookupTrigger.Found> scanAll(KeyLookupTrigger t, byte[] handshake) {
        byte[] r = record(22, handshake);
        return t.scan(r, 0, r.length);
    }
}
