package dev.saef.protocol;

import dev.saef.profile.CipherSuiteInfo;
import java.util.List;
import java.util.function.Function;
import javax.net.ssl.SNIMatcher;
import javax.net.ssl.SNIServerName;

/**
 * What a transport (engine, socket) hands the protocol core when a handshake starts: the role, the
 * peer, and the per-connection settings an application may have changed through
 * {@code SSLParameters}. Immutable.
 *
 * @param clientMode true for Entity A (the TLS client)
 * @param peerHost the peer host name or address text, or null
 * @param peerPort the peer port, or -1
 * @param suites the enabled suites in preference order (already validated against the profile)
 * @param serverNames client: the SNI names to send (clause 10.2.1); empty: derive from peerHost
 * @param sniMatchers server: matchers that must accept the client's SNI, if any
 * @param endpointIdentificationAlgorithm e.g. {@code HTTPS}, or null
 * @param applicationProtocols ALPN (RFC 7301) names: client: offered in order; server: accepted in
 *     preference order (empty: no ALPN)
 * @param alpnSelector server: the application's selector (JSSE semantics: a name, "" for none,
 *     null to refuse), or null to use {@code applicationProtocols}
 * @param preferLocalSuites server: choose by our suite order ({@code SSLParameters.setUseCipherSuitesOrder})
 *     instead of the client's
 */
public record ConnectionSpec(
        boolean clientMode,
        String peerHost,
        int peerPort,
        List<CipherSuiteInfo> suites,
        List<SNIServerName> serverNames,
        List<SNIMatcher> sniMatchers,
        String endpointIdentificationAlgorithm,
        List<String> applicationProtocols,
        Function<List<String>, String> alpnSelector,
        boolean preferLocalSuites) {

    public ConnectionSpec {
        suites = List.copyOf(suites);
        serverNames = serverNames == null ? List.of() : List.copyOf(serverNames);
        sniMatchers = sniMatchers == null ? List.of() : List.copyOf(sniMatchers);
        applicationProtocols = applicationProtocols == null ? List.of() : List.copyOf(applicationProtocols);
    }

    /** @return the suite code points in preference order */
    int[] suiteCodes() {
        return suites.stream().mapToInt(CipherSuiteInfo::code).toArray();
    }
}
