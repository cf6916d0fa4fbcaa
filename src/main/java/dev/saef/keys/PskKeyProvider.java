package dev.saef.keys;

import dev.saef.identity.KpsaId;
import java.security.GeneralSecurityException;
import javax.crypto.SecretKey;
import javax.security.auth.DestroyFailedException;

/**
 * Where Provisioned Secure Connection Keys come from: maps a KpsaID to its Kpsa (oneM2M TS-0003
 * clause 8.2.2.1, Credential Configuration; the TLS {@code psk} of RFC 4279). Implementations read
 * an association table's inline keys ({@code dev.saef.config.InlineKeys}), a key store
 * ({@link KeyStoreKeyProvider}), a secure element, a remote key service, and so on;
 * {@link CompositeKeyProvider} chains them. The standard key manager ({@code SaefKeyManager})
 * asks its provider for the key of the association it chose; a {@link PskKeyManager} of your own
 * need not use this interface at all.
 *
 * <p><b>When it is called.</b> {@link #hasKey} once per association when a configuration is loaded
 * (so that a missing key is a start-up error), and {@link #getKey} once per handshake, only for a
 * KpsaID of the association table: never for an identity a client made up, so a provider cannot
 * help a client enumerate identities (the key manager's concern, see {@link PskKeyManager}).
 * {@code getKey} runs on the thread that drives the handshake (the socket's handshaking thread, or
 * the thread calling {@code SSLEngine.wrap}/{@code unwrap}), unless the provider says its lookups may
 * block ({@link #lookupsMayBlock()}, e.g. network I/O to a key service or database): then a server
 * {@code SSLEngine} runs the lookup as a delegated task ({@code NEED_TASK}), so that an event loop
 * never waits on it, with a time limit ({@code saef.keyLookupTimeout}, default 5 s) after which the
 * handshake fails. Sockets always look up in place. Implementations must be thread-safe: one provider
 * serves every connection of an {@code SSLContext}, concurrently.
 *
 * <p><b>No key, failures.</b> {@link #getKey} returns {@code null} when the provider has no key for
 * the KpsaID; the handshake then fails (a client with an error naming the KpsaID; a server treats
 * the identity as unknown: by default it fails like a wrong key, see {@code saef.unknownIdentity}).
 * Throw {@link GeneralSecurityException} only when the lookup itself failed (store unreadable,
 * ambiguous entries, service unreachable): a server then answers {@code internal_error}. Messages
 * name identities, never keys.
 *
 * <p><b>Key ownership and zeroing.</b> Each call returns a key object the caller owns: a fresh
 * object whose {@link SecretKey#getEncoded()} returns a fresh array of the raw key octets (format
 * {@code RAW}). The caller uses that copy, zeroes it, and destroys the key object; return
 * destroyable keys ({@link PskSecretKey}) and make sure destroying one does not affect later calls.
 * The provider owns any master copy it keeps and zeroes it when it is closed
 * ({@link KeyStoreKeyProvider#close()} and {@code InlineKeys.close()} do).
 *
 * <p><b>Limits.</b> Keys of 1 to at least 64 octets must be supported (RFC 4279 section 5.3); a
 * handshake accepts up to {@value PskKeyManager#MAX_KEY_LENGTH_BYTES}. KpsaIDs have 1 to
 * {@value PskKeyManager#MAX_IDENTITY_LENGTH_BYTES} octets.
 *
 * <p><b>Example</b>: keys fetched once from a key service at start-up and kept in memory.
 * <pre>{@code
 * final class PrefetchedKeys implements PskKeyProvider, AutoCloseable {
 *     private final Map<KpsaId, byte[]> keys = new ConcurrentHashMap<>();
 *
 *     PrefetchedKeys(KeyService service, Collection<KpsaId> ids) throws GeneralSecurityException {
 *         for (KpsaId id : ids) {
 *             keys.put(id, service.fetch(id)); // fails start-up, not a handshake
 *         }
 *     }
 *
 *     public SecretKey getKey(KpsaId id) {
 *         byte[] k = keys.get(id);
 *         return k == null ? null : new PskSecretKey(k); // copies: the caller destroys its key
 *     }
 *
 *     public boolean hasKey(KpsaId id) {
 *         return keys.containsKey(id); // no key material touched
 *     }
 *
 *     public void close() {
 *         keys.values().forEach(k -> Arrays.fill(k, (byte) 0));
 *         keys.clear();
 *     }
 * }
 *
 * SaefConfiguration config = SaefConfiguration.builder()
 *         .associations(AssociationTable.load(Path.of("/etc/saef/associations"), IdentityMode.STRICT))
 *         .keys(prefetchedKeys)
 *         .build()
 *         .validate();
 * }</pre>
 *
 * <p><b>TLS 1.3 (design note).</b> TLS 1.3 external PSKs (RFC 8446 section 4.2.11) bind each key to
 * a hash algorithm, and a client may offer several identities for the server to pick from. A later
 * default method may return the identities a client offers for a peer with their hash (modelled on
 * Bouncy Castle's {@code TlsPSKExternal}: identity, key and PRF hash together).
 */
public interface PskKeyProvider {

    /**
     * @param kpsaId the KpsaID (exact case)
     * @return the Kpsa as a key the caller owns, or {@code null} when this provider has none
     * @throws GeneralSecurityException when the lookup failed
     */
    SecretKey getKey(KpsaId kpsaId) throws GeneralSecurityException;

    /**
     * Whether {@link #getKey} would return a key; used to check a configuration at start-up.
     * The default fetches the key and destroys it; implementations with an index override it to
     * avoid touching key material.
     *
     * @param kpsaId the KpsaID (exact case)
     * @return true when a key is available
     * @throws GeneralSecurityException when the lookup failed
     */
    default boolean hasKey(KpsaId kpsaId) throws GeneralSecurityException {
        SecretKey key = getKey(kpsaId);
        if (key == null) {
            return false;
        }
        try {
            key.destroy();
        } catch (DestroyFailedException e) {
            // Not destroyable (e.g. SecretKeySpec): nothing more can be done with it here.
        }
        return true;
    }

    /**
     * Whether {@link #getKey} may block the calling thread (network or disk I/O, e.g. a database or a
     * remote key service): the standard key manager then says so too
     * ({@link PskKeyManager#lookupsMayBlock()}), and a server {@code SSLEngine} runs the server's key
     * lookup as a delegated task. Providers that answer from memory keep the default, {@code false}.
     * Must not block itself.
     *
     * @return true when lookups may block
     */
    default boolean lookupsMayBlock() {
        return false;
    }
}
