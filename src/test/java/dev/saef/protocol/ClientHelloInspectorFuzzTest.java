package dev.saef.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.saef.fuzz.FuzzInput;
import dev.saef.protocol.ClientHelloInspector.Verdict;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;

/**
 * Coverage-guided fuzzing (Jazzer) of {@link ClientHelloInspector}, which reads the first bytes a
 * server receives from anyone, before any authentication.
 *
 * <p>Oracle: it never throws (whatever the bytes, offset and length), never reads outside
 * {@code buf[off, off + len)} (bytes around the window do not change the verdict), and its verdict
 * is stable as bytes arrive: once a prefix gives PSK or NO_PSK, every longer prefix gives the same.
 *
 * <p>Input ({@link FuzzInput}): offset (0..15), bytes after the window (0..15), then the bytes.
 */
class ClientHelloInspectorFuzzTest {

    @FuzzTest(maxDuration = "10m")
    void inspect(byte[] data) {
        FuzzInput in = new FuzzInput(data);
        int off = in.u8() % 16;
        int after = in.u8() % 16;
        byte[] window = in.rest();

        Verdict v = inspectIn(window, off, after, (byte) 0);
        assertNotNull(v);
        assertEquals(v, inspectIn(window, off, after, (byte) 0xFF), "the verdict depends on bytes outside the window");
        assertEquals(v, ClientHelloInspector.inspect(window, 0, window.length), "the verdict depends on the offset");

        // stable as bytes arrive (sampled prefixes, all of the first 64)
        for (int len = 0; len < window.length; len += len < 64 ? 1 : Math.max(1, window.length / 64)) {
            Verdict p = ClientHelloInspector.inspect(window, 0, len);
            assertNotNull(p);
            if (p != Verdict.NEED_MORE) {
                assertEquals(v, p, "the verdict for " + len + " of " + window.length + " bytes differs from the final one");
            }
        }
    }

    /** The window at {@code off} in a larger array filled with {@code fill} around it. */
    private static Verdict inspectIn(byte[] window, int off, int after, byte fill) {
        byte[] buf = new byte[off + window.length + after];
        Arrays.fill(buf, fill);
        System.arraycopy(window, 0, buf, off, window.length);
        return ClientHelloInspector.inspect(buf, off, window.length);
    }

    /**
     * Writes the seeds: a SAEF ClientHello (PSK suites) and the JDK's own ClientHello (no PSK suite),
     * whole, at an offset, and split. Run from the project root with the test class path.
     */
    public static void main(String[] args) throws Exception {
        Path dir = Paths.get(args.length > 0 ? args[0]
                : "src/test/resources/dev/saef/protocol/ClientHelloInspectorFuzzTestInputs/inspect");
        Files.createDirectories(dir);
        dev.saef.config.AssociationTable table = dev.saef.config.AssociationTable.parse("seed", new java.io.StringReader(
                "seed@x.example.com peer=/id-in address=localhost key=hex:00112233445566778899aabbccddeeff"),
                dev.saef.identity.IdentityMode.STRICT, true);
        javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance("PSK",
                new dev.saef.jsse.SaefProvider());
        kmf.init(new dev.saef.config.PskKeyManagerParameters(dev.saef.config.SaefConfiguration.of(table,
                table.inlineKeys())));
        SSLContext saef = SSLContext.getInstance("TLS", new dev.saef.jsse.SaefProvider());
        saef.init(kmf.getKeyManagers(), null, null);
        byte[] psk = firstFlight(saef.createSSLEngine("localhost", 443));
        SSLContext jdk = SSLContext.getInstance("TLS", "SunJSSE");
        jdk.init(null, null, null);
        byte[] cert = firstFlight(jdk.createSSLEngine("localhost", 443));
        Files.write(dir.resolve("seed-saef-clienthello"), concat(new byte[] {0, 0}, psk));
        Files.write(dir.resolve("seed-jdk-clienthello"), concat(new byte[] {3, 5}, cert));
        Files.write(dir.resolve("seed-jdk-clienthello-half"), concat(new byte[] {0, 0}, Arrays.copyOf(cert, cert.length / 2)));
    }

    private static byte[] firstFlight(SSLEngine e) throws Exception {
        e.setUseClientMode(true);
        ByteBuffer out = ByteBuffer.allocate(1 << 16);
        e.beginHandshake();
        for (int i = 0; i < 4 && out.position() == 0; i++) {
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
