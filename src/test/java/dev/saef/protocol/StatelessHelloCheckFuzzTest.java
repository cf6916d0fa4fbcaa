package dev.saef.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.saef.config.AssociationTable;
import dev.saef.config.SaefConfiguration;
import dev.saef.config.SaefKeyManager;
import dev.saef.crypto.SaefTlsCrypto;
import dev.saef.fuzz.FuzzInput;
import dev.saef.identity.IdentityMode;
import dev.saef.profile.SuiteProfile;
import dev.saef.protocol.StatelessHelloCheck.Result;
import dev.saef.protocol.StatelessHelloCheck.Verdict;
import java.io.ByteArrayOutputStream;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;

/**
 * Coverage-guided fuzzing (Jazzer) of {@link StatelessHelloCheck}, the stateless cookie exchange
 * (RFC 6347 section 4.2.1) that a DTLS server runs on every datagram from anyone, before any state.
 *
 * <p>Oracle, for arbitrary bytes, client address, offset and window:
 * <ul>
 *   <li>it never throws, and a window outside the array is {@code DROPPED};</li>
 *   <li>it reads only its window: the bytes around it change neither the verdict nor the reply;</li>
 *   <li>{@code ANSWERED} comes with a HelloVerifyRequest of exactly the documented 60 octets (record
 *       header, handshake header, version, a 32-octet cookie), never larger than the datagram (no
 *       amplification), carrying the ClientHello's record sequence number; any other verdict with
 *       no reply;</li>
 *   <li>never accepts a cookie not computed for that address and that ClientHello: when a
 *       ClientHello is answered, the harness puts the cookie it got into it (as a client would) and
 *       the result is accepted for the same address (when the filter lets the datagram through at
 *       all), but not for another address, not by a check with another secret, and not with any
 *       octet of the ClientHello's body changed. The same holds for any datagram accepted as it
 *       came.</li>
 * </ul>
 *
 * <p>Input ({@link FuzzInput}): offset (0..7), trailing bytes (0..7), client address (length 0..64,
 * then the octets), position and XOR mask of the changed body octet (16 + 8 bits), then the datagram.
 */
class StatelessHelloCheckFuzzTest {

    /** The documented size of the HelloVerifyRequest datagram: 13 + 12 + 2 + 1 + 32. */
    static final int HELLO_VERIFY_REQUEST = 60;

    private static final StatelessHelloCheck CHECK = newCheck();
    private static final StatelessHelloCheck OTHER_SECRET = newCheck();

    static StatelessHelloCheck newCheck() {
        try {
            AssociationTable table = AssociationTable.parse("fuzz", new StringReader(
                    "fuzz@x.example.com peer=CAE01 key=hex:00112233445566778899aabbccddeeff"), IdentityMode.STRICT,
                    true);
            SaefConfiguration config = SaefConfiguration.of(table, table.inlineKeys());
            SaefPolicy policy = SaefPolicy.builder().crypto(SaefTlsCrypto.create(new SecureRandom()))
                    .keyManager(new SaefKeyManager(config)).profile(SuiteProfile.create(null, false))
                    .identityMode(IdentityMode.STRICT).build();
            return new StatelessHelloCheck(new DtlsHandshakes(policy));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @FuzzTest(maxDuration = "10m")
    void check(byte[] data) {
        FuzzInput in = new FuzzInput(data);
        int off = in.u8() % 8;
        int after = in.u8() % 8;
        byte[] id = in.bytes(in.u8() % 65);
        int flipAt = in.u16();
        int flipMask = in.u8() | 1;
        byte[] d = in.rest();

        // windows outside the array
        assertEquals(Verdict.DROPPED, CHECK.check(id, d, -1, Math.min(1, d.length)).verdict());
        assertEquals(Verdict.DROPPED, CHECK.check(id, d, 0, d.length + 1).verdict());
        assertEquals(Verdict.DROPPED, CHECK.check(id, d, d.length, 0).verdict());

        Result r = checkIn(id, d, off, after, (byte) 0);
        Result r2 = checkIn(id, d, off, after, (byte) 0xFF);
        assertEquals(r.verdict(), r2.verdict(), "the verdict depends on bytes outside the window");
        assertArrayEquals(r.reply(), r2.reply(), "the reply depends on bytes outside the window");
        assertResult(r, d);

        if (r.verdict() == Verdict.COOKIE_VALID) {
            assertOnlyFor(id, d, flipAt, flipMask);
        }
        if (r.verdict() == Verdict.ANSWERED) {
            byte[] withCookie = withCookie(d, Arrays.copyOfRange(r.reply(), 28, 60));
            if (withCookie != null) {
                Result again = CHECK.check(id, withCookie, 0, withCookie.length);
                assertResult(again, withCookie);
                if (DatagramFilter.acceptable(withCookie, 0, withCookie.length)) {
                    assertEquals(Verdict.COOKIE_VALID, again.verdict(),
                            "a ClientHello returning the cookie it was given is not admitted");
                }
                if (again.verdict() == Verdict.COOKIE_VALID) {
                    assertOnlyFor(id, withCookie, flipAt, flipMask);
                }
            }
        }
    }

    /**
     * The harness reaches its cookie oracle: a SAEF client's real ClientHello (the committed seed) is
     * answered, and admitted once it returns its cookie, for its own address only.
     */
    @org.junit.jupiter.api.Test
    void aRealClientHelloIsAnsweredThenAdmittedWithItsCookie() throws Exception {
        byte[] seed;
        try (java.io.InputStream s = getClass().getResourceAsStream("StatelessHelloCheckFuzzTestInputs/check/seed-clienthello")) {
            seed = s.readAllBytes();
        }
        FuzzInput in = new FuzzInput(seed);
        in.u8();
        in.u8();
        byte[] id = in.bytes(in.u8() % 65);
        in.u16();
        in.u8();
        byte[] hello = in.rest();
        Result r = CHECK.check(id, hello, 0, hello.length);
        assertEquals(Verdict.ANSWERED, r.verdict());
        byte[] withCookie = withCookie(hello, Arrays.copyOfRange(r.reply(), 28, 60));
        assertEquals(Verdict.COOKIE_VALID, CHECK.check(id, withCookie, 0, withCookie.length).verdict());
        assertEquals(Verdict.ANSWERED, CHECK.check("127.0.0.1:40001".getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                withCookie, 0, withCookie.length).verdict(), "another port: a new HelloVerifyRequest");
        check(seed); // the fuzz oracle on it
    }

    /** {@code d}, accepted for {@code id}, is not accepted for another address, secret or body. */
    private static void assertOnlyFor(byte[] id, byte[] d, int flipAt, int flipMask) {
        byte[] otherId = id.length == 0 ? new byte[] {(byte) flipMask} : id.clone();
        if (id.length > 0) {
            otherId[flipAt % id.length] ^= (byte) flipMask;
        }
        assertNotEquals(Verdict.COOKIE_VALID, CHECK.check(otherId, d, 0, d.length).verdict(),
                "a cookie accepted for another client address");
        byte[] longerId = Arrays.copyOf(id, id.length + 1);
        assertNotEquals(Verdict.COOKIE_VALID, CHECK.check(longerId, d, 0, d.length).verdict(),
                "a cookie accepted for a longer client address");
        assertNotEquals(Verdict.COOKIE_VALID, OTHER_SECRET.check(id, d, 0, d.length).verdict(),
                "a cookie accepted under another secret");
        int[] hello = singleClientHello(d);
        if (hello != null) {
            byte[] changed = d.clone();
            changed[hello[0] + flipAt % hello[1]] ^= (byte) flipMask;
            assertNotEquals(Verdict.COOKIE_VALID, CHECK.check(id, changed, 0, changed.length).verdict(),
                    "a cookie accepted for a changed ClientHello (body octet " + flipAt % hello[1] + ")");
        }
    }

    private static void assertResult(Result r, byte[] d) {
        assertNotNull(r);
        assertNotNull(r.verdict());
        if (r.verdict() != Verdict.ANSWERED) {
            assertNull(r.reply(), "a reply without ANSWERED");
            return;
        }
        byte[] hvr = r.reply();
        assertNotNull(hvr);
        assertTrue(hvr.length <= d.length, "amplification: " + hvr.length + " octets for " + d.length);
        assertEquals(HELLO_VERIFY_REQUEST, hvr.length, "the HelloVerifyRequest's size");
        assertEquals(22, hvr[0], "handshake record");
        assertEquals((byte) 0xfe, hvr[1]);
        assertEquals(0, hvr[3] | hvr[4], "epoch 0");
        assertArrayEquals(Arrays.copyOfRange(d, 5, 11), Arrays.copyOfRange(hvr, 5, 11),
                "the ClientHello's record sequence number (RFC 6347 section 4.2.1)");
        assertEquals(3, hvr[13], "hello_verify_request");
        assertEquals(32, hvr[27], "a 32-octet cookie");
    }

    private static Result checkIn(byte[] id, byte[] d, int off, int after, byte fill) {
        byte[] buf = new byte[off + d.length + after];
        Arrays.fill(buf, fill);
        System.arraycopy(d, 0, buf, off, d.length);
        return CHECK.check(id, buf, off, d.length);
    }

    /**
     * @return {body offset, body length} when {@code d} is one epoch-0 handshake record holding one
     *     whole ClientHello, else null
     */
    static int[] singleClientHello(byte[] d) {
        if (d.length < 25 + 61 || d[0] != 22 || (d[3] | d[4]) != 0 || u16(d, 11) != d.length - 13 || d[13] != 1) {
            return null;
        }
        int msgLen = u24(d, 14);
        if (u24(d, 19) != 0 || u24(d, 22) != msgLen || msgLen != d.length - 25) {
            return null;
        }
        return new int[] {25, msgLen};
    }

    /** @return {@code d} with its ClientHello's cookie replaced by {@code cookie}, or null when not that shape */
    static byte[] withCookie(byte[] d, byte[] cookie) {
        if (singleClientHello(d) == null) {
            return null;
        }
        int sid = 25 + 2 + 32;
        int cookieAt = sid + 1 + (d[sid] & 0xff);
        if (cookieAt >= d.length || cookieAt + 1 + (d[cookieAt] & 0xff) > d.length) {
            return null;
        }
        int oldLen = d[cookieAt] & 0xff;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.write(d, 0, cookieAt);
        o.write(cookie.length);
        o.writeBytes(cookie);
        o.write(d, cookieAt + 1 + oldLen, d.length - cookieAt - 1 - oldLen);
        byte[] out = o.toByteArray();
        int delta = cookie.length - oldLen;
        int recordLen = u16(d, 11) + delta;
        int msgLen = u24(d, 14) + delta;
        if (recordLen > 0xffff) {
            return null;
        }
        out[11] = (byte) (recordLen >>> 8);
        out[12] = (byte) recordLen;
        put24(out, 14, msgLen);
        put24(out, 22, msgLen);
        return out;
    }

    private static int u16(byte[] d, int i) {
        return (d[i] & 0xff) << 8 | (d[i + 1] & 0xff);
    }

    private static int u24(byte[] d, int i) {
        return (d[i] & 0xff) << 16 | (d[i + 1] & 0xff) << 8 | (d[i + 2] & 0xff);
    }

    private static void put24(byte[] d, int i, int v) {
        d[i] = (byte) (v >>> 16);
        d[i + 1] = (byte) (v >>> 8);
        d[i + 2] = (byte) v;
    }

    /**
     * Writes the seeds: a SAEF DTLS client's first ClientHello (empty cookie), the same with a cookie
     * of another server, split into two fragments, and cut short. Run from the project root with the
     * test class path.
     */
    public static void main(String[] args) throws Exception {
        Path dir = Paths.get(args.length > 0 ? args[0]
                : "src/test/resources/dev/saef/protocol/StatelessHelloCheckFuzzTestInputs/check");
        Files.createDirectories(dir);
        AssociationTable table = AssociationTable.parse("seed", new StringReader(
                "seed@x.example.com peer=/id-in address=localhost key=hex:00112233445566778899aabbccddeeff"),
                IdentityMode.STRICT, true);
        javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance("PSK",
                new dev.saef.jsse.SaefProvider());
        kmf.init(new dev.saef.config.PskKeyManagerParameters(SaefConfiguration.of(table, table.inlineKeys())));
        SSLContext saef = SSLContext.getInstance("DTLS", new dev.saef.jsse.SaefProvider());
        saef.init(kmf.getKeyManagers(), null, null);
        SSLEngine e = saef.createSSLEngine("localhost", 5684);
        byte[] hello = firstDatagram(e);
        e.closeOutbound();
        byte[] header = {0, 0, 15, '1', '2', '7', '.', '0', '.', '0', '.', '1', ':', '4', '0', '0', '0', '0', 0, 7, 0x40};
        Files.write(dir.resolve("seed-clienthello"), concat(header, hello));
        byte[] otherServers = new byte[32];
        Arrays.fill(otherServers, (byte) 0x5a);
        byte[] foreignCookie = withCookie(hello, otherServers);
        Files.write(dir.resolve("seed-clienthello-foreign-cookie"), concat(header, foreignCookie));
        Files.write(dir.resolve("seed-clienthello-cut"), concat(header, Arrays.copyOf(hello, hello.length - 7)));
        Files.write(dir.resolve("seed-clienthello-fragments"), concat(header, fragmented(hello)));
    }

    /** The ClientHello of {@code hello} as two fragments in two records of one datagram. */
    private static byte[] fragmented(byte[] hello) {
        int msgLen = u24(hello, 14);
        int first = msgLen / 2;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (int[] part : new int[][] {{0, first}, {first, msgLen - first}}) {
            byte[] r = new byte[25 + part[1]];
            System.arraycopy(hello, 0, r, 0, 25);
            r[10] = (byte) (hello[10] + (part[0] == 0 ? 0 : 1));
            r[11] = (byte) ((12 + part[1]) >>> 8);
            r[12] = (byte) (12 + part[1]);
            put24(r, 19, part[0]);
            put24(r, 22, part[1]);
            System.arraycopy(hello, 25 + part[0], r, 25, part[1]);
            o.writeBytes(r);
        }
        return o.toByteArray();
    }

    private static byte[] firstDatagram(SSLEngine e) throws Exception {
        e.setUseClientMode(true);
        e.beginHandshake();
        ByteBuffer out = ByteBuffer.allocate(e.getSession().getPacketBufferSize());
        for (int i = 0; i < 50 && out.position() == 0; i++) {
            Runnable t;
            while ((t = e.getDelegatedTask()) != null) {
                t.run();
            }
            e.wrap(ByteBuffer.allocate(0), out);
        }
        return Arrays.copyOf(out.array(), out.position());
    }

    private static byte[] concat(byte[] a, byte[] b) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.writeBytes(a);
        o.writeBytes(b);
        return o.toByteArray();
    }
}
