package dev.saef.conformance;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Vector;
import org.bouncycastle.tls.AlertLevel;
import org.bouncycastle.tls.NameType;
import org.bouncycastle.tls.PSKTlsClient;
import org.bouncycastle.tls.PSKTlsServer;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.ServerName;
import org.bouncycastle.tls.TlsClientProtocol;
import org.bouncycastle.tls.TlsExtensionsUtils;
import org.bouncycastle.tls.TlsPSKIdentity;
import org.bouncycastle.tls.TlsPSKIdentityManager;
import org.bouncycastle.tls.TlsProtocol;
import org.bouncycastle.tls.TlsServerProtocol;
import org.bouncycastle.tls.crypto.impl.bc.BcTlsCrypto;

/**
 * An independent TLS-PSK peer for the conformance tests: Bouncy Castle's own {@code PSKTlsClient} /
 * {@code PSKTlsServer} on BC's pure-Java crypto ({@link BcTlsCrypto}, not SAEF's JCA-based crypto),
 * driven without SAEF's protocol layer, with knobs to misbehave: any suites (also outside the PSK-SAEF
 * profile), any protocol versions, any identity octets, with or without extended master secret,
 * encrypt-then-MAC, SNI, a PSK identity hint.
 */
final class BcPeer implements Link.End {

    /** Alerts seen by this peer: {@code [level, description]}. */
    final List<short[]> alertsReceived = new ArrayList<>();
    final List<short[]> alertsRaised = new ArrayList<>();
    /** Client: the identity hint the server sent, {@code null} when it sent no ServerKeyExchange hint. */
    byte[] hintSeen;
    boolean hintSkipped;
    /** Server: the identity the client offered. */
    byte[] identitySeen;
    /** The suite negotiated, -1 before. */
    int selectedSuite = -1;
    /** The peer's view of the session parameters once done. */
    boolean extendedMasterSecret;
    boolean encryptThenMac;
    /** Server: the SNI host names received. */
    List<String> sniReceived = new ArrayList<>();

    private final TlsProtocol protocol;
    private final Runnable starter;
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();
    private boolean done;
    private Throwable failure;
    private org.bouncycastle.tls.TlsContext tlsContext;

    private BcPeer(boolean client, Builder b) {
        BcTlsCrypto crypto = new BcTlsCrypto(new SecureRandom());
        if (client) {
            TlsClientProtocol p = new TlsClientProtocol();
            this.protocol = p;
            Client c = new Client(crypto, b);
            this.starter = () -> {
                try {
                    p.connect(c);
                } catch (IOException e) {
                    fail(e);
                }
            };
        } else {
            TlsServerProtocol p = new TlsServerProtocol();
            this.protocol = p;
            Server s = new Server(crypto, b);
            this.starter = () -> {
                try {
                    p.accept(s);
                } catch (IOException e) {
                    fail(e);
                }
            };
        }
    }

    /** A client builder: identity and key required. */
    static Builder client(String identity, String keyHex) {
        return new Builder(true).identity(identity.getBytes(StandardCharsets.UTF_8)).key(Saef.hex(keyHex));
    }

    /** A server builder knowing one identity. */
    static Builder server(String identity, String keyHex) {
        return new Builder(false).knows(identity.getBytes(StandardCharsets.UTF_8), Saef.hex(keyHex));
    }

    /** Knobs. Defaults: TLS 1.2, the mandatory suite, EMS and EtM offered, no SNI, no hint. */
    static final class Builder {
        final boolean client;
        byte[] identity;
        byte[] key;
        final Map<String, byte[]> keys = new HashMap<>();
        int[] suites = {org.bouncycastle.tls.CipherSuite.TLS_PSK_WITH_AES_128_CBC_SHA256};
        ProtocolVersion[] versions = ProtocolVersion.TLSv12.only();
        boolean ems = true;
        boolean etm = true;
        List<String> sni;
        byte[] hint;

        Builder(boolean client) {
            this.client = client;
        }

        Builder identity(byte[] v) {
            identity = v;
            return this;
        }

        Builder key(byte[] v) {
            key = v;
            return this;
        }

        Builder knows(byte[] id, byte[] k) {
            keys.put(Saef.hex(id), k);
            return this;
        }

        Builder suites(int... v) {
            suites = v;
            return this;
        }

        Builder versions(ProtocolVersion... v) {
            versions = v;
            return this;
        }

        Builder ems(boolean v) {
            ems = v;
            return this;
        }

        Builder etm(boolean v) {
            etm = v;
            return this;
        }

        Builder sni(String... names) {
            sni = List.of(names);
            return this;
        }

        Builder hint(String v) {
            hint = v.getBytes(StandardCharsets.UTF_8);
            return this;
        }

        BcPeer build() {
            return new BcPeer(client, this);
        }
    }

    private final class Client extends PSKTlsClient {
        private final Builder b;

        Client(BcTlsCrypto crypto, Builder b) {
            super(crypto, new TlsPSKIdentity() {
                @Override
                public void skipIdentityHint() {
                    hintSkipped = true;
                }

                @Override
                public void notifyIdentityHint(byte[] h) {
                    hintSeen = h == null ? null : h.clone();
                }

                @Override
                public byte[] getPSKIdentity() {
                    return b.identity.clone();
                }

                @Override
                public byte[] getPSK() {
                    return b.key.clone();
                }
            });
            this.b = b;
        }

        @Override
        protected ProtocolVersion[] getSupportedVersions() {
            return b.versions;
        }

        @Override
        protected int[] getSupportedCipherSuites() {
            return b.suites;
        }

        @Override
        public boolean shouldUseExtendedMasterSecret() {
            return b.ems;
        }

        @Override
        public Hashtable getClientExtensions() throws IOException {
            Hashtable ext = super.getClientExtensions();
            if (ext == null) {
                ext = new Hashtable();
            }
            if (b.etm) {
                TlsExtensionsUtils.addEncryptThenMACExtension(ext);
            } else {
                ext.remove(TlsExtensionsUtils.EXT_encrypt_then_mac);
            }
            return ext;
        }

        @Override
        @SuppressWarnings({"unchecked", "rawtypes"})
        protected Vector getSNIServerNames() {
            if (b.sni == null) {
                return null;
            }
            Vector v = new Vector();
            for (String n : b.sni) {
                v.add(new ServerName(NameType.host_name, n.getBytes(StandardCharsets.US_ASCII)));
            }
            return v;
        }

        @Override
        public void notifySelectedCipherSuite(int suite) {
            super.notifySelectedCipherSuite(suite);
            selectedSuite = suite;
        }

        @Override
        public void notifyAlertRaised(short level, short description, String message, Throwable cause) {
            alertsRaised.add(new short[] {level, description});
        }

        @Override
        public void notifyAlertReceived(short level, short description) {
            alertsReceived.add(new short[] {level, description});
        }

        @Override
        public void notifyHandshakeComplete() throws IOException {
            super.notifyHandshakeComplete();
            tlsContext = this.context;
            complete();
        }
    }

    private final class Server extends PSKTlsServer {
        private final Builder b;

        Server(BcTlsCrypto crypto, Builder b) {
            super(crypto, new TlsPSKIdentityManager() {
                @Override
                public byte[] getHint() {
                    return b.hint == null ? null : b.hint.clone();
                }

                @Override
                public byte[] getPSK(byte[] identity) {
                    identitySeen = identity.clone();
                    byte[] k = b.keys.get(Saef.hex(identity));
                    return k == null ? null : k.clone();
                }
            });
            this.b = b;
        }

        @Override
        protected ProtocolVersion[] getSupportedVersions() {
            return b.versions;
        }

        @Override
        protected int[] getSupportedCipherSuites() {
            return b.suites;
        }

        @Override
        public boolean shouldUseExtendedMasterSecret() {
            return b.ems;
        }

        @Override
        protected boolean allowEncryptThenMAC() {
            return b.etm;
        }

        @Override
        public void processClientExtensions(Hashtable clientExtensions) throws IOException {
            super.processClientExtensions(clientExtensions);
            if (clientExtensions != null) {
                Vector<?> names = TlsExtensionsUtils.getServerNameExtensionClient(clientExtensions);
                if (names != null) {
                    for (Object o : names) {
                        sniReceived.add(new String(((ServerName) o).getNameData(), StandardCharsets.US_ASCII));
                    }
                }
            }
        }

        @Override
        public int getSelectedCipherSuite() throws IOException {
            selectedSuite = super.getSelectedCipherSuite();
            return selectedSuite;
        }

        @Override
        public void notifyAlertRaised(short level, short description, String message, Throwable cause) {
            alertsRaised.add(new short[] {level, description});
        }

        @Override
        public void notifyAlertReceived(short level, short description) {
            alertsReceived.add(new short[] {level, description});
        }

        @Override
        public void notifyHandshakeComplete() throws IOException {
            super.notifyHandshakeComplete();
            tlsContext = this.context;
            complete();
        }
    }

    private void complete() {
        done = true;
        org.bouncycastle.tls.SecurityParameters sp = tlsContext.getSecurityParametersConnection();
        extendedMasterSecret = sp.isExtendedMasterSecret();
        encryptThenMac = sp.isEncryptThenMAC();
    }

    private void fail(Throwable t) {
        if (failure == null) {
            failure = t;
        }
    }

    /** @return whether a fatal alert with this description was received */
    boolean receivedFatal(short description) {
        return alertsReceived.stream().anyMatch(a -> a[0] == AlertLevel.fatal && a[1] == description);
    }

    /** @return whether an alert with this description was raised (sent) by this peer */
    boolean raised(short description) {
        return alertsRaised.stream().anyMatch(a -> a[1] == description);
    }

    @Override
    public void begin() {
        starter.run();
    }

    @Override
    public byte[] produce() {
        int n = protocol.getAvailableOutputBytes();
        byte[] out = new byte[n];
        protocol.readOutput(out, 0, n);
        return out;
    }

    @Override
    public void consume(byte[] data) {
        if (protocol.isClosed()) {
            return;
        }
        try {
            protocol.offerInput(data);
        } catch (IOException e) {
            fail(e);
        }
        int n = protocol.getAvailableInputBytes();
        if (n > 0) {
            byte[] b = new byte[n];
            protocol.readInput(b, 0, n);
            received.writeBytes(b);
        }
    }

    @Override
    public boolean handshakeDone() {
        return done;
    }

    @Override
    public Throwable failure() {
        return failure;
    }

    @Override
    public void send(byte[] data) {
        try {
            protocol.writeApplicationData(data, 0, data.length);
        } catch (IOException e) {
            fail(e);
        }
    }

    @Override
    public byte[] takeReceived() {
        byte[] b = received.toByteArray();
        received.reset();
        return b;
    }

    @Override
    public String toString() {
        return "BcPeer[done=" + done + ", failure=" + failure + ", received alerts "
                + alertsReceived.stream().map(Arrays::toString).toList() + "]";
    }
}
