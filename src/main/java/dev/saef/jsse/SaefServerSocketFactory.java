package dev.saef.jsse;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import javax.net.ssl.SSLServerSocketFactory;

/** Creates listening sockets whose connections are PSK-SAEF servers (Entity B, TS-0003 clause 8.2.2.1). */
final class SaefServerSocketFactory extends SSLServerSocketFactory {

    private final SaefContext context;

    SaefServerSocketFactory(SaefContext context) {
        this.context = context;
    }

    @Override
    public ServerSocket createServerSocket() throws IOException {
        return new SaefSSLServerSocket(context);
    }

    @Override
    public ServerSocket createServerSocket(int port) throws IOException {
        return new SaefSSLServerSocket(context, port, 50, null);
    }

    @Override
    public ServerSocket createServerSocket(int port, int backlog) throws IOException {
        return new SaefSSLServerSocket(context, port, backlog, null);
    }

    @Override
    public ServerSocket createServerSocket(int port, int backlog, InetAddress ifAddress) throws IOException {
        return new SaefSSLServerSocket(context, port, backlog, ifAddress);
    }

    @Override
    public String[] getDefaultCipherSuites() {
        return context.policy().profile().defaultNames();
    }

    @Override
    public String[] getSupportedCipherSuites() {
        return context.policy().profile().supportedNames();
    }
}
