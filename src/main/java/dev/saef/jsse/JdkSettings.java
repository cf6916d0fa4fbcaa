package dev.saef.jsse;

import java.util.List;
import java.util.function.Function;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * {@link JsseSettings} of a JDK {@link SSLSocket} or {@link SSLEngine} a connection was handed to
 * ({@code saef.fallback=jdk}): every call goes to that object unchanged, so the SAEF socket or engine
 * answers exactly as the JDK's does.
 */
final class JdkSettings {

    private JdkSettings() {
    }

    static JsseSettings of(SSLSocket s) {
        return new JsseSettings() {
            @Override
            public String[] getSupportedCipherSuites() {
                return s.getSupportedCipherSuites();
            }

            @Override
            public String[] getEnabledCipherSuites() {
                return s.getEnabledCipherSuites();
            }

            @Override
            public void setEnabledCipherSuites(String[] suites) {
                s.setEnabledCipherSuites(suites);
            }

            @Override
            public String[] getSupportedProtocols() {
                return s.getSupportedProtocols();
            }

            @Override
            public String[] getEnabledProtocols() {
                return s.getEnabledProtocols();
            }

            @Override
            public void setEnabledProtocols(String[] protocols) {
                s.setEnabledProtocols(protocols);
            }

            @Override
            public boolean getUseClientMode() {
                return s.getUseClientMode();
            }

            @Override
            public void setUseClientMode(boolean mode) {
                s.setUseClientMode(mode);
            }

            @Override
            public boolean getNeedClientAuth() {
                return s.getNeedClientAuth();
            }

            @Override
            public void setNeedClientAuth(boolean need) {
                s.setNeedClientAuth(need);
            }

            @Override
            public boolean getWantClientAuth() {
                return s.getWantClientAuth();
            }

            @Override
            public void setWantClientAuth(boolean want) {
                s.setWantClientAuth(want);
            }

            @Override
            public boolean getEnableSessionCreation() {
                return s.getEnableSessionCreation();
            }

            @Override
            public void setEnableSessionCreation(boolean flag) {
                s.setEnableSessionCreation(flag);
            }

            @Override
            public SSLParameters getSSLParameters() {
                return s.getSSLParameters();
            }

            @Override
            public void setSSLParameters(SSLParameters params) {
                s.setSSLParameters(params);
            }

            @Override
            public void setApplicationProtocolSelector(Function<List<String>, String> selector) {
                s.setHandshakeApplicationProtocolSelector(selector == null ? null
                        : (socket, offered) -> selector.apply(offered));
            }
        };
    }

    static JsseSettings of(SSLEngine e) {
        return new JsseSettings() {
            @Override
            public String[] getSupportedCipherSuites() {
                return e.getSupportedCipherSuites();
            }

            @Override
            public String[] getEnabledCipherSuites() {
                return e.getEnabledCipherSuites();
            }

            @Override
            public void setEnabledCipherSuites(String[] suites) {
                e.setEnabledCipherSuites(suites);
            }

            @Override
            public String[] getSupportedProtocols() {
                return e.getSupportedProtocols();
            }

            @Override
            public String[] getEnabledProtocols() {
                return e.getEnabledProtocols();
            }

            @Override
            public void setEnabledProtocols(String[] protocols) {
                e.setEnabledProtocols(protocols);
            }

            @Override
            public boolean getUseClientMode() {
                return e.getUseClientMode();
            }

            @Override
            public void setUseClientMode(boolean mode) {
                e.setUseClientMode(mode);
            }

            @Override
            public boolean getNeedClientAuth() {
                return e.getNeedClientAuth();
            }

            @Override
            public void setNeedClientAuth(boolean need) {
                e.setNeedClientAuth(need);
            }

            @Override
            public boolean getWantClientAuth() {
                return e.getWantClientAuth();
            }

            @Override
            public void setWantClientAuth(boolean want) {
                e.setWantClientAuth(want);
            }

            @Override
            public boolean getEnableSessionCreation() {
                return e.getEnableSessionCreation();
            }

            @Override
            public void setEnableSessionCreation(boolean flag) {
                e.setEnableSessionCreation(flag);
            }

            @Override
            public SSLParameters getSSLParameters() {
                return e.getSSLParameters();
            }

            @Override
            public void setSSLParameters(SSLParameters params) {
                e.setSSLParameters(params);
            }

            @Override
            public void setApplicationProtocolSelector(Function<List<String>, String> selector) {
                e.setHandshakeApplicationProtocolSelector(selector == null ? null
                        : (engine, offered) -> selector.apply(offered));
            }
        };
    }
}
