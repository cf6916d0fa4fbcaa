package dev.saef.identity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class KpsaIdTest {

    private static String strictError(String text) {
        return assertThrows(IllegalArgumentException.class, () -> KpsaId.parse(text, IdentityMode.STRICT)).getMessage();
    }

    private static String lenientError(String text) {
        return assertThrows(IllegalArgumentException.class, () -> KpsaId.parse(text, IdentityMode.LENIENT)).getMessage();
    }

    @Test
    void parsesTheClause105Form() {
        KpsaId id = KpsaId.parse("AE123-LOCK@in.provider.com", IdentityMode.STRICT);
        assertEquals("AE123-LOCK@in.provider.com", id.value());
        assertEquals("AE123-LOCK@in.provider.com", id.toString());
        assertEquals(Optional.of("AE123-LOCK"), id.relativeId());
        assertEquals(Optional.of("in.provider.com"), id.issuerFqdn());
        assertArrayEquals("AE123-LOCK@in.provider.com".getBytes(StandardCharsets.US_ASCII), id.toWire());
    }

    @Test
    void acceptsTs0013Example() {
        assertEquals("test@onem2m.com", KpsaId.parse("test@onem2m.com", IdentityMode.STRICT).value());
    }

    @Test
    void acceptsAllRelativeCharactersAndSingleLabelFqdn() {
        KpsaId id = KpsaId.parse("a.B_9-z@localhost", IdentityMode.STRICT);
        assertEquals(Optional.of("a.B_9-z"), id.relativeId());
        assertEquals(Optional.of("localhost"), id.issuerFqdn());
    }

    @Test
    void equalityIsExactAndCaseSensitive() {
        KpsaId upper = KpsaId.parse("AE1@x.com", IdentityMode.STRICT);
        KpsaId lower = KpsaId.parse("ae1@x.com", IdentityMode.STRICT);
        assertNotEquals(upper, lower);
        assertEquals(upper, KpsaId.parse("AE1@x.com", IdentityMode.LENIENT));
        assertEquals(upper.hashCode(), KpsaId.parse("AE1@x.com", IdentityMode.LENIENT).hashCode());
    }

    @Test
    void toWireReturnsAFreshArray() {
        KpsaId id = KpsaId.parse("a@b.c", IdentityMode.STRICT);
        byte[] first = id.toWire();
        first[0] = 'X';
        assertArrayEquals(new byte[] {'a', '@', 'b', '.', 'c'}, id.toWire());
    }

    @Test
    void strictErrorMessagesSayWhatAndWhere() {
        assertEquals("KpsaID 'x y@a.b': character ' ' at index 1 is not allowed in Issuer_Relative_KpsaID"
                + " (clause 10.5 allows A-Z a-z 0-9 . _ -)", strictError("x y@a.b"));
        assertEquals("KpsaID 'ab+c@a.b': character '+' at index 2 is not allowed in Issuer_Relative_KpsaID"
                + " (clause 10.5 allows A-Z a-z 0-9 . _ -)", strictError("ab+c@a.b"));
        assertEquals("KpsaID 'abc': no '@'; clause 10.5 requires Issuer_Relative_KpsaID@Issuer-FQDN"
                + " (use lenient identity mode for identities without an issuer)", strictError("abc"));
        assertEquals("KpsaID '@a.b': Issuer_Relative_KpsaID before '@' is empty", strictError("@a.b"));
        assertEquals("KpsaID 'a@': Issuer-FQDN after '@' is empty", strictError("a@"));
        assertEquals("KpsaID 'a@b@c': second '@' at index 3; clause 10.5 has exactly one '@' between"
                + " Issuer_Relative_KpsaID and Issuer-FQDN", strictError("a@b@c"));
        assertEquals("KpsaID 'a@b_c.com': character '_' at index 3 is not allowed in Issuer-FQDN"
                + " (letters, digits and '-' in labels separated by '.')", strictError("a@b_c.com"));
        assertEquals("KpsaID 'a@.com': Issuer-FQDN starts with '.' at index 2", strictError("a@.com"));
        assertEquals("KpsaID 'a@x.com.': Issuer-FQDN ends with '.' at index 7 (write it without the trailing root dot)",
                strictError("a@x.com."));
        assertEquals("KpsaID 'a@x..com': Issuer-FQDN has an empty label (two dots) at index 4", strictError("a@x..com"));
        assertEquals("KpsaID 'a@-x.com': Issuer-FQDN label '-x' at index 2 starts with '-'", strictError("a@-x.com"));
        assertEquals("KpsaID 'a@x.com-': Issuer-FQDN label 'com-' at index 4 ends with '-'", strictError("a@x.com-"));
        String label64 = "l".repeat(64);
        assertEquals("KpsaID 'a@" + label64 + ".com': Issuer-FQDN label at index 2 is 64 characters long;"
                + " DNS labels have at most 63", strictError("a@" + label64 + ".com"));
    }

    @Test
    void labelOf63CharactersIsAllowed() {
        String id = "a@" + "l".repeat(63) + ".com";
        assertEquals(id, KpsaId.parse(id, IdentityMode.STRICT).value());
    }

    @Test
    void nonAsciiAndControlCharactersAreNamedAndEscaped() {
        assertEquals("KpsaID 'caf\\u00E9@a.b': character U+00E9 at index 3 is not allowed in Issuer_Relative_KpsaID"
                + " (clause 10.5 allows A-Z a-z 0-9 . _ -)", strictError("caf\u00e9@a.b"));
        assertEquals("KpsaID 'a\\u0009b@a.b': character U+0009 (whitespace) at index 1 is not allowed in"
                + " Issuer_Relative_KpsaID (clause 10.5 allows A-Z a-z 0-9 . _ -)", strictError("a\tb@a.b"));
        assertEquals("KpsaID 'a\\u0000@a.b': character U+0000 (control character) at index 1 is not allowed in"
                + " Issuer_Relative_KpsaID (clause 10.5 allows A-Z a-z 0-9 . _ -)", strictError("a\u0000@a.b"));
        assertEquals("KpsaID 'a\\uD83D\\uDE00@a.b': character U+1F600 at index 1 is not allowed in"
                + " Issuer_Relative_KpsaID (clause 10.5 allows A-Z a-z 0-9 . _ -)", strictError("a\uD83D\uDE00@a.b"));
    }

    @Test
    void nullAndEmptyAreRejected() {
        assertEquals("KpsaID is missing (null)", strictError(null));
        assertEquals("KpsaID is empty; clause 10.5 requires Issuer_Relative_KpsaID@Issuer-FQDN", strictError(""));
        assertEquals("KpsaID is empty; clause 10.5 requires Issuer_Relative_KpsaID@Issuer-FQDN", lenientError(""));
    }

    @Test
    void lengthLimitIs128Octets() {
        String fqdn = "@example.com";
        String ok = "r".repeat(128 - fqdn.length()) + fqdn;
        assertEquals(128, KpsaId.parse(ok, IdentityMode.STRICT).toWire().length);
        String tooLong = "r" + ok;
        String message = strictError(tooLong);
        assertEquals("KpsaID '" + tooLong.substring(0, 129) + "': 129 octets in UTF-8, more than the 128 allowed"
                + " (RFC 4279 section 5.3)", message);
        assertEquals(message, lenientError(tooLong));
    }

    @Test
    void lengthIsCountedInUtf8Octets() {
        // 64 two-octet characters: 64 characters but 128 octets; 65 of them are 130 octets.
        String e64 = "\u00e9".repeat(65);
        assertEquals("KpsaID '" + "\\u00E9".repeat(65) + "': 130 octets in UTF-8, more than the 128 allowed"
                + " (RFC 4279 section 5.3)", lenientError(e64));
    }

    @Test
    void longValuesAreShortenedInMessages() {
        String longId = "r".repeat(200) + "@a.b";
        String message = strictError(longId);
        assertEquals("KpsaID '" + "r".repeat(160) + "'...(204 characters): 204 octets in UTF-8, more than the 128"
                + " allowed (RFC 4279 section 5.3)", message);
    }

    @Test
    void lenientAcceptsGbaBtidAndIdsWithoutIssuer() {
        KpsaId btid = KpsaId.parse("dGVzdA+/==@bsf.example.com", IdentityMode.LENIENT);
        assertEquals(Optional.of("dGVzdA+/=="), btid.relativeId());
        assertEquals(Optional.of("bsf.example.com"), btid.issuerFqdn());
        KpsaId bare = KpsaId.parse("device-7#a", IdentityMode.LENIENT);
        assertEquals(Optional.empty(), bare.relativeId());
        assertEquals(Optional.empty(), bare.issuerFqdn());
        KpsaId two = KpsaId.parse("a@b@c", IdentityMode.LENIENT);
        assertEquals(Optional.of("a@b"), two.relativeId());
        assertEquals(Optional.of("c"), two.issuerFqdn());
        assertEquals(Optional.empty(), KpsaId.parse("abc@", IdentityMode.LENIENT).issuerFqdn());
        assertEquals(Optional.empty(), KpsaId.parse("@abc", IdentityMode.LENIENT).relativeId());
    }

    @Test
    void strictRejectsWhatLenientAccepts() {
        assertEquals("KpsaID 'dGVzdA+/==@bsf.example.com': character '+' at index 6 is not allowed in"
                + " Issuer_Relative_KpsaID (clause 10.5 allows A-Z a-z 0-9 . _ -)",
                strictError("dGVzdA+/==@bsf.example.com"));
    }

    @Test
    void lenientRejectsWhitespaceAndNonAscii() {
        assertEquals("KpsaID 'a b': character ' ' at index 1 is not allowed (lenient identity mode allows printable"
                + " US-ASCII 0x21-0x7E, no whitespace)", lenientError("a b"));
        assertEquals("KpsaID 'a\\u007F': character U+007F (control character) at index 1 is not allowed (lenient"
                + " identity mode allows printable US-ASCII 0x21-0x7E, no whitespace)", lenientError("a\u007f"));
        assertEquals("KpsaID '\\u00E9': character U+00E9 at index 0 is not allowed (lenient identity mode allows"
                + " printable US-ASCII 0x21-0x7E, no whitespace)", lenientError("\u00e9"));
    }

    @Test
    void fromWireDecodesStrictUtf8() {
        assertEquals(KpsaId.parse("ae42@sp.example.com", IdentityMode.STRICT),
                KpsaId.fromWire("ae42@sp.example.com".getBytes(StandardCharsets.UTF_8), IdentityMode.STRICT));
    }

    @ParameterizedTest
    @CsvSource({
        // octets (hex), offset of the malformed sequence
        "61ff40612e62, 1",
        "61c0af40612e62, 1",      // overlong '/'
        "6140612ee2, 4",          // truncated 3-octet sequence at the end
        "eda080, 0",              // UTF-8 encoded surrogate (CESU-8)
    })
    void fromWireRejectsMalformedUtf8(String hex, int offset) {
        byte[] bytes = java.util.HexFormat.of().parseHex(hex);
        String message = assertThrows(IllegalArgumentException.class,
                () -> KpsaId.fromWire(bytes, IdentityMode.LENIENT)).getMessage();
        assertEquals("psk_identity is not valid UTF-8 (RFC 4279 section 5.1): malformed sequence at octet " + offset,
                message);
    }

    @Test
    void fromWireRejectsMissingEmptyAndLongIdentities() {
        assertEquals("psk_identity is missing (null)", assertThrows(IllegalArgumentException.class,
                () -> KpsaId.fromWire(null, IdentityMode.STRICT)).getMessage());
        assertEquals("psk_identity is empty; clause 8.2.2.1 requires the KpsaID", assertThrows(
                IllegalArgumentException.class, () -> KpsaId.fromWire(new byte[0], IdentityMode.STRICT)).getMessage());
        assertEquals("psk_identity of 129 octets is longer than the 128 allowed (RFC 4279 section 5.3)",
                assertThrows(IllegalArgumentException.class,
                        () -> KpsaId.fromWire(new byte[129], IdentityMode.LENIENT)).getMessage());
    }

    @Test
    void fromWireAppliesTheModeAfterDecoding() {
        byte[] utf8 = "caf\u00e9@a.b".getBytes(StandardCharsets.UTF_8);
        assertEquals("KpsaID 'caf\\u00E9@a.b': character U+00E9 at index 3 is not allowed in Issuer_Relative_KpsaID"
                + " (clause 10.5 allows A-Z a-z 0-9 . _ -)", assertThrows(IllegalArgumentException.class,
                        () -> KpsaId.fromWire(utf8, IdentityMode.STRICT)).getMessage());
    }
}
