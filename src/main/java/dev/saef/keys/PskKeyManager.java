package dev.saef.keys;

import dev.saef.identity.KpsaId;
import java.security.GeneralSecurityException;
import java.util.Optional;
import javax.crypto.SecretKey;
import javax.net.ssl.KeyManager;

/**
 * Chooses the Provisioned Secure Connection Key association (KpsaID, Kpsa, peer identity) for a
 * TLS-PSK handshake of the Provisioned Symmetric Key Security Association Establishment Framework
 * (oneM2M TS-0003 clause 8.2.2.1). This is the {@link KeyManager} an {@code SSLContext} of the
 * {@code SAEF} provider is initialised with; obtain the standard one from
 * {@code KeyManagerFactory.getInstance("PSK", "SAEF")}, or implement this interface to take
 * associations from elsewhere.
 *
 * <p><b>Client role (Entity A).</b> {@link #chooseClientAssociation} picks the association for the
 * server being connected to; its KpsaID is sent as {@code psk_identity} and its {@code peerId} (IdB)
 * is the identity the session is bound to.
 *
 * <p><b>Server role (Entity B).</b> {@link #chooseServerAssociation} maps the {@code psk_identity}
 * offered by the client, as raw bytes (RFC 4279 says UTF-8, but the lookup must be on the exact
 * bytes), to an association. Returning empty makes the server refuse the handshake with the
 * {@code unknown_psk_identity} alert.
 *
 * <p><b>Keys.</b> {@link #getKey} is called once per handshake and the returned key belongs to the
 * caller: it takes {@code getEncoded()}, destroys the key object (when it is {@code Destroyable})
 * and zeroes the octets after use. Implementations must therefore return a new key object each call,
 * never a cached one, whose encoding is a fresh array ({@link PskSecretKey} fits).
 *
 * <p><b>Threading.</b> Methods are called concurrently from many handshakes and must be
 * thread-safe. They run on the handshaking thread (for an {@code SSLEngine}, inside
 * {@code wrap}/{@code unwrap}); keep them fast or cache.
 *
 * <p><b>Future TLS 1.3.</b> A TLS 1.3 client may offer several external PSKs; a default method
 * returning a list will be added then, defaulting to the single association chosen here.
 */
public interface PskKeyManager extends KeyManager {

    /** The longest {@code psk_identity} (KpsaID) in octets: {@value}, as {@code KpsaId.MAX_OCTETS} (RFC 4279 section 5.3). */
    int MAX_IDENTITY_LENGTH_BYTES = KpsaId.MAX_OCTETS;

    /** The shortest key in octets: {@value}; an empty key counts as no key. */
    int MIN_KEY_LENGTH_BYTES = 1;

    /** The longest key in octets: {@value}, the TLS limit ({@code opaque psk<0..2^16-1>}, RFC 4279 section 2). */
    int MAX_KEY_LENGTH_BYTES = 65_535;

    /**
     * @param peerHost the host the client connects to, or null when the engine/socket was created
     *     without one
     * @param peerPort its port, or -1 when unknown
     * @return the association to use, or empty when none is configured for that peer
     */
    Optional<Association> chooseClientAssociation(String peerHost, int peerPort);

    /**
     * @param pskIdentity the {@code psk_identity} octets received from the client (untrusted input)
     * @return the association with exactly that KpsaID, or empty when it is unknown
     */
    Optional<Association> chooseServerAssociation(byte[] pskIdentity);

    /**
     * @return the Kpsa of this association as a new key object the caller owns (and destroys), or
     *     null when no key is available (a server then answers {@code unknown_psk_identity})
     * @throws GeneralSecurityException when the key source fails (a server then answers
     *     {@code internal_error}); its message names identities, never keys
     */
    SecretKey getKey(Association association) throws GeneralSecurityException;

    /**
     * @return a short description of where associations come from (e.g. the table's path), used in
     *     error messages so that users know which file to edit; never contains key material
     */
    String describe();
}
