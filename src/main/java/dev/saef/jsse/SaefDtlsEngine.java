package dev.saef.jsse;

import dev.saef.crypto.RecordBuffers;
import dev.saef.protocol.DtlsConnection;
import dev.saef.protocol.SessionInfo;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.BiFunction;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLEngineResult.Status;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;

/**
 * The {@code SSLEngine} of a SAEF {@code DTLS} context: PSK-SAEF over DTLS 1.2, with the behaviour
 * of the JDK's own DTLS engine, so that code written for SunJSSE's DTLS runs unchanged:
 *
 * <ul>
 *   <li>{@code unwrap} takes one whole datagram (all of {@code src}); {@code wrap} produces at most
 *       one datagram, never larger than the maximum packet size
 *       ({@code SSLParameters.setMaximumPacketSize}, default {@value #DEFAULT_PACKET_SIZE});
 *       {@code getSession().getPacketBufferSize()} is that size;</li>
 *   <li>during the handshake a {@code wrap} with nothing to send, after the application's receive
 *       timed out, retransmits the last flight (unless {@code setEnableRetransmissions(false)});</li>
 *   <li>{@code wrap} and {@code unwrap} never wait for the handshake: Bouncy Castle's DTLS handshake
 *       is blocking and runs on a thread of the context's pool; while that thread has not yet
 *       answered (the ClientHello being made, a received flight being processed), the status is
 *       {@code NEED_TASK} and {@link #getDelegatedTask()} hands out one task at a time that waits for
 *       it (at most 10 s; then another task is handed out), as the JDK's engine hands out its own
 *       tasks. Code written for the JDK's DTLS engine runs delegated tasks when told, on its own
 *       thread or an executor, so an event loop is never blocked by a handshake;</li>
 *   <li>{@code NEED_UNWRAP_AGAIN} once a task has completed the handshake and there is nothing to
 *       send: the application's {@code unwrap} with an empty buffer then reports {@code FINISHED};</li>
 *   <li>datagrams that are not valid records are dropped silently ({@code unwrap} consumes them
 *       and produces nothing), as are handshake datagrams over the handshake memory budgets
 *       ({@code saef.dtls.peerHandshakeMemory}, {@code saef.dtls.handshakeMemory}).</li>
 * </ul>
 *
 * <p>All protocol work is done by the core ({@link DtlsConnection}); this class maps it onto the
 * {@code SSLEngine} calls. Thread-safe: every call holds the engine's lock.
 */
final class SaefDtlsEngine extends SSLEngine {

    /** The default maximum packet size, as the JDK's DTLS engine (2^14 plus record overhead). */
    static final int DEFAULT_PACKET_SIZE = 16709;
    /** The smallest maximum packet size accepted (an IPv4 minimum reassembly buffer, RFC 791). */
    static final int MIN_PACKET_SIZE = 256;

    private final Object lock = new Object();
    private final SaefContext context;
    private final SaefParameters params;
    private DtlsConnection conn;
    private boolean begun;
    private boolean finishedReported;
    /** A delegated task was handed out and has not finished: no second one meanwhile. */
    private boolean taskOutstanding;
    private boolean inboundDone;
    private boolean outboundDone;
    private int packetSize;
    private SaefSSLSession session;

    SaefDtlsEngine(SaefContext context, String host, int port) {
        super(host, port);
        this.context = context;
        this.params = context.newParameters(false);
    }

    /** @return the context this engine belongs to */
    SaefContext context() {
        return context;
    }

    /**
     * @return the RFC 9146 connection ID the peer puts in the records it sends to this engine, or null
     *     (none negotiated, or no completed handshake); {@link DtlsServer} finds the peer by it
     */
    byte[] connectionIdReceived() {
        synchronized (lock) {
            return conn == null ? null : conn.connectionIdReceived();
        }
    }

    /**
     * @return whether the datagram of the last {@code unwrap} held a record that authenticated, is the
     *     newest received, and carried the connection ID (RFC 9146 section 6: only then may a server
     *     send to that datagram's source address)
     */
    boolean lastUnwrapNewestWithConnectionId() {
        synchronized (lock) {
            return conn != null && conn.lastDatagramNewestWithConnectionId();
        }
    }

    private int packetSize() {
        int p = params.maximumPacketSize();
        return p <= 0 ? DEFAULT_PACKET_SIZE : Math.max(MIN_PACKET_SIZE, p);
    }

    /** Starts the association: a client sends its ClientHello, a server waits for one. */
    private void ensureStarted() throws SSLException {
        begun = true;
        if (conn != null || outboundDone) {
            return;
        }
        packetSize = packetSize();
        String host = getPeerHost();
        int port = getPeerPort();
        conn = context.openDatagram(params.toSpec(host, port), packetSize, cookieClientId(host, port));
    }

    /**
     * @return the client address a server engine created with {@code (host, port)} binds into its
     *     HelloVerifyRequest cookie (RFC 6347 section 4.2.1); {@link DtlsServer} checks cookies with it
     */
    static byte[] cookieClientId(String host, int port) {
        return ((host == null ? "" : host) + ":" + port).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void beginHandshake() throws SSLException {
        synchronized (lock) {
            if (outboundDone || inboundDone) {
                throw new SSLException("the engine is closed");
            }
            if (params.clientMode()) {
                ensureStarted();
            } else {
                begun = true;
            }
        }
    }

    @Override
    public SSLEngineResult wrap(ByteBuffer[] srcs, int offset, int length, ByteBuffer dst) throws SSLException {
        synchronized (lock) {
            if (conn == null && !outboundDone && params.clientMode()) {
                ensureStarted();
            }
            if (conn == null) {
                return result(outboundDone ? Status.CLOSED : Status.OK, 0, 0);
            }
            if (conn.isHandshakeComplete()) {
                return wrapEstablished(srcs, offset, length, dst);
            }
            int next = conn.nextDatagramSize();
            if (next < 0 && !outboundDone && conn.failure() == null && params.enableRetransmissions()
                    && conn.retransmit()) {
                next = conn.nextDatagramSize();
            }
            if (next >= 0) {
                if (dst.remaining() < next) {
                    return result(Status.BUFFER_OVERFLOW, 0, 0);
                }
                int produced = conn.pollDatagram(dst);
                return result(Status.OK, 0, produced);
            }
            throwIfFailed();
            return result(outboundDone ? Status.CLOSED : Status.OK, 0, 0);
        }
    }

    /**
     * Established: one record per datagram. Records waiting to be sent (a retransmitted final flight,
     * an alert) go first, one per {@code wrap}, consuming no application data (as the JDK's engine
     * sends its pending handshake records first); then at most one record's worth of application
     * data. A datagram that packs a retransmitted handshake record together with application data
     * loses the application data at Bouncy Castle 1.84 peers, so records are never packed here.
     */
    private SSLEngineResult wrapEstablished(ByteBuffer[] srcs, int offset, int length, ByteBuffer dst)
            throws SSLException {
        int pending = conn.nextDatagramSize();
        if (pending >= 0) {
            if (dst.remaining() < pending) {
                return result(Status.BUFFER_OVERFLOW, 0, 0);
            }
            int produced = conn.pollDatagram(dst);
            boolean closed = outboundDone && conn.nextDatagramSize() < 0;
            return result(closed ? Status.CLOSED : Status.OK, 0, produced);
        }
        int available = 0;
        for (int i = offset; i < offset + length; i++) {
            available += srcs[i].remaining();
        }
        int n = outboundDone ? 0 : Math.min(available, conn.applicationDataLimit());
        if (n > 0 && dst.remaining() < packetSize) {
            return result(Status.BUFFER_OVERFLOW, 0, 0);
        }
        if (n > 0) {
            byte[] plain = RecordBuffers.borrow(n);
            try {
                int got = 0;
                for (int i = offset; i < offset + length && got < n; i++) {
                    int k = Math.min(n - got, srcs[i].remaining());
                    srcs[i].get(plain, got, k);
                    got += k;
                }
                conn.writeApplicationData(plain, 0, n);
            } finally {
                RecordBuffers.release(plain, n);
            }
        }
        int produced = conn.nextDatagramSize() >= 0 ? conn.pollDatagram(dst) : 0; // the record just written
        if (produced == 0) {
            throwIfFailed();
        }
        boolean closed = outboundDone && conn.nextDatagramSize() < 0;
        return result(closed ? Status.CLOSED : Status.OK, n, produced);
    }

    @Override
    public SSLEngineResult unwrap(ByteBuffer src, ByteBuffer[] dsts, int offset, int length) throws SSLException {
        synchronized (lock) {
            if (inboundDone) {
                return result(Status.CLOSED, 0, 0);
            }
            ensureStarted();
            if (conn == null) {
                return result(Status.CLOSED, 0, 0);
            }
            if (!src.hasRemaining()) {
                throwIfFailed(); // never waits: a busy handshake shows as NEED_TASK
                return result(Status.OK, 0, 0);
            }
            int len = src.remaining();
            int room = 0;
            for (int i = offset; i < offset + length; i++) {
                room += dsts[i].remaining();
            }
            if (conn.isHandshakeComplete() && room < Math.min(len, session().getApplicationBufferSize())) {
                return result(Status.BUFFER_OVERFLOW, 0, 0);
            }
            byte[] datagram = new byte[len];
            src.get(datagram);
            int plainRoom = conn.isHandshakeComplete() ? len : 0;
            byte[] plainBytes = plainRoom == 0 ? null : RecordBuffers.borrow(plainRoom);
            ByteBuffer plain = plainBytes == null ? ByteBuffer.allocate(0) : ByteBuffer.wrap(plainBytes, 0, plainRoom);
            DtlsConnection.Received r;
            int produced = 0;
            try {
                r = conn.offerDatagram(datagram, 0, len, plain);
                if (r == DtlsConnection.Received.DATA) {
                    plain.flip();
                    produced = plain.remaining();
                    for (int i = offset; i < offset + length && plain.hasRemaining(); i++) {
                        int k = Math.min(plain.remaining(), dsts[i].remaining());
                        dsts[i].put(plain.array(), plain.position(), k);
                        plain.position(plain.position() + k);
                    }
                }
            } finally {
                RecordBuffers.release(plainBytes, plainRoom);
            }
            if (r == DtlsConnection.Received.CLOSED) {
                inboundDone = true;
                closeOutboundLocked(); // answer close_notify with close_notify (RFC 5246 section 7.2.1)
                return result(Status.CLOSED, len, 0);
            }
            if (conn.failure() != null && conn.nextDatagramSize() < 0) {
                throw conn.failure();
            }
            return result(Status.OK, len, produced);
        }
    }

    private void throwIfFailed() throws SSLException {
        SSLException f = conn == null ? null : conn.failure();
        if (f != null) {
            outboundDone = true;
            inboundDone = true;
            throw f;
        }
    }

    private SSLEngineResult result(Status status, int consumed, int produced) {
        HandshakeStatus hs = handshakeStatus();
        if (finishPending() && hs != HandshakeStatus.NEED_WRAP) {
            finishedReported = true;
            hs = HandshakeStatus.FINISHED;
        }
        return new SSLEngineResult(status, hs, consumed, produced);
    }

    /** @return whether the handshake completed and no result has reported {@code FINISHED} yet */
    private boolean finishPending() {
        return conn != null && !finishedReported && conn.isHandshakeComplete();
    }

    private HandshakeStatus handshakeStatus() {
        if (conn == null) {
            if (!begun || outboundDone) {
                return HandshakeStatus.NOT_HANDSHAKING;
            }
            return params.clientMode() ? HandshakeStatus.NEED_WRAP : HandshakeStatus.NEED_UNWRAP;
        }
        if (conn.nextDatagramSize() >= 0) {
            return HandshakeStatus.NEED_WRAP;
        }
        if (conn.failure() != null) {
            return outboundDone ? HandshakeStatus.NOT_HANDSHAKING : HandshakeStatus.NEED_WRAP; // that wrap throws
        }
        if (conn.isHandshaking() && !outboundDone) {
            return conn.handshakeBusy() ? HandshakeStatus.NEED_TASK : HandshakeStatus.NEED_UNWRAP;
        }
        if (finishPending() && !outboundDone) {
            return HandshakeStatus.NEED_UNWRAP_AGAIN; // a task completed the handshake: the next unwrap reports FINISHED
        }
        return HandshakeStatus.NOT_HANDSHAKING;
    }

    @Override
    public HandshakeStatus getHandshakeStatus() {
        synchronized (lock) {
            return handshakeStatus();
        }
    }

    /**
     * While the handshake thread works ({@code NEED_TASK}): a task that waits for it, at most 10 s,
     * on the caller's thread; one at a time (null while a task handed out has not finished, as with
     * the JDK's engine). Null otherwise.
     */
    @Override
    public Runnable getDelegatedTask() {
        synchronized (lock) {
            DtlsConnection c = conn;
            if (c == null || taskOutstanding || outboundDone || !c.handshakeBusy()) {
                return null;
            }
            taskOutstanding = true;
            return () -> {
                try {
                    c.awaitHandshakeStep(); // holds no engine lock: wrap/unwrap stay free meanwhile
                } finally {
                    synchronized (lock) {
                        taskOutstanding = false;
                    }
                }
            };
        }
    }

    /** @return received bytes waiting for this engine's handshake thread (the handshake memory accounting) */
    long pendingHandshakeBytes() {
        synchronized (lock) {
            return conn == null ? 0 : conn.pendingHandshakeBytes();
        }
    }

    /** @return the most received bytes that ever waited for this engine's handshake thread at once */
    long peakPendingHandshakeBytes() {
        synchronized (lock) {
            return conn == null ? 0 : conn.peakPendingHandshakeBytes();
        }
    }

    @Override
    public void closeInbound() throws SSLException {
        synchronized (lock) {
            inboundDone = true;
        }
    }

    @Override
    public boolean isInboundDone() {
        synchronized (lock) {
            return inboundDone;
        }
    }

    @Override
    public void closeOutbound() {
        synchronized (lock) {
            closeOutboundLocked();
        }
    }

    /**
     * {@link #closeOutbound()} because the caller's own handshake time limit ran out ({@link DtlsServer}'s
     * handshake timeout): a handshake in progress is counted as timed out
     * ({@link DtlsConnection#closeTimedOut}).
     */
    void closeOutboundTimedOut(String why) {
        synchronized (lock) {
            if (conn != null) {
                conn.closeTimedOut(why);
            }
            closeOutboundLocked();
        }
    }

    private void closeOutboundLocked() {
        outboundDone = true;
        if (conn != null) {
            conn.close();
        }
    }

    @Override
    public boolean isOutboundDone() {
        synchronized (lock) {
            return outboundDone && (conn == null || conn.nextDatagramSize() < 0);
        }
    }

    private SaefSSLSession session() {
        SessionInfo info = conn == null ? null : conn.session();
        if (info == null) {
            return SaefSSLSession.nullSession(getPeerHost(), getPeerPort());
        }
        if (session == null) {
            session = SaefSSLSession.datagram(info, getPeerHost(), getPeerPort(),
                    params.clientMode() ? context.clientSessions() : context.serverSessions(), packetSize);
        }
        return session;
    }

    @Override
    public SSLSession getSession() {
        synchronized (lock) {
            return session();
        }
    }

    @Override
    public SSLSession getHandshakeSession() {
        return null;
    }

    @Override
    public String getApplicationProtocol() {
        synchronized (lock) {
            SessionInfo info = conn == null ? null : conn.session();
            return info == null ? null : info.applicationProtocol();
        }
    }

    @Override
    public String[] getSupportedCipherSuites() {
        return params.getSupportedCipherSuites();
    }

    @Override
    public String[] getEnabledCipherSuites() {
        synchronized (lock) {
            return params.getEnabledCipherSuites();
        }
    }

    @Override
    public void setEnabledCipherSuites(String[] suites) {
        synchronized (lock) {
            params.setEnabledCipherSuites(suites);
        }
    }

    @Override
    public String[] getSupportedProtocols() {
        return params.getSupportedProtocols();
    }

    @Override
    public String[] getEnabledProtocols() {
        synchronized (lock) {
            return params.getEnabledProtocols();
        }
    }

    @Override
    public void setEnabledProtocols(String[] protocols) {
        synchronized (lock) {
            params.setEnabledProtocols(protocols);
        }
    }

    @Override
    public void setUseClientMode(boolean mode) {
        synchronized (lock) {
            if (begun && mode != params.clientMode()) {
                throw new IllegalArgumentException("the client/server mode cannot change once the handshake began");
            }
            params.setUseClientMode(mode);
        }
    }

    @Override
    public boolean getUseClientMode() {
        synchronized (lock) {
            return params.clientMode();
        }
    }

    @Override
    public void setNeedClientAuth(boolean need) {
        synchronized (lock) {
            params.setNeedClientAuth(need);
        }
    }

    @Override
    public boolean getNeedClientAuth() {
        synchronized (lock) {
            return params.getNeedClientAuth();
        }
    }

    @Override
    public void setWantClientAuth(boolean want) {
        synchronized (lock) {
            params.setWantClientAuth(want);
        }
    }

    @Override
    public boolean getWantClientAuth() {
        synchronized (lock) {
            return params.getWantClientAuth();
        }
    }

    @Override
    public void setEnableSessionCreation(boolean flag) {
        synchronized (lock) {
            params.setEnableSessionCreation(flag);
        }
    }

    @Override
    public boolean getEnableSessionCreation() {
        synchronized (lock) {
            return params.getEnableSessionCreation();
        }
    }

    /** The parameters, with the effective maximum packet size (as the JDK's DTLS engine reports it). */
    @Override
    public SSLParameters getSSLParameters() {
        synchronized (lock) {
            SSLParameters p = params.getSSLParameters();
            p.setMaximumPacketSize(packetSize());
            return p;
        }
    }

    @Override
    public void setSSLParameters(SSLParameters p) {
        synchronized (lock) {
            params.setSSLParameters(p);
        }
    }

    @Override
    public void setHandshakeApplicationProtocolSelector(BiFunction<SSLEngine, List<String>, String> selector) {
        synchronized (lock) {
            params.setApplicationProtocolSelector(selector == null ? null : offered -> selector.apply(this, offered));
        }
    }
}
