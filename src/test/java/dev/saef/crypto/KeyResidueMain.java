package dev.saef.crypto;

import dev.saef.config.AssociationTable;
import dev.saef.config.SaefConfiguration;
import dev.saef.identity.IdentityMode;
import dev.saef.jsse.SaefProvider;
import dev.saef.config.PskKeyManagerParameters;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringReader;
import java.lang.management.ManagementFactory;
import java.lang.ref.Reference;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.reflect.Field;
import org.bouncycastle.tls.TlsContext;
import org.bouncycastle.tls.crypto.TlsSecret;
import org.bouncycastle.tls.crypto.impl.AbstractTlsSecret;

/**
 * The process {@link KeyResidueTest} forks: runs real PSK and DHE_PSK handshakes between SAEF client
 * and server sockets over loopback TCP (both roles in this JVM, each with its own {@code SSLContext}),
 * then handshakes that fail after the server took the key (a wrong client key; a malformed
 * ClientKeyExchange from a Bouncy Castle client), closes everything and writes a heap dump.
 *
 * <p>Arguments: a work directory holding {@code keys} (two lines: the hex of key A, 16 octets, and
 * of key B, 32 octets; test-only random keys), the heap dump path, the number of rounds (each round
 * runs every suite once). The keys reach this JVM as hex text only, so the raw octets exist only where
 * SAEF decoded them. Writes {@code master-secrets} to the work directory: the hex of the master secret
 * of one session per suite, read (through reflection) while the connection was open.
 *
 * <p>Copies of each key that legitimately stay: exactly two, the inline key of the server context's
 * association table and that of the client context's table, both of which stay reachable until the
 * dump is written.
 */
public final class KeyResidueMain {

    /** {suite, key} rounds: plain PSK and DHE_PSK, SHA-256 and SHA-384 PRFs, 16- and 32-octet keys. */
    private static final List<String[]> SUITES = List.of(
            new String[] {"TLS_PSK_WITH_AES_128_CBC_SHA256", "A"},
            new String[] {"TLS_PSK_WITH_AES_256_GCM_SHA384", "B"},
            new String[] {"TLS_PSK_WITH_AES_128_CCM_8", "B"},
            new String[] {"TLS_DHE_PSK_WITH_AES_128_GCM_SHA256", "A"},
            new String[] {"TLS_DHE_PSK_WITH_AES_256_CBC_SHA384", "B"});

    /** Hex of the master secrets of some sessions, taken while open; the scan looks for their octets after close. */
    private static final List<String> MASTER_SECRETS = new ArrayList<>();

    private KeyResidueMain() {
    }

    public static void main(String[] args) throws Exception {
        Path work = Path.of(args[0]);
        Path dump = Path.of(args[1]);
        int rounds = Integer.parseInt(args[2]);
        List<String> hex = Files.readAllLines(work.resolve("keys"), StandardCharsets.US_ASCII);
        String keyA = hex.get(0);
        String keyB = hex.get(1);
        String wrongA = flipFirstNibble(keyA);
        hex = null;

        SaefProvider provider = new SaefProvider();
        SSLContext server = context(provider, "a@sp.example.com peer=CAE01 key=hex:" + keyA + "\n"
                + "b@sp.example.com peer=CAE02 key=hex:" + keyB + "\n");
        int handshakes = 0;
        int failed = 0;
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (SSLServerSocket ss = (SSLServerSocket) server.getServerSocketFactory()
                .createServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            int port = ss.getLocalPort();
            String address = "127.0.0.1:" + port;
            SSLContext clientA = context(provider, "a@sp.example.com peer=/id-in address=" + address
                    + " key=hex:" + keyA + "\n");
            SSLContext clientB = context(provider, "b@sp.example.com peer=/id-in address=" + address
                    + " key=hex:" + keyB + "\n");
            // A client with the wrong key for KpsaID a: the server still builds a premaster from key A.
            SSLContext wrong = context(provider, "a@sp.example.com peer=/id-in address=" + address
                    + " key=hex:" + wrongA + "\n");
            for (int r = 0; r < rounds; r++) {
                for (String[] s : SUITES) {
                    handshake(pool, ss, "A".equals(s[1]) ? clientA : clientB, port, s[0], true);
                    handshakes++;
                }
            }
            for (String[] s : SUITES) {
                if ("A".equals(s[1])) {
                    handshake(pool, ss, wrong, port, s[0], false);
                    failed++;
                }
            }
            // Handshakes that end after the server took key A for KpsaID a and before it built a premaster:
            // a ClientKeyExchange with an octet after the DH public value (decode_error once the key
            // exchange has read the Kpsa), and the DH public value 1 (no shared secret can be computed).
            badDheClient(pool, ss, port, true);
            badDheClient(pool, ss, port, false);
            failed += 2;
            pool.shutdown();
            pool.awaitTermination(10, TimeUnit.SECONDS);
            // Resumable sessions keep their master secret in the session cache until they leave it:
            // here by SSLSession.invalidate() (server, client A) and by expiry (client B).
            int cached = invalidateAll(server.getServerSessionContext()) + invalidateAll(clientA.getClientSessionContext());
            clientB.getClientSessionContext().setSessionTimeout(1);
            Thread.sleep(1100);
            if (clientB.getClientSessionContext().getIds().hasMoreElements()) {
                throw new IllegalStateException("an expired session is still cached");
            }
            System.out.println("cached sessions invalidated=" + cached);
            keyA = keyB = wrongA = null;
            System.gc();
            System.gc();
            HotSpotDiagnosticMXBean bean = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            bean.dumpHeap(dump.toString(), true);
            // the configured keys stay reachable until the dump is written (the two legitimate copies each)
            Reference.reachabilityFence(server);
            Reference.reachabilityFence(clientA);
            Reference.reachabilityFence(clientB);
        }
        Files.writeString(work.resolve("master-secrets"), String.join("\n", MASTER_SECRETS) + "\n");
        System.out.println("handshakes=" + handshakes + " failed=" + failed);
    }

    private static void handshake(ExecutorService pool, SSLServerSocket ss, SSLContext client, int port, String suite,
            boolean succeed) throws Exception {
        Future<?> served = pool.submit(() -> {
            try (SSLSocket s = (SSLSocket) ss.accept()) {
                InputStream in = s.getInputStream();
                int b = in.read();
                if (b >= 0) {
                    s.getOutputStream().write(b);
                    s.getOutputStream().flush();
                    in.read(); // the client's close_notify
                }
            } catch (SSLException e) {
                if (succeed) {
                    throw e;
                }
            }
            return null;
        });
        try (SSLSocket s = (SSLSocket) client.getSocketFactory().createSocket("127.0.0.1", port)) {
            s.setEnabledCipherSuites(new String[] {suite});
            OutputStream out = s.getOutputStream();
            out.write(42);
            out.flush();
            if (s.getInputStream().read() != 42) {
                throw new IllegalStateException("no echo over " + suite);
            }
            if (!succeed) {
                throw new IllegalStateException("a wrong key completed a handshake over " + suite);
            }
            if (MASTER_SECRETS.size() < SUITES.size()) {
                MASTER_SECRETS.add(masterSecretHex(s)); // one finished, then closed, session per suite
            }
        } catch (SSLException e) {
            if (succeed) {
                throw e;
            }
        }
        served.get(30, TimeUnit.SECONDS);
    }

    /**
     * Reads the master secret of an open SAEF connection through reflection (test only): the
     * {@code TlsConnection} behind the socket, its Bouncy Castle context and session, the secret's octets.
     */
    private static String masterSecretHex(SSLSocket socket) throws Exception {
        Object conn = find(socket, dev.saef.protocol.TlsConnection.class, 3);
        if (conn == null) {
            throw new IllegalStateException("no TlsConnection behind " + socket.getClass().getName());
        }
        Field ctxField = dev.saef.protocol.TlsConnection.class.getDeclaredField("context");
        ctxField.setAccessible(true);
        TlsContext ctx = (TlsContext) ctxField.get(conn);
        // Bouncy Castle destroys the connection's copy when the handshake completes; the session keeps one
        TlsSecret master = ctx.getSession().exportSessionParameters().getMasterSecret();
        Field data = AbstractTlsSecret.class.getDeclaredField("data");
        data.setAccessible(true);
        return HexFormat.of().formatHex((byte[]) data.get(master));
    }

    private static Object find(Object from, Class<?> type, int depth) throws IllegalAccessException {
        for (Class<?> c = from.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (java.lang.reflect.Modifier.isStatic(f.getModifiers()) || f.getType().isPrimitive()
                        || !f.getDeclaringClass().getName().startsWith("dev.saef.")) {
                    continue;
                }
                f.setAccessible(true);
                Object v = f.get(from);
                if (type.isInstance(v)) {
                    return v;
                }
                if (v != null && depth > 1 && v.getClass().getName().startsWith("dev.saef.")) {
                    Object found = find(v, type, depth - 1);
                    if (found != null) {
                        return found;
                    }
                }
            }
        }
        return null;
    }

    /**
     * A Bouncy Castle DHE_PSK client for KpsaID a whose ClientKeyExchange carries one octet too many
     * ({@code trailing}) or the invalid DH public value 1.
     */
    private static void badDheClient(ExecutorService pool, SSLServerSocket ss, int port, boolean trailing)
            throws Exception {
        Future<?> served = pool.submit(() -> {
            try (SSLSocket s = (SSLSocket) ss.accept()) {
                s.getInputStream().read();
                throw new IllegalStateException("the server accepted a malformed ClientKeyExchange");
            } catch (SSLException expected) {
                return null;
            }
        });
        byte[] notTheKey = new byte[16]; // the client's key is irrelevant: the server fails first
        org.bouncycastle.tls.PSKTlsClient client = new org.bouncycastle.tls.PSKTlsClient(SaefTlsCrypto.create(null),
                new org.bouncycastle.tls.BasicTlsPSKIdentity("a@sp.example.com", notTheKey)) {
            @Override
            protected int[] getSupportedCipherSuites() {
                return new int[] {org.bouncycastle.tls.CipherSuite.TLS_DHE_PSK_WITH_AES_128_GCM_SHA256};
            }

            @Override
            protected org.bouncycastle.tls.ProtocolVersion[] getSupportedVersions() {
                return org.bouncycastle.tls.ProtocolVersion.TLSv12.only();
            }

            @Override
            public org.bouncycastle.tls.TlsKeyExchangeFactory getKeyExchangeFactory() {
                return new org.bouncycastle.tls.DefaultTlsKeyExchangeFactory() {
                    @Override
                    public org.bouncycastle.tls.TlsKeyExchange createPSKKeyExchangeClient(int keyExchange,
                            org.bouncycastle.tls.TlsPSKIdentity pskIdentity,
                            org.bouncycastle.tls.TlsDHGroupVerifier dhGroupVerifier) {
                        return new org.bouncycastle.tls.TlsPSKKeyExchange(keyExchange, pskIdentity, dhGroupVerifier) {
                            @Override
                            protected void generateEphemeralDH(OutputStream output) throws java.io.IOException {
                                if (trailing) {
                                    super.generateEphemeralDH(output);
                                    output.write(0);
                                } else {
                                    org.bouncycastle.tls.TlsUtils.writeOpaque16(new byte[] {1}, output);
                                }
                            }
                        };
                    }
                };
            }
        };
        try (java.net.Socket raw = new java.net.Socket(InetAddress.getLoopbackAddress(), port)) {
            org.bouncycastle.tls.TlsClientProtocol protocol =
                    new org.bouncycastle.tls.TlsClientProtocol(raw.getInputStream(), raw.getOutputStream());
            try {
                protocol.connect(client);
                throw new IllegalStateException("the handshake with a malformed ClientKeyExchange completed");
            } catch (java.io.IOException | RuntimeException expected) {
                // the client cannot even compute its premaster; the server has failed first or will
            }
        }
        served.get(30, TimeUnit.SECONDS);
    }

    /** @return how many cached sessions were invalidated (each leaves the cache, its master secret destroyed) */
    private static int invalidateAll(javax.net.ssl.SSLSessionContext sessions) {
        int n = 0;
        for (byte[] id : java.util.Collections.list(sessions.getIds())) {
            javax.net.ssl.SSLSession s = sessions.getSession(id);
            if (s != null) {
                s.invalidate();
                n++;
            }
        }
        if (sessions.getIds().hasMoreElements()) {
            throw new IllegalStateException("invalidated sessions are still cached");
        }
        return n;
    }

    private static SSLContext context(SaefProvider provider, String table) throws Exception {
        AssociationTable t = AssociationTable.parse("residue-table", new StringReader(table), IdentityMode.STRICT, true);
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("PSK", provider);
        kmf.init(new PskKeyManagerParameters(SaefConfiguration.of(t, t.inlineKeys())));
        SSLContext ctx = SSLContext.getInstance("TLS", provider);
        ctx.init(kmf.getKeyManagers(), null, null);
        return ctx;
    }

    private static String flipFirstNibble(String hex) {
        char c = hex.charAt(0);
        return (c == '0' ? '1' : '0') + hex.substring(1);
    }
}
