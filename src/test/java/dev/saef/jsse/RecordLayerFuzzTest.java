package dev.saef.jsse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.saef.fuzz.FuzzInput;
import dev.saef.fuzz.KnownFindings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLEngineResult.Status;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.CipherSuite;
import org.bouncycastle.tls.TlsFatalAlertReceived;

/**
 * Coverage-guided fuzzing (Jazzer) of the record layer <em>after a good handshake</em>, both roles,
 * over SAEF's {@link SSLEngine} and over SAEF's sockets on real loopback TCP. The other end is
 * {@link BcAttacker}: Bouncy Castle's own PSK peer, which completes a real handshake and then sends
 * what the fuzz input says: raw bytes (an attacker without the key: any header, type, version,
 * length, garbage, truncation), records of any content type protected with the session keys (an
 * attacker with the key: post-handshake handshake messages, alerts, ChangeCipherSpec, unknown types),
 * application data, tampered copies of protected records, close_notify.
 *
 * <p>Oracle: SAEF never throws anything but {@link SSLException}, never hangs, delivers to the
 * application exactly the protected application data the peer sent (in order, a prefix of it when
 * the connection fails), never anything unauthenticated; and when it fails it sends a fatal alert
 * that is not {@code internal_error} (RFC 5246 section 7.2.2: that alert is for our own faults).
 *
 * <p>Input format ({@link FuzzInput}): a flags byte (bit 0: SAEF is the client; bits 1-2: suite),
 * then operations {@code op, ...} until the input ends. See {@link #OPS}.
 */
class RecordLayerFuzzTest {

    /** The suites fuzzed: both MAC-then-encrypt/EtM CBC and AEAD (GCM, SAEF's own CCM) record protection. */
    static final int[] SUITES = {CipherSuite.TLS_PSK_WITH_AES_128_CBC_SHA256, CipherSuite.TLS_PSK_WITH_AES_128_GCM_SHA256,
        CipherSuite.TLS_PSK_WITH_AES_128_CCM_8, CipherSuite.TLS_PSK_WITH_AES_256_CBC_SHA384};

    /** Operation codes (taken modulo 8). */
    static final int RAW = 0;
    static final int RECORD = 1;
    static final int APP_DATA = 2;
    static final int TAMPERED = 3;
    static final int CHUNK = 4;
    static final int SAEF_WRITES = 5;
    static final int CLOSE = 6;
    static final int RAW_HEADER = 7;
    static final String OPS = "RAW n bytes | RECORD type n content | APP_DATA n bytes | TAMPERED type n content mode"
            + " pos value | CHUNK size | SAEF_WRITES n | CLOSE who | RAW_HEADER type version length n bytes";

    static final int MAX_OPS = 48;
    static final int MAX_RECORD = 16384;

    private static final SSLContext SERVER = context(Peers.serverTable(BcAttacker.KPSA, "/id-mn1", Peers.KEY_HEX));
    private static final SSLContext CLIENT = context(Peers.clientTable(BcAttacker.KPSA, "mn1.example.net:443",
            Peers.KEY_HEX));
    private static final SSLContext SOCKET_CLIENT = context(Peers.clientTable(BcAttacker.KPSA, "127.0.0.1",
            Peers.KEY_HEX));

    private static SSLContext context(String table) {
        try {
            return Peers.context(table);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @FuzzTest(maxDuration = "10m")
    void engine(byte[] data) throws Exception {
        FuzzInput in = new FuzzInput(data);
        int flags = in.u8();
        new EngineRun((flags & 1) != 0, SUITES[(flags >> 1) & 3]).run(in);
    }

    @FuzzTest(maxDuration = "10m")
    void socket(byte[] data) throws Exception {
        allowLoopbackConnections();
        FuzzInput in = new FuzzInput(data);
        int flags = in.u8();
        new SocketRun((flags & 1) != 0, SUITES[(flags >> 1) & 3]).run(in);
    }

    /** Jazzer's SSRF detector would report our own loopback connections; outside Jazzer there is none. */
    private static void allowLoopbackConnections() {
        try {
            BugDetectors.allowNetworkConnections((host, port) -> InetAddress.getLoopbackAddress().getHostAddress()
                    .equals(host) || "127.0.0.1".equals(host) || "localhost".equals(host));
        } catch (IllegalStateException | LinkageError notUnderJazzer) {
            // plain JVM (dev.saef.fuzz.Replay): nothing to configure
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Engine

    /** One SAEF engine and one BC peer, in memory. */
    static final class EngineRun {
        final boolean saefClient;
        final SSLEngine saef;
        final BcAttacker peer;
        ByteBuffer inbound = ByteBuffer.allocate(1 << 16);
        ByteBuffer app;
        final ByteBuffer net;
        final ByteArrayOutputStream expected = new ByteArrayOutputStream();
        final ByteArrayOutputStream received = new ByteArrayOutputStream();
        final ByteArrayOutputStream peerExpected = new ByteArrayOutputStream();
        final ByteArrayOutputStream peerReceived = new ByteArrayOutputStream();
        int chunk;
        SSLException saefFailure;
        boolean peerSentFatal;
        boolean peerDead;

        EngineRun(boolean saefClient, int suite) {
            this.saefClient = saefClient;
            if (saefClient) {
                saef = CLIENT.createSSLEngine("mn1.example.net", 443);
                saef.setUseClientMode(true);
                peer = BcAttacker.server(suite, null, null);
            } else {
                saef = SERVER.createSSLEngine();
                saef.setUseClientMode(false);
                peer = BcAttacker.client(suite, null, null);
            }
            app = ByteBuffer.allocate(saef.getSession().getApplicationBufferSize());
            net = ByteBuffer.allocate(saef.getSession().getPacketBufferSize());
        }

        void run(FuzzInput in) throws Exception {
            handshake();
            for (int ops = 0; ops < MAX_OPS && in.hasMore() && saefFailure == null && !peerDead; ops++) {
                int op = in.u8() % 8;
                switch (op) {
                    case RAW -> toSaef(in.lengthPrefixed(4096));
                    case RECORD -> {
                        short type = (short) in.u8();
                        byte[] content = in.lengthPrefixed(MAX_RECORD);
                        if (peerWrite(type, content) && type == 23) {
                            expected.write(content);
                        }
                        toSaef(peer.drain());
                    }
                    case APP_DATA -> {
                        byte[] content = in.lengthPrefixed(MAX_RECORD * 2);
                        try {
                            peer.writeApplicationData(content);
                            expected.write(content);
                        } catch (IOException e) {
                            peerDead = true;
                        }
                        toSaef(peer.drain());
                    }
                    case TAMPERED -> {
                        short type = (short) in.u8();
                        byte[] content = in.lengthPrefixed(MAX_RECORD);
                        toSaef(peer.drain());
                        if (peerWrite(type, content)) {
                            byte[] original = peer.drain();
                            byte[] tampered = tamper(original, in.u8(), in.u16(), in.u16());
                            if (type == 23 && authenticContent(original, tampered)) {
                                expected.write(content);
                            }
                            toSaef(tampered);
                        }
                    }
                    case CHUNK -> chunk = in.u16() % 2049;
                    case SAEF_WRITES -> saefWrites(in.lengthPrefixed(MAX_RECORD * 2));
                    case CLOSE -> {
                        if ((in.u8() & 1) == 0) {
                            saef.closeOutbound();
                            flushSaef();
                        } else {
                            try {
                                peer.close();
                            } catch (IOException e) {
                                peerDead = true;
                            }
                            toSaef(peer.drain());
                        }
                    }
                    case RAW_HEADER -> {
                        byte[] header = {(byte) in.u8(), (byte) in.u8(), (byte) in.u8(), (byte) in.u8(), (byte) in.u8()};
                        byte[] body = in.lengthPrefixed(4096);
                        byte[] all = Arrays.copyOf(header, 5 + body.length);
                        System.arraycopy(body, 0, all, 5, body.length);
                        toSaef(all);
                    }
                    default -> throw new AssertionError(op);
                }
                assertPrefix(expected.toByteArray(), received.toByteArray(), "SAEF delivered data the peer never sent");
            }
            finish();
        }

        private boolean peerWrite(short type, byte[] content) {
            try {
                peer.writeRecord(type, content);
                return true;
            } catch (IOException | RuntimeException e) {
                peerDead = true; // BC refuses (closed, or a type it cannot write): not SAEF's business
                return false;
            }
        }

        private void handshake() throws Exception {
            peer.start();
            if (saefClient) {
                saef.beginHandshake();
            }
            for (int i = 0; i < 50; i++) {
                flushSaef();
                toSaef(peer.drain());
                if (!peer.isHandshaking() && saef.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING) {
                    break;
                }
            }
            if (saefFailure != null || peer.isHandshaking() || saef.getHandshakeStatus() != HandshakeStatus.NOT_HANDSHAKING) {
                throw new AssertionError("the good handshake did not complete: SAEF " + saef.getHandshakeStatus()
                        + ", peer handshaking " + peer.isHandshaking(), saefFailure);
            }
        }

        /** Bytes from the peer to SAEF, in chunks of {@link #chunk} (0: all at once). */
        void toSaef(byte[] bytes) throws Exception {
            int step = chunk == 0 ? Math.max(1, bytes.length) : chunk;
            for (int off = 0; off < bytes.length && saefFailure == null; off += step) {
                int n = Math.min(step, bytes.length - off);
                if (inbound.remaining() < n) {
                    ByteBuffer bigger = ByteBuffer.allocate(inbound.capacity() + n + (1 << 16));
                    inbound.flip();
                    bigger.put(inbound);
                    inbound = bigger;
                }
                inbound.put(bytes, off, n);
                pumpSaef();
            }
        }

        /** Lets SAEF consume what it has, answering as it asks (wrap, tasks). */
        void pumpSaef() throws Exception {
            for (int guard = 0; guard < 10_000 && saefFailure == null; guard++) {
                HandshakeStatus hs = saef.getHandshakeStatus();
                if (hs == HandshakeStatus.NEED_TASK) {
                    Runnable t;
                    while ((t = saef.getDelegatedTask()) != null) {
                        t.run();
                    }
                    continue;
                }
                if (hs == HandshakeStatus.NEED_WRAP) {
                    flushSaef();
                    continue;
                }
                inbound.flip();
                SSLEngineResult r;
                try {
                    r = saef.unwrap(inbound, app);
                } catch (SSLException e) {
                    inbound.compact();
                    failed(e);
                    return;
                }
                inbound.compact();
                app.flip();
                received.write(app.array(), app.arrayOffset(), app.remaining());
                app.clear();
                if (r.getStatus() == Status.BUFFER_OVERFLOW) {
                    app = ByteBuffer.allocate(app.capacity() * 2);
                    continue;
                }
                if (r.getStatus() == Status.CLOSED) {
                    flushSaef();
                    return;
                }
                if (r.getStatus() == Status.BUFFER_UNDERFLOW || inbound.position() == 0) {
                    if (saef.getHandshakeStatus() == HandshakeStatus.NEED_WRAP) {
                        flushSaef();
                    }
                    return;
                }
            }
            if (saefFailure == null) {
                fail("SAEF's engine makes no progress on its input (10000 unwrap calls)");
            }
        }

        /** Everything SAEF wants to send goes to the peer; what the peer answers goes back. */
        void flushSaef() throws Exception {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (int guard = 0; guard < 1000; guard++) {
                net.clear();
                SSLEngineResult r;
                try {
                    r = saef.wrap(ByteBuffer.allocate(0), net);
                } catch (SSLException e) {
                    failed(e);
                    break;
                }
                out.write(net.array(), 0, net.position());
                if (r.bytesProduced() == 0 || r.getStatus() == Status.CLOSED
                        && saef.getHandshakeStatus() != HandshakeStatus.NEED_WRAP) {
                    break;
                }
            }
            toPeer(out.toByteArray());
        }

        private void toPeer(byte[] bytes) throws Exception {
            if (bytes.length == 0 || peerDead) {
                return;
            }
            try {
                peer.offer(bytes);
                peerReceived.write(peer.applicationData());
            } catch (TlsFatalAlertReceived alert) {
                peerDead = true;
                peerSentFatal = false;
                if (alert.getAlertDescription() == AlertDescription.internal_error) {
                    KnownFindings.raise(new AssertionError("SAEF answered the peer's input with internal_error (RFC 5246"
                            + " 7.2.2: for our own faults only): " + (saefFailure == null ? "(no exception)" : saefFailure),
                            saefFailure));
                }
            } catch (IOException e) {
                peerDead = true;
            }
            byte[] answer = peer.drain();
            if (answer.length > 0 && saefFailure == null) {
                toSaef(answer);
            }
        }

        private void saefWrites(byte[] data) throws Exception {
            ByteBuffer src = ByteBuffer.wrap(data);
            do {
                net.clear();
                SSLEngineResult r;
                try {
                    r = saef.wrap(src, net);
                } catch (SSLException e) {
                    failed(e);
                    return;
                }
                net.flip();
                byte[] b = new byte[net.remaining()];
                net.get(b);
                if (r.getStatus() != Status.OK) {
                    toPeer(b);
                    return;
                }
                peerExpected.write(data, src.position() - r.bytesConsumed(), r.bytesConsumed());
                toPeer(b);
            } while (src.hasRemaining());
            if (!peerDead) {
                assertPrefix(peerExpected.toByteArray(), peerReceived.toByteArray(), "the peer got other data than SAEF sent");
            }
        }

        /** SAEF failed: a clean SSLException; it must say why, be closed inbound, and send its alert. */
        private void failed(SSLException e) throws Exception {
            if (saefFailure != null) {
                return;
            }
            saefFailure = e;
            assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), "SSLException without a message");
            assertTrue(saef.isInboundDone(), "inbound not done after " + e);
            flushSaef(); // the alert goes to the peer; toPeer checks its description
            // the failed engine stays failed, cleanly
            inbound.flip();
            try {
                SSLEngineResult r = saef.unwrap(inbound, app);
                assertEquals(Status.CLOSED, r.getStatus(), "unwrap after a failure");
            } catch (SSLException again) {
                // fine: the engine reports the failure again
            } finally {
                inbound.compact();
            }
            net.clear();
            try {
                saef.wrap(ByteBuffer.wrap(new byte[10]), net);
            } catch (SSLException again) {
                // fine
            }
            saef.getSession().getCipherSuite(); // still answers
        }

        private void finish() {
            byte[] exp = expected.toByteArray();
            byte[] got = received.toByteArray();
            assertPrefix(exp, got, "SAEF delivered data the peer never sent");
            if (saefFailure == null && !peerDead && inbound.position() == 0 && !saef.isInboundDone()) {
                assertEquals(exp.length, got.length, "SAEF did not deliver all application data it received");
            }
        }
    }

    static byte[] tamper(byte[] record, int mode, int pos, int value) {
        if (record.length == 0) {
            return record;
        }
        byte[] r = record.clone();
        switch (mode % 4) {
            case 0 -> r[pos % r.length] ^= (byte) value == 0 ? 1 : (byte) value;
            case 1 -> r = Arrays.copyOf(r, pos % r.length);
            case 2 -> { // the header's version
                if (r.length >= 3) {
                    r[1] = (byte) (value >> 8);
                    r[2] = (byte) value;
                }
            }
            default -> { // the header's length
                if (r.length >= 5) {
                    r[3] = (byte) (value >> 8);
                    r[4] = (byte) value;
                }
            }
        }
        return r;
    }

    /**
     * Whether a tampered record still carries authentic content: unchanged, or changed only in the
     * header's version field, which TLS 1.2 as Bouncy Castle implements it does not authenticate (the
     * MAC and AEAD data use the negotiated version) and does not check after the handshake.
     */
    static boolean authenticContent(byte[] original, byte[] tampered) {
        if (original.length != tampered.length || original.length < 5) {
            return false;
        }
        return Arrays.equals(original, 3, original.length, tampered, 3, tampered.length) && original[0] == tampered[0];
    }

    static void assertPrefix(byte[] full, byte[] prefix, String what) {
        if (prefix.length > full.length || !Arrays.equals(full, 0, prefix.length, prefix, 0, prefix.length)) {
            fail(what + ": got " + prefix.length + " octets, not a prefix of the " + full.length + " octets sent");
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Sockets

    private static final ExecutorService THREADS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "saef-fuzz-socket");
        t.setDaemon(true);
        return t;
    });
    private static SSLServerSocket saefServerSocket;
    private static ServerSocket plainServerSocket;

    private static synchronized SSLServerSocket saefServerSocket() throws IOException {
        if (saefServerSocket == null) {
            saefServerSocket = (SSLServerSocket) SERVER.getServerSocketFactory().createServerSocket(0, 50,
                    InetAddress.getLoopbackAddress());
        }
        return saefServerSocket;
    }

    private static synchronized ServerSocket plainServerSocket() throws IOException {
        if (plainServerSocket == null) {
            plainServerSocket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        }
        return plainServerSocket;
    }

    /** What the SAEF socket's reading thread saw. */
    record Outcome(byte[] data, Throwable end) {
    }

    /** Holds what BC writes after the handshake until the fuzz input says how to send it. */
    static final class Tap extends OutputStream {
        final OutputStream wire;
        final ByteArrayOutputStream held = new ByteArrayOutputStream();
        volatile boolean passThrough = true;

        Tap(OutputStream wire) {
            this.wire = wire;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (passThrough) {
                wire.write(b, off, len);
            } else {
                held.write(b, off, len);
            }
        }

        @Override
        public void flush() throws IOException {
            if (passThrough) {
                wire.flush();
            }
        }

        byte[] take() {
            byte[] b = held.toByteArray();
            held.reset();
            return b;
        }
    }

    /** One SAEF socket and one BC peer on a plain socket, over loopback TCP. */
    static final class SocketRun {
        final boolean saefClient;
        final int suite;
        final ByteArrayOutputStream expected = new ByteArrayOutputStream();

        SocketRun(boolean saefClient, int suite) {
            this.saefClient = saefClient;
            this.suite = suite;
        }

        void run(FuzzInput in) throws Exception {
            Future<Outcome> saefSide;
            Socket plain;
            if (saefClient) {
                ServerSocket ps = plainServerSocket();
                saefSide = THREADS.submit(() -> {
                    try (SSLSocket s = (SSLSocket) SOCKET_CLIENT.getSocketFactory().createSocket(
                            "127.0.0.1", ps.getLocalPort())) {
                        return readAll(s);
                    }
                });
                plain = ps.accept();
            } else {
                SSLServerSocket ss = saefServerSocket();
                saefSide = THREADS.submit(() -> {
                    try (SSLSocket s = (SSLSocket) ss.accept()) {
                        return readAll(s);
                    }
                });
                plain = new Socket();
                plain.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), ss.getLocalPort()), 10_000);
            }
            try (Socket p = plain) {
                p.setSoTimeout(10_000);
                p.setTcpNoDelay(true);
                OutputStream wire = p.getOutputStream();
                Tap tap = new Tap(wire);
                InputStream rawIn = p.getInputStream();
                BcAttacker peer = saefClient ? BcAttacker.server(suite, rawIn, tap) : BcAttacker.client(suite, rawIn, tap);
                peer.start(); // blocking handshake
                tap.passThrough = false;
                boolean broken = false;
                for (int ops = 0; ops < MAX_OPS && in.hasMore() && !broken; ops++) {
                    int op = in.u8() % 8;
                    try {
                        switch (op) {
                            case RAW -> wire.write(in.lengthPrefixed(4096));
                            case RECORD -> {
                                short type = (short) in.u8();
                                byte[] content = in.lengthPrefixed(MAX_RECORD);
                                try {
                                    peer.writeRecord(type, content);
                                } catch (IllegalStateException | IllegalArgumentException e) {
                                    broken = true;
                                    break;
                                }
                                if (type == 23) {
                                    expected.write(content);
                                }
                                wire.write(tap.take());
                            }
                            case APP_DATA, SAEF_WRITES -> {
                                byte[] content = in.lengthPrefixed(MAX_RECORD * 2);
                                peer.writeApplicationData(content);
                                expected.write(content);
                                wire.write(tap.take());
                            }
                            case TAMPERED -> {
                                short type = (short) in.u8();
                                byte[] content = in.lengthPrefixed(MAX_RECORD);
                                wire.write(tap.take());
                                try {
                                    peer.writeRecord(type, content);
                                } catch (IllegalStateException | IllegalArgumentException e) {
                                    broken = true;
                                    break;
                                }
                                byte[] original = tap.take();
                                byte[] tampered = tamper(original, in.u8(), in.u16(), in.u16());
                                if (type == 23 && authenticContent(original, tampered)) {
                                    expected.write(content);
                                }
                                wire.write(tampered);
                            }
                            case CHUNK -> {
                                // TCP chooses the segmentation; write what is held in pieces
                                int size = 1 + in.u16() % 2048;
                                byte[] held = tap.take();
                                for (int off = 0; off < held.length; off += size) {
                                    wire.write(held, off, Math.min(size, held.length - off));
                                    wire.flush();
                                }
                            }
                            case CLOSE -> {
                                peer.close();
                                wire.write(tap.take());
                                broken = true;
                            }
                            case RAW_HEADER -> {
                                byte[] header = {(byte) in.u8(), (byte) in.u8(), (byte) in.u8(), (byte) in.u8(),
                                    (byte) in.u8()};
                                wire.write(header);
                                wire.write(in.lengthPrefixed(4096));
                            }
                            default -> throw new AssertionError(op);
                        }
                        wire.flush();
                    } catch (IOException e) {
                        broken = true; // SAEF closed the connection (after its alert): nothing more to send
                    }
                }
                try {
                    wire.write(tap.take());
                    p.shutdownOutput(); // EOF: SAEF's reader must end now, one way or the other
                } catch (IOException e) {
                    // connection already gone
                }
                Outcome o;
                try {
                    o = saefSide.get(20, TimeUnit.SECONDS);
                } catch (TimeoutException e) {
                    saefSide.cancel(true);
                    throw new AssertionError("SAEF's socket did not end within 20 s after the peer's EOF (hang)");
                }
                assertPrefix(expected.toByteArray(), o.data(), "SAEF delivered data the peer never sent");
                if (o.end() != null && !(o.end() instanceof SSLException)) {
                    throw new AssertionError("SAEF's socket ended with " + o.end().getClass().getName()
                            + ", not an SSLException", o.end());
                }
                if (o.end() instanceof SSLException) {
                    checkAlert(peer, (SSLException) o.end());
                }
            }
        }

        /** The reading side: everything until EOF or an exception. */
        private static Outcome readAll(SSLSocket s) {
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            try {
                s.setSoTimeout(15_000);
                InputStream in = s.getInputStream();
                byte[] buf = new byte[8192];
                int n;
                while ((n = in.read(buf)) >= 0) {
                    got.write(buf, 0, n);
                }
                return new Outcome(got.toByteArray(), null);
            } catch (Throwable t) {
                return new Outcome(got.toByteArray(), t);
            }
        }

        /** What SAEF told the peer when it failed: a fatal alert, and not internal_error. */
        private static void checkAlert(BcAttacker peer, SSLException why) {
            if (peer.isClosed()) {
                return;
            }
            try {
                InputStream in = peer.inputStream();
                byte[] buf = new byte[4096];
                while (in.read(buf) >= 0) {
                    // discard data sent before the alert
                }
            } catch (TlsFatalAlertReceived alert) {
                if (alert.getAlertDescription() == AlertDescription.internal_error) {
                    KnownFindings.raise(new AssertionError("SAEF answered the peer's input with internal_error: " + why,
                            why));
                }
            } catch (IOException | RuntimeException e) {
                // EOF without an alert (SAEF received a fatal alert itself, or the peer's own failure)
            }
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Seeds

    /**
     * Writes the seed corpus for {@link #engine} and {@link #socket} (same format): per role and
     * suite, application data both ways, a warning alert, close_notify, post-handshake handshake
     * messages (HelloRequest, a ClientHello: renegotiation attempts), ChangeCipherSpec, a heartbeat
     * record, a tampered record, a forged header with garbage, chunked delivery. Run from the project
     * root with the test class path.
     */
    public static void main(String[] args) throws IOException {
        java.nio.file.Path base = java.nio.file.Paths.get(args.length > 0 ? args[0]
                : "src/test/resources/dev/saef/jsse/RecordLayerFuzzTestInputs");
        for (String target : new String[] {"engine", "socket"}) {
            java.nio.file.Path dir = base.resolve(target);
            java.nio.file.Files.createDirectories(dir);
            for (int flags = 0; flags < (target.equals("engine") ? 8 : 2); flags++) {
                String tag = ((flags & 1) != 0 ? "client" : "server") + "-suite" + (flags >> 1);
                java.nio.file.Files.write(dir.resolve("seed-data-" + tag), seed(flags,
                        op(APP_DATA, u16(5), "hello".getBytes()), op(SAEF_WRITES, u16(5), "world".getBytes()),
                        op(RECORD, new byte[] {23}, u16(3), "abc".getBytes()), op(RECORD, new byte[] {23}, u16(0)),
                        op(RECORD, new byte[] {21}, u16(2), new byte[] {1, 90}), op(CLOSE, new byte[] {1})));
                if (target.equals("socket") && flags > 1) {
                    continue;
                }
                java.nio.file.Files.write(dir.resolve("seed-renegotiation-" + tag), seed(flags,
                        op(RECORD, new byte[] {22}, u16(4), new byte[] {0, 0, 0, 0}),
                        op(RECORD, new byte[] {22}, u16(42), clientHelloStart())));
                java.nio.file.Files.write(dir.resolve("seed-ccs-" + tag), seed(flags,
                        op(RECORD, new byte[] {20}, u16(1), new byte[] {1})));
                java.nio.file.Files.write(dir.resolve("seed-heartbeat-" + tag), seed(flags,
                        op(RECORD, new byte[] {24}, u16(3), new byte[] {1, 0x40, 0})));
                java.nio.file.Files.write(dir.resolve("seed-tampered-" + tag), seed(flags,
                        op(CHUNK, u16(7)), op(APP_DATA, u16(2), "ok".getBytes()),
                        op(TAMPERED, new byte[] {23}, u16(4), "data".getBytes(), new byte[] {0}, u16(9), u16(1))));
                java.nio.file.Files.write(dir.resolve("seed-forged-" + tag), seed(flags,
                        op(RAW_HEADER, new byte[] {23, 3, 3, 0, 32}, u16(32), new byte[32]),
                        op(RAW, u16(6), new byte[] {21, 3, 3, 0, 2, 2})));
            }
        }
    }

    private static byte[] clientHelloStart() {
        byte[] b = new byte[42];
        b[0] = 1; // client_hello, length 38: version, random, empty session id
        b[3] = 38;
        b[4] = 3;
        b[5] = 3;
        return b;
    }

    private static byte[] u16(int v) {
        return new byte[] {(byte) (v >> 8), (byte) v};
    }

    private static byte[] op(int code, byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(code);
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static byte[] seed(int flags, byte[]... ops) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(flags);
        for (byte[] o : ops) {
            out.writeBytes(o);
        }
        return out.toByteArray();
    }
}
