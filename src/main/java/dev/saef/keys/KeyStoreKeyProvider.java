package dev.saef.keys;

import dev.saef.identity.KpsaId;
import dev.saef.identity.QuotedText;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.PKCS12Attribute;
import java.security.UnrecoverableEntryException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import javax.security.auth.DestroyFailedException;
import javax.security.auth.Destroyable;

/**
 * A {@link PskKeyProvider} over a loaded {@link KeyStore} (PKCS12 or JCEKS) holding each Kpsa
 * (oneM2M TS-0003 clause 8.2.2.1) as a {@code SecretKeyEntry}; the store behind
 * {@code saef.keyStore}.
 *
 * <p><b>Finding a KpsaID.</b> KpsaIDs are case-sensitive, but the JDK's PKCS12 and JCEKS stores
 * lower-case aliases. So a key is found by:
 * <ol>
 *   <li>the entry carrying the PKCS12 attribute {@value #KPSA_ID_ATTRIBUTE_OID} whose value is
 *       exactly the KpsaID ({@link KeyStoreKeyWriter#storeKey} writes it; it survives a store/load round trip);</li>
 *   <li>otherwise, among entries <em>without</em> that attribute (e.g. made with
 *       {@code keytool -genseckey}), the one whose alias equals the KpsaID ignoring case, when exactly
 *       one does. Entries that carry the attribute are never matched by alias: {@code ae1@x.com} must
 *       not get the key of {@code AE1@x.com}.</li>
 * </ol>
 * <b>One entry, one KpsaID.</b> An entry without the attribute serves only the first KpsaID that
 * matched it; a later lookup of another KpsaID that differs only in case fails with an error naming
 * both (else one key would authenticate both identities, and its holder would pick which {@code peer=}
 * a server binds). The configuration loader ({@code SaefProperties}) looks up every table KpsaID
 * at load, so with a table the binding is fixed, in table order, before any peer connects, and a
 * table with two such KpsaIDs is a start-up error. Callers that look up identities chosen by a peer should likewise call
 * {@link #hasKey} for each KpsaID they serve first.
 * Two entries that match the same KpsaID make {@link #getKey} fail with an "ambiguous" error rather
 * than guess. Entries that are not secret keys are ignored. The index is built once, by the
 * constructor (on Java 17 reading an entry's attributes means decrypting it, so construction takes
 * one password-based decryption per secret-key entry; on Java 18+ attributes are read directly).
 *
 * <p><b>Keys.</b> The store password is also the entry password. A key is decrypted on its first
 * use and its octets kept until {@link #close()}, which zeroes them and the copied password; each
 * {@link #getKey} returns a fresh {@link PskSecretKey} (algorithm as stored) the caller may destroy.
 *
 * <p>Thread-safe. The {@code KeyStore} must not be modified while this provider uses it.
 */
public final class KeyStoreKeyProvider implements PskKeyProvider, AutoCloseable, Destroyable {

    /**
     * OID of the PKCS12 bag attribute holding the exact KpsaID (a UTF8String); see
     * {@link KpsaIdAttribute}.
     */
    public static final String KPSA_ID_ATTRIBUTE_OID = KpsaIdAttribute.OID;

    /** Same as {@link KeyStoreKeyWriter#STORE_KEY_ALGORITHM}. */
    public static final String STORE_KEY_ALGORITHM = KeyStoreKeyWriter.STORE_KEY_ALGORITHM;

    /** {@code KeyStore.getAttributes(String)}, public since Java 18; null on Java 17. */
    private static final MethodHandle GET_ATTRIBUTES = findGetAttributes();

    private final KeyStore keyStore;
    private final char[] password;
    private final String description;
    /** Exact KpsaID attribute value to the aliases carrying it. */
    private final Map<String, List<String>> byAttribute;
    /** Alias (case-insensitive) to the aliases of entries without the attribute. */
    private final Map<String, List<String>> byAlias;
    /**
     * Alias of an entry without the KpsaID attribute to the one KpsaID it serves: the first KpsaID that
     * matched it (ignoring case). Any other KpsaID is refused, so one entry never serves two identities.
     */
    private final Map<String, String> aliasClaims = new ConcurrentHashMap<>();
    /** Alias to decrypted key, filled on first use; guarded by {@code this}. */
    private final Map<String, PskSecretKey> cache = new HashMap<>();
    private boolean destroyed;

    /**
     * Indexes the secret-key entries of a loaded key store.
     *
     * @param keyStore a loaded key store; kept (not copied) and used under this object's lock
     * @param password the store and entry password; copied, zeroed by {@link #close()}
     * @throws GeneralSecurityException when the store cannot be enumerated or, on Java 17, an entry
     *     cannot be decrypted with the password
     */
    public KeyStoreKeyProvider(KeyStore keyStore, char[] password) throws GeneralSecurityException {
        this.keyStore = Objects.requireNonNull(keyStore, "keyStore");
        Objects.requireNonNull(password, "password");
        this.password = password.clone();
        Map<String, List<String>> attributed = new HashMap<>();
        Map<String, List<String>> plain = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        int count = 0;
        try {
            for (String alias : Collections.list(keyStore.aliases())) {
                if (!keyStore.entryInstanceOf(alias, KeyStore.SecretKeyEntry.class)) {
                    continue;
                }
                count++;
                String kpsaId = readKpsaIdAttribute(alias);
                if (kpsaId != null) {
                    attributed.computeIfAbsent(kpsaId, k -> new ArrayList<>()).add(alias);
                } else {
                    plain.computeIfAbsent(alias, k -> new ArrayList<>()).add(alias);
                }
            }
        } catch (GeneralSecurityException | RuntimeException e) {
            Arrays.fill(this.password, '\0');
            throw e;
        }
        attributed.values().forEach(Collections::sort);
        plain.values().forEach(Collections::sort);
        this.byAttribute = Map.copyOf(attributed);
        this.byAlias = Collections.unmodifiableMap(plain);
        this.description = keyStore.getType() + " key store, " + count + " secret key entr" + (count == 1 ? "y" : "ies");
    }

    /**
     * Loads a key store from its encoded contents and indexes it. The caller reads the file (the
     * configuration reads only regular files, with a size limit) and zeroes {@code contents} afterwards.
     *
     * @param contents the key store file's octets; not modified
     * @param type its type, e.g. {@code PKCS12} or {@code JCEKS}
     * @param password the store and entry password; copied
     * @return the provider
     * @throws IOException when the contents are not a key store of that type, or the password is wrong
     *     (the JDK reports a wrong password as an {@code IOException} whose cause is an
     *     {@code UnrecoverableKeyException})
     * @throws GeneralSecurityException when the type is unknown or the store is unusable
     */
    public static KeyStoreKeyProvider load(byte[] contents, String type, char[] password)
            throws IOException, GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance(type);
        try (InputStream in = new ByteArrayInputStream(contents)) {
            ks.load(in, password);
        }
        return new KeyStoreKeyProvider(ks, password);
    }

    private String readKpsaIdAttribute(String alias) throws GeneralSecurityException {
        Set<KeyStore.Entry.Attribute> attributes;
        if (GET_ATTRIBUTES != null) {
            attributes = invokeGetAttributes(alias);
        } else {
            KeyStore.PasswordProtection protection = new KeyStore.PasswordProtection(password);
            try {
                KeyStore.Entry entry = keyStore.getEntry(alias, protection);
                attributes = entry.getAttributes();
                if (entry instanceof KeyStore.SecretKeyEntry ske) {
                    destroyQuietly(ske.getSecretKey());
                }
            } catch (UnrecoverableEntryException e) {
                throw new UnrecoverableEntryException("key store entry " + QuotedText.quote(alias)
                        + " cannot be decrypted with the key store password (SAEF uses one password for the store"
                        + " and its entries)");
            } finally {
                destroyQuietly(protection);
            }
        }
        String found = null;
        for (KeyStore.Entry.Attribute a : attributes) {
            if (!KPSA_ID_ATTRIBUTE_OID.equals(a.getName())) {
                continue;
            }
            String value = attributeValue(alias, a);
            if (found != null && !found.equals(value)) {
                throw new KeyStoreException("key store entry " + QuotedText.quote(alias)
                        + " carries two different KpsaID attributes");
            }
            found = value;
        }
        return found;
    }

    @SuppressWarnings("unchecked")
    private Set<KeyStore.Entry.Attribute> invokeGetAttributes(String alias) throws KeyStoreException {
        try {
            return (Set<KeyStore.Entry.Attribute>) GET_ATTRIBUTES.invoke(keyStore, alias);
        } catch (KeyStoreException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new KeyStoreException("cannot read the attributes of key store entry " + QuotedText.quote(alias), t);
        }
    }

    private static MethodHandle findGetAttributes() {
        try {
            return MethodHandles.publicLookup().findVirtual(KeyStore.class, "getAttributes",
                    MethodType.methodType(Set.class, String.class));
        } catch (NoSuchMethodException | IllegalAccessException e) {
            return null; // Java 17
        }
    }

    /**
     * @return the KpsaID an entry attribute carries (the value of {@link KpsaIdAttribute})
     * @throws KeyStoreException naming the entry when the attribute is malformed
     */
    static String attributeValue(String alias, KeyStore.Entry.Attribute a) throws KeyStoreException {
        if (!(a instanceof PKCS12Attribute p12)) {
            return a.getValue();
        }
        try {
            return KpsaIdAttribute.decode(p12.getEncoded());
        } catch (IllegalArgumentException e) {
            throw new KeyStoreException("key store entry " + QuotedText.quote(alias) + ": the KpsaID attribute is"
                    + " malformed: " + e.getMessage(), e);
        }
    }

    private String resolve(KpsaId id) throws GeneralSecurityException {
        List<String> aliases = byAttribute.get(id.value());
        if (aliases != null) {
            if (aliases.size() > 1) {
                throw new KeyStoreException("ambiguous: key store entries " + QuotedText.quote(aliases.get(0)) + " and "
                        + QuotedText.quote(aliases.get(1)) + " both carry KpsaID " + QuotedText.quote(id.value())
                        + "; remove one of them");
            }
            return aliases.get(0);
        }
        aliases = byAlias.get(id.value());
        if (aliases == null) {
            return null;
        }
        if (aliases.size() > 1) {
            throw new KeyStoreException("ambiguous: aliases " + QuotedText.quote(aliases.get(0)) + " and "
                    + QuotedText.quote(aliases.get(1)) + " both match KpsaID " + QuotedText.quote(id.value())
                    + " ignoring case; add the KpsaID attribute " + KPSA_ID_ATTRIBUTE_OID
                    + " to the right entry (saef keys add, or KeyStoreKeyWriter.storeKey, writes it)");
        }
        String alias = aliases.get(0);
        String owner = aliasClaims.putIfAbsent(alias, id.value());
        if (owner != null && !owner.equals(id.value())) {
            throw new KeyStoreException("key store entry " + QuotedText.quote(alias) + " has no KpsaID attribute (e.g."
                    + " made with keytool -genseckey), so it is matched by alias ignoring case; it already serves KpsaID "
                    + QuotedText.quote(owner) + " and must not also serve KpsaID " + QuotedText.quote(id.value())
                    + " (one key would authenticate both identities). Fix: re-add the key of the right KpsaID with"
                    + " 'saef keys add --kpsa-id <KpsaID>' (it records the exact KpsaID) and give the other KpsaID a key"
                    + " of its own (inline key= or another key store)");
        }
        return alias;
    }

    /**
     * @return a fresh key (algorithm as stored), or null when the store has no entry for the KpsaID
     * @throws KeyStoreException when two entries match the KpsaID, or its entry (without the KpsaID attribute)
     *     already serves another KpsaID
     * @throws UnrecoverableEntryException when the entry cannot be decrypted with the password
     * @throws IllegalStateException after {@link #close()}
     */
    @Override
    public SecretKey getKey(KpsaId kpsaId) throws GeneralSecurityException {
        Objects.requireNonNull(kpsaId, "kpsaId");
        String alias = resolve(kpsaId);
        if (alias == null) {
            return null;
        }
        synchronized (this) {
            checkOpen();
            PskSecretKey cached = cache.get(alias);
            if (cached == null) {
                cached = decrypt(alias);
                if (cached == null) {
                    return null;
                }
                cache.put(alias, cached);
            }
            byte[] octets = cached.getEncoded();
            try {
                return new PskSecretKey(octets, cached.getAlgorithm());
            } finally {
                Arrays.fill(octets, (byte) 0);
            }
        }
    }

    private PskSecretKey decrypt(String alias) throws GeneralSecurityException {
        KeyStore.PasswordProtection protection = new KeyStore.PasswordProtection(password);
        try {
            KeyStore.Entry entry = keyStore.getEntry(alias, protection);
            if (!(entry instanceof KeyStore.SecretKeyEntry ske)) {
                return null;
            }
            SecretKey key = ske.getSecretKey();
            byte[] octets = key.getEncoded();
            try {
                if (octets == null || octets.length == 0) {
                    throw new KeyStoreException("key store entry " + QuotedText.quote(alias)
                            + " has no raw key octets");
                }
                return new PskSecretKey(octets, key.getAlgorithm());
            } finally {
                if (octets != null) {
                    Arrays.fill(octets, (byte) 0);
                }
                destroyQuietly(key);
            }
        } catch (UnrecoverableEntryException e) {
            throw new UnrecoverableEntryException("key store entry " + QuotedText.quote(alias)
                    + " cannot be decrypted with the key store password");
        } finally {
            destroyQuietly(protection);
        }
    }

    /**
     * @return the alias of the entry that holds the KpsaID, or null (for {@link KeyStoreKeyWriter#removeKey})
     * @throws KeyStoreException as {@link #hasKey}
     */
    String aliasOf(KpsaId kpsaId) throws GeneralSecurityException {
        return resolve(kpsaId);
    }

    /**
     * @return whether an entry matches the KpsaID, from the index (no decryption)
     * @throws KeyStoreException when two entries match it, or its entry already serves another KpsaID
     */
    @Override
    public boolean hasKey(KpsaId kpsaId) throws GeneralSecurityException {
        Objects.requireNonNull(kpsaId, "kpsaId");
        return resolve(kpsaId) != null;
    }

    /**
     * @return the KpsaID of every secret-key entry, sorted, from the index the constructor built (no
     *     further decryption; on Java 17 building it decrypted each entry, see the class comment): the exact
     *     value of its KpsaID attribute, or for an entry without one its alias (which the store may have
     *     lower-cased); an ID carried by several entries appears once per entry. Never key material.
     */
    public List<String> kpsaIds() {
        List<String> ids = new ArrayList<>();
        byAttribute.forEach((id, aliases) -> aliases.forEach(alias -> ids.add(id)));
        byAlias.values().forEach(ids::addAll);
        Collections.sort(ids);
        return List.copyOf(ids);
    }

    private void checkOpen() {
        if (destroyed) {
            throw new IllegalStateException("this key store key provider has been closed");
        }
    }

    /** Zeroes the copied password and every decrypted key; later {@link #getKey} calls fail. */
    @Override
    public synchronized void destroy() {
        if (destroyed) {
            return;
        }
        destroyed = true;
        Arrays.fill(password, '\0');
        for (PskSecretKey k : cache.values()) {
            k.destroy();
        }
        cache.clear();
    }

    @Override
    public synchronized boolean isDestroyed() {
        return destroyed;
    }

    /** Same as {@link #destroy()}. */
    @Override
    public void close() {
        destroy();
    }

    static void destroyQuietly(Destroyable d) {
        if (d == null || d.isDestroyed()) {
            return;
        }
        try {
            d.destroy();
        } catch (DestroyFailedException e) {
            // SecretKeySpec and friends cannot be destroyed on Java 17; nothing more to do.
        }
    }

    /** @return e.g. {@code PKCS12 key store, 3 secret key entries}; no aliases, keys or password */
    public String description() {
        return description;
    }

    /** @return {@code KeyStoreKeyProvider[}{@link #description()}{@code ]} */
    @Override
    public String toString() {
        return "KeyStoreKeyProvider[" + description + "]";
    }
}
