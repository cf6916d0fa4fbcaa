package dev.saef.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** The ClientHello peek that routes certificate clients to the JDK: real hellos, truncations, garbage. */
class ClientHelloInspectorProperties {

    static byte[] jdkClientHello() throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS", "SunJSSE");
        ctx.init(null, null, null);
        SSLEngine e = ctx.createSSLEngine("example.org", 443);
        e.setUseClientMode(true);
        ByteBuffer out = ByteBuffer.allocate(e.getSession().getPacketBufferSize());
        e.wrap(ByteBuffer.allocate(0), out);
        return Arrays.copyOf(out.array(), out.position());
    }

    /** A ClientHello offering the mandatory PSK suite among certificate suites. */
    static byte[] withPskSuite(byte[] hello) {
        byte[] h = hello.clone();
        // session_id length at 5 + 4 + 2 + 32
        int p = 5 + 4 + 2 + 32;
        p += 1 + (h[p] & 0xFF);
        // overwrite the first offered suite with TLS_PSK_WITH_AES_128_CBC_SHA256 (0x00AE)
        h[p + 2] = 0x00;
        h[p + 3] = (byte) 0xAE;
        return h;
    }

    @Example
    void certificateOnlyHelloIsNotPsk() throws Exception {
        byte[] h = jdkClientHello();
        assertEquals(ClientHelloInspector.Verdict.NO_PSK, ClientHelloInspector.inspect(h, 0, h.length));
        byte[] psk = withPskSuite(h);
        assertEquals(ClientHelloInspector.Verdict.PSK, ClientHelloInspector.inspect(psk, 0, psk.length));
    }

    @Property(tries = 100)
    void truncatedHelloNeedsMore(@ForAll @IntRange(min = 0, max = 2000) int cut) throws Exception {
        byte[] h = jdkClientHello();
        int len = Math.min(cut, h.length - 1);
        assertEquals(ClientHelloInspector.Verdict.NEED_MORE, ClientHelloInspector.inspect(h, 0, len));
    }

    @Property(tries = 500)
    void garbageNeverThrows(@ForAll @Size(max = 3000) byte[] bytes) {
        assertNotNull(ClientHelloInspector.inspect(bytes, 0, bytes.length));
    }

    @Property(tries = 300)
    void mutatedHellosNeverThrow(@ForAll @IntRange(min = 0, max = 600) int at, @ForAll byte xor) throws Exception {
        byte[] h = jdkClientHello();
        h[at % h.length] ^= xor;
        assertNotNull(ClientHelloInspector.inspect(h, 0, h.length));
    }

    // ---------------------------------------------------------------- ClientHellos split over records

    /** The ClientHello message (handshake header and body) out of a single-record hello. */
    static byte[] message(byte[] singleRecord) {
        int len = ((singleRecord[3] & 0xFF) << 8) | (singleRecord[4] & 0xFF);
        return Arrays.copyOfRange(singleRecord, 5, 5 + len);
    }

    /**
     * Frames {@code message} into handshake records whose fragment sizes are taken, in turn, from
     * {@code sizes} (each at least 1; the last record takes what is left).
     */
    static byte[] reframe(byte[] message, List<Integer> sizes) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        int p = 0;
        int i = 0;
        while (p < message.length) {
            int n = Math.min(message.length - p, i < sizes.size() ? Math.max(1, sizes.get(i++)) : message.length - p);
            out.write(22);
            out.write(3);
            out.write(1);
            out.write(n >>> 8);
            out.write(n);
            out.write(message, p, n);
            p += n;
        }
        return out.toByteArray();
    }

    @Property(tries = 300)
    void anySplitOfAHelloGivesTheSameVerdict(@ForAll @Size(max = 40) List<@IntRange(min = 1, max = 300) Integer> sizes,
            @ForAll boolean psk) throws Exception {
        byte[] single = psk ? withPskSuite(jdkClientHello()) : jdkClientHello();
        ClientHelloInspector.Verdict expected = ClientHelloInspector.inspect(single, 0, single.length);
        assertEquals(psk ? ClientHelloInspector.Verdict.PSK : ClientHelloInspector.Verdict.NO_PSK, expected);
        byte[] split = reframe(message(single), sizes);
        assertEquals(expected, ClientHelloInspector.inspect(split, 0, split.length));
        // with more bytes after the last record (the client's next flight, or anything): same verdict
        byte[] more = Arrays.copyOf(split, split.length + 7);
        assertEquals(expected, ClientHelloInspector.inspect(more, 0, more.length));
    }

    @Property(tries = 100)
    void everyPrefixOfASplitHelloNeedsMore(@ForAll @Size(max = 40) List<@IntRange(min = 1, max = 300) Integer> sizes,
            @ForAll @IntRange(min = 0, max = 100_000) int cut) throws Exception {
        byte[] split = reframe(message(jdkClientHello()), sizes);
        int len = cut % split.length;
        assertEquals(ClientHelloInspector.Verdict.NEED_MORE, ClientHelloInspector.inspect(split, 0, len));
    }

    @Example
    void aHelloWhoseSuitesAreInALaterRecordIsSeen() throws Exception {
        byte[] m = message(jdkClientHello());
        // the first record carries only the handshake header and part of the random: the suites come later
        byte[] split = reframe(m, List.of(20, 30, 1, 1, 1));
        assertEquals(ClientHelloInspector.Verdict.NO_PSK, ClientHelloInspector.inspect(split, 0, split.length));
        byte[] psk = reframe(message(withPskSuite(jdkClientHello())), List.of(20, 30, 1, 1, 1));
        assertEquals(ClientHelloInspector.Verdict.PSK, ClientHelloInspector.inspect(psk, 0, psk.length));
    }

    @Example
    void malformedOrOversizedCountsAsOurs() throws Exception {
        byte[] m = message(jdkClientHello());
        // a ClientHello longer than anything inspected: ours, decided from its header alone
        byte[] big = {22, 3, 1, 0, 4, 1, 0, (byte) 0x40, 0};
        assertEquals(ClientHelloInspector.Verdict.PSK, ClientHelloInspector.inspect(big, 0, big.length));
        // an empty handshake record (RFC 5246 6.2.1 forbids them)
        byte[] empty = {22, 3, 1, 0, 0};
        assertEquals(ClientHelloInspector.Verdict.PSK, ClientHelloInspector.inspect(empty, 0, empty.length));
        // an application_data record in the middle of the ClientHello
        byte[] split = reframe(m, List.of(50));
        split[5 + 50] = 23;
        assertEquals(ClientHelloInspector.Verdict.PSK, ClientHelloInspector.inspect(split, 0, split.length));
        // the extensions block one octet longer than the message
        byte[] bad = jdkClientHello();
        byte[] body = message(bad);
        int extLenAt = extensionsLengthOffset(body);
        body[extLenAt + 1]++;
        byte[] framed = reframe(body, List.of());
        assertEquals(ClientHelloInspector.Verdict.PSK, ClientHelloInspector.inspect(framed, 0, framed.length));
    }

    /** @return the offset of the extensions block length in a ClientHello message */
    static int extensionsLengthOffset(byte[] m) {
        int p = 4 + 2 + 32;
        p += 1 + (m[p] & 0xFF);
        p += 2 + (((m[p] & 0xFF) << 8) | (m[p + 1] & 0xFF));
        p += 1 + (m[p] & 0xFF);
        return p;
    }

    @Property(tries = 300)
    void arbitraryRecordsNeverThrowAndNeverWaitPastTheBound(
            @ForAll @Size(max = 2000) byte[] content, @ForAll @Size(max = 30) List<@IntRange(min = 1, max = 200) Integer> sizes,
            @ForAll boolean helloHeader) {
        byte[] m = content.clone();
        if (helloHeader && m.length >= 4) {
            m[0] = 1; // a ClientHello header with an arbitrary length: exercise the reassembly
        }
        byte[] framed = reframe(m, sizes);
        assertNotNull(ClientHelloInspector.inspect(framed, 0, framed.length));
        for (int cut = 0; cut < framed.length; cut += 97) {
            assertNotNull(ClientHelloInspector.inspect(framed, 0, cut));
        }
    }

    @Property(tries = 100)
    void atTheBoundTheVerdictIsFinal(@ForAll long seed, @ForAll @IntRange(max = 3000) int extra,
            @ForAll boolean handshake, @ForAll @IntRange(min = 1, max = 300) int fragment) {
        java.util.Random random = new java.util.Random(seed);
        byte[] bytes = new byte[ClientHelloInspector.MAX_INSPECTED + extra];
        random.nextBytes(bytes);
        if (handshake) {
            // a ClientHello claiming 16000 octets, in records of `fragment` octets: never complete in time
            bytes[0] = 1;
            bytes[1] = 0;
            bytes[2] = (byte) (16000 >>> 8);
            bytes[3] = (byte) 16000;
            bytes = reframe(bytes, java.util.Collections.nCopies(bytes.length, fragment));
        }
        for (int len : new int[] {ClientHelloInspector.MAX_INSPECTED, bytes.length}) {
            ClientHelloInspector.Verdict v = ClientHelloInspector.inspect(bytes, 0, len);
            assertNotNull(v);
            org.junit.jupiter.api.Assertions.assertNotEquals(ClientHelloInspector.Verdict.NEED_MORE, v);
        }
    }

    @Example
    void aHelloSplitIntoOneOctetRecordsUpToTheBoundIsStillRead() throws Exception {
        byte[] m = message(jdkClientHello());
        // every octet its own record: 6 octets on the wire per octet of hello
        byte[] split = reframe(m, java.util.Collections.nCopies(m.length, 1));
        ClientHelloInspector.Verdict v = ClientHelloInspector.inspect(split, 0, split.length);
        assertEquals(split.length <= ClientHelloInspector.MAX_INSPECTED ? ClientHelloInspector.Verdict.NO_PSK
                : ClientHelloInspector.Verdict.PSK, v, "hello of " + m.length + " octets, " + split.length + " on the wire");
    }
}
