package dev.saef.jsse;

import dev.saef.protocol.ClientHelloInspector;
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
import org.bouncycastle.tls.ContentType;
import org.bouncycastle.tls.RecordPreview;

/**
 * The non-blocking PSK-SAEF transport: an {@link SSLEngine} over the protocol core
 * ({@link TlsConnection}). It only moves bytes between the application's buffers and the core:
 * {@code unwrap} consumes exactly one TLS record per call, {@code wrap} produces the pending
 * handshake flight (in one piece) or one record of application data. Delegated tasks are never
 * needed: PSK handshakes do no slow public-key work unless a DHE/ECDHE_PSK suite is chosen, and that
 * runs inline. Used by {@code java.net.http.HttpClient}, {@code HttpsServer}, Netty and Jetty.
 */
final class SaefSSLEngine extends SSLEngine {

    private final SaefContext context;
    private final SaefParameters params;
    private TlsConnection conn;
    /** Client peers without an association: the JDK's own engine, which then does all the work. */
    private volatile SSLEngine jdk; // read unlocked by getDelegatedTask (JDK tasks run on other threads)
    /** Server: the handshake has begun, but the ClientHello decides who runs it (SAEF or the JDK). */
    private boolean awaitingClientHello;
    private boolean inboundClosed;
    private boolean outboundClosed;
    private boolean finishedReported;
    private SaefSSLSession session;
    private BiFunction<SSLEngine, java.util.List<String>, String> alpnSelector;
    private byte[] scratch = new byte[SaefSSLSession.PACKET_BUFFER_SIZE];
    private final byte[] header = new byte[5];

    SaefSSLEngine(SaefContext context, String host, int port) {
        super(host, port);
        this.context = context;
        this.params = context.newParameters(false);
        this.session = SaefSSLSession.nullSession(host, port);
    }

    private void start() throws SSLException {
        BiFunction<SSLEngine, java.util.List<String>, String> selector = alpnSelector;
        conn = context.open(params.toSpec(getPeerHost(), getPeerPort(),
                selector == null ? null : offered -> selector.apply(this, offered)));
    }

    private void ensureStarted() throws SSLException {
        if (conn == null && jdk == null) {
            if (params.clientMode && context.delegatesToJdk(getPeerHost(), getPeerPort())) {
                jdk = context.jdkEngine(getPeerHost(), getPeerPort(), params);
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
            if (!params.clientMode && context.serverMayDelegate()) {
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
            if (!params.clientMode && context.serverMayDelegate()) {
                awaitingClientHello = true;
                return new SSLEngineResult(Status.OK, HandshakeStatus.NEED_UNWRAP, 0, 0);
            }
            ensureStarted();
        }
        if (jdk != null) {
            return jdk.wrap(srcs, offset, length, dst);
        }
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
        RecordPreview preview = conn.previewOutputRecord(chunk);
        if (dst.remaining() < preview.getRecordSize()) {
            return result(Status.BUFFER_OVERFLOW, 0, 0);
        }
        ByteBuffer first = firstWithData(srcs, offset, length);
        if (first.hasArray() && first.remaining() >= chunk) {
            // BC copies the plaintext into its own record buffer and never writes to ours: no gather copy
            int pos = first.position();
            conn.writeApplicationData(first.array(), first.arrayOffset() + pos, chunk);
            first.position(pos + chunk);
        } else {
            byte[] plain = scratch(chunk);
            gather(srcs, offset, length, plain, chunk);
            try {
                conn.writeApplicationData(plain, 0, chunk);
            } finally {
                Arrays.fill(plain, 0, chunk, (byte) 0);
            }
        }
        int n = conn.readOutput(dst, conn.availableOutput());
        session.touch();
        return result(Status.OK, chunk, n);
    }

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
            if (!params.clientMode && context.serverMayDelegate()) {
                awaitingClientHello = true;
                int n = Math.min(src.remaining(), scratch.length);
                for (int i = 0; i < n; i++) {
                    scratch[i] = src.get(src.position() + i);
                }
                ClientHelloInspector.Verdict v = ClientHelloInspector.inspect(scratch, 0, n);
                if (v == ClientHelloInspector.Verdict.NEED_MORE) {
                    return new SSLEngineResult(Status.BUFFER_UNDERFLOW, HandshakeStatus.NEED_UNWRAP, 0, 0);
                }
                awaitingClientHello = false;
                if (v == ClientHelloInspector.Verdict.NO_PSK) {
                    jdk = context.jdkServerEngine(getPeerHost(), getPeerPort(), params);
                    BiFunction<SSLEngine, java.util.List<String>, String> selector = alpnSelector;
                    if (selector != null) {
                        jdk.setHandshakeApplicationProtocolSelector((e, offered) -> selector.apply(this, offered));
                    }
                    jdk.beginHandshake();
                    return jdk.unwrap(src, dsts, offset, length);
                }
            }
            ensureStarted();
        }
        if (jdk != null) {
            return jdk.unwrap(src, dsts, offset, length);
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
        RecordPreview preview = conn.previewInputRecord(header);
        int size = preview.getRecordSize();
        if (src.remaining() < size) {
            return result(Status.BUFFER_UNDERFLOW, 0, 0);
        }
        if (header[0] == ContentType.application_data
                && remaining(dsts, offset, length) < preview.getContentLimit()) {
            return result(Status.BUFFER_OVERFLOW, 0, 0);
        }
        byte[] record = scratch(size);
        src.get(record, 0, size);
        try {
            conn.offerInput(record, 0, size);
        } finally {
            Arrays.fill(record, 0, size, (byte) 0); // BC decrypts in place: no plaintext left behind
        }
        int produced = scatter(dsts, offset, length);
        if (produced > 0) {
            session.touch();
        }
        Status status = conn.isClosed() && conn.availableInput() == 0 ? Status.CLOSED : Status.OK;
        return result(status, size, produced);
    }

    private Status outboundDoneStatus() {
        return (outboundClosed || conn.isClosed()) ? Status.CLOSED : Status.OK;
    }

    private SSLEngineResult result(Status status, int consumed, int produced) {
        HandshakeStatus hs = getHandshakeStatus();
        if (conn != null && conn.isHandshakeComplete() && !finishedReported && conn.availableOutput() == 0) {
            finishedReported = true;
            session = context.session(conn, getPeerHost(), getPeerPort(), params.clientMode);
            hs = HandshakeStatus.FINISHED;
        }
        return new SSLEngineResult(status, hs, consumed, produced);
    }

    private byte[] scratch(int size) {
        if (scratch.length < size) {
            scratch = new byte[size];
        }
        return scratch;
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

    @Override
    public Runnable getDelegatedTask() {
        SSLEngine j = jdk;
        return j != null ? j.getDelegatedTask() : null;
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

    @Override
    public String[] getSupportedCipherSuites() {
        if (jdk != null) {
            return jdk.getSupportedCipherSuites();
        }
        return params.profile().supportedNames();
    }

    @Override
    public synchronized String[] getEnabledCipherSuites() {
        if (jdk != null) {
            return jdk.getEnabledCipherSuites();
        }
        return params.enabledSuiteNames();
    }

    @Override
    public synchronized void setEnabledCipherSuites(String[] suites) {
        if (jdk != null) {
            jdk.setEnabledCipherSuites(suites);
            return;
        }
        params.setEnabledCipherSuites(suites);
    }

    @Override
    public String[] getSupportedProtocols() {
        if (jdk != null) {
            return jdk.getSupportedProtocols();
        }
        return new String[] {dev.saef.profile.SuiteProfile.TLS_V12};
    }

    @Override
    public synchronized String[] getEnabledProtocols() {
        if (jdk != null) {
            return jdk.getEnabledProtocols();
        }
        return params.protocols.clone();
    }

    @Override
    public synchronized void setEnabledProtocols(String[] protocols) {
        if (jdk != null) {
            jdk.setEnabledProtocols(protocols);
            return;
        }
        params.setEnabledProtocols(protocols);
    }

    @Override
    public synchronized void setUseClientMode(boolean mode) {
        if (jdk != null) {
            jdk.setUseClientMode(mode);
            return;
        }
        if (conn != null) {
            throw new IllegalArgumentException("cannot change client/server mode after the handshake started");
        }
        params.clientMode = mode;
    }

    @Override
    public synchronized boolean getUseClientMode() {
        if (jdk != null) {
            return jdk.getUseClientMode();
        }
        return params.clientMode;
    }

    @Override
    public synchronized void setNeedClientAuth(boolean need) {
        if (jdk != null) {
            jdk.setNeedClientAuth(need);
            return;
        }
        params.setNeedClientAuth(need);
    }

    @Override
    public synchronized boolean getNeedClientAuth() {
        if (jdk != null) {
            return jdk.getNeedClientAuth();
        }
        return params.needClientAuth;
    }

    @Override
    public synchronized void setWantClientAuth(boolean want) {
        if (jdk != null) {
            jdk.setWantClientAuth(want);
            return;
        }
        params.setWantClientAuth(want);
    }

    @Override
    public synchronized boolean getWantClientAuth() {
        if (jdk != null) {
            return jdk.getWantClientAuth();
        }
        return params.wantClientAuth;
    }

    @Override
    public synchronized void setEnableSessionCreation(boolean flag) {
        if (jdk != null) {
            jdk.setEnableSessionCreation(flag);
            return;
        }
        params.enableSessionCreation = flag;
    }

    @Override
    public synchronized boolean getEnableSessionCreation() {
        if (jdk != null) {
            return jdk.getEnableSessionCreation();
        }
        return params.enableSessionCreation;
    }

    @Override
    public synchronized SSLParameters getSSLParameters() {
        if (jdk != null) {
            return jdk.getSSLParameters();
        }
        return params.toSSLParameters();
    }

    @Override
    public synchronized void setSSLParameters(SSLParameters p) {
        if (jdk != null) {
            jdk.setSSLParameters(p);
            return;
        }
        params.apply(p);
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
    public synchronized void setHandshakeApplicationProtocolSelector(
            BiFunction<SSLEngine, java.util.List<String>, String> selector) {
        if (jdk != null) {
            jdk.setHandshakeApplicationProtocolSelector(selector);
        }
        this.alpnSelector = selector;
    }

    @Override
    public synchronized BiFunction<SSLEngine, java.util.List<String>, String> getHandshakeApplicationProtocolSelector() {
        return alpnSelector;
    }

    @Override
    public String toString() {
        return "SaefSSLEngine[" + (params.clientMode ? "client" : "server") + ", peer=" + getPeerHost() + ":"
                + getPeerPort() + ", " + session.getCipherSuite() + "]";
    }
}
