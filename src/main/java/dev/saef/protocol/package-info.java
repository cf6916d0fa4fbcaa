/**
 * The protocol core: one PSK-SAEF TLS 1.2 connection (oneM2M TS-0003 clause 8.2.2.1) over Bouncy
 * Castle's non-blocking TLS protocol, driven by every transport alike ({@link
 * dev.saef.protocol.TlsConnection}). Entity A's side ({@link dev.saef.protocol.SaefTlsClient}) sends the
 * KpsaID as {@code psk_identity} and uses the Kpsa as {@code psk} (RFC 4279); Entity B's side ({@link
 * dev.saef.protocol.SaefTlsServer}) looks the identity up, hides unknown identities (RFC 4279 section
 * 5.3) and checks the ClientKeyExchange. Both allow TLS 1.2 only (clause 10.2.1) and the enabled clause
 * 10.2.2 suites, require the extended master secret (RFC 7627) unless configured otherwise, refuse a
 * reflected ClientHello, bind the session to the peer's identity and explain failures in oneM2M terms
 * (alerts of RFC 5246 section 7.2.2). Sessions are resumed with session IDs (RFC 5246 section 7.3) from
 * a per-context {@link dev.saef.protocol.SessionCache}, only while the association and Kpsa they were
 * established with are unchanged; optionally also with RFC 5077 session tickets, sealed by a server
 * under rotating in-memory keys ({@link dev.saef.protocol.SessionTicketKeys}) and checked against the
 * current association the same way. Internal: not exported by the module.
 */
package dev.saef.protocol;
