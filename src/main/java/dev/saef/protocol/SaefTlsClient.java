package dev.saef.protocol;

import dev.saef.keys.Association;
import dev.saef.crypto.SaefKeyExchangeFactory;
import java.io.IOException;
import java.net.IDN;
import java.nio.charset.StandardCharsets;
import java.util.Vector;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.StandardConstants;
import org.bouncycastle.tls.CertificateStatusRequest;
import org.bouncycastle.tls.NameType;
import org.bouncycastle.tls.PSKTlsClient;
import org.bouncycastle.tls.ProtocolName;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.TlsContext;
import org.bouncycastle.tls.TlsKeyExchangeFactory;
import org.bouncycastle.tls.ServerName;
import org.bouncycastle.tls.TlsPSKIdentity;
import org.bouncycastle.tls.TlsSession;
import org.bouncycastle.tls.TlsUtils;

/**
 * Entity A's side of the PSK-SAEF handshake (TS-0003 clause 8.2.2.1): offers the enabled clause
 * 10.2.2 suites over TLS 1.2 only, sends {@code psk_identity} = KpsaID and uses {@code psk} = Kpsa,
 * sends SNI (clause 10.2.1), and requires the extended master secret (RFC 7627) unless configured
 * otherwise. Renegotiation requests from the server are refused (BC's default policy). The
 * ClientHello carries no extension that only certificate TLS uses (no status_request, no
 * signature_algorithms) and supported groups only for the DHE_PSK/ECDHE_PSK suites offered.
 */
@SuppressWarnings("rawtypes") // Bouncy Castle's TlsClient API uses raw Vector/Hashtable
final class SaefTlsClient extends PSKTlsClient {

    private final SaefPolicy policy;
    private final ConnectionSpec spec;
    private final HandshakeState state;
    private final Runnable onComplete;
    /** DTLS 1.2 (datagrams) instead of TLS 1.2; everything else is the same policy. */
    private final boolean datagram;
    /** This connection's key exchanges: they wipe the Kpsa, see {@link #notifyConnectionClosed()}. */
    /** The handshake's key exchanges; null once the handshake completed (made again should one start). */
    private SaefKeyExchangeFactory keyExchanges = new SaefKeyExchangeFactory();

    SaefTlsClient(SaefPolicy policy, ConnectionSpec spec, HandshakeState state, Runnable onComplete,
            boolean datagram) {
        super(policy.crypto(), new Identity(state));
        this.policy = policy;
        this.spec = spec;
        this.state = state;
        this.onComplete = onComplete;
        this.datagram = datagram;
    }

    /** The client's PSK identity: the chosen association's KpsaID and a fresh copy of its Kpsa. */
    private static final class Identity implements TlsPSKIdentity {
        private final HandshakeState state;

        Identity(HandshakeState state) {
            this.state = state;
        }

        @Override
        public void skipIdentityHint() {
        }

        @Override
        public void notifyIdentityHint(byte[] psk_identity_hint) {
            // Clause 8.2.2.1 defines no use of the hint; the KpsaID is fixed by the association.
        }

        @Override
        public byte[] getPSKIdentity() {
            Association a = state.association;
            return a.kpsaId().toWire();
        }

        @Override
        public byte[] getPSK() {
            // BC zeroes the array it receives: hand out a copy, keep ours until the handshake ends.
            return state.clientKey.clone();
        }
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

    /*
     * ClientHello extensions: only those that do something in a PSK handshake (bytes matter on
     * constrained links). Bouncy Castle's defaults are made for certificate TLS; no certificate is
     * ever exchanged in PSK-SAEF, so:
     *  - no status_request (RFC 6066 section 8: OCSP stapling of the server's certificate);
     *  - no signature_algorithms (RFC 5246 section 7.4.1.4.1: signatures in certificates and
     *    ServerKeyExchange; PSK, DHE_PSK and ECDHE_PSK ServerKeyExchange messages are not signed);
     *  - supported_groups lists only the groups of the key exchanges offered: FFDHE groups when
     *    DHE_PSK suites are enabled (RFC 7919 section 3: lets the server pick a named group of at
     *    least 2048 bits), EC groups when ECDHE_PSK suites are (RFC 8422 section 5.1.1); none with
     *    plain PSK only. ec_point_formats goes with the EC groups (RFC 8422 section 5.1.2).
     * SNI, ALPN, extended_master_secret and encrypt_then_mac are added as before.
     */

    @Override
    protected CertificateStatusRequest getCertificateStatusRequest() {
        return null;
    }

    @Override
    protected Vector getSupportedSignatureAlgorithms() {
        return null;
    }

    @Override
    protected Vector getSupportedSignatureAlgorithmsCert() {
        return null;
    }

    /**
     * @return the named-group roles of the offered key exchanges only (BC adds the ECDSA role when no
     *     signature algorithms are given, which would bring EC groups back for plain PSK)
     */
    @Override
    protected Vector getNamedGroupRoles() {
        return TlsUtils.getNamedGroupRoles(getCipherSuites());
    }

    /**
     * DTLS: Bouncy Castle's blocking client has made the ClientHello random when it asks for the
     * extensions; it is recorded for the reflection check here (TLS records it after
     * {@code connect}, in {@link TlsConnection}).
     */
    @Override
    public java.util.Hashtable getClientExtensions() throws IOException {
        java.util.Hashtable extensions = super.getClientExtensions();
        if (datagram && state.clientRandom == null) {
            state.recordClientRandom(policy.reflectionGuard(), context.getSecurityParametersHandshake().getClientRandom());
        }
        if (!datagram && policy.clientSessionTickets()) {
            if (extensions == null) {
                extensions = new java.util.Hashtable();
            }
            // RFC 5077 3.2: the ticket of the session offered, else an empty extension asking for one
            CachedSession s = state.resumeCandidate;
            byte[] ticket = s == null ? null : s.ticket();
            extensions.put(EXT_SESSION_TICKET, ticket == null ? TlsUtils.EMPTY_BYTES : ticket);
            offeredExtensions = extensions;
        }
        return extensions;
    }

    /**
     * RFC 9146: with {@link SaefPolicy#connectionIdLength()} set, a DTLS client offers the
     * {@code connection_id} extension with a fresh random ID of that length (the ID the server puts in
     * the records it sends us); a server that supports it answers with its own, which this client then
     * puts in every record it sends, so the server finds the session even after our address changed.
     */
    @Override
    protected byte[] getNewConnectionID() {
        return datagram ? ConnectionIds.fresh(policy) : null;
    }

    /** The extensions of this ClientHello when they carry a SessionTicket extension, else null. */
    private java.util.Hashtable offeredExtensions;

    /**
     * Bouncy Castle may still drop the offered session after it asked for the extensions (a suite, version
     * or extended-master-secret mismatch): the ClientHello then carries no session ID, so it must not carry
     * the session's ticket either (a server accepting it could not say so, RFC 5077 3.4).
     */
    @Override
    @SuppressWarnings("unchecked")
    public void notifySessionToResume(TlsSession session) {
        super.notifySessionToResume(session);
        if (session == null && offeredExtensions != null) {
            offeredExtensions.put(EXT_SESSION_TICKET, TlsUtils.EMPTY_BYTES);
        }
    }

    /** RFC 5077 3.3: keeps the ticket (an empty one means the server changed its mind). */
    @Override
    public void notifyNewSessionTicket(org.bouncycastle.tls.NewSessionTicket newSessionTicket) throws IOException {
        super.notifyNewSessionTicket(newSessionTicket);
        byte[] t = newSessionTicket.getTicket();
        state.receivedTicket = t == null || t.length == 0 ? null : t.clone();
    }

    /** RFC 5077's extension type 35 (Bouncy Castle's constant is protected). */
    private static final Integer EXT_SESSION_TICKET =
            org.bouncycastle.util.Integers.valueOf(org.bouncycastle.tls.ExtensionType.session_ticket);

    @Override
    public boolean requiresExtendedMasterSecret() {
        return policy.requireExtendedMasterSecret();
    }

    @Override
    protected Vector getProtocolNames() {
        if (spec.applicationProtocols().isEmpty()) {
            return null;
        }
        Vector<ProtocolName> names = new Vector<>();
        for (String n : spec.applicationProtocols()) {
            names.add(ProtocolName.asUtf8Encoding(n));
        }
        return names;
    }

    @Override
    protected Vector getSNIServerNames() {
        Vector<ServerName> names = new Vector<>();
        if (!spec.serverNames().isEmpty()) {
            for (SNIServerName n : spec.serverNames()) {
                if (n.getType() == StandardConstants.SNI_HOST_NAME) {
                    names.add(new ServerName(NameType.host_name, n.getEncoded()));
                }
            }
        } else {
            String host = SniNames.hostNameFor(spec.peerHost());
            if (host != null) {
                names.add(new ServerName(NameType.host_name, host.getBytes(StandardCharsets.US_ASCII)));
            }
        }
        return names.isEmpty() ? null : names;
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
        if (keyExchanges == null) {
            keyExchanges = new SaefKeyExchangeFactory();
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
        return policy.clientSessionCache();
    }

    /**
     * Offers the session {@link TlsConnection} picked for this peer and association, after checking its
     * fingerprint against the current Kpsa (RFC 5246 section 7.4.1.2: the client's session ID), or
     * none: a full handshake.
     */
    @Override
    public TlsSession getSessionToResume() {
        CachedSession s = state.resumeCandidate;
        return s == null ? null : s.tlsSession();
    }

    /** @return BC's context of this connection (valid once the protocol has been started) */
    TlsContext getContextForConnection() {
        return context;
    }

    /** Binds the session, then drops what only the handshake needed (offered extensions and suites, the key exchange). */
    @Override
    public void notifyHandshakeComplete() throws IOException {
        super.notifyHandshakeComplete();
        onComplete.run();
        keyExchanges.wipe();
        keyExchanges = null;
        offeredExtensions = null;
        cipherSuites = null; // the suites offered: read only while writing the ClientHello
    }

    /** SNI helpers shared by the client (derive a host name) and tests. */
    static final class SniNames {
        private SniNames() {
        }

        /** @return the ASCII host name for SNI, or null for IP literals and unusable names (RFC 6066 section 3) */
        static String hostNameFor(String host) {
            if (host == null || host.isEmpty() || isIpLiteral(host)) {
                return null;
            }
            String h = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
            try {
                String ascii = IDN.toASCII(h, IDN.USE_STD3_ASCII_RULES);
                new SNIHostName(ascii); // validates
                return ascii;
            } catch (IllegalArgumentException e) {
                return null;
            }
        }

        static boolean isIpLiteral(String host) {
            if (host.indexOf(':') >= 0 || host.startsWith("[")) {
                return true; // IPv6
            }
            return host.matches("\\d{1,3}(\\.\\d{1,3}){3}");
        }
    }
}
