package dev.saef.jsse;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import org.bouncycastle.tls.BasicTlsPSKIdentity;
import org.bouncycastle.tls.PSKTlsClient;
import org.bouncycastle.tls.PSKTlsServer;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.TlsClientProtocol;
import org.bouncycastle.tls.TlsPSKIdentityManager;
import org.bouncycastle.tls.TlsProtocol;
import org.bouncycastle.tls.TlsServerProtocol;
import org.bouncycastle.tls.crypto.impl.bc.BcTlsCrypto;

/**
 * The other end of a fuzzed connection: Bouncy Castle's own {@code PSKTlsClient} or
 * {@code PSKTlsServer} (pure-Java {@link BcTlsCrypto}, not SAEF's crypto) that completes a real
 * handshake with a SAEF peer and then misbehaves as an <em>authenticated</em> attacker: it holds the
 * Kpsa, so the records it writes with {@link #writeRecord} pass the record MAC and carry any content
 * type and content (post-handshake handshake messages, alerts, ChangeCipherSpec, unknown types), on
 * the live sequence numbers. Non-blocking ({@link #offer}/{@link #drain}) or over streams (blocking).
 */
final class BcAttacker {

    /** The identity and key both sides are provisioned with (test-only key). */
    static final String KPSA = "cse-mn1@sp.example.com";

    private final TlsProtocol protocol;
    private final Runnable start;

    private BcAttacker(TlsProtocol protocol, Runnable start) {
        this.protocol = protocol;
        this.start = start;
    }

    /** A client offering exactly {@code suite}, identity {@link #KPSA}; non-blocking when {@code in} is null. */
    static BcAttacker client(int suite, InputStream in, OutputStream out) {
        BcTlsCrypto crypto = new BcTlsCrypto(new SecureRandom());
        PSKTlsClient client = new PSKTlsClient(crypto,
                new BasicTlsPSKIdentity(KPSA.getBytes(StandardCharsets.UTF_8), hex(Peers.KEY_HEX))) {
            @Override
            protected int[] getSupportedCipherSuites() {
                return new int[] {suite};
            }

            @Override
            protected ProtocolVersion[] getSupportedVersions() {
                return ProtocolVersion.TLSv12.only();
            }
        };
        Client p = in == null ? new Client() : new Client(in, out);
        return new BcAttacker(p, () -> {
            try {
                p.connect(client);
            } catch (IOException e) {
                throw new IllegalStateException("BC client handshake failed", e);
            }
        });
    }

    /** A server accepting exactly {@code suite} and identity {@link #KPSA}. */
    static BcAttacker server(int suite, InputStream in, OutputStream out) {
        BcTlsCrypto crypto = new BcTlsCrypto(new SecureRandom());
        byte[] id = KPSA.getBytes(StandardCharsets.UTF_8);
        TlsPSKIdentityManager ids = new TlsPSKIdentityManager() {
            @Override
            public byte[] getHint() {
                return null;
            }

            @Override
            public byte[] getPSK(byte[] identity) {
                return java.util.Arrays.equals(identity, id) ? hex(Peers.KEY_HEX) : null;
            }
        };
        PSKTlsServer server = new PSKTlsServer(crypto, ids) {
            @Override
            protected int[] getSupportedCipherSuites() {
                return new int[] {suite};
            }

            @Override
            protected ProtocolVersion[] getSupportedVersions() {
                return ProtocolVersion.TLSv12.only();
            }
        };
        Server p = in == null ? new Server() : new Server(in, out);
        return new BcAttacker(p, () -> {
            try {
                p.accept(server);
            } catch (IOException e) {
                throw new IllegalStateException("BC server handshake failed", e);
            }
        });
    }

    /** Starts the handshake (non-blocking) or runs it to the end (blocking). */
    void start() {
        start.run();
    }

    boolean isHandshaking() {
        return protocol.isHandshaking();
    }

    /** Non-blocking: hands bytes from SAEF to Bouncy Castle (throws when BC receives a fatal alert). */
    void offer(byte[] b) throws IOException {
        if (b.length > 0) {
            protocol.offerInput(b);
        }
    }

    /** Non-blocking: what Bouncy Castle wants to send. */
    byte[] drain() {
        int n = protocol.getAvailableOutputBytes();
        byte[] out = new byte[n];
        protocol.readOutput(out, 0, n);
        return out;
    }

    /** Non-blocking: application data BC received. */
    byte[] applicationData() {
        int n = protocol.getAvailableInputBytes();
        byte[] out = new byte[n];
        protocol.readInput(out, 0, n);
        return out;
    }

    /** A record of any type and content, protected with the connection's current keys. */
    void writeRecord(short type, byte[] content) throws IOException {
        ((Attacker) protocol).write(type, content);
    }

    void writeApplicationData(byte[] b) throws IOException {
        protocol.writeApplicationData(b, 0, b.length);
    }

    void close() throws IOException {
        protocol.close();
    }

    InputStream inputStream() {
        return protocol.getInputStream();
    }

    boolean isClosed() {
        return protocol.isClosed();
    }

    static byte[] hex(String s) {
        byte[] b = new byte[s.length() / 2];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
        }
        return b;
    }

    private interface Attacker {
        void write(short type, byte[] content) throws IOException;
    }

    private static final class Client extends TlsClientProtocol implements Attacker {
        Client() {
        }

        Client(InputStream in, OutputStream out) {
            super(in, out);
        }

        @Override
        public void write(short type, byte[] content) throws IOException {
            safeWriteRecord(type, content, 0, content.length);
        }
    }

    private static final class Server extends TlsServerProtocol implements Attacker {
        Server() {
        }

        Server(InputStream in, OutputStream out) {
            super(in, out);
        }

        @Override
        public void write(short type, byte[] content) throws IOException {
            safeWriteRecord(type, content, 0, content.length);
        }
    }
}
