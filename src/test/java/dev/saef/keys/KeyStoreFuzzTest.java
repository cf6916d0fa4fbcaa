package dev.saef.keys;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.saef.config.SaefConfigException;
import dev.saef.config.SaefConfiguration;
import dev.saef.config.SaefProperties;
import dev.saef.fuzz.FuzzInput;
import dev.saef.identity.IdentityMode;
import dev.saef.identity.KpsaId;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.Security;
import java.util.Properties;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * Coverage-guided fuzzing (Jazzer) of key store loading: a fuzzed PKCS12 file as
 * {@code saef.keyStore}, read through {@link SaefConfiguration#from(Properties)} (which loads and
 * indexes it with {@link KeyStoreKeyProvider} and checks the table's KpsaID has a key), then every
 * key fetched.
 *
 * <p>Oracle: loading ends in a configuration or the documented {@link SaefConfigException}, whose
 * message names {@code saef.keyStore} and never contains the password; fetching keys from a
 * configuration that loaded ends in a key, null, or a {@link GeneralSecurityException}. Anything
 * else (a RuntimeException from the JDK's PKCS12 parser, an Error) is a finding.
 *
 * <p>Input ({@link FuzzInput}): the file's bytes. The seeds are PKCS12 stores written by
 * {@link KeyStoreKeyWriter#storeKey} with iteration count 1, so that the fuzzer does not spend its
 * time in PBKDF2.
 */
class KeyStoreFuzzTest {

    static final String PASSWORD = "fuzz-store-password";
    static final String KPSA = "cse-mn1@sp.example.com";
    private static Path dir;

    private static synchronized Path dir() {
        if (dir == null) {
            try {
                dir = Files.createTempDirectory("saef-fuzz-keystore",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                Path table = dir.resolve("associations");
                Files.writeString(table, KPSA + " peer=/id-mn1\n");
                Files.setPosixFilePermissions(table, PosixFilePermissions.fromString("rw-------"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return dir;
    }

    @FuzzTest(maxDuration = "10m")
    void keyStore(byte[] data) throws IOException {
        byte[] bytes = new FuzzInput(data).rest();
        Path store = dir().resolve("store.p12");
        Files.write(store, bytes);
        Files.setPosixFilePermissions(store, PosixFilePermissions.fromString("rw-------"));
        Properties p = new Properties();
        p.setProperty(SaefProperties.ASSOCIATIONS, dir().resolve("associations").toString());
        p.setProperty(SaefProperties.KEY_STORE, store.toString());
        p.setProperty(SaefProperties.KEY_STORE_PASSWORD, PASSWORD);
        SaefConfiguration config;
        try {
            config = SaefProperties.load(p);
        } catch (SaefConfigException e) {
            String m = e.getMessage();
            assertNotNull(m);
            assertTrue(m.contains(SaefProperties.KEY_STORE) || m.contains(store.toString()),
                    "the message does not name the key store: " + m);
            assertFalse(m.contains(PASSWORD), "the message contains the password: " + m);
            return;
        }
        try {
            for (String id : new String[] {KPSA, "Other@x.example.com", "CSE-MN1@sp.example.com"}) {
                try {
                    SecretKey k = config.keys().getKey(KpsaId.parse(id, IdentityMode.LENIENT));
                    if (k != null) {
                        assertTrue(k.getEncoded().length > 0, "an empty key");
                    }
                } catch (GeneralSecurityException e) {
                    assertNotNull(e.getMessage());
                    assertFalse(e.getMessage().contains(PASSWORD), "the message contains the password");
                }
            }
        } finally {
            config.destroy();
        }
    }

    /** Writes the seeds: PKCS12 stores (iteration count 1) with attributed, plain-alias and mixed entries. */
    public static void main(String[] args) throws Exception {
        Path out = Paths.get(args.length > 0 ? args[0] : "src/test/resources/dev/saef/keys/KeyStoreFuzzTestInputs/keyStore");
        Files.createDirectories(out);
        Security.setProperty("keystore.pkcs12.certPbeIterationCount", "1");
        Security.setProperty("keystore.pkcs12.keyPbeIterationCount", "1");
        Security.setProperty("keystore.pkcs12.macIterationCount", "1");
        char[] pw = PASSWORD.toCharArray();
        byte[] key = new byte[16];
        for (int i = 0; i < key.length; i++) {
            key[i] = (byte) i;
        }
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, pw);
        KeyStoreKeyWriter.storeKey(ks, KpsaId.parse(KPSA, IdentityMode.STRICT), new SecretKeySpec(key, "RAW"), pw);
        write(ks, pw, out.resolve("seed-attributed"));
        ks.setEntry("other@x.example.com", new KeyStore.SecretKeyEntry(new SecretKeySpec(key, "HmacSHA256")),
                new KeyStore.PasswordProtection(pw));
        write(ks, pw, out.resolve("seed-attributed-and-alias"));
        KeyStore plain = KeyStore.getInstance("PKCS12");
        plain.load(null, pw);
        plain.setEntry(KPSA, new KeyStore.SecretKeyEntry(new SecretKeySpec(key, "AES")), new KeyStore.PasswordProtection(pw));
        write(plain, pw, out.resolve("seed-alias-only"));
    }

    private static void write(KeyStore ks, char[] pw, Path file) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (OutputStream o = b) {
            ks.store(o, pw);
        }
        Files.write(file, b.toByteArray());
        assertTrue(new String(b.toByteArray(), StandardCharsets.ISO_8859_1).length() > 0);
    }
}
