package dev.saef.jsse;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.nio.channels.SocketChannel;

/**
 * An SAEF socket layered over an existing connected socket ({@code createSocket(Socket, host, port,
 * autoClose)}), e.g. a tunnel through a proxy. The TLS machinery is {@link SaefSSLSocket}'s; this
 * class forwards the socket-level calls to the underlying socket.
 */
final class LayeredSaefSocket extends SaefSSLSocket {

    private final Socket under;
    private final boolean autoClose;
    private volatile boolean closed;

    LayeredSaefSocket(SaefContext context, SaefParameters params, Socket under, String host, int port,
            boolean autoClose) throws IOException {
        super(context, params);
        if (!under.isConnected()) {
            throw new SocketException("the underlying socket is not connected");
        }
        this.under = under;
        this.autoClose = autoClose;
        setPeer(host != null ? host : under.getInetAddress().getHostAddress(), port > 0 ? port : under.getPort());
    }

    @Override
    InputStream transportIn() throws IOException {
        return under.getInputStream();
    }

    @Override
    OutputStream transportOut() throws IOException {
        return under.getOutputStream();
    }

    @Override
    java.net.Socket rawView() {
        return under;
    }

    @Override
    void transportShutdownInput() throws IOException {
        under.shutdownInput();
    }

    @Override
    void transportShutdownOutput() throws IOException {
        under.shutdownOutput();
    }

    /** The TCP connection is ours to close (and to linger on after a fatal alert) only with autoClose. */
    @Override
    boolean closesTransport() {
        return autoClose;
    }

    @Override
    void closeTransport() throws IOException {
        closed = true;
        if (autoClose) {
            under.close();
        }
    }

    @Override
    public void connect(SocketAddress endpoint, int timeout) throws IOException {
        throw new SocketException("a layered socket is already connected");
    }

    @Override
    public void bind(SocketAddress bindpoint) throws IOException {
        throw new SocketException("a layered socket is already bound");
    }

    @Override
    public boolean isConnected() {
        return under.isConnected();
    }

    @Override
    public boolean isBound() {
        return under.isBound();
    }

    @Override
    public boolean isClosed() {
        return closed || under.isClosed();
    }

    @Override
    public boolean isInputShutdown() {
        return under.isInputShutdown();
    }

    @Override
    public boolean isOutputShutdown() {
        return under.isOutputShutdown();
    }

    @Override
    public InetAddress getInetAddress() {
        return under.getInetAddress();
    }

    @Override
    public InetAddress getLocalAddress() {
        return under.getLocalAddress();
    }

    @Override
    public int getPort() {
        return under.getPort();
    }

    @Override
    public int getLocalPort() {
        return under.getLocalPort();
    }

    @Override
    public SocketAddress getRemoteSocketAddress() {
        return under.getRemoteSocketAddress();
    }

    @Override
    public SocketAddress getLocalSocketAddress() {
        return under.getLocalSocketAddress();
    }

    @Override
    public SocketChannel getChannel() {
        return null;
    }

    @Override
    public void setTcpNoDelay(boolean on) throws SocketException {
        under.setTcpNoDelay(on);
    }

    @Override
    public boolean getTcpNoDelay() throws SocketException {
        return under.getTcpNoDelay();
    }

    @Override
    public void setSoLinger(boolean on, int linger) throws SocketException {
        under.setSoLinger(on, linger);
    }

    @Override
    public int getSoLinger() throws SocketException {
        return under.getSoLinger();
    }

    @Override
    public void sendUrgentData(int data) throws IOException {
        throw new SocketException("urgent data is not supported on TLS sockets");
    }

    @Override
    public void setOOBInline(boolean on) throws SocketException {
        throw new SocketException("OOB inline is not supported on TLS sockets");
    }

    @Override
    public boolean getOOBInline() throws SocketException {
        return false;
    }

    @Override
    public synchronized void setSoTimeout(int timeout) throws SocketException {
        under.setSoTimeout(timeout);
    }

    @Override
    public synchronized int getSoTimeout() throws SocketException {
        return under.getSoTimeout();
    }

    @Override
    public synchronized void setSendBufferSize(int size) throws SocketException {
        under.setSendBufferSize(size);
    }

    @Override
    public synchronized int getSendBufferSize() throws SocketException {
        return under.getSendBufferSize();
    }

    @Override
    public synchronized void setReceiveBufferSize(int size) throws SocketException {
        under.setReceiveBufferSize(size);
    }

    @Override
    public synchronized int getReceiveBufferSize() throws SocketException {
        return under.getReceiveBufferSize();
    }

    @Override
    public void setKeepAlive(boolean on) throws SocketException {
        under.setKeepAlive(on);
    }

    @Override
    public boolean getKeepAlive() throws SocketException {
        return under.getKeepAlive();
    }

    @Override
    public void setTrafficClass(int tc) throws SocketException {
        under.setTrafficClass(tc);
    }

    @Override
    public int getTrafficClass() throws SocketException {
        return under.getTrafficClass();
    }

    @Override
    public void setReuseAddress(boolean on) throws SocketException {
        under.setReuseAddress(on);
    }

    @Override
    public boolean getReuseAddress() throws SocketException {
        return under.getReuseAddress();
    }
}
