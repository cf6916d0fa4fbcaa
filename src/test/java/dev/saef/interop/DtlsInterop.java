package dev.saef.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Assumptions;

import dev.saef.identity.SaefPrincipal;
import dev.saef.jsse.DtlsDriver;
import dev.saef.jsse.DtlsServer;
import dev.saef.profile.CipherSuiteInfo;
import dev.saef.profile.SuiteProfile;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLSession;

/**
 * The SAEF side of the DTLS interop tests ({@code DtlsGnuTlsInteropTest}, {@code DtlsScandiumInteropTest},
 * {@code DtlsLossyNetworkTest}), through public APIs only: {@code SSLContext.getInstance("DTLS", "SAEF")}
 * engines driven like the JDK's DTLS engine ({@link DtlsDriver}) for the client role, the public
 * {@link DtlsServer} for the server role. One KpsaID and Kpsa for every peer; ECDHE_PSK is enabled in
 * the SAEF contexts (it is off by default) so that every suite of the profile can be tried.
 */
final class DtlsInterop {

    static final String KPSA = "ae42@sp.example.com";
    static final String KEY = "00112233445566778899aabbccddeeff";
    /** The AE-ID the SAEF server's table gives the client. */
    static final String CLIENT_AE = "CAE-dtls-interop";
    static final Duration WAIT = Duration.ofSeconds(10);
    /**
     * System property: {@code false} skips the AES-256 suites against the external tools (OpenSSL,
     * GnuTLS), where each cell costs a process (they are then recorded as skipped with this reason);
     * by default every suite both share runs.
     */
    static final String ALL_SUITES = "saef.interop.dtlsAllSuites";

    private DtlsInterop() {
    }

    /** @return the Kpsa as bytes (a fresh copy for a peer's PSK store) */
    static byte[] key() {
        return HexFormat.of().parseHex(KEY);
    }

    /** @return the suite names of the profile, in profile order: the rows of a DTLS interop matrix */
    static List<String> profileSuites() {
        return SuiteProfile.all().stream().map(CipherSuiteInfo::name).toList();
    }

    /**
     * Aborts (the cell is recorded as skipped, saying why) an AES-256 suite when {@value #ALL_SUITES} is
     * {@code false}: its AES-128 twin of the same key exchange and mode runs, through the same DTLS
     * record and handshake code.
     */
    static void assumeDefaultCell(String suite) {
        Assumptions.assumeTrue(!suite.contains("_AES_256_") || !"false".equals(System.getProperty(ALL_SUITES)),
                () -> "skipped with -D" + ALL_SUITES + "=false: the AES-256 twin of an AES-128 suite that runs");
    }

    /** @return the profile's suite of that name */
    static CipherSuiteInfo info(String suite) {
        return SuiteProfile.byName(suite).orElseThrow();
    }

    /** A SAEF DTLS client context whose table puts {@code /id-in} at 127.0.0.1:port. */
    static SSLContext clientContext(int port) throws Exception {
        return InteropContexts.dtlsContext(InteropContexts.clientTable(KPSA, port, KEY), c -> c.withEcdhePskEnabled(true));
    }

    /** A SAEF DTLS server context that knows the client as {@value #CLIENT_AE}. */
    static SSLContext serverContext() throws Exception {
        return InteropContexts.dtlsContext(InteropContexts.serverTable(KPSA, CLIENT_AE, KEY),
                c -> c.withEcdhePskEnabled(true));
    }

    /** A SAEF {@link DtlsServer} that echoes every datagram and reports each peer that connected. */
    static final class EchoServer implements AutoCloseable {
        final DtlsServer server;
        final BlockingQueue<DtlsServer.Peer> connected = new LinkedBlockingQueue<>();
        final BlockingQueue<String> closed = new LinkedBlockingQueue<>();

        EchoServer(SSLContext ctx, int maximumPacketSize) throws IOException {
            this.server = DtlsServer.builder(ctx).maximumPacketSize(maximumPacketSize).threads(2)
                    .handshakeTimeout(Duration.ofSeconds(30)).start(new DtlsServer.Handler() {
                        @Override
                        public void onConnected(DtlsServer.Peer peer) {
                            connected.add(peer);
                        }

                        @Override
                        public void onMessage(DtlsServer.Peer peer, byte[] data) throws IOException {
                            peer.send(data);
                        }

                        @Override
                        public void onClosed(DtlsServer.Peer peer, String reason) {
                            closed.add(peer.address() + ": " + reason);
                        }
                    });
        }

        int port() {
            return server.localAddress().getPort();
        }

        /** @return the next peer that completed its handshake (fails after {@link #WAIT}) */
        DtlsServer.Peer awaitConnected() throws InterruptedException {
            DtlsServer.Peer p = connected.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            if (p == null) {
                throw new AssertionError("no peer completed a DTLS handshake with the SAEF server within " + WAIT
                        + "; peers closed meanwhile: " + closed);
            }
            return p;
        }

        @Override
        public void close() {
            server.close();
        }
    }

    /** Checks a SAEF server's peer: the suite, DTLS 1.2, and the principal bound to the KpsaID. */
    static void assertServerSide(DtlsServer.Peer peer, String suite) throws Exception {
        SSLSession s = peer.session();
        assertEquals(suite, s.getCipherSuite(), "the SAEF server's session suite");
        assertEquals("DTLSv1.2", s.getProtocol());
        SaefPrincipal p = (SaefPrincipal) peer.principal();
        assertEquals(CLIENT_AE, p.getName());
        assertEquals(KPSA, p.kpsaId().orElseThrow().value());
    }

    /** What a SAEF client's exchange with a peer server gave. */
    record ClientRun(SSLSession session, int localPort, byte[] echoed) {
    }

    /**
     * A SAEF client engine for exactly one suite does the handshake with the server at 127.0.0.1:port
     * (the JDK-style loop of {@link DtlsDriver}, retransmitting after {@code retransmitAfter} of
     * silence), sends {@code data}, reads one datagram of application data back, and sends close_notify.
     * Checks the session's suite, protocol and bound peer ({@code /id-in}).
     */
    static ClientRun clientRoundTrip(int port, String suite, byte[] data, Duration retransmitAfter) throws Exception {
        SSLContext ctx = clientContext(port);
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            socket.setSoTimeout((int) retransmitAfter.toMillis());
            SSLEngine e = ctx.createSSLEngine("127.0.0.1", port);
            e.setUseClientMode(true);
            e.setEnabledCipherSuites(new String[] {suite});
            InetSocketAddress to = new InetSocketAddress("127.0.0.1", port);
            DtlsDriver d = new DtlsDriver(e, socket, to, "SAEF client");
            d.handshake();
            SSLSession session = e.getSession();
            assertEquals(suite, session.getCipherSuite(), "the SAEF client's session suite");
            assertEquals("DTLSv1.2", session.getProtocol());
            assertEquals("/id-in", session.getPeerPrincipal().getName());
            d.send(data);
            socket.setSoTimeout((int) WAIT.toMillis());
            byte[] back = d.receive();
            closeNotify(e, socket, to);
            return new ClientRun(session, socket.getLocalPort(), back);
        }
    }

    /** Sends the engine's close_notify (best effort, as an application closing would). */
    static void closeNotify(SSLEngine e, DatagramSocket socket, InetSocketAddress to) throws IOException {
        e.closeOutbound();
        for (int i = 0; i < 4 && !e.isOutboundDone(); i++) {
            ByteBuffer net = ByteBuffer.allocate(e.getSession().getPacketBufferSize());
            SSLEngineResult r = e.wrap(ByteBuffer.allocate(0), net);
            net.flip();
            if (net.hasRemaining()) {
                socket.send(new DatagramPacket(net.array(), 0, net.limit(), to));
            }
            if (r.bytesProduced() == 0) {
                break;
            }
        }
    }
}
