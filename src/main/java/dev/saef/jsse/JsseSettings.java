package dev.saef.jsse;

import java.util.List;
import java.util.function.Function;
import javax.net.ssl.SSLParameters;

/**
 * The per-connection settings JSSE lets an application read and change on an {@code SSLSocket}, an
 * {@code SSLEngine} and (all but the protocol selector) an {@code SSLServerSocket}: the suites and
 * protocols (supported and enabled), client/server mode, client authentication, session creation,
 * {@link SSLParameters} (SNI, matchers, endpoint identification, ALPN, algorithm constraints,
 * maximum packet size, suite order) and the ALPN selector.
 *
 * <p>Two implementations: {@link SaefParameters}, SAEF's own view (TS-0003 clause 10.2.2 suites,
 * TLS 1.2 only), and {@link JdkSettings}, which forwards to the JDK socket or engine a connection was
 * handed to. {@link ConnectionSettings} switches a connection from the first to the second, once.
 */
interface JsseSettings {

    String[] getSupportedCipherSuites();

    String[] getEnabledCipherSuites();

    void setEnabledCipherSuites(String[] suites);

    String[] getSupportedProtocols();

    String[] getEnabledProtocols();

    void setEnabledProtocols(String[] protocols);

    boolean getUseClientMode();

    void setUseClientMode(boolean mode);

    boolean getNeedClientAuth();

    void setNeedClientAuth(boolean need);

    boolean getWantClientAuth();

    void setWantClientAuth(boolean want);

    boolean getEnableSessionCreation();

    void setEnableSessionCreation(boolean flag);

    SSLParameters getSSLParameters();

    void setSSLParameters(SSLParameters params);

    /**
     * Sets the ALPN selector, already bound to the SAEF socket or engine the application knows
     * (JSSE passes the selector "the" socket/engine: it must be the one the application holds).
     *
     * @param selector offered protocols to the chosen one; null: none
     */
    void setApplicationProtocolSelector(Function<List<String>, String> selector);
}
