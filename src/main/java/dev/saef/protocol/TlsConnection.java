package dev.saef.protocol;

import dev.saef.keys.Association;
import dev.saef.identity.CredentialId;
import dev.saef.identity.KpsaId;
import dev.saef.identity.SaefPrincipal;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.Principal;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Vector;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import org.bouncycastle.tls.NameType;
import org.bouncycastle.tls.RecordPreview;
import org.bouncycastle.tls.SecurityParameters;
import org.bouncycastle.tls.ServerName;
import org.bouncycastle.tls.TlsContext;
import org.bouncycastle.tls.TlsProtocol;

/**
 * The protocol core: one PSK-SAEF TLS 1.2 connection over Bouncy Castle's non-blocking
 * {@link TlsProtocol}. Every transport (the {@code SSLEngine}, the {@code SSLSocket}) drives this
 * class and only moves bytes; all policy - association choice, keys, suites, binding of the session
 * to an identity (TS-0003 clause 8.2.2.1) and error explanation - lives here and in the peers.
 *
 * <p>Not thread-safe: callers serialise access (the engine and socket hold a lock).
 */
public final class TlsConnection {

    private final SaefPolicy policy;
    private final ConnectionSpec spec;
    private final TlsProtocol protocol;
    private final HandshakeState state = new HandshakeState();
    private TlsContext context;
    /** Written under the caller's lock; volatile so that sessions can ask from any thread. */
    private volatile SSLException failure;

    private TlsConnection(SaefPolicy policy, ConnectionSpec spec) {
        this.policy = policy;
        this.spec = spec;
        this.protocol = spec.clientMode() ? new SaefClientProtocol() : new SaefServerProtocol();
    }

    /**
     * Starts a handshake. For a client this chooses the association for the peer, fetches its Kpsa
     * and queues the ClientHello; for a server it waits for the ClientHello.
     *
     * @throws SSLHandshakeException when the client has no usable association for the peer
     */
    public static TlsConnection start(SaefPolicy policy, ConnectionSpec spec) throws SSLException {
        DebugLog.log((spec.clientMode() ? "client" : "server") + " handshake starting, peer " + spec.peerHost() + ":"
                + spec.peerPort() + ", suites " + spec.suites().size());
        TlsConnection c = new TlsConnection(policy, spec);
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
                    chooseClientAssociation();
                } catch (SSLHandshakeException e) {
                    failure = e;
                    DebugLog.log("client connection failed: " + e.getMessage());
                    throw e;
                }
                SaefTlsClient client = new SaefTlsClient(policy, spec, state, this::bind);
                ((SaefClientProtocol) protocol).connect(client);
                this.context = client.getContextForConnection();
                recordClientRandom();
            } else {
                SaefTlsServer server = new SaefTlsServer(policy, spec, state, this::bind);
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
        if (guard != null && sp != null && sp.getClientRandom() != null) {
            state.clientRandom = sp.getClientRandom().clone();
            guard.clientHelloSent(state.clientRandom);
        }
    }

    /** The client handshake ended (completed, failed or closed): it can no longer be reflected. */
    private void forgetClientRandom() {
        byte[] r = state.clientRandom;
        if (r != null) {
            state.clientRandom = null;
            policy.reflectionGuard().clientHandshakeEnded(r);
        }
    }

    private void chooseClientAssociation() throws SSLHandshakeException {
        String where = (spec.peerHost() == null ? "<no host>" : spec.peerHost())
                + (spec.peerPort() >= 0 ? ":" + spec.peerPort() : "");
        Optional<Association> chosen;
        try {
            chosen = policy.keyManager().chooseClientAssociation(spec.peerHost(), spec.peerPort());
        } catch (RuntimeException e) {
            throw keyManagerFailure("could not choose the association for " + where, e);
        }
        if (chosen.isEmpty()) {
            throw new SSLHandshakeException("no PSK-SAEF association for " + where + " in "
                    + policy.keyManager().describe() + ": add a line '<KpsaID> peer=<CSE-ID of the server>"
                    + " address=" + where + "' (TS-0003 clause 8.2.2.1, Association Configuration)");
        }
        Association a = chosen.get();
        if (a.peerId().isEmpty()) {
            throw new SSLHandshakeException("association " + a.kpsaId() + " (" + a.source() + ") has no peer=:"
                    + " as a client (Entity A) SAEF binds the session to the configured IdB, the server's CSE-ID"
                    + " (TS-0003 clause 8.2.2.1); add peer=<CSE-ID>");
        }
        String alg = spec.endpointIdentificationAlgorithm();
        if (alg != null && !alg.isEmpty()) {
            // HTTPS/LDAPS endpoint identification for PSK: the association must be the one configured
            // for this host (there is no certificate to match the host name against).
            boolean configuredForHost = a.address().map(ad -> ad.matches(spec.peerHost(), spec.peerPort()))
                    .orElse(false);
            if (!configuredForHost) {
                throw new SSLHandshakeException("endpoint identification (" + alg + ") failed: the key manager chose"
                        + " association " + a.kpsaId() + " (" + a.source() + "), which is configured for "
                        + a.address().map(Object::toString).orElse("no address") + ", not for " + where);
            }
        }
        byte[] encoded;
        try {
            encoded = KpsaOctets.take(policy.keyManager().getKey(a));
        } catch (GeneralSecurityException e) {
            SSLHandshakeException x = new SSLHandshakeException("cannot read the Kpsa for KpsaID " + a.kpsaId()
                    + " (" + a.source() + "): " + e.getMessage());
            x.initCause(e);
            throw x;
        } catch (RuntimeException e) {
            throw keyManagerFailure("could not read the Kpsa for KpsaID " + a.kpsaId() + " (" + a.source() + ")", e);
        }
        if (encoded == null || encoded.length == 0) {
            throw new SSLHandshakeException("no Kpsa available for KpsaID " + a.kpsaId() + " (" + a.source()
                    + "): put key=hex:... on its line or the key in saef.keyStore");
        }
        state.association = a;
        state.clientKey = encoded;
        pickSessionToResume(a, encoded);
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

    /**
     * A key manager that throws an unchecked exception (a closed key store, a destroyed
     * configuration, a bug in a custom implementation) fails the handshake like any other cause, so
     * that engines and sockets close cleanly instead of leaking a RuntimeException to the application.
     */
    private SSLHandshakeException keyManagerFailure(String what, RuntimeException e) {
        // the class only: an unchecked exception's text is not under the key manager contract and might
        // quote what it was parsing; the cause (with its text) stays attached for the stack trace
        SSLHandshakeException x = new SSLHandshakeException(what + ": the key manager (" + policy.keyManager().describe()
                + ") failed with " + e.getClass().getName() + " (see the cause)");
        x.initCause(e);
        return x;
    }

    /** Called by the peer when BC reports the handshake complete: bind the session (clause 8.2.2.1). */
    private void bind() {
        state.zeroKey();
        forgetClientRandom();
        if (state.unknownIdentity) {
            // Unreachable unless the client guessed the random key: never bind an unknown identity.
            throw new IllegalStateException("handshake completed with an unknown PSK identity");
        }
        SecurityParameters sp = context.getSecurityParametersConnection();
        if (sp.isResumedSession()) {
            bindResumed(sp);
            return;
        }
        Association a = state.association;
        if (a == null) {
            // Server: the identity manager recorded the association; re-resolve defensively.
            a = policy.keyManager().chooseServerAssociation(sp.getPSKIdentity()).orElseThrow(
                    () -> new IllegalStateException("PSK identity vanished from the key manager"));
            state.association = a;
        }
        KpsaId kpsaId = a.kpsaId();
        CredentialId credentialId = CredentialId.of(policy.credentialIdType(), kpsaId);
        SaefPrincipal peer;
        if (spec.clientMode()) {
            peer = SaefPrincipal.configured(a.peerId().orElseThrow(), kpsaId, credentialId); // IdB
        } else if (a.peerId().isPresent()) {
            peer = SaefPrincipal.configured(a.peerId().get(), kpsaId, credentialId);
        } else {
            peer = SaefPrincipal.derived(kpsaId, credentialId);
        }
        Principal local = policy.localId().map(SaefPrincipal::local).orElse(null);
        List<SNIServerName> sni = serverNames(sp);
        byte[] sessionId = context.getSession() != null ? context.getSession().getSessionID() : new byte[0];
        String suite = dev.saef.profile.SuiteProfile.byCode(sp.getCipherSuite())
                .map(dev.saef.profile.CipherSuiteInfo::name).orElse(String.format("0x%04X", sp.getCipherSuite()));
        state.session = new SessionInfo("TLSv1.2", suite, sessionId, a, peer, local, sni,
                sp.isExtendedMasterSecret(), sp.isEncryptThenMAC(), System.currentTimeMillis(), alpn(sp));
        cacheSession(a);
        if (DebugLog.isEnabled()) {
            DebugLog.log((spec.clientMode() ? "client" : "server") + " handshake complete: " + suite + ", KpsaID "
                    + kpsaId + ", peer bound to " + peer.getName() + (peer.isDerivedFromCredentialId()
                            ? " (Credential-ID)" : " (configured)") + ", EMS " + sp.isExtendedMasterSecret()
                    + ", EtM " + sp.isEncryptThenMAC() + ", SNI " + sni);
        }
    }

    /** The SNI names sent (client) or received (server) on this connection. */
    private List<SNIServerName> serverNames(SecurityParameters sp) {
        if (!spec.clientMode()) {
            return receivedServerNames(sp);
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
                i.creationTime(), alpn(sp));
        state.cached = s;
        s.touch();
        if (DebugLog.isEnabled()) {
            DebugLog.log((spec.clientMode() ? "client" : "server") + " session resumed: " + i.cipherSuite()
                    + ", KpsaID " + i.association().kpsaId() + ", peer bound to " + i.peerPrincipal().getName());
        }
    }

    /** After a full handshake: the session goes into the role's cache when it can be resumed. */
    private void cacheSession(Association a) {
        org.bouncycastle.tls.TlsSession ts = context.getSession();
        if (ts == null || !ts.isResumable() || state.kpsaFingerprint == null) {
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
                spec.peerPort(), peerKey);
        cache.put(s);
        state.cached = s;
    }

    private static String alpn(SecurityParameters sp) {
        org.bouncycastle.tls.ProtocolName p = sp == null ? null : sp.getApplicationProtocol();
        return p == null ? "" : p.getUtf8Decoding();
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
        return alpn(sp);
    }

    private static List<SNIServerName> receivedServerNames(SecurityParameters sp) {
        List<SNIServerName> out = new ArrayList<>();
        Vector<?> names = sp.getClientServerNames();
        if (names != null) {
            for (Object o : names) {
                ServerName n = (ServerName) o;
                if (n.getNameType() == NameType.host_name) {
                    try {
                        out.add(new SNIHostName(n.getNameData()));
                    } catch (IllegalArgumentException ignored) {
                        // not a valid host name: not exposed
                    }
                }
            }
        }
        return out;
    }

    private SSLException fail(IOException e) {
        state.zeroKey();
        forgetClientRandom();
        SSLException x = HandshakeFailures.translate(e, spec.clientMode(), state.session == null, state, spec,
                policy.keyManager().describe());
        if (failure == null) {
            failure = x;
            DebugLog.log((spec.clientMode() ? "client" : "server") + " connection failed: " + x.getMessage());
        }
        return x;
    }

    /**
     * Feeds bytes received from the peer.
     *
     * @throws SSLException on any failure; an alert for the peer is then queued as output
     */
    public void offerInput(byte[] buf, int off, int len) throws SSLException {
        if (failure != null) {
            throw failure;
        }
        int pending = protocol.getAvailableOutputBytes();
        try {
            protocol.offerInput(buf, off, len);
        } catch (IOException e) {
            throw failOnInput(pending, e);
        }
    }

    /** A failure while reading the peer's bytes: notes whether BC queued an alert for it (see {@link HandshakeState#alertQueued}). */
    private SSLException failOnInput(int outputBefore, IOException e) {
        state.alertQueued = protocol.getAvailableOutputBytes() > outputBefore;
        return fail(e);
    }

    /** @return the number of bytes waiting to be sent to the peer */
    public int availableOutput() {
        return protocol.getAvailableOutputBytes();
    }

    /** Moves up to {@code len} bytes of pending output into {@code buf}. */
    public int readOutput(byte[] buf, int off, int len) {
        return protocol.readOutput(buf, off, len);
    }

    /** Moves up to {@code len} bytes of pending output into {@code dst}. */
    public int readOutput(ByteBuffer dst, int len) {
        return protocol.readOutput(dst, len);
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
    public void writeApplicationData(byte[] buf, int off, int len) throws SSLException {
        if (failure != null) {
            throw failure;
        }
        try {
            protocol.writeApplicationData(buf, off, len);
        } catch (IOException e) {
            throw fail(e);
        }
    }

    /** @return the maximum plaintext bytes in one record */
    public int applicationDataLimit() {
        return protocol.getApplicationDataLimit();
    }

    /** Inspects a 5-byte record header: the size of the whole record and the most plaintext it can yield. */
    public RecordHeaderPreview previewInputRecord(byte[] header) throws SSLException {
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
    public RecordHeaderPreview previewOutputRecord(int size) throws SSLException {
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

    /** Sends close_notify (queued as output) and closes the connection; idempotent. */
    public void close() {
        state.zeroKey();
        forgetClientRandom();
        if (!protocol.isClosed()) {
            try {
                protocol.close();
            } catch (IOException e) {
                // non-blocking close only queues the alert; nothing to report
            }
        }
    }
}
