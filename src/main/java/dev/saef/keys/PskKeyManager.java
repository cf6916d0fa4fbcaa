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
 * {@code SAEF} provider is initialised with; obtain the standard one (association table and key
 * store, {@code dev.saef.config.SaefKeyManager}) from {@code KeyManagerFactory.getInstance("PSK",
 * "SAEF")}, or implement this interface to take associations and keys from elsewhere.
 *
 * <p><b>Client role (Entity A).</b> {@link #chooseClientAssociation} picks the association for the
 * server being connected to; its KpsaID is sent as {@code psk_identity} and its {@code peerId} (IdB)
 * is the identity the session is bound to. It may be asked more than once per connection: also when
 * the connection is set up, to decide whether SAEF or the JDK's own TLS runs it
 * ({@code saef.fallback=jdk}).
 *
 * <p><b>Server role (Entity B).</b> {@link #chooseServerAssociation} maps the {@code psk_identity}
 * offered by the client, as raw bytes (RFC 4279 says UTF-8, but the lookup must be on the exact
 * bytes), to an association. Returning empty refuses the identity: with
 * {@code saef.unknownIdentity=hide} (the default) the handshake goes on with a random key and fails
 * like a wrong key; with {@code reveal} the server answers {@code unknown_psk_identity}.
 *
 * <p><b>Identity enumeration.</b> The {@code psk_identity} is sent in the clear (RFC 4279 section 7)
 * and {@link #chooseServerAssociation} runs on bytes any client can send before it has proved
 * anything. Do not let a client learn which KpsaIDs exist: return empty for an unknown identity
 * (never throw: an exception becomes an {@code internal_error} alert, which a client can tell apart
 * from a wrong key), and make a lookup of an unknown identity cost about as much as that of a known
 * one (do not, for example, query a remote key service only for identities found locally). Treat
 * the identity as hostile text in logs (quote it; {@code dev.saef.identity.QuotedText} does).
 *
 * <p><b>Keys: ownership and zeroing.</b> {@link #getKey} is called once per handshake, after an
 * association was chosen, and the returned key belongs to SAEF: it takes {@code getEncoded()},
 * destroys the key object at once (when it is {@code Destroyable}) and zeroes the octets once the
 * master secret is derived. Return a new key object on every call, never a cached one, whose
 * {@code getEncoded()} is a fresh array of the raw key octets; a key object that is already
 * destroyed fails the handshake with an error saying so. Prefer {@link PskSecretKey}: a
 * {@code SecretKeySpec} cannot be wiped on Java 17. The implementation owns its own master copies
 * and should zero them when it shuts down. Exception messages must name identities, never keys.
 *
 * <p><b>Threading.</b> With an {@code SSLSocket}, SAEF calls these methods on the thread that
 * drives the handshake ({@code startHandshake()} or the first read or write). With an
 * {@code SSLEngine}, client calls and the server's calls for a key manager whose
 * {@link #lookupsMayBlock()} is false run on the thread calling {@code wrap}/{@code unwrap}; when it
 * is true, a server engine runs {@link #chooseServerAssociation} and {@link #getKey} as a delegated
 * task instead: when the client's {@code psk_identity} (or, for a resumption, the session's KpsaID)
 * arrives, {@code unwrap} returns {@code NEED_TASK}, {@code getDelegatedTask()} hands out the lookup,
 * and the handshake goes on once that task has run (on the application's executor, e.g. Netty's
 * delegated task executor), so an event loop never waits on a database. Such a lookup has a time
 * limit ({@code saef.keyLookupTimeout}, default 5 s) after which the handshake fails with
 * {@code internal_error} and an exception naming the limit. Calls come concurrently from many
 * handshakes, on any thread; implementations must be thread-safe.
 *
 * <p><b>Limits.</b> A KpsaID has 1 to {@value #MAX_IDENTITY_LENGTH_BYTES} octets (a server refuses
 * a longer or empty {@code psk_identity} with {@code illegal_parameter} before calling this interface); a key has
 * {@value #MIN_KEY_LENGTH_BYTES} to {@value #MAX_KEY_LENGTH_BYTES} octets: an empty key counts as no
 * key, a longer one fails the handshake. RFC 4279 section 5.3 asks for keys of up to 64 octets at
 * least; the association table accepts up to 512.
 *
 * <p><b>Example</b>: one meter whose Kpsa the application loaded at start-up.
 * <pre>{@code
 * final class MeterKeyManager implements PskKeyManager {
 *     private final Association meter = Association.of(
 *             KpsaId.parse("meter7@sp.example.com", IdentityMode.STRICT), "/id-in",
 *             HostPort.parse("cse.example.net:8443"), "meter store");
 *     private final byte[] wireId = meter.kpsaId().toWire();
 *     private final byte[] kpsa; // the application zeroes it on shutdown
 *
 *     MeterKeyManager(byte[] kpsa) {
 *         this.kpsa = kpsa;
 *     }
 *
 *     public Optional<Association> chooseClientAssociation(String host, int port) {
 *         return meter.address().filter(a -> a.matches(host, port)).map(a -> meter);
 *     }
 *
 *     public Optional<Association> chooseServerAssociation(byte[] pskIdentity) {
 *         // unknown identities: empty, in the same time; never an exception
 *         return Arrays.equals(pskIdentity, wireId) ? Optional.of(meter) : Optional.empty();
 *     }
 *
 *     public SecretKey getKey(Association association) {
 *         return new PskSecretKey(kpsa); // a fresh copy each call: SAEF destroys it
 *     }
 *
 *     public String describe() {
 *         return "meter store";
 *     }
 * }
 *
 * SSLContext context = SSLContext.getInstance("TLS", "SAEF");
 * context.init(new KeyManager[] {new MeterKeyManager(kpsa)}, null, null);
 * }</pre>
 *
 * <p><b>Future TLS 1.3.</b> A TLS 1.3 client may offer several external PSKs; a default method
 * returning a list will be added then, defaulting to the single association chosen here.
 */
public interface PskKeyManager extends KeyManager {

    /** The longest {@code psk_identity} (KpsaID) in octets: {@value}, {@code KpsaId.MAX_OCTETS} (RFC 4279 section 5.3). */
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
     * @param pskIdentity the {@code psk_identity} octets received from the client (untrusted input,
     *     1 to {@value #MAX_IDENTITY_LENGTH_BYTES} octets; not to be modified or kept)
     * @return the association with exactly that KpsaID, or empty when it is unknown (see the class
     *     comment on identity enumeration)
     */
    Optional<Association> chooseServerAssociation(byte[] pskIdentity);

    /**
     * @param association an association this key manager chose for the current handshake
     * @return the Kpsa of this association as a new key object the caller owns (and destroys), or
     *     null when no key is available (a server then treats the identity as unknown)
     * @throws GeneralSecurityException when the key source fails (a server then answers
     *     {@code internal_error}); its message names identities, never keys
     */
    SecretKey getKey(Association association) throws GeneralSecurityException;

    /**
     * @return a short description of where associations come from (e.g. the table's path), used in
     *     error messages so that users know which file to edit; never contains key material
     */
    String describe();

    /**
     * Whether {@link #chooseServerAssociation} or {@link #getKey} may block (network or disk I/O, e.g. a
     * database key store): then a server {@code SSLEngine} runs them as a delegated task
     * ({@code NEED_TASK}) instead of inside {@code unwrap}; sockets always look up in place. Key
     * managers that answer from memory keep the default, {@code false}: a delegated task costs a thread
     * hand-off per handshake. Asked once per handshake; must not block itself.
     *
     * @return true when lookups may block the calling thread
     */
    default boolean lookupsMayBlock() {
        return false;
    }
}
