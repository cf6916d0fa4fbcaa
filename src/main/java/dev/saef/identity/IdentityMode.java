package dev.saef.identity;

/**
 * How strictly a KpsaID (TS-0003 clause 10.5) is checked when it is parsed from configuration or
 * received as a TLS {@code psk_identity} (RFC 4279 section 5.1).
 *
 * <p>Both modes limit the identity to 1..{@value KpsaId#MAX_OCTETS} octets of UTF-8 (RFC 4279
 * section 5.3 requires support for identities of at least 128 octets; longer ones are refused so
 * that every conforming peer can use them). Both modes accept only US-ASCII, so the UTF-8 form of a
 * valid identity is its ASCII form.
 */
public enum IdentityMode {

    /**
     * The clause 10.5 grammar {@code KpsaID = Issuer_Relative_KpsaID@Issuer-FQDN}: the relative part
     * is one or more of {@code A-Z a-z 0-9 . _ -}; the Issuer-FQDN is one or more dot-separated DNS
     * labels of letters, digits and hyphens (each 1..63 characters, not starting or ending with a
     * hyphen, at most 253 characters in total, no trailing root dot). This is the default.
     */
    STRICT,

    /**
     * Any printable US-ASCII character except whitespace (0x21..0x7E), with or without {@code @}.
     * For identities produced by remote provisioning that do not follow clause 10.5, e.g. GBA
     * bootstrapping transaction identifiers (B-TID, 3GPP TS 33.220) containing {@code + / =}.
     */
    LENIENT
}
