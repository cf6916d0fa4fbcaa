package dev.saef.jsse;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;

/**
 * A listening socket whose accepted connections are PSK-SAEF servers (Entity B, TS-0003 clause
 * 8.2.2.1). Each accepted socket handshakes lazily, on its first read, write or
 * {@code startHandshake()}, so {@code accept()} never blocks on a slow client.
 */
final class SaefSSLServerSocket extends SSLServerSocket {

    private final SaefContext context;
    private final SaefParameters params;

    SaefSSLServerSocket(SaefContext context) throws IOException {
        super();
        this.context = context;
        this.params = context.newParameters(false);
    }

    SaefSSLServerSocket(SaefContext context, int port, int backlog, InetAddress bindAddress) throws IOException {
        super(port, backlog, bindAddress);
        this.context = context;
        this.params = context.newParameters(false);
    }

    @Override
    public Socket accept() throws IOException {
        if (isClosed()) {
            throw new SocketException("Socket is closed");
        }
        SaefParameters p;
        synchronized (this) {
            p = params.copy();
        }
        SaefSSLSocket s = new SaefSSLSocket(context, p);
        implAccept(s);
        return s;
    }

    @Override
    public String[] getSupportedCipherSuites() {
        return params.profile().supportedNames();
    }

    @Override
    public synchronized String[] getEnabledCipherSuites() {
        return params.enabledSuiteNames();
    }

    @Override
    public synchronized void setEnabledCipherSuites(String[] suites) {
        params.setEnabledCipherSuites(suites);
    }

    @Override
    public String[] getSupportedProtocols() {
        return new String[] {dev.saef.profile.SuiteProfile.TLS_V12};
    }

    @Override
    public synchronized String[] getEnabledProtocols() {
        return params.protocols.clone();
    }

    @Override
    public synchronized void setEnabledProtocols(String[] protocols) {
        params.setEnabledProtocols(protocols);
    }

    @Override
    public synchronized void setNeedClientAuth(boolean need) {
        params.setNeedClientAuth(need);
    }

    @Override
    public synchronized boolean getNeedClientAuth() {
        return params.needClientAuth;
    }

    @Override
    public synchronized void setWantClientAuth(boolean want) {
        params.setWantClientAuth(want);
    }

    @Override
    public synchronized boolean getWantClientAuth() {
        return params.wantClientAuth;
    }

    @Override
    public synchronized void setUseClientMode(boolean mode) {
        params.clientMode = mode;
    }

    @Override
    public synchronized boolean getUseClientMode() {
        return params.clientMode;
    }

    @Override
    public synchronized void setEnableSessionCreation(boolean flag) {
        params.enableSessionCreation = flag;
    }

    @Override
    public synchronized boolean getEnableSessionCreation() {
        return params.enableSessionCreation;
    }

    @Override
    public synchronized SSLParameters getSSLParameters() {
        return params.toSSLParameters();
    }

    @Override
    public synchronized void setSSLParameters(SSLParameters p) {
        params.apply(p);
    }

    @Override
    public String toString() {
        return "SaefSSLServerSocket[" + getLocalSocketAddress() + "]";
    }
}
