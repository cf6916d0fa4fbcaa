package dev.saef.frameworks;

import static dev.saef.frameworks.FrameworkPeers.AE_KEY;
import static dev.saef.frameworks.FrameworkPeers.CSE_ID;
import static dev.saef.frameworks.FrameworkPeers.WRONG_KEY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saef.identity.SaefPrincipal;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Eclipse Paho MQTT v3 (unchanged; only {@code MqttConnectOptions.setSocketFactory} with the SAEF
 * SSLContext's factory) against a Mosquitto broker with a TLS-PSK listener, which the test starts
 * itself on a free loopback port: TS-0010 requires a SAEF between MQTT client and broker. Mosquitto
 * takes the PSK identity (the KpsaID) as the MQTT user name ({@code use_identity_as_username}); its
 * log shows it. Skipped when the {@code mosquitto} binary (Debian package {@code mosquitto}) is absent.
 */
@Timeout(60)
class PahoMosquittoTest {

    static final String KPSA = "ae-mqtt@sp.example.com";

    @TempDir
    static Path dir;
    static Process broker;
    static Path brokerLog;
    static int port;

    static Optional<Path> mosquittoBinary() {
        Stream<String> path = Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator));
        return Stream.concat(path, Stream.of("/usr/sbin", "/usr/local/sbin", "/sbin"))
                .filter(d -> !d.isEmpty()).map(d -> Paths.get(d, "mosquitto")).filter(Files::isExecutable)
                .findFirst();
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /**
     * The broker configuration. PSK needs no certificate: {@code psk_hint} turns TLS-PSK on for the
     * listener, {@code psk_file} holds {@code identity:hexkey} lines. Debian's OpenSSL default
     * (SECLEVEL 2) accepts plain PSK and DHE_PSK (Mosquitto uses 2048-bit DH), no SECLEVEL tweak needed.
     */
    static String config(int port, Path pskFile) {
        return String.join("\n",
                "per_listener_settings false",
                "allow_anonymous true",
                "log_dest stderr",
                "log_type all",
                "connection_messages true",
                // as root Mosquitto would switch to user "mosquitto", which cannot read the test's files
                "user " + System.getProperty("user.name"),
                "listener " + port + " 127.0.0.1",
                "psk_hint saef-test",
                "psk_file " + pskFile,
                "use_identity_as_username true",
                "tls_version tlsv1.2",
                "ciphers PSK-AES128-GCM-SHA256:PSK-AES128-CBC-SHA256:DHE-PSK-AES128-GCM-SHA256",
                "");
    }

    @BeforeAll
    static void startBroker() throws Exception {
        Optional<Path> mosquitto = mosquittoBinary();
        Assumptions.assumeTrue(mosquitto.isPresent(), "mosquitto is not installed (Debian package mosquitto)");
        Path psk = dir.resolve("psk");
        Files.writeString(psk, KPSA + ":" + AE_KEY + "\n");
        Files.setPosixFilePermissions(psk, PosixFilePermissions.fromString("rw-------"));
        brokerLog = dir.resolve("mosquitto.log");
        for (int attempt = 0; attempt < 3 && broker == null; attempt++) {
            port = freePort();
            Path conf = dir.resolve("mosquitto.conf");
            Files.writeString(conf, config(port, psk));
            Process p = new ProcessBuilder(mosquitto.get().toString(), "-c", conf.toString())
                    .redirectErrorStream(true).redirectOutput(brokerLog.toFile()).start();
            if (awaitListening(p, port)) {
                broker = p;
            } else {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
        assertNotNull(broker, () -> "mosquitto did not start:\n" + log());
    }

    /** Waits until the broker logs that it is running and accepts TCP connections on the port. */
    static boolean awaitListening(Process p, int port) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline && p.isAlive()) {
            if (log().contains(" running")) {
                try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                    return true;
                } catch (IOException notYet) {
                    // retry
                }
            }
            Thread.sleep(50);
        }
        return false;
    }

    @AfterAll
    static void stopBroker() throws Exception {
        System.out.println("mosquitto log:\n" + log());
        if (broker != null) {
            broker.destroy();
            if (!broker.waitFor(5, TimeUnit.SECONDS)) {
                broker.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    static String log() {
        try {
            return brokerLog != null && Files.exists(brokerLog) ? Files.readString(brokerLog) : "";
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    /** The AE's SAEF context: association with the broker's address (host and port), IdB /id-in. */
    static SSLContext context(String keyHex, String suites) throws Exception {
        return FrameworkPeers.context(FrameworkPeers.keyManagerFactory(
                FrameworkPeers.aeTable(KPSA, keyHex, "127.0.0.1:" + port),
                c -> (suites == null ? c : c.withCipherSuites(suites)).withJdkFallback(false)));
    }

    /**
     * Hands Paho the SAEF factory unchanged and remembers the sockets it makes, so that the test can
     * look at the client's session (the application itself needs no such wrapper).
     */
    static final class RecordingFactory extends SSLSocketFactory {
        final SSLSocketFactory delegate;
        final List<SSLSocket> sockets = new CopyOnWriteArrayList<>();

        RecordingFactory(SSLSocketFactory delegate) {
            this.delegate = delegate;
        }

        private Socket keep(Socket s) {
            sockets.add((SSLSocket) s);
            return s;
        }

        @Override
        public Socket createSocket() throws IOException {
            return keep(delegate.createSocket());
        }

        @Override
        public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
            return keep(delegate.createSocket(s, host, port, autoClose));
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return keep(delegate.createSocket(host, port));
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return keep(delegate.createSocket(host, port, localHost, localPort));
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return keep(delegate.createSocket(host, port));
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
                throws IOException {
            return keep(delegate.createSocket(address, port, localAddress, localPort));
        }

        @Override
        public String[] getDefaultCipherSuites() {
            return delegate.getDefaultCipherSuites();
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return delegate.getSupportedCipherSuites();
        }
    }

    static MqttConnectOptions options(SSLSocketFactory factory) {
        MqttConnectOptions o = new MqttConnectOptions();
        o.setSocketFactory(factory);
        o.setCleanSession(true);
        o.setConnectionTimeout(10);
        o.setKeepAliveInterval(30);
        // host name verification stays on (Paho's default): with SAEF it means "the association used is
        // the one configured for this host and port"
        o.setHttpsHostnameVerificationEnabled(true);
        return o;
    }

    @ParameterizedTest
    @ValueSource(strings = {"default", "TLS_PSK_WITH_AES_128_CBC_SHA256", "TLS_DHE_PSK_WITH_AES_128_GCM_SHA256"})
    void publishAndReceiveOverPskSaef(String suite) throws Exception {
        String expectedSuite = suite.equals("default") ? "TLS_PSK_WITH_AES_128_GCM_SHA256" : suite;
        RecordingFactory factory = new RecordingFactory(context(AE_KEY, suite.equals("default") ? null : suite)
                .getSocketFactory());
        String clientId = "saef-paho-" + Integer.toHexString(suite.hashCode());
        String topic = "saef/test/" + clientId;
        MqttClient client = new MqttClient("ssl://127.0.0.1:" + port, clientId, new MemoryPersistence());
        client.setTimeToWait(10_000);
        BlockingQueue<MqttMessage> received = new LinkedBlockingQueue<>();
        try {
            client.connect(options(factory));
            client.subscribe(topic, 1, (t, m) -> received.add(m));
            byte[] payload = ("hello over PSK-SAEF, " + expectedSuite).getBytes(StandardCharsets.UTF_8);
            client.publish(topic, payload, 1, false);
            MqttMessage m = received.poll(10, TimeUnit.SECONDS);
            assertNotNull(m, "no message within 10 s; broker log:\n" + log());
            assertEquals(new String(payload, StandardCharsets.UTF_8),
                    new String(m.getPayload(), StandardCharsets.UTF_8));

            // client side: the session is bound to IdB, negotiated with the expected suite
            assertEquals(1, factory.sockets.size());
            javax.net.ssl.SSLSession s = factory.sockets.get(0).getSession();
            assertEquals(expectedSuite, s.getCipherSuite());
            assertEquals("TLSv1.2", s.getProtocol());
            assertEquals(CSE_ID, assertInstanceOf(SaefPrincipal.class, s.getPeerPrincipal()).getName());
            client.disconnect();
        } finally {
            if (client.isConnected()) {
                client.disconnectForcibly(1000, 1000);
            }
            client.close();
        }
        // broker side: Mosquitto took the KpsaID (psk_identity) as the client's user name
        String log = awaitLog("as " + clientId + " ");
        assertTrue(log.lines().anyMatch(l -> l.contains("New client connected from 127.0.0.1")
                && l.contains(" as " + clientId + " ") && l.contains("u'" + KPSA + "'")), log);
    }

    /** The KpsaID is known to the broker but the Kpsa differs: the connect fails in the handshake. */
    @Test
    void wrongKpsaIsRefused() throws Exception {
        String clientId = "saef-paho-wrong-key";
        MqttClient client = new MqttClient("ssl://127.0.0.1:" + port, clientId, new MemoryPersistence());
        client.setTimeToWait(10_000);
        try {
            MqttException e = assertThrows(MqttException.class,
                    () -> client.connect(options(context(WRONG_KEY, null).getSocketFactory())));
            StringBuilder chain = new StringBuilder();
            for (Throwable t = e; t != null; t = t.getCause()) {
                chain.append(t).append(" | ");
            }
            System.out.println("wrong Kpsa: " + chain);
            assertTrue(chain.toString().contains("SSL") && chain.toString().contains(KPSA), chain.toString());
            assertFalse(chain.toString().contains(WRONG_KEY), chain.toString());
        } finally {
            client.close();
        }
        assertFalse(log().contains(" as " + clientId + " "), log());
    }

    static String awaitLog(String text) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        String log = log();
        while (!log.contains(text) && System.nanoTime() < deadline) {
            Thread.sleep(50);
            log = log();
        }
        return log;
    }
}
