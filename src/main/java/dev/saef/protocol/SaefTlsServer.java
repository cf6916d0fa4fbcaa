package dev.saef.protocol;

import dev.saef.keys.Association;
import dev.saef.crypto.SaefKeyExchangeFactory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.Vector;
import org.bouncycastle.tls.PSKTlsServer;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.NamedGroup;
import org.bouncycastle.tls.ProtocolName;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsContext;
import org.bouncycastle.tls.TlsKeyExchangeFactory;
import org.bouncycastle.tls.TlsExtensionsUtils;
import org.bouncycastle.tls.TlsPSKIdentityManager;
import org.bouncycastle.tls.TlsSession;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.ExtensionType;
import org.bouncycastle.tls.NewSessionTicket;
import org.bouncycastle.tls.SecurityParameters;
import org.bouncycastle.tls.SessionParameters;

/**
 * Entity B's side of the PSK-SAEF handshake (TS-0003 clause 8.2.2.1): accepts only TLS 1.2 and the
 * enabled clause 10.2.2 suites, refuses a ClientHello its own context sent as a client (a reflected
 * connection), checks the ClientKeyExchange's structure ({@link ServerPskKeyExchange}), looks the
 * client's {@code psk_identity} up as an exact KpsaID, acknowledges SNI (clause 10.2.1), and requires
 * the extended master secret unless configured otherwise.
 *
 * <p>Unknown identities (RFC 4279 section 5): by default the server continues as if the identity
 * were known, with a random key of {@value #DECOY_KEY_OCTETS} octets, so that the client's Finished
 * fails exactly as with a wrong Kpsa (same alert, same computations, DHE included); with
 * {@code saef.unknownIdentity=reveal} it answers {@code unknown_psk_identity} at once. Either way
 * the server's own exception names the unknown KpsaID.
 *
 * <p>Resumption (RFC 5246 session IDs, {@link SessionCache}; with {@code saef.sessionTickets=true}
 * also RFC 5077 session tickets, {@link SessionTicketKeys}): Bouncy Castle passes the client's
 * extensions to {@link #processClientExtensions} before it asks {@link #getSessionToResume} for the
 * client's session ID, so a ticket is opened there and its session returned under that ID, which
 * Bouncy Castle echoes (RFC 5077 3.4). Either way the session's association is checked again first.
 */
@SuppressWarnings("rawtypes") // Bouncy Castle's TlsServer API uses raw Vector/Hashtable
final class SaefTlsServer extends PSKTlsServer {

    private final SaefPolicy policy;
    private final ConnectionSpec spec;
    private final HandshakeState state;
    private final Runnable onComplete;
    /** DTLS 1.2 (datagrams) instead of TLS 1.2; everything else is the same policy. */
    private final boolean datagram;
    /** This connection's key exchanges: they wipe the Kpsa, see {@link #notifyConnectionClosed()}. */
    /** The handshake's key exchanges; null once the handshake completed (made again should one start). */
    private SaefKeyExchangeFactory keyExchanges = new SaefKeyExchangeFactory(ServerPskKeyExchange::check);

    /** Length of the random key an unknown identity gets: the length of a 256-bit Kpsa. */
    static final int DECOY_KEY_OCTETS = 32;

    SaefTlsServer(SaefPolicy policy, ConnectionSpec spec, HandshakeState state, Runnable onComplete,
            boolean datagram) {
        super(policy.crypto(), new IdentityManager(policy, state));
        this.policy = policy;
        this.spec = spec;
        this.state = state;
        this.onComplete = onComplete;
        this.datagram = datagram;
    }

    /** Maps KpsaIDs to keys through the context's key manager. */
    private static final class IdentityManager implements TlsPSKIdentityManager {
        private final SaefPolicy policy;
        private final HandshakeState state;

        IdentityManager(SaefPolicy policy, HandshakeState state) {
            this.policy = policy;
            this.state = state;
        }

        @Override
        public byte[] getHint() {
            return null; // no identity hint: clause 8.2.2.1 defines none
        }

        @Override
        public byte[] getPSK(byte[] identity) {
            state.offeredIdentity = HandshakeState.printable(identity);
            ServerKeyLookup.Result r = lookUp(policy, state, identity);
            if (r.failure != null) {
                state.keyLookupTimedOut = r.timedOut;
                throw keyManagerFailed(r.failure, r.cause);
            }
            if (r.association == null) {
                return unknown();
            }
            byte[] key = r.takeKey();
            if (key == null || key.length == 0) {
                state.keyFailure = "no key is available for it (" + r.association.source() + ")";
                return unknown(); // not provisioned after all
            }
            state.association = r.association;
            state.fingerprint = r.fingerprint;
            state.kpsaFingerprint = policy.serverSessionCache().fingerprint(r.association, key);
            return key; // a fresh copy; BC zeroes it after use
        }

        /**
         * An identity with no key: null (BC answers {@code unknown_psk_identity}) when revealing, else
         * a random key, so that the handshake goes on and fails at the client's Finished exactly as
         * for a wrong Kpsa (RFC 4279 section 5). BC zeroes the array after use.
         */
        private byte[] unknown() {
            state.unknownIdentity = true;
            if (!policy.hideUnknownIdentities()) {
                return null;
            }
            byte[] decoy = new byte[DECOY_KEY_OCTETS];
            policy.random().nextBytes(decoy);
            return decoy;
        }

        /**
         * A key source that fails is the server's fault, not the client's: BC turns this unchecked
         * exception into an internal_error alert, and the server's message names the cause.
         */
        private IllegalStateException keyManagerFailed(String what, Exception cause) {
            state.keyFailure = what;
            return new IllegalStateException("PSK key manager failure", cause);
        }
    }

    /**
     * The key lookup for {@code identity}: the one a delegated task already ran for this connection
     * ({@link DeferredKeyLookup}), else one run here, in place.
     */
    private static ServerKeyLookup.Result lookUp(SaefPolicy policy, HandshakeState state, byte[] identity) {
        ServerKeyLookup.Result r = state.prefetched == null ? null : state.prefetched.take(identity);
        if (r == null && state.prefetched != null) {
            DebugLog.log("server: no delegated key lookup for " + HandshakeState.printable(identity)
                    + "; looking it up in place");
        }
        return r != null ? r : ServerKeyLookup.lookUp(policy, identity);
    }


    /** In step with the limit {@link SaefServerProtocol} enforces with a proper alert. */
    @Override
    public int getMaxHandshakeMessageSize() {
        return HandshakeHeaderCheck.MAX_HANDSHAKE_MESSAGE;
    }

    @Override
    protected ProtocolVersion[] getSupportedVersions() {
        return datagram ? ProtocolVersion.DTLSv12.only() : ProtocolVersion.TLSv12.only();
    }

    /**
     * DTLS only (Bouncy Castle's blocking DTLS handshake): the handshake time limit of the context
     * ({@link SaefPolicy#dtlsHandshakeTimeoutMillis()}, always positive); TLS connections are timed by their
     * transport.
     */
    @Override
    public int getHandshakeTimeoutMillis() {
        return datagram ? (int) Math.min(Integer.MAX_VALUE, policy.dtlsHandshakeTimeoutMillis())
                : super.getHandshakeTimeoutMillis();
    }

    @Override
    protected int[] getSupportedCipherSuites() {
        return spec.suiteCodes();
    }

    @Override
    protected Vector getProtocolNames() {
        Vector<ProtocolName> names = new Vector<>();
        for (String n : spec.applicationProtocols()) {
            names.add(ProtocolName.asUtf8Encoding(n));
        }
        return names;
    }

    /**
     * With an application selector, ALPN is chosen after the cipher suite (as BCJSSE does), so that
     * the selector sees the negotiated suite in the handshake session - HTTP/2 servers refuse h2 over
     * the suites RFC 7540 section 9.2.2 forbids.
     */
    @Override
    protected boolean shouldSelectProtocolNameEarly() {
        return spec.alpnSelector() == null;
    }

    /** {@code SSLParameters.setUseCipherSuitesOrder(true)}: our preference order decides, else the client's. */
    @Override
    protected boolean preferLocalCipherSuites() {
        return spec.preferLocalSuites();
    }

    /** ALPN (RFC 7301): the application's selector when set (JSSE semantics), else the first of ours the client offers. */
    @Override
    protected ProtocolName selectProtocolName() throws IOException {
        if (spec.alpnSelector() == null) {
            return super.selectProtocolName();
        }
        List<String> offered = new ArrayList<>();
        List<String> shown = new ArrayList<>();
        for (Object o : clientProtocolNames) {
            ProtocolName name = (ProtocolName) o;
            offered.add(name.getUtf8Decoding());
            shown.add(HandshakeState.printable(name.getBytes())); // peer input: no line breaks in messages
        }
        String chosen = spec.alpnSelector().apply(offered);
        if (chosen == null) {
            state.failureDetail = "the application protocol selector accepted none of " + shown;
            throw new TlsFatalAlert(AlertDescription.no_application_protocol, state.failureDetail);
        }
        return chosen.isEmpty() ? null : ProtocolName.asUtf8Encoding(chosen);
    }

    @Override
    public boolean requiresExtendedMasterSecret() {
        return policy.requireExtendedMasterSecret();
    }

    /**
     * ECDHE_PSK: counts only the client's curves this server's crypto can do, so that a ClientHello
     * offering only curves the JDK lacks (e.g. the binary curve sect571k1, removed from SunEC) makes
     * ECDHE_PSK unselectable ({@code handshake_failure} when no other suite fits) instead of failing
     * later with {@code internal_error} (RFC 4492 section 5.1: the server picks a curve both support).
     */
    @Override
    protected int getMaximumNegotiableCurveBits() {
        int[] groups = context.getSecurityParametersHandshake().getClientSupportedGroups();
        if (groups == null) {
            return super.getMaximumNegotiableCurveBits();
        }
        int max = 0;
        for (int group : groups) {
            if (NamedGroup.refersToAnECDHCurve(group) && getCrypto().hasNamedGroup(group)) {
                max = Math.max(max, NamedGroup.getCurveBits(group));
            }
        }
        return max;
    }

    /** ECDHE_PSK curve choice: the client's first curve of the needed size that this side supports. */
    @Override
    protected int selectECDH(int minimumCurveBits) {
        int[] groups = context.getSecurityParametersHandshake().getClientSupportedGroups();
        if (groups == null) {
            return super.selectECDH(minimumCurveBits);
        }
        for (int group : groups) {
            if (NamedGroup.refersToAnECDHCurve(group) && NamedGroup.getCurveBits(group) >= minimumCurveBits
                    && getCrypto().hasNamedGroup(group)) {
                return group;
            }
        }
        return -1;
    }

    /**
     * DHE_PSK group choice: at least 3072 bits (ffdhe3072, RFC 7919) for AES-256 suites, matching
     * their strength (and what OpenSSL at security level 3 demands), 2048 bits otherwise; falls back
     * to the suite minimum only when the client explicitly lists smaller groups alone.
     */
    @Override
    protected int selectDH(int minimumFiniteFieldBits) {
        boolean aes256 = dev.saef.profile.SuiteProfile.byCode(selectedCipherSuite)
                .map(s -> s.name().contains("AES_256")).orElse(false);
        int preferred = Math.max(minimumFiniteFieldBits, aes256 ? 3072 : 2048);
        int group = super.selectDH(preferred);
        return group >= 0 ? group : super.selectDH(minimumFiniteFieldBits);
    }

    @Override
    public void processClientExtensions(Hashtable clientExtensions) throws IOException {
        super.processClientExtensions(clientExtensions);
        if (tickets() != null && clientExtensions != null) {
            // RFC 5077 3.2: empty asks for a ticket; else the ticket offered (read before getSessionToResume)
            state.clientTicket = TlsUtils.getExtensionData(clientExtensions, EXT_SESSION_TICKET);
        }
        if (spec.sniMatchers().isEmpty() || clientExtensions == null) {
            return;
        }
        java.util.Vector<?> names = TlsExtensionsUtils.getServerNameExtensionClient(clientExtensions);
        if (names == null) {
            return;
        }
        for (Object o : names) {
            org.bouncycastle.tls.ServerName n = (org.bouncycastle.tls.ServerName) o;
            if (n.getNameType() != org.bouncycastle.tls.NameType.host_name) {
                continue;
            }
            javax.net.ssl.SNIHostName host;
            try {
                host = new javax.net.ssl.SNIHostName(n.getNameData());
            } catch (IllegalArgumentException e) {
                throw new org.bouncycastle.tls.TlsFatalAlert(org.bouncycastle.tls.AlertDescription.unrecognized_name);
            }
            for (javax.net.ssl.SNIMatcher m : spec.sniMatchers()) {
                if (m.getType() == host.getType() && !m.matches(host)) {
                    state.failureDetail = "the client asked for server name " + host.getAsciiName()
                            + ", which the SNI matcher refuses";
                    throw new org.bouncycastle.tls.TlsFatalAlert(
                            org.bouncycastle.tls.AlertDescription.unrecognized_name, state.failureDetail);
                }
            }
        }
    }

    /**
     * Called by BC right after it read the ClientHello's random; refuses the ClientHello when this
     * context sent it as a client and still waits on that handshake: a reflected connection.
     */
    @Override
    public void notifyOfferedCipherSuites(int[] offeredCipherSuites) throws IOException {
        super.notifyOfferedCipherSuites(offeredCipherSuites);
        state.offeredSuites = offeredCipherSuites.clone();
        ReflectionGuard guard = policy.reflectionGuard();
        if (guard != null && guard.isOwnClientHello(context.getSecurityParametersHandshake().getClientRandom())) {
            state.failureDetail = "the ClientHello is one this SSLContext sent itself as a client: the connection was"
                    + " reflected back to its sender (an on-path attacker, or a client connecting to its own server"
                    + " through one context); set saef.reflectionCheck=false only where one JVM talks to itself"
                    + " through one SSLContext";
            throw new TlsFatalAlert(AlertDescription.illegal_parameter, state.failureDetail);
        }
    }

    /**
     * RFC 9146: called when the client offered the {@code connection_id} extension; with
     * {@link SaefPolicy#connectionIdLength()} set, a DTLS server answers with a fresh random ID of that
     * length, which the client then puts in every record it sends us (content type {@code tls12_cid}),
     * so that a transport finds the session by it rather than by the client's address.
     */
    @Override
    protected byte[] getNewConnectionID() {
        return datagram ? ConnectionIds.fresh(policy) : null;
    }

    /** Full handshakes only (Bouncy Castle takes a resumed session's extensions from the session). */
    @Override
    public Hashtable getServerExtensions() throws IOException {
        Hashtable ext = super.getServerExtensions();
        if (clientExtensions != null && TlsExtensionsUtils.getServerNameExtensionClient(clientExtensions) != null) {
            TlsExtensionsUtils.addServerNameExtensionServer(ext); // RFC 6066: empty server_name in ServerHello
        }
        if (state.clientTicket != null && tickets() != null) {
            // RFC 5077 3.2: an empty SessionTicket extension promises a NewSessionTicket message
            TlsExtensionsUtils.addEmptyExtensionData(ext, EXT_SESSION_TICKET);
        }
        return ext;
    }

    /**
     * Full and abbreviated handshakes. A resumed session's extensions are those its full handshake
     * sent: an abbreviated ServerHello must not promise a NewSessionTicket, which Bouncy Castle sends
     * only on full handshakes (RFC 5077 3.3), nor acknowledge SNI (RFC 6066 section 3).
     */
    @Override
    public void getServerExtensionsForConnection(Hashtable serverExtensions) throws IOException {
        super.getServerExtensionsForConnection(serverExtensions);
        if (context.getSecurityParametersHandshake().isResumedSession()) {
            serverExtensions.remove(EXT_SESSION_TICKET);
            serverExtensions.remove(TlsExtensionsUtils.EXT_server_name);
        }
    }

    /**
     * RFC 5077 3.3, sent after the client's Finished of a full handshake when this server promised a
     * ticket: the session state ({@link TicketState}: master secret, suite, extended master secret,
     * KpsaID, fingerprint of the association and Kpsa, bound identity, creation time; never the Kpsa)
     * sealed under the current ticket key ({@link SessionTicketKeys}). The lifetime hint is the shorter
     * of the session timeout and the key lifetime, the time the ticket is sure to be accepted. When no
     * ticket can be made, an empty one (RFC 5077 3.3) and the session is kept by ID instead.
     */
    @Override
    public NewSessionTicket getNewSessionTicket() throws IOException {
        SessionTicketKeys keys = tickets();
        Association a = state.association;
        SecurityParameters sp = context.getSecurityParametersHandshake();
        if (keys == null || a == null || state.unknownIdentity || state.kpsaFingerprint == null
                || !sp.isExtendedMasterSecret()) {
            return new NewSessionTicket(0L, TlsUtils.EMPTY_BYTES); // no EMS: never resumed (RFC 7627 5.3)
        }
        dev.saef.identity.SaefPrincipal peer = SessionBinding.peerPrincipal(policy, false, a);
        long now = System.currentTimeMillis();
        byte[] masterSecret = context.getCrypto().adoptSecret(sp.getMasterSecret()).extract();
        TicketState t = new TicketState(sp.getCipherSuite(), true, sp.isEncryptThenMAC(), sp.getMaxFragmentLength(),
                now, masterSecret, a.kpsaId().toWire(), state.kpsaFingerprint, peer.isDerivedFromCredentialId(),
                peer.getName());
        byte[] encoded = t.encode();
        byte[] ticket;
        try {
            ticket = keys.seal(encoded);
        } catch (IllegalStateException e) {
            DebugLog.log("server: no session ticket (" + e.getMessage() + "); the session is kept by ID");
            return new NewSessionTicket(0L, TlsUtils.EMPTY_BYTES);
        } finally {
            java.util.Arrays.fill(encoded, (byte) 0);
            t.destroy();
        }
        state.ticketPeer = peer;
        state.ticketCreationTime = now;
        state.ticketIssued = true;
        long hint = keys.lifetimeMillis() / 1000;
        int timeout = sessions().timeoutSeconds();
        if (timeout > 0) {
            hint = Math.min(hint, timeout);
        }
        DebugLog.log("server: session ticket issued for KpsaID " + a.kpsaId());
        return new NewSessionTicket(hint, ticket);
    }

    private SessionTicketKeys tickets() {
        return datagram ? null : policy.sessionTicketKeys();
    }

    /** RFC 5077's extension type 35 (Bouncy Castle's constant is protected). */
    private static final Integer EXT_SESSION_TICKET = org.bouncycastle.util.Integers.valueOf(ExtensionType.session_ticket);

    @Override
    public void notifyAlertRaised(short alertLevel, short alertDescription, String message, Throwable cause) {
        state.alertRaised(alertLevel, alertDescription, message, cause);
    }

    @Override
    public void notifyAlertReceived(short alertLevel, short alertDescription) {
        state.alertReceived(alertLevel, alertDescription);
    }

    /** PSK key exchanges that leave no copy of the Kpsa behind (RFC 4279 premaster built and wiped by SAEF). */
    @Override
    public TlsKeyExchangeFactory getKeyExchangeFactory() {
        if (keyExchanges == null) {
            keyExchanges = new SaefKeyExchangeFactory(ServerPskKeyExchange::check);
        }
        return keyExchanges;
    }

    /**
     * Bouncy Castle calls this whenever the connection ends, closed or failed: a handshake that failed
     * after the Kpsa was fetched and before the premaster was built leaves it in the key exchange,
     * which is zeroed here, and the session's copy of the master secret is destroyed.
     */
    @Override
    public void notifyConnectionClosed() {
        super.notifyConnectionClosed();
        if (keyExchanges != null) {
            keyExchanges.wipe();
        }
        SessionSecrets.connectionClosed(context, sessions(), state.fatalAlertRaised || state.fatalAlertReceived);
    }

    private SessionCache sessions() {
        return policy.serverSessionCache();
    }

    /** A new session gets a random 32-octet ID, so that the client can resume it (RFC 5246 section 7.4.1.3). */
    @Override
    public byte[] getNewSessionID() {
        byte[] id = new byte[32];
        policy.random().nextBytes(id);
        return id;
    }

    /**
     * The client's session ID names a cached session, or (session tickets on) the client offers a
     * ticket this server sealed with a key it still holds ({@link SessionTicketKeys}) and a session ID
     * for the server to echo (RFC 5077 3.4). The session is resumed when it can still be (not expired,
     * not invalidated), its suite is offered and enabled, it used the extended master secret (RFC 7627
     * section 5.3: else a full handshake), and its association is unchanged: the KpsaID still names an
     * association whose {@code peer=} and Kpsa give the same fingerprint ({@link SessionCache}).
     * Otherwise a full handshake follows; a changed or removed association drops the session. A ticket
     * that is altered, expired or sealed by a retired key is ignored: a full handshake, never a failure.
     * Either way the key manager is asked once, through {@link #recheck} (a delegated task's answer on an
     * engine over a key source that may block).
     */
    @Override
    public TlsSession getSessionToResume(byte[] sessionID) {
        CachedSession cached = sessions().get(sessionID);
        CachedSession s = cached != null ? fromCache(cached) : fromTicket(sessionID);
        if (s == null) {
            return null;
        }
        state.resumeCandidate = s;
        return s.tlsSession();
    }

    /**
     * @return the cached session when it can be resumed here ({@link #resumable}) and its association is
     *     unchanged ({@link #recheck}); else null, and a session whose association changed is invalidated
     */
    private CachedSession fromCache(CachedSession s) {
        if (!resumable(s.info().extendedMasterSecret(), s.cipherSuite())) {
            return null;
        }
        if (recheck(s.info().association().kpsaId().toWire(), s.fingerprint()) == null) {
            DebugLog.log("server: session of KpsaID " + s.info().association().kpsaId()
                    + " not resumed: its association or Kpsa was removed or replaced");
            s.invalidate();
            return null;
        }
        return s;
    }

    /**
     * @return whether a session with these parameters may be resumed on this connection: it used the
     *     extended master secret (RFC 7627 section 5.3), and its suite is offered and enabled
     */
    private boolean resumable(boolean extendedMasterSecret, int cipherSuite) {
        return extendedMasterSecret && state.offeredSuites != null
                && org.bouncycastle.util.Arrays.contains(state.offeredSuites, cipherSuite)
                && org.bouncycastle.util.Arrays.contains(spec.suiteCodes(), cipherSuite);
    }

    /**
     * Looks the session's KpsaID up again ({@link #lookUp}) and compares the fingerprint of the current
     * association and Kpsa with the session's (constant time). On success records the association's
     * fingerprint in the key manager's snapshot, which the session's validity is checked against later
     * ({@link TlsConnection#associationCurrent()}). The Kpsa read is zeroed here.
     *
     * @param kpsaId the session's KpsaID, as wire octets
     * @return the current association, or null when it was removed or its {@code peer=} or Kpsa replaced
     */
    private Association recheck(byte[] kpsaId, byte[] sessionFingerprint) {
        ServerKeyLookup.Result r = lookUp(policy, state, kpsaId);
        if (r.failure != null) {
            return null; // the full handshake meets the same failure and reports it
        }
        Association current = r.association;
        byte[] key = r.takeKey();
        try {
            if (current == null || key == null || key.length == 0
                    || !SessionCache.sameFingerprint(sessionFingerprint, sessions().fingerprint(current, key))) {
                return null;
            }
            state.fingerprint = r.fingerprint;
            return current;
        } finally {
            if (key != null) {
                java.util.Arrays.fill(key, (byte) 0);
            }
        }
    }

    /**
     * The session a ticket carries, as a {@link CachedSession} that is in no cache (its master secret
     * is destroyed when its connection ends), under the client's session ID, bound to the association
     * {@link #recheck} found; null when tickets are off, the client sent no ticket or no session ID, the
     * ticket does not open (altered, unknown or retired key, {@link TicketState#open}), is expired
     * ({@code SSLSessionContext} timeout), cannot be resumed here ({@link #resumable}), or its association
     * was removed or replaced.
     */
    private CachedSession fromTicket(byte[] sessionID) {
        SessionTicketKeys keys = tickets();
        byte[] ticket = state.clientTicket;
        if (keys == null || ticket == null || ticket.length == 0 || sessionID == null || sessionID.length == 0) {
            return null;
        }
        TicketState t = TicketState.open(keys, ticket);
        if (t == null) {
            DebugLog.log("server: session ticket not accepted (altered, or its key retired): full handshake");
            return null;
        }
        try {
            int timeout = sessions().timeoutSeconds();
            if (t.expired(timeout, System.currentTimeMillis())) {
                DebugLog.log("server: session ticket expired (session timeout " + timeout + " s): full handshake");
                return null;
            }
            if (!resumable(t.extendedMasterSecret(), t.cipherSuite())) {
                return null;
            }
            Association a = recheck(t.kpsaId(), t.fingerprint());
            if (a == null) {
                DebugLog.log("server: session ticket of KpsaID " + HandshakeState.printable(t.kpsaId())
                        + " not accepted: its association or Kpsa was removed or replaced");
                return null;
            }
            dev.saef.identity.KpsaId kpsaId = a.kpsaId();
            dev.saef.identity.CredentialId credentialId = dev.saef.identity.CredentialId.of(policy.credentialIdType(),
                    kpsaId);
            dev.saef.identity.SaefPrincipal peer = t.derivedPrincipal()
                    ? dev.saef.identity.SaefPrincipal.derived(kpsaId, credentialId)
                    : dev.saef.identity.SaefPrincipal.configured(t.principalName(), kpsaId, credentialId);
            Hashtable<Integer, byte[]> extensions = new Hashtable<>();
            if (t.encryptThenMac()) {
                TlsExtensionsUtils.addEncryptThenMACExtension(extensions);
            }
            if (t.maxFragmentLength() >= 0) {
                TlsExtensionsUtils.addMaxFragmentLengthExtension(extensions, t.maxFragmentLength());
            }
            SessionParameters parameters = new SessionParameters.Builder()
                    .setCipherSuite(t.cipherSuite())
                    .setExtendedMasterSecret(t.extendedMasterSecret())
                    .setNegotiatedVersion(ProtocolVersion.TLSv12)
                    .setPSKIdentity(t.kpsaId())
                    .setMasterSecret(getCrypto().createSecret(t.masterSecret().clone())) // zeroes the clone
                    .setServerExtensions(extensions)
                    .build();
            TlsSession session = TlsUtils.importSession(sessionID, parameters);
            String suite = dev.saef.profile.SuiteProfile.byCode(t.cipherSuite())
                    .map(dev.saef.profile.CipherSuiteInfo::name).orElseGet(() -> String.format("0x%04X", t.cipherSuite()));
            SessionInfo info = new SessionInfo("TLSv1.2", suite, sessionID, a, peer, null, List.of(),
                    t.extendedMasterSecret(), t.encryptThenMac(), t.creationTime(), "");
            return new CachedSession(sessions(), session, info, t.fingerprint(), null, -1, null);
        } catch (IOException | RuntimeException e) {
            return null; // a ticket this server cannot use: a full handshake
        } finally {
            t.destroy();
        }
    }

    /** @return BC's context of this connection (valid once the protocol has been started) */
    TlsContext getContextForConnection() {
        return context;
    }

    /**
     * Binds the session, then drops what only the handshake needed (the client's extensions and
     * suites, the key exchange, the suites and versions this server offered), so that the established connection keeps none of it (Bouncy Castle
     * refuses any later ClientHello on this connection without asking this peer).
     */
    @Override
    public void notifyHandshakeComplete() throws IOException {
        super.notifyHandshakeComplete();
        onComplete.run();
        keyExchanges.wipe();
        keyExchanges = null;
        clientExtensions = null;
        offeredCipherSuites = null;
        clientProtocolNames = null;
        serverExtensions.clear();
        cipherSuites = null; // this server's suites and versions: read only while choosing them
        protocolVersions = null;
    }
}
