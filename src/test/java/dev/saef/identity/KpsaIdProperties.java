package dev.saef.identity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

class KpsaIdProperties {

    static final String RELATIVE_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-";
    static final String ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    /** A clause 10.5 KpsaID split into its parts. */
    record Parts(String relative, String fqdn) {
        String id() {
            return relative + "@" + fqdn;
        }
    }

    static Arbitrary<String> relatives() {
        return Arbitraries.strings().withChars(RELATIVE_CHARS).ofMinLength(1).ofMaxLength(40);
    }

    static Arbitrary<String> labels() {
        Arbitrary<String> edge = Arbitraries.strings().withChars(ALNUM).ofLength(1);
        Arbitrary<String> middle = Arbitraries.strings().withChars(ALNUM + "-").ofMinLength(0).ofMaxLength(20);
        return Arbitraries.oneOf(edge,
                Combinators.combine(edge, middle, edge).as((a, m, b) -> a + m + b));
    }

    static Arbitrary<String> fqdns() {
        return labels().list().ofMinSize(1).ofMaxSize(4).map(l -> String.join(".", l));
    }

    @Provide
    static Arbitrary<Parts> strictIds() {
        return Combinators.combine(relatives(), fqdns()).as(Parts::new)
                .filter(p -> p.id().length() <= KpsaId.MAX_OCTETS);
    }

    @Property(tries = 300)
    void validStrictIdsParseAndRoundTrip(@ForAll("strictIds") Parts parts) {
        KpsaId id = KpsaId.parse(parts.id(), IdentityMode.STRICT);
        assertEquals(parts.id(), id.value());
        assertEquals(Optional.of(parts.relative()), id.relativeId());
        assertEquals(Optional.of(parts.fqdn()), id.issuerFqdn());
        byte[] wire = id.toWire();
        assertArrayEquals(parts.id().getBytes(StandardCharsets.UTF_8), wire);
        assertEquals(id, KpsaId.fromWire(wire, IdentityMode.STRICT));
        assertEquals(id, KpsaId.parse(parts.id(), IdentityMode.LENIENT));
    }

    @Provide
    static Arbitrary<Character> notRelativeChars() {
        return Arbitraries.chars().filter(c -> RELATIVE_CHARS.indexOf(c) < 0 && c != '@');
    }

    @Property(tries = 300)
    void aDisallowedCharacterInTheRelativePartIsRejectedAtItsIndex(@ForAll("strictIds") Parts parts,
            @ForAll("notRelativeChars") char bad, @ForAll @IntRange(min = 0, max = 40) int at) {
        int p = Math.min(at, parts.relative().length());
        String text = parts.relative().substring(0, p) + bad + parts.relative().substring(p) + "@" + parts.fqdn();
        Assume.that(text.getBytes(StandardCharsets.UTF_8).length <= KpsaId.MAX_OCTETS);
        String message = assertThrows(IllegalArgumentException.class,
                () -> KpsaId.parse(text, IdentityMode.STRICT)).getMessage();
        assertTrue(message.contains("character " + QuotedText.describeChar(text.codePointAt(p)) + " at index " + p
                + " is not allowed in Issuer_Relative_KpsaID"), message);
    }

    @Provide
    static Arbitrary<Character> notFqdnChars() {
        return Arbitraries.chars().filter(c -> ALNUM.indexOf(c) < 0 && c != '.' && c != '-' && c != '@');
    }

    @Property(tries = 300)
    void aDisallowedCharacterInTheFqdnIsRejectedAtItsIndex(@ForAll("strictIds") Parts parts,
            @ForAll("notFqdnChars") char bad, @ForAll @IntRange(min = 0, max = 130) int at) {
        int p = Math.min(at, parts.fqdn().length());
        String text = parts.relative() + "@" + parts.fqdn().substring(0, p) + bad + parts.fqdn().substring(p);
        Assume.that(text.getBytes(StandardCharsets.UTF_8).length <= KpsaId.MAX_OCTETS);
        int index = parts.relative().length() + 1 + p;
        String message = assertThrows(IllegalArgumentException.class,
                () -> KpsaId.parse(text, IdentityMode.STRICT)).getMessage();
        assertTrue(message.contains("character " + QuotedText.describeChar(text.codePointAt(index)) + " at index "
                + index + " is not allowed in Issuer-FQDN"), message);
    }

    @Property(tries = 200)
    void strictLengthBoundaryIs128Octets(@ForAll @IntRange(min = 1, max = 300) int relativeLength) {
        String text = "r".repeat(relativeLength) + "@example.com";
        if (text.length() <= 128) {
            assertEquals(text, KpsaId.parse(text, IdentityMode.STRICT).value());
        } else {
            String message = assertThrows(IllegalArgumentException.class,
                    () -> KpsaId.parse(text, IdentityMode.STRICT)).getMessage();
            assertTrue(message.endsWith(": " + text.length() + " octets in UTF-8, more than the 128 allowed"
                    + " (RFC 4279 section 5.3)"), message);
        }
    }

    @Provide
    static Arbitrary<String> lenientIds() {
        return Arbitraries.strings().withCharRange('!', '~').ofMinLength(1).ofMaxLength(128);
    }

    @Property(tries = 300)
    void printableAsciiIsAcceptedInLenientModeAndRoundTrips(@ForAll("lenientIds") String text) {
        KpsaId id = KpsaId.parse(text, IdentityMode.LENIENT);
        assertEquals(text, id.value());
        assertEquals(id, KpsaId.fromWire(id.toWire(), IdentityMode.LENIENT));
        int at = text.lastIndexOf('@');
        boolean split = at > 0 && at < text.length() - 1;
        assertEquals(split, id.relativeId().isPresent());
        assertEquals(split, id.issuerFqdn().isPresent());
        if (split) {
            assertEquals(text, id.relativeId().get() + "@" + id.issuerFqdn().get());
        }
    }

    @Property(tries = 300)
    void lenientRejectsAnyCharacterOutsidePrintableAscii(@ForAll("lenientIds") String base,
            @ForAll char bad, @ForAll @IntRange(min = 0, max = 128) int at) {
        Assume.that(bad < '!' || bad > '~');
        int p = Math.min(at, base.length());
        String text = base.substring(0, p) + bad + base.substring(p);
        assertThrows(IllegalArgumentException.class, () -> KpsaId.parse(text, IdentityMode.LENIENT));
        assertThrows(IllegalArgumentException.class, () -> KpsaId.parse(text, IdentityMode.STRICT));
    }

    @Property(tries = 500)
    void fromWireOnArbitraryOctetsEitherRoundTripsOrThrowsIllegalArgument(
            @ForAll byte[] octets, @ForAll boolean lenient) {
        IdentityMode mode = lenient ? IdentityMode.LENIENT : IdentityMode.STRICT;
        KpsaId id;
        try {
            id = KpsaId.fromWire(octets, mode);
        } catch (IllegalArgumentException expected) {
            return;
        }
        assertArrayEquals(octets, id.toWire());
    }
}
