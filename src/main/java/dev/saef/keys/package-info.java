/**
 * Where the Provisioned Secure Connection Keys (Kpsa) of oneM2M TS-0003 clause 8.2.2.1 come from, and
 * how a handshake chooses one: the key SPI. A {@link dev.saef.keys.PskKeyProvider} maps a KpsaID to its
 * Kpsa, the TLS {@code psk} of RFC 4279 (the Credential Configuration of clause 8.2.2.1), handing out
 * {@link dev.saef.keys.PskSecretKey}s that the caller wipes after use; a key store backed provider and
 * a composite of providers are supplied. A {@link dev.saef.keys.PskKeyManager} (the {@code KeyManager}
 * an application passes to {@code SSLContext.init}) chooses the association for each handshake: on the
 * client by the server it connects to, on the server by the received {@code psk_identity} (RFC 4279
 * section 5.3 for unknown identities). Public API; the key material never appears in messages or logs.
 */
package dev.saef.keys;
