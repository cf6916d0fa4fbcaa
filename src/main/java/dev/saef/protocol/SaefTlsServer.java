package dev.saef.protocol;

import dev.saef.keys.Association;
import dev.saef.crypto.SaefKeyExchangeFactory;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.Vector;
import java.util.Optional;
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
    private final SaefKeyExchangeFactory keyExchanges = new SaefKeyExchangeFactory(ServerPskKeyExchange::check);

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
            try (PinnedKeys keys = PinnedKeys.of(policy.keyManager())) {
                return getPSK(identity, keys);
            }
        }

        /** Association and key from one snapshot of the key manager. */
        private byte[] getPSK(byte[] identity, PinnedKeys keys) {
            Optional<Association> found;
            try {
                found = keys.keys().chooseServerAssociation(identity);
            } catch (RuntimeException e) {
                throw keyManagerFailed("looking up the identity failed with " + e.getClass().getName(), e);
            }
            if (found.isEmpty()) {
                return unknown();
            }
            Association a = found.get();
            byte[] key;
            try {
                key = KpsaOctets.take(keys.keys().getKey(a));
            } catch (GeneralSecurityException e) {
                // checked exceptions name identities, never keys (PskKeyProvider/PskKeyManager contract)
                throw keyManagerFailed("reading the Kpsa for KpsaID " + a.kpsaId() + " (" + a.source() + ") failed: "
                        + e.getMessage(), e);
            } catch (RuntimeException e) {
                throw keyManagerFailed("reading the Kpsa for KpsaID " + a.kpsaId() + " (" + a.source()
                        + ") failed with " + e.getClass().getName(), e);
            }
            if (key == null || key.length == 0) {
                state.keyFailure = "no key is available for it (" + a.source() + ")";
                return unknown(); // not provisioned after all
            }
            state.association = a;
            state.fingerprint = keys.fingerprint(a);
            state.kpsaFingerprint = policy.serverSessionCache().fingerprint(a, key);
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

    @Override
    public Hashtable getServerExtensions() throws IOException {
        Hashtable ext = super.getServerExtensions();
        if (clientExtensions != null && TlsExtensionsUtils.getServerNameExtensionClient(clientExtensions) != null) {
            TlsExtensionsUtils.addServerNameExtensionServer(ext); // RFC 6066: empty server_name in ServerHello
        }
        return ext;
    }

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
        keyExchanges.wipe();
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
     * The client's session ID names a cached session: it is resumed when it can still be (not expired,
     * not invalidated), its suite is offered and enabled, it used the extended master secret (RFC 7627
     * section 5.3: else a full handshake), and its association is unchanged: the KpsaID still names an
     * association whose {@code peer=} and Kpsa give the same fingerprint ({@link SessionCache}).
     * Otherwise a full handshake follows; a changed or removed association drops the session.
     */
    @Override
    public TlsSession getSessionToResume(byte[] sessionID) {
        CachedSession s = sessions().get(sessionID);
        if (s == null || !s.info().extendedMasterSecret() || state.offeredSuites == null
                || !org.bouncycastle.util.Arrays.contains(state.offeredSuites, s.cipherSuite())
                || !org.bouncycastle.util.Arrays.contains(spec.suiteCodes(), s.cipherSuite())) {
            return null;
        }
        Association cachedAssociation = s.info().association();
        Association current;
        byte[] key = null;
        try {
            current = policy.keyManager().chooseServerAssociation(cachedAssociation.kpsaId().toWire()).orElse(null);
            if (current != null) {
                key = KpsaOctets.take(policy.keyManager().getKey(current));
            }
        } catch (GeneralSecurityException | RuntimeException e) {
            return null; // the full handshake meets the same failure and reports it
        }
        byte[] fingerprint = null;
        try {
            if (current != null && key != null && key.length > 0) {
                fingerprint = sessions().fingerprint(current, key);
            }
        } finally {
            if (key != null) {
                java.util.Arrays.fill(key, (byte) 0);
            }
        }
        if (!SessionCache.sameFingerprint(s.fingerprint(), fingerprint)) {
            DebugLog.log("server: session of KpsaID " + cachedAssociation.kpsaId()
                    + " not resumed: its association or Kpsa was removed or replaced");
            s.invalidate();
            return null;
        }
        state.resumeCandidate = s;
        return s.tlsSession();
    }

    /** @return BC's context of this connection (valid once the protocol has been started) */
    TlsContext getContextForConnection() {
        return context;
    }

    @Override
    public void notifyHandshakeComplete() throws IOException {
        super.notifyHandshakeComplete();
        onComplete.run();
    }
}
