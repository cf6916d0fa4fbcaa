package dev.saef.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.nio.ByteBuffer;
import java.util.Arrays;
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
}
