package dev.saef.jsse;

import dev.saef.crypto.RecordBuffers;
import dev.saef.protocol.ClientHelloInspector;
import dev.saef.protocol.TlsConnection;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiFunction;
import javax.net.ssl.HandshakeCompletedEvent;
import javax.net.ssl.HandshakeCompletedListener;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;

/**
 * The blocking PSK-SAEF transport: an {@link SSLSocket} over the protocol core
 * ({@link TlsConnection}). It moves bytes between the TCP streams and the core and writes each
 * handshake flight with a single {@code write} (so Nagle's algorithm and delayed ACKs cost nothing).
 *
 * <p>Reads and writes may run concurrently on two threads (full duplex). A reader never waits for
 * the write lock: a writer may hold it for as long as the peer's receive window stays closed, and
 * the peer may itself be waiting for us to read. Output a reader produces (an alert, the
 * close_notify answering the peer's) is written by the reader when the lock is free, else by the
 * lock's holder as it releases it ({@link #unlockWrite()}), so it is never stranded. A reader
 * therefore honours {@code SO_TIMEOUT} whatever the writer does.
 *
 * <p>The whole handshake is bounded by {@code saef.handshakeTimeout} (see
 * {@link dev.saef.protocol.SaefPolicy#handshakeTimeoutMillis()}): each read of the handshake waits
 * at most for what is left of it (or the socket's own {@code SO_TIMEOUT}, when shorter, which is
 * restored afterwards).
 *
 * <p>After this side sent a fatal alert, the connection is not closed at once: output is
 * half-closed and what the peer still sends is read and discarded, for at most
 * {@link #LINGER_MILLIS} ms and {@link #LINGER_MAX_BYTES} bytes, so that closing with unread data
 * does not answer the peer with a TCP reset, which can make it lose the alert (issue 7 item 10).
 *
 * <p>Who runs the connection is decided by {@link JdkHandOff} when the handshake starts; every
 * setting goes through one {@link ConnectionSettings}, so after a hand-off to the JDK's socket this
 * socket answers exactly as that one does.
 *
 * <p>This class is the direct socket (it is the TCP connection); {@link LayeredSaefSocket} runs the
 * same machinery over an existing socket.
 */
class SaefSSLSocket extends SSLSocket {

    private final SaefContext context;
    private final JdkHandOff handOff;
    /** Every JSSE setting, SAEF's until a hand-off, the JDK socket's after it. */
    private final ConnectionSettings<SSLSocket> settings;
    private String peerHost;
    private int peerPort = -1;

    private final Object handshakeLock = new Object();
    private final Object protocolLock = new Object();
    private final ReentrantLock readLock = new ReentrantLock();
    private final ReentrantLock writeLock = new ReentrantLock();
    /** {@code System.nanoTime()} by which the handshake must be complete; guarded by handshakeLock. */
    private long handshakeDeadline;
    private boolean handshakeDeadlineSet;
    private final List<HandshakeCompletedListener> listeners = new CopyOnWriteArrayList<>();
    private volatile TlsConnection conn;
    /** Client peers without an association: the JDK's own socket, layered over our TCP, does all the work. */
    private volatile SSLSocket jdk;
    private volatile SaefSSLSession session;
    private volatile boolean closing;
    private final AppInput appInput = new AppInput();
    private final AppOutput appOutput = new AppOutput();

    /** An unconnected socket (client: {@code createSocket()}; server: before {@code implAccept}). */
    SaefSSLSocket(SaefContext context, SaefParameters params) {
        this.context = context;
        this.handOff = context.handOff();
        this.settings = new ConnectionSettings<>(this, params);
    }

    private boolean clientMode() {
        return settings.saef().clientMode();
    }

    /** @return the stream bytes from the peer arrive on */
    InputStream transportIn() throws IOException {
        return super.getInputStream();
    }

    /** @return the stream bytes to the peer leave by */
    OutputStream transportOut() throws IOException {
        return super.getOutputStream();
    }

    void transportShutdownInput() throws IOException {
        super.shutdownInput();
    }

    void transportShutdownOutput() throws IOException {
        super.shutdownOutput();
    }

    /** Closes the TCP connection (or, layered, the underlying socket when autoClose). */
    void closeTransport() throws IOException {
        super.close();
    }

    /** @return the plain transport as a Socket, for layering the JDK's TLS over it */
    java.net.Socket rawView() {
        return new RawSocketView(this);
    }

    void setPeer(String host, int port) {
        this.peerHost = host;
        this.peerPort = port;
    }

    String peerHostForHandshake() {
        if (peerHost == null && getInetAddress() != null) {
            // accepted sockets: the address text, never a reverse DNS lookup
            peerHost = getInetAddress().getHostAddress();
            peerPort = getPort();
        }
        return peerHost;
    }

    @Override
    public void connect(SocketAddress endpoint, int timeout) throws IOException {
        if (endpoint instanceof InetSocketAddress isa && peerHost == null) {
            setPeer(isa.getHostString(), isa.getPort());
        }
        super.connect(endpoint, timeout);
    }

    // ---------------------------------------------------------------- handshake

    @Override
    public void startHandshake() throws IOException {
        boolean completedNow;
        synchronized (handshakeLock) {
            if (jdk != null) {
                jdk.startHandshake();
                return;
            }
            TlsConnection c = conn;
            if (c != null && c.isHandshakeComplete()) {
                return;
            }
            int appTimeout = getSoTimeout();
            try {
                completedNow = handshake(appTimeout);
            } finally {
                if (!isClosed()) {
                    try {
                        setSoTimeout(appTimeout); // the application's own SO_TIMEOUT, narrowed during the handshake
                    } catch (SocketException ignored) {
                        // closed meanwhile
                    }
                }
            }
        }
        if (completedNow && !listeners.isEmpty()) {
            HandshakeCompletedEvent event = new HandshakeCompletedEvent(this, session);
            for (HandshakeCompletedListener l : listeners) {
                l.handshakeCompleted(event);
            }
        }
    }

    /** @return true when this call completed the SAEF handshake; called under handshakeLock */
    private boolean handshake(int appTimeout) throws IOException {
        // borrowed for the handshake only: an idle, established socket holds no record-sized buffer
        byte[] readBuffer = RecordBuffers.borrow(SaefSSLSession.PACKET_BUFFER_SIZE);
        try {
            return handshake(appTimeout, readBuffer);
        } finally {
            RecordBuffers.release(readBuffer, readBuffer.length); // BC decrypts in place
        }
    }

    private boolean handshake(int appTimeout, byte[] readBuffer) throws IOException {
        {
            TlsConnection c = conn;
            if (c != null && c.failure() != null) {
                throw c.failure();
            }
            if (isClosed()) {
                throw new SocketException("Socket is closed");
            }
            if (!isConnected()) {
                throw new SocketException("Socket is not connected");
            }
            if (c == null && clientMode() && handOff.clientGoesToJdk(peerHostForHandshake(), peerPort)) {
                SSLSocket j = handOff.clientSocket(rawView(), peerHost, peerPort, settings);
                for (HandshakeCompletedListener l : listeners) {
                    j.addHandshakeCompletedListener(l);
                }
                jdk = j;
                jdkHandshake(j, appTimeout);
                return false;
            }
            int preRead = 0;
            if (c == null && !clientMode() && handOff.serverMayHandOff()) {
                // Read the first record: a ClientHello offering no PSK suite goes to the JDK's TLS.
                InputStream in0 = transportIn();
                ClientHelloInspector.Verdict v;
                while ((v = ClientHelloInspector.inspect(readBuffer, 0, preRead))
                        == ClientHelloInspector.Verdict.NEED_MORE) {
                    int n = handshakeRead(in0, readBuffer, preRead, readBuffer.length - preRead, appTimeout);
                    if (n < 0) {
                        closeQuietly();
                        throw new SSLHandshakeException("the peer closed the connection before its ClientHello");
                    }
                    preRead += n;
                }
                if (handOff.serverGoesToJdk(v)) {
                    jdk = handOff.serverSocket(rawView(), Arrays.copyOf(readBuffer, preRead), preRead, settings);
                    for (HandshakeCompletedListener l : listeners) {
                        jdk.addHandshakeCompletedListener(l);
                    }
                    jdkHandshake(jdk, appTimeout);
                    return false;
                }
            }
            if (c == null) {
                String host = peerHostForHandshake();
                c = context.open(settings.saef().toSpec(host, peerPort));
                conn = c;
            }
            InputStream in = transportIn();
            try {
                if (preRead > 0) {
                    synchronized (protocolLock) {
                        c.offerInput(readBuffer, 0, preRead);
                    }
                }
                while (!c.isHandshakeComplete()) {
                    flushOutput();
                    if (c.isHandshakeComplete()) {
                        break;
                    }
                    if (c.isClosed()) {
                        throw new SSLHandshakeException("the connection was closed during the PSK-SAEF handshake");
                    }
                    int n = handshakeRead(in, readBuffer, 0, readBuffer.length, appTimeout);
                    if (n < 0) {
                        throw new SSLHandshakeException("the peer closed the connection during the PSK-SAEF handshake"
                                + " without an alert (is it a TLS " + (clientMode() ? "server" : "client")
                                + " with PSK enabled?)");
                    }
                    synchronized (protocolLock) {
                        c.offerInput(readBuffer, 0, n);
                    }
                }
                flushOutput();
            } catch (SSLException e) {
                closeAfterFailure(c);
                throw e;
            }
            session = context.session(c, peerHost, peerPort, clientMode());
            return true;
        }
    }

    /** The handshake deadline ({@code saef.handshakeTimeout}), fixed by the first call; Long.MAX_VALUE: none. */
    private long handshakeDeadline() {
        if (!handshakeDeadlineSet) {
            long ms = context.policy().handshakeTimeoutMillis();
            handshakeDeadline = ms == 0 ? Long.MAX_VALUE : System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
            handshakeDeadlineSet = true;
        }
        return handshakeDeadline;
    }

    /**
     * One read during the handshake, waiting at most for what is left of the handshake time (or the
     * socket's own SO_TIMEOUT, when shorter: that expiring is a SocketTimeoutException, as in the JDK,
     * and the handshake may be resumed).
     */
    private int handshakeRead(InputStream in, byte[] b, int off, int len, int appTimeout) throws IOException {
        long deadline = handshakeDeadline();
        if (deadline == Long.MAX_VALUE) {
            return in.read(b, off, len);
        }
        try {
            setSoTimeout(readTimeout(deadline, appTimeout));
            return in.read(b, off, len);
        } catch (SocketTimeoutException e) {
            if (System.nanoTime() - deadline >= 0) {
                closeQuietly();
                throw counted(handshakeTimedOut(e));
            }
            throw e;
        } catch (SSLHandshakeException e) {
            closeQuietly(); // no time left
            throw counted(e);
        }
    }

    /** @return the SO_TIMEOUT for the next handshake read: what is left until the deadline, or the application's if shorter */
    private int readTimeout(long deadline, int appTimeout) throws SSLHandshakeException {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime() + 999_999);
        if (left <= 0) {
            throw handshakeTimedOut(null);
        }
        return (int) Math.min(appTimeout == 0 ? Integer.MAX_VALUE : appTimeout, Math.min(left, Integer.MAX_VALUE));
    }

    /** A SAEF handshake (or the wait for its ClientHello) timed out: counted as such for this context. */
    private SSLHandshakeException counted(SSLHandshakeException x) {
        TlsConnection c = conn;
        if (c != null) {
            c.timedOut(x);
        } else {
            context.policy().handshakeStats().record(dev.saef.protocol.HandshakeOutcome.TIMEOUT, clientMode(),
                    peerHostForHandshake() + ":" + peerPort, null, x.getMessage());
        }
        return x;
    }

    private SSLHandshakeException handshakeTimedOut(SocketTimeoutException cause) {
        long ms = context.policy().handshakeTimeoutMillis();
        SSLHandshakeException e = new SSLHandshakeException("the " + (clientMode() ? "client" : "server")
                + " handshake with " + peerHostForHandshake() + ":" + peerPort + " did not complete within " + ms + " ms ("
                + dev.saef.protocol.SaefPolicy.HANDSHAKE_TIMEOUT_PROPERTY + "): the peer sent nothing or too little in"
                + " time; for slow links raise " + dev.saef.protocol.SaefPolicy.HANDSHAKE_TIMEOUT_PROPERTY
                + " (e.g. 120s; 0 = no limit)");
        if (cause != null) {
            e.initCause(cause);
        }
        dev.saef.protocol.DebugLog.log(e.getMessage());
        return e;
    }

    /**
     * A handshake handed to the JDK's TLS: bounded by the handshake time through SO_TIMEOUT (each read
     * waits at most for what is left; the JDK's socket reads through this socket's transport).
     */
    private void jdkHandshake(SSLSocket j, int appTimeout) throws IOException {
        long deadline = handshakeDeadline();
        if (deadline == Long.MAX_VALUE) {
            j.startHandshake();
            return;
        }
        setSoTimeout(readTimeout(deadline, appTimeout));
        try {
            j.startHandshake();
        } catch (IOException e) {
            if (System.nanoTime() - deadline >= 0) { // the JDK may wrap the SocketTimeoutException
                closeQuietly();
                SSLHandshakeException x = handshakeTimedOut(null);
                x.initCause(e);
                throw x;
            }
            throw e;
        }
    }

    /** @return the connection after the handshake; null when the JDK's socket took over (then use {@code jdk}) */
    private TlsConnection connected() throws IOException {
        if (jdk != null) {
            return null; // never re-run startHandshake on the JDK socket: on TLS 1.3 that sends a KeyUpdate
        }
        TlsConnection c = conn;
        if (c == null || !c.isHandshakeComplete()) {
            startHandshake();
            c = conn;
        }
        return c;
    }

    /** Writes all pending output of the core in one write, waiting for the write lock (never on a reader's path). */
    private void flushOutput() throws IOException {
        writeLock.lock();
        try {
            writePending();
        } finally {
            unlockWrite();
        }
    }

    /** Writes all pending output of the core in one write; the caller holds the write lock. */
    private void writePending() throws IOException {
        {
            int n;
            byte[] writeBuffer;
            synchronized (protocolLock) {
                TlsConnection c = conn;
                n = c == null ? 0 : c.availableOutput();
                if (n == 0) {
                    return;
                }
                writeBuffer = RecordBuffers.borrow(n);
                c.readOutput(writeBuffer, 0, n);
            }
            try {
                OutputStream out = transportOut();
                out.write(writeBuffer, 0, n);
                out.flush();
            } finally {
                RecordBuffers.release(writeBuffer, n); // records only (already encrypted), zeroed anyway
            }
        }
    }

    /** @return whether the core holds output not yet written */
    private boolean outputPending() {
        synchronized (protocolLock) {
            TlsConnection c = conn;
            return c != null && c.availableOutput() > 0;
        }
    }

    /**
     * Releases the write lock. On the outermost release, output queued meanwhile by a thread that
     * could not take the lock (a reader's alert or close_notify answer, {@link #flushFromReader()}) is
     * written now: whoever queued it either wrote it or found the lock held, and then the holder
     * sees it here. Write errors are left for the next operation to report.
     */
    private void unlockWrite() {
        writeLock.unlock();
        if (writeLock.isHeldByCurrentThread()) {
            return;
        }
        while (outputPending() && writeLock.tryLock()) {
            try {
                writePending();
            } catch (IOException e) {
                return; // the connection is broken; the next read or write reports it
            } finally {
                writeLock.unlock();
            }
        }
    }

    /**
     * A reader's flush: never waits for the write lock (a writer may hold it for as long as the peer
     * does not read, and the peer may be waiting for us to read). If the lock is held, its holder
     * writes the output when it releases it ({@link #unlockWrite()}).
     */
    private void flushFromReader() {
        if (!outputPending() || !writeLock.tryLock()) {
            return;
        }
        try {
            writePending();
        } catch (IOException ignored) {
            // the peer may already be gone; the original failure is what matters
        } finally {
            unlockWrite();
        }
    }

    /** Closes after a failed handshake: writes the alert, if any, lingers after a fatal one, closes. */
    private void closeAfterFailure(TlsConnection c) {
        if (outputPending() && writeLock.tryLock()) {
            try {
                writePending();
            } catch (IOException ignored) {
                // the peer may already be gone
            } finally {
                unlockWrite();
            }
        }
        if (c.fatalAlertSent() && !outputPending()) {
            lingerAfterFatalAlert();
        }
        closeQuietly();
    }

    /** How long, at most, the socket reads and discards after sending a fatal alert. */
    static final int LINGER_MILLIS = 1000;
    /** How many bytes, at most, the socket reads and discards after sending a fatal alert. */
    static final int LINGER_MAX_BYTES = 256 * 1024;

    /**
     * After sending a fatal alert, before closing: sends FIN after the alert and reads and discards
     * what the peer still sends, until its end of stream, {@link #LINGER_MILLIS} ms or
     * {@link #LINGER_MAX_BYTES} bytes. Closing a TCP socket with unread data makes the kernel answer
     * with a reset instead of FIN, and a peer still writing then often never reads the alert (the same
     * reason as nginx's lingering close). Only when this socket closes the TCP connection; never
     * concurrently with a reader.
     */
    private void lingerAfterFatalAlert() {
        if (!closesTransport() || isClosed() || !readLock.tryLock()) {
            return;
        }
        try {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LINGER_MILLIS);
            transportShutdownOutput();
            InputStream in = transportIn();
            byte[] sink = new byte[8192];
            int budget = LINGER_MAX_BYTES;
            while (budget > 0) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    break;
                }
                setSoTimeout((int) left);
                int n = in.read(sink, 0, Math.min(sink.length, budget));
                if (n < 0) {
                    break;
                }
                budget -= n;
            }
            dev.saef.protocol.DebugLog.log("fatal alert sent: discarded " + (LINGER_MAX_BYTES - budget) + " bytes before closing");
        } catch (IOException ignored) {
            // reset, timeout, already closed: close now
        } finally {
            readLock.unlock();
        }
    }

    /** @return whether {@link #closeTransport()} closes the TCP connection (a layered socket: only with autoClose) */
    boolean closesTransport() {
        return true;
    }

    private void closeQuietly() {
        try {
            closeTransport();
        } catch (IOException ignored) {
            // nothing more to do
        }
    }

    // ---------------------------------------------------------------- application data

    private int readApplicationData(byte[] b, int off, int len) throws IOException {
        java.util.Objects.requireNonNull(b, "buffer");
        if (off < 0 || len < 0 || len > b.length - off) {
            throw new IndexOutOfBoundsException();
        }
        TlsConnection c = connected();
        if (jdk != null) {
            return jdk.getInputStream().read(b, off, len);
        }
        if (len == 0) {
            return 0;
        }
        readLock.lock();
        try {
            InputStream in = transportIn();
            while (true) {
                synchronized (protocolLock) {
                    int avail = c.availableInput();
                    if (avail > 0) {
                        return c.readInput(b, off, Math.min(len, avail));
                    }
                    if (c.failure() != null) {
                        throw c.failure();
                    }
                    if (c.isClosed()) {
                        return -1;
                    }
                }
                // borrowed per read: a socket nobody is reading from holds no record-sized buffer
                byte[] readBuffer = RecordBuffers.borrow(SaefSSLSession.PACKET_BUFFER_SIZE);
                int n;
                try {
                    n = in.read(readBuffer, 0, SaefSSLSession.PACKET_BUFFER_SIZE);
                } catch (IOException | RuntimeException e) {
                    RecordBuffers.release(readBuffer, 0);
                    throw e;
                }
                if (n < 0) {
                    RecordBuffers.release(readBuffer, 0);
                    if (closing) {
                        return -1;
                    }
                    SSLException e = new SSLException("the peer closed the TCP connection without sending"
                            + " close_notify: the data received may have been truncated");
                    e.initCause(new EOFException("SSL peer shut down incorrectly"));
                    closeQuietly();
                    throw e;
                }
                try {
                    synchronized (protocolLock) {
                        if (c.failure() != null) {
                            throw c.failure();
                        }
                        if (c.isClosed()) {
                            return -1; // closed locally (close() on another thread) while we were reading
                        }
                        c.offerInput(readBuffer, 0, n);
                    }
                } finally {
                    RecordBuffers.release(readBuffer, n); // BC decrypts in place
                    flushFromReader(); // alerts, or the close_notify answering the peer's
                }
            }
        } finally {
            readLock.unlock();
        }
    }

    private int availableApplicationData() throws IOException {
        if (jdk != null) {
            return jdk.getInputStream().available();
        }
        TlsConnection c = conn;
        if (c == null) {
            return 0;
        }
        synchronized (protocolLock) {
            return c.availableInput();
        }
    }

    private void writeApplicationData(byte[] b, int off, int len) throws IOException {
        if (off < 0 || len < 0 || len > b.length - off) {
            throw new IndexOutOfBoundsException();
        }
        TlsConnection c = connected();
        if (jdk != null) {
            jdk.getOutputStream().write(b, off, len);
            jdk.getOutputStream().flush();
            return;
        }
        writeLock.lock();
        try {
            while (len > 0) {
                int chunk = Math.min(len, 65536);
                synchronized (protocolLock) {
                    if (c.isClosed()) {
                        throw c.failure() != null ? c.failure() : new SocketException("Socket is closed");
                    }
                    c.writeApplicationData(b, off, chunk);
                }
                writePending();
                off += chunk;
                len -= chunk;
            }
        } finally {
            unlockWrite();
        }
    }

    private final class AppInput extends InputStream {
        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return readApplicationData(b, off, len);
        }

        @Override
        public int available() throws IOException {
            return availableApplicationData();
        }

        @Override
        public void close() throws IOException {
            SaefSSLSocket.this.close();
        }
    }

    private final class AppOutput extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            writeApplicationData(b, off, len);
        }

        @Override
        public void close() throws IOException {
            SaefSSLSocket.this.close();
        }
    }

    @Override
    public InputStream getInputStream() throws IOException {
        checkOpen();
        return appInput;
    }

    @Override
    public OutputStream getOutputStream() throws IOException {
        checkOpen();
        return appOutput;
    }

    private void checkOpen() throws SocketException {
        if (isClosed()) {
            throw new SocketException("Socket is closed");
        }
        if (!isConnected()) {
            throw new SocketException("Socket is not connected");
        }
    }

    /** Why {@link #shutdownOutput()} and {@link #shutdownInput()} are refused. */
    static final String NO_HALF_CLOSE = "half-close is not supported on PSK-SAEF sockets: TLS 1.2 close_notify"
            + " ends both directions, and a bare TCP FIN would look like a truncation to the peer; use close()";

    /**
     * Refused with {@link UnsupportedOperationException}, as SSLSockets did before Java 11: a TLS 1.2
     * close_notify ends both directions (Bouncy Castle cannot send it and go on reading), and a TCP
     * FIN without it makes the peer report a truncation. Frameworks such as Apache HttpCore catch this
     * exception and then {@link #close()}, which sends close_notify. A connection handed to the JDK's
     * TLS half-closes as the JDK does.
     */
    @Override
    public void shutdownOutput() throws IOException {
        SSLSocket j = jdk;
        if (j == null) {
            throw new UnsupportedOperationException(NO_HALF_CLOSE);
        }
        j.shutdownOutput();
    }

    /** Refused like {@link #shutdownOutput()}, for the same reason. */
    @Override
    public void shutdownInput() throws IOException {
        SSLSocket j = jdk;
        if (j == null) {
            throw new UnsupportedOperationException(NO_HALF_CLOSE);
        }
        j.shutdownInput();
    }

    @Override
    public void close() throws IOException {
        if (closing) {
            return;
        }
        closing = true;
        if (jdk != null) {
            try {
                jdk.close(); // close_notify; the JDK socket does not close our transport
            } finally {
                closeTransport();
            }
            return;
        }
        TlsConnection c = conn;
        try {
            if (c != null && c.failure() == null && !c.isClosed()) {
                if (writeLock.tryLock(2, TimeUnit.SECONDS)) {
                    try {
                        synchronized (protocolLock) {
                            c.close();
                        }
                        writePending();
                    } finally {
                        unlockWrite();
                    }
                }
            } else if (c != null && c.failure() != null) {
                if (outputPending() && writeLock.tryLock(2, TimeUnit.SECONDS)) {
                    try {
                        writePending(); // an alert a reader could not write
                    } finally {
                        unlockWrite();
                    }
                }
                if (c.fatalAlertSent() && !outputPending()) {
                    lingerAfterFatalAlert();
                }
            }
        } catch (IOException | InterruptedException ignored) {
            // best effort close_notify
        } finally {
            closeTransport();
        }
    }

    // ---------------------------------------------------------------- SSLSocket settings

    @Override
    public SSLSession getSession() {
        if (jdk != null) {
            return jdk.getSession();
        }
        SaefSSLSession s = session;
        if (s != null) {
            return s;
        }
        try {
            startHandshake();
        } catch (IOException e) {
            return SaefSSLSession.nullSession(peerHost, peerPort);
        }
        return jdk != null ? jdk.getSession() : session;
    }

    @Override
    public SSLSession getHandshakeSession() {
        if (jdk != null) {
            return jdk.getHandshakeSession();
        }
        TlsConnection c = conn;
        if (c == null || !c.isHandshaking()) {
            return null;
        }
        synchronized (protocolLock) {
            return SaefSSLSession.handshakeSession(peerHost, peerPort, c.handshakeCipherSuite());
        }
    }

    @Override
    public void addHandshakeCompletedListener(HandshakeCompletedListener listener) {
        if (listener == null) {
            throw new IllegalArgumentException("listener is null");
        }
        listeners.add(listener);
    }

    @Override
    public void removeHandshakeCompletedListener(HandshakeCompletedListener listener) {
        if (listener == null || !listeners.remove(listener)) {
            throw new IllegalArgumentException("listener not registered");
        }
    }

    // ---------------------------------------------------------------- settings: one delegate, see ConnectionSettings

    @Override
    public String[] getSupportedCipherSuites() {
        return settings.getSupportedCipherSuites();
    }

    @Override
    public String[] getEnabledCipherSuites() {
        return settings.getEnabledCipherSuites();
    }

    @Override
    public void setEnabledCipherSuites(String[] suites) {
        settings.setEnabledCipherSuites(suites);
    }

    @Override
    public String[] getSupportedProtocols() {
        return settings.getSupportedProtocols();
    }

    @Override
    public String[] getEnabledProtocols() {
        return settings.getEnabledProtocols();
    }

    @Override
    public void setEnabledProtocols(String[] protocols) {
        settings.setEnabledProtocols(protocols);
    }

    /** Refused once SAEF runs the connection; after a hand-off, the JDK object decides (it refuses too). */
    @Override
    public void setUseClientMode(boolean mode) {
        synchronized (this) {
            if (conn != null) {
                throw new IllegalArgumentException("cannot change client/server mode after the handshake started");
            }
            settings.setUseClientMode(mode);
        }
    }

    @Override
    public boolean getUseClientMode() {
        return settings.getUseClientMode();
    }

    @Override
    public void setNeedClientAuth(boolean need) {
        settings.setNeedClientAuth(need);
    }

    @Override
    public boolean getNeedClientAuth() {
        return settings.getNeedClientAuth();
    }

    @Override
    public void setWantClientAuth(boolean want) {
        settings.setWantClientAuth(want);
    }

    @Override
    public boolean getWantClientAuth() {
        return settings.getWantClientAuth();
    }

    @Override
    public void setEnableSessionCreation(boolean flag) {
        settings.setEnableSessionCreation(flag);
    }

    @Override
    public boolean getEnableSessionCreation() {
        return settings.getEnableSessionCreation();
    }

    @Override
    public SSLParameters getSSLParameters() {
        return settings.getSSLParameters();
    }

    @Override
    public void setSSLParameters(SSLParameters p) {
        settings.setSSLParameters(p);
    }

    /** The selector is handed this object (the one the application holds), also after a hand-off. */
    @Override
    public void setHandshakeApplicationProtocolSelector(BiFunction<SSLSocket, java.util.List<String>, String> selector) {
        settings.setHandshakeApplicationProtocolSelector(selector);
    }

    /** @return the application's selector, exactly as given (the JDK object holds an adapter to it) */
    @Override
    public BiFunction<SSLSocket, java.util.List<String>, String> getHandshakeApplicationProtocolSelector() {
        return settings.getHandshakeApplicationProtocolSelector();
    }

    @Override
    public String getApplicationProtocol() {
        if (jdk != null) {
            return jdk.getApplicationProtocol();
        }
        TlsConnection c = conn;
        return c != null && c.isHandshakeComplete() ? c.session().applicationProtocol() : null;
    }

    @Override
    public String getHandshakeApplicationProtocol() {
        if (jdk != null) {
            return jdk.getHandshakeApplicationProtocol();
        }
        TlsConnection c = conn;
        if (c == null || !c.isHandshaking()) {
            return null;
        }
        synchronized (protocolLock) {
            return c.handshakeApplicationProtocol();
        }
    }

    @Override
    public String toString() {
        SaefSSLSession s = session;
        return "SaefSSLSocket[" + (clientMode() ? "client" : "server") + ", peer=" + peerHost + ":" + peerPort
                + ", " + (s == null ? "no session" : s.getCipherSuite()) + "]";
    }
}
