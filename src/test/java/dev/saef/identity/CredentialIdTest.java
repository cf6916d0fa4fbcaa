package dev.saef.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class CredentialIdTest {

    private static final KpsaId AE42 = KpsaId.parse("ae42@sp.example.com", IdentityMode.STRICT);

    private static String error(String text) {
        return assertThrows(IllegalArgumentException.class, () -> CredentialId.parse(text)).getMessage();
    }

    @Test
    void formsTheClause104CredentialIdOfAKpsaId() {
        CredentialId c = CredentialId.of(CredentialId.SAEF_SYMMETRIC_KEY, AE42);
        assertEquals("12-ae42@sp.example.com", c.toString());
        assertEquals(12, c.typeId());
        assertEquals("ae42@sp.example.com", c.value());
    }

    @Test
    void typeZeroGivesTheTs0013Prefix() {
        KpsaId test = KpsaId.parse("test@onem2m.com", IdentityMode.STRICT);
        assertEquals("00-test@onem2m.com", CredentialId.of(0, test).toString());
        assertEquals("05-test@onem2m.com", CredentialId.of(5, test).toString());
        assertEquals("100-test@onem2m.com", CredentialId.of(100, test).toString());
        assertEquals(CredentialId.of(0, test), CredentialId.parse("00-test@onem2m.com"));
        assertEquals(0, CredentialId.parse("00-test@onem2m.com").typeId());
    }

    @Test
    void negativeTypeIsRejected() {
        assertEquals("Credential-ID type-ID -1 is negative; clause 10.4 requires a positive integer"
                + " (12 for PSK-SAEF, clause 12.3.2.1)",
                assertThrows(IllegalArgumentException.class, () -> CredentialId.of(-1, AE42)).getMessage());
    }

    @Test
    void parseKeepsTheTextAndSplitsAtTheFirstDash() {
        CredentialId c = CredentialId.parse("12-cse-mn1@sp.example.com");
        assertEquals(12, c.typeId());
        assertEquals("cse-mn1@sp.example.com", c.value());
        assertEquals("12-cse-mn1@sp.example.com", c.toString());
        CredentialId padded = CredentialId.parse("012-x");
        assertEquals(12, padded.typeId());
        assertEquals("012-x", padded.toString());
        assertNotEquals(CredentialId.parse("12-x"), padded);
    }

    @Test
    void parseErrorsSayWhatAndWhere() {
        assertEquals("Credential-ID is missing (null)", error(null));
        assertEquals("Credential-ID 'abc': no '-'; clause 10.4 requires <type-ID>-<value>", error("abc"));
        assertEquals("Credential-ID '-abc': type-ID before the first '-' is empty", error("-abc"));
        assertEquals("Credential-ID 'x1-abc': character 'x' at index 0 is not a decimal digit; the type-ID before the"
                + " first '-' is an integer (clause 12.3.2.1)", error("x1-abc"));
        assertEquals("Credential-ID '12-': value after the first '-' is empty", error("12-"));
        assertEquals("Credential-ID '12-a b': character ' ' at index 4 is not allowed in the value (clause 10.4"
                + " allows A-Z a-z 0-9 . _ - @)", error("12-a b"));
        assertEquals("Credential-ID '12-a+b': character '+' at index 4 is not allowed in the value (clause 10.4"
                + " allows A-Z a-z 0-9 . _ - @)", error("12-a+b"));
        assertEquals("Credential-ID '99999999999-a': type-ID is larger than 2147483647", error("99999999999-a"));
    }

    @Test
    void lenientModeAllowsWhatLenientKpsaIdsAllow() {
        KpsaId btid = KpsaId.parse("dGVzdA+/==@bsf.example.com", IdentityMode.LENIENT);
        CredentialId c = CredentialId.of(12, btid);
        assertEquals("12-dGVzdA+/==@bsf.example.com", c.toString());
        assertEquals(c, CredentialId.parse(c.toString(), IdentityMode.LENIENT));
        assertThrows(IllegalArgumentException.class, () -> CredentialId.parse(c.toString()));
        assertEquals("Credential-ID '12-a b': character ' ' at index 4 is not allowed in the value (lenient identity"
                + " mode allows printable US-ASCII 0x21-0x7E)", assertThrows(IllegalArgumentException.class,
                        () -> CredentialId.parse("12-a b", IdentityMode.LENIENT)).getMessage());
    }
}
