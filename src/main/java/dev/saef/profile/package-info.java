/**
 * The cipher suite profile of oneM2M TS-0003 clause 10.2.2 for TLS-PSK-based security frameworks: the
 * PSK, DHE_PSK and (optional) ECDHE_PSK suites (RFC 4279, RFC 5487, RFC 5489, RFC 6655, RFC 8442) with
 * their IANA names and code points, the default order, and the validation of a configured suite list
 * with the reason a suite is refused; also the TLS version rule of clause 10.2.1 (TLS 1.2). A leaf: it
 * uses no other SAEF package. Internal: not exported by the module; users name suites by their
 * standard names.
 */
package dev.saef.profile;
