package dev.saef.bench;

import dev.saef.config.AssociationTable;
import dev.saef.config.SaefConfiguration;
import dev.saef.identity.IdentityMode;
import dev.saef.jsse.SaefProvider;
import dev.saef.config.PskKeyManagerParameters;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.TrustManagerFactory;

/**
 * Shared set-up for the SAEF-vs-SunJSSE benchmarks: the configurations compared, how their
 * {@link SSLContext}s are built (SAEF through the public JCA API exactly as the tests do, SunJSSE
 * with a 2048-bit RSA key made by {@code keytool} at set-up), and an in-memory SSLEngine handshake
 * driver.
 *
 * <p>Not a test (no {@code Test}/{@code Tests}/{@code Properties} suffix), so surefire ignores it.
 */
final class BenchSupport {

    private BenchSupport() {
    }

    /** Throwaway benchmark-only key. */
    static final String KPSA = "ae42@sp.example.com";
    static final String KEY_HEX = "00112233445566778899aabbccddeeff";

    /** The host:port the SAEF client engine claims to talk to; it selects the association. */
    static final String ENGINE_PEER_HOST = "cse.bench.example";
    static final int ENGINE_PEER_PORT = 4433;

    static final String TLS12 = "TLSv1.2";
    static final String TLS13 = "TLSv1.3";

    enum Impl { SAEF, SUN }

    /** One compared configuration: implementation, cipher suite (null: the default) and protocol. */
    enum Config {
        SAEF_PSK_CBC_SHA256(Impl.SAEF, "TLS_PSK_WITH_AES_128_CBC_SHA256", TLS12),
        SAEF_PSK_CCM_8(Impl.SAEF, "TLS_PSK_WITH_AES_128_CCM_8", TLS12),
        SAEF_PSK_GCM(Impl.SAEF, "TLS_PSK_WITH_AES_128_GCM_SHA256", TLS12),
        SAEF_DHE_PSK_GCM(Impl.SAEF, "TLS_DHE_PSK_WITH_AES_128_GCM_SHA256", TLS12),
        SUN_ECDHE_RSA_GCM_TLS12(Impl.SUN, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", TLS12),
        SUN_ECDHE_RSA_CBC_SHA256_TLS12(Impl.SUN, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", TLS12),
        /** SunJSSE TLS 1.2 with a P-256 ECDSA certificate and P-256 ECDHE: issue 10's reference. */
        SUN_ECDHE_ECDSA_GCM_TLS12(Impl.SUN, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", TLS12),
        SUN_ECDHE_ECDSA_CBC_SHA256_TLS12(Impl.SUN, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", TLS12),
        /** SunJSSE with its default protocols and suites: negotiates TLS 1.3 (AES_128_GCM, x25519, RSA-PSS). */
        SUN_TLS13_DEFAULT(Impl.SUN, null, TLS13);

        final Impl impl;
        final String suite;
        final String protocol;

        Config(Impl impl, String suite, String protocol) {
            this.impl = impl;
            this.suite = suite;
            this.protocol = protocol;
        }
    }

    // ------------------------------------------------------------------ contexts

    /** Client and server contexts for one configuration, plus how to make and configure peers. */
    static final class Stack {
        final Config config;
        final SSLContext client;
        final SSLContext server;

        private Stack(Config config, SSLContext client, SSLContext server) {
            this.config = config;
            this.client = client;
            this.server = server;
        }

        /**
         * @param clientAddress the {@code address=} of the SAEF client association (host:port the client
         *     connects to); ignored for SunJSSE
         */
        static Stack create(Config config, String clientAddress) throws Exception {
            if (config.impl == Impl.SAEF) {
                SSLContext server = saefContext(KPSA + " peer=CAE01 key=hex:" + KEY_HEX + "\n");
                SSLContext client = saefContext(KPSA + " peer=/id-in address=" + clientAddress
                        + " key=hex:" + KEY_HEX + "\n");
                return new Stack(config, client, server);
            }
            SunMaterial m = config.suite != null && config.suite.contains("_ECDSA_") ? SunMaterial.ecdsa()
                    : SunMaterial.get();
            SSLContext server = SSLContext.getInstance("TLS", "SunJSSE");
            server.init(m.keyManagers.getKeyManagers(), null, null);
            SSLContext client = SSLContext.getInstance("TLS", "SunJSSE");
            client.init(null, m.trustManagers.getTrustManagers(), null);
            return new Stack(config, client, server);
        }

        /**
         * A client engine. SunJSSE engines get no peer host/port, so the JDK never looks up (nor
         * resumes) a cached session: every handshake is a full one. SAEF resumes the session last
         * established with the same host:port and association unless it was invalidated; its client
         * needs the peer host:port to pick the association.
         */
        SSLEngine clientEngine() {
            SSLEngine e = config.impl == Impl.SAEF
                    ? client.createSSLEngine(ENGINE_PEER_HOST, ENGINE_PEER_PORT)
                    : client.createSSLEngine();
            e.setUseClientMode(true);
            restrict(e);
            return e;
        }

        SSLEngine serverEngine() {
            SSLEngine e = server.createSSLEngine();
            e.setUseClientMode(false);
            restrict(e);
            return e;
        }

        private void restrict(SSLEngine e) {
            if (config.suite != null) {
                e.setEnabledCipherSuites(new String[] {config.suite});
            }
            if (config.impl == Impl.SUN && TLS12.equals(config.protocol)) {
                e.setEnabledProtocols(new String[] {TLS12});
            }
        }

        /** Throws unless the session is what this configuration promises. */
        void verify(SSLSession s) {
            if (!config.protocol.equals(s.getProtocol())
                    || (config.suite != null && !config.suite.equals(s.getCipherSuite()))) {
                throw new IllegalStateException(config + ": negotiated " + s.getProtocol() + " "
                        + s.getCipherSuite() + ", expected " + config.protocol + " "
                        + (config.suite == null ? "<default>" : config.suite));
            }
        }
    }

    static SSLContext saefContext(String table) throws Exception {
        return saefContext(table, java.util.function.UnaryOperator.identity());
    }

    static SSLContext saefContext(String table, java.util.function.UnaryOperator<SaefConfiguration> tweak)
            throws Exception {
        SaefProvider provider = new SaefProvider();
        AssociationTable t = AssociationTable.parse("bench-table", new StringReader(table), IdentityMode.STRICT, true);
        SaefConfiguration config = tweak.apply(SaefConfiguration.of(t, t.inlineKeys()));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("PSK", provider);
        kmf.init(new PskKeyManagerParameters(config));
        SSLContext ctx = SSLContext.getInstance("TLS", provider);
        ctx.init(kmf.getKeyManagers(), null, null);
        return ctx;
    }

    /** A SAEF {@code SSLContext "DTLS"} over the given association table, built like {@link #saefContext}. */
    static SSLContext saefDtlsContext(String table) throws Exception {
        SaefProvider provider = new SaefProvider();
        AssociationTable t = AssociationTable.parse("bench-table", new StringReader(table), IdentityMode.STRICT, true);
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("PSK", provider);
        kmf.init(new PskKeyManagerParameters(SaefConfiguration.of(t, t.inlineKeys())));
        SSLContext ctx = SSLContext.getInstance("DTLS", provider);
        ctx.init(kmf.getKeyManagers(), null, null);
        return ctx;
    }

    /** SunJSSE key material: a 2048-bit RSA key pair made by keytool once per JVM (one JMH fork). */
    static final class SunMaterial {
        private static SunMaterial instance;
        private static SunMaterial ecdsaInstance;

        final KeyManagerFactory keyManagers;
        final TrustManagerFactory trustManagers;

        private SunMaterial(KeyManagerFactory kmf, TrustManagerFactory tmf) {
            this.keyManagers = kmf;
            this.trustManagers = tmf;
        }

        static synchronized SunMaterial get() throws Exception {
            if (instance == null) {
                instance = create();
            }
            return instance;
        }

        /** A P-256 ECDSA key (SHA256withECDSA certificate) made by keytool once per JVM. */
        static synchronized SunMaterial ecdsa() throws Exception {
            if (ecdsaInstance == null) {
                ecdsaInstance = keytool("CN=localhost", "SAN=dns:localhost,ip:127.0.0.1", "-keyalg", "EC",
                        "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA");
            }
            return ecdsaInstance;
        }

        private static SunMaterial create() throws Exception {
            return keytool("CN=localhost", "SAN=dns:localhost,ip:127.0.0.1", "-keyalg", "RSA", "-keysize", "2048");
        }

        /**
         * A server key made by the JDK's keytool in a temporary PKCS12 store (deleted again), and a
         * trust store holding its certificate.
         *
         * @param dname the certificate's subject
         * @param san the {@code -ext} value, e.g. {@code SAN=dns:localhost}, or null for none
         * @param keyArgs keytool's key options, e.g. {@code -keyalg EC -groupname secp256r1}
         */
        static SunMaterial keytool(String dname, String san, String... keyArgs) throws Exception {
            char[] pass = "bench-pass".toCharArray();
            Path dir = Files.createTempDirectory("saef-bench-");
            try {
                Path store = dir.resolve("server.p12");
                List<String> cmd = new java.util.ArrayList<>(List.of(
                        Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair"));
                cmd.addAll(List.of(keyArgs));
                cmd.addAll(List.of("-storetype", "PKCS12", "-keystore", store.toString(),
                        "-storepass", new String(pass), "-keypass", new String(pass),
                        "-alias", "server", "-dname", dname, "-validity", "2", "-noprompt"));
                if (san != null) {
                    cmd.addAll(List.of("-ext", san));
                }
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
                String out;
                try (InputStream in = p.getInputStream()) {
                    out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
                if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                    p.destroyForcibly();
                    throw new IOException("keytool failed: " + out);
                }
                KeyStore ks = KeyStore.getInstance("PKCS12");
                try (InputStream in = Files.newInputStream(store)) {
                    ks.load(in, pass);
                }
                KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(ks, pass);
                Certificate cert = ks.getCertificate("server");
                KeyStore trust = KeyStore.getInstance("PKCS12");
                trust.load(null, null);
                trust.setCertificateEntry("server", cert);
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(trust);
                return new SunMaterial(kmf, tmf);
            } finally {
                try (Stream<Path> files = Files.walk(dir)) {
                    files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
                }
            }
        }

        /** @return SunJSSE {client, server} contexts: the client trusts this key, the server holds it */
        SSLContext[] sunContexts() throws Exception {
            SSLContext server = SSLContext.getInstance("TLS", "SunJSSE");
            server.init(keyManagers.getKeyManagers(), null, null);
            SSLContext client = SSLContext.getInstance("TLS", "SunJSSE");
            client.init(null, trustManagers.getTrustManagers(), null);
            return new SSLContext[] {client, server};
        }
    }

    // ------------------------------------------------------------------ in-memory handshake

    /** Transport and application buffers for one engine pair (reused across handshakes). */
    static final class Buffers {
        final ByteBuffer clientToServer = ByteBuffer.allocate(1 << 17);
        final ByteBuffer serverToClient = ByteBuffer.allocate(1 << 17);
        final ByteBuffer clientApp = ByteBuffer.allocate(1 << 16);
        final ByteBuffer serverApp = ByteBuffer.allocate(1 << 16);

        void clear() {
            clientToServer.clear();
            serverToClient.clear();
            clientApp.clear();
            serverApp.clear();
        }
    }

    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    /**
     * Runs a full handshake between two fresh engines entirely in memory: each side wraps what it
     * has to send into its outgoing buffer and unwraps what the other side wrote, delegated tasks
     * run inline, until both are NOT_HANDSHAKING with nothing left in flight (so post-handshake
     * messages such as TLS 1.3 NewSessionTicket are consumed too).
     */
    static void handshake(SSLEngine client, SSLEngine server, Buffers b) throws SSLException {
        b.clear();
        client.beginHandshake();
        server.beginHandshake();
        for (int round = 0; ; round++) {
            boolean c = pump(client, b.clientToServer, b.serverToClient, b.clientApp);
            boolean s = pump(server, b.serverToClient, b.clientToServer, b.serverApp);
            if (client.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING
                    && server.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING
                    && b.clientToServer.position() == 0 && b.serverToClient.position() == 0) {
                return;
            }
            if ((!c && !s) || round > 100) {
                throw new SSLException("handshake stalled: client " + client.getHandshakeStatus() + ", server "
                        + server.getHandshakeStatus() + ", in flight " + b.clientToServer.position() + "/"
                        + b.serverToClient.position());
            }
        }
    }

    /**
     * Moves one engine forward as far as it can go without the peer.
     *
     * @param out bytes for the peer (write mode)
     * @param in bytes from the peer (write mode; flipped around each unwrap)
     * @return true if anything happened
     */
    private static boolean pump(SSLEngine e, ByteBuffer out, ByteBuffer in, ByteBuffer app) throws SSLException {
        boolean progress = false;
        for (int guard = 0; guard < 1000; guard++) {
            HandshakeStatus hs = e.getHandshakeStatus();
            switch (hs) {
                case NEED_TASK -> {
                    Runnable t;
                    while ((t = e.getDelegatedTask()) != null) {
                        t.run();
                    }
                    progress = true;
                }
                case NEED_WRAP -> {
                    SSLEngineResult r = e.wrap(EMPTY, out);
                    check(e, r);
                    if (r.bytesProduced() == 0 && r.getHandshakeStatus() == HandshakeStatus.NEED_WRAP) {
                        throw new SSLException("wrap made no progress: " + r);
                    }
                    progress = true;
                }
                default -> { // NEED_UNWRAP, NEED_UNWRAP_AGAIN, NOT_HANDSHAKING, FINISHED
                    if (in.position() == 0 && hs != HandshakeStatus.NEED_UNWRAP_AGAIN) {
                        return progress;
                    }
                    in.flip();
                    SSLEngineResult r;
                    try {
                        r = e.unwrap(in, app);
                    } finally {
                        in.compact();
                        app.clear();
                    }
                    if (r.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW) {
                        return progress;
                    }
                    check(e, r);
                    if (r.bytesConsumed() == 0 && r.bytesProduced() == 0 && r.getHandshakeStatus() == hs) {
                        return progress;
                    }
                    progress = true;
                }
            }
        }
        throw new SSLException("engine loops without progress: " + e.getHandshakeStatus());
    }

    private static void check(SSLEngine e, SSLEngineResult r) throws SSLException {
        if (r.getStatus() != SSLEngineResult.Status.OK) {
            throw new SSLException((e.getUseClientMode() ? "client " : "server ") + "engine: unexpected " + r);
        }
    }
}
