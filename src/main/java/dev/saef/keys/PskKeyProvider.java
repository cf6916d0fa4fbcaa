package dev.saef.keys;

import dev.saef.identity.KpsaId;
import java.security.GeneralSecurityException;
import javax.crypto.SecretKey;
import javax.security.auth.DestroyFailedException;

/**
 * Where Provisioned Secure Connection Keys come from: maps a KpsaID to its Kpsa (oneM2M TS-0003
 * clause 8.2.2.1, Credential Configuration; the TLS {@code psk} of RFC 4279). Implementations read
 * an association table's inline keys, a key store ({@link KeyStoreKeyProvider}), a secure element,
 * a remote key service, and so on; {@link CompositeKeyProvider} chains them.
 *
 * <p><b>Threading.</b> Implementations must be thread-safe: the provider is shared by every
 * connection of an {@code SSLContext} and its methods are called concurrently from handshakes on
 * many threads. A call may block (e.g. network I/O to a key service); the JSSE layer may run such
 * lookups as {@code SSLEngine} delegated tasks, but a slow provider still delays the handshake, so
 * cache where possible.
 *
 * <p><b>No key.</b> {@link #getKey} returns {@code null} when the provider has no key for the
 * identity; the handshake then fails (a server answers {@code unknown_psk_identity}, RFC 4279
 * section 2). Throw {@link GeneralSecurityException} only when the lookup itself failed (store
 * unreadable, ambiguous entries, service unreachable); messages name identities, never keys.
 *
 * <p><b>Key ownership.</b> Each call returns a key object the caller owns: a fresh object, or one
 * whose state the caller cannot change. The caller calls {@link SecretKey#getEncoded()} (which must
 * return a fresh array holding the raw key octets, format {@code RAW}), uses that copy, zeroes it,
 * and may then {@link SecretKey#destroy() destroy} the key object (providers should return
 * destroyable keys, e.g. {@link PskSecretKey}; destroying must not affect later calls). The
 * provider remains the owner of any master copy it keeps and zeroes it when it is closed.
 *
 * <p><b>Key sizes.</b> Keys of 1 to at least 64 octets must be supported (RFC 4279 section 5.3).
 *
 * <p><b>TLS 1.3 (design note).</b> TLS 1.3 external PSKs (RFC 8446 section 4.2.11) bind each key to
 * a hash algorithm, a client may offer several identities and the server picks one. A later
 * default method may add the hash and list the identities a client offers for a peer (modelled on Bouncy Castle's
 * {@code TlsPSKExternal}: identity, key and PRF hash together). TLS 1.2 PSK-SAEF ignores the hash.
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
}
