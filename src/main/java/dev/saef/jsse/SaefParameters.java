package dev.saef.jsse;

import dev.saef.profile.CipherSuiteInfo;
import dev.saef.profile.SuiteProfile;
import dev.saef.protocol.ConnectionSpec;
import java.security.AlgorithmConstraints;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import javax.net.ssl.SNIMatcher;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLParameters;

/**
 * SAEF's own view of the per-engine / per-socket settings an application can change through the
 * JSSE API ({@code setEnabledCipherSuites}, {@code setSSLParameters}, ...): what a connection that
 * SAEF runs uses, and what a socket, engine or server socket answers before any hand-off to the JDK.
 * Plain values only: all PSK state stays in the context's key manager, so frameworks that copy
 * {@code SSLParameters} around lose nothing. Validation against the TS-0003 clause 10.2.2 profile
 * happens here, once, for every transport. Not thread-safe: {@link ConnectionSettings} (or the server
 * socket) serialises access.
 */
final class SaefParameters implements JsseSettings {

    /*
     * Arrays and lists held here are never changed in place (every getter hands out a copy), so equal
     * ones are shared between engines: an idle connection holds no copy of its own of the usual values.
     */
    private static final String[] NONE = new String[0];
    private static final String[] TLS_ONLY = {SuiteProfile.TLS_V12};
    private static final String[] DTLS_ONLY = {SuiteProfile.DTLS_V12};
    /** The suite list last set by an application (shared by the engines that set the same one). */
    private static volatile List<CipherSuiteInfo> lastSuites = List.of();

    private final SuiteProfile profile;
    private final List<CipherSuiteInfo> clientDefaults;
    private final List<CipherSuiteInfo> serverDefaults;
    /** Suites set by the application, or null: the defaults of the current mode. */
    private List<CipherSuiteInfo> suites;
    private String[] protocols;
    /** DTLS (an engine of a {@code DTLS} context) rather than TLS. */
    private final boolean datagram;
    private boolean clientMode;
    private List<SNIServerName> serverNames; // null: derive from the peer host
    private Collection<SNIMatcher> sniMatchers;
    private String endpointIdentificationAlgorithm;
    private String[] applicationProtocols = NONE;
    private boolean needClientAuth;
    private boolean wantClientAuth;
    private boolean enableSessionCreation = true;
    private boolean useCipherSuitesOrder;
    private AlgorithmConstraints algorithmConstraints;
    private int maximumPacketSize;
    private boolean enableRetransmissions = true;
    /** The ALPN selector, bound to the socket/engine the application holds; null: none. */
    private Function<List<String>, String> alpnSelector;

    SaefParameters(SuiteProfile profile, List<CipherSuiteInfo> clientDefaults, List<CipherSuiteInfo> serverDefaults,
            boolean clientMode) {
        this(profile, clientDefaults, serverDefaults, clientMode, false);
    }

    /** @param datagram true for a DTLS engine: the protocol is {@code DTLSv1.2} */
    SaefParameters(SuiteProfile profile, List<CipherSuiteInfo> clientDefaults, List<CipherSuiteInfo> serverDefaults,
            boolean clientMode, boolean datagram) {
        this.datagram = datagram;
        this.protocols = datagram ? DTLS_ONLY : TLS_ONLY;
        this.profile = profile;
        this.clientDefaults = clientDefaults;
        this.serverDefaults = serverDefaults;
        this.clientMode = clientMode;
    }

    List<CipherSuiteInfo> suites() {
        return suites != null ? suites : clientMode ? clientDefaults : serverDefaults;
    }

    /** A copy for a connection accepted by a server socket (the selector is per connection and not copied). */
    SaefParameters copy() {
        SaefParameters p = new SaefParameters(profile, clientDefaults, serverDefaults, clientMode, datagram);
        p.suites = suites;
        p.protocols = protocols;
        p.serverNames = serverNames;
        p.sniMatchers = sniMatchers;
        p.endpointIdentificationAlgorithm = endpointIdentificationAlgorithm;
        p.applicationProtocols = applicationProtocols;
        p.needClientAuth = needClientAuth;
        p.wantClientAuth = wantClientAuth;
        p.enableSessionCreation = enableSessionCreation;
        p.useCipherSuitesOrder = useCipherSuitesOrder;
        p.algorithmConstraints = algorithmConstraints;
        p.maximumPacketSize = maximumPacketSize;
        p.enableRetransmissions = enableRetransmissions;
        return p;
    }

    /** @return whether the connection is a client (Entity A); never changes once SAEF runs it */
    boolean clientMode() {
        return clientMode;
    }

    @Override
    public String[] getSupportedCipherSuites() {
        return profile.supportedNames();
    }

    @Override
    public String[] getEnabledCipherSuites() {
        return suites().stream().map(CipherSuiteInfo::name).toArray(String[]::new);
    }

    @Override
    public void setEnabledCipherSuites(String[] names) {
        this.suites = shared(profile.resolve(names, "setEnabledCipherSuites"));
    }

    @Override
    public String[] getSupportedProtocols() {
        return new String[] {datagram ? SuiteProfile.DTLS_V12 : SuiteProfile.TLS_V12};
    }

    @Override
    public String[] getEnabledProtocols() {
        return protocols.clone();
    }

    @Override
    public void setEnabledProtocols(String[] names) {
        this.protocols = checkProtocols(names, "setEnabledProtocols");
    }

    private String[] checkProtocols(String[] names, String origin) {
        String[] checked = datagram ? SuiteProfile.checkDatagramProtocols(names, origin)
                : SuiteProfile.checkProtocols(names, origin);
        return Arrays.equals(checked, TLS_ONLY) ? TLS_ONLY : Arrays.equals(checked, DTLS_ONLY) ? DTLS_ONLY : checked;
    }

    /** @return an immutable list equal to {@code resolved}: the one last set, if equal (one list for many engines) */
    private static List<CipherSuiteInfo> shared(List<CipherSuiteInfo> resolved) {
        List<CipherSuiteInfo> last = lastSuites;
        if (last.equals(resolved)) {
            return last;
        }
        List<CipherSuiteInfo> copy = List.copyOf(resolved);
        lastSuites = copy;
        return copy;
    }

    /** @return the maximum packet size the application set ({@code SSLParameters}), 0 when not set */
    int maximumPacketSize() {
        return maximumPacketSize;
    }

    /** @return whether the application allows retransmissions ({@code SSLParameters.setEnableRetransmissions}) */
    boolean enableRetransmissions() {
        return enableRetransmissions;
    }

    @Override
    public boolean getUseClientMode() {
        return clientMode;
    }

    @Override
    public void setUseClientMode(boolean mode) {
        this.clientMode = mode;
    }

    @Override
    public boolean getNeedClientAuth() {
        return needClientAuth;
    }

    /**
     * JSSE semantics: need and want exclude each other. PSK-SAEF authenticates both sides with the
     * Kpsa whatever these say; they apply, as in SunJSSE, to a certificate client handed to the JDK's
     * TLS (see {@link #carryOverTo}).
     */
    @Override
    public void setNeedClientAuth(boolean need) {
        needClientAuth = need;
        wantClientAuth = false;
    }

    @Override
    public boolean getWantClientAuth() {
        return wantClientAuth;
    }

    @Override
    public void setWantClientAuth(boolean want) {
        wantClientAuth = want;
        needClientAuth = false;
    }

    @Override
    public boolean getEnableSessionCreation() {
        return enableSessionCreation;
    }

    @Override
    public void setEnableSessionCreation(boolean flag) {
        enableSessionCreation = flag;
    }

    @Override
    public void setApplicationProtocolSelector(Function<List<String>, String> selector) {
        this.alpnSelector = selector;
    }

    @Override
    public SSLParameters getSSLParameters() {
        SSLParameters p = new SSLParameters(getEnabledCipherSuites(), protocols.clone());
        if (serverNames != null) {
            p.setServerNames(serverNames);
        }
        if (sniMatchers != null) {
            p.setSNIMatchers(sniMatchers);
        }
        p.setEndpointIdentificationAlgorithm(endpointIdentificationAlgorithm);
        p.setApplicationProtocols(applicationProtocols.clone());
        p.setUseCipherSuitesOrder(useCipherSuitesOrder);
        p.setAlgorithmConstraints(algorithmConstraints);
        p.setMaximumPacketSize(maximumPacketSize);
        p.setEnableRetransmissions(enableRetransmissions);
        if (needClientAuth) {
            p.setNeedClientAuth(true);
        } else if (wantClientAuth) {
            p.setWantClientAuth(true);
        }
        return p;
    }

    /** Applies parameters; like SunJSSE, null suites/protocols/names mean "leave unchanged". */
    @Override
    public void setSSLParameters(SSLParameters p) {
        List<CipherSuiteInfo> newSuites = suites;
        String[] newProtocols = protocols;
        if (p.getCipherSuites() != null) {
            newSuites = shared(profile.resolve(p.getCipherSuites(), "setSSLParameters"));
        }
        if (p.getProtocols() != null) {
            newProtocols = checkProtocols(p.getProtocols(), "setSSLParameters");
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
            this.applicationProtocols = p.getApplicationProtocols().length == 0 ? NONE : p.getApplicationProtocols().clone();
        }
        this.needClientAuth = p.getNeedClientAuth();
        this.wantClientAuth = p.getWantClientAuth();
        this.useCipherSuitesOrder = p.getUseCipherSuitesOrder();
        this.algorithmConstraints = p.getAlgorithmConstraints();
        this.maximumPacketSize = p.getMaximumPacketSize();
        this.enableRetransmissions = p.getEnableRetransmissions();
    }

    /**
     * Applies, once, at the hand-off, the settings that carry over to the JDK's certificate TLS: SNI,
     * endpoint identification, ALPN (protocols and selector), session creation, algorithm
     * constraints, a maximum packet size set by the application and, for a server, the SNI matchers, a
     * suite-order preference and client authentication (a server that needs client certificates must
     * not stop asking for them on a hand-off). The suites and protocols stay the JDK's: ours are
     * PSK-only and TLS 1.2-only, and a JDK object enables only suites it supports.
     */
    void carryOverTo(JsseSettings jdk) {
        SSLParameters p = jdk.getSSLParameters();
        if (serverNames != null) {
            p.setServerNames(serverNames);
        }
        p.setEndpointIdentificationAlgorithm(endpointIdentificationAlgorithm);
        p.setApplicationProtocols(applicationProtocols.clone());
        if (algorithmConstraints != null) {
            p.setAlgorithmConstraints(algorithmConstraints);
        }
        if (maximumPacketSize != 0) {
            p.setMaximumPacketSize(maximumPacketSize);
        }
        if (!clientMode) {
            if (sniMatchers != null) {
                p.setSNIMatchers(sniMatchers);
            }
            if (useCipherSuitesOrder) {
                p.setUseCipherSuitesOrder(true); // else keep the JDK server's own default (true)
            }
            if (needClientAuth) {
                p.setNeedClientAuth(true);
            } else if (wantClientAuth) {
                p.setWantClientAuth(true);
            }
        }
        jdk.setSSLParameters(p);
        jdk.setEnableSessionCreation(enableSessionCreation);
        if (alpnSelector != null) {
            jdk.setApplicationProtocolSelector(alpnSelector);
        }
    }

    /** What the protocol core needs to run this connection as SAEF. */
    ConnectionSpec toSpec(String peerHost, int peerPort) {
        return new ConnectionSpec(clientMode, peerHost, peerPort, suites(),
                serverNames == null ? List.of() : new ArrayList<>(serverNames),
                sniMatchers == null ? List.of() : new ArrayList<>(sniMatchers),
                endpointIdentificationAlgorithm, List.of(applicationProtocols), alpnSelector, useCipherSuitesOrder);
    }
}
