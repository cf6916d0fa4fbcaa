/**
 * Who a PSK-SAEF security association is bound to: the identifiers of oneM2M TS-0003 and the checks on
 * them, with no TLS and no key material. {@link dev.saef.identity.KpsaId} is the Provisioned Secure
 * Connection Key Identifier (clause 10.5) sent as the TLS {@code psk_identity} (RFC 4279 sections 2 and
 * 5.1, parsed strictly or leniently by {@link dev.saef.identity.IdentityMode}); {@link
 * dev.saef.identity.CredentialId} is the Credential-ID (clause 10.4, type {@code saef-sym} of clause
 * 12.3.2.1); {@link dev.saef.identity.SaefPrincipal} is the identity a session is bound to after the
 * handshake (clause 8.2.2.1, with the CSE/AE indication of clause 8.2.1, {@link
 * dev.saef.identity.EntityType}); {@link dev.saef.identity.OriginatorCheck} is the Registrar CSE's
 * verification of a request's originator against that identity (clause 7.2.1). Public API.
 */
package dev.saef.identity;
