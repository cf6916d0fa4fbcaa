package dev.saef.conformance;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A small, independent TLS 1.2 wire parser (RFC 5246 sections 6.2 and 7.4) for what the conformance
 * tests check on the wire: records, the plaintext handshake messages before ChangeCipherSpec, hellos
 * with their extensions, the PSK fields of the key exchange messages (RFC 4279), plaintext alerts. It
 * also re-encodes a ClientHello so tests can craft malformed ones.
 */
final class Wire {

    static final int CHANGE_CIPHER_SPEC = 20;
    static final int ALERT = 21;
    static final int HANDSHAKE = 22;
    static final int APPLICATION_DATA = 23;

    static final int CLIENT_HELLO = 1;
    static final int SERVER_HELLO = 2;
    static final int CERTIFICATE = 11;
    static final int SERVER_KEY_EXCHANGE = 12;
    static final int CERTIFICATE_REQUEST = 13;
    static final int SERVER_HELLO_DONE = 14;
    static final int CLIENT_KEY_EXCHANGE = 16;

    static final int EXT_SERVER_NAME = 0x0000;
    static final int EXT_ENCRYPT_THEN_MAC = 0x0016;
    static final int EXT_EXTENDED_MASTER_SECRET = 0x0017;

    private Wire() {
    }

    /** One TLS record; {@code encrypted} once the sender's ChangeCipherSpec has gone by. */
    record Record(int type, int version, byte[] fragment, boolean encrypted) {
    }

    /** One plaintext handshake message. */
    record Message(int type, byte[] body) {
    }

    /** A plaintext alert. */
    record Alert(int level, int description) {
        boolean fatal() {
            return level == 2;
        }
    }

    /** The records of one direction of a connection (incomplete trailing bytes are ignored). */
    static List<Record> records(byte[] stream) {
        List<Record> out = new ArrayList<>();
        boolean encrypted = false;
        int p = 0;
        while (p + 5 <= stream.length) {
            int type = stream[p] & 0xFF;
            int version = u16(stream, p + 1);
            int len = u16(stream, p + 3);
            if (p + 5 + len > stream.length) {
                break;
            }
            byte[] fragment = Arrays.copyOfRange(stream, p + 5, p + 5 + len);
            out.add(new Record(type, version, fragment, encrypted));
            if (type == CHANGE_CIPHER_SPEC) {
                encrypted = true;
            }
            p += 5 + len;
        }
        return out;
    }

    /** The plaintext handshake messages of one direction (before its ChangeCipherSpec). */
    static List<Message> handshakeMessages(byte[] stream) {
        ByteArrayOutputStream hs = new ByteArrayOutputStream();
        for (Record r : records(stream)) {
            if (r.type() == HANDSHAKE && !r.encrypted()) {
                hs.writeBytes(r.fragment());
            }
        }
        byte[] b = hs.toByteArray();
        List<Message> out = new ArrayList<>();
        int p = 0;
        while (p + 4 <= b.length) {
            int type = b[p] & 0xFF;
            int len = u24(b, p + 1);
            if (p + 4 + len > b.length) {
                break;
            }
            out.add(new Message(type, Arrays.copyOfRange(b, p + 4, p + 4 + len)));
            p += 4 + len;
        }
        return out;
    }

    static List<Integer> messageTypes(byte[] stream) {
        return handshakeMessages(stream).stream().map(Message::type).toList();
    }

    static Optional<Message> message(byte[] stream, int type) {
        return handshakeMessages(stream).stream().filter(m -> m.type() == type).findFirst();
    }

    /** Plaintext alerts of one direction. */
    static List<Alert> alerts(byte[] stream) {
        List<Alert> out = new ArrayList<>();
        for (Record r : records(stream)) {
            if (r.type() == ALERT && !r.encrypted() && r.fragment().length == 2) {
                out.add(new Alert(r.fragment()[0] & 0xFF, r.fragment()[1] & 0xFF));
            }
        }
        return out;
    }

    /** A ClientHello (RFC 5246 section 7.4.1.2) with its extensions in wire order. */
    static final class ClientHello {
        int version;
        byte[] random;
        byte[] sessionId;
        int[] suites;
        byte[] compression;
        /** null when the hello has no extensions block at all. */
        LinkedHashMap<Integer, byte[]> extensions;

        static ClientHello parse(byte[] body) {
            ClientHello h = new ClientHello();
            int p = 0;
            h.version = u16(body, p);
            p += 2;
            h.random = Arrays.copyOfRange(body, p, p + 32);
            p += 32;
            int sid = body[p] & 0xFF;
            h.sessionId = Arrays.copyOfRange(body, p + 1, p + 1 + sid);
            p += 1 + sid;
            int suitesLen = u16(body, p);
            p += 2;
            h.suites = new int[suitesLen / 2];
            for (int i = 0; i < h.suites.length; i++) {
                h.suites[i] = u16(body, p + 2 * i);
            }
            p += suitesLen;
            int comp = body[p] & 0xFF;
            h.compression = Arrays.copyOfRange(body, p + 1, p + 1 + comp);
            p += 1 + comp;
            if (p < body.length) {
                h.extensions = parseExtensions(body, p);
            }
            return h;
        }

        /** @return this hello as a complete handshake record */
        byte[] toRecord() {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            put16(b, version);
            b.writeBytes(random);
            b.write(sessionId.length);
            b.writeBytes(sessionId);
            put16(b, suites.length * 2);
            for (int s : suites) {
                put16(b, s);
            }
            b.write(compression.length);
            b.writeBytes(compression);
            if (extensions != null) {
                ByteArrayOutputStream e = new ByteArrayOutputStream();
                for (Map.Entry<Integer, byte[]> x : extensions.entrySet()) {
                    put16(e, x.getKey());
                    put16(e, x.getValue().length);
                    e.writeBytes(x.getValue());
                }
                put16(b, e.size());
                b.writeBytes(e.toByteArray());
            }
            return record(HANDSHAKE, 0x0303, handshake(CLIENT_HELLO, b.toByteArray()));
        }
    }

    /** A ServerHello (RFC 5246 section 7.4.1.3). */
    record ServerHello(int version, byte[] sessionId, int suite, int compression,
            LinkedHashMap<Integer, byte[]> extensions) {

        static ServerHello parse(byte[] body) {
            int p = 0;
            int version = u16(body, p);
            p += 2 + 32;
            int sid = body[p] & 0xFF;
            byte[] sessionId = Arrays.copyOfRange(body, p + 1, p + 1 + sid);
            p += 1 + sid;
            int suite = u16(body, p);
            p += 2;
            int compression = body[p] & 0xFF;
            p += 1;
            LinkedHashMap<Integer, byte[]> ext = p < body.length ? parseExtensions(body, p) : new LinkedHashMap<>();
            return new ServerHello(version, sessionId, suite, compression, ext);
        }
    }

    static ClientHello clientHello(byte[] clientToServer) {
        return ClientHello.parse(message(clientToServer, CLIENT_HELLO).orElseThrow(
                () -> new AssertionError("no ClientHello on the wire")).body());
    }

    static ServerHello serverHello(byte[] serverToClient) {
        return ServerHello.parse(message(serverToClient, SERVER_HELLO).orElseThrow(
                () -> new AssertionError("no ServerHello on the wire")).body());
    }

    /** The psk_identity of a ClientKeyExchange (RFC 4279: first field for PSK and DHE_PSK). */
    static byte[] pskIdentity(byte[] clientToServer) {
        byte[] body = message(clientToServer, CLIENT_KEY_EXCHANGE).orElseThrow(
                () -> new AssertionError("no ClientKeyExchange on the wire")).body();
        return opaque16(body, 0);
    }

    /** The psk_identity_hint of a ServerKeyExchange (RFC 4279: first field for PSK and DHE_PSK). */
    static byte[] pskIdentityHint(byte[] serverToClient) {
        byte[] body = message(serverToClient, SERVER_KEY_EXCHANGE).orElseThrow(
                () -> new AssertionError("no ServerKeyExchange on the wire")).body();
        return opaque16(body, 0);
    }

    /** The host names of a server_name extension (RFC 6066 section 3), with their name types. */
    static List<String> sniHostNames(byte[] extensionData) {
        List<String> out = new ArrayList<>();
        int listLen = u16(extensionData, 0);
        int p = 2;
        int end = 2 + listLen;
        while (p < end) {
            int type = extensionData[p] & 0xFF;
            int len = u16(extensionData, p + 1);
            String name = new String(extensionData, p + 3, len, StandardCharsets.US_ASCII);
            out.add(type == 0 ? name : "type" + type + ":" + name);
            p += 3 + len;
        }
        return out;
    }

    static LinkedHashMap<Integer, byte[]> parseExtensions(byte[] b, int p) {
        LinkedHashMap<Integer, byte[]> out = new LinkedHashMap<>();
        int total = u16(b, p);
        p += 2;
        int end = p + total;
        while (p + 4 <= end) {
            int type = u16(b, p);
            int len = u16(b, p + 2);
            out.put(type, Arrays.copyOfRange(b, p + 4, p + 4 + len));
            p += 4 + len;
        }
        return out;
    }

    static byte[] handshake(int type, byte[] body) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(type);
        b.write(body.length >>> 16);
        b.write(body.length >>> 8);
        b.write(body.length);
        b.writeBytes(body);
        return b.toByteArray();
    }

    static byte[] record(int type, int version, byte[] fragment) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(type);
        put16(b, version);
        put16(b, fragment.length);
        b.writeBytes(fragment);
        return b.toByteArray();
    }

    static byte[] opaque16(byte[] b, int p) {
        int len = u16(b, p);
        return Arrays.copyOfRange(b, p + 2, p + 2 + len);
    }

    static void put16(ByteArrayOutputStream b, int v) {
        b.write(v >>> 8);
        b.write(v);
    }

    static int u16(byte[] b, int p) {
        return ((b[p] & 0xFF) << 8) | (b[p + 1] & 0xFF);
    }

    static int u24(byte[] b, int p) {
        return ((b[p] & 0xFF) << 16) | ((b[p + 1] & 0xFF) << 8) | (b[p + 2] & 0xFF);
    }
}
