package dev.saef.jsse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import dev.saef.config.PskKeyManagerParameters;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8 item 1: a connection handed to the JDK's TLS ({@code saef.fallback=jdk}) is
 * indistinguishable, through every JSSE getter, from the JDK object it wraps; and in every state
 * (fresh, after {@code setEnabled...}, after a hand-off) the enabled suites and protocols are among
 * the supported ones, for sockets, layered sockets, engines and server sockets.
 *
 * <p>The getters are enumerated by reflection over the public no-argument {@code get}/{@code is}
 * methods that {@link SSLSocket} and {@link SSLEngine} declare (and, for {@code getSSLParameters()},
 * those of {@link SSLParameters}), so a getter added to the JDK is compared without a change here.
 * Hand-offs are real: a SAEF client socket/engine connects to a SunJSSE certificate server on
 * loopback for a host without a PSK association, and a SunJSSE certificate client (no PSK suite
 * offered) connects to a SAEF server socket/engine that has certificate key material.
 */
class HandOffParityTest {

    /**
     * Getters not compared with {@code equals}, and why. {@code getHandshakeApplicationProtocolSelector}:
     * SAEF returns the application's own selector; the JDK object holds an adapter that hands the
     * selector the SAEF socket/engine (the object the application knows), not the JDK's. It is checked
     * separately ({@link #selectorSetAfterHandOffIsTheApplications}).
     */
    private static final Set<String> EXCLUDED = Set.of("getHandshakeApplicationProtocolSelector");

    private static final ExecutorService POOL = Executors.newCachedThreadPool();
    @TempDir
    static Path dir;
    private static JdkCertificates certs;
    /** SunJSSE certificate server (TLS 1.2 context) with no PSK association; accepts any number of clients. */
    private static SSLServerSocket certServer;
    /** SAEF client: an association for another host only, trust in the certificate server. */
    private static SSLContext saefClient;
    /** SAEF server: a PSK table and the certificate key material (certificate clients go to the JDK). */
    private static SSLContext saefServer;
    private static final List<Socket> OPEN = new ArrayList<>();

    @BeforeAll
    static void setUp() throws Exception {
        certs = JdkCertificates.create(dir);
        certServer = (SSLServerSocket) certs.server().getServerSocketFactory().createServerSocket(0, 50,
                InetAddress.getLoopbackAddress());
        POOL.submit(HandOffParityTest::serveCertificateClients);
        saefClient = saefContext(Peers.clientTable("ae1@sp.example.com", "psk.example.com:443", Peers.KEY_HEX), false);
        saefServer = saefContext(Peers.serverTable("ae1@sp.example.com", "CAE01", Peers.KEY_HEX), true);
    }

    private static SSLContext saefContext(String table, boolean withCertificate) throws Exception {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("PSK", Peers.PROVIDER);
        kmf.init(new PskKeyManagerParameters(Peers.config(table)));
        List<KeyManager> kms = new ArrayList<>(Arrays.asList(kmf.getKeyManagers()));
        if (withCertificate) {
            kms.addAll(Arrays.asList(certs.keyManagers()));
        }
        SSLContext ctx = SSLContext.getInstance("TLS", Peers.PROVIDER);
        ctx.init(kms.toArray(new KeyManager[0]), certs.trustManagers(), null);
        return ctx;
    }

    @AfterAll
    static void tearDown() throws IOException {
        certServer.close();
        synchronized (OPEN) {
            for (Socket s : OPEN) {
                try {
                    // a TLS 1.3 JDK socket waits for the peer's close_notify for up to SO_TIMEOUT on close
                    s.setSoTimeout(50);
                } catch (java.net.SocketException alreadyClosed) {
                    // closed meanwhile (by its peer's thread): nothing to wait for
                }
                s.close();
            }
            for (ServerSocket s : SERVERS) {
                s.close();
            }
        }
        POOL.shutdownNow();
    }

    private static Void serveCertificateClients() {
        while (!certServer.isClosed()) {
            try {
                Socket s = certServer.accept();
                keep(s);
                POOL.submit(() -> drain(s));
            } catch (IOException closed) {
                return null;
            }
        }
        return null;
    }

    private static Void drain(Socket s) {
        try (s; InputStream in = s.getInputStream()) {
            s.setSoTimeout(30_000);
            ((SSLSocket) s).startHandshake();
            while (in.read() >= 0) {
                // until the client closes
            }
        } catch (IOException ignored) {
            // the test closed it
        }
        return null;
    }

    private static <T extends Socket> T keep(T s) {
        synchronized (OPEN) {
            OPEN.add(s);
        }
        return s;
    }

    // ---------------------------------------------------------------- the hand-offs

    /** A SAEF client socket connected to a host without an association: after the handshake, the JDK runs it. */
    private static SSLSocket handedOffClientSocket() throws Exception {
        SSLSocket s = keep((SSLSocket) saefClient.getSocketFactory().createSocket("localhost", certServer.getLocalPort()));
        s.setSoTimeout(30_000);
        s.startHandshake();
        return s;
    }

    private static SSLSocket handedOffLayeredSocket() throws Exception {
        Socket tcp = keep(new Socket(InetAddress.getLoopbackAddress(), certServer.getLocalPort()));
        SSLSocket s = keep((SSLSocket) saefClient.getSocketFactory().createSocket(tcp, "localhost",
                certServer.getLocalPort(), true));
        s.setSoTimeout(30_000);
        s.startHandshake();
        return s;
    }

    /** A SAEF server socket's connection from a SunJSSE certificate client (no PSK suite offered). */
    private static SSLSocket handedOffServerSocket() throws Exception {
        SSLServerSocket ss = keepServer((SSLServerSocket) saefServer.getServerSocketFactory().createServerSocket(0, 5,
                InetAddress.getLoopbackAddress()));
        Future<SSLSocket> client = POOL.submit(() -> {
            SSLSocket c = keep((SSLSocket) certs.client().getSocketFactory().createSocket("localhost",
                    ss.getLocalPort()));
            c.setSoTimeout(30_000);
            c.startHandshake();
            return c;
        });
        SSLSocket s = keep((SSLSocket) ss.accept());
        s.setSoTimeout(30_000);
        s.startHandshake();
        client.get(30, TimeUnit.SECONDS);
        return s;
    }

    private static SSLEngine handedOffClientEngine() throws Exception {
        Socket tcp = keep(new Socket(InetAddress.getLoopbackAddress(), certServer.getLocalPort()));
        tcp.setSoTimeout(30_000);
        SSLEngine e = saefClient.createSSLEngine("localhost", certServer.getLocalPort());
        e.setUseClientMode(true);
        handshake(e, tcp);
        return e;
    }

    private static SSLEngine handedOffServerEngine() throws Exception {
        ServerSocket plain = keepServer(new ServerSocket(0, 5, InetAddress.getLoopbackAddress()));
        Future<SSLSocket> client = POOL.submit(() -> {
            SSLSocket c = keep((SSLSocket) certs.client().getSocketFactory().createSocket("localhost",
                    plain.getLocalPort()));
            c.setSoTimeout(30_000);
            c.startHandshake();
            return c;
        });
        Socket tcp = keep(plain.accept());
        tcp.setSoTimeout(30_000);
        SSLEngine e = saefServer.createSSLEngine("127.0.0.1", tcp.getPort());
        e.setUseClientMode(false);
        handshake(e, tcp);
        client.get(30, TimeUnit.SECONDS);
        return e;
    }

    private static final List<ServerSocket> SERVERS = new ArrayList<>();

    private static <T extends ServerSocket> T keepServer(T s) {
        synchronized (OPEN) {
            SERVERS.add(s);
        }
        return s;
    }

    /** Drives an engine's handshake over a blocking TCP socket until it reports FINISHED. */
    private static void handshake(SSLEngine e, Socket tcp) throws Exception {
        InputStream in = tcp.getInputStream();
        OutputStream out = tcp.getOutputStream();
        ByteBuffer netIn = ByteBuffer.allocate(1 << 17).flip();
        ByteBuffer netOut = ByteBuffer.allocate(1 << 17);
        ByteBuffer app = ByteBuffer.allocate(1 << 17);
        e.beginHandshake();
        for (int round = 0; round < 1000; round++) {
            HandshakeStatus hs = e.getHandshakeStatus();
            switch (hs) {
                case NEED_WRAP -> {
                    netOut.clear();
                    SSLEngineResult r = e.wrap(ByteBuffer.allocate(0), netOut);
                    netOut.flip();
                    out.write(netOut.array(), 0, netOut.limit());
                    out.flush();
                    if (r.getHandshakeStatus() == HandshakeStatus.FINISHED) {
                        return;
                    }
                }
                case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                    SSLEngineResult r = e.unwrap(netIn, app);
                    if (r.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW) {
                        netIn.compact();
                        int n = in.read(netIn.array(), netIn.position(), netIn.remaining());
                        if (n < 0) {
                            fail("the peer closed the connection during the handshake");
                        }
                        netIn.position(netIn.position() + n).flip();
                    } else if (r.getHandshakeStatus() == HandshakeStatus.FINISHED) {
                        return;
                    }
                }
                case NEED_TASK -> {
                    Runnable t;
                    while ((t = e.getDelegatedTask()) != null) {
                        t.run();
                    }
                }
                default -> {
                    return;
                }
            }
        }
        fail("the engine handshake did not finish");
    }

    /**
     * The JDK object a handed-off SAEF socket/engine wraps. Read from the transport's {@code jdk} field
     * by reflection, so that this test compiles against any version of the transport.
     */
    private static Object wrapped(Object saef) throws Exception {
        for (Class<?> c = saef.getClass(); c != null; c = c.getSuperclass()) {
            try {
                Field f = c.getDeclaredField("jdk");
                f.setAccessible(true);
                Object jdk = f.get(saef);
                assertNotNull(jdk, saef + " was not handed off to the JDK");
                return jdk;
            } catch (NoSuchFieldException next) {
                // superclass
            }
        }
        throw new AssertionError(saef.getClass() + " has no field jdk");
    }

    // ---------------------------------------------------------------- parity

    @Test
    void handedOffClientSocketAnswersLikeTheJdkSocket() throws Exception {
        assertParity(SSLSocket.class, handedOffClientSocket());
    }

    @Test
    void handedOffLayeredSocketAnswersLikeTheJdkSocket() throws Exception {
        assertParity(SSLSocket.class, handedOffLayeredSocket());
    }

    @Test
    void handedOffServerSocketConnectionAnswersLikeTheJdkSocket() throws Exception {
        assertParity(SSLSocket.class, handedOffServerSocket());
    }

    @Test
    void handedOffClientEngineAnswersLikeTheJdkEngine() throws Exception {
        assertParity(SSLEngine.class, handedOffClientEngine());
    }

    @Test
    void handedOffServerEngineAnswersLikeTheJdkEngine() throws Exception {
        assertParity(SSLEngine.class, handedOffServerEngine());
    }

    /**
     * Every getter answers like the JDK object's, right after the hand-off and again after every
     * setter was called on the SAEF object (each must reach the JDK object).
     */
    private static void assertParity(Class<?> api, Object saef) throws Exception {
        Object jdk = wrapped(saef);
        assertGettersAgree(api, saef, jdk, "after the hand-off");
        assertEnabledWithinSupported(saef, "after the hand-off");

        String[] twoSuites = Arrays.copyOf(call(jdk, "getEnabledCipherSuites", String[].class), 2);
        invoke(saef, "setEnabledCipherSuites", new Class<?>[] {String[].class}, (Object) twoSuites);
        invoke(saef, "setEnabledProtocols", new Class<?>[] {String[].class}, (Object) new String[] {"TLSv1.2"});
        invoke(saef, "setNeedClientAuth", new Class<?>[] {boolean.class}, true);
        invoke(saef, "setEnableSessionCreation", new Class<?>[] {boolean.class}, false);
        SSLParameters p = call(saef, "getSSLParameters", SSLParameters.class);
        p.setApplicationProtocols(new String[] {"h2", "http/1.1"});
        p.setEndpointIdentificationAlgorithm("HTTPS");
        p.setMaximumPacketSize(4096);
        p.setUseCipherSuitesOrder(false);
        invoke(saef, "setSSLParameters", new Class<?>[] {SSLParameters.class}, p);

        assertArrayEquals(twoSuites, call(jdk, "getEnabledCipherSuites", String[].class),
                "setEnabledCipherSuites did not reach the JDK object");
        assertEquals(List.of("h2", "http/1.1"), List.of(call(jdk, "getSSLParameters", SSLParameters.class)
                .getApplicationProtocols()), "setSSLParameters did not reach the JDK object");
        assertGettersAgree(api, saef, jdk, "after setters on the handed-off object");
        assertEnabledWithinSupported(saef, "after setters on the handed-off object");

        // the mode cannot change after the handshake: refused like the JDK object refuses it
        boolean mode = call(jdk, "getUseClientMode", Boolean.class);
        InvocationTargetException jdkRefusal = assertThrows(InvocationTargetException.class,
                () -> invoke(jdk, "setUseClientMode", new Class<?>[] {boolean.class}, !mode));
        InvocationTargetException saefRefusal = assertThrows(InvocationTargetException.class,
                () -> invoke(saef, "setUseClientMode", new Class<?>[] {boolean.class}, !mode),
                "setUseClientMode after the hand-off must be refused as the JDK object refuses it");
        assertEquals(jdkRefusal.getCause().getClass(), saefRefusal.getCause().getClass());
    }

    /** The getters the JSSE type declares: public, non-static, no arguments, named get... or is.... */
    static List<Method> getters(Class<?> api) {
        List<Method> out = new ArrayList<>();
        for (Method m : api.getDeclaredMethods()) {
            if (Modifier.isPublic(m.getModifiers()) && !Modifier.isStatic(m.getModifiers()) && m.getParameterCount() == 0
                    && m.getReturnType() != void.class
                    && (m.getName().startsWith("get") || m.getName().startsWith("is"))) {
                out.add(m);
            }
        }
        out.sort((a, b) -> a.getName().compareTo(b.getName()));
        return out;
    }

    @Test
    void theGetterListCoversTheKnownJsseGetters() {
        Set<String> socket = names(getters(SSLSocket.class));
        assertTrue(socket.containsAll(Set.of("getEnabledCipherSuites", "getSupportedCipherSuites", "getEnabledProtocols",
                "getSupportedProtocols", "getSession", "getHandshakeSession", "getUseClientMode", "getNeedClientAuth",
                "getWantClientAuth", "getEnableSessionCreation", "getSSLParameters", "getApplicationProtocol",
                "getHandshakeApplicationProtocol", "getHandshakeApplicationProtocolSelector")), socket.toString());
        Set<String> engine = names(getters(SSLEngine.class));
        assertTrue(engine.containsAll(Set.of("getPeerHost", "getPeerPort", "getHandshakeStatus", "isInboundDone",
                "isOutboundDone", "getDelegatedTask", "getSSLParameters", "getEnabledCipherSuites")), engine.toString());
        assertTrue(names(getters(SSLParameters.class)).containsAll(Set.of("getCipherSuites", "getProtocols",
                "getServerNames", "getSNIMatchers", "getApplicationProtocols", "getAlgorithmConstraints",
                "getMaximumPacketSize", "getEndpointIdentificationAlgorithm", "getUseCipherSuitesOrder")));
    }

    private static Set<String> names(List<Method> ms) {
        Set<String> s = new TreeSet<>();
        ms.forEach(m -> s.add(m.getName()));
        return s;
    }

    private static void assertGettersAgree(Class<?> api, Object saef, Object jdk, String when) throws Exception {
        List<String> differences = new ArrayList<>();
        for (Method m : getters(api)) {
            if (EXCLUDED.contains(m.getName())) {
                continue;
            }
            Object ours = answer(m, saef);
            Object theirs = answer(m, jdk);
            String d = difference(m.getName(), ours, theirs);
            if (d != null) {
                differences.add(d);
            }
        }
        if (!differences.isEmpty()) {
            fail(api.getSimpleName() + " " + when + ": the SAEF object answers differently from the JDK object it"
                    + " wraps:\n  " + String.join("\n  ", differences));
        }
    }

    /** The value, or the exception's class (the JDK may refuse a getter: then SAEF must refuse it too). */
    private static Object answer(Method m, Object target) throws IllegalAccessException {
        try {
            m.setAccessible(true);
            return m.invoke(target);
        } catch (InvocationTargetException e) {
            return "threw " + e.getCause().getClass().getName();
        }
    }

    /** @return null when equal; arrays by content, SSLParameters getter by getter, sessions by identity */
    private static String difference(String name, Object ours, Object theirs) throws Exception {
        if (ours instanceof Object[] a && theirs instanceof Object[] b) {
            return Arrays.deepEquals(a, b) ? null : name + ": " + Arrays.toString(a) + " vs JDK " + Arrays.toString(b);
        }
        if (ours instanceof SSLParameters a && theirs instanceof SSLParameters b) {
            List<String> ds = new ArrayList<>();
            for (Method m : getters(SSLParameters.class)) {
                String d = difference(name + "()." + m.getName(), answer(m, a), answer(m, b));
                if (d != null) {
                    ds.add(d);
                }
            }
            return ds.isEmpty() ? null : String.join("\n  ", ds);
        }
        if (ours instanceof SSLSession || theirs instanceof SSLSession) {
            return ours == theirs ? null : name + ": " + ours + " vs JDK " + theirs;
        }
        return java.util.Objects.equals(ours, theirs) ? null : name + ": " + ours + " vs JDK " + theirs;
    }

    private static <T> T call(Object target, String method, Class<T> type) throws Exception {
        Method m = publicMethod(target, method);
        return type.cast(m.invoke(target));
    }

    private static void invoke(Object target, String method, Class<?>[] types, Object... args) throws Exception {
        Method m = target instanceof SSLEngine ? SSLEngine.class.getMethod(method, types)
                : target instanceof SSLSocket ? SSLSocket.class.getMethod(method, types)
                : SSLServerSocket.class.getMethod(method, types);
        m.invoke(target, args);
    }

    private static Method publicMethod(Object target, String method) throws NoSuchMethodException {
        Class<?> api = target instanceof SSLEngine ? SSLEngine.class
                : target instanceof SSLSocket ? SSLSocket.class : SSLServerSocket.class;
        return api.getMethod(method);
    }

    @Test
    void selectorSetAfterHandOffIsTheApplications() throws Exception {
        SSLEngine e = handedOffClientEngine();
        BiFunction<SSLEngine, List<String>, String> selector = (engine, offered) -> null;
        e.setHandshakeApplicationProtocolSelector(selector);
        assertSame(selector, e.getHandshakeApplicationProtocolSelector());
        assertNotNull(((SSLEngine) wrapped(e)).getHandshakeApplicationProtocolSelector(),
                "the selector did not reach the JDK engine");
        SSLSocket s = handedOffClientSocket();
        BiFunction<SSLSocket, List<String>, String> socketSelector = (socket, offered) -> null;
        s.setHandshakeApplicationProtocolSelector(socketSelector);
        assertSame(socketSelector, s.getHandshakeApplicationProtocolSelector());
        assertNotNull(((SSLSocket) wrapped(s)).getHandshakeApplicationProtocolSelector(),
                "the selector did not reach the JDK socket");
    }

    // ---------------------------------------------------------------- enabled within supported

    @Test
    void enabledIsWithinSupportedInEveryState() throws Exception {
        Map<String, Object> fresh = Map.of(
                "client socket", saefClient.getSocketFactory().createSocket(),
                "layered socket", saefClient.getSocketFactory().createSocket(
                        keep(new Socket(InetAddress.getLoopbackAddress(), certServer.getLocalPort())), "localhost",
                        certServer.getLocalPort(), true),
                "engine", saefClient.createSSLEngine("localhost", certServer.getLocalPort()),
                "server socket", keepServer(saefServer.getServerSocketFactory().createServerSocket(0, 5,
                        InetAddress.getLoopbackAddress())),
                "server engine", saefServer.createSSLEngine());
        for (Map.Entry<String, Object> e : fresh.entrySet()) {
            Object o = e.getValue();
            assertEnabledWithinSupported(o, e.getKey() + ", fresh");
            invoke(o, "setEnabledCipherSuites", new Class<?>[] {String[].class},
                    (Object) new String[] {"TLS_PSK_WITH_AES_128_CBC_SHA256"});
            invoke(o, "setEnabledProtocols", new Class<?>[] {String[].class}, (Object) new String[] {"TLSv1.2"});
            assertEnabledWithinSupported(o, e.getKey() + ", after setEnabled...");
            invoke(o, "setUseClientMode", new Class<?>[] {boolean.class}, !call(o, "getUseClientMode", Boolean.class));
            assertEnabledWithinSupported(o, e.getKey() + ", after setUseClientMode");
            if (o instanceof Socket s) {
                s.close();
            } else if (o instanceof ServerSocket s) {
                s.close();
            }
        }
        assertEnabledWithinSupported(handedOffClientSocket(), "client socket, after the hand-off");
        assertEnabledWithinSupported(handedOffLayeredSocket(), "layered socket, after the hand-off");
        assertEnabledWithinSupported(handedOffServerSocket(), "server socket's connection, after the hand-off");
        assertEnabledWithinSupported(handedOffClientEngine(), "client engine, after the hand-off");
        assertEnabledWithinSupported(handedOffServerEngine(), "server engine, after the hand-off");
    }

    private static void assertEnabledWithinSupported(Object o, String when) throws Exception {
        List<String> supportedSuites = List.of(call(o, "getSupportedCipherSuites", String[].class));
        List<String> enabledSuites = List.of(call(o, "getEnabledCipherSuites", String[].class));
        List<String> outside = new ArrayList<>(enabledSuites);
        outside.removeAll(supportedSuites);
        assertTrue(outside.isEmpty(), when + ": " + outside.size() + " of " + enabledSuites.size()
                + " enabled suites are not among the " + supportedSuites.size() + " supported: " + outside);
        List<String> supportedProtocols = List.of(call(o, "getSupportedProtocols", String[].class));
        List<String> enabledProtocols = List.of(call(o, "getEnabledProtocols", String[].class));
        assertTrue(supportedProtocols.containsAll(enabledProtocols), when + ": enabled protocols " + enabledProtocols
                + " not among the supported " + supportedProtocols);
        SSLParameters p = call(o, "getSSLParameters", SSLParameters.class);
        assertTrue(supportedSuites.containsAll(List.of(p.getCipherSuites())), when + ": getSSLParameters() suites");
        assertTrue(supportedProtocols.containsAll(List.of(p.getProtocols())), when + ": getSSLParameters() protocols");
    }
}
