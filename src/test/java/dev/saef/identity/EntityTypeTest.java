package dev.saef.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.NumericChars;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The CSE/AE indication of clause 8.2.1, read from the identifier forms of TS-0001 clause 7.2. */
class EntityTypeTest {

    @ParameterizedTest
    @CsvSource(nullValues = "none", value = {
        "/id-mn1, CSE",
        "/id-in, CSE",
        "//sp.example.com/id-mn1, CSE",
        "//sp.example.com/in-cse, CSE",
        // CSE-ID forms whose name looks like an AE-ID stem: no type
        "//sp.example.com/CSE178, none",
        "//sp.example.com/CAE01, none",
        "/CSE178, none",
        "/Smeter7, none",
        "CAE01, AE",
        "C01234, AE",
        "Smeter7, AE",
        "/id-mn1/CAE01, AE",
        "//sp.example.com/id-mn1/CAE01, AE",
        // the form does not say: left to the application
        "//sp.example.com/Smeter7, none",
        "id-in, none",
        "ae42, none",
        "/id-mn1/Smeter7, none",
        "/id-mn1/CAE01/extra, none",
        "/id-mn1//CAE01, none",
        "//, none",
        "///id-mn1, none",
        "//sp.example.com, none",
        "/, none",
        "CAE/01, none",
        "12-ae42@sp.example.com, none",
    })
    void formsAndTheirTypes(String id, String expected) {
        assertEquals(Optional.ofNullable(expected).map(EntityType::valueOf), EntityType.of(id));
    }

    @Property(tries = 300)
    void everyFormOfOneEntityAgrees(@ForAll @AlphaChars @NumericChars @StringLength(min = 1, max = 20) String cse,
            @ForAll @AlphaChars @NumericChars @StringLength(min = 1, max = 20) String stem) {
        String sp = "//sp.example.com";
        if (!cse.startsWith("C") && !cse.startsWith("S")) {
            assertEquals(Optional.of(EntityType.CSE), EntityType.of("/" + cse));
            assertEquals(Optional.of(EntityType.CSE), EntityType.of(sp + "/" + cse));
        }
        String cAe = "C" + stem;
        assertEquals(Optional.of(EntityType.AE), EntityType.of(cAe));
        assertEquals(Optional.of(EntityType.AE), EntityType.of("/" + cse + "/" + cAe));
        assertEquals(Optional.of(EntityType.AE), EntityType.of(sp + "/" + cse + "/" + cAe));
        assertEquals(Optional.of(EntityType.AE), EntityType.of("S" + stem));
    }

    @Property(tries = 200)
    void aCredentialIdHasNoType(@ForAll @AlphaChars @StringLength(min = 1, max = 20) String relative) {
        KpsaId k = KpsaId.parse(relative + "@sp.example.com", IdentityMode.STRICT);
        SaefPrincipal p = SaefPrincipal.derived(k, CredentialId.of(12, k));
        assertEquals(Optional.empty(), p.entityType());
        assertEquals(Optional.of(EntityType.AE), SaefPrincipal.configured("C" + relative, k, null).entityType());
        assertEquals(Optional.of(EntityType.CSE), SaefPrincipal.configured("/" + "id-" + relative, k, null).entityType());
    }
}
