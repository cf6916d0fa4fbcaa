/**
 * The {@code SAEF} JCA/JSSE provider: oneM2M TS-0003 clause 8.2.2.1 (Provisioned Symmetric Key Security
 * Association Establishment Framework) behind the standard JSSE API. {@link dev.saef.jsse.SaefProvider}
 * registers {@code SSLContext.TLS}, {@code TLSv1.2}, {@code Default} and {@code KeyManagerFactory.PSK};
 * the context's engines, sockets and server sockets are thin transports over the protocol core, allow
 * TLS 1.2 (clause 10.2.1) with the clause 10.2.2 suites only, and expose the bound identity as the
 * session's peer principal. A connection without a PSK-SAEF association can be handed to the JDK's own
 * TLS ({@code saef.fallback=jdk}). Public API: applications use the provider through {@code SSLContext}
 * and {@code KeyManagerFactory}; the other types are reached through JSSE interfaces.
 */
package dev.saef.jsse;
