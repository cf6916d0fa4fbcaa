package dev.saef.jsse;

import dev.saef.profile.CipherSuiteInfo;
import dev.saef.profile.SuiteProfile;
import dev.saef.protocol.ConnectionSpec;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Function;
import javax.net.ssl.SNIMatcher;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLParameters;

/**
 * The per-engine / per-socket settings an application can change through the JSSE API
 * ({@code setEnabledCipherSuites}, {@code setSSLParameters}, ...). Plain values only: all PSK state
 * stays in the context's key manager, so frameworks that copy {@code SSLParameters} around lose
 * nothing. Validation against the clause 10.2.2 profile happens here, once, for every transport.
 */
final class SaefParameters {

    private final SuiteProfile profile;
    private final List<CipherSuiteInfo> clientDefaults;
    private final List<CipherSuiteInfo> serverDefaults;
    /** Suites set by the application, or null: the defaults of the current mode. */
    private List<CipherSuiteInfo> suites;
    String[] protocols = {SuiteProfile.TLS_V12};
    boolean clientMode;
    List<SNIServerName> serverNames; // null: derive from the peer host
    Collection<SNIMatcher> sniMatchers;
    String endpointIdentificationAlgorithm;
    String[] applicationProtocols = new String[0];
    boolean needClientAuth;
    boolean wantClientAuth;
    boolean enableSessionCreation = true;
    boolean useCipherSuitesOrder;

    SaefParameters(SuiteProfile profile, List<CipherSuiteInfo> clientDefaults, List<CipherSuiteInfo> serverDefaults,
            boolean clientMode) {
        this.profile = profile;
        this.clientDefaults = clientDefaults;
        this.serverDefaults = serverDefaults;
        this.clientMode = clientMode;
    }

    List<CipherSuiteInfo> suites() {
        return suites != null ? suites : clientMode ? clientDefaults : serverDefaults;
    }

    SaefParameters copy() {
        SaefParameters p = new SaefParameters(profile, clientDefaults, serverDefaults, clientMode);
        p.suites = suites;
        p.protocols = protocols.clone();
        p.serverNames = serverNames;
        p.sniMatchers = sniMatchers;
        p.endpointIdentificationAlgorithm = endpointIdentificationAlgorithm;
        p.applicationProtocols = applicationProtocols.clone();
        p.needClientAuth = needClientAuth;
        p.wantClientAuth = wantClientAuth;
        p.enableSessionCreation = enableSessionCreation;
        p.useCipherSuitesOrder = useCipherSuitesOrder;
        return p;
    }

    SuiteProfile profile() {
        return profile;
    }

    String[] enabledSuiteNames() {
        return suites().stream().map(CipherSuiteInfo::name).toArray(String[]::new);
    }

    void setEnabledCipherSuites(String[] names) {
        this.suites = List.copyOf(profile.resolve(names, "setEnabledCipherSuites"));
    }

    void setEnabledProtocols(String[] names) {
        this.protocols = SuiteProfile.checkProtocols(names, "setEnabledProtocols");
    }

    /**
     * JSSE semantics: need and want exclude each other. PSK-SAEF authenticates both sides with the
     * Kpsa whatever these say; they apply, as in SunJSSE, to a certificate client handed to the JDK's
     * TLS (see {@link #forJdk}).
     */
    void setNeedClientAuth(boolean need) {
        needClientAuth = need;
        wantClientAuth = false;
    }

    void setWantClientAuth(boolean want) {
        wantClientAuth = want;
        needClientAuth = false;
    }

    SSLParameters toSSLParameters() {
        SSLParameters p = new SSLParameters(enabledSuiteNames(), protocols.clone());
        if (serverNames != null) {
            p.setServerNames(serverNames);
        }
        if (sniMatchers != null) {
            p.setSNIMatchers(sniMatchers);
        }
        p.setEndpointIdentificationAlgorithm(endpointIdentificationAlgorithm);
        p.setApplicationProtocols(applicationProtocols.clone());
        p.setUseCipherSuitesOrder(useCipherSuitesOrder);
        if (needClientAuth) {
            p.setNeedClientAuth(true);
        } else if (wantClientAuth) {
            p.setWantClientAuth(true);
        }
        return p;
    }

    /** Applies parameters; like SunJSSE, null suites/protocols/names mean "leave unchanged". */
    void apply(SSLParameters p) {
        List<CipherSuiteInfo> newSuites = suites;
        String[] newProtocols = protocols;
        if (p.getCipherSuites() != null) {
            newSuites = List.copyOf(profile.resolve(p.getCipherSuites(), "setSSLParameters"));
        }
        if (p.getProtocols() != null) {
            newProtocols = SuiteProfile.checkProtocols(p.getProtocols(), "setSSLParameters");
        }
        this.suites = newSuites;
        this.protocols = newProtocols;
        if (p.getServerNames() != null) {
            this.serverNames = List.copyOf(p.getServerNames());
        }
        if (p.getSNIMatchers() != null) {
            this.sniMatchers = List.copyOf(p.getSNIMatchers());
        }
        this.endpointIdentificationAlgorithm = p.getEndpointIdentificationAlgorithm();
        if (p.getApplicationProtocols() != null) {
            this.applicationProtocols = p.getApplicationProtocols().clone();
        }
        this.needClientAuth = p.getNeedClientAuth();
        this.wantClientAuth = p.getWantClientAuth();
        this.useCipherSuitesOrder = p.getUseCipherSuitesOrder();
    }

    /**
     * The settings that carry over to the JDK's certificate TLS: SNI, endpoint identification, ALPN
     * and, for a server, the SNI matchers, a suite-order preference and client authentication - a
     * server that needs client certificates must not stop asking for them on a hand-off. The suites
     * and protocols stay the JDK's: ours are PSK-only and TLS 1.2-only.
     */
    SSLParameters forJdk(SSLParameters jdk) {
        if (serverNames != null) {
            jdk.setServerNames(serverNames);
        }
        jdk.setEndpointIdentificationAlgorithm(endpointIdentificationAlgorithm);
        jdk.setApplicationProtocols(applicationProtocols.clone());
        if (!clientMode) {
            if (sniMatchers != null) {
                jdk.setSNIMatchers(sniMatchers);
            }
            if (useCipherSuitesOrder) {
                jdk.setUseCipherSuitesOrder(true); // else keep the JDK server's own default (true)
            }
            if (needClientAuth) {
                jdk.setNeedClientAuth(true);
            } else if (wantClientAuth) {
                jdk.setWantClientAuth(true);
            }
        }
        return jdk;
    }

    ConnectionSpec toSpec(String peerHost, int peerPort, Function<List<String>, String> alpnSelector) {
        return new ConnectionSpec(clientMode, peerHost, peerPort, suites(),
                serverNames == null ? List.of() : new ArrayList<>(serverNames),
                sniMatchers == null ? List.of() : new ArrayList<>(sniMatchers),
                endpointIdentificationAlgorithm, List.of(applicationProtocols), alpnSelector, useCipherSuitesOrder);
    }
}
