package dev.saef.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.saef.fuzz.FuzzInput;
import dev.saef.identity.IdentityMode;
import dev.saef.keys.Association;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.SecretKey;

/**
 * Coverage-guided fuzzing (Jazzer) of the association table parser ({@link AssociationTable#load}
 * from a file, and {@link AssociationTable#parse} from text), both identity modes, with and without
 * inline keys.
 *
 * <p>Oracle: the parser returns a table or throws the documented {@link SaefConfigException}, nothing
 * else; the message starts with {@code source:line: } naming a line that exists; no key text (the
 * value of a {@code key=} field, 8 characters or more) appears in an error message or in the table's
 * {@code toString()}; and a table it returns keeps its promises: every association is found by its
 * KpsaID, by its wire octets, by its own address (exactly one association matches a host:port), and
 * has an inline key of 1..512 octets exactly when its line had {@code key=}.
 *
 * <p>Input ({@link FuzzInput}): flags (bit 0: LENIENT identity mode; bit 1: read through
 * {@code load(Path)} (bytes, UTF-8 decoding) instead of {@code parse(Reader)}; bit 2: inline keys
 * refused), then the table bytes.
 */
class AssociationTableFuzzTest {

    private static final Pattern WHERE = Pattern.compile("^(.*?):(\\d+): ");
    private static Path file;

    private static synchronized Path file() {
        if (file == null) {
            try {
                Path dir = Files.createTempDirectory("saef-fuzz-table",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                file = dir.resolve("associations");
                dir.toFile().deleteOnExit();
                file.toFile().deleteOnExit();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return file;
    }

    @FuzzTest(maxDuration = "10m")
    void table(byte[] data) throws IOException {
        FuzzInput in = new FuzzInput(data);
        int flags = in.u8();
        IdentityMode mode = (flags & 1) != 0 ? IdentityMode.LENIENT : IdentityMode.STRICT;
        boolean fromFile = (flags & 2) != 0;
        boolean keysAllowed = fromFile || (flags & 4) == 0;
        byte[] bytes = in.rest();
        String text = new String(bytes, StandardCharsets.UTF_8);
        String source;
        AssociationTable table;
        try {
            if (fromFile) {
                Path f = file();
                Files.write(f, bytes);
                Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
                source = f.toString();
                table = AssociationTable.load(f, mode);
            } else {
                source = "fuzz-table";
                table = AssociationTable.parse(source, new StringReader(text), mode, keysAllowed);
            }
        } catch (SaefConfigException e) {
            checkMessage(e.getMessage(), fromFile ? file().toString() : "fuzz-table", text);
            return;
        }
        try {
            checkTable(table, text, keysAllowed);
        } finally {
            table.destroy();
        }
    }

    private static void checkMessage(String message, String source, String text) {
        assertNotNull(message);
        Matcher m = WHERE.matcher(message);
        if (!m.find() || !m.group(1).equals(source)) {
            fail("error message does not start with " + source + ":<line>: " + message);
        }
        int line = Integer.parseInt(m.group(2));
        int lines = lines(text);
        assertTrue(line >= 1 && line <= lines, "line " + line + " of a " + lines + "-line table: " + message);
        for (String key : keyTexts(text)) {
            if (message.contains(key)) {
                fail("error message contains key text: " + message);
            }
        }
    }

    private static void checkTable(AssociationTable table, String text, boolean keysAllowed) {
        String shown = table.toString() + table.associations();
        for (String key : keyTexts(text)) {
            assertFalse(shown.contains(key), "toString() contains key text");
        }
        List<Association> all = table.associations();
        for (Association a : all) {
            assertEquals(a, table.byKpsaId(a.kpsaId()).orElse(null), "byKpsaId");
            assertEquals(a, table.byWireIdentity(a.kpsaId().toWire()).orElse(null), "byWireIdentity");
            a.address().ifPresent(ad -> {
                int port = ad.hasPort() ? ad.port() : 443;
                Association found = table.forPeer(ad.host(), port).orElse(null);
                long matching = all.stream().filter(o -> o.address().map(x -> x.matches(ad.host(), port)).orElse(false))
                        .count();
                assertEquals(1, matching, "exactly one association may match " + ad.host() + ":" + port);
                assertEquals(a, found, "forPeer(" + ad.host() + ", " + port + ")");
            });
            SecretKey k = table.inlineKeys().getKey(a.kpsaId());
            assertEquals(a.hasInlineKey(), k != null, "inline key presence");
            assertTrue(!a.hasInlineKey() || keysAllowed, "an inline key was accepted where keys are refused");
            if (k != null) {
                int n = k.getEncoded().length;
                assertTrue(n >= 1 && n <= AssociationTable.MAX_KEY_OCTETS, "inline key of " + n + " octets");
            }
        }
    }

    /** Lines as the parser counts them (LF, CRLF, CR); an empty text has one line. */
    static int lines(String text) {
        int n = 1;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\n' || c == '\r' && (i + 1 >= text.length() || text.charAt(i + 1) != '\n')) {
                n++;
            }
        }
        return n;
    }

    /**
     * The key texts of {@code key=} fields (after {@code hex:}, {@code base64:}, {@code text:}), at
     * least 8 characters, that occur only once in the whole table (a key text that is also, say, a
     * KpsaID elsewhere may rightly appear in a message as that KpsaID; shorter ones such as
     * {@code 0000} occur by chance in messages, e.g. in the escape {@code \u0000}).
     */
    static List<String> keyTexts(String text) {
        List<String> out = new ArrayList<>();
        for (String line : text.split("\r\n|\r|\n", -1)) {
            for (String token : line.split("[ \t\f\u000B]+")) {
                if (!token.startsWith("key=")) {
                    continue;
                }
                String v = token.substring(4);
                for (String p : new String[] {"hex:", "base64:", "text:"}) {
                    if (v.startsWith(p)) {
                        v = v.substring(p.length());
                        break;
                    }
                }
                if (v.length() >= 8 && text.indexOf(v) == text.lastIndexOf(v)) {
                    out.add(v);
                }
            }
        }
        return out;
    }

    /** Writes the seeds (the README's example table, each field form, each error class). */
    public static void main(String[] args) throws IOException {
        Path dir = Paths.get(args.length > 0 ? args[0] : "src/test/resources/dev/saef/config/AssociationTableFuzzTestInputs/table");
        Files.createDirectories(dir);
        String example = """
                # KpsaID                      fields (key=value, any order)
                ae42@sp.example.com           peer=/id-in  address=cse.example.net:8443  key=hex:00112233445566778899aabbccddeeff
                node7@mef.example.com         peer=CAE-node7  key=base64:ABEiM0RVZneImaq7zN3u/w==
                cse-mn1@sp.example.com        peer=/id-mn1
                v6@sp.example.com  address=[2001:db8::1]:5684 key=text:correct-horse
                """;
        write(dir, "seed-example-parse", 0, example);
        write(dir, "seed-example-file-crlf", 2, "\uFEFF" + example.replace("\n", "\r\n"));
        write(dir, "seed-lenient", 1, "Weird#Id@x peer=C-ae1 address=host.example key=hex:0a0b\n");
        write(dir, "seed-overlap", 0, "a@x address=h.example\nb@x address=h.example:1 key=hex:00\n");
        write(dir, "seed-duplicate", 0, "a@x peer=/id-in\na@x peer=/id-in\n");
        write(dir, "seed-keys-refused", 4, "a@x key=hex:0011223344\n");
        write(dir, "seed-bad-field", 0, "a@x key=hex:00112233 junk\n");
    }

    private static void write(Path dir, String name, int flags, String table) throws IOException {
        byte[] t = table.getBytes(StandardCharsets.UTF_8);
        byte[] b = new byte[t.length + 1];
        b[0] = (byte) flags;
        System.arraycopy(t, 0, b, 1, t.length);
        Files.write(dir.resolve(name), b);
    }
}
