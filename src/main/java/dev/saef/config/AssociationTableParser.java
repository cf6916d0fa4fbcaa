package dev.saef.config;

import dev.saef.identity.IdentityMode;
import dev.saef.identity.KpsaId;
import dev.saef.identity.SaefPrincipal;
import dev.saef.keys.Association;
import dev.saef.keys.HostPort;
import java.io.IOException;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Reads the association table format described in {@link AssociationTable} (oneM2M TS-0003 clause
 * 8.2.2.1, Credential and Association Configuration): the file checks (regular file, size, UTF-8,
 * permissions) and the line parser. Works on a char array and never turns key text into a
 * {@code String}; every buffer holding table text or key octets is zeroed before returning or
 * throwing. The decoded keys go to an {@link InlineKeys} store owned by the returned table. One
 * instance parses one text, on one thread.
 */
final class AssociationTableParser {

    private static final String FIELDS = "fields are peer=, address= and key=";

    /**
     * Reads an association table file.
     *
     * @param file the file (UTF-8)
     * @param mode how KpsaIDs are checked
     * @return the table; error messages use {@code file} as the source name
     * @throws SaefConfigException when the file is missing, unreadable, not a regular file (a FIFO is
     *     never opened), larger than 64 MiB, not UTF-8, has a bad line, or has inline keys and is
     *     readable or writable by group or others (fix: {@code chmod 600})
     */
    static AssociationTable load(Path file, IdentityMode mode) throws SaefConfigException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(mode, "mode");
        String source = file.toString();
        byte[] bytes = ConfigFiles.read(file, "association table " + source, SaefProperties.ASSOCIATIONS,
                ConfigFiles.TABLE_LIMIT);
        char[] chars;
        int length;
        try {
            CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT);
            chars = new char[bytes.length];
            ByteBuffer in = ByteBuffer.wrap(bytes);
            CharBuffer out = CharBuffer.wrap(chars);
            CoderResult result = decoder.decode(in, out, true);
            if (!result.isError()) {
                result = decoder.flush(out);
            }
            if (result.isError()) {
                int line = 1;
                for (int i = 0; i < in.position(); i++) {
                    boolean crOnly = bytes[i] == '\r' && (i + 1 >= bytes.length || bytes[i + 1] != '\n');
                    if (bytes[i] == '\n' || crOnly) {
                        line++; // same line ends as the parser: LF, CRLF, CR
                    }
                }
                Arrays.fill(chars, '\0');
                throw new SaefConfigException(source + ":" + line + ": not valid UTF-8 (malformed octets at byte offset "
                        + in.position() + " of the file)");
            }
            length = out.position();
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
        try {
            AssociationTable table = new AssociationTableParser(source, chars, length, mode, true).parse();
            try {
                if (table.inlineKeys().size() > 0) {
                    FileModes.refuse(file, "association table " + source, FileModes.SHARED,
                            "contains inline keys (key=) but", "chmod 600 " + source);
                } else {
                    FileModes.refuse(file, "association table " + source, FileModes.SHARED_WRITE,
                            "binds KpsaIDs to identities but", "chmod go-w " + source);
                }
            } catch (SaefConfigException e) {
                table.destroy();
                throw e;
            }
            return table;
        } finally {
            Arrays.fill(chars, '\0');
        }
    }

    /**
     * Parses an association table from a reader (no file: tests, programmatic configuration).
     *
     * @param sourceName the name used in messages, e.g. {@code "associations"}
     * @param reader the table text; read to the end, not closed
     * @param mode how KpsaIDs are checked
     * @param inlineKeysAllowed whether {@code key=} fields are accepted
     * @return the table
     * @throws SaefConfigException naming {@code sourceName:line} and the cause, when a line is bad or
     *     the reader fails
     */
    static AssociationTable parse(String sourceName, Reader reader, IdentityMode mode,
            boolean inlineKeysAllowed) throws SaefConfigException {
        Objects.requireNonNull(sourceName, "sourceName");
        Objects.requireNonNull(reader, "reader");
        Objects.requireNonNull(mode, "mode");
        char[] buf = new char[4096];
        int length = 0;
        try {
            while (true) {
                if (length == buf.length) {
                    char[] bigger = Arrays.copyOf(buf, buf.length * 2);
                    Arrays.fill(buf, '\0');
                    buf = bigger;
                }
                int n = reader.read(buf, length, buf.length - length);
                if (n < 0) {
                    break;
                }
                length += n;
            }
            return new AssociationTableParser(sourceName, buf, length, mode, inlineKeysAllowed).parse();
        } catch (IOException e) {
            throw new SaefConfigException("cannot read association table " + sourceName + ": " + e.getMessage());
        } finally {
            Arrays.fill(buf, '\0');
        }
    }

    private final String source;
    private final char[] buf;
    private final int length;
    private final IdentityMode mode;
    private final boolean inlineKeysAllowed;
    private final List<Association> associations = new ArrayList<>();
    private final Map<KpsaId, Association> byId = new HashMap<>();
    private final Map<String, List<Association>> byHost = new HashMap<>();
    private final Map<KpsaId, byte[]> keys = new HashMap<>();
    /** Token bounds of the current line: start, end pairs. */
    private int[] tokens = new int[16];
    private int tokenCount;
    private int lineNo;

    private AssociationTableParser(String source, char[] buf, int length, IdentityMode mode, boolean inlineKeysAllowed) {
        this.source = source;
        this.buf = buf;
        this.length = length;
        this.mode = mode;
        this.inlineKeysAllowed = inlineKeysAllowed;
    }

    AssociationTable parse() throws SaefConfigException {
        try {
            int pos = length > 0 && buf[0] == '\uFEFF' ? 1 : 0;
            while (pos < length) {
                int end = pos;
                while (end < length && buf[end] != '\n' && buf[end] != '\r') {
                    end++;
                }
                lineNo++;
                parseLine(pos, end);
                pos = end;
                if (pos < length) {
                    boolean crlf = buf[pos] == '\r' && pos + 1 < length && buf[pos + 1] == '\n';
                    pos += crlf ? 2 : 1;
                }
            }
            return new AssociationTable(source, mode, associations, new InlineKeys(source, keys));
        } catch (SaefConfigException | RuntimeException e) {
            for (byte[] k : keys.values()) {
                Arrays.fill(k, (byte) 0);
            }
            throw e;
        }
    }

    private void parseLine(int start, int end) throws SaefConfigException {
        tokenCount = 0;
        int i = start;
        while (i < end) {
            while (i < end && isBlank(buf[i])) {
                i++;
            }
            if (i == end || buf[i] == '#') {
                break;
            }
            int s = i;
            while (i < end && !isBlank(buf[i])) {
                i++;
            }
            if (tokenCount * 2 == tokens.length) {
                tokens = Arrays.copyOf(tokens, tokens.length * 2);
            }
            tokens[tokenCount * 2] = s;
            tokens[tokenCount * 2 + 1] = i;
            tokenCount++;
        }
        if (tokenCount == 0) {
            return;
        }
        for (String field : new String[] {"peer=", "address=", "key="}) {
            if (startsWith(0, field)) {
                throw error("the line starts with the field " + field + "; the first token must be the KpsaID");
            }
        }
        String first = text(0);
        KpsaId id;
        try {
            id = KpsaId.parse(first, mode);
        } catch (IllegalArgumentException e) {
            throw error("bad KpsaID: " + e.getMessage());
        }
        Association earlier = byId.get(id);
        if (earlier != null) {
            throw error("KpsaID " + id + " is already defined at " + earlier.source());
        }
        String peer = null;
        HostPort address = null;
        byte[] key = null;
        try {
            for (int t = 1; t < tokenCount; t++) {
                int s = tokens[t * 2];
                int e = tokens[t * 2 + 1];
                int eq = indexOf(s, e, '=');
                if (eq < 0) {
                    String shown = keySeenBefore(t) ? null : safeName(s, e);
                    throw error((shown != null ? "field '" + shown + "'" : "field #" + t + " after the KpsaID")
                            + " has no '=': " + FIELDS + " (name=value)");
                }
                if (regionEquals(s, eq, "peer")) {
                    if (peer != null) {
                        throw error("duplicate field peer=");
                    }
                    peer = new String(buf, eq + 1, e - eq - 1);
                    if (peer.isEmpty()) {
                        throw error("peer= is empty; give the peer's CSE-ID or AE-ID");
                    }
                    try {
                        SaefPrincipal.checkEntityId(peer);
                    } catch (IllegalArgumentException ex) {
                        throw error("bad peer=: " + ex.getMessage());
                    }
                } else if (regionEquals(s, eq, "address")) {
                    if (address != null) {
                        throw error("duplicate field address=");
                    }
                    try {
                        address = HostPort.parse(new String(buf, eq + 1, e - eq - 1));
                    } catch (IllegalArgumentException ex) {
                        throw error("bad address=: " + ex.getMessage());
                    }
                } else if (regionEquals(s, eq, "key")) {
                    if (key != null) {
                        throw error("duplicate field key=");
                    }
                    if (!inlineKeysAllowed) {
                        throw error("inline keys (key=) are not allowed in this table; put the key in saef.keyStore");
                    }
                    key = decodeKey(eq + 1, e);
                } else {
                    String shown = keySeenBefore(t) ? null : safeName(s, eq);
                    throw error("unknown field "
                            + (shown != null ? "'" + shown + "='" : "#" + t + " after the KpsaID") + "; " + FIELDS);
                }
            }
            if (address != null) {
                checkOverlap(address);
            }
        } catch (SaefConfigException | RuntimeException e) {
            if (key != null) {
                Arrays.fill(key, (byte) 0);
            }
            throw e;
        }
        Association a = Association.fromTable(id, peer, address, key != null, source + ":" + lineNo);
        associations.add(a);
        byId.put(id, a);
        if (address != null) {
            byHost.computeIfAbsent(address.host(), h -> new ArrayList<>()).add(a);
        }
        if (key != null) {
            keys.put(id, key);
        }
    }

    private void checkOverlap(HostPort address) throws SaefConfigException {
        for (Association other : byHost.getOrDefault(address.host(), List.of())) {
            HostPort o = other.address().orElseThrow();
            if (o.overlaps(address)) {
                String example = address.hasPort() ? address.toString() : o.toString();
                if (!address.hasPort() && !o.hasPort()) {
                    example = address + ":<any port>";
                }
                throw error("address=" + address + " overlaps address=" + o + " of KpsaID " + other.kpsaId() + " ("
                        + other.source() + "): a connection to " + example + " would match both; exactly one"
                        + " association may match a host:port (give each a different port or host)");
            }
        }
    }

    private byte[] decodeKey(int s, int e) throws SaefConfigException {
        if (regionStartsWith(s, e, "hex:")) {
            return decodeHex(s + 4, e);
        }
        if (regionStartsWith(s, e, "base64:")) {
            return decodeBase64(s + 7, e);
        }
        if (regionStartsWith(s, e, "text:")) {
            return decodeText(s + 5, e);
        }
        throw error("key= must be key=hex:<hex digits>, key=base64:<base64 text> or key=text:<ASCII>");
    }

    /** RFC 4279 section 5.4: a PSK entered as an ASCII string (printable, no spaces, as a table token). */
    private byte[] decodeText(int s, int e) throws SaefConfigException {
        if (e == s) {
            throw error("key=text: is empty");
        }
        if (e - s > AssociationTable.MAX_KEY_OCTETS) {
            throw error("key is " + (e - s) + " octets; at most " + AssociationTable.MAX_KEY_OCTETS + " are supported");
        }
        byte[] out = new byte[e - s];
        for (int i = s; i < e; i++) {
            if (buf[i] < 0x21 || buf[i] > 0x7E) {
                Arrays.fill(out, (byte) 0);
                throw error("key=text: must be printable ASCII without spaces (position " + (i - s + 1)
                        + " of the key text is not); use key=hex: for other octets");
            }
            out[i - s] = (byte) buf[i];
        }
        return out;
    }

    private byte[] decodeHex(int s, int e) throws SaefConfigException {
        int digits = e - s;
        if (digits == 0) {
            throw error("key=hex: is empty");
        }
        if (digits % 2 != 0) {
            throw error("key=hex: has an odd number of hex digits (" + digits + ")");
        }
        if (digits / 2 > AssociationTable.MAX_KEY_OCTETS) {
            throw error("key is " + digits / 2 + " octets; at most " + AssociationTable.MAX_KEY_OCTETS + " are supported");
        }
        byte[] out = new byte[digits / 2];
        for (int i = 0; i < digits; i += 2) {
            int hi = Character.digit(buf[s + i], 16);
            int lo = Character.digit(buf[s + i + 1], 16);
            if (hi < 0 || lo < 0 || buf[s + i] > 0x7F || buf[s + i + 1] > 0x7F) {
                Arrays.fill(out, (byte) 0);
                int bad = hi < 0 || buf[s + i] > 0x7F ? i : i + 1;
                throw error("key=hex: has a character that is not a hex digit (position " + (bad + 1)
                        + " of the key text)");
            }
            out[i / 2] = (byte) (hi << 4 | lo);
        }
        return out;
    }

    private byte[] decodeBase64(int s, int e) throws SaefConfigException {
        if (e == s) {
            throw error("key=base64: is empty");
        }
        byte[] ascii = new byte[e - s];
        try {
            for (int i = s; i < e; i++) {
                if (buf[i] > 0x7F) {
                    throw error("key=base64: is not valid base64 (RFC 4648 standard alphabet)");
                }
                ascii[i - s] = (byte) buf[i];
            }
            byte[] out;
            try {
                out = Base64.getDecoder().decode(ascii);
            } catch (IllegalArgumentException ex) {
                // The decoder's message names the offending character: do not pass it on.
                throw error("key=base64: is not valid base64 (RFC 4648 standard alphabet)");
            }
            if (out.length == 0) {
                throw error("key=base64: decodes to an empty key");
            }
            if (out.length > AssociationTable.MAX_KEY_OCTETS) {
                Arrays.fill(out, (byte) 0);
                throw error("key is " + out.length + " octets; at most " + AssociationTable.MAX_KEY_OCTETS + " are supported");
            }
            return out;
        } finally {
            Arrays.fill(ascii, (byte) 0);
        }
    }

    /**
     * Builds the error for the current line. As a last line of defence, any text of a
     * {@code key=} field of the line that shows up in the message is masked.
     */
    private SaefConfigException error(String message) {
        String m = message;
        for (int t = 0; t < tokenCount; t++) {
            int s = tokens[t * 2];
            int e = tokens[t * 2 + 1];
            if (!startsWith(t, "key=")) {
                continue;
            }
            int v = s + 4;
            if (regionStartsWith(v, e, "hex:")) {
                v += 4;
            } else if (regionStartsWith(v, e, "base64:")) {
                v += 7;
            } else if (regionStartsWith(v, e, "text:")) {
                v += 5;
            }
            if (e - v >= 4) {
                m = mask(m, v, e);
            }
        }
        return new SaefConfigException(source + ":" + lineNo + ": " + m);
    }

    private String mask(String message, int s, int e) {
        int n = e - s;
        StringBuilder sb = null;
        int from = 0;
        for (int i = 0; i + n <= message.length(); i++) {
            boolean same = true;
            for (int j = 0; j < n && same; j++) {
                same = message.charAt(i + j) == buf[s + j];
            }
            if (same) {
                if (sb == null) {
                    sb = new StringBuilder();
                }
                sb.append(message, from, i).append("<key text>");
                from = i + n;
                i = from - 1;
            }
        }
        return sb == null ? message : sb.append(message, from, message.length()).toString();
    }

    /**
     * @return whether a token before {@code token} is a {@code key=} field: what follows it may be
     *     the rest of a key written with a blank in it, so no later token may be quoted
     */
    private boolean keySeenBefore(int token) {
        for (int t = 1; t < token; t++) {
            if (startsWith(t, "key=")) {
                return true;
            }
        }
        return false;
    }

    /**
     * @return the region if it looks like a field name (up to 16 letters, '-', '_'), else null: a
     *     malformed field may be misplaced key text, which must not reach a message
     */
    private String safeName(int s, int e) {
        if (e - s < 1 || e - s > 16) {
            return null;
        }
        for (int i = s; i < e; i++) {
            char c = buf[i];
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_')) {
                return null;
            }
        }
        return new String(buf, s, e - s);
    }

    private String text(int token) {
        return new String(buf, tokens[token * 2], tokens[token * 2 + 1] - tokens[token * 2]);
    }

    private boolean startsWith(int token, String prefix) {
        return regionStartsWith(tokens[token * 2], tokens[token * 2 + 1], prefix);
    }

    private boolean regionStartsWith(int s, int e, String prefix) {
        if (e - s < prefix.length()) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            if (buf[s + i] != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private boolean regionEquals(int s, int e, String text) {
        return e - s == text.length() && regionStartsWith(s, e, text);
    }

    private int indexOf(int s, int e, char c) {
        for (int i = s; i < e; i++) {
            if (buf[i] == c) {
                return i;
            }
        }
        return -1;
    }

    private static boolean isBlank(char c) {
        return c == ' ' || c == '\t' || c == '\f' || c == '\u000B';
    }
}
