package dev.saef.jsse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link DtlsServer} on the open Internet (issue 9, item 2): ClientHellos without a valid cookie, as
 * an attacker spoofing source addresses sends them, are answered statelessly with a HelloVerifyRequest
 * (RFC 6347 section 4.2.1) no larger than the request, and create no peer; a real client still
 * connects meanwhile and afterwards.
 */
@Timeout(120)
class DtlsServerCookieFloodTest {

    static final int SOURCES = 200;
    static final int PER_SOURCE = 50;

    /** A real, cookie-less ClientHello of a SAEF client for {@code port}. */
    private static byte[] clientHello(int port) throws Exception {
        SSLEngine ce = DtlsEndpointsTest.clientContext(DtlsEndpointsTest.KPSA, port).createSSLEngine("localhost", port);
        ce.setUseClientMode(true);
        try {
            ce.beginHandshake();
            ByteBuffer net = ByteBuffer.allocate(ce.getSession().getPacketBufferSize());
            for (int i = 0; i < 100 && net.position() == 0; i++) {
                while (ce.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_TASK) {
                    Runnable task = ce.getDelegatedTask(); // the engine's handshake thread makes the ClientHello
                    if (task != null) {
                        task.run();
                    }
                }
                ce.wrap(ByteBuffer.allocate(0), net);
            }
            net.flip();
            byte[] d = new byte[net.remaining()];
            net.get(d);
            assertEquals(1, d[13], "a ClientHello");
            return d;
        } finally {
            ce.closeOutbound(); // ends its handshake thread
        }
    }

    @Test
    void aFloodOfCookielessClientHellosFromManyPortsCreatesNoPeer() throws Exception {
        DtlsEndpointsTest.Echo echo = new DtlsEndpointsTest.Echo();
        List<DatagramSocket> flooders = new ArrayList<>();
        try (DtlsServer server = DtlsServer.builder(DtlsEndpointsTest.serverContext()).start(echo)) {
            int port = server.localAddress().getPort();
            byte[] hello = clientHello(port);
            for (int i = 0; i < SOURCES; i++) {
                DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress());
                s.setReceiveBufferSize(1 << 16);
                flooders.add(s);
            }
            AtomicInteger mostPeers = new AtomicInteger();
            Thread watcher = new Thread(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    mostPeers.accumulateAndGet(server.peerCount(), Math::max);
                    try {
                        Thread.sleep(1);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "peer-count-watcher");
            watcher.setDaemon(true);
            watcher.start();
            for (int round = 0; round < PER_SOURCE; round++) {
                for (DatagramSocket s : flooders) {
                    s.send(new DatagramPacket(hello, hello.length, server.localAddress()));
                }
                Thread.sleep(10); // let the receiver keep up (the kernel drops what overflows its buffer)
            }
            // every answer the flooders got is a HelloVerifyRequest no larger than the ClientHello
            DatagramSocket first = flooders.get(0);
            first.setSoTimeout(2_000);
            byte[] buf = new byte[2_048];
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            first.receive(p);
            assertEquals(22, buf[0], "a handshake record");
            assertEquals(3, buf[13], "hello_verify_request");
            assertTrue(p.getLength() <= hello.length, "no amplification: " + p.getLength() + " > " + hello.length);
            long end = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
            while (server.helloVerifyRequests() < SOURCES * PER_SOURCE / 4 && System.nanoTime() < end) {
                Thread.sleep(20);
            }
            Thread.sleep(200);
            System.out.println("flood: " + SOURCES * PER_SOURCE + " sent, " + server.helloVerifyRequests()
                    + " answered statelessly, most peers at once " + mostPeers.get());
            watcher.interrupt();
            watcher.join(5_000);
            assertEquals(0, mostPeers.get(), "no spoofed ClientHello ever created a peer");
            assertEquals(0, server.peerCount());
            assertTrue(server.helloVerifyRequests() >= SOURCES * PER_SOURCE / 4,
                    "a good part of the flood was answered statelessly: " + server.helloVerifyRequests());

            // a real client, which answers the HelloVerifyRequest, connects
            try (DtlsClient c = DtlsClient.connect(DtlsEndpointsTest.clientContext(DtlsEndpointsTest.KPSA, port),
                    "localhost", port, DtlsEndpointsTest.HANDSHAKE)) {
                c.send("after the flood".getBytes(StandardCharsets.UTF_8));
                assertEquals("echo:after the flood from CAE01", DtlsEndpointsTest.text(c.receive(DtlsEndpointsTest.WAIT)));
                assertEquals(1, server.peerCount());
            }
        } finally {
            for (DatagramSocket s : flooders) {
                s.close();
            }
        }
    }

    @Test
    void aClientHelloWithAForgedCookieCreatesNoPeer() throws Exception {
        DtlsEndpointsTest.Echo echo = new DtlsEndpointsTest.Echo();
        try (DtlsServer server = DtlsServer.builder(DtlsEndpointsTest.serverContext()).start(echo);
                DatagramSocket raw = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            int port = server.localAddress().getPort();
            byte[] hello = clientHello(port);
            raw.send(new DatagramPacket(hello, hello.length, server.localAddress()));
            raw.setSoTimeout(5_000);
            byte[] buf = new byte[2_048];
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            raw.receive(p);
            assertEquals(3, buf[13], "hello_verify_request");
            // the cookie is bound to the address: the same ClientHello with a guessed cookie, from here, is
            // answered again and creates nothing
            byte[] forged = withCookie(hello, new byte[32]);
            raw.send(new DatagramPacket(forged, forged.length, server.localAddress()));
            raw.receive(p);
            assertEquals(3, buf[13], "hello_verify_request again");
            assertEquals(0, server.peerCount());
            assertEquals(2, server.helloVerifyRequests());
            // and garbage that merely starts like a ClientHello gets no answer at all
            byte[] garbage = java.util.Arrays.copyOf(hello, 40);
            raw.send(new DatagramPacket(garbage, garbage.length, server.localAddress()));
            raw.setSoTimeout(500);
            try {
                raw.receive(p);
                throw new AssertionError("answered " + p.getLength() + " octets of garbage");
            } catch (SocketTimeoutException expected) {
                // dropped silently
            }
            assertEquals(0, server.peerCount());
        }
    }

    /** The ClientHello record {@code hello} (one whole fragment, empty cookie) with {@code cookie} inserted. */
    static byte[] withCookie(byte[] hello, byte[] cookie) {
        int body = 13 + 12;
        int cookieAt = body + 2 + 32; // client_version, random
        int sessionIdLength = hello[cookieAt] & 0xff;
        cookieAt += 1 + sessionIdLength;
        assertEquals(0, hello[cookieAt], "an empty cookie");
        byte[] out = new byte[hello.length + cookie.length];
        System.arraycopy(hello, 0, out, 0, cookieAt);
        out[cookieAt] = (byte) cookie.length;
        System.arraycopy(cookie, 0, out, cookieAt + 1, cookie.length);
        System.arraycopy(hello, cookieAt + 1, out, cookieAt + 1 + cookie.length, hello.length - cookieAt - 1);
        int recordLength = ((out[11] & 0xff) << 8 | (out[12] & 0xff)) + cookie.length;
        out[11] = (byte) (recordLength >>> 8);
        out[12] = (byte) recordLength;
        for (int at : new int[] {14, 22}) { // message length, fragment length (24 bits each)
            int v = ((out[at] & 0xff) << 16 | (out[at + 1] & 0xff) << 8 | (out[at + 2] & 0xff)) + cookie.length;
            out[at] = (byte) (v >>> 16);
            out[at + 1] = (byte) (v >>> 8);
            out[at + 2] = (byte) v;
        }
        return out;
    }
}
