package dev.saef.jsse;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import javax.net.ssl.SSLSocketFactory;

/**
 * Creates client (Entity A) PSK-SAEF sockets: unconnected, connected, or layered over an existing
 * socket. The host given (or connected to) selects the association (TS-0003 clause 8.2.2.1,
 * Association Configuration).
 */
final class SaefSocketFactory extends SSLSocketFactory {

    private final SaefContext context;

    SaefSocketFactory(SaefContext context) {
        this.context = context;
    }

    private SaefSSLSocket newSocket() {
        return new SaefSSLSocket(context, context.newParameters(true));
    }

    @Override
    public Socket createSocket() {
        return newSocket();
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        return connected(null, host, new InetSocketAddress(host, port));
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        return connected(new InetSocketAddress(localHost, localPort), host, new InetSocketAddress(host, port));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        return connected(null, null, new InetSocketAddress(host, port));
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
            throws IOException {
        return connected(new InetSocketAddress(localAddress, localPort), null, new InetSocketAddress(address, port));
    }

    /**
     * A socket bound to {@code local} (when given) and connected to {@code remote}; {@code host} is
     * the name the application gave, which selects the association. A failed bind or connect
     * (unknown host, refused, unreachable) closes the socket before the exception leaves.
     */
    private Socket connected(InetSocketAddress local, String host, InetSocketAddress remote) throws IOException {
        SaefSSLSocket s = newSocket();
        try {
            if (local != null) {
                s.bind(local);
            }
            if (host != null) {
                s.setPeer(host, remote.getPort());
            }
            s.connect(remote, 0);
            return s;
        } catch (IOException | RuntimeException e) {
            try {
                s.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    @Override
    public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
        return new LayeredSaefSocket(context, context.newParameters(true), s, host, port, autoClose);
    }

    @Override
    public Socket createSocket(Socket s, InputStream consumed, boolean autoClose) throws IOException {
        throw new UnsupportedOperationException("server-side layering with pre-read bytes is not supported yet");
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
