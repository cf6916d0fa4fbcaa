package dev.saef.keys;

import dev.saef.identity.KpsaId;
import dev.saef.identity.QuotedText;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.util.Arrays;
import java.util.Collections;
import java.util.Objects;
import java.util.Set;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * Writes Kpsa entries (oneM2M TS-0003 clause 8.2.2.1) into a key store in the form
 * {@link KeyStoreKeyProvider} finds them: a {@code SecretKeyEntry} whose alias is the KpsaID and
 * which carries the {@link KpsaIdAttribute} with the exact KpsaID. Used by {@code saef keys add},
 * {@code remove} and {@code rotate}. Stateless.
 */
public final class KeyStoreKeyWriter {

    /**
     * Algorithm name {@link #storeKey} gives keys: PKCS12 needs a name it has an OID for, and
     * {@code HmacSHA256} (unlike {@code AES}) implies no key length, so any PSK of 1..n octets is
     * stored and loaded back unchanged.
     */
    public static final String STORE_KEY_ALGORITHM = "HmacSHA256";

    private KeyStoreKeyWriter() {
    }

    /**
     * Writes a Kpsa into a key store as a {@code SecretKeyEntry} with alias = the KpsaID and the
     * KpsaID attribute {@value KpsaIdAttribute#OID} (so that the exact case survives a PKCS12
     * round trip). The key octets are stored under algorithm {@value #STORE_KEY_ALGORITHM}, whatever
     * the algorithm of {@code key}; the copy handed to the store is a {@code SecretKeySpec} (JCEKS
     * accepts no other class), which cannot be wiped on Java 17, so prefer to run this in a
     * short-lived provisioning process. An existing entry for the same KpsaID is replaced; an
     * existing entry that only matches the alias ignoring case (PKCS12 and JCEKS fold case) is not
     * overwritten: the call fails instead.
     *
     * @param ks a loaded, writable key store (the caller saves it afterwards)
     * @param id the KpsaID
     * @param key the Kpsa; its {@code getEncoded()} must give the raw octets; not modified
     * @param password the entry password (SAEF uses the store password)
     * @throws KeyStoreException when the key has no raw encoding, the alias is taken, or the store
     *     refuses the entry
     */
    public static void storeKey(KeyStore ks, KpsaId id, SecretKey key, char[] password) throws KeyStoreException {
        Objects.requireNonNull(ks, "ks");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(password, "password");
        String alias = id.value();
        KeyStore.PasswordProtection protection = new KeyStore.PasswordProtection(password);
        byte[] octets = key.getEncoded();
        SecretKey stored = null;
        try {
            if (octets == null || octets.length == 0) {
                throw new KeyStoreException("the key for KpsaID " + QuotedText.quote(alias)
                        + " has no raw encoding; a PSK must be exportable octets");
            }
            if (ks.containsAlias(alias)) {
                checkReplaceable(ks, id, protection);
            }
            // A SecretKeySpec, not a PskSecretKey: JCEKS serializes the key object and only loads
            // SecretKeySpec back (jceks.key.serialFilter). Its internal copy cannot be zeroed on Java 17.
            stored = new SecretKeySpec(octets, STORE_KEY_ALGORITHM);
            ks.setEntry(alias, new KeyStore.SecretKeyEntry(stored, Set.of(KpsaIdAttribute.of(id))), protection);
        } finally {
            if (octets != null) {
                Arrays.fill(octets, (byte) 0);
            }
            KeyStoreKeyProvider.destroyQuietly(stored);
            KeyStoreKeyProvider.destroyQuietly(protection);
        }
    }

    private static void checkReplaceable(KeyStore ks, KpsaId id, KeyStore.PasswordProtection protection)
            throws KeyStoreException {
        String alias = id.value();
        if (!ks.entryInstanceOf(alias, KeyStore.SecretKeyEntry.class)) {
            throw new KeyStoreException("alias " + QuotedText.quote(alias)
                    + " is already used by an entry that is not a secret key");
        }
        KeyStore.Entry existing;
        try {
            existing = ks.getEntry(alias, protection);
        } catch (GeneralSecurityException e) {
            throw new KeyStoreException("alias " + QuotedText.quote(alias)
                    + " is already used by an entry that cannot be read with this password");
        }
        if (existing instanceof KeyStore.SecretKeyEntry ske) {
            KeyStoreKeyProvider.destroyQuietly(ske.getSecretKey());
        }
        String existingId = null;
        for (KeyStore.Entry.Attribute a : existing.getAttributes()) {
            if (KpsaIdAttribute.OID.equals(a.getName())) {
                existingId = KeyStoreKeyProvider.attributeValue(alias, a);
            }
        }
        if (existingId != null ? existingId.equals(alias) : Collections.list(ks.aliases()).contains(alias)) {
            return; // the same KpsaID: replace its key
        }
        throw new KeyStoreException("the key store already has an entry whose alias matches KpsaID "
                + QuotedText.quote(alias) + " ignoring case"
                + (existingId != null ? " (for KpsaID " + QuotedText.quote(existingId) + ")" : "")
                + "; " + ks.getType() + " aliases ignore case, so both cannot be stored: delete that entry first"
                + " or use a store per KpsaID spelling");
    }

    /**
     * Deletes the entry that holds a KpsaID's Kpsa, found as {@link KeyStoreKeyProvider} finds it: the secret-key
     * entry whose {@link KpsaIdAttribute} is exactly the KpsaID, else the one entry without the attribute whose
     * alias equals it ignoring case. Used by {@code saef keys remove}.
     *
     * @param ks a loaded, writable key store (the caller saves it afterwards)
     * @param id the KpsaID
     * @param password the store password
     * @return false when no entry holds the KpsaID
     * @throws KeyStoreException when two entries hold it (ambiguous: nothing is deleted) or the store refuses
     */
    public static boolean removeKey(KeyStore ks, KpsaId id, char[] password) throws GeneralSecurityException {
        Objects.requireNonNull(ks, "ks");
        Objects.requireNonNull(id, "id");
        String alias;
        try (KeyStoreKeyProvider index = new KeyStoreKeyProvider(ks, password)) {
            if (!index.hasKey(id)) {
                return false;
            }
            alias = index.aliasOf(id);
        }
        ks.deleteEntry(alias);
        return true;
    }
}
