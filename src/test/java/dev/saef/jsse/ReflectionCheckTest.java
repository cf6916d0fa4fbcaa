package dev.saef.jsse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The reflection check ({@code saef.reflectionCheck}, the "Selfie" attack): one association table
 * serves both roles (TS-0003 clause 8.2.2.1), so an on-path attacker who sends an entity's outbound
 * connection back into that entity's own listening port would otherwise get a session in which the
 * entity believes it talks to the remote CSE. A server refuses a ClientHello its own
 * {@code SSLContext} sent; two entities with roles reversed (SA2, clause 8.2.1) are unaffected.
 */
@Timeout(60)
class ReflectionCheckTest {

    static final String KPSA = "cse-mn1@sp.example.com";

    /** What each side of the reflected connection ended with. */
    record Outcome(Throwable client, Throwable server, String clientBound, String serverBound) {
    }

    /**
     * A real reflection over sockets: the entity's client connects to the address its association
     * names (the attacker's relay), and the relay connects it to the entity's own server socket.
     */
    static Outcome reflect(UnaryOperator<dev.saef.config.SaefConfiguration> tweak) throws Exception {
        InetAddress lo = InetAddress.getLoopbackAddress();
        ExecutorService pool = Executors.newCachedThreadPool();
        try (ServerSocket relay = new ServerSocket(0, 5, lo)) {
            String address = lo.getHostAddress() + ":" + relay.getLocalPort();
            SSLContext entity = Peers.context(KPSA + " peer=/id-mn1 address=" + address + " key=hex:" + Peers.KEY_HEX
                    + "\n", tweak);
            try (SSLServerSocket own = (SSLServerSocket) entity.getServerSocketFactory().createServerSocket(0, 5, lo)) {
                pool.submit(() -> relay(relay, lo, own.getLocalPort(), pool));
                CompletableFuture<Object> server = CompletableFuture.supplyAsync(() -> {
                    try (SSLSocket s = (SSLSocket) own.accept()) {
                        s.setSoTimeout(20_000);
                        s.startHandshake();
                        String bound = s.getSession().getPeerPrincipal().getName();
                        s.getOutputStream().write(1);
                        s.getOutputStream().flush();
                        return bound;
                    } catch (Throwable t) {
                        return t;
                    }
                }, pool);
                Throwable clientError = null;
                String clientBound = null;
                try (SSLSocket s = (SSLSocket) entity.getSocketFactory().createSocket(lo.getHostAddress(),
                        relay.getLocalPort())) {
                    s.setSoTimeout(20_000);
                    s.startHandshake();
                    clientBound = s.getSession().getPeerPrincipal().getName();
                    s.getInputStream().read();
                } catch (Throwable t) {
                    clientError = t;
                }
                Object srv = server.get(30, TimeUnit.SECONDS);
                return new Outcome(clientError, srv instanceof Throwable t ? t : null, clientBound,
                        srv instanceof String b ? b : null);
            }
        } finally {
            pool.shutdownNow();
            pool.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    /** The attacker: accepts one connection and splices it to {@code port}, both ways, until either side closes. */
    private static Void relay(ServerSocket relay, InetAddress lo, int port, ExecutorService pool) throws IOException {
        try (Socket in = relay.accept(); Socket out = new Socket(lo, port)) {
            CompletableFuture<Void> up = CompletableFuture.runAsync(() -> copy(in, out), pool);
            copy(out, in);
            up.get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            // the connection ended
        }
        return null;
    }

    private static void copy(Socket from, Socket to) {
        byte[] buf = new byte[8192];
        try (InputStream i = from.getInputStream()) {
            OutputStream o = to.getOutputStream();
            for (int n; (n = i.read(buf)) > 0; ) {
                o.write(buf, 0, n);
                o.flush();
            }
            to.shutdownOutput();
        } catch (IOException e) {
            // closed
        }
    }

    @Test
    void reflectedConnectionIsRefused() throws Exception {
        Outcome o = reflect(UnaryOperator.identity());
        assertInstanceOf(SSLHandshakeException.class, o.server(), String.valueOf(o.server()));
        assertEquals("PSK-SAEF handshake failed: sent alert illegal_parameter: the ClientHello is one this SSLContext"
                + " sent itself as a client: the connection was reflected back to its sender (an on-path attacker, or"
                + " a client connecting to its own server through one context); set saef.reflectionCheck=false only"
                + " where one JVM talks to itself through one SSLContext", o.server().getMessage());
        assertInstanceOf(SSLHandshakeException.class, o.client(), String.valueOf(o.client()));
        assertEquals("the server refused a field of our handshake (alert illegal_parameter); a SAEF server also sends"
                + " this when it receives a ClientHello its own SSLContext sent, i.e. when this connection was reflected"
                + " back to us (saef.reflectionCheck)", o.client().getMessage());
        assertNull(o.clientBound());
        assertNull(o.serverBound());
    }

    /** What the attack achieves without the check (and what saef.reflectionCheck=false allows on purpose). */
    @Test
    void withoutTheCheckTheReflectionSucceeds() throws Exception {
        Outcome o = reflect(c -> c.withReflectionCheck(false));
        assertNull(o.client(), String.valueOf(o.client()));
        assertNull(o.server(), String.valueOf(o.server()));
        assertEquals("/id-mn1", o.clientBound(), "the client believes it talks to the remote CSE");
        assertEquals("/id-mn1", o.serverBound());
    }

    /** The same over engines: a context's own ClientHello fed to its own server engine. */
    @Test
    void ownClientHelloRefusedByEngine() throws Exception {
        SSLContext ctx = Peers.context(Peers.clientTable(KPSA, "mn1.example.net:443", Peers.KEY_HEX));
        SSLEngine c = ctx.createSSLEngine("mn1.example.net", 443);
        c.setUseClientMode(true);
        SSLEngine s = ctx.createSSLEngine();
        s.setUseClientMode(false);
        EnginePair p = new EnginePair(c, s);
        SSLException x = assertThrows(SSLException.class, p::handshake);
        assertTrue(x.getMessage().contains("reflect"), x.getMessage());
        // another context with the same table (another entity holding the same association) is served
        SSLContext other = Peers.context(Peers.clientTable(KPSA, "mn1.example.net:443", Peers.KEY_HEX));
        SSLEngine c2 = other.createSSLEngine("mn1.example.net", 443);
        c2.setUseClientMode(true);
        SSLEngine s2 = ctx.createSSLEngine();
        s2.setUseClientMode(false);
        boolean[] done = new EnginePair(c2, s2).handshake();
        assertTrue(done[0] && done[1]);
    }

    /**
     * SA2 (TS-0003 clause 8.2.1): the same two entities with roles reversed, each with its own context
     * and one association line serving both roles. Both directions run at the same time, so each
     * entity's server receives a ClientHello while its own client handshake is in flight.
     */
    @Test
    void rolesReversedBetweenTwoEntitiesStillWork() throws Exception {
        String shared = "mn-in@sp.example.com";
        SSLContext mn = Peers.context(shared + " peer=/id-in address=in.example.net:443 key=hex:" + Peers.KEY_HEX + "\n");
        SSLContext in = Peers.context(shared + " peer=/id-mn1 address=mn1.example.net:443 key=hex:" + Peers.KEY_HEX
                + "\n");
        EnginePair mnToIn = new EnginePair(client(mn, "in.example.net"), server(in));
        EnginePair inToMn = new EnginePair(client(in, "mn1.example.net"), server(mn));
        mnToIn.begin();
        inToMn.begin();
        boolean a = false;
        boolean b = false;
        for (int i = 0; i < 200 && !(a && b); i++) {
            a |= mnToIn.round();
            b |= inToMn.round();
        }
        assertTrue(a && b, "both handshakes complete");
        assertEquals("/id-in", mnToIn.client.getSession().getPeerPrincipal().getName());
        assertEquals("/id-mn1", mnToIn.server.getSession().getPeerPrincipal().getName());
        assertEquals("/id-mn1", inToMn.client.getSession().getPeerPrincipal().getName());
        assertEquals("/id-in", inToMn.server.getSession().getPeerPrincipal().getName());
        byte[] msg = "SA2".getBytes(StandardCharsets.US_ASCII);
        assertEquals("SA2", new String(EnginePair.transfer(inToMn.client, inToMn.server, msg), StandardCharsets.US_ASCII));
    }

    private static SSLEngine client(SSLContext ctx, String host) {
        SSLEngine e = ctx.createSSLEngine(host, 443);
        e.setUseClientMode(true);
        return e;
    }

    private static SSLEngine server(SSLContext ctx) {
        SSLEngine e = ctx.createSSLEngine();
        e.setUseClientMode(false);
        return e;
    }
}
