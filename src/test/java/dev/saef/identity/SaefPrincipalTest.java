package dev.saef.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SaefPrincipalTest {

    private static final KpsaId AE42 = KpsaId.parse("ae42@sp.example.com", IdentityMode.STRICT);
    private static final CredentialId CRED = CredentialId.of(12, AE42);

    @Test
    void configuredPrincipalIsNamedByTheConfiguredIdentity() {
        SaefPrincipal p = SaefPrincipal.configured("/id-in", AE42, CRED);
        assertEquals("/id-in", p.getName());
        assertEquals(SaefPrincipal.Kind.CONFIGURED, p.kind());
        assertEquals(Optional.of(AE42), p.kpsaId());
        assertEquals(Optional.of(CRED), p.credentialId());
        assertTrue(p.isConfigured());
        assertFalse(p.isDerivedFromCredentialId());
        assertEquals("SaefPrincipal[/id-in, configured, kpsaId=ae42@sp.example.com, credentialId=12-ae42@sp.example.com]",
                p.toString());
        assertEquals("SaefPrincipal[/id-in, configured, kpsaId=ae42@sp.example.com]",
                SaefPrincipal.configured("/id-in", AE42, null).toString());
        assertEquals(Optional.empty(), SaefPrincipal.configured("/id-in", AE42, null).credentialId());
    }

    @Test
    void derivedPrincipalIsNamedByTheCredentialId() {
        SaefPrincipal p = SaefPrincipal.derived(AE42, CRED);
        assertEquals("12-ae42@sp.example.com", p.getName());
        assertTrue(p.isDerivedFromCredentialId());
        assertFalse(p.isConfigured());
        assertEquals(Optional.of(AE42), p.kpsaId());
        assertEquals("SaefPrincipal[12-ae42@sp.example.com, derived, kpsaId=ae42@sp.example.com]", p.toString());
    }

    @Test
    void derivedPrincipalNeedsTheCredentialIdOfItsKpsaId() {
        CredentialId other = CredentialId.parse("12-other@sp.example.com");
        assertEquals("Credential-ID '12-other@sp.example.com' is not formed from KpsaID 'ae42@sp.example.com'"
                + " (clause 8.2.2.1)", assertThrows(IllegalArgumentException.class,
                        () -> SaefPrincipal.derived(AE42, other)).getMessage());
    }

    @Test
    void localPrincipal() {
        SaefPrincipal p = SaefPrincipal.local("/id-mn1");
        assertEquals("/id-mn1", p.getName());
        assertTrue(p.isConfigured());
        assertEquals(Optional.empty(), p.kpsaId());
        assertEquals(Optional.empty(), p.credentialId());
        assertEquals("SaefPrincipal[/id-mn1, local]", p.toString());
    }

    @Test
    void entityIdsAreChecked() {
        assertEquals("entity identifier (CSE-ID or AE-ID) is empty",
                assertThrows(IllegalArgumentException.class, () -> SaefPrincipal.local("")).getMessage());
        assertEquals("entity identifier (CSE-ID or AE-ID) is missing (null)",
                assertThrows(IllegalArgumentException.class, () -> SaefPrincipal.configured(null, AE42, null))
                        .getMessage());
        assertEquals("entity identifier '/id in': character ' ' at index 3 is not allowed",
                assertThrows(IllegalArgumentException.class, () -> SaefPrincipal.local("/id in")).getMessage());
        assertEquals("entity identifier '/id\\u000Ain': character U+000A (whitespace) at index 3 is not allowed",
                assertThrows(IllegalArgumentException.class, () -> SaefPrincipal.local("/id\nin")).getMessage());
    }

    @Test
    void equalityIsOnNameAndKind() {
        assertEquals(SaefPrincipal.configured("/id-in", AE42, CRED), SaefPrincipal.configured("/id-in", AE42, null));
        assertEquals(SaefPrincipal.configured("/id-in", AE42, CRED).hashCode(),
                SaefPrincipal.configured("/id-in", AE42, null).hashCode());
        assertNotEquals(SaefPrincipal.configured("/id-in", AE42, CRED), SaefPrincipal.local("/id-in"));
        assertNotEquals(SaefPrincipal.configured("/id-in", AE42, CRED), SaefPrincipal.configured("/ID-IN", AE42, CRED));
    }

    @Test
    void serializationRoundTripKeepsEverything() throws Exception {
        KpsaId lenient = KpsaId.parse("dGVzdA+/==@bsf.example.com", IdentityMode.LENIENT);
        for (SaefPrincipal p : new SaefPrincipal[] {
            SaefPrincipal.configured("/id-in", AE42, CRED),
            SaefPrincipal.derived(AE42, CRED),
            SaefPrincipal.derived(lenient, CredentialId.of(0, lenient)),
            SaefPrincipal.local("/id-mn1"),
        }) {
            SaefPrincipal back = roundTrip(p);
            assertEquals(p, back);
            assertEquals(p.toString(), back.toString());
            assertEquals(p.kpsaId(), back.kpsaId());
            assertEquals(p.credentialId(), back.credentialId());
        }
    }

    @Test
    void deserializationRejectsATamperedPrincipal() throws Exception {
        // Same-length substitution of the stored KpsaID string (length prefix 0x0013 = 19 characters):
        // the Credential-ID is then no longer formed from the KpsaID.
        byte[] bytes = serialize(SaefPrincipal.derived(AE42, CRED));
        String stream = new String(bytes, StandardCharsets.ISO_8859_1);
        int kpsa = stream.indexOf("\u0000\u0013ae42@sp.example.com");
        assertTrue(kpsa > 0);
        bytes[kpsa + 2] = 'b';
        InvalidObjectException e = assertThrows(InvalidObjectException.class, () -> deserialize(bytes));
        assertTrue(e.getMessage().startsWith("invalid SaefPrincipal: "), e.getMessage());
    }

    private static SaefPrincipal roundTrip(SaefPrincipal p) throws IOException, ClassNotFoundException {
        return deserialize(serialize(p));
    }

    private static byte[] serialize(SaefPrincipal p) throws IOException {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bo)) {
            out.writeObject(p);
        }
        return bo.toByteArray();
    }

    private static SaefPrincipal deserialize(byte[] bytes) throws IOException, ClassNotFoundException {
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
            return (SaefPrincipal) in.readObject();
        }
    }
}
