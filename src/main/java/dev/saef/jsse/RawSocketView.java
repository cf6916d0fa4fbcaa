package dev.saef.jsse;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;

/**
 * The plain TCP side of a direct {@link SaefSSLSocket}, as a {@link Socket} another TLS
 * implementation can be layered over: used when a client peer has no PSK-SAEF association and the
 * connection is handed to the JDK's TLS ({@code saef.fallback=jdk}). Socket options and addresses are
 * those of the owner; the streams are its raw transport streams.
 */
final class RawSocketView extends Socket {
    private final SaefSSLSocket owner;

    RawSocketView(SaefSSLSocket owner) {
        this.owner = owner;
    }

    @Override
    public InputStream getInputStream() throws IOException {
        return owner.transportIn();
    }

    @Override
    public OutputStream getOutputStream() throws IOException {
        return owner.transportOut();
    }

    @Override
    public boolean isConnected() {
        return owner.isConnected();
    }

    @Override
    public boolean isBound() {
        return owner.isBound();
    }

    @Override
    public boolean isClosed() {
        return owner.isClosed();
    }

    @Override
    public InetAddress getInetAddress() {
        return owner.getInetAddress();
    }

    @Override
    public InetAddress getLocalAddress() {
        return owner.getLocalAddress();
    }

    @Override
    public int getPort() {
        return owner.getPort();
    }

    @Override
    public int getLocalPort() {
        return owner.getLocalPort();
    }

    @Override
    public SocketAddress getRemoteSocketAddress() {
        return owner.getRemoteSocketAddress();
    }

    @Override
    public SocketAddress getLocalSocketAddress() {
        return owner.getLocalSocketAddress();
    }

    @Override
    public void setSoTimeout(int timeout) throws SocketException {
        owner.setSoTimeout(timeout);
    }

    @Override
    public int getSoTimeout() throws SocketException {
        return owner.getSoTimeout();
    }

    @Override
    public void setTcpNoDelay(boolean on) throws SocketException {
        owner.setTcpNoDelay(on);
    }

    @Override
    public boolean getTcpNoDelay() throws SocketException {
        return owner.getTcpNoDelay();
    }

    @Override
    public void setKeepAlive(boolean on) throws SocketException {
        owner.setKeepAlive(on);
    }

    @Override
    public boolean getKeepAlive() throws SocketException {
        return owner.getKeepAlive();
    }

    @Override
    public void setSoLinger(boolean on, int linger) throws SocketException {
        owner.setSoLinger(on, linger);
    }

    @Override
    public int getSoLinger() throws SocketException {
        return owner.getSoLinger();
    }

    @Override
    public void shutdownInput() throws IOException {
        owner.transportShutdownInput();
    }

    @Override
    public void shutdownOutput() throws IOException {
        owner.transportShutdownOutput();
    }

    @Override
    public synchronized void close() throws IOException {
        owner.closeTransport();
    }

    @Override
    public String toString() {
        return "RawSocketView[" + owner.getRemoteSocketAddress() + "]";
    }
}
