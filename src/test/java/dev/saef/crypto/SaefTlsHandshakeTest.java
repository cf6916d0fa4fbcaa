package dev.saef.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.lang.reflect.Field;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Random;
import java.util.Vector;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.BasicTlsPSKExternal;
import org.bouncycastle.tls.BasicTlsPSKIdentity;
import org.bouncycastle.tls.CipherSuite;
import org.bouncycastle.tls.DTLSClientProtocol;
import org.bouncycastle.tls.DTLSServerProtocol;
import org.bouncycastle.tls.DTLSTransport;
import org.bouncycastle.tls.DatagramTransport;
import org.bouncycastle.tls.PSKTlsClient;
import org.bouncycastle.tls.PRFAlgorithm;
import org.bouncycastle.tls.PSKTlsServer;
import org.bouncycastle.tls.PskIdentity;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.TlsClientProtocol;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsFatalAlertReceived;
import org.bouncycastle.tls.TlsPSKExternal;
import org.bouncycastle.tls.TlsPSKIdentityManager;
import org.bouncycastle.tls.TlsProtocol;
import org.bouncycastle.tls.TlsServerProtocol;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.crypto.TlsCipher;
import org.bouncycastle.tls.crypto.TlsCrypto;
import org.bouncycastle.tls.crypto.impl.TlsAEADCipher;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * End-to-end (D)TLS 1.2 PSK handshakes and bulk data over Bouncy Castle's blocking API with
 * {@link SaefTlsCrypto} (and therefore {@link AesCcm} / {@link AesGcm}) on both sides, plus TLS 1.3
 * external-PSK handshakes for the AES-GCM record ciphers (which are rekeyed from handshake to
 * application traffic keys there).
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

    /** RFC 8446 external PSK: the PSK's hash must match the suite's (SHA-384 for AES_256_GCM). */
    private static int tls13Prf(int suite)
    {
        return suite == CipherSuite.TLS_AES_256_GCM_SHA384 ? PRFAlgorithm.tls13_hkdf_sha384
            : PRFAlgorithm.tls13_hkdf_sha256;
    }

    static final class Tls13Client extends PSKTlsClient
    {
        private final int suite;

        Tls13Client(TlsCrypto crypto, int suite)
        {
            super(crypto, new BasicTlsPSKIdentity(IDENTITY, PSK));
            this.suite = suite;
        }

        @Override
        protected int[] getSupportedCipherSuites()
        {
            return new int[] { suite };
        }

        @Override
        protected ProtocolVersion[] getSupportedVersions()
        {
            return ProtocolVersion.TLSv13.only();
        }

        @Override
        public Vector<TlsPSKExternal> getExternalPSKs()
        {
            Vector<TlsPSKExternal> psks = new Vector<>();
            psks.add(new BasicTlsPSKExternal(IDENTITY, getCrypto().createSecret(PSK.clone()), tls13Prf(suite)));
            return psks;
        }

        int negotiatedSuite()
        {
            return context.getSecurityParametersConnection().getCipherSuite();
        }
    }

    static final class Tls13Server extends PSKTlsServer
    {
        private final int suite;

        Tls13Server(TlsCrypto crypto, int suite)
        {
            super(crypto, new Psks(PSK));
            this.suite = suite;
        }

        @Override
        protected int[] getSupportedCipherSuites()
        {
            return new int[] { suite };
        }

        @Override
        protected ProtocolVersion[] getSupportedVersions()
        {
            return ProtocolVersion.TLSv13.only();
        }

        @Override
        @SuppressWarnings("rawtypes")
        public TlsPSKExternal getExternalPSK(Vector identities)
        {
            for (Object o : identities)
            {
                if (Arrays.equals(IDENTITY, ((PskIdentity)o).getIdentity()))
                {
                    return new BasicTlsPSKExternal(IDENTITY, getCrypto().createSecret(PSK.clone()), tls13Prf(suite));
                }
            }
            return null;
        }

        int negotiatedSuite()
        {
            return context.getSecurityParametersConnection().getCipherSuite();
        }
    }

    /**
     * The {@code TlsAEADCipherImpl} classes behind the protocol's current read and write record
     * ciphers (read encrypt, read decrypt, write encrypt, write decrypt), by reflection into BC's
     * record layer; empty if the record cipher is neither a {@link TlsAEADCipher} nor an
     * {@link AeadRecordCipher} (TLS 1.2 over TCP).
     */
    private static java.util.List<Class<?>> recordCipherImpls(TlsProtocol protocol) throws Exception
    {
        Object recordStream = field(TlsProtocol.class, "recordStream").get(protocol);
        java.util.List<Class<?>> impls = new java.util.ArrayList<>();
        for (String which : new String[] { "readCipher", "writeCipher" })
        {
            TlsCipher cipher = (TlsCipher)field(recordStream.getClass(), which).get(recordStream);
            if (cipher instanceof TlsAEADCipher)
            {
                impls.add(field(TlsAEADCipher.class, "encryptCipher").get(cipher).getClass());
                impls.add(field(TlsAEADCipher.class, "decryptCipher").get(cipher).getClass());
            }
            else if (cipher instanceof AeadRecordCipher)
            {
                impls.add(field(AeadRecordCipher.class, "encryptCipher").get(cipher).getClass());
                impls.add(field(AeadRecordCipher.class, "decryptCipher").get(cipher).getClass());
            }
        }
        return impls;
    }

    private static Field field(Class<?> c, String name) throws NoSuchFieldException
    {
        Field f = c.getDeclaredField(name);
        f.setAccessible(true);
        return f;
    }

    /** CCM suites must run on AesCcm, GCM suites on AesGcm, on both read and write side. */
    private static void assertRecordCiphers(int suite, TlsProtocol protocol) throws Exception
    {
        int alg = TlsUtils.getEncryptionAlgorithm(suite);
        Class<?> expected = SaefTlsCrypto.isAesGcm(alg) ? AesGcm.class : SaefTlsCrypto.isAesCcm(alg) ? AesCcm.class : null;
        if (expected == null)
        {
            return;
        }
        java.util.List<Class<?>> impls = recordCipherImpls(protocol);
        assertEquals(4, impls.size(), "record ciphers " + impls);
        for (Class<?> c : impls)
        {
            assertEquals(expected, c, "suite 0x" + Integer.toHexString(suite));
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
        "00A8", // TLS_PSK_WITH_AES_128_GCM_SHA256 (RFC 5487, AesGcm)
        "00A9", // TLS_PSK_WITH_AES_256_GCM_SHA384 (RFC 5487, AesGcm)
        "00AA", // TLS_DHE_PSK_WITH_AES_128_GCM_SHA256 (RFC 5487, AesGcm)
        "00AB", // TLS_DHE_PSK_WITH_AES_256_GCM_SHA384 (RFC 5487, AesGcm)
        "C037", // TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256: not AEAD, checks delegation to JcaTlsCrypto
    })
    void tls12HandshakeAndBulkData(String suiteHex) throws Exception
    {
        int suite = Integer.parseInt(suiteHex, 16);
        handshakeAndBulkData(suite,
            () -> new Server(SaefTlsCrypto.create(new SecureRandom()), suite, ProtocolVersion.TLSv12),
            () -> new Client(SaefTlsCrypto.create(new SecureRandom()), suite, ProtocolVersion.TLSv12, PSK));
    }

    /** TLS 1.3 with an external PSK: AesGcm is keyed twice per direction (handshake, then application keys). */
    @ParameterizedTest(name = "TLS 1.3 suite 0x{0}")
    @ValueSource(strings = {
        "1301", // TLS_AES_128_GCM_SHA256
        "1302", // TLS_AES_256_GCM_SHA384
    })
    void tls13HandshakeAndBulkData(String suiteHex) throws Exception
    {
        int suite = Integer.parseInt(suiteHex, 16);
        handshakeAndBulkData(suite,
            () -> new Tls13Server(SaefTlsCrypto.create(new SecureRandom()), suite),
            () -> new Tls13Client(SaefTlsCrypto.create(new SecureRandom()), suite));
    }

    interface Factory<T>
    {
        T create() throws Exception;
    }

    private static int negotiated(Object peer)
    {
        if (peer instanceof Server)
        {
            return ((Server)peer).negotiatedSuite();
        }
        if (peer instanceof Client)
        {
            return ((Client)peer).negotiatedSuite();
        }
        if (peer instanceof Tls13Server)
        {
            return ((Tls13Server)peer).negotiatedSuite();
        }
        return ((Tls13Client)peer).negotiatedSuite();
    }

    private void handshakeAndBulkData(int suite, Factory<PSKTlsServer> servers, Factory<PSKTlsClient> clients)
        throws Exception
    {
        byte[] toServer = data(suite), toClient = data(~suite);

        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            Future<byte[]> serverSide = executor.submit(() -> {
                try (Socket s = listener.accept())
                {
                    s.setSoTimeout(60_000);
                    PSKTlsServer server = servers.create();
                    TlsServerProtocol protocol = new TlsServerProtocol(s.getInputStream(), s.getOutputStream());
                    protocol.accept(server);
                    assertEquals(suite, negotiated(server));
                    assertRecordCiphers(suite, protocol);
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
                PSKTlsClient client = clients.create();
                TlsClientProtocol protocol = new TlsClientProtocol(s.getInputStream(), s.getOutputStream());
                protocol.connect(client);
                assertEquals(suite, negotiated(client));
                assertRecordCiphers(suite, protocol);
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

    /** A wrong PSK yields different keys, so the peer's AEAD-protected Finished must fail authentication. */
    @ParameterizedTest(name = "suite 0x{0}")
    @ValueSource(strings = {
        "C0A8", // TLS_PSK_WITH_AES_128_CCM_8 (AesCcm)
        "00A8", // TLS_PSK_WITH_AES_128_GCM_SHA256 (AesGcm)
        "00AB", // TLS_DHE_PSK_WITH_AES_256_GCM_SHA384 (AesGcm)
    })
    void wrongPskFailsWithBadRecordMac(String suiteHex) throws Exception
    {
        int suite = Integer.parseInt(suiteHex, 16);
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

    /**
     * DTLS 1.2 over an in-memory datagram pipe, with the suite TS-0003 clause 10.2.2 makes
     * mandatory and with AES-GCM (whose explicit nonce then carries epoch || sequence number).
     */
    @ParameterizedTest(name = "DTLS 1.2 suite 0x{0}")
    @ValueSource(strings = {
        "C0A8", // TLS_PSK_WITH_AES_128_CCM_8 (TS-0003 clause 10.2.2)
        "00A8", // TLS_PSK_WITH_AES_128_GCM_SHA256
        "00A9", // TLS_PSK_WITH_AES_256_GCM_SHA384
    })
    void dtls12HandshakeAndBulkData(String suiteHex) throws Exception
    {
        int suite = Integer.parseInt(suiteHex, 16);
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
