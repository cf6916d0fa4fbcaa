package dev.saef.protocol;

import dev.saef.crypto.RecordBuffers;
import java.io.IOException;
import java.nio.ByteBuffer;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import org.bouncycastle.tls.DTLSClientProtocol;
import org.bouncycastle.tls.DTLSRequest;
import org.bouncycastle.tls.DTLSServerProtocol;
import org.bouncycastle.tls.DTLSTransport;
import org.bouncycastle.tls.TlsContext;
import org.bouncycastle.tls.TlsTimeoutException;

/**
 * The protocol core of one PSK-SAEF DTLS 1.2 association (TS-0003 clauses 8.2.2.1, 10.2.1,
 * 10.2.2) over Bouncy Castle's DTLS: the same policy, association choice and binding as
 * {@link TlsConnection} ({@link SaefTlsClient}/{@link SaefTlsServer} in DTLS mode,
 * {@link ClientAssociations}, {@link SessionBinding}), with datagrams in place of a byte stream.
 *
 * <p>Bouncy Castle's DTLS handshake is blocking; it runs on a thread of the context's bounded pool
 * ({@link DtlsHandshakes}) over a {@link DatagramQueue} that the transport feeds one datagram at a
 * time ({@link #offerDatagram}) and drains one datagram at a time ({@link #pollDatagram}). No call
 * of this class waits for that thread except {@link #awaitHandshakeStep()}, which the engine hands
 * out as its delegated task while {@link #handshakeBusy()}: an event loop that calls
 * {@code wrap}/{@code unwrap} is never blocked by the handshake. The handshake ends, and frees its
 * thread, at {@link SaefPolicy#dtlsHandshakeTimeoutMillis()} at the latest. A server
 * first answers ClientHellos statelessly with a HelloVerifyRequest (RFC 6347 section 4.2.1) and
 * starts a handshake, and a thread, only for a ClientHello with a valid cookie. Once established,
 * records are protected and unprotected on the caller's thread: the association holds no thread.
 * Datagrams that cannot be valid are dropped silently ({@link DatagramFilter}), as is every record
 * that fails authentication (RFC 6347 section 4.1.2.7).
 *
 * <p>Not thread-safe: the transport serialises calls (the engine holds a lock); the handshake thread
 * and the caller meet only in the {@link DatagramQueue}.
 */
public final class DtlsConnection {

    /** The protocol name of DTLS sessions. */
    public static final String PROTOCOL = "DTLSv1.2";
    /**
     * How long one delegated task ({@link #awaitHandshakeStep()}) waits for the handshake thread; when
     * it is still busy then, the engine asks for another task.
     */
    static final long MAX_TASK_WAIT_MILLIS = 10_000;

    /** What one received datagram turned into. */
    public enum Received {
        /** dropped: not a valid record for this association (silently, RFC 6347 section 4.1.2.7) */
        DROPPED,
        /** handed to the handshake (its reply, if any, waits in the output) */
        HANDSHAKE,
        /** application data, copied into the destination */
        DATA,
        /** the peer's close_notify */
        CLOSED
    }

    private final SaefPolicy policy;
    private final ConnectionSpec spec;
    private final DtlsHandshakes handshakes;
    private final DatagramQueue queue;
    private final HandshakeState state = new HandshakeState();
    private final byte[] clientId;
    private java.util.function.Supplier<TlsContext> contextOfPeer;
    private boolean started;
    /** Set by the handshake thread before {@link DatagramQueue#handshakeEnded}, read after it. */
    private volatile DTLSTransport transport;
    private volatile SSLException failure;
    private volatile boolean closed;
    /** Why the transport's own handshake limit ended the handshake ({@link #closeTimedOut}), or null. */
    private volatile String transportTimeout;
    /** RFC 9146 section 6: the last datagram held a record that authenticated, was the newest, and used the ID. */
    private boolean newestWithConnectionId;
    private final org.bouncycastle.tls.DTLSRecordCallback recordCallback = flags -> {
        if ((flags & org.bouncycastle.tls.DTLSRecordFlags.IS_NEWEST) != 0
                && (flags & org.bouncycastle.tls.DTLSRecordFlags.USES_CONNECTION_ID) != 0) {
            newestWithConnectionId = true;
        }
    };

    private DtlsConnection(SaefPolicy policy, ConnectionSpec spec, DtlsHandshakes handshakes, int packetSize,
            byte[] clientId) {
        this.policy = policy;
        this.spec = spec;
        this.handshakes = handshakes;
        this.queue = new DatagramQueue(packetSize, handshakes.budget());
        this.clientId = clientId == null ? new byte[0] : clientId.clone();
    }

    /**
     * Creates a connection. A client chooses its association and reads the Kpsa at once, and starts
     * its handshake on a pool thread (the ClientHello is queued soon after this returns, see
     * {@link #handshakeBusy()}); a server waits for a ClientHello.
     *
     * @param packetSize the largest datagram sent or accepted (the engine's maximum packet size)
     * @param clientId server: the client's address, bound into the cookie (may be empty)
     * @throws SSLHandshakeException when a client has no usable association for the peer
     */
    public static DtlsConnection start(SaefPolicy policy, ConnectionSpec spec, DtlsHandshakes handshakes,
            int packetSize, byte[] clientId) throws SSLException {
        if (spec.suites().isEmpty()) {
            throw new SSLHandshakeException("no cipher suite is enabled; enable at least "
                    + dev.saef.profile.SuiteProfile.DTLS_MANDATORY);
        }
        DtlsConnection c = new DtlsConnection(policy, spec, handshakes, packetSize, clientId);
        DebugLog.log((spec.clientMode() ? "client" : "server") + " DTLS handshake starting, peer " + spec.peerHost()
                + ":" + spec.peerPort() + ", suites " + spec.suites().size());
        if (spec.clientMode()) {
            try {
                ClientAssociations.choose(policy, spec, c.state);
            } catch (SSLHandshakeException e) {
                c.failure = e;
                c.record(HandshakeOutcome.INTERNAL_ERROR, e.getMessage());
                throw e;
            }
            SaefTlsClient client = new SaefTlsClient(policy, spec, c.state, c::bind, true);
            c.contextOfPeer = client::getContextForConnection;
            c.launch(() -> new DTLSClientProtocol().connect(client, c.queue));
        }
        return c;
    }

    @FunctionalInterface
    private interface Handshake {
        DTLSTransport run() throws IOException;
    }

    private void launch(Handshake h) throws SSLException {
        started = true;
        boolean accepted = handshakes.submit(() -> {
            try {
                transport = h.run(); // visible as established only once the queue has ended too
                queue.handshakeEnded(true);
            } catch (IOException | RuntimeException e) {
                IOException io = e instanceof IOException x ? x : new IOException(e);
                state.zeroKey();
                state.forgetClientRandom(policy.reflectionGuard());
                if (closed && transportTimeout != null) {
                    // the transport's own handshake limit (say DtlsServer's) ended it: a timeout like ours
                    SSLException x = recordFailure(new SSLHandshakeException(transportTimeout));
                    record(HandshakeOutcome.TIMEOUT, x.getMessage());
                    queue.handshakeEnded(false);
                    return;
                }
                if (closed && !(io instanceof TlsTimeoutException)) {
                    // the application closed the engine (close()) during the handshake: it ended it, nothing
                    // failed. Not the queue's own flag: Bouncy Castle closes the queue too when it fails.
                    DebugLog.log("DTLS handshake ended: the SSLEngine was closed during it");
                    recordFailure(new SSLException("the SSLEngine was closed during the DTLS handshake", io));
                    queue.handshakeEnded(false);
                    return;
                }
                HandshakeOutcome o = io instanceof TlsTimeoutException ? HandshakeOutcome.TIMEOUT
                        : HandshakeFailures.outcome(io, spec.clientMode(), state, spec);
                SSLException x = recordFailure(io instanceof TlsTimeoutException ? timedOut(io)
                        : HandshakeFailures.translate(io, spec.clientMode(), true, state, spec,
                                policy.keyManager().describe()));
                record(o, x.getMessage());
                queue.handshakeEnded(false);
            }
        });
        if (!accepted) {
            state.zeroKey();
            SSLException x = recordFailure(new SSLHandshakeException("too many DTLS handshakes in progress in this"
                    + " SSLContext (" + handshakes.maxThreads() + " running, " + DtlsHandshakes.MAX_QUEUED
                    + " waiting); try again, or raise saef.dtls.handshakeThreads"));
            record(HandshakeOutcome.INTERNAL_ERROR, x.getMessage());
            queue.close();
            throw x;
        }
    }

    /** @return the record layer once the handshake completed and its thread let go of the queue, else null */
    private DTLSTransport established() {
        DTLSTransport t = transport;
        return t != null && queue.ended() ? t : null;
    }

    /**
     * A DTLS handshake that timed out. DTLS peers drop records they cannot authenticate (RFC 6347
     * section 4.1.2.7), so a Kpsa that differs between the two sides shows as silence after the key
     * exchange, not as an alert: the message says so when the peer answered the first flights.
     */
    private SSLHandshakeException timedOut(IOException cause) {
        TlsContext c = contextOfPeer == null ? null : contextOfPeer.get();
        boolean keyExchangeReached = c != null && c.getSecurityParametersHandshake() != null
                && c.getSecurityParametersHandshake().getCipherSuite() > 0;
        String kpsaId = state.association != null ? state.association.kpsaId().toString() : state.offeredIdentity;
        String limit = "after " + policy.dtlsHandshakeTimeoutMillis() + " ms (" + SaefPolicy.DTLS_HANDSHAKE_TIMEOUT_PROPERTY
                + ")";
        String text;
        if (!keyExchangeReached) {
            text = "DTLS handshake timed out " + limit + ": no answer from the " + (spec.clientMode() ? "server" : "client")
                    + " " + spec.peerHost() + ":" + spec.peerPort() + "; check that it runs DTLS 1.2 there and that"
                    + " datagrams get through";
        } else if (spec.clientMode()) {
            text = "DTLS handshake timed out " + limit + ": the server answered our ClientHello but never our Finished"
                    + " message; a DTLS server drops records it cannot authenticate, so the likely cause is that it does"
                    + " not hold our Kpsa for KpsaID " + kpsaId + " (a different Kpsa, or an unknown KpsaID it hides);"
                    + " provision the same KpsaID and Kpsa on both sides (TS-0003 clause 8.2.2.1)";
        } else {
            text = "DTLS handshake timed out " + limit + ": the client's Finished message never verified; the likely"
                    + " cause is that the client used a different Kpsa for KpsaID " + kpsaId
                    + (state.unknownIdentity ? " (unknown here, answered as for a wrong Kpsa)" : "")
                    + "; provision the same KpsaID and Kpsa on both sides (TS-0003 clause 8.2.2.1)";
        }
        SSLHandshakeException x = new SSLHandshakeException(text);
        x.initCause(cause);
        return x;
    }

    private SSLException recordFailure(SSLException x) {
        if (failure == null) {
            failure = x;
            DebugLog.log((spec.clientMode() ? "client" : "server") + " DTLS connection failed: " + x.getMessage());
        }
        return failure;
    }

    /** Called on the handshake thread when Bouncy Castle reports the handshake complete (clause 8.2.2.1). */
    private void bind() {
        state.zeroKey();
        state.forgetClientRandom(policy.reflectionGuard());
        SessionBinding.bind(policy, spec, state, contextOfPeer.get(), PROTOCOL);
        record(HandshakeOutcome.FULL, state.session == null ? null : state.session.cipherSuite());
    }

    /** Counts and logs how this association's handshake ended ({@link HandshakeStats}). */
    private void record(HandshakeOutcome o, String detail) {
        policy.handshakeStats().record(o, spec.clientMode(), spec.peerHost() + ":" + spec.peerPort(),
                HandshakeFailures.kpsaIdForLog(state), detail);
    }

    /**
     * Takes one received datagram; never waits for the handshake thread. During the handshake it is
     * queued for that thread (a server without a handshake first checks its cookie, and starts the
     * handshake on a valid one); afterwards its record is unprotected here and application data
     * copied into {@code dst}.
     *
     * @param dst where application data goes; must hold {@code len} bytes
     * @throws SSLException when the association failed (a fatal alert, received or sent)
     */
    public Received offerDatagram(byte[] d, int off, int len, ByteBuffer dst) throws SSLException {
        if (failure != null) {
            throw failure;
        }
        newestWithConnectionId = false;
        // RFC 9146: records to us carry the ID we chose, of our length (our Finished already does)
        if (!DatagramFilter.acceptable(d, off, len, policy.connectionIdLength())) {
            DebugLog.log("DTLS datagram of " + len + " bytes dropped: not a valid record or over the limits");
            return Received.DROPPED;
        }
        DTLSTransport t = established();
        if (t == null) {
            return offerHandshake(d, off, len);
        }
        if (closed) {
            return Received.DROPPED;
        }
        // Room for the largest record a datagram can hold. Not t.getReceiveLimit(): that follows the
        // datagram waiting in the queue (DatagramQueue#getReceiveLimit), which may be an older, smaller
        // one than the record this call decrypts (Bouncy Castle then fails with internal_error).
        int limit = queue.packetSize();
        queue.offer(java.util.Arrays.copyOfRange(d, off, off + len));
        // borrowed for this datagram only: an idle association holds no record-sized buffer
        byte[] receiveBuffer = RecordBuffers.borrow(limit);
        try {
            int n = t.receive(receiveBuffer, 0, limit, 0, recordCallback); // never waits: NoDatagram ends it
            if (n >= 0) {
                // one datagram may carry several records (RFC 6347 section 4.1.1): take them all
                do {
                    dst.put(receiveBuffer, 0, n);
                    java.util.Arrays.fill(receiveBuffer, 0, n, (byte) 0);
                    n = t.receivePending(receiveBuffer, 0, Math.min(limit, dst.remaining()), recordCallback);
                } while (n >= 0);
                return Received.DATA;
            }
        } catch (DatagramQueue.NoDatagram e) {
            // the datagram held no application data (dropped, or a handshake retransmission answered)
        } catch (IOException e) {
            throw recordFailure(translate(e));
        } finally {
            RecordBuffers.release(receiveBuffer, limit);
        }
        if (state.closeNotifyReceived) {
            closed = true;
            return Received.CLOSED;
        }
        return Received.DROPPED;
    }

    private Received offerHandshake(byte[] d, int off, int len) throws SSLException {
        if (!spec.clientMode() && !started) {
            DTLSRequest request = handshakes.verifier().verifyRequest(clientId, d, off, len, queue);
            if (request == null) {
                return Received.HANDSHAKE; // a HelloVerifyRequest is queued, or the datagram was no ClientHello
            }
            SaefTlsServer server = new SaefTlsServer(policy, spec, state, this::bind, true);
            contextOfPeer = server::getContextForConnection;
            launch(() -> new DTLSServerProtocol().accept(server, queue, request));
            return Received.HANDSHAKE;
        }
        if (failure != null && queue.nextOutputSize() < 0) {
            throw failure;
        }
        // One record at a time (RFC 6347 section 4.1.1 lets a datagram carry several): Bouncy Castle 1.84
        // discards a whole datagram whose FIRST record is not of its current read epoch, so a client's
        // final flight resent as one datagram [ClientKeyExchange, ChangeCipherSpec (epoch 0), Finished
        // (epoch 1)] to a server that already read the ChangeCipherSpec lost the Finished with it, every
        // time, until a resend happened to arrive split (the lossy-link trace, seed 8127618651892325736).
        boolean accepted = false;
        int cidLength = policy.connectionIdLength();
        for (int p = off, end = off + len; p < end;) {
            int n = DatagramFilter.recordLength(d, p, cidLength);
            accepted |= queue.offer(java.util.Arrays.copyOfRange(d, p, p + n));
            p += n;
        }
        if (!accepted) {
            DebugLog.log("DTLS handshake datagram of " + len + " bytes dropped: the handshake's queue or memory budget"
                    + " is full (saef.dtls.peerHandshakeMemory, saef.dtls.handshakeMemory)");
            return Received.DROPPED;
        }
        if (failure != null && queue.nextOutputSize() < 0) {
            throw failure;
        }
        return Received.HANDSHAKE;
    }

    private SSLException translate(IOException e) {
        return HandshakeFailures.translate(e, spec.clientMode(), false, state, spec, policy.keyManager().describe());
    }

    /**
     * Waits, at most {@value #MAX_TASK_WAIT_MILLIS} ms, until the handshake thread has dealt with what
     * it was given and waits for the peer, or has ended: the engine's delegated task. Safe from any
     * thread; holds no lock of the engine while it waits.
     */
    public void awaitHandshakeStep() {
        queue.awaitIdle(MAX_TASK_WAIT_MILLIS);
    }

    /** @return received bytes waiting for the handshake thread (charged to the handshake memory budgets) */
    public long pendingHandshakeBytes() {
        return queue.pendingBytes();
    }

    /** @return the most received bytes that ever waited for this association's handshake thread at once */
    public long peakPendingHandshakeBytes() {
        return queue.peakPendingBytes();
    }

    /** @return the size of the next datagram to send, or -1 when there is none */
    public int nextDatagramSize() {
        return queue.nextOutputSize();
    }

    /** Moves the next datagram to send into {@code dst}, which must have room for it; @return its size or 0 */
    public int pollDatagram(ByteBuffer dst) {
        byte[] d = queue.pollOutput();
        if (d == null) {
            return 0;
        }
        dst.put(d);
        return d.length;
    }

    /**
     * Retransmission on the application's request ({@code wrap} after its receive timed out): queues
     * the last flight again when the handshake waits for the peer and nothing is waiting to be sent.
     *
     * @return true when datagrams were queued
     */
    public boolean retransmit() {
        return queue.replayLastFlight();
    }

    /** @return the most plaintext one datagram can carry, or 0 before the handshake completed */
    public int applicationDataLimit() {
        DTLSTransport t = established();
        try {
            return t == null ? 0 : t.getSendLimit();
        } catch (IOException e) {
            return 0;
        }
    }

    /** Protects {@code len} bytes (at most {@link #applicationDataLimit()}) as one record, one datagram. */
    public void writeApplicationData(byte[] buf, int off, int len) throws SSLException {
        if (failure != null) {
            throw failure;
        }
        DTLSTransport t = established();
        if (t == null) {
            throw new SSLException("the DTLS handshake has not completed");
        }
        try {
            t.send(buf, off, len);
        } catch (IOException e) {
            throw recordFailure(translate(e));
        }
    }

    /**
     * @return true while the handshake thread works (starting, on received datagrams, on its
     *     retransmission timer, finishing) and its answer is not ready: the engine's {@code NEED_TASK}
     */
    public boolean handshakeBusy() {
        return started && established() == null && failure == null && !closed && queue.busy();
    }

    /** @return true while the handshake has not completed nor failed */
    public boolean isHandshaking() {
        return established() == null && failure == null && !closed;
    }

    /** @return true once the handshake completed and the session is bound */
    public boolean isHandshakeComplete() {
        return established() != null && state.session != null;
    }

    /** @return the bound session, or null */
    public SessionInfo session() {
        return established() != null ? state.session : null;
    }

    /** @return the failure that ended this association, if any; safe from any thread */
    public SSLException failure() {
        return failure;
    }

    /**
     * @return the RFC 9146 connection ID the peer puts in the records it sends us, or null when none
     *     was negotiated or the handshake has not completed
     */
    public byte[] connectionIdReceived() {
        if (transport == null || contextOfPeer == null) {
            return null;
        }
        TlsContext c = contextOfPeer.get();
        org.bouncycastle.tls.SecurityParameters sp = c == null ? null : c.getSecurityParametersConnection();
        byte[] id = sp == null ? null : sp.getConnectionIDPeer();
        return id == null || id.length == 0 ? null : id.clone();
    }

    /**
     * @return whether the last datagram given to {@link #offerDatagram} held a record that authenticated,
     *     is newer than every record received before, and carried our connection ID: the condition under
     *     which RFC 9146 section 6 lets a server send to the datagram's source address from then on
     */
    public boolean lastDatagramNewestWithConnectionId() {
        return newestWithConnectionId;
    }

    /** @return true once the peer's close_notify arrived */
    public boolean closeNotifyReceived() {
        return state.closeNotifyReceived;
    }

    /**
     * Ends a handshake in progress because the transport's own handshake time limit ran out (a server
     * endpoint that drops peers whose handshake takes too long): counted and logged as
     * {@link HandshakeOutcome#TIMEOUT}, where {@link #close()} by the application counts nothing.
     * Established, or not started: as {@link #close()}.
     *
     * @param why the limit and its setting, for the log (no secrets)
     */
    public void closeTimedOut(String why) {
        if (started && !closed && established() == null && failure == null) {
            transportTimeout = why;
        }
        close();
    }

    /** Queues close_notify when established, ends a handshake in progress; idempotent. */
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        state.zeroKey();
        DTLSTransport t = established();
        if (t != null) {
            try {
                t.close();
            } catch (IOException e) {
                // only queues the alert
            }
        } else {
            queue.close();
        }
    }
}
