/**
 * The provider's configuration: the Credential, Identity and Association Configuration of oneM2M
 * TS-0003 clause 8.2.2.1 and the settings around them. The association table ({@code saef.associations})
 * lists one provisioned KpsaID per line with its peer (IdB, clause 8.2.2.1), the address it is used for
 * and optionally its key (hex or base64, RFC 4648); {@link dev.saef.config.SaefConfiguration} is the
 * whole configuration, read from the {@code saef.*} system properties or built in code, with the suite
 * choice (clause 10.2.2), the extended master secret requirement (RFC 7627), the Credential-ID type
 * (clause 12.3.2.1) and the KpsaID check (clause 10.5). Files that hold keys must not be readable, and files that hold bindings not
 * writable, by other local users. Every error fails closed with a message naming the cause and
 * the fix, never a key. Public API.
 */
package dev.saef.config;
