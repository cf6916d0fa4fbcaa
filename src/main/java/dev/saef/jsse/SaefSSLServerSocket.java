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
 *
 * <p>Its settings are SAEF's ({@link SaefParameters}: PSK suites, TLS 1.2); each accepted socket
 * starts with a copy of them, and a connection later handed to the JDK's TLS ({@link JdkHandOff})
 * then answers as the JDK's socket does.
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
    public synchronized String[] getSupportedCipherSuites() {
        return params.getSupportedCipherSuites();
    }

    @Override
    public synchronized String[] getEnabledCipherSuites() {
        return params.getEnabledCipherSuites();
    }

    @Override
    public synchronized void setEnabledCipherSuites(String[] suites) {
        params.setEnabledCipherSuites(suites);
    }

    @Override
    public synchronized String[] getSupportedProtocols() {
        return params.getSupportedProtocols();
    }

    @Override
    public synchronized String[] getEnabledProtocols() {
        return params.getEnabledProtocols();
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
        return params.getNeedClientAuth();
    }

    @Override
    public synchronized void setWantClientAuth(boolean want) {
        params.setWantClientAuth(want);
    }

    @Override
    public synchronized boolean getWantClientAuth() {
        return params.getWantClientAuth();
    }

    @Override
    public synchronized void setUseClientMode(boolean mode) {
        params.setUseClientMode(mode);
    }

    @Override
    public synchronized boolean getUseClientMode() {
        return params.getUseClientMode();
    }

    @Override
    public synchronized void setEnableSessionCreation(boolean flag) {
        params.setEnableSessionCreation(flag);
    }

    @Override
    public synchronized boolean getEnableSessionCreation() {
        return params.getEnableSessionCreation();
    }

    @Override
    public synchronized SSLParameters getSSLParameters() {
        return params.getSSLParameters();
    }

    @Override
    public synchronized void setSSLParameters(SSLParameters p) {
        params.setSSLParameters(p);
    }

    @Override
    public String toString() {
        return "SaefSSLServerSocket[" + getLocalSocketAddress() + "]";
    }
}
