package dev.saef.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.BasicTlsPSKIdentity;
import org.bouncycastle.tls.CipherSuite;
import org.bouncycastle.tls.DTLSClientProtocol;
import org.bouncycastle.tls.DTLSServerProtocol;
import org.bouncycastle.tls.DTLSTransport;
import org.bouncycastle.tls.DatagramTransport;
import org.bouncycastle.tls.PSKTlsClient;
import org.bouncycastle.tls.PSKTlsServer;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.TlsClientProtocol;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsFatalAlertReceived;
import org.bouncycastle.tls.TlsPSKIdentityManager;
import org.bouncycastle.tls.TlsServerProtocol;
import org.bouncycastle.tls.crypto.TlsCrypto;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * End-to-end (D)TLS 1.2 PSK handshakes and bulk data over Bouncy Castle's blocking API with
 * {@link SaefTlsCrypto} (and therefore {@link AesCcm}) on both sides.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SaefTlsHandshakeTest
{
    private static final byte[] IDENTITY = "saef-ae-0001".getBytes(StandardCharsets.UTF_8);
    private static final byte[] PSK = new byte[32];
    private static final int DATA_LEN = 100 * 1024;

    static
    {
        new Random(42).nextBytes(PSK);
    }

    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "tls-server");
        t.setDaemon(true);
        return t;
    });

    @AfterEach
    void shutdown()
    {
        executor.shutdownNow();
    }

    /** Fresh array per call: BC zeroes the PSK it is handed. */
    static final class Psks implements TlsPSKIdentityManager
    {
        private final byte[] psk;

        Psks(byte[] psk)
        {
            this.psk = psk.clone();
        }

        @Override
        public byte[] getHint()
        {
            return null;
        }

        @Override
        public byte[] getPSK(byte[] identity)
        {
            return Arrays.equals(IDENTITY, identity) ? psk.clone() : null;
        }
    }

    static final class Client extends PSKTlsClient
    {
        private final int suite;
        private final ProtocolVersion version;

        Client(TlsCrypto crypto, int suite, ProtocolVersion version, byte[] psk)
        {
            super(crypto, new BasicTlsPSKIdentity(IDENTITY, psk));
            this.suite = suite;
            this.version = version;
        }

        @Override
        protected int[] getSupportedCipherSuites()
        {
            return new int[] { suite };
        }

        @Override
        protected ProtocolVersion[] getSupportedVersions()
        {
            return version.only();
        }

        int negotiatedSuite()
        {
            return context.getSecurityParametersConnection().getCipherSuite();
        }
    }

    static final class Server extends PSKTlsServer
    {
        private final int suite;
        private final ProtocolVersion version;

        Server(TlsCrypto crypto, int suite, ProtocolVersion version)
        {
            super(crypto, new Psks(PSK));
            this.suite = suite;
            this.version = version;
        }

        @Override
        protected int[] getSupportedCipherSuites()
        {
            return new int[] { suite };
        }

        @Override
        protected ProtocolVersion[] getSupportedVersions()
        {
            return version.only();
        }

        int negotiatedSuite()
        {
            return context.getSecurityParametersConnection().getCipherSuite();
        }
    }

    private static byte[] data(long seed)
    {
        byte[] b = new byte[DATA_LEN];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static byte[] readFully(InputStream in, int len) throws IOException
    {
        byte[] b = new byte[len];
        int off = 0;
        while (off < len)
        {
            int n = in.read(b, off, len - off);
            if (n < 0)
            {
                throw new EOFException("after " + off + " of " + len + " octets");
            }
            off += n;
        }
        return b;
    }

    @ParameterizedTest(name = "TLS 1.2 suite 0x{0}")
    @ValueSource(strings = {
        "C0A8", // TLS_PSK_WITH_AES_128_CCM_8 (TS-0003 clause 10.2.2)
        "C0A4", // TLS_PSK_WITH_AES_128_CCM
        "C0A9", // TLS_PSK_WITH_AES_256_CCM_8
        "C0A5", // TLS_PSK_WITH_AES_256_CCM
        "C0AA", // TLS_PSK_DHE_WITH_AES_128_CCM_8
        "D003", // TLS_ECDHE_PSK_WITH_AES_128_CCM_8_SHA256
        "00A8", // TLS_PSK_WITH_AES_128_GCM_SHA256: not CCM, checks delegation to JcaTlsCrypto
    })
    void tls12HandshakeAndBulkData(String suiteHex) throws Exception
    {
        int suite = Integer.parseInt(suiteHex, 16);
        byte[] toServer = data(suite), toClient = data(~suite);

        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            Future<byte[]> serverSide = executor.submit(() -> {
                try (Socket s = listener.accept())
                {
                    s.setSoTimeout(60_000);
                    Server server = new Server(SaefTlsCrypto.create(new SecureRandom()), suite, ProtocolVersion.TLSv12);
                    TlsServerProtocol protocol = new TlsServerProtocol(s.getInputStream(), s.getOutputStream());
                    protocol.accept(server);
                    assertEquals(suite, server.negotiatedSuite());
                    byte[] received = readFully(protocol.getInputStream(), DATA_LEN);
                    protocol.getOutputStream().write(toClient);
                    protocol.getOutputStream().flush();
                    assertEquals(-1, protocol.getInputStream().read(), "expected close_notify");
                    protocol.close();
                    return received;
                }
            });

            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort()))
            {
                s.setSoTimeout(60_000);
                Client client = new Client(SaefTlsCrypto.create(new SecureRandom()), suite, ProtocolVersion.TLSv12, PSK);
                TlsClientProtocol protocol = new TlsClientProtocol(s.getInputStream(), s.getOutputStream());
                protocol.connect(client);
                assertEquals(suite, client.negotiatedSuite());
                // odd-sized writes so records are not all full-length
                for (int off = 0; off < DATA_LEN; off += 7001)
                {
                    protocol.getOutputStream().write(toServer, off, Math.min(7001, DATA_LEN - off));
                }
                protocol.getOutputStream().flush();
                byte[] received = readFully(protocol.getInputStream(), DATA_LEN);
                protocol.close();
                assertArrayEquals(toClient, received, "server -> client data");
            }
            assertArrayEquals(toServer, serverSide.get(60, TimeUnit.SECONDS), "client -> server data");
        }
    }

    /** A wrong PSK yields different keys, so the peer's CCM-protected Finished must fail authentication. */
    @Test
    void wrongPskFailsWithBadRecordMac() throws Exception
    {
        int suite = CipherSuite.TLS_PSK_WITH_AES_128_CCM_8;
        byte[] wrong = PSK.clone();
        wrong[0] ^= 1;
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            Future<?> serverSide = executor.submit(() -> {
                try (Socket s = listener.accept())
                {
                    s.setSoTimeout(60_000);
                    new TlsServerProtocol(s.getInputStream(), s.getOutputStream())
                        .accept(new Server(SaefTlsCrypto.create(new SecureRandom()), suite, ProtocolVersion.TLSv12));
                }
                return null;
            });
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort()))
            {
                s.setSoTimeout(60_000);
                Client client = new Client(SaefTlsCrypto.create(new SecureRandom()), suite, ProtocolVersion.TLSv12, wrong);
                TlsFatalAlertReceived received = assertThrows(TlsFatalAlertReceived.class,
                    () -> new TlsClientProtocol(s.getInputStream(), s.getOutputStream()).connect(client));
                assertEquals(AlertDescription.bad_record_mac, received.getAlertDescription());
            }
            ExecutionException e = assertThrows(ExecutionException.class, () -> serverSide.get(60, TimeUnit.SECONDS));
            TlsFatalAlert alert = assertInstanceOfAlert(e.getCause());
            assertEquals(AlertDescription.bad_record_mac, alert.getAlertDescription());
        }
    }

    private static TlsFatalAlert assertInstanceOfAlert(Throwable t)
    {
        assertTrue(t instanceof TlsFatalAlert, "expected TlsFatalAlert but got " + t);
        return (TlsFatalAlert)t;
    }

    /** DTLS 1.2 with the suite TS-0003 clause 10.2.2 makes mandatory, over an in-memory datagram pipe. */
    @Test
    void dtls12HandshakeAndBulkDataWithMandatorySuite() throws Exception
    {
        int suite = CipherSuite.TLS_PSK_WITH_AES_128_CCM_8;
        BlockingQueue<byte[]> clientToServer = new LinkedBlockingQueue<>();
        BlockingQueue<byte[]> serverToClient = new LinkedBlockingQueue<>();
        byte[] toServer = data(1), toClient = data(2);

        Future<byte[]> serverSide = executor.submit(() -> {
            Server server = new Server(SaefTlsCrypto.create(new SecureRandom()), suite, ProtocolVersion.DTLSv12);
            DTLSTransport dtls = new DTLSServerProtocol().accept(server,
                new QueueTransport(clientToServer, serverToClient));
            assertEquals(suite, server.negotiatedSuite());
            byte[] received = receiveFully(dtls, DATA_LEN);
            sendAll(dtls, toClient);
            dtls.close();
            return received;
        });

        Client client = new Client(SaefTlsCrypto.create(new SecureRandom()), suite, ProtocolVersion.DTLSv12, PSK);
        DTLSTransport dtls = new DTLSClientProtocol().connect(client, new QueueTransport(serverToClient, clientToServer));
        assertEquals(suite, client.negotiatedSuite());
        sendAll(dtls, toServer);
        assertArrayEquals(toClient, receiveFully(dtls, DATA_LEN), "server -> client data");
        assertArrayEquals(toServer, serverSide.get(60, TimeUnit.SECONDS), "client -> server data");
        dtls.close();
    }

    private static void sendAll(DTLSTransport dtls, byte[] data) throws IOException
    {
        int chunk = Math.min(1000, dtls.getSendLimit());
        for (int off = 0; off < data.length; off += chunk)
        {
            dtls.send(data, off, Math.min(chunk, data.length - off));
        }
    }

    private static byte[] receiveFully(DTLSTransport dtls, int len) throws IOException
    {
        byte[] out = new byte[len];
        byte[] buf = new byte[dtls.getReceiveLimit()];
        int off = 0;
        while (off < len)
        {
            int n = dtls.receive(buf, 0, buf.length, 30_000);
            if (n < 0)
            {
                throw new InterruptedIOException("timeout after " + off + " of " + len + " octets");
            }
            System.arraycopy(buf, 0, out, off, n);
            off += n;
        }
        return out;
    }

    /** Loss-free, in-order datagram pipe. */
    static final class QueueTransport implements DatagramTransport
    {
        private static final int MTU = 1500;
        private final BlockingQueue<byte[]> in, out;

        QueueTransport(BlockingQueue<byte[]> in, BlockingQueue<byte[]> out)
        {
            this.in = in;
            this.out = out;
        }

        @Override
        public int getReceiveLimit()
        {
            return MTU;
        }

        @Override
        public int getSendLimit()
        {
            return MTU;
        }

        @Override
        public int receive(byte[] buf, int off, int len, int waitMillis) throws IOException
        {
            try
            {
                byte[] d = in.poll(waitMillis, TimeUnit.MILLISECONDS);
                if (d == null)
                {
                    return -1;
                }
                int n = Math.min(len, d.length);
                System.arraycopy(d, 0, buf, off, n);
                return n;
            }
            catch (InterruptedException e)
            {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException();
            }
        }

        @Override
        public void send(byte[] buf, int off, int len)
        {
            out.add(Arrays.copyOfRange(buf, off, off + len));
        }

        @Override
        public void close()
        {
        }
    }
}
