package dev.saef.protocol;

import dev.saef.crypto.RecordScratch;
import dev.saef.identity.SaefPrincipal;
import dev.saef.keys.Association;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.Principal;
import java.util.ArrayList;
import java.util.List;
import java.util.Vector;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLKeyException;
import org.bouncycastle.tls.NameType;
import org.bouncycastle.tls.RecordPreview;
import org.bouncycastle.tls.SecurityParameters;
import org.bouncycastle.tls.ServerName;
import org.bouncycastle.tls.SessionParameters;
import org.bouncycastle.tls.TlsContext;
import org.bouncycastle.tls.TlsProtocol;
import org.bouncycastle.tls.TlsSession;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.crypto.TlsSecret;

/**
 * The protocol core: one PSK-SAEF TLS 1.2 connection over Bouncy Castle's non-blocking
 * {@link TlsProtocol}. Every transport (the {@code SSLEngine}, the {@code SSLSocket}) drives this
 * class and only moves bytes; all policy - association choice, keys, suites, binding of the session
 * to an identity (TS-0003 clause 8.2.2.1) and error explanation - lives here and in the peers.
 *
 * <p>Callers serialise access (the engine and socket hold a lock). The methods that can add to or
 * take from Bouncy Castle's outgoing queue also hold this object's lock, which is all that
 * {@link IdleOutputRelease}'s sweep takes to release an idle connection's queue.
 */
public final class TlsConnection {

    private final SaefPolicy policy;
    private final ConnectionSpec spec;
    private final TlsProtocol protocol;
    /** Output of at least this many octets has grown Bouncy Castle's outgoing queue to record size. */
    private static final int RECORD_SIZED = 4096;
    /** {@code System.nanoTime()} of the last drained output of record size; guarded by this. */
    private long lastLargeOutput;
    /** Whether {@link IdleOutputRelease} watches this connection; guarded by this. */
    private boolean idleWatched;
    private final HandshakeState state = new HandshakeState();
    private TlsContext context;
    /** Written under the caller's lock; volatile so that sessions can ask from any thread. */
    private volatile SSLException failure;
    /** The association the session was bound to, with its fingerprint; set once, read from any thread. */
    private volatile Binding binding;

    /**
     * Server over a key manager whose lookups may block, on a transport with delegated tasks (an
     * {@code SSLEngine}): the lookups run as tasks ({@link #keyLookupTask()}); else null (in place).
     */
    private final DeferredKeyLookup deferred;

    /** What {@link #associationCurrent()} checks; no key material. */
    private record Binding(Association association, byte[] fingerprint) {
    }

    private TlsConnection(SaefPolicy policy, ConnectionSpec spec, boolean delegatedTasks) {
        this.policy = policy;
        this.spec = spec;
        this.protocol = spec.clientMode() ? new SaefClientProtocol() : new SaefServerProtocol();
        this.deferred = !spec.clientMode() && delegatedTasks && lookupsMayBlock(policy)
                ? new DeferredKeyLookup(policy) : null;
        state.prefetched = deferred;
    }

    /** A key manager that cannot tell whether its lookups block is treated as one that may: a task is always safe. */
    private static boolean lookupsMayBlock(SaefPolicy policy) {
        try {
            return policy.keyManager().lookupsMayBlock();
        } catch (RuntimeException e) {
            return true;
        }
    }

    /**
     * Starts a handshake. For a client this chooses the association for the peer, fetches its Kpsa
     * and queues the ClientHello; for a server it waits for the ClientHello.
     *
     * @throws SSLHandshakeException when the client has no usable association for the peer
     */
    public static TlsConnection start(SaefPolicy policy, ConnectionSpec spec) throws SSLException {
        return start(policy, spec, false);
    }

    /**
     * Starts a handshake, as {@link #start(SaefPolicy, ConnectionSpec)}, on a transport that can run
     * delegated tasks (an {@code SSLEngine}): a server whose key manager's lookups may block
     * ({@link dev.saef.keys.PskKeyManager#lookupsMayBlock()}) then looks keys up in tasks
     * ({@link #keyLookupPending()}, {@link #keyLookupTask()}, {@link #resumeAfterKeyLookup()}).
     *
     * @param delegatedTasks whether the transport runs {@link #keyLookupTask()}s
     * @throws SSLHandshakeException when the client has no usable association for the peer
     */
    public static TlsConnection start(SaefPolicy policy, ConnectionSpec spec, boolean delegatedTasks)
            throws SSLException {
        DebugLog.log((spec.clientMode() ? "client" : "server") + " handshake starting, peer " + spec.peerHost() + ":"
                + spec.peerPort() + ", suites " + spec.suites().size());
        TlsConnection c = new TlsConnection(policy, spec, delegatedTasks);
        c.begin();
        return c;
    }

    private void begin() throws SSLException {
        if (spec.suites().isEmpty()) {
            throw new SSLHandshakeException("no cipher suite is enabled; enable at least "
                    + dev.saef.profile.SuiteProfile.TLS_MANDATORY);
        }
        try {
            if (spec.clientMode()) {
                try {
                    ClientAssociations.choose(policy, spec, state);
                    pickSessionToResume(state.association, state.clientKey);
                } catch (SSLHandshakeException e) {
                    failure = e;
                    DebugLog.log("client connection failed: " + e.getMessage());
                    record(HandshakeOutcome.INTERNAL_ERROR, e.getMessage());
                    throw e;
                }
                SaefTlsClient client = new SaefTlsClient(policy, spec, state, this::bind, false);
                ((SaefClientProtocol) protocol).connect(client);
                this.context = client.getContextForConnection();
                recordClientRandom();
            } else {
                SaefTlsServer server = new SaefTlsServer(policy, spec, state, this::bind, false);
                ((SaefServerProtocol) protocol).accept(server);
                this.context = server.getContextForConnection();
            }
        } catch (IOException e) {
            throw fail(e);
        }
    }

    /** Reflection check: this context's servers refuse our ClientHello until our handshake ends. */
    private void recordClientRandom() {
        ReflectionGuard guard = policy.reflectionGuard();
        SecurityParameters sp = context == null ? null : context.getSecurityParametersHandshake();
        if (sp != null) {
            state.recordClientRandom(guard, sp.getClientRandom());
        }
    }

    /** The client handshake ended (completed, failed or closed): it can no longer be reflected. */
    private void forgetClientRandom() {
        state.forgetClientRandom(policy.reflectionGuard());
    }

    /**
     * Client: the session last established with this peer (host and port) over this association, when
     * its association and Kpsa are unchanged (same fingerprint, compared in constant time), it used the
     * extended master secret (RFC 7627 section 5.3) and its suite is enabled. A session whose
     * association or Kpsa changed is dropped: it is never offered again.
     */
    private void pickSessionToResume(Association a, byte[] kpsa) {
        SessionCache cache = policy.clientSessionCache();
        state.kpsaFingerprint = cache.fingerprint(a, kpsa);
        CachedSession s = cache.forPeer(SessionCache.peerKey(spec.peerHost(), spec.peerPort(), a));
        if (s == null) {
            return;
        }
        if (!SessionCache.sameFingerprint(s.fingerprint(), state.kpsaFingerprint)) {
            DebugLog.log("client: session with KpsaID " + a.kpsaId() + " not offered: its association or Kpsa"
                    + " was replaced");
            s.invalidate();
            return;
        }
        boolean enabled = spec.suites().stream().anyMatch(x -> x.code() == s.cipherSuite());
        if (enabled && s.info().extendedMasterSecret()) {
            state.resumeCandidate = s;
        }
    }

    /** Called by the peer when BC reports the handshake complete: bind the session (clause 8.2.2.1). */
    private void bind() {
        state.zeroKey();
        if (deferred != null) {
            deferred.close(); // a lookup BC did not use (a resumption it declined) leaves no key behind
        }
        forgetClientRandom();
        SecurityParameters sp = context.getSecurityParametersConnection();
        if (sp.isResumedSession()) {
            if (state.unknownIdentity) {
                throw new IllegalStateException("handshake completed with an unknown PSK identity");
            }
            bindResumed(sp);
        } else {
            SessionBinding.bind(policy, spec, state, context, "TLSv1.2");
            cacheSession(state.association);
        }
        this.binding = new Binding(state.association, state.fingerprint);
        record(sp.isResumedSession() ? HandshakeOutcome.RESUMED : HandshakeOutcome.FULL,
                state.session == null ? null : state.session.cipherSuite());
        state.handshakeDone();
    }

    /** Counts and logs how this connection's handshake ended ({@link HandshakeStats}). */
    private void record(HandshakeOutcome o, String detail) {
        policy.handshakeStats().record(o, spec.clientMode(), spec.peerHost() + ":" + spec.peerPort(),
                HandshakeFailures.kpsaIdForLog(state), detail);
    }

    /**
     * The transport gave up waiting for the peer ({@code saef.handshakeTimeout}): the handshake ends
     * with {@code x}, counted as {@link HandshakeOutcome#TIMEOUT}. Ignored once the connection failed
     * or completed its handshake.
     */
    public void timedOut(SSLException x) {
        if (failure == null && state.session == null) {
            failure = x;
            state.zeroKey();
            if (deferred != null) {
                deferred.close();
            }
            forgetClientRandom();
            record(HandshakeOutcome.TIMEOUT, x.getMessage());
        }
    }

    /** The SNI names sent (client) or received (server) on this connection. */
    private List<SNIServerName> serverNames(SecurityParameters sp) {
        if (!spec.clientMode()) {
            return SessionBinding.receivedServerNames(sp);
        }
        List<SNIServerName> sni = new ArrayList<>();
        Vector<?> sent = sp.getClientServerNames();
        if (sent != null) {
            for (Object o : sent) {
                ServerName n = (ServerName) o;
                if (n.getNameType() == NameType.host_name) {
                    sni.add(new SNIHostName(n.getNameData()));
                }
            }
        }
        return sni;
    }

    /**
     * An abbreviated handshake resumed a cached session: the connection keeps that session's binding
     * (association, peer principal, KpsaID, Credential-ID) and creation time, checked against the
     * current association before the session was offered or accepted.
     */
    private void bindResumed(SecurityParameters sp) {
        CachedSession s = state.resumeCandidate;
        if (s == null || context.getSession() != s.tlsSession()) {
            throw new IllegalStateException("Bouncy Castle resumed a session SAEF did not offer or accept");
        }
        SessionInfo i = s.info();
        state.association = i.association();
        Principal local = policy.localId().map(SaefPrincipal::local).orElse(null);
        state.session = new SessionInfo(i.protocol(), i.cipherSuite(), i.sessionId(), i.association(),
                i.peerPrincipal(), local, serverNames(sp), sp.isExtendedMasterSecret(), sp.isEncryptThenMAC(),
                i.creationTime(), SessionBinding.alpn(sp));
        state.cached = s;
        s.touch();
        if (DebugLog.isEnabled()) {
            DebugLog.log((spec.clientMode() ? "client" : "server") + " session resumed: " + i.cipherSuite()
                    + ", KpsaID " + i.association().kpsaId() + ", peer bound to " + i.peerPrincipal().getName());
        }
    }

    /**
     * After a full handshake: the session goes into the role's cache when it can be resumed; a server
     * that gave the client a session ticket keeps nothing (the ticket carries the session, RFC 5077).
     */
    private void cacheSession(Association a) {
        org.bouncycastle.tls.TlsSession ts = context.getSession();
        byte[] ticket = spec.clientMode() ? state.receivedTicket : null;
        if (ts != null && ticket != null) {
            ts = ticketSession(ts); // Bouncy Castle left it without an ID: not resumable as it is
        }
        if (ts == null || !ts.isResumable() || state.kpsaFingerprint == null || state.ticketIssued) {
            return;
        }
        SessionCache cache = spec.clientMode() ? policy.clientSessionCache() : policy.serverSessionCache();
        String peerKey = null;
        if (spec.clientMode()) {
            peerKey = SessionCache.peerKey(spec.peerHost(), spec.peerPort(), a);
            if (peerKey == null) {
                return;
            }
        }
        CachedSession s = new CachedSession(cache, ts, state.session, state.kpsaFingerprint, spec.peerHost(),
                spec.peerPort(), peerKey, ticket);
        cache.put(s);
        state.cached = s;
    }


    /**
     * Client, the server sent a session ticket: Bouncy Castle then drops the server's session ID (RFC
     * 5077 3.4), so the session is kept under a random 32-octet ID of ours, which the client offers with
     * the ticket and the server echoes when it accepts the ticket. The session gets its own copy of the
     * master secret (the connection's is destroyed when it ends), and the bound session reports that ID.
     *
     * @return the session to cache, or null when it cannot be copied
     */
    private TlsSession ticketSession(TlsSession ts) {
        SessionParameters p = ts.exportSessionParameters();
        if (p == null || p.getMasterSecret() == null) {
            return null;
        }
        byte[] id = new byte[32];
        policy.random().nextBytes(id);
        try {
            TlsSession copy = TlsUtils.importSession(id, new SessionParameters.Builder()
                    .setCipherSuite(p.getCipherSuite())
                    .setExtendedMasterSecret(p.isExtendedMasterSecret())
                    .setNegotiatedVersion(p.getNegotiatedVersion())
                    .setPSKIdentity(p.getPSKIdentity())
                    .setServerExtensions(p.readServerExtensions())
                    .setMasterSecret(context.getCrypto().adoptSecret(p.getMasterSecret()))
                    .build());
            SessionInfo i = state.session;
            state.session = new SessionInfo(i.protocol(), i.cipherSuite(), id, i.association(), i.peerPrincipal(),
                    i.localPrincipal(), i.requestedServerNames(), i.extendedMasterSecret(), i.encryptThenMac(),
                    i.creationTime(), i.applicationProtocol());
            return copy;
        } catch (IOException | RuntimeException e) {
            return null; // not resumable: the next connection runs a full handshake
        }
    }

    /**
     * Whether the association this connection's session is bound to is still configured, unchanged
     * (same KpsaID, peer, address and Kpsa), when the key manager can change while running
     * ({@link dev.saef.keys.ReloadableKeyManager}, e.g. a reloaded association table). Callable from any thread.
     *
     * @return false when the association was removed or replaced since the handshake; true before the
     *     handshake completed and for key managers that do not change
     */
    public boolean associationCurrent() {
        Binding b = binding;
        if (b == null || !(policy.keyManager() instanceof dev.saef.keys.ReloadableKeyManager r)) {
            return true;
        }
        try {
            return r.isCurrent(b.association(), b.fingerprint());
        } catch (RuntimeException e) {
            return false; // fail closed: a key manager that cannot tell does not keep a session valid
        }
    }

    /** @return during the handshake: the negotiated suite's name once the server chose it, else null */
    public String handshakeCipherSuite() {
        SecurityParameters sp = context == null ? null : context.getSecurityParametersHandshake();
        if (sp == null || sp.getCipherSuite() <= 0) {
            return null;
        }
        return dev.saef.profile.SuiteProfile.byCode(sp.getCipherSuite()).map(dev.saef.profile.CipherSuiteInfo::name)
                .orElse(null);
    }

    /**
     * @return during the handshake: the ALPN protocol chosen so far ("" when ALPN is not used), or
     *     null when not yet known (JSSE {@code getHandshakeApplicationProtocol} semantics)
     */
    public String handshakeApplicationProtocol() {
        SecurityParameters sp = context == null ? null : context.getSecurityParametersHandshake();
        if (sp == null || !sp.isApplicationProtocolSet()) {
            return null;
        }
        return SessionBinding.alpn(sp);
    }

    private SSLException fail(IOException e) {
        state.zeroKey();
        if (deferred != null) {
            deferred.close();
        }
        forgetClientRandom();
        SSLException x = HandshakeFailures.translate(e, spec.clientMode(), state.session == null, state, spec,
                policy.keyManager().describe());
        if (failure == null) {
            failure = x;
            DebugLog.log((spec.clientMode() ? "client" : "server") + " connection failed: " + x.getMessage());
            if (state.session == null) {
                record(HandshakeFailures.outcome(e, spec.clientMode(), state, spec), x.getMessage());
            }
        }
        return x;
    }

    /**
     * Feeds bytes received from the peer.
     *
     * @throws SSLException on any failure; an alert for the peer is then queued as output
     */
    public synchronized void offerInput(byte[] buf, int off, int len) throws SSLException {
        if (failure != null) {
            throw failure;
        }
        if (deferred != null) {
            if (deferred.pending()) {
                throw new IllegalStateException("a key lookup is pending: run the delegated task before offering more input");
            }
            if (!deferred.trigger().done() && holdForKeyLookup(buf, off, len)) {
                return;
            }
        }
        offerToProtocol(buf, off, len);
    }

    /**
     * Feeds one record received from the peer, as {@link #offerInput(byte[], int, int)}, on behalf of a
     * caller whose buffers are known ({@code SSLEngine.unwrap}'s): when nothing is waiting in
     * {@link #readInput} and the record's plaintext fits into {@code dsts[offset, offset + length)}, it
     * goes there directly, after the record was authenticated (one copy fewer than through the
     * received-data queue); otherwise it is queued as usual. Data already waiting always comes first.
     *
     * @return the octets of plaintext put into {@code dsts}
     * @throws SSLException on any failure, as {@link #offerInput(byte[], int, int)}
     */
    public synchronized int offerInput(byte[] buf, int off, int len, ByteBuffer[] dsts, int offset, int length)
            throws SSLException {
        PlaintextQueue received = ((DirectDelivery) protocol).received();
        received.deliverTo(dsts, offset, length);
        int delivered;
        try {
            offerInput(buf, off, len);
        } finally {
            delivered = received.endDelivery();
        }
        return delivered;
    }

    /**
     * Server, lookups in tasks: when these bytes complete a {@code psk_identity}, or a ClientHello whose
     * resumption re-checks an association (its session ID names a session in the cache, or else it
     * offers a session ticket: the order of {@link SaefTlsServer#getSessionToResume}), holds them and
     * prepares the lookup task.
     *
     * @return true when the bytes are held
     */
    private boolean holdForKeyLookup(byte[] buf, int off, int len) {
        List<KeyLookupTrigger.Found> found = deferred.trigger().scan(buf, off, len);
        if (found.isEmpty()) {
            return false;
        }
        List<DeferredKeyLookup.Wanted> wanted = new ArrayList<>(found.size());
        boolean cached = false; // the ClientHello's session ID names a cached session: its ticket is not read
        for (KeyLookupTrigger.Found f : found) {
            switch (f.kind()) {
                case PSK_IDENTITY -> wanted.add(DeferredKeyLookup.Wanted.identity(f.octets()));
                case SESSION_ID -> {
                    CachedSession s = policy.serverSessionCache().get(f.octets());
                    cached = s != null;
                    if (cached) {
                        wanted.add(DeferredKeyLookup.Wanted.identity(s.info().association().kpsaId().toWire()));
                    }
                }
                case SESSION_TICKET -> {
                    if (!cached) {
                        wanted.add(DeferredKeyLookup.Wanted.ticket(f.octets()));
                    }
                }
            }
        }
        if (wanted.isEmpty()) {
            return false;
        }
        deferred.hold(buf, off, len, wanted);
        DebugLog.log("server: key lookup of " + wanted.size() + " identit" + (wanted.size() == 1 ? "y" : "ies")
                + " handed to a delegated task");
        return true;
    }

    /**
     * @return true while a key lookup must run before the handshake can go on: the transport reports
     *     {@code NEED_TASK}, hands out {@link #keyLookupTask()}, and calls {@link #resumeAfterKeyLookup()}
     *     once that task has run; no input may be offered meanwhile
     */
    public boolean keyLookupPending() {
        return deferred != null && deferred.pending();
    }

    /**
     * @return the pending key lookup, to run on any thread without the transport's lock (it only calls the
     *     key manager, with the {@code saef.keyLookupTimeout} limit); once per lookup, else null
     */
    public Runnable keyLookupTask() {
        return deferred == null ? null : deferred.takeTask();
    }

    /**
     * After {@link #keyLookupTask()} has run: offers the held bytes, so that Bouncy Castle continues the
     * handshake with the key found. Does nothing before the task has run, or once the connection ended.
     *
     * @throws SSLException as {@link #offerInput} (e.g. the lookup failed or timed out: {@code internal_error})
     */
    public synchronized void resumeAfterKeyLookup() throws SSLException {
        if (deferred == null || !deferred.completed()) {
            return;
        }
        byte[] held = deferred.release();
        if (held == null || failure != null || protocol.isClosed()) {
            return;
        }
        offerToProtocol(held, 0, held.length);
    }

    private void offerToProtocol(byte[] buf, int off, int len) throws SSLException {
        int pending = protocol.getAvailableOutputBytes();
        try {
            protocol.offerInput(buf, off, len);
        } catch (IOException e) {
            throw failOnInput(pending, e);
        } finally {
            RecordScratch.releaseThread(); // the records BC encoded meanwhile are in its output queue
        }
    }

    /** A failure while reading the peer's bytes: notes whether BC queued an alert for it (see {@link HandshakeState#alertQueued}). */
    private SSLException failOnInput(int outputBefore, IOException e) {
        state.alertQueued = protocol.getAvailableOutputBytes() > outputBefore;
        return fail(e);
    }

    /** @return the number of bytes waiting to be sent to the peer */
    public synchronized int availableOutput() {
        return protocol.getAvailableOutputBytes();
    }

    /** Moves up to {@code len} bytes of pending output into {@code buf}. */
    public synchronized int readOutput(byte[] buf, int off, int len) {
        int pending = protocol.getAvailableOutputBytes();
        return drained(pending, protocol.readOutput(buf, off, len));
    }

    /** Moves up to {@code len} bytes of pending output into {@code dst}. */
    public synchronized int readOutput(ByteBuffer dst, int len) {
        int pending = protocol.getAvailableOutputBytes();
        return drained(pending, protocol.readOutput(dst, len));
    }

    /**
     * Lean idle connections: Bouncy Castle's outgoing queue gives back its array whenever a small
     * write (less than {@value #RECORD_SIZED} octets pending: a handshake flight, a small record)
     * has been drained completely, so an idle connection keeps none (Bouncy Castle would keep 512
     * octets, or 32 KiB after full-size records); a small write costs one small array, as it costs
     * Bouncy Castle's encoded record. After a full-size record the array is kept while records keep
     * flowing (no allocation per record) and released by {@link IdleOutputRelease} once the
     * connection has written nothing for {@value IdleOutputRelease#IDLE_MILLIS} ms.
     */
    private int drained(int pending, int moved) {
        if (moved == pending && protocol.getAvailableOutputBytes() == 0) {
            if (pending < RECORD_SIZED) {
                ((OutputQueueRelease) protocol).releaseOutputQueue();
            } else {
                lastLargeOutput = System.nanoTime();
                if (!idleWatched) {
                    idleWatched = true;
                    IdleOutputRelease.watch(this);
                }
            }
        }
        return moved;
    }

    /**
     * Called by {@link IdleOutputRelease}'s sweep: when this connection has written nothing since
     * its last large output for {@value IdleOutputRelease#IDLE_MILLIS} ms, releases the outgoing
     * queue's array (if the queue is empty) and stops being watched.
     *
     * @return true when it no longer needs watching
     */
    synchronized boolean releaseOutputIfIdle(long now) {
        if (!protocol.isClosed() && now - lastLargeOutput < IdleOutputRelease.IDLE_MILLIS * 1_000_000L) {
            return false;
        }
        if (protocol.getAvailableOutputBytes() == 0) {
            ((OutputQueueRelease) protocol).releaseOutputQueue();
        }
        idleWatched = false;
        return true;
    }

    /** @return bytes of received application data ready to read */
    public int availableInput() {
        return protocol.getAvailableInputBytes();
    }

    /** Reads received application data. */
    public int readInput(byte[] buf, int off, int len) {
        return protocol.readInput(buf, off, len);
    }

    /** Reads received application data. */
    public int readInput(ByteBuffer dst, int len) {
        return protocol.readInput(dst, len);
    }

    /** Encrypts application data; the records become available through {@link #readOutput}. */
    public synchronized void writeApplicationData(byte[] buf, int off, int len) throws SSLException {
        if (failure != null) {
            throw failure;
        }
        try {
            protocol.writeApplicationData(buf, off, len);
        } catch (IOException e) {
            throw fail(e);
        } finally {
            RecordScratch.releaseThread(); // the records are copied to BC's output queue by now
        }
    }

    /** @return the maximum plaintext bytes in one record */
    public int applicationDataLimit() {
        return protocol.getApplicationDataLimit();
    }

    /** Inspects a 5-byte record header: the size of the whole record and the most plaintext it can yield. */
    public synchronized RecordHeaderPreview previewInputRecord(byte[] header) throws SSLException {
        if (failure != null) {
            throw failure;
        }
        int pending = protocol.getAvailableOutputBytes();
        try {
            return preview(protocol.previewInputRecord(header));
        } catch (IOException e) {
            throw failOnInput(pending, e);
        }
    }

    /** @return the size of the records that {@code size} bytes of application data will produce */
    public synchronized RecordHeaderPreview previewOutputRecord(int size) throws SSLException {
        try {
            return preview(protocol.previewOutputRecord(size));
        } catch (IOException e) {
            throw fail(e);
        }
    }

    private static RecordHeaderPreview preview(RecordPreview p) {
        return new RecordHeaderPreview(p.getRecordSize(), p.getContentLimit());
    }

    /** @return true while the handshake is in progress */
    public boolean isHandshaking() {
        return state.session == null && !protocol.isClosed();
    }

    /** @return true once the handshake completed and the session is bound */
    public boolean isHandshakeComplete() {
        return state.session != null;
    }

    /** @return true once the connection is closed (by close_notify, a fatal alert or {@link #close}) */
    public boolean isClosed() {
        return protocol.isClosed();
    }

    /** @return the failure that ended this connection, if any; safe to call from any thread */
    public SSLException failure() {
        return failure;
    }

    /**
     * @return true when this side raised a fatal alert and it reached the output (it is sent when
     *     the transport writes the output); false before a valid ClientHello, where Bouncy Castle
     *     answers with silence
     */
    public boolean fatalAlertSent() {
        return failure != null && state.fatalAlertRaised && state.alertQueued;
    }

    /** @return true once the peer's close_notify arrived (a clean end of the stream) */
    public boolean closeNotifyReceived() {
        return state.closeNotifyReceived;
    }

    /**
     * @return the cached session this connection established or resumed, or null (not resumable,
     *     or before the handshake completed)
     */
    public CachedSession cachedSession() {
        return state.cached;
    }

    /** @return the bound session, or null before the handshake completed */
    public SessionInfo session() {
        return state.session;
    }

    /** The longest keying material one export may ask for (far above any use; bounds the work). */
    public static final int MAX_EXPORT_LENGTH = 1 << 16;

    /**
     * RFC 5705 keying material exporter on this connection's master secret: {@code PRF(master_secret,
     * label, client_random + server_random [+ uint16 context length + context], length)}. Available
     * while the connection is open after a completed handshake with the extended master secret (RFC
     * 7627 section 5.4 forbids exporting from a master secret without it); SAEF destroys the master
     * secret when the connection closes, so export before closing.
     *
     * @param label the exporter label, e.g. {@code EXPORTER-oneM2M-Connection} (TS-0003 clause 10.3.1);
     *     printable ASCII
     * @param contextValue the context value, or null for none (RFC 5705 distinguishes no context from an
     *     empty one); at most 65535 octets
     * @param length the number of octets wanted, 1 to {@value #MAX_EXPORT_LENGTH}
     * @return fresh octets the caller owns and should zero after use
     * @throws SSLKeyException when no keying material can be exported, naming why
     */
    public byte[] exportKeyingMaterial(String label, byte[] contextValue, int length) throws SSLKeyException {
        if (label == null || label.isEmpty() || !label.chars().allMatch(ch -> ch >= 0x20 && ch < 0x7F)) {
            throw new IllegalArgumentException("the exporter label must be non-empty printable ASCII (RFC 5705 section 4)");
        }
        if (length < 1 || length > MAX_EXPORT_LENGTH) {
            throw new IllegalArgumentException("export length " + length + " is outside 1.." + MAX_EXPORT_LENGTH);
        }
        if (contextValue != null && contextValue.length > 0xFFFF) {
            throw new IllegalArgumentException("the exporter context has " + contextValue.length
                    + " octets; RFC 5705 allows at most 65535");
        }
        if (state.session == null || context == null) {
            throw new SSLKeyException("no keying material to export: the handshake has not completed");
        }
        if (!state.session.extendedMasterSecret()) {
            throw new SSLKeyException("no keying material to export: the session was negotiated without the extended"
                    + " master secret (RFC 7627 section 5.4 forbids RFC 5705 export then); keep"
                    + " saef.requireExtendedMasterSecret=true");
        }
        if (protocol.isClosed()) {
            throw new SSLKeyException("no keying material to export: the connection is closed and its master secret"
                    + " destroyed; export while the connection is open");
        }
        // Bouncy Castle's own exporter works only inside notifyHandshakeComplete (it clears the
        // connection's master secret then); the session keeps the master secret until SAEF destroys
        // it at the end of the connection (SessionSecrets), so the RFC 5705 PRF runs on that one.
        SecurityParameters sp = context.getSecurityParametersConnection();
        TlsSession tlsSession = context.getSession();
        SessionParameters parameters = tlsSession == null ? null : tlsSession.exportSessionParameters();
        TlsSecret master = parameters == null ? null : parameters.getMasterSecret();
        if (sp == null || master == null) {
            throw new SSLKeyException("no keying material to export: the connection's master secret is gone");
        }
        try {
            byte[] seed = TlsUtils.calculateExporterSeed(sp, contextValue);
            return TlsUtils.PRF(sp, master, label, seed, length).extract();
        } catch (RuntimeException e) {
            SSLKeyException x = new SSLKeyException("keying material export failed: " + e.getMessage());
            x.initCause(e);
            throw x;
        }
    }

    /** Sends close_notify (queued as output) and closes the connection; idempotent. */
    public synchronized void close() {
        state.zeroKey();
        if (deferred != null) {
            deferred.close();
        }
        forgetClientRandom();
        if (!protocol.isClosed()) {
            try {
                protocol.close();
            } catch (IOException e) {
                // non-blocking close only queues the alert; nothing to report
            } finally {
                RecordScratch.releaseThread();
            }
        }
    }
}
