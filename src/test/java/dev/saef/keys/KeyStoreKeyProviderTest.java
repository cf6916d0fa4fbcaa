package dev.saef.keys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saef.identity.IdentityMode;
import dev.saef.identity.KpsaId;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x509.TBSCertificate;
import org.bouncycastle.asn1.x509.Time;
import org.bouncycastle.asn1.x509.V3TBSCertificateGenerator;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyStoreKeyProviderTest {

    private static final char[] PASSWORD = "changeit-psk".toCharArray();
    private static final KpsaId LOCK = KpsaId.parse("AE123-LOCK@in.provider.com", IdentityMode.STRICT);

    @TempDir
    Path dir;

    private static KeyStore emptyStore(String type) throws Exception {
        KeyStore ks = KeyStore.getInstance(type);
        ks.load(null, null);
        return ks;
    }

    private Path save(KeyStore ks, String name) throws Exception {
        Path file = dir.resolve(name);
        try (OutputStream out = Files.newOutputStream(file)) {
            ks.store(out, PASSWORD);
        }
        return file;
    }

    /** Loads a key store file as the configuration does: the caller reads the octets. */
    private static KeyStoreKeyProvider load(Path file, String type, char[] password) throws Exception {
        return KeyStoreKeyProvider.load(Files.readAllBytes(file), type, password);
    }

    private static byte[] encoded(PskKeyProvider p, KpsaId id) throws GeneralSecurityException {
        SecretKey k = p.getKey(id);
        assertNotNull(k, "no key for " + id);
        return k.getEncoded();
    }

    private static KpsaId id(String text) {
        return KpsaId.parse(text, IdentityMode.STRICT);
    }

    @Test
    void pkcs12RoundTripKeepsTheExactCaseOfTheKpsaId() throws Exception {
        byte[] key = HexFormat.of().parseHex("00112233445566778899aabbccddeeff");
        KeyStore ks = emptyStore("PKCS12");
        KeyStoreKeyWriter.storeKey(ks, LOCK, new SecretKeySpec(key, "AES"), PASSWORD);
        Path file = save(ks, "keys.p12");

        try (KeyStoreKeyProvider p = load(file, "PKCS12", PASSWORD)) {
            KeyStore loaded = KeyStore.getInstance("PKCS12");
            try (java.io.InputStream in = Files.newInputStream(file)) {
                loaded.load(in, PASSWORD);
            }
            // The pitfall this class exists for: the JDK lower-cases the alias.
            assertEquals(List.of("ae123-lock@in.provider.com"), Collections.list(loaded.aliases()));

            assertArrayEquals(key, encoded(p, LOCK));
            assertTrue(p.hasKey(LOCK));
            // The lower-case spelling is a different KpsaID: an entry with the attribute is not matched by alias.
            KpsaId lower = id("ae123-lock@in.provider.com");
            assertNull(p.getKey(lower));
            assertFalse(p.hasKey(lower));
            SecretKey k = p.getKey(LOCK);
            assertEquals(KeyStoreKeyProvider.STORE_KEY_ALGORITHM, k.getAlgorithm());
            assertEquals("RAW", k.getFormat());
        }
    }

    @Test
    void keysOfEveryLengthFrom1To64AndUpTo512RoundTripByteIdentical() throws Exception {
        SecureRandom random = new SecureRandom();
        KeyStore ks = emptyStore("PKCS12");
        List<byte[]> keys = new ArrayList<>();
        int[] lengths = new int[64 + 3];
        for (int i = 0; i < 64; i++) {
            lengths[i] = i + 1;
        }
        lengths[64] = 65;
        lengths[65] = 256;
        lengths[66] = 512;
        for (int i = 0; i < lengths.length; i++) {
            byte[] key = new byte[lengths[i]];
            random.nextBytes(key);
            if (i % 3 == 0) {
                key[0] = 0; // leading zero octets must survive (no integer conversion anywhere)
            }
            if (i == 7) {
                java.util.Arrays.fill(key, (byte) 0);
            }
            keys.add(key);
            KeyStoreKeyWriter.storeKey(ks, id("Key" + i + "-Len" + lengths[i] + "@Test.Example.com"),
                    new SecretKeySpec(key, "HmacSHA256"), PASSWORD);
        }
        Path file = save(ks, "lengths.p12");
        try (KeyStoreKeyProvider p = load(file, "PKCS12", PASSWORD)) {
            for (int i = 0; i < lengths.length; i++) {
                assertArrayEquals(keys.get(i), encoded(p, id("Key" + i + "-Len" + lengths[i] + "@Test.Example.com")),
                        "length " + lengths[i]);
            }
        }
    }

    @Test
    void attributeValuesThatLookLikeHexStayExact() throws Exception {
        // PKCS12Attribute(String, String) would encode "AB:CD:EF" as octets and give back "ab:cd:ef".
        KpsaId hexLike = KpsaId.parse("AB:CD:EF", IdentityMode.LENIENT);
        KpsaId listLike = KpsaId.parse("[X,Y]@bsf.example.com", IdentityMode.LENIENT);
        KeyStore ks = emptyStore("PKCS12");
        KeyStoreKeyWriter.storeKey(ks, hexLike, new SecretKeySpec(new byte[] {1}, "AES"), PASSWORD);
        KeyStoreKeyWriter.storeKey(ks, listLike, new SecretKeySpec(new byte[] {2}, "AES"), PASSWORD);
        try (KeyStoreKeyProvider p = load(save(ks, "hex.p12"), "PKCS12", PASSWORD)) {
            assertArrayEquals(new byte[] {1}, encoded(p, hexLike));
            assertArrayEquals(new byte[] {2}, encoded(p, listLike));
            assertNull(p.getKey(KpsaId.parse("ab:cd:ef", IdentityMode.LENIENT)));
        }
    }

    @Test
    void eachGetKeyReturnsAFreshKeyTheCallerMayDestroy() throws Exception {
        KeyStore ks = emptyStore("PKCS12");
        KeyStoreKeyWriter.storeKey(ks, LOCK, new SecretKeySpec(new byte[] {9, 8, 7}, "AES"), PASSWORD);
        try (KeyStoreKeyProvider p = new KeyStoreKeyProvider(ks, PASSWORD)) {
            SecretKey first = p.getKey(LOCK);
            byte[] copy = first.getEncoded();
            copy[0] = 0;
            first.destroy();
            assertTrue(first.isDestroyed());
            assertArrayEquals(new byte[] {9, 8, 7}, encoded(p, LOCK));
        }
    }

    @Test
    void aliasMatchIgnoringCaseIsUsedForEntriesWithoutTheAttribute() throws Exception {
        KeyStore ks = emptyStore("PKCS12");
        ks.setEntry("Legacy-AE@sp.example.com", new KeyStore.SecretKeyEntry(new SecretKeySpec(new byte[] {5}, "AES")),
                new KeyStore.PasswordProtection(PASSWORD));
        try (KeyStoreKeyProvider p = load(save(ks, "legacy.p12"), "PKCS12", PASSWORD)) {
            assertArrayEquals(new byte[] {5}, encoded(p, id("Legacy-AE@sp.example.com")));
            assertArrayEquals(new byte[] {5}, encoded(p, id("Legacy-AE@sp.example.com")), "the same KpsaID again");
            assertNull(p.getKey(id("other@sp.example.com")));
        }
    }

    /**
     * Issue 7 item 3: an entry without the KpsaID attribute (keytool -genseckey) served every KpsaID that
     * differs only in case, so its holder could pick which of them (and so which peer=) a server binds.
     */
    @Test
    void anEntryWithoutTheAttributeNeverServesTwoKpsaIds() throws Exception {
        KeyStore ks = emptyStore("PKCS12");
        ks.setEntry("Legacy-AE@sp.example.com", new KeyStore.SecretKeyEntry(new SecretKeySpec(new byte[] {5}, "AES")),
                new KeyStore.PasswordProtection(PASSWORD));
        try (KeyStoreKeyProvider p = load(save(ks, "legacy.p12"), "PKCS12", PASSWORD)) {
            assertTrue(p.hasKey(id("legacy-ae@sp.example.com")));
            KeyStoreException e = assertThrows(KeyStoreException.class, () -> p.getKey(id("Legacy-AE@sp.example.com")));
            assertEquals("key store entry 'legacy-ae@sp.example.com' has no KpsaID attribute (e.g. made with keytool"
                    + " -genseckey), so it is matched by alias ignoring case; it already serves KpsaID"
                    + " 'legacy-ae@sp.example.com' and must not also serve KpsaID 'Legacy-AE@sp.example.com' (one key"
                    + " would authenticate both identities). Fix: re-add the key of the right KpsaID with 'saef keys add"
                    + " --kpsa-id <KpsaID>' (it records the exact KpsaID) and give the other KpsaID a key of its own"
                    + " (inline key= or another key store)", e.getMessage());
            assertThrows(KeyStoreException.class, () -> p.hasKey(id("LEGACY-AE@sp.example.com")));
            assertArrayEquals(new byte[] {5}, encoded(p, id("legacy-ae@sp.example.com")), "the first KpsaID keeps it");
        }
    }

    @Test
    void jceksStoresWork() throws Exception {
        KeyStore ks = emptyStore("JCEKS");
        KeyStoreKeyWriter.storeKey(ks, LOCK, new SecretKeySpec(new byte[] {1, 2, 3, 4}, "AES"), PASSWORD);
        try (KeyStoreKeyProvider p = load(save(ks, "keys.jceks"), "JCEKS", PASSWORD)) {
            assertArrayEquals(new byte[] {1, 2, 3, 4}, encoded(p, LOCK));
            assertTrue(p.hasKey(LOCK));
        }
    }

    @Test
    void twoAliasesMatchingIgnoringCaseAreAmbiguous() throws Exception {
        // BC's BKS store keeps alias case, so two spellings can coexist (the JDK's stores cannot).
        KeyStore ks = KeyStore.getInstance("BKS", new BouncyCastleProvider());
        ks.load(null, null);
        ks.setEntry("AE1@x.com", new KeyStore.SecretKeyEntry(new SecretKeySpec(new byte[] {1}, "AES")),
                new KeyStore.PasswordProtection(PASSWORD));
        ks.setEntry("ae1@X.COM", new KeyStore.SecretKeyEntry(new SecretKeySpec(new byte[] {2}, "AES")),
                new KeyStore.PasswordProtection(PASSWORD));
        try (KeyStoreKeyProvider p = new KeyStoreKeyProvider(ks, PASSWORD)) {
            KeyStoreException e = assertThrows(KeyStoreException.class, () -> p.getKey(id("AE1@x.com")));
            assertEquals("ambiguous: aliases 'AE1@x.com' and 'ae1@X.COM' both match KpsaID 'AE1@x.com' ignoring case;"
                    + " add the KpsaID attribute 2.25.178118512728436388565434010869174190155 to the right entry"
                    + " (saef keys add, or KeyStoreKeyWriter.storeKey, writes it)", e.getMessage());
            assertThrows(KeyStoreException.class, () -> p.hasKey(id("Ae1@x.Com")));
        }
    }

    @Test
    void twoEntriesWithTheSameAttributeAreAmbiguous() throws Exception {
        KeyStore ks = emptyStore("PKCS12");
        KeyStore.PasswordProtection pp = new KeyStore.PasswordProtection(PASSWORD);
        Set<KeyStore.Entry.Attribute> attr = Set.of(KpsaIdAttribute.of(LOCK));
        ks.setEntry("copy1", new KeyStore.SecretKeyEntry(new SecretKeySpec(new byte[] {1}, "AES"), attr), pp);
        ks.setEntry("copy2", new KeyStore.SecretKeyEntry(new SecretKeySpec(new byte[] {2}, "AES"), attr), pp);
        try (KeyStoreKeyProvider p = load(save(ks, "dup.p12"), "PKCS12", PASSWORD)) {
            assertEquals("ambiguous: key store entries 'copy1' and 'copy2' both carry KpsaID"
                    + " 'AE123-LOCK@in.provider.com'; remove one of them",
                    assertThrows(KeyStoreException.class, () -> p.getKey(LOCK)).getMessage());
        }
    }

    @Test
    void nonSecretKeyEntriesAreIgnored() throws Exception {
        KeyPairGenerator kpg = KeyPairGenerator.getInstance("EC");
        kpg.initialize(256);
        KeyPair kp = kpg.generateKeyPair();
        X509Certificate cert = selfSigned(kp);
        KeyStore ks = emptyStore("PKCS12");
        ks.setKeyEntry("ae1@x.com", kp.getPrivate(), PASSWORD, new java.security.cert.Certificate[] {cert});
        ks.setCertificateEntry("ae2@x.com", cert);
        try (KeyStoreKeyProvider p = load(save(ks, "mixed.p12"), "PKCS12", PASSWORD)) {
            assertNull(p.getKey(id("ae1@x.com")));
            assertNull(p.getKey(id("ae2@x.com")));
            assertFalse(p.hasKey(id("ae1@x.com")));
            assertEquals("KeyStoreKeyProvider[PKCS12 key store, 0 secret key entries]", p.toString());
        }
    }

    @Test
    void storeKeyRefusesToOverwriteAnotherSpellingButReplacesTheSameKpsaId() throws Exception {
        KeyStore ks = emptyStore("PKCS12");
        KeyStoreKeyWriter.storeKey(ks, id("AE1@x.com"), new SecretKeySpec(new byte[] {1}, "AES"), PASSWORD);
        KeyStoreException e = assertThrows(KeyStoreException.class, () -> KeyStoreKeyWriter.storeKey(ks,
                id("ae1@x.com"), new SecretKeySpec(new byte[] {2}, "AES"), PASSWORD));
        assertEquals("the key store already has an entry whose alias matches KpsaID 'ae1@x.com' ignoring case (for"
                + " KpsaID 'AE1@x.com'); PKCS12 aliases ignore case, so both cannot be stored: delete that entry first"
                + " or use a store per KpsaID spelling", e.getMessage());
        KeyStoreKeyWriter.storeKey(ks, id("AE1@x.com"), new SecretKeySpec(new byte[] {3}, "AES"), PASSWORD);
        try (KeyStoreKeyProvider p = new KeyStoreKeyProvider(ks, PASSWORD)) {
            assertArrayEquals(new byte[] {3}, encoded(p, id("AE1@x.com")));
        }
    }

    @Test
    void storeKeyRefusesAKeyWithoutEncoding() {
        SecretKey opaque = new SecretKey() {
            @Override
            public String getAlgorithm() {
                return "AES";
            }

            @Override
            public String getFormat() {
                return null;
            }

            @Override
            public byte[] getEncoded() {
                return null;
            }
        };
        assertEquals("the key for KpsaID 'AE123-LOCK@in.provider.com' has no raw encoding; a PSK must be exportable"
                + " octets", assertThrows(KeyStoreException.class,
                        () -> KeyStoreKeyWriter.storeKey(emptyStore("PKCS12"), LOCK, opaque, PASSWORD)).getMessage());
    }

    @Test
    void anEntryWithAnotherPasswordIsReported() throws Exception {
        KeyStore ks = emptyStore("PKCS12");
        KeyStoreKeyWriter.storeKey(ks, LOCK, new SecretKeySpec(new byte[] {1}, "AES"), "other".toCharArray());
        // Java 17 decrypts entries to read their attributes (constructor fails); Java 18+ fails in getKey.
        GeneralSecurityException e = assertThrows(GeneralSecurityException.class, () -> {
            try (KeyStoreKeyProvider p = new KeyStoreKeyProvider(ks, PASSWORD)) {
                p.getKey(LOCK);
            }
        });
        assertTrue(e.getMessage().startsWith("key store entry 'ae123-lock@in.provider.com' cannot be decrypted with"
                + " the key store password"), e.getMessage());
    }

    @Test
    void aWrongStorePasswordFailsToLoad() throws Exception {
        KeyStore ks = emptyStore("PKCS12");
        KeyStoreKeyWriter.storeKey(ks, LOCK, new SecretKeySpec(new byte[] {1}, "AES"), PASSWORD);
        Path file = save(ks, "pw.p12");
        IOException e = assertThrows(IOException.class,
                () -> load(file, "PKCS12", "wrong".toCharArray()));
        assertTrue(e.getCause() instanceof java.security.UnrecoverableKeyException, String.valueOf(e.getCause()));
    }

    @Test
    void closeZeroesAndRefusesFurtherLookups() throws Exception {
        KeyStore ks = emptyStore("PKCS12");
        KeyStoreKeyWriter.storeKey(ks, LOCK, new SecretKeySpec(new byte[] {1, 2}, "AES"), PASSWORD);
        char[] password = PASSWORD.clone();
        KeyStoreKeyProvider p = new KeyStoreKeyProvider(ks, password);
        java.util.Arrays.fill(password, 'x'); // the provider keeps its own copy
        SecretKey before = p.getKey(LOCK);
        p.close();
        assertTrue(p.isDestroyed());
        assertEquals("this key store key provider has been closed",
                assertThrows(IllegalStateException.class, () -> p.getKey(LOCK)).getMessage());
        // A key handed out earlier belongs to the caller and is unaffected.
        assertArrayEquals(new byte[] {1, 2}, before.getEncoded());
        p.close(); // idempotent
    }

    @Test
    void toStringShowsNoKeysOrPasswords() throws Exception {
        KeyStore ks = emptyStore("PKCS12");
        KeyStoreKeyWriter.storeKey(ks, LOCK, new SecretKeySpec(new byte[] {0x41, 0x42, 0x43}, "AES"), PASSWORD);
        try (KeyStoreKeyProvider p = new KeyStoreKeyProvider(ks, PASSWORD)) {
            assertEquals("KeyStoreKeyProvider[PKCS12 key store, 1 secret key entry]", p.toString());
            assertEquals("PskSecretKey[HmacSHA256]", p.getKey(LOCK).toString());
        }
    }

    @Test
    void attributeOidIsTheDocumentedUuid() {
        assertEquals(new BigInteger("860060b3004e44c5bf569b21d3fd404b", 16).toString(),
                KeyStoreKeyProvider.KPSA_ID_ATTRIBUTE_OID.substring("2.25.".length()));
        assertEquals("2.25.178118512728436388565434010869174190155=AE123-LOCK@in.provider.com",
                KpsaIdAttribute.of(LOCK).toString());
    }

    /** A self-signed EC certificate, built with bcprov's ASN.1 classes (no bcpkix in this project). */
    private static X509Certificate selfSigned(KeyPair kp) throws Exception {
        AlgorithmIdentifier sigAlg = new AlgorithmIdentifier(X9ObjectIdentifiers.ecdsa_with_SHA256);
        V3TBSCertificateGenerator g = new V3TBSCertificateGenerator();
        X500Name name = new X500Name("CN=saef test");
        g.setSerialNumber(new ASN1Integer(1));
        g.setIssuer(name);
        g.setSubject(name);
        long now = System.currentTimeMillis();
        g.setStartDate(new Time(new Date(now - 60_000)));
        g.setEndDate(new Time(new Date(now + 86_400_000)));
        g.setSignature(sigAlg);
        g.setSubjectPublicKeyInfo(SubjectPublicKeyInfo.getInstance(kp.getPublic().getEncoded()));
        TBSCertificate tbs = g.generateTBSCertificate();
        Signature s = Signature.getInstance("SHA256withECDSA");
        s.initSign(kp.getPrivate());
        s.update(tbs.getEncoded(ASN1Encoding.DER));
        ASN1EncodableVector v = new ASN1EncodableVector();
        v.add(tbs);
        v.add(sigAlg);
        v.add(new DERBitString(s.sign()));
        byte[] der = new DERSequence(v).getEncoded(ASN1Encoding.DER);
        return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
    }
}
