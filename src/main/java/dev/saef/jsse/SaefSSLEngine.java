package dev.saef.jsse;

import dev.saef.crypto.DecodeTarget;
import dev.saef.crypto.RecordBuffers;
import dev.saef.crypto.RecordScratch;
import dev.saef.protocol.ClientHelloInspector;
import dev.saef.protocol.RecordHeaderPreview;
import dev.saef.protocol.TlsConnection;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.util.Arrays;
import java.util.function.BiFunction;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLEngineResult.Status;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;

/**
 * The non-blocking PSK-SAEF transport: an {@link SSLEngine} over the protocol core
 * ({@link TlsConnection}). It only moves bytes between the application's buffers and the core:
 * {@code unwrap} consumes exactly one TLS record per call, {@code wrap} produces the pending
 * handshake flight (in one piece) or one record of application data. PSK handshakes do no slow
 * public-key work unless a DHE/ECDHE_PSK suite is chosen, and that runs inline. The one delegated
 * task is a server's key lookup when the key manager says lookups may block
 * ({@code PskKeyManager.lookupsMayBlock()}, e.g. a PostgreSQL key store): the {@code unwrap} that
 * receives the client's {@code psk_identity} (or a cached session's ID) consumes the record and
 * reports {@code NEED_TASK}; {@link #getDelegatedTask()} hands out a task that looks the key up
 * (within {@code saef.keyLookupTimeout}) and then, under the engine's lock, lets the handshake go on;
 * until it has run, {@code wrap} and {@code unwrap} consume nothing and report {@code NEED_TASK}. A
 * failure of the lookup (timeout included) is thrown by the next {@code wrap} or {@code unwrap}, with
 * the alert queued for the peer. Used by {@code java.net.http.HttpClient}, {@code HttpsServer}, Netty
 * and Jetty.
 *
 * <p>Who runs the connection is decided by {@link JdkHandOff}; every setting goes through one
 * {@link ConnectionSettings}, so after a hand-off to the JDK's engine this engine answers exactly as
 * that one does.
 */
final class SaefSSLEngine extends SSLEngine {

    private final SaefContext context;
    private final JdkHandOff handOff;
    private final ConnectionSettings<SSLEngine> settings;
    private TlsConnection conn;
    /** Client peers without an association: the JDK's own engine, which then does all the work. */
    private volatile SSLEngine jdk; // read unlocked by getDelegatedTask (JDK tasks run on other threads)
    /** Server: the handshake has begun, but the ClientHello decides who runs it (SAEF or the JDK). */
    private boolean awaitingClientHello;
    private boolean inboundClosed;
    private boolean outboundClosed;
    private boolean finishedReported;
    private SaefSSLSession session;
    private final byte[] header = new byte[RecordHeaderPreview.HEADER_LENGTH];
    /** The failure of a delegated key lookup, thrown by the next {@code wrap} or {@code unwrap}. */
    private SSLException taskFailure;

    SaefSSLEngine(SaefContext context, String host, int port) {
        super(host, port);
        this.context = context;
        this.handOff = context.handOff();
        this.settings = new ConnectionSettings<>(this, context.newParameters(false));
        this.session = SaefSSLSession.nullSession(host, port);
    }

    private void start() throws SSLException {
        conn = context.openForEngine(settings.saef().toSpec(getPeerHost(), getPeerPort()));
    }

    private boolean clientMode() {
        return settings.saef().clientMode();
    }

    private void ensureStarted() throws SSLException {
        if (conn == null && jdk == null) {
            if (clientMode() && handOff.clientGoesToJdk(getPeerHost(), getPeerPort())) {
                jdk = handOff.clientEngine(getPeerHost(), getPeerPort(), settings);
                jdk.beginHandshake();
                return;
            }
            try {
                start();
            } catch (SSLException e) {
                inboundClosed = true;
                outboundClosed = true;
                throw e;
            }
        }
    }

    @Override
    public synchronized void beginHandshake() throws SSLException {
        if (jdk != null) {
            jdk.beginHandshake();
            return;
        }
        if (conn == null) {
            if (inboundClosed || outboundClosed) {
                throw new SSLException("engine is closed");
            }
            if (!clientMode() && handOff.serverMayHandOff()) {
                awaitingClientHello = true;
                return;
            }
            ensureStarted();
        } else if (conn.isHandshakeComplete()) {
            throw new SSLException("renegotiation is not supported by the SAEF provider (TS-0003 PSK-SAEF profile)");
        }
    }

    @Override
    public synchronized SSLEngineResult wrap(ByteBuffer[] srcs, int offset, int length, ByteBuffer dst)
            throws SSLException {
        checkArgs(srcs, offset, length, dst);
        if (dst.isReadOnly()) {
            throw new ReadOnlyBufferException();
        }
        if (conn == null && jdk == null) {
            if (outboundClosed) {
                return new SSLEngineResult(Status.CLOSED, HandshakeStatus.NOT_HANDSHAKING, 0, 0);
            }
            if (!clientMode() && handOff.serverMayHandOff()) {
                awaitingClientHello = true;
                return new SSLEngineResult(Status.OK, HandshakeStatus.NEED_UNWRAP, 0, 0);
            }
            ensureStarted();
        }
        if (jdk != null) {
            return jdk.wrap(srcs, offset, length, dst);
        }
        throwTaskFailure();
        int pending = conn.availableOutput();
        if (pending > 0) {
            if (dst.remaining() < Math.min(pending, SaefSSLSession.PACKET_BUFFER_SIZE)) {
                return new SSLEngineResult(Status.BUFFER_OVERFLOW, getHandshakeStatus(), 0, 0);
            }
            int n = conn.readOutput(dst, Math.min(pending, dst.remaining()));
            return result(outboundDoneStatus(), 0, n);
        }
        if (outboundClosed || conn.isClosed()) {
            return result(Status.CLOSED, 0, 0);
        }
        if (!conn.isHandshakeComplete()) {
            return result(Status.OK, 0, 0);
        }
        int available = remaining(srcs, offset, length);
        if (available == 0) {
            return result(Status.OK, 0, 0);
        }
        int chunk = Math.min(available, conn.applicationDataLimit());
        RecordHeaderPreview preview = conn.previewOutputRecord(chunk);
        if (dst.remaining() < preview.recordSize()) {
            return result(Status.BUFFER_OVERFLOW, 0, 0);
        }
        ByteBuffer first = firstWithData(srcs, offset, length);
        if (first.hasArray() && first.remaining() >= chunk) {
            // BC copies the plaintext into its own record buffer and never writes to ours: no gather copy
            int pos = first.position();
            conn.writeApplicationData(first.array(), first.arrayOffset() + pos, chunk);
            first.position(pos + chunk);
        } else {
            byte[] plain = RecordBuffers.borrow(chunk);
            try {
                gather(srcs, offset, length, plain, chunk);
                conn.writeApplicationData(plain, 0, chunk);
            } finally {
                RecordBuffers.release(plain, chunk);
            }
        }
        int n = conn.readOutput(dst, conn.availableOutput());
        session.touch();
        return result(Status.OK, chunk, n);
    }

    /** The last application record was decrypted into the caller's buffer ({@link DecodeTarget}). */
    private boolean lastDecodedToTarget;

    @Override
    public synchronized SSLEngineResult unwrap(ByteBuffer src, ByteBuffer[] dsts, int offset, int length)
            throws SSLException {
        checkArgs(dsts, offset, length, src);
        for (int i = offset; i < offset + length; i++) {
            if (dsts[i].isReadOnly()) {
                throw new ReadOnlyBufferException();
            }
        }
        if (conn == null && jdk == null) {
            if (inboundClosed) {
                return new SSLEngineResult(Status.CLOSED, HandshakeStatus.NOT_HANDSHAKING, 0, 0);
            }
            if (!clientMode() && handOff.serverMayHandOff()) {
                awaitingClientHello = true;
                int n = Math.min(src.remaining(), SaefSSLSession.PACKET_BUFFER_SIZE);
                byte[] hello = RecordBuffers.borrow(n);
                ClientHelloInspector.Verdict v;
                try {
                    src.get(src.position(), hello, 0, n);
                    v = ClientHelloInspector.inspect(hello, 0, n);
                } finally {
                    RecordBuffers.release(hello, n);
                }
                if (v == ClientHelloInspector.Verdict.NEED_MORE) {
                    return new SSLEngineResult(Status.BUFFER_UNDERFLOW, HandshakeStatus.NEED_UNWRAP, 0, 0);
                }
                awaitingClientHello = false;
                if (handOff.serverGoesToJdk(v)) {
                    jdk = handOff.serverEngine(getPeerHost(), getPeerPort(), settings);
                    jdk.beginHandshake();
                    return jdk.unwrap(src, dsts, offset, length);
                }
            }
            ensureStarted();
        }
        if (jdk != null) {
            return jdk.unwrap(src, dsts, offset, length);
        }
        throwTaskFailure();
        if (conn.keyLookupPending()) {
            return result(Status.OK, 0, 0); // NEED_TASK: nothing is consumed until the lookup has run
        }
        if (conn.availableInput() > 0) {
            int produced = scatter(dsts, offset, length);
            return result(Status.OK, 0, produced);
        }
        if (isInboundDone()) {
            return result(Status.CLOSED, 0, 0);
        }
        if (src.remaining() < header.length) {
            return result(Status.BUFFER_UNDERFLOW, 0, 0);
        }
        int start = src.position();
        for (int i = 0; i < header.length; i++) {
            header[i] = src.get(start + i);
        }
        RecordHeaderPreview preview = conn.previewInputRecord(header);
        int size = preview.recordSize();
        if (src.remaining() < size) {
            return result(Status.BUFFER_UNDERFLOW, 0, 0);
        }
        if (RecordHeaderPreview.isApplicationData(header)
                && remaining(dsts, offset, length) < preview.contentLimit()) {
            return result(Status.BUFFER_OVERFLOW, 0, 0);
        }
        ByteBuffer target = RecordHeaderPreview.isApplicationData(header)
                ? decodeTarget(dsts, offset, length, preview.contentLimit()) : null;
        // the record is copied in (no plaintext is ever left in the caller's network buffer); while
        // records are decrypted into the caller's buffer, the copy only ever holds wire data and comes
        // from RecordScratch's unzeroed pool, else from RecordBuffers (zeroed, as it held plaintext)
        boolean wireOnly = target != null && lastDecodedToTarget;
        byte[] record = wireOnly ? RecordScratch.borrowRecord(size) : RecordBuffers.borrow(size);
        int targetStart = target == null ? 0 : target.position();
        int delivered;
        boolean ok = false;
        try {
            src.get(record, 0, size);
            if (target != null) {
                DecodeTarget.lend(target.array(), target.arrayOffset() + targetStart, target.remaining());
            }
            // queue empty (checked above): an application record's plaintext goes straight to dsts
            delivered = conn.offerInput(record, 0, size, dsts, offset, length);
            ok = true;
        } finally {
            boolean decryptedToTarget = target != null && DecodeTarget.withdraw();
            if (decryptedToTarget && !ok) {
                // the record was decrypted into the caller's buffer but then refused: leave nothing there
                target.position(targetStart);
                int from = target.arrayOffset() + targetStart;
                Arrays.fill(target.array(), from, from + Math.min(target.remaining(), preview.contentLimit()), (byte) 0);
            }
            lastDecodedToTarget = decryptedToTarget;
            // decrypted into the caller's buffer: the record buffer holds only the record as received;
            // else BC decrypted it in place, and the plaintext is zeroed
            if (wireOnly) {
                RecordScratch.releaseRecord(record, decryptedToTarget && ok ? 0 : size);
            } else {
                RecordBuffers.release(record, size);
            }
        }
        int produced = delivered + scatter(dsts, offset, length);
        if (produced > 0) {
            session.touch();
        }
        Status status = conn.isClosed() && conn.availableInput() == 0 ? Status.CLOSED : Status.OK;
        return result(status, size, produced);
    }

    /**
     * The destination an application record may be decrypted into directly ({@link DecodeTarget}): the
     * first of {@code dsts} with room, when it is an array-backed buffer with room for the whole record.
     */
    private static ByteBuffer decodeTarget(ByteBuffer[] dsts, int offset, int length, int contentLimit) {
        for (int i = offset; i < offset + length; i++) {
            ByteBuffer d = dsts[i];
            if (d.hasRemaining()) {
                return d.hasArray() && d.remaining() >= contentLimit ? d : null;
            }
        }
        return null;
    }

    private Status outboundDoneStatus() {
        return (outboundClosed || conn.isClosed()) ? Status.CLOSED : Status.OK;
    }

    private SSLEngineResult result(Status status, int consumed, int produced) {
        HandshakeStatus hs = getHandshakeStatus();
        if (conn != null && conn.isHandshakeComplete() && !finishedReported && conn.availableOutput() == 0) {
            finishedReported = true;
            session = context.session(conn, getPeerHost(), getPeerPort(), clientMode());
            hs = HandshakeStatus.FINISHED;
        }
        return new SSLEngineResult(status, hs, consumed, produced);
    }

    private int scatter(ByteBuffer[] dsts, int offset, int length) {
        int produced = 0;
        for (int i = offset; i < offset + length && conn.availableInput() > 0; i++) {
            ByteBuffer d = dsts[i];
            int n = Math.min(d.remaining(), conn.availableInput());
            if (n > 0) {
                produced += conn.readInput(d, n);
            }
        }
        return produced;
    }

    private static ByteBuffer firstWithData(ByteBuffer[] srcs, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            if (srcs[i].hasRemaining()) {
                return srcs[i];
            }
        }
        return srcs[offset];
    }

    private static void gather(ByteBuffer[] srcs, int offset, int length, byte[] out, int count) {
        int done = 0;
        for (int i = offset; i < offset + length && done < count; i++) {
            ByteBuffer s = srcs[i];
            int n = Math.min(s.remaining(), count - done);
            s.get(out, done, n);
            done += n;
        }
    }

    private static int remaining(ByteBuffer[] bufs, int offset, int length) {
        long total = 0;
        for (int i = offset; i < offset + length; i++) {
            total += bufs[i].remaining();
        }
        return (int) Math.min(Integer.MAX_VALUE, total);
    }

    private static void checkArgs(ByteBuffer[] bufs, int offset, int length, ByteBuffer single) {
        if (bufs == null || single == null) {
            throw new IllegalArgumentException("buffers must not be null");
        }
        if (offset < 0 || length < 0 || offset > bufs.length - length) {
            throw new IndexOutOfBoundsException("offset " + offset + ", length " + length + ", array " + bufs.length);
        }
        for (int i = offset; i < offset + length; i++) {
            if (bufs[i] == null) {
                throw new IllegalArgumentException("buffer " + i + " is null");
            }
        }
    }

    /**
     * @return after a hand-off, the JDK engine's task; else the pending key lookup (once), which runs the
     *     lookup on the calling thread without the engine's lock and then continues the handshake under
     *     it; else null
     */
    @Override
    public Runnable getDelegatedTask() {
        SSLEngine j = jdk;
        if (j != null) {
            return j.getDelegatedTask();
        }
        Runnable lookup;
        synchronized (this) {
            lookup = conn == null ? null : conn.keyLookupTask();
        }
        if (lookup == null) {
            return null;
        }
        return () -> {
            lookup.run();
            resumeAfterKeyLookup();
        };
    }

    private synchronized void resumeAfterKeyLookup() {
        try {
            conn.resumeAfterKeyLookup();
        } catch (SSLException e) {
            taskFailure = e;
        }
    }

    private void throwTaskFailure() throws SSLException {
        SSLException x = taskFailure;
        if (x != null) {
            taskFailure = null;
            throw x;
        }
    }

    @Override
    public synchronized void closeInbound() throws SSLException {
        if (jdk != null) {
            jdk.closeInbound();
            return;
        }
        if (inboundClosed) {
            return;
        }
        inboundClosed = true;
        if (conn == null) {
            return;
        }
        // Only the inbound side ends here: close_notify is sent when the application closes outbound.
        boolean truncated = !conn.closeNotifyReceived() && !conn.isClosed();
        if (truncated && conn.isHandshakeComplete()) {
            throw new SSLException("inbound closed before receiving the peer's close_notify: possible truncation attack");
        }
    }

    @Override
    public synchronized boolean isInboundDone() {
        if (jdk != null) {
            return jdk.isInboundDone();
        }
        return inboundClosed || (conn != null && conn.isClosed() && conn.availableInput() == 0);
    }

    @Override
    public synchronized void closeOutbound() {
        if (jdk != null) {
            jdk.closeOutbound();
            return;
        }
        outboundClosed = true;
        if (conn != null) {
            conn.close();
        }
    }

    @Override
    public synchronized boolean isOutboundDone() {
        if (jdk != null) {
            return jdk.isOutboundDone();
        }
        if (conn == null) {
            return outboundClosed;
        }
        return (outboundClosed || conn.isClosed()) && conn.availableOutput() == 0;
    }

    @Override
    public synchronized HandshakeStatus getHandshakeStatus() {
        if (jdk != null) {
            return jdk.getHandshakeStatus();
        }
        if (conn == null && awaitingClientHello && !inboundClosed && !outboundClosed) {
            return HandshakeStatus.NEED_UNWRAP;
        }
        if (conn == null) {
            return HandshakeStatus.NOT_HANDSHAKING;
        }
        if (conn.availableOutput() > 0) {
            return HandshakeStatus.NEED_WRAP;
        }
        if (conn.keyLookupPending()) {
            return HandshakeStatus.NEED_TASK;
        }
        if (conn.isClosed() || conn.isHandshakeComplete()) {
            return HandshakeStatus.NOT_HANDSHAKING;
        }
        return HandshakeStatus.NEED_UNWRAP;
    }

    @Override
    public synchronized SSLSession getSession() {
        if (jdk != null) {
            return jdk.getSession();
        }
        return session;
    }

    @Override
    public synchronized SSLSession getHandshakeSession() {
        if (jdk != null) {
            return jdk.getHandshakeSession();
        }
        // During the handshake: a session without a peer yet (getPeerPrincipal throws) - no certificates
        // or negotiated values exist before the PSK handshake completes.
        return conn != null && conn.isHandshaking()
                ? SaefSSLSession.handshakeSession(getPeerHost(), getPeerPort(), conn.handshakeCipherSuite()) : null;
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
    public void setHandshakeApplicationProtocolSelector(BiFunction<SSLEngine, java.util.List<String>, String> selector) {
        settings.setHandshakeApplicationProtocolSelector(selector);
    }

    /** @return the application's selector, exactly as given (the JDK object holds an adapter to it) */
    @Override
    public BiFunction<SSLEngine, java.util.List<String>, String> getHandshakeApplicationProtocolSelector() {
        return settings.getHandshakeApplicationProtocolSelector();
    }

    @Override
    public synchronized String getApplicationProtocol() {
        if (jdk != null) {
            return jdk.getApplicationProtocol();
        }
        return conn != null && conn.isHandshakeComplete() ? conn.session().applicationProtocol() : null;
    }

    @Override
    public synchronized String getHandshakeApplicationProtocol() {
        if (jdk != null) {
            return jdk.getHandshakeApplicationProtocol();
        }
        return conn != null && conn.isHandshaking() ? conn.handshakeApplicationProtocol() : null;
    }

    @Override
    public String toString() {
        return "SaefSSLEngine[" + (clientMode() ? "client" : "server") + ", peer=" + getPeerHost() + ":"
                + getPeerPort() + ", " + session.getCipherSuite() + "]";
    }
}
