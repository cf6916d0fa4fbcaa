package dev.saef.jsse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The client's final flight (ClientKeyExchange, ChangeCipherSpec, Finished) reordered or resent in one
 * datagram, the shapes the lossy-link test showed with seed 8127618651892325736 (a Scandium client, the
 * proxy splitting and reordering its flight): the server must complete at once, not after the client's
 * retransmission timer happens to send the Finished alone. Real engines, a real handshake, datagrams
 * moved in memory so that the order is exact.
 */
@Timeout(60)
class DtlsFinalFlightTest {

    static final String KPSA = DtlsEngineTest.KPSA;
    /** Less than the client's first retransmission (1 s) plus margin: the server needs no resend. */
    static final long PROMPT_MILLIS = 2_000;

    private static DtlsMemoryPair pair() throws Exception {
        SSLContext server = DtlsEngineTest.dtls(Peers.serverTable(KPSA, "CAE01", Peers.KEY_HEX), c -> c);
        SSLContext client = DtlsEngineTest.dtls(Peers.clientTable(KPSA, "localhost:5684", Peers.KEY_HEX), c -> c);
        SSLEngine se = server.createSSLEngine("192.0.2.7", 40000);
        se.setUseClientMode(false);
        SSLEngine ce = client.createSSLEngine("localhost", 5684);
        ce.setUseClientMode(true);
        return new DtlsMemoryPair(ce, se);
    }

    /** The client's final flight, one record per datagram: ClientKeyExchange, ChangeCipherSpec, Finished. */
    private record FinalFlight(byte[] clientKeyExchange, byte[] changeCipherSpec, byte[] finished) {
        static FinalFlight of(List<byte[]> datagrams) {
            byte[] cke = null;
            byte[] ccs = null;
            byte[] fin = null;
            for (byte[] d : datagrams) {
                boolean epoch0 = d[3] == 0 && d[4] == 0;
                if (d[0] == 22 && epoch0 && d[13] == 16) {
                    cke = d;
                } else if (d[0] == 20 && epoch0) {
                    ccs = d;
                } else if (!epoch0) {
                    fin = d;
                }
            }
            assertNotNull(cke, "ClientKeyExchange");
            assertNotNull(ccs, "ChangeCipherSpec");
            assertNotNull(fin, "Finished");
            return new FinalFlight(cke, ccs, fin);
        }
    }

    /** Runs the handshake up to the client's final flight, which is returned, not delivered. */
    private static FinalFlight upToFinalFlight(DtlsMemoryPair p) throws Exception {
        p.client.beginHandshake();
        p.server.beginHandshake();
        for (int round = 0; round < 20; round++) {
            ArrayDeque<byte[]> fromClient = new ArrayDeque<>();
            DtlsMemoryPair.drain(p.client, fromClient);
            if (fromClient.stream().anyMatch(d -> d[3] != 0 || d[4] != 0)) {
                return FinalFlight.of(List.copyOf(fromClient));
            }
            DtlsMemoryPair.feed(p.server, fromClient);
            ArrayDeque<byte[]> fromServer = new ArrayDeque<>();
            DtlsMemoryPair.drain(p.server, fromServer);
            DtlsMemoryPair.feed(p.client, fromServer);
            if (fromClient.isEmpty() && fromServer.isEmpty()) {
                Thread.sleep(5);
            }
        }
        throw new AssertionError("the client never sent its final flight");
    }

    /** @return whether the server completed its handshake within {@link #PROMPT_MILLIS}, given nothing more */
    private static boolean serverCompletes(SSLEngine server) throws Exception {
        long deadline = System.nanoTime() + PROMPT_MILLIS * 1_000_000;
        ArrayDeque<byte[]> out = new ArrayDeque<>();
        while (System.nanoTime() < deadline) {
            DtlsMemoryPair.drain(server, out);
            if (server.getSession().isValid()) {
                return true;
            }
            Thread.sleep(10);
        }
        return false;
    }

    @Test
    void finishedThatOvertookTheChangeCipherSpecIsNotLost() throws Exception {
        DtlsMemoryPair p = pair();
        FinalFlight f = upToFinalFlight(p);
        // reordered on the way, as in the trace: the Finished (epoch 1) first; the client resends nothing
        DtlsMemoryPair.feed(p.server, new ArrayDeque<>(List.of(f.finished(), f.clientKeyExchange(), f.changeCipherSpec())));
        assertTrue(serverCompletes(p.server), "the server dropped the Finished that came before the ChangeCipherSpec"
                + " and waits for a retransmission: " + p.server.getHandshakeStatus());
    }

    @Test
    void finishedResentInOneDatagramBehindEpochZeroRecordsIsRead() throws Exception {
        DtlsMemoryPair p = pair();
        FinalFlight f = upToFinalFlight(p);
        // the Finished is lost; the server reads ClientKeyExchange and ChangeCipherSpec (its read epoch is 1 now)
        DtlsMemoryPair.feed(p.server, new ArrayDeque<>(List.of(f.clientKeyExchange(), f.changeCipherSpec())));
        assertEquals(false, serverCompletes(p.server), "completed without the Finished");
        // the client's retransmission (wrap after its receive timed out), all three records in one datagram,
        // as Scandium sends its flight
        ByteArrayOutputStream packed = new ByteArrayOutputStream();
        ByteBuffer net = ByteBuffer.allocate(p.client.getSession().getPacketBufferSize());
        SSLEngineResult r = p.client.wrap(ByteBuffer.allocate(0), net);
        assertTrue(r.bytesProduced() > 0, "the client retransmits on wrap after a timeout: " + r);
        packed.write(net.array(), 0, net.position());
        ArrayDeque<byte[]> rest = new ArrayDeque<>();
        DtlsMemoryPair.drain(p.client, rest);
        for (byte[] d : rest) {
            packed.write(d);
        }
        byte[] datagram = packed.toByteArray();
        assertTrue(datagram[0] == 22 && datagram[3] == 0 && datagram[4] == 0, "the datagram starts with an epoch-0 record");
        DtlsMemoryPair.feed(p.server, new ArrayDeque<>(List.of(datagram)));
        assertTrue(serverCompletes(p.server), "the server discarded the resent Finished with the epoch-0 records before"
                + " it in the same datagram: " + p.server.getHandshakeStatus());
    }
}
