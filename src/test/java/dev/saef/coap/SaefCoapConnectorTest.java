package dev.saef.coap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.saef.config.AssociationTable;
import dev.saef.config.PskKeyManagerParameters;
import dev.saef.config.SaefConfiguration;
import dev.saef.identity.IdentityMode;
import dev.saef.identity.OriginatorCheck;
import dev.saef.identity.SaefPrincipal;
import dev.saef.jsse.DtlsServer;
import dev.saef.jsse.SaefProvider;
import java.io.IOException;
import java.io.StringReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Random;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapResource;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.CoapServer;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.eclipse.californium.core.coap.Request;
import org.eclipse.californium.core.coap.Response;
import org.eclipse.californium.core.config.CoapConfig;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.core.network.interceptors.MessageInterceptorAdapter;
import org.eclipse.californium.core.server.resources.CoapExchange;
import org.eclipse.californium.elements.AddressEndpointContext;
import org.eclipse.californium.elements.DtlsEndpointContext;
import org.eclipse.californium.elements.EndpointContext;
import org.eclipse.californium.elements.MessageCallback;
import org.eclipse.californium.elements.RawData;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.elements.exception.EndpointMismatchException;
import org.eclipse.californium.elements.exception.EndpointUnconnectedException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Californium's own {@code CoapServer} and {@code CoapClient} over SAEF's DTLS through the two connectors,
 * real UDP on loopback and real PSK-SAEF handshakes: the resource sees the identity the handshake bound
 * (configured AE-ID, or the Credential-ID of TS-0003 clause 10.4) and authorises by it (clause 7.2.1 with
 * the TS-0008 From option); the client sees IdB; an unknown KpsaID fails the handshake and the client gets
 * an error within the handshake time limit; payloads larger than a CoAP message go blockwise both ways.
 */
@Timeout(90)
class SaefCoapConnectorTest {

    static final String KEY_HEX = "00112233445566778899aabbccddeeff";
    static final String AE1 = "ae-coap1@sp.example.com";
    static final String AE2 = "ae-coap2@sp.example.com";
    static final Duration HANDSHAKE = Duration.ofSeconds(3);
    static final int BIG = 20_000;
    static final SaefProvider PROVIDER = new SaefProvider();

    static {
        CoapConfig.register();
    }

    private CoapServer server;
    private CoapClient client;
    private CoapEndpoint clientEndpoint;
    private SaefDtlsServerConnector serverConnector;
    private SaefDtlsClientConnector clientConnector;
    private int port;
    private final byte[] big = new byte[BIG];
    private final AtomicInteger bigPostsSeen = new AtomicInteger();
    /** Blocks the server's endpoint sent (Block2) and received (Block1), counted on the wire side of the stack. */
    private final AtomicInteger block2Sent = new AtomicInteger();
    private final AtomicInteger block1Received = new AtomicInteger();

    static SSLContext dtls(String table) throws Exception {
        return dtls(table, UnaryOperator.identity());
    }

    static SSLContext dtls(String table, UnaryOperator<SaefConfiguration> tweak) throws Exception {
        AssociationTable t = AssociationTable.parse("coap-test", new StringReader(table), IdentityMode.STRICT, true);
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("PSK", PROVIDER);
        kmf.init(new PskKeyManagerParameters(tweak.apply(SaefConfiguration.of(t, t.inlineKeys()))));
        SSLContext ctx = SSLContext.getInstance("DTLS", PROVIDER);
        ctx.init(kmf.getKeyManagers(), null, null);
        return ctx;
    }

    static Configuration coapConfig() {
        Configuration c = Configuration.createStandardWithoutFile();
        c.set(CoapConfig.MAX_RESOURCE_BODY_SIZE, 64 * 1024);
        return c;
    }

    /** whoami: GET names the bound identity; POST is a oneM2M CREATE authorised by the bound identity. */
    final class WhoAmI extends CoapResource {
        WhoAmI() {
            super("whoami");
        }

        @Override
        public void handleGET(CoapExchange exchange) {
            Request request = exchange.advanced().getRequest();
            exchange.respond(ResponseCode.CONTENT, BoundIdentity.of(request)
                    .map(p -> p.getName() + " " + p.kind()).orElse("no SAEF identity"));
        }

        @Override
        public void handlePOST(CoapExchange exchange) {
            Request request = exchange.advanced().getRequest();
            OriginatorCheck.Result check = BoundIdentity.checkOriginator(request);
            Response response = new Response(check.authenticated() ? ResponseCode.CREATED : ResponseCode.FORBIDDEN);
            response.getOptions().addOtherOption(OneM2mCoapOptions.RESPONSE_STATUS_CODE.create(
                    check.authenticated() ? 2001 : check.responseStatusCode()));
            response.setPayload(check.authenticated() ? "created for " + check.boundIdentity() : check.reason());
            exchange.respond(response);
        }
    }

    /** big: GET returns {@value #BIG} bytes; POST answers the SHA-256 of what arrived and who sent it. */
    final class Big extends CoapResource {
        Big() {
            super("big");
        }

        @Override
        public void handleGET(CoapExchange exchange) {
            exchange.respond(ResponseCode.CONTENT, big, MediaTypeRegistry.APPLICATION_OCTET_STREAM);
        }

        @Override
        public void handlePOST(CoapExchange exchange) {
            bigPostsSeen.incrementAndGet();
            byte[] got = exchange.getRequestPayload();
            exchange.respond(ResponseCode.CHANGED, got.length + " " + sha256(got) + " from "
                    + BoundIdentity.of(exchange.advanced().getRequest()).map(SaefPrincipal::getName).orElse("?"));
        }
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @BeforeEach
    void startServer() throws Exception {
        startServer(UnaryOperator.identity());
    }

    /** Starts the CSE over a {@link DtlsServer} with the settings {@code tweak} makes. */
    void startServer(UnaryOperator<DtlsServer.Builder> tweak) throws Exception {
        startServer(tweak, UnaryOperator.identity());
    }

    void startServer(UnaryOperator<DtlsServer.Builder> tweak, UnaryOperator<SaefConfiguration> saef)
            throws Exception {
        new Random(7).nextBytes(big);
        SSLContext cse = dtls(AE1 + " peer=CAE01 key=hex:" + KEY_HEX + "\n" + AE2 + " key=hex:" + KEY_HEX + "\n",
                saef);
        Configuration config = coapConfig();
        server = new CoapServer(config);
        server.add(new WhoAmI(), new Big());
        SaefDtlsServerConnector connector = new SaefDtlsServerConnector(tweak.apply(DtlsServer.builder(cse)),
                new InetSocketAddress("127.0.0.1", 0));
        serverConnector = connector;
        CoapEndpoint endpoint = CoapEndpoint.builder().setConfiguration(config).setConnector(connector)
                .setOptionRegistry(OneM2mCoapOptions.REGISTRY).build();
        endpoint.addInterceptor(new MessageInterceptorAdapter() {
            @Override
            public void sendResponse(Response response) {
                if (response.getOptions().hasBlock2()) {
                    block2Sent.incrementAndGet();
                }
            }

            @Override
            public void receiveRequest(Request request) {
                if (request.getOptions().hasBlock1()) {
                    block1Received.incrementAndGet();
                }
            }
        });
        server.addEndpoint(endpoint);
        server.start();
        port = connector.getAddress().getPort();
        assertTrue(port > 0, "server connector bound to " + connector.getAddress());
    }

    private void stop() {
        if (client != null) {
            client.shutdown(); // does not destroy the endpoint it was given
        }
        if (clientEndpoint != null) {
            clientEndpoint.destroy();
        }
        if (server != null) {
            server.destroy();
        }
        client = null;
        clientEndpoint = null;
        server = null;
    }

    /** Every test stops what it started: no reader thread of a client connector is left. */
    @AfterEach
    void noConnectorThreadLeft() throws InterruptedException {
        stop();
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().startsWith("saef-coap-reader"))) {
            if (System.nanoTime() > deadline) {
                fail("a saef-coap-reader thread is still running after the client endpoint was destroyed");
            }
            Thread.sleep(50);
        }
    }

    /** A CoapClient over a SAEF client connector whose association for 127.0.0.1:port has {@code kpsaId}. */
    CoapClient client(String kpsaId, String path) throws Exception {
        SSLContext ae = dtls(kpsaId + " peer=/id-in address=127.0.0.1:" + port + " key=hex:" + KEY_HEX + "\n");
        clientConnector = new SaefDtlsClientConnector(ae, HANDSHAKE);
        clientEndpoint = CoapEndpoint.builder().setConfiguration(coapConfig())
                .setConnector(clientConnector)
                .setOptionRegistry(OneM2mCoapOptions.REGISTRY).build();
        client = new CoapClient("coaps://127.0.0.1:" + port + "/" + path);
        client.setEndpoint(clientEndpoint);
        client.setTimeout(20_000L);
        return client;
    }

    static Request create(String from) {
        Request post = Request.newPost();
        post.getOptions().addOtherOption(OneM2mCoapOptions.FROM.create(from));
        post.getOptions().addOtherOption(OneM2mCoapOptions.REQUEST_IDENTIFIER.create("rqi-1"));
        post.getOptions().addOtherOption(OneM2mCoapOptions.RESOURCE_TYPE.create(OneM2mCoapOptions.TY_AE));
        post.getOptions().setContentFormat(OneM2mCoapOptions.RES_JSON);
        post.setPayload("{\"m2m:ae\":{\"rn\":\"coap\",\"api\":\"Ncoap\",\"rr\":false,\"srv\":[\"3\"]}}");
        return post;
    }

    @Test
    void getAndPostSeeTheConfiguredIdentityBothWays() throws Exception {
        CoapClient c = client(AE1, "whoami");
        CoapResponse get = c.get();
        assertNotNull(get, "no response to GET");
        assertEquals(ResponseCode.CONTENT, get.getCode());
        assertEquals("CAE01 CONFIGURED", get.getResponseText());
        // the client side: the response's context carries IdB, the CSE-ID the association names
        SaefPrincipal idB = assertInstanceOf(SaefPrincipal.class,
                get.advanced().getSourceContext().getPeerIdentity());
        assertEquals("/id-in", idB.getName());
        assertEquals(AE1, idB.kpsaId().orElseThrow().value());
        System.out.println("client context: " + get.advanced().getSourceContext());
        assertTrue(get.advanced().getSourceContext().getString(DtlsEndpointContext.KEY_CIPHER).startsWith("TLS_"),
                "cipher suite in the context: " + get.advanced().getSourceContext());

        CoapResponse created = c.advanced(create("CAE01"));
        assertNotNull(created, "no response to POST");
        assertEquals(ResponseCode.CREATED, created.getCode(), created.getResponseText());
        assertEquals("created for CAE01", created.getResponseText());
        assertEquals(2001, created.getOptions().getOtherOption(OneM2mCoapOptions.RESPONSE_STATUS_CODE).getIntegerValue());

        // clause 7.2.1: a From that is not the bound identity is refused, by the identity the handshake bound
        CoapResponse impersonation = c.advanced(create("CAEother"));
        assertNotNull(impersonation, "no response to the impersonating POST");
        assertEquals(ResponseCode.FORBIDDEN, impersonation.getCode());
        assertEquals(4106, impersonation.getOptions().getOtherOption(OneM2mCoapOptions.RESPONSE_STATUS_CODE)
                .getIntegerValue());
        assertTrue(impersonation.getResponseText().contains("'CAE01'"), impersonation.getResponseText());
    }

    @Test
    void withoutAConfiguredPeerTheResourceSeesTheCredentialId() throws Exception {
        CoapResponse get = client(AE2, "whoami").get();
        assertNotNull(get, "no response to GET");
        assertEquals("12-" + AE2 + " DERIVED", get.getResponseText());
        CoapResponse created = client.advanced(create("12-" + AE2));
        assertEquals(ResponseCode.CREATED, created.getCode(), created.getResponseText());
    }

    @Test
    void unknownKpsaIdFailsTheHandshakeAndTheClientGetsAnError() throws Exception {
        CoapClient c = client("ghost@sp.example.com", "whoami");
        long start = System.nanoTime();
        try {
            CoapResponse r = c.get();
            fail("a client whose KpsaID the CSE does not know got a response: " + (r == null ? null : r.getCode()));
        } catch (Exception e) {
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(ms < HANDSHAKE.toMillis() + 5_000, "the error took " + ms + " ms");
            Throwable t = e;
            while (t != null && !(t instanceof SSLHandshakeException)) {
                t = t.getCause();
            }
            assertNotNull(t, "not a handshake failure: " + e);
            System.out.println("unknown KpsaID: " + e + " after " + ms + " ms; cause: " + t);
        }
    }

    /** With {@code saef.unknownIdentity=reveal} the CSE says unknown_psk_identity: the error comes at once. */
    @Test
    void unknownKpsaIdRevealedFailsAtOnce() throws Exception {
        stop();
        startServer(UnaryOperator.identity(), c -> c.withHideUnknownIdentities(false));
        CoapClient c = client("ghost@sp.example.com", "whoami");
        long start = System.nanoTime();
        Exception e = assertThrows(Exception.class, c::get);
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertTrue(ms < HANDSHAKE.toMillis(), "the error took " + ms + " ms, the handshake limit is " + HANDSHAKE);
        Throwable t = e;
        while (t != null && !(t instanceof SSLHandshakeException)) {
            t = t.getCause();
        }
        assertNotNull(t, "not a handshake failure: " + e);
        System.out.println("unknown KpsaID revealed: " + e + " after " + ms + " ms");
    }

    /**
     * Two AEs at once on one CSE connector, each over its own association: every response names the identity
     * of the association the request came over, never the other one's.
     */
    @Test
    void concurrentAssociationsKeepTheirOwnIdentity() throws Exception {
        String[] expected = {"CAE01 CONFIGURED", "12-" + AE2 + " DERIVED"};
        String[] kpsa = {AE1, AE2};
        CoapEndpoint[] endpoints = new CoapEndpoint[2];
        CoapClient[] clients = new CoapClient[2];
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int i = 0; i < 2; i++) {
                SSLContext ae = dtls(kpsa[i] + " peer=/id-in address=127.0.0.1:" + port + " key=hex:" + KEY_HEX + "\n");
                endpoints[i] = CoapEndpoint.builder().setConfiguration(coapConfig())
                        .setConnector(new SaefDtlsClientConnector(ae, HANDSHAKE))
                        .setOptionRegistry(OneM2mCoapOptions.REGISTRY).build();
                clients[i] = new CoapClient("coaps://127.0.0.1:" + port + "/whoami");
                clients[i].setEndpoint(endpoints[i]);
                clients[i].setTimeout(20_000L);
            }
            List<Future<List<String>>> runs = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                CoapClient c = clients[i];
                runs.add(pool.submit(() -> {
                    List<String> seen = new ArrayList<>();
                    for (int k = 0; k < 20; k++) {
                        seen.add(c.get().getResponseText());
                    }
                    return seen;
                }));
            }
            for (int i = 0; i < 2; i++) {
                List<String> seen = runs.get(i).get(60, TimeUnit.SECONDS);
                assertEquals(20, seen.size());
                for (String text : seen) {
                    assertEquals(expected[i], text, kpsa[i] + " saw " + seen);
                }
            }
        } finally {
            pool.shutdownNow();
            for (int i = 0; i < 2; i++) {
                if (clients[i] != null) {
                    clients[i].shutdown();
                }
                if (endpoints[i] != null) {
                    endpoints[i].destroy();
                }
            }
        }
    }

    @Test
    void largePayloadsGoBlockwiseBothWays() throws Exception {
        CoapClient c = client(AE1, "big");
        CoapResponse get = c.get();
        assertNotNull(get, "no response to GET");
        assertEquals(ResponseCode.CONTENT, get.getCode());
        assertArrayEquals(big, get.getPayload());
        int blockSize = coapConfig().get(CoapConfig.PREFERRED_BLOCK_SIZE);
        assertTrue(block2Sent.get() >= BIG / blockSize, "the GET response came in " + block2Sent + " blocks");

        byte[] upload = new byte[BIG];
        new Random(11).nextBytes(upload);
        CoapResponse post = c.post(upload, MediaTypeRegistry.APPLICATION_OCTET_STREAM);
        assertNotNull(post, "no response to POST");
        assertEquals(ResponseCode.CHANGED, post.getCode(), post.getResponseText());
        assertEquals(BIG + " " + sha256(upload) + " from CAE01", post.getResponseText());
        assertEquals(1, bigPostsSeen.get(), "the resource saw the upload once, reassembled");
        assertTrue(block1Received.get() >= BIG / blockSize, "the upload came in " + block1Received + " blocks");
    }

    /** What a connector reported for one outbound message. */
    static final class Outcome implements MessageCallback {
        final CompletableFuture<Object> done = new CompletableFuture<>();

        @Override
        public void onConnecting() {
        }

        @Override
        public void onDtlsRetransmission(int flight) {
        }

        @Override
        public void onContextEstablished(EndpointContext context) {
        }

        @Override
        public void onSent() {
            done.complete("sent");
        }

        @Override
        public void onError(Throwable error) {
            done.complete(error);
        }
    }

    /**
     * The server ends an idle association with close_notify; the client connector forgets it. A
     * {@code CoapClient} pins its follow-up requests to the association of its first response (Californium's
     * strict matching): such a request now fails at once with an {@link EndpointMismatchException}, as over
     * Californium's own DTLS connector, instead of silently going over a new association; without the pinned
     * context the next request handshakes again.
     */
    @Test
    void afterTheServerClosesTheAssociationANewOneIsMadeOnlyForUnpinnedRequests() throws Exception {
        stop();
        startServer(b -> b.idleTimeout(Duration.ofMillis(600)));
        CoapClient c = client(AE1, "whoami");
        CoapResponse first = c.get();
        assertEquals("CAE01 CONFIGURED", first.getResponseText());
        assertNotNull(c.getDestinationContext(), "CoapClient did not pin the association");
        long start = System.nanoTime();
        while (!clientConnector.toString().contains("(0 association(s))")) {
            assertTrue(System.nanoTime() - start < 10_000_000_000L, "the client still holds the association the server"
                    + " closed: " + clientConnector);
            Thread.sleep(50);
        }
        long t0 = System.nanoTime();
        EndpointMismatchException pinned = assertThrows(EndpointMismatchException.class, c::get);
        assertTrue(System.nanoTime() - t0 < HANDSHAKE.toNanos(), "the pinned request waited for a handshake");
        assertTrue(pinned.getMessage().contains("has ended"), pinned.getMessage());

        c.setDestinationContext(null);
        CoapResponse second = c.get();
        assertNotNull(second, "no response over a new association");
        assertEquals("CAE01 CONFIGURED", second.getResponseText());
        assertTrue(first.advanced().getSourceContext().get(DtlsEndpointContext.KEY_HANDSHAKE_TIMESTAMP)
                < second.advanced().getSourceContext().get(DtlsEndpointContext.KEY_HANDSHAKE_TIMESTAMP)
                || !first.advanced().getSourceContext().get(DtlsEndpointContext.KEY_SESSION_ID)
                        .equals(second.advanced().getSourceContext().get(DtlsEndpointContext.KEY_SESSION_ID)),
                "the second request did not use a new association");
    }

    @Test
    void theServerConnectorStartsNoHandshake() throws Exception {
        Outcome o = new Outcome();
        serverConnector.send(RawData.outbound(new byte[] {0x40, 0x01, 0, 1},
                new AddressEndpointContext(new InetSocketAddress("127.0.0.1", 9)), o, false));
        EndpointUnconnectedException e = assertInstanceOf(EndpointUnconnectedException.class,
                o.done.get(5, TimeUnit.SECONDS));
        assertTrue(e.getMessage().contains("does not start handshakes"), e.getMessage());
    }

    /**
     * CoAP needs one datagram per message (RFC 7252 section 4.6): a message larger than one DTLS record is
     * refused with an error that says what to lower, never split over several datagrams.
     */
    @Test
    void aMessageLargerThanOneDtlsRecordIsRefusedNotSplit() throws Exception {
        CoapResponse get = client(AE1, "whoami").get();
        assertEquals(ResponseCode.CONTENT, get.getCode(), "the association must be established first");
        Outcome o = new Outcome();
        clientConnector.send(RawData.outbound(new byte[BIG], get.advanced().getSourceContext(), o, false));
        IOException e = assertInstanceOf(IOException.class, o.done.get(5, TimeUnit.SECONDS));
        assertTrue(e.getMessage().contains("does not fit one DTLS record"), e.getMessage());
        assertTrue(e.getMessage().contains("PREFERRED_BLOCK_SIZE"), e.getMessage());
    }
}
