/**
 * The TLS crypto under the protocol core: Bouncy Castle's {@code TlsCrypto} on the JDK's providers, with
 * record protection and key handling of its own for the suites of oneM2M TS-0003 clause 10.2.2.
 * AES-GCM (RFC 5288, NIST SP 800-38D) and AES-CCM (RFC 3610, RFC 6655, RFC 8442 for DHE_PSK) run on the
 * JDK's AES; the PRF's HMAC (RFC 2104, RFC 5246 section 5) and the PSK premaster secret (RFC 4279
 * section 2, RFC 5489) leave no copy of the Kpsa (clause 8.2.2.1) or of the derived secrets behind; every
 * record-protection failure is a {@code bad_record_mac} alert. Internal: not exported by the module.
 */
package dev.saef.crypto;
