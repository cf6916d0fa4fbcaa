package dev.saef.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saef.identity.IdentityMode;
import dev.saef.identity.KpsaId;
import dev.saef.keys.KeyStoreKeyProvider;
import dev.saef.keys.KeyStoreKeyWriter;
import dev.saef.keys.PskKeyProvider;
import java.io.OutputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Properties;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SaefConfigurationTest {

    private static final String STORE_PASSWORD = "store-secret-pw";
    private static final byte[] STORE_KEY = HexFormat.of().parseHex("a0a1a2a3a4a5a6a7");

    @TempDir
    Path dir;

    private static Properties props(String... kv) {
        Properties p = new Properties();
        for (int i = 0; i < kv.length; i += 2) {
            p.setProperty(kv[i], kv[i + 1]);
        }
        return p;
    }

    private static String error(Properties p) {
        SaefConfigException e = assertThrows(SaefConfigException.class, () -> SaefProperties.load(p));
        assertFalse(e.getMessage().contains(STORE_PASSWORD), e.getMessage());
        assertFalse(e.getMessage().contains("00112233445566778899aabbccddeeff"), e.getMessage());
        return e.getMessage();
    }

    private Path table(String text) throws Exception {
        Path f = dir.resolve("associations");
        Files.writeString(f, text, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        return f;
    }

    /** A PKCS12 store holding {@link #STORE_KEY} for each KpsaID. */
    private Path store(String... ids) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        for (String id : ids) {
            KeyStoreKeyWriter.storeKey(ks, KpsaId.parse(id, IdentityMode.STRICT), new SecretKeySpec(STORE_KEY, "AES"),
                    STORE_PASSWORD.toCharArray());
        }
        Path f = dir.resolve("keys.p12");
        try (OutputStream out = Files.newOutputStream(f)) {
            ks.store(out, STORE_PASSWORD.toCharArray());
        }
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        return f;
    }

    private static KpsaId id(String text) {
        return KpsaId.parse(text, IdentityMode.STRICT);
    }

    @Test
    void defaultsWithoutProperties() throws Exception {
        SaefConfiguration c = SaefProperties.load(new Properties());
        assertTrue(c.associations().associations().isEmpty());
        assertEquals(Optional.empty(), c.localId());
        assertEquals(IdentityMode.STRICT, c.identityMode());
        assertEquals(12, c.credentialIdType());
        assertEquals(Optional.empty(), c.cipherSuites());
        assertFalse(c.ecdhePskEnabled());
        assertTrue(c.requireExtendedMasterSecret());
        assertEquals(Optional.empty(), c.associationsFile());
        assertNull(c.keys().getKey(id("a@x.com")));
        assertEquals("associations (no association table) (0, 0 with inline keys), no key store, identity mode strict,"
                + " Credential-ID type 12", c.describe());
    }

    @Test
    void readsEverySetting() throws Exception {
        Path t = table("ae42@sp.example.com peer=/id-in key=hex:00112233445566778899aabbccddeeff\n");
        SaefConfiguration c = SaefProperties.load(props(
                "saef.associations", " " + t + " ",
                "saef.localId", "/id-mn1",
                "saef.identityMode", "LENIENT",
                "saef.credentialIdType", "00",
                "saef.cipherSuites", " TLS_PSK_WITH_AES_128_CBC_SHA256,TLS_PSK_WITH_AES_128_CCM_8",
                "saef.enableEcdhePsk", "TRUE",
                "saef.requireExtendedMasterSecret", "false",
                "saef.debug", "false"));
        assertEquals(1, c.associations().associations().size());
        assertEquals(Optional.of(t), c.associationsFile());
        assertEquals(Optional.of("/id-mn1"), c.localId());
        assertEquals(IdentityMode.LENIENT, c.identityMode());
        assertEquals(IdentityMode.LENIENT, c.associations().identityMode());
        assertEquals(0, c.credentialIdType());
        assertEquals(Optional.of(" TLS_PSK_WITH_AES_128_CBC_SHA256,TLS_PSK_WITH_AES_128_CCM_8"), c.cipherSuites());
        assertTrue(c.ecdhePskEnabled());
        assertFalse(c.requireExtendedMasterSecret());
        assertArrayEquals(HexFormat.of().parseHex("00112233445566778899aabbccddeeff"),
                c.keys().getKey(id("ae42@sp.example.com")).getEncoded());
        assertEquals("associations " + t + " (1, 1 with inline keys), no key store, identity mode lenient,"
                + " Credential-ID type 0, local id /id-mn1, suites  TLS_PSK_WITH_AES_128_CBC_SHA256,"
                + "TLS_PSK_WITH_AES_128_CCM_8, ECDHE_PSK enabled, extended master secret not required", c.describe());
        assertFalse(c.toString().contains("00112233"));
    }

    @Test
    void badValuesNameThePropertyAndTheAllowedValues() throws Exception {
        assertEquals("saef.identityMode: 'loose' is not allowed; use strict (TS-0003 clause 10.5 KpsaIDs, default) or"
                + " lenient (any printable US-ASCII, e.g. GBA B-TIDs)", error(props("saef.identityMode", "loose")));
        assertEquals("saef.credentialIdType: 'abc' is not allowed; use a non-negative integer: 12 (TS-0003 clause"
                + " 12.3.2.1, default) or 0 for the 00- prefix of TS-0013", error(props("saef.credentialIdType", "abc")));
        assertEquals("saef.credentialIdType: '-1' is not allowed; use a non-negative integer: 12 (TS-0003 clause"
                + " 12.3.2.1, default) or 0 for the 00- prefix of TS-0013", error(props("saef.credentialIdType", "-1")));
        assertEquals("saef.credentialIdType: '1234567890' is not allowed; use a non-negative integer: 12 (TS-0003"
                + " clause 12.3.2.1, default) or 0 for the 00- prefix of TS-0013",
                error(props("saef.credentialIdType", "1234567890")));
        assertEquals("saef.enableEcdhePsk: 'yes' is not allowed; use true or false (default false)",
                error(props("saef.enableEcdhePsk", "yes")));
        assertEquals("saef.requireExtendedMasterSecret: '' is not allowed; use true or false (default true)",
                error(props("saef.requireExtendedMasterSecret", "")));
        assertEquals("saef.localId is empty; set it to this entity's CSE-ID or AE-ID, or leave it unset",
                error(props("saef.localId", "  ")));
        assertEquals("saef.localId: entity identifier '/id\\u0007mn1': character U+0007 (control character) at index 3"
                + " is not allowed", error(props("saef.localId", "/id\u0007mn1")));
        assertEquals("saef.associations is empty; set it to a file path or leave it unset",
                error(props("saef.associations", "")));
        assertEquals("saef.associations: 'a\\u0000b' is not a valid path: Nul character not allowed",
                error(props("saef.associations", "a\u0000b")));
        assertEquals("unknown property saef.keystore: did you mean saef.keyStore? (property names are case-sensitive)",
                error(props("saef.keystore", "/x")));
        assertEquals("unknown property SAEF.Associations: did you mean saef.associations? (property names are"
                + " case-sensitive)", error(props("SAEF.Associations", "/x")));
        assertEquals("saef.debug: 'yes' is not allowed; use true or false (default false)",
                error(props("saef.debug", "yes")));
        SaefProperties.load(props("saef.debug", "")).destroy(); // a bare -Dsaef.debug means on
        assertEquals("unknown property saef.DEBUG: did you mean saef.debug? (property names are case-sensitive)",
                error(props("saef.DEBUG", "true")));
    }

    @Test
    void associationTableErrorsPassThrough() throws Exception {
        Path missing = dir.resolve("none");
        assertEquals("association table " + missing + " does not exist", error(props("saef.associations",
                missing.toString())));
        Path t = table("a@x.com key=hex:00112233445566778899aabbccddeeff\n");
        Files.setPosixFilePermissions(t, PosixFilePermissions.fromString("rw-r--r--"));
        assertEquals("association table " + t + " contains inline keys (key=) but group or others may read or write it"
                + " (permissions rw-r--r--); restrict it with: chmod 600 " + t,
                error(props("saef.associations", t.toString())));
    }

    @Test
    void everyAssociationNeedsAKey() throws Exception {
        Path t = table("# two lines\na@x.com key=hex:00112233445566778899aabbccddeeff\nb@x.com peer=/id-b\n");
        assertEquals(t + ":3: no key for KpsaID b@x.com: add key=hex:... or key=base64:... to the line, or set"
                + " saef.keyStore to a key store that holds it", error(props("saef.associations", t.toString())));
        Path ks = store("other@x.com");
        assertEquals(t + ":3: no key for KpsaID b@x.com: add key=hex:... or key=base64:... to the line, or put it in"
                + " saef.keyStore (" + ks + ")", error(props("saef.associations", t.toString(),
                        "saef.keyStore", ks.toString(), "saef.keyStorePassword", STORE_PASSWORD)));
    }

    @Test
    void keysComeFromTheTableFirstThenTheKeyStore() throws Exception {
        Path t = table("a@x.com key=hex:00112233445566778899aabbccddeeff\nb@x.com peer=/id-b\nAE9@x.com\n");
        Path ks = store("a@x.com", "b@x.com", "AE9@x.com");
        SaefConfiguration c = SaefProperties.load(props("saef.associations", t.toString(),
                "saef.keyStore", ks.toString(), "saef.keyStoreType", "PKCS12", "saef.keyStorePassword", STORE_PASSWORD));
        assertArrayEquals(HexFormat.of().parseHex("00112233445566778899aabbccddeeff"),
                c.keys().getKey(id("a@x.com")).getEncoded());
        assertArrayEquals(STORE_KEY, c.keys().getKey(id("b@x.com")).getEncoded());
        assertArrayEquals(STORE_KEY, c.keys().getKey(id("AE9@x.com")).getEncoded());
        assertNull(c.keys().getKey(id("ae9@x.com")));
        assertEquals("associations " + t + " (3, 1 with inline keys), PKCS12 key store, 3 secret key entries " + ks
                + ", identity mode strict, Credential-ID type 12", c.describe());
        assertFalse(c.describe().contains(STORE_PASSWORD));
        c.destroy();
        assertTrue(c.associations().isDestroyed());
        assertThrows(IllegalStateException.class, () -> c.keys().getKey(id("b@x.com")));
    }

    /**
     * Regression (issue 8): a copy made by a {@code with...} method shared the original's keys and
     * its {@code destroy()} wiped them, though the class called itself immutable. A copy borrows the
     * key material: closing it leaves the original's keys alone; closing the original, which owns
     * them, wipes them for every copy.
     */
    @Test
    void closingACopyLeavesTheOriginalsKeys() throws Exception {
        Path t = table("ae42@sp.example.com peer=/id-in key=hex:00112233445566778899aabbccddeeff\n"
                + "ae43@sp.example.com peer=/id-in\n");
        Path s = store("ae43@sp.example.com");
        SaefConfiguration original = SaefProperties.load(props("saef.associations", t.toString(),
                "saef.keyStore", s.toString(), "saef.keyStorePassword", STORE_PASSWORD));
        assertTrue(original.ownsKeyMaterial());
        SaefConfiguration copy = original.withLocalId("/id-mn1");
        assertFalse(copy.ownsKeyMaterial());
        copy.close();
        SaefConfiguration built = original.toBuilder().cipherSuites("TLS_PSK_WITH_AES_128_CCM_8").build();
        built.close();
        assertArrayEquals(HexFormat.of().parseHex("00112233445566778899aabbccddeeff"),
                original.keys().getKey(id("ae42@sp.example.com")).getEncoded());
        assertArrayEquals(STORE_KEY, original.keys().getKey(id("ae43@sp.example.com")).getEncoded());
        assertArrayEquals(STORE_KEY, copy.keys().getKey(id("ae43@sp.example.com")).getEncoded());
        assertEquals(Optional.of("/id-mn1"), copy.localId());
        original.close();
        assertThrows(IllegalStateException.class, () -> copy.keys().getKey(id("ae42@sp.example.com")));
        assertThrows(IllegalStateException.class, () -> original.keys().getKey(id("ae43@sp.example.com")));
    }

    @Test
    void builderAndToBuilder() throws Exception {
        AssociationTable table = AssociationTable.parse("t", new StringReader(
                "a@x.com peer=/id-a address=h.example:1 key=hex:0011\n"), IdentityMode.LENIENT, true);
        try (SaefConfiguration c = SaefConfiguration.builder().associations(table).localId("/id-me")
                .credentialIdType(0).cipherSuites("TLS_PSK_WITH_AES_128_CCM_8").ecdhePskEnabled(true)
                .requireExtendedMasterSecret(false).jdkFallback(false).hideUnknownIdentities(false)
                .reflectionCheck(false).handshakeTimeout(java.time.Duration.ofSeconds(5)).build()) {
            assertSame(table, c.associations());
            assertSame(table.inlineKeys(), c.keys());
            assertEquals(IdentityMode.LENIENT, c.identityMode());
            assertTrue(c.ownsKeyMaterial());
            SaefConfiguration copy = c.toBuilder().build();
            assertEquals(c.describe(), copy.describe());
            assertEquals("associations t (1, 1 with inline keys), no key store, identity mode lenient, Credential-ID"
                    + " type 0, local id /id-me, suites TLS_PSK_WITH_AES_128_CCM_8, ECDHE_PSK enabled, extended master"
                    + " secret not required, unknown KpsaIDs revealed, reflection check off, handshake timeout 5000 ms",
                    copy.describe());
            assertFalse(copy.jdkFallback());
            assertThrows(IllegalArgumentException.class, () -> SaefConfiguration.builder().credentialIdType(-1));
            assertThrows(IllegalArgumentException.class, () -> SaefConfiguration.builder().localId("a b"));
            assertThrows(IllegalArgumentException.class,
                    () -> SaefConfiguration.builder().handshakeTimeout(java.time.Duration.ofMillis(-1)));
        }
        assertTrue(table.isDestroyed());
    }

    @Test
    void saefDebugHasOneParser() throws Exception {
        assertFalse(SaefProperties.debugEnabled(null));
        assertTrue(SaefProperties.debugEnabled(""));
        assertTrue(SaefProperties.debugEnabled(" TRUE "));
        assertFalse(SaefProperties.debugEnabled("false"));
        assertEquals("saef.debug: 'yes' is not allowed; use true or false (default false)",
                assertThrows(SaefConfigException.class, () -> SaefProperties.debugEnabled("yes")).getMessage());
    }

    @Test
    void refusesAKeyStoreThatGroupOrOthersMayRead() throws Exception {
        Path t = table("b@x.com\n");
        Path ks = store("b@x.com");
        Files.setPosixFilePermissions(ks, PosixFilePermissions.fromString("rw-r--r--"));
        assertEquals("saef.keyStore " + ks + " holds Kpsa keys but group or others may read or write it (permissions"
                + " rw-r--r--); restrict it with: chmod 600 " + ks, error(props("saef.associations", t.toString(),
                        "saef.keyStore", ks.toString(), "saef.keyStorePassword", STORE_PASSWORD)));
        Files.setPosixFilePermissions(ks, PosixFilePermissions.fromString("r--------"));
        SaefProperties.load(props("saef.associations", t.toString(), "saef.keyStore", ks.toString(),
                "saef.keyStorePassword", STORE_PASSWORD)).destroy();
    }

    @Test
    void keyStorePasswordFromAPrivateFile() throws Exception {
        Path t = table("b@x.com\n");
        Path ks = store("b@x.com");
        Path pw = dir.resolve("store-password");
        Files.writeString(pw, STORE_PASSWORD + "\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(pw, PosixFilePermissions.fromString("rw-------"));
        SaefConfiguration c = SaefProperties.load(props("saef.associations", t.toString(), "saef.keyStore",
                ks.toString(), "saef.keyStorePasswordFile", pw.toString()));
        assertArrayEquals(STORE_KEY, c.keys().getKey(id("b@x.com")).getEncoded());
        c.destroy();

        // as some editors save it: a byte order mark and CRLF
        Files.writeString(pw, "\uFEFF" + STORE_PASSWORD + "\r\n", StandardCharsets.UTF_8);
        SaefProperties.load(props("saef.associations", t.toString(), "saef.keyStore", ks.toString(),
                "saef.keyStorePasswordFile", pw.toString())).destroy();

        Files.setPosixFilePermissions(pw, PosixFilePermissions.fromString("rw-r--r--"));
        String readable = error(props("saef.associations", t.toString(), "saef.keyStore", ks.toString(),
                "saef.keyStorePasswordFile", pw.toString()));
        assertEquals("saef.keyStorePasswordFile " + pw + " holds the key store password but group or others may read"
                + " or write it (permissions rw-r--r--); restrict it with: chmod 600 " + pw, readable);
        assertFalse(readable.contains(STORE_PASSWORD));
        Files.setPosixFilePermissions(pw, PosixFilePermissions.fromString("rw-------"));

        assertEquals("both saef.keyStorePassword and saef.keyStorePasswordFile are set; set only one",
                error(props("saef.associations", t.toString(), "saef.keyStore", ks.toString(),
                        "saef.keyStorePassword", STORE_PASSWORD, "saef.keyStorePasswordFile", pw.toString())));
        Files.writeString(pw, "not-the-password\n", StandardCharsets.UTF_8);
        assertEquals("saef.keyStore " + ks + ": wrong password in saef.keyStorePasswordFile (or the file is damaged)",
                error(props("saef.associations", t.toString(), "saef.keyStore", ks.toString(),
                        "saef.keyStorePasswordFile", pw.toString())));
        Files.writeString(pw, "\nsecond line\n", StandardCharsets.UTF_8);
        assertEquals("saef.keyStorePasswordFile " + pw + ": the first line is empty; put the password on it",
                error(props("saef.associations", t.toString(), "saef.keyStore", ks.toString(),
                        "saef.keyStorePasswordFile", pw.toString())));
        Path missing = dir.resolve("no-password-file");
        assertEquals("saef.keyStorePasswordFile " + missing + " does not exist",
                error(props("saef.associations", t.toString(), "saef.keyStore", ks.toString(),
                        "saef.keyStorePasswordFile", missing.toString())));
    }

    @Test
    void keyStoreErrors() throws Exception {
        Path t = table("b@x.com\n");
        Path ks = store("b@x.com");
        assertEquals("saef.keyStorePassword (or saef.keyStorePasswordFile) is not set; it is required with"
                + " saef.keyStore (the same password protects the store and its entries)",
                error(props("saef.associations", t.toString(), "saef.keyStore", ks.toString())));
        assertEquals("saef.keyStore " + ks + ": wrong saef.keyStorePassword (or the file is damaged)",
                error(props("saef.associations", t.toString(), "saef.keyStore", ks.toString(),
                        "saef.keyStorePassword", "wrong")));
        Path missing = dir.resolve("missing.p12");
        assertEquals("saef.keyStore " + missing + " does not exist", error(props("saef.keyStore", missing.toString(),
                "saef.keyStorePassword", STORE_PASSWORD)));
        assertEquals("saef.keyStore " + dir + " is a directory, not a regular file; SAEF reads its configuration only"
                + " from regular files: set saef.keyStore to the file itself", error(props("saef.keyStore",
                dir.toString(), "saef.keyStorePassword", STORE_PASSWORD)));
        assertEquals("saef.keyStoreType: 'NOPE' is not a key store type of this JVM; use PKCS12 (default) or JCEKS",
                error(props("saef.keyStore", ks.toString(), "saef.keyStoreType", "NOPE",
                        "saef.keyStorePassword", STORE_PASSWORD)));
        assertEquals("saef.keyStoreType is empty; use PKCS12 (default) or JCEKS", error(props("saef.keyStore",
                ks.toString(), "saef.keyStoreType", " ", "saef.keyStorePassword", STORE_PASSWORD)));
    }

    @Test
    void anAmbiguousKeyStoreIsAStartError() throws Exception {
        KeyStore bks = KeyStore.getInstance("BKS", new BouncyCastleProvider());
        bks.load(null, null);
        KeyStore.PasswordProtection pp = new KeyStore.PasswordProtection(STORE_PASSWORD.toCharArray());
        bks.setEntry("AE1@x.com", new KeyStore.SecretKeyEntry(new SecretKeySpec(new byte[] {1}, "AES")), pp);
        bks.setEntry("ae1@x.com", new KeyStore.SecretKeyEntry(new SecretKeySpec(new byte[] {2}, "AES")), pp);
        Path t = table("AE1@x.com peer=/id-1\n");
        KeyStoreKeyProvider provider = new KeyStoreKeyProvider(bks, STORE_PASSWORD.toCharArray());
        SaefConfigException e = assertThrows(SaefConfigException.class, () -> SaefProperties.load(
                props("saef.associations", t.toString()), provider));
        assertEquals(t + ":1: key for KpsaID AE1@x.com: ambiguous: aliases 'AE1@x.com' and 'ae1@x.com' both match"
                + " KpsaID 'AE1@x.com' ignoring case; add the KpsaID attribute"
                + " 2.25.178118512728436388565434010869174190155 to the right entry (saef keys add, or"
                + " KeyStoreKeyWriter.storeKey, writes it)", e.getMessage());
    }

    /**
     * Issue 7 item 3: a key made with {@code keytool -genseckey} (no KpsaID attribute; PKCS12 lower-cases
     * the alias) matched every table KpsaID that differs only in case, so one key served two identities.
     */
    @Test
    void aKeytoolEntryCannotServeTwoKpsaIdsThatDifferOnlyInCase() throws Exception {
        Path ks = dir.resolve("keytool.p12");
        Process k = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genseckey", "-alias", "AE7@x.com", "-keyalg", "AES", "-keysize", "128", "-storetype", "PKCS12",
                "-keystore", ks.toString(), "-storepass", STORE_PASSWORD).redirectErrorStream(true).start();
        String out = new String(k.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(k.waitFor(60, java.util.concurrent.TimeUnit.SECONDS) && k.exitValue() == 0, out);
        java.nio.file.Files.setPosixFilePermissions(ks, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));

        Path t = table("AE7@x.com peer=/id-cse\nae7@x.com peer=/id-other\n");
        assertEquals(t + ":2: key for KpsaID ae7@x.com: key store entry 'ae7@x.com' has no KpsaID attribute (e.g. made"
                + " with keytool -genseckey), so it is matched by alias ignoring case; it already serves KpsaID"
                + " 'AE7@x.com' and must not also serve KpsaID 'ae7@x.com' (one key would authenticate both"
                + " identities). Fix: re-add the key of the right KpsaID with 'saef keys add --kpsa-id <KpsaID>' (it"
                + " records the exact KpsaID) and give the other KpsaID a key of its own (inline key= or another key"
                + " store)", error(props("saef.associations", t.toString(), "saef.keyStore", ks.toString(),
                        "saef.keyStorePassword", STORE_PASSWORD)));
        // one KpsaID of that spelling: the keytool entry still works
        Path one = table("AE7@x.com peer=/id-cse\n");
        SaefConfiguration c = SaefProperties.load(props("saef.associations", one.toString(), "saef.keyStore",
                ks.toString(), "saef.keyStorePassword", STORE_PASSWORD));
        try {
            javax.crypto.SecretKey key = c.keys().getKey(id("AE7@x.com"));
            assertEquals(16, key.getEncoded().length);
        } finally {
            c.destroy();
        }
    }

    @Test
    void aGivenKeyProviderReplacesTheKeyStoreProperty() throws Exception {
        Path t = table("b@x.com peer=/id-b\n");
        PskKeyProvider given = kpsa -> kpsa.value().equals("b@x.com")
                ? new dev.saef.keys.PskSecretKey(new byte[] {4, 2}) : null;
        SaefConfiguration c = SaefProperties.load(props("saef.associations", t.toString(),
                "saef.keyStore", dir.resolve("ignored.p12").toString()), given);
        assertArrayEquals(new byte[] {4, 2}, c.keys().getKey(id("b@x.com")).getEncoded());
        c.destroy(); // does not touch the caller's provider
        assertArrayEquals(new byte[] {4, 2}, given.getKey(id("b@x.com")).getEncoded());
    }

    @Test
    void programmaticConfiguration() throws Exception {
        AssociationTable t = AssociationTable.parse("demo", new StringReader(
                "a@x.com peer=/id-in key=hex:0102\nb@x.com peer=/id-b\n"), IdentityMode.STRICT, true);
        SaefConfiguration c = SaefConfiguration.of(t, t.inlineKeys());
        assertSame(t, c.associations());
        assertEquals(12, c.credentialIdType());
        assertTrue(c.requireExtendedMasterSecret());
        SaefConfiguration d = c.withLocalId("/id-mn1").withCredentialIdType(0).withCipherSuites("X")
                .withEcdhePskEnabled(true).withRequireExtendedMasterSecret(false);
        assertEquals(Optional.of("/id-mn1"), d.localId());
        assertEquals(0, d.credentialIdType());
        assertEquals(Optional.of("X"), d.cipherSuites());
        assertTrue(d.ecdhePskEnabled());
        assertFalse(d.requireExtendedMasterSecret());
        assertEquals(Optional.empty(), c.localId()); // the original is unchanged
        assertEquals(Optional.empty(), d.withLocalId(null).localId());
        assertThrows(IllegalArgumentException.class, () -> c.withLocalId(""));
        assertThrows(IllegalArgumentException.class, () -> c.withCredentialIdType(-1));
        assertEquals("demo:2: no key for KpsaID b@x.com: add key=hex:... or key=base64:... to the line, or put it in"
                + " the key provider", assertThrows(SaefConfigException.class, c::validate).getMessage());
        AssociationTable ok = AssociationTable.parse("demo", new StringReader("a@x.com key=hex:0102\n"),
                IdentityMode.STRICT, true);
        SaefConfiguration valid = SaefConfiguration.of(ok, ok.inlineKeys());
        assertSame(valid, valid.validate());
    }

    @Test
    void unknownIdentityAndReflectionCheckSettings() throws Exception {
        SaefConfiguration d = SaefProperties.load(new Properties());
        assertTrue(d.hideUnknownIdentities(), "unknown KpsaIDs hidden by default");
        assertTrue(d.reflectionCheck(), "reflection check on by default");
        SaefConfiguration c = SaefProperties.load(props("saef.unknownIdentity", " Reveal ",
                "saef.reflectionCheck", "FALSE"));
        assertFalse(c.hideUnknownIdentities());
        assertFalse(c.reflectionCheck());
        assertEquals("associations (no association table) (0, 0 with inline keys), no key store, identity mode strict,"
                + " Credential-ID type 12, unknown KpsaIDs revealed, reflection check off", c.describe());
        assertTrue(SaefProperties.load(props("saef.unknownIdentity", "hide")).hideUnknownIdentities());
        assertEquals("saef.unknownIdentity: 'hidden' is not allowed; use hide (an unknown KpsaID fails exactly like a"
                + " wrong Kpsa, RFC 4279 section 5, the default) or reveal (it is answered with the unknown_psk_identity"
                + " alert)", error(props("saef.unknownIdentity", "hidden")));
        assertEquals("saef.reflectionCheck: 'off' is not allowed; use true or false (default true)",
                error(props("saef.reflectionCheck", "off")));
        assertEquals("unknown property saef.reflectioncheck: did you mean saef.reflectionCheck? (property names are"
                + " case-sensitive)", error(props("saef.reflectioncheck", "false")));
        // programmatic copies keep and change them
        SaefConfiguration p = d.withHideUnknownIdentities(false).withReflectionCheck(false).withLocalId("/id-mn1")
                .withCipherSuites(null).withEcdhePskEnabled(false).withJdkFallback(true).withCredentialIdType(12)
                .withRequireExtendedMasterSecret(true);
        assertFalse(p.hideUnknownIdentities());
        assertFalse(p.reflectionCheck());
        assertTrue(p.withHideUnknownIdentities(true).hideUnknownIdentities());
        assertTrue(p.withReflectionCheck(true).reflectionCheck());
    }

    @Test
    void fromSystemPropertiesReadsTheSameProperties() throws Exception {
        String before = System.getProperty("saef.credentialIdType");
        System.setProperty("saef.credentialIdType", "13");
        try {
            assertEquals(13, SaefProperties.fromSystemProperties().credentialIdType());
        } finally {
            if (before == null) {
                System.clearProperty("saef.credentialIdType");
            } else {
                System.setProperty("saef.credentialIdType", before);
            }
        }
    }
}
