package dev.saef.profile;

import java.util.Objects;

/**
 * One cipher suite of the PSK-SAEF suite profile (oneM2M TS-0003 clause 10.2.2): its IANA name and
 * code point, its RFC 4279-family key exchange and its record protection.
 *
 * <p>Instances are immutable and come only from {@link SuiteProfile}.
 */
public final class CipherSuiteInfo {

    /** The key exchange of a suite. Clause 10.2.2 requires the IETF RFC 4279 family. */
    public enum KeyExchange {
        /** Plain PSK (RFC 4279 section 2): no public-key operation, no forward secrecy. */
        PSK,
        /** DHE_PSK (RFC 4279 section 3): finite-field Diffie-Hellman plus PSK, forward secret. */
        DHE_PSK,
        /** ECDHE_PSK (RFC 5489 / RFC 8442): outside RFC 4279, so only when explicitly enabled. */
        ECDHE_PSK
    }

    private final String name;
    private final int code;
    private final KeyExchange keyExchange;
    private final boolean aead;

    CipherSuiteInfo(String name, int code, KeyExchange keyExchange, boolean aead) {
        this.name = Objects.requireNonNull(name);
        this.code = code;
        this.keyExchange = Objects.requireNonNull(keyExchange);
        this.aead = aead;
    }

    /** @return the IANA / JSSE standard name, e.g. {@code TLS_PSK_WITH_AES_128_CBC_SHA256} */
    public String name() {
        return name;
    }

    /** @return the two-byte TLS code point */
    public int code() {
        return code;
    }

    /** @return the key exchange family */
    public KeyExchange keyExchange() {
        return keyExchange;
    }

    /** @return true for GCM and CCM suites (no separate MAC, no CBC padding) */
    public boolean isAead() {
        return aead;
    }

    /** @return true when the suite gives forward secrecy (an ephemeral DH/ECDH share) */
    public boolean isForwardSecret() {
        return keyExchange != KeyExchange.PSK;
    }

    @Override
    public String toString() {
        return String.format("%s(0x%04X)", name, code);
    }
}
