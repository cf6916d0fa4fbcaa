package dev.saef.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saef.identity.IdentityMode;
import dev.saef.identity.KpsaId;
import dev.saef.keys.Association;
import dev.saef.keys.HostPort;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AssociationTableTest {

    static final String DESIGN_EXAMPLE = ""
            + "# KpsaID                      fields (key=value, any order)\n"
            + "ae42@sp.example.com           peer=/id-in  address=cse.example.net:8443"
            + "  key=hex:00112233445566778899aabbccddeeff\n"
            + "node7@mef.example.com         peer=CAE-node7  key=base64:ABEiM0RVZneImaq7zN3u/w==\n"
            + "cse-mn1@sp.example.com        peer=/id-mn1\n";

    static final byte[] KEY = HexFormat.of().parseHex("00112233445566778899aabbccddeeff");

    @TempDir
    Path dir;

    static AssociationTable parse(String text) throws SaefConfigException {
        return AssociationTable.parse("associations", new StringReader(text), IdentityMode.STRICT, true);
    }

    /**
     * @return the error message for {@code text}, after checking that no key text of the table
     *     (the part after key=, key=hex: or key=base64:) appears in it
     */
    static String error(String text) {
        return error(text, IdentityMode.STRICT, true);
    }

    static String error(String text, IdentityMode mode, boolean inline) {
        SaefConfigException e = assertThrows(SaefConfigException.class,
                () -> AssociationTable.parse("associations", new StringReader(text), mode, inline));
        assertNoKeyText(text, e.getMessage());
        return e.getMessage();
    }

    static void assertNoKeyText(String table, String message) {
        for (String token : table.split("[ \t\r\n]+")) {
            int k = token.indexOf("key=");
            if (k < 0) {
                continue;
            }
            String v = token.substring(k + 4);
            v = v.startsWith("hex:") ? v.substring(4) : v.startsWith("base64:") ? v.substring(7) : v;
            if (v.length() >= 4) {
                assertFalse(message.contains(v), "key text '" + v + "' in message: " + message);
            }
        }
    }

    static KpsaId id(String text) {
        return KpsaId.parse(text, IdentityMode.STRICT);
    }

    @Test
    void parsesTheDesignExample() throws Exception {
        AssociationTable t = parse(DESIGN_EXAMPLE);
        List<Association> all = t.associations();
        assertEquals(3, all.size());

        Association a = all.get(0);
        assertEquals(id("ae42@sp.example.com"), a.kpsaId());
        assertEquals(Optional.of("/id-in"), a.peerId());
        assertEquals(Optional.of(HostPort.parse("cse.example.net:8443")), a.address());
        assertTrue(a.hasInlineKey());
        assertEquals("associations:2", a.source());

        Association b = all.get(1);
        assertEquals(Optional.of("CAE-node7"), b.peerId());
        assertEquals(Optional.empty(), b.address());
        assertEquals("associations:3", b.source());

        Association c = all.get(2);
        assertEquals(Optional.of("/id-mn1"), c.peerId());
        assertFalse(c.hasInlineKey());
        assertEquals("associations:4", c.source());

        assertArrayEquals(KEY, t.inlineKeys().getKey(a.kpsaId()).getEncoded());
        assertArrayEquals(KEY, t.inlineKeys().getKey(b.kpsaId()).getEncoded());
        assertEquals("TlsPsk", t.inlineKeys().getKey(a.kpsaId()).getAlgorithm());
        assertNull(t.inlineKeys().getKey(c.kpsaId()));
        assertTrue(t.inlineKeys().hasKey(a.kpsaId()));
        assertFalse(t.inlineKeys().hasKey(c.kpsaId()));
        assertEquals(IdentityMode.STRICT, t.identityMode());
        assertEquals("AssociationTable[associations, 3 associations, 2 inline keys]", t.toString());
        assertEquals("Association[ae42@sp.example.com peer=/id-in address=cse.example.net:8443 key=inline"
                + " (associations:2)]", a.toString());
        assertEquals("Association[cse-mn1@sp.example.com peer=/id-mn1 key=store (associations:4)]", c.toString());
    }

    @Test
    void lookups() throws Exception {
        AssociationTable t = parse(DESIGN_EXAMPLE + "host@sp.example.com address=CSE.example.net:9000\n"
                + "any@sp.example.com address=other.example.net\n");
        Association ae42 = t.associations().get(0);
        assertEquals(Optional.of(ae42), t.byKpsaId(id("ae42@sp.example.com")));
        assertEquals(Optional.empty(), t.byKpsaId(id("AE42@sp.example.com")));
        assertEquals(Optional.empty(), t.byKpsaId(null));

        assertEquals(Optional.of(ae42), t.byWireIdentity("ae42@sp.example.com".getBytes(StandardCharsets.UTF_8)));
        assertEquals(Optional.empty(), t.byWireIdentity("AE42@sp.example.com".getBytes(StandardCharsets.UTF_8)));
        assertEquals(Optional.empty(), t.byWireIdentity("ae42@sp.example.com ".getBytes(StandardCharsets.UTF_8)));
        assertEquals(Optional.empty(), t.byWireIdentity(new byte[] {(byte) 0xff, (byte) 0xfe}));
        assertEquals(Optional.empty(), t.byWireIdentity(new byte[0]));
        assertEquals(Optional.empty(), t.byWireIdentity(new byte[5000]));
        assertEquals(Optional.empty(), t.byWireIdentity(null));

        assertEquals(Optional.of(ae42), t.forPeer("cse.example.net", 8443));
        assertEquals(Optional.of(ae42), t.forPeer("CSE.EXAMPLE.NET", 8443));
        assertEquals("host@sp.example.com", t.forPeer("cse.example.net", 9000).orElseThrow().kpsaId().value());
        assertEquals(Optional.empty(), t.forPeer("cse.example.net", 443));
        assertEquals(Optional.empty(), t.forPeer("cse.example.net", -1));
        assertEquals("any@sp.example.com", t.forPeer("other.example.net", 1).orElseThrow().kpsaId().value());
        assertEquals("any@sp.example.com", t.forPeer("other.example.net", -1).orElseThrow().kpsaId().value());
        assertEquals(Optional.empty(), t.forPeer("unknown.example.net", 8443));
        assertEquals(Optional.empty(), t.forPeer(null, 8443));
    }

    @Test
    void commentsBlankLinesAndLineEndings() throws Exception {
        String text = "\uFEFF# comment\r\n"
                + "\r\n"
                + "   \t  \n"
                + "a@x.com\tpeer=/id-a # trailing comment key=hex:zz\r"
                + "b@x.com peer=/id-b#notacomment address=b.example # key=hex:00\n"
                + "    # indented comment\n"
                + "c@x.com";
        AssociationTable t = parse(text);
        assertEquals(3, t.associations().size());
        assertEquals("associations:4", t.associations().get(0).source());
        assertEquals(Optional.of("/id-a"), t.associations().get(0).peerId());
        assertFalse(t.associations().get(0).hasInlineKey());
        assertEquals("associations:5", t.associations().get(1).source());
        assertEquals(Optional.of("/id-b#notacomment"), t.associations().get(1).peerId());
        assertFalse(t.associations().get(1).hasInlineKey());
        assertEquals("associations:7", t.associations().get(2).source());
    }

    @Test
    void emptyInputGivesAnEmptyTable() throws Exception {
        assertEquals(List.of(), parse("").associations());
        assertEquals(List.of(), parse("# nothing\n\n").associations());
        assertEquals(List.of(), AssociationTable.empty(IdentityMode.LENIENT).associations());
        assertEquals(IdentityMode.LENIENT, AssociationTable.empty(IdentityMode.LENIENT).identityMode());
    }

    @Test
    void lenientTablesAcceptGbaStyleIdentities() throws Exception {
        String text = "dGVzdA+/==@bsf.example.com peer=CAE1 key=hex:01\n"
                + "a#b#c peer=CAE2 key=hex:02\n";
        AssociationTable t = AssociationTable.parse("lenient", new StringReader(text), IdentityMode.LENIENT, true);
        assertEquals("dGVzdA+/==@bsf.example.com", t.associations().get(0).kpsaId().value());
        assertEquals("a#b#c", t.associations().get(1).kpsaId().value());
        assertEquals(Optional.of(t.associations().get(1)),
                t.byWireIdentity("a#b#c".getBytes(StandardCharsets.US_ASCII)));
        assertEquals("associations:1: bad KpsaID: KpsaID 'dGVzdA+/==@bsf.example.com': character '+' at index 6 is not"
                + " allowed in Issuer_Relative_KpsaID (clause 10.5 allows A-Z a-z 0-9 . _ -)", error(text));
    }

    @Test
    void keysOfAllSupportedSizes() throws Exception {
        for (int n : new int[] {1, 63, 64, 65, 511, 512}) {
            byte[] key = new byte[n];
            for (int i = 0; i < n; i++) {
                key[i] = (byte) (i * 7 + n);
            }
            AssociationTable hex = parse("a@x.com key=hex:" + HexFormat.of().withUpperCase().formatHex(key));
            assertArrayEquals(key, hex.inlineKeys().getKey(id("a@x.com")).getEncoded(), "hex " + n);
            AssociationTable b64 = parse("a@x.com key=base64:" + Base64.getEncoder().encodeToString(key));
            assertArrayEquals(key, b64.inlineKeys().getKey(id("a@x.com")).getEncoded(), "base64 " + n);
        }
        byte[] unpadded = {1, 2, 3, 4};
        assertArrayEquals(unpadded, parse("a@x.com key=base64:AQIDBA").inlineKeys().getKey(id("a@x.com")).getEncoded());
    }

    @Test
    void errorsNameTheLineAndTheCause() {
        assertEquals("associations:1: bad KpsaID: KpsaID 'x+y@a.b': character '+' at index 1 is not allowed in"
                + " Issuer_Relative_KpsaID (clause 10.5 allows A-Z a-z 0-9 . _ -)", error("x+y@a.b peer=/id"));
        assertEquals("associations:3: bad KpsaID: KpsaID 'nohost': no '@'; clause 10.5 requires"
                + " Issuer_Relative_KpsaID@Issuer-FQDN (use lenient identity mode for identities without an issuer)",
                error("# c\n\nnohost peer=/id\n"));
        assertEquals("associations:1: the line starts with the field key=; the first token must be the KpsaID",
                error("key=hex:00112233 peer=/id-in"));
        assertEquals("associations:1: the line starts with the field peer=; the first token must be the KpsaID",
                error("peer=/id-in a@x.com", IdentityMode.LENIENT, true));
        assertEquals("associations:3: KpsaID ae42@sp.example.com is already defined at associations:1",
                error("ae42@sp.example.com\nb@x.com\nae42@sp.example.com\n"));
        assertEquals("associations:1: unknown field 'kye='; fields are peer=, address= and key=",
                error("a@x.com kye=hex:00112233"));
        assertEquals("associations:1: unknown field #2 after the KpsaID; fields are peer=, address= and key=",
                error("a@x.com peer=/x 00112233aabbccdd=1"));
        assertEquals("associations:1: field 'peer' has no '=': fields are peer=, address= and key= (name=value)",
                error("a@x.com peer /id-in"));
        assertEquals("associations:1: field 'key' has no '=': fields are peer=, address= and key= (name=value)",
                error("a@x.com key hex:00112233445566778899aabbccddeeff"));
        assertEquals("associations:1: field #2 after the KpsaID has no '=': fields are peer=, address= and key="
                + " (name=value)", error("a@x.com peer=/x hex:00112233445566778899aabbccddeeff"));
        // a key written with blanks: the words after key= are key text and are never quoted
        String spaced = error("a@x.com peer=/x key=text:correct horse battery");
        assertEquals("associations:1: field #3 after the KpsaID has no '=': fields are peer=, address= and key="
                + " (name=value)", spaced);
        String withEquals = error("a@x.com key=text:Xy7 Zebra=Pass peer=/x");
        assertEquals("associations:1: unknown field #2 after the KpsaID; fields are peer=, address= and key=",
                withEquals);
        assertFalse(spaced.contains("horse") || withEquals.contains("Zebra"));
        assertEquals("associations:1: duplicate field peer=", error("a@x.com peer=/a peer=/b"));
        assertEquals("associations:1: duplicate field address=", error("a@x.com address=a address=b"));
        assertEquals("associations:1: duplicate field key=", error("a@x.com key=hex:0011 key=hex:2233"));
        assertEquals("associations:1: peer= is empty; give the peer's CSE-ID or AE-ID", error("a@x.com peer="));
        assertEquals("associations:1: bad peer=: entity identifier '/a\\u0001b': character U+0001 (control character)"
                + " at index 2 is not allowed", error("a@x.com peer=/a\u0001b"));
        assertEquals("associations:1: bad address=: address 'host:0': port 0 is outside 1-65535",
                error("a@x.com address=host:0"));
        assertEquals("associations:1: bad address=: address is empty; write host, host:port or [ipv6]:port",
                error("a@x.com address="));
    }

    @Test
    void keyErrorsNeverShowTheKey() {
        assertEquals("associations:1: key=hex: is empty", error("a@x.com key=hex:"));
        assertEquals("associations:1: key=hex: has an odd number of hex digits (33)",
                error("a@x.com key=hex:00112233445566778899aabbccddeeff0"));
        assertEquals("associations:1: key=hex: has a character that is not a hex digit (position 7 of the key text)",
                error("a@x.com key=hex:001122g3445566778899aabbccddeeff"));
        assertEquals("associations:1: key=hex: has a character that is not a hex digit (position 2 of the key text)",
                error("a@x.com key=hex:0\u0661"));
        assertEquals("associations:1: key=base64: is empty", error("a@x.com key=base64:"));
        assertEquals("associations:1: key=base64: is not valid base64 (RFC 4648 standard alphabet)",
                error("a@x.com key=base64:ABEiM0RVZneImaq7zN3u_w=="));
        assertEquals("associations:1: key=base64: is not valid base64 (RFC 4648 standard alphabet)",
                error("a@x.com key=base64:ABEiM0RVZneImaq7zN3u\u00e9w=="));
        assertEquals("associations:1: key=base64: is not valid base64 (RFC 4648 standard alphabet)",
                error("a@x.com key=base64:ABEiM0RVZ="));
        assertEquals("associations:1: key= must be key=hex:<hex digits>, key=base64:<base64 text> or key=text:<ASCII>",
                error("a@x.com key=00112233445566778899aabbccddeeff"));
        assertEquals("associations:1: key= must be key=hex:<hex digits>, key=base64:<base64 text> or key=text:<ASCII>",
                error("a@x.com key=HEX:00112233445566778899aabbccddeeff"));
        assertEquals("associations:1: key is 513 octets; at most 512 are supported",
                error("a@x.com key=hex:" + "ab".repeat(513)));
        assertEquals("associations:1: key is 513 octets; at most 512 are supported",
                error("a@x.com key=base64:" + Base64.getEncoder().encodeToString(new byte[513])));
        assertEquals("associations:1: inline keys (key=) are not allowed in this table; put the key in saef.keyStore",
                error("a@x.com key=hex:00112233445566778899aabbccddeeff", IdentityMode.STRICT, false));
    }

    @Test
    void keyTextThatAppearsElsewhereOnTheLineIsMasked() {
        String message = error("a@x.com address=00112233aabb:0 key=hex:00112233aabb");
        assertEquals("associations:1: bad address=: address '<key text>:0': port 0 is outside 1-65535", message);
        message = error("a@x.com peer=/q\u0001ABEiM0RVZneI key=base64:ABEiM0RVZneI");
        assertEquals("associations:1: bad peer=: entity identifier '/q\\u0001<key text>': character U+0001 (control"
                + " character) at index 2 is not allowed", message);
    }

    @Test
    void anErrorAfterAKeyLineZeroesNothingVisibleAndReportsTheLine() {
        assertEquals("associations:2: unknown field 'bogus='; fields are peer=, address= and key=",
                error("a@x.com key=hex:00112233\nb@x.com bogus=1\n"));
    }

    @Test
    void overlappingAddressesAreRefused() {
        assertEquals("associations:2: address=h.example:1 overlaps address=h.example:1 of KpsaID a@x.com"
                + " (associations:1): a connection to h.example:1 would match both; exactly one association may match"
                + " a host:port (give each a different port or host)",
                error("a@x.com address=h.example:1\nb@x.com address=H.Example.:1\n"));
        assertEquals("associations:3: address=h.example overlaps address=h.example:1 of KpsaID a@x.com"
                + " (associations:1): a connection to h.example:1 would match both; exactly one association may match"
                + " a host:port (give each a different port or host)",
                error("a@x.com address=h.example:1\nb@x.com address=h.example:2\nc@x.com address=h.example\n"));
        assertEquals("associations:2: address=h.example:7 overlaps address=h.example of KpsaID a@x.com"
                + " (associations:1): a connection to h.example:7 would match both; exactly one association may match"
                + " a host:port (give each a different port or host)",
                error("a@x.com address=h.example\nb@x.com address=h.example:7\n"));
        assertEquals("associations:2: address=h.example overlaps address=h.example of KpsaID a@x.com"
                + " (associations:1): a connection to h.example:<any port> would match both; exactly one association"
                + " may match a host:port (give each a different port or host)",
                error("a@x.com address=h.example\nb@x.com address=h.example\n"));
        assertEquals("associations:2: address=[2001:db8::1]:5 overlaps address=[2001:db8::1]:5 of KpsaID a@x.com"
                + " (associations:1): a connection to [2001:db8::1]:5 would match both; exactly one association may"
                + " match a host:port (give each a different port or host)",
                error("a@x.com address=[2001:db8::1]:5\nb@x.com address=[2001:DB8:0::0:1]:5\n"));
    }

    @Test
    void distinctPortsAndHostsDoNotOverlap() throws Exception {
        AssociationTable t = parse("a@x.com address=h.example:1\nb@x.com address=h.example:2\n"
                + "c@x.com address=g.example\nd@x.com address=[::1]:1\ne@x.com address=127.0.0.1:1\n");
        assertEquals(5, t.associations().size());
        assertEquals("b@x.com", t.forPeer("h.example", 2).orElseThrow().kpsaId().value());
        assertEquals("d@x.com", t.forPeer("0:0:0:0:0:0:0:1", 1).orElseThrow().kpsaId().value());
    }

    @Test
    void destroyZeroesInlineKeys() throws Exception {
        AssociationTable t = parse(DESIGN_EXAMPLE);
        javax.crypto.SecretKey before = t.inlineKeys().getKey(id("ae42@sp.example.com"));
        t.destroy();
        assertTrue(t.isDestroyed());
        assertEquals("association table associations has been destroyed", assertThrows(IllegalStateException.class,
                () -> t.inlineKeys().getKey(id("ae42@sp.example.com"))).getMessage());
        // A key handed out before belongs to the caller.
        assertArrayEquals(KEY, before.getEncoded());
        assertEquals(3, t.associations().size());
    }

    // ---- files ----

    private Path write(String name, String text, String perms) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, text, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(perms));
        return f;
    }

    @Test
    void loadsAPrivateFileWithInlineKeys() throws Exception {
        Path f = write("associations", DESIGN_EXAMPLE, "rw-------");
        AssociationTable t = AssociationTable.load(f, IdentityMode.STRICT);
        assertEquals(3, t.associations().size());
        assertEquals(f + ":2", t.associations().get(0).source());
        assertEquals(f.toString(), t.sourceName());
        assertArrayEquals(KEY, t.inlineKeys().getKey(id("node7@mef.example.com")).getEncoded());
    }

    @ParameterizedTest
    @ValueSource(strings = {"rw-r--r--", "rw-r-----", "rw--w----", "rw----r--", "rw-----w-", "rw-rw-rw-"})
    void refusesInlineKeysThatGroupOrOthersMayAccess(String perms) throws Exception {
        Path f = write("associations", DESIGN_EXAMPLE, perms);
        SaefConfigException e = assertThrows(SaefConfigException.class, () -> AssociationTable.load(f, IdentityMode.STRICT));
        assertEquals("association table " + f + " contains inline keys (key=) but group or others may read or write it"
                + " (permissions " + perms + "); restrict it with: chmod 600 " + f, e.getMessage());
        assertNoKeyText(DESIGN_EXAMPLE, e.getMessage());
        // The fix works.
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        assertEquals(3, AssociationTable.load(f, IdentityMode.STRICT).associations().size());
    }

    @Test
    void ownerOnlyVariantsAreAccepted() throws Exception {
        for (String perms : new String[] {"r--------", "rwx------"}) {
            Path f = write("associations-" + perms, DESIGN_EXAMPLE, perms);
            assertEquals(3, AssociationTable.load(f, IdentityMode.STRICT).associations().size());
        }
    }

    @Test
    void aWorldReadableFileWithoutKeysIsFine() throws Exception {
        Path f = write("associations", "cse-mn1@sp.example.com peer=/id-mn1\n", "rw-r--r--");
        assertEquals(1, AssociationTable.load(f, IdentityMode.STRICT).associations().size());
    }

    /** Whoever may edit the table can bind a KpsaID of theirs to any CSE-ID or AE-ID. */
    @ParameterizedTest
    @ValueSource(strings = {"rw-rw-r--", "rw-r--rw-", "rw--w----"})
    void refusesATableWithoutKeysThatGroupOrOthersMayWrite(String perms) throws Exception {
        Path f = write("associations", "cse-mn1@sp.example.com peer=/id-mn1\n", perms);
        SaefConfigException e = assertThrows(SaefConfigException.class, () -> AssociationTable.load(f, IdentityMode.STRICT));
        assertEquals("association table " + f + " binds KpsaIDs to identities but group or others may write it"
                + " (permissions " + perms + "); restrict it with: chmod go-w " + f, e.getMessage());
    }

    @Test
    void fileErrorsNameThePath() throws Exception {
        Path missing = dir.resolve("nope");
        assertEquals("association table " + missing + " does not exist",
                assertThrows(SaefConfigException.class, () -> AssociationTable.load(missing, IdentityMode.STRICT))
                        .getMessage());
        assertEquals("association table " + dir + " is a directory, not a regular file; SAEF reads its configuration"
                + " only from regular files: set saef.associations to the file itself",
                assertThrows(SaefConfigException.class, () -> AssociationTable.load(dir, IdentityMode.STRICT))
                        .getMessage());
        Path bad = write("bad", "a@x.com peer=/a\nb@x.com peer=/b\n", "rw-------");
        Files.writeString(bad, "a@x.com peer=/a\nb@x.com peer=/b\nc@x.com duplicate=1\n");
        assertEquals(bad + ":3: unknown field 'duplicate='; fields are peer=, address= and key=",
                assertThrows(SaefConfigException.class, () -> AssociationTable.load(bad, IdentityMode.STRICT))
                        .getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"\n", "\r\n", "\r"})
    void malformedUtf8IsReportedWithItsLine(String eol) throws Exception {
        Path f = dir.resolve("latin1");
        byte[] head = ("a@x.com peer=/a" + eol + "b@x.com peer=/b" + eol + "c@x.com peer=/caf")
                .getBytes(StandardCharsets.US_ASCII);
        byte[] bytes = java.util.Arrays.copyOf(head, head.length + 2);
        bytes[head.length] = (byte) 0xe9; // Latin-1 é: not UTF-8
        bytes[head.length + 1] = '\n';
        Files.write(f, bytes);
        assertEquals(f + ":3: not valid UTF-8 (malformed octets at byte offset " + head.length + " of the file)",
                assertThrows(SaefConfigException.class, () -> AssociationTable.load(f, IdentityMode.STRICT))
                        .getMessage());
    }

    @Test
    void unreadableFile() throws Exception {
        Assumptions.assumeFalse("root".equals(System.getProperty("user.name")), "root can read any file");
        Path f = write("secret", "a@x.com\n", "---------");
        assertEquals("association table " + f + " is not readable (permission denied)",
                assertThrows(SaefConfigException.class, () -> AssociationTable.load(f, IdentityMode.STRICT))
                        .getMessage());
    }
}
