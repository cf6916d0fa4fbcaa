package dev.saef.interop;

import dev.saef.profile.CipherSuiteInfo;
import dev.saef.profile.SuiteProfile;
import java.util.ArrayList;
import java.util.List;

/**
 * One cell of the interop scenario matrix: what is tried ({@link Case}), which side SAEF plays
 * ({@link Role}) and with which suite. {@link #matrix()} is the one list of scenarios that
 * {@link InteropScenarios} runs against every peer ({@link InteropPeer}: OpenSSL, GnuTLS), in the
 * data-driven shape of Bouncy Castle's {@code TlsTestSuite}; a peer leaves out only the scenarios it
 * cannot play ({@link InteropPeer#supports}).
 *
 * <p>The display name of a {@link Case#HANDSHAKE} scenario is {@code "saef-client <suite>"} or
 * {@code "saef-server <suite>"}: {@link MatrixWatcher} records those cells in the per-peer interop
 * matrix of the conformance report.
 */
record InteropScenario(Case kase, Role saefRole, String suite) {

    /** The side SAEF plays; the peer plays the other. */
    enum Role {
        /** SAEF socket (Entity A) against the peer's TLS server. */
        CLIENT("saef-client"),
        /** The peer's TLS client against a SAEF server socket (Entity B). */
        SERVER("saef-server");

        final String label;

        Role(String label) {
            this.label = label;
        }
    }

    /** What a scenario tries; each case is one test method of {@link InteropScenarios}. */
    enum Case {
        /** Handshake with one suite, data both ways, bound identity, the peer's own report of the session. */
        HANDSHAKE("handshake"),
        /** The two sides hold different Kpsa for the KpsaID: both fail at the Finished messages. */
        WRONG_KEY("wrong-key"),
        /** The server does not know the KpsaID and hides it: answered as for a wrong Kpsa (RFC 4279 section 5). */
        UNKNOWN_IDENTITY_HIDDEN("unknown-identity-hidden"),
        /** SAEF server with {@code saef.unknownIdentity=reveal}: alert unknown_psk_identity. */
        UNKNOWN_IDENTITY_REVEALED("unknown-identity-revealed"),
        /** SAEF client: the peer server allows only a suite the client did not enable. */
        SUITE_NOT_ENABLED("suite-not-enabled"),
        /** SAEF server: the peer offers only an ECDHE_PSK suite, off by default (outside RFC 4279). */
        SUITE_OFF_BY_DEFAULT("suite-off-by-default"),
        /** SAEF server: the peer offers only a suite the application disabled on the server socket. */
        SUITE_DISABLED_ON_SOCKET("suite-disabled-on-socket"),
        /** A 128-octet KpsaID and a 64-octet Kpsa, the RFC 4279 section 5.3 minimum maxima. */
        LONGEST_IDENTITY_AND_KEY("longest-identity-and-key");

        final String label;

        Case(String label) {
            this.label = label;
        }
    }

    /** @return every scenario, in a stable order: every suite in both roles, then the failure and limit cases */
    static List<InteropScenario> matrix() {
        List<InteropScenario> all = new ArrayList<>();
        for (Role role : Role.values()) {
            for (CipherSuiteInfo s : SuiteProfile.all()) {
                all.add(new InteropScenario(Case.HANDSHAKE, role, s.name()));
            }
        }
        String tls = SuiteProfile.TLS_MANDATORY;
        all.add(new InteropScenario(Case.WRONG_KEY, Role.CLIENT, tls));
        all.add(new InteropScenario(Case.WRONG_KEY, Role.SERVER, SuiteProfile.DTLS_MANDATORY));
        all.add(new InteropScenario(Case.UNKNOWN_IDENTITY_HIDDEN, Role.CLIENT, tls));
        all.add(new InteropScenario(Case.UNKNOWN_IDENTITY_HIDDEN, Role.SERVER, tls));
        all.add(new InteropScenario(Case.UNKNOWN_IDENTITY_REVEALED, Role.SERVER, tls));
        // the suite the peer insists on; SAEF enables only the TLS mandatory suite (or leaves ECDHE_PSK off)
        all.add(new InteropScenario(Case.SUITE_NOT_ENABLED, Role.CLIENT, "TLS_PSK_WITH_AES_128_GCM_SHA256"));
        all.add(new InteropScenario(Case.SUITE_OFF_BY_DEFAULT, Role.SERVER, "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256"));
        all.add(new InteropScenario(Case.SUITE_DISABLED_ON_SOCKET, Role.SERVER, "TLS_PSK_WITH_AES_128_GCM_SHA256"));
        all.add(new InteropScenario(Case.LONGEST_IDENTITY_AND_KEY, Role.CLIENT, tls));
        all.add(new InteropScenario(Case.LONGEST_IDENTITY_AND_KEY, Role.SERVER, tls));
        return List.copyOf(all);
    }

    boolean isCbc() {
        return !SuiteProfile.byName(suite).orElseThrow().isAead();
    }

    boolean isEcdhe() {
        return SuiteProfile.byName(suite).orElseThrow().keyExchange() == CipherSuiteInfo.KeyExchange.ECDHE_PSK;
    }

    @Override
    public String toString() {
        return kase == Case.HANDSHAKE ? saefRole.label + " " + suite : kase.label + " " + saefRole.label + " " + suite;
    }
}
