package dev.saef.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

class CredentialIdProperties {

    @Provide
    Arbitrary<KpsaIdProperties.Parts> strictIds() {
        return KpsaIdProperties.strictIds();
    }

    @Provide
    Arbitrary<String> lenientIds() {
        return Arbitraries.strings().withCharRange('!', '~').ofMinLength(1).ofMaxLength(128);
    }

    @Property(tries = 300)
    void formatThenParseGivesTheSameCredentialId(@ForAll("strictIds") KpsaIdProperties.Parts parts,
            @ForAll @IntRange(min = 0, max = Integer.MAX_VALUE) int type) {
        KpsaId id = KpsaId.parse(parts.id(), IdentityMode.STRICT);
        CredentialId c = CredentialId.of(type, id);
        CredentialId parsed = CredentialId.parse(c.toString());
        assertEquals(c, parsed);
        assertEquals(type, parsed.typeId());
        assertEquals(id.value(), parsed.value());
        assertEquals(c.toString(), parsed.toString());
        assertEquals(type < 10 ? "0" + type : Integer.toString(type), c.toString().substring(0, c.toString().indexOf('-')));
    }

    @Property(tries = 300)
    void lenientIdsRoundTripInLenientMode(@ForAll("lenientIds") String text,
            @ForAll @IntRange(min = 0, max = 99) int type) {
        KpsaId id = KpsaId.parse(text, IdentityMode.LENIENT);
        CredentialId c = CredentialId.of(type, id);
        CredentialId parsed = CredentialId.parse(c.toString(), IdentityMode.LENIENT);
        assertEquals(c, parsed);
        assertEquals(text, parsed.value());
    }
}
