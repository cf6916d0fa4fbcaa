package dev.saef.cli;

import dev.saef.coap.BoundIdentity;
import dev.saef.coap.OneM2mCoapOptions;
import dev.saef.coap.SaefDtlsClientConnector;
import dev.saef.coap.SaefDtlsServerConnector;
import dev.saef.identity.OriginatorCheck;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapResource;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.CoapServer;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.Option;
import org.eclipse.californium.core.coap.Request;
import org.eclipse.californium.core.coap.Response;
import org.eclipse.californium.core.config.CoapConfig;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.core.server.resources.CoapExchange;
import org.eclipse.californium.elements.DtlsEndpointContext;
import org.eclipse.californium.elements.EndpointContext;
import org.eclipse.californium.elements.config.Configuration;

/**
 * The CoAP part of {@code saef demo}: the IN-CSE answers the oneM2M CoAP binding (TS-0008) over DTLS 1.2
 * (TS-0003 clause 10.2.1) on a Californium {@code CoapServer} with SAEF's server connector, and an AE
 * registers with a Californium {@code CoapClient} over SAEF's client connector: a CREATE of an AE
 * resource (POST to the CSE base, oneM2M-TY 2, content format {@code application/vnd.onem2m-res+json},
 * From and Request Identifier as the oneM2M-FR and oneM2M-RQI options). The CSE authorises the From by
 * the identity the DTLS handshake bound (clause 7.2.1) and answers 2.01 Created with oneM2M-RSC 2001, or
 * 4.03 with 4106. Only loaded when Californium is on the class path.
 */
final class CoapDemo {

    /** The CSE base's resource name (CSE-relative To, TS-0008 table 6.2.2.3-1). */
    static final String CSE_BASE = "cse-base";
    private static final Duration HANDSHAKE = Duration.ofSeconds(10);

    private final PrintStream out;

    CoapDemo(PrintStream out) {
        this.out = out;
    }

    /** A running CSE: the CoAP server over SAEF DTLS. */
    static final class Cse implements AutoCloseable {
        private final CoapServer server;
        private final int port;

        Cse(CoapServer server, int port) {
            this.server = server;
            this.port = port;
        }

        int port() {
            return port;
        }

        @Override
        public void close() {
            server.destroy();
        }
    }

    private static Configuration config() {
        CoapConfig.register();
        return Configuration.createStandardWithoutFile(); // no Californium3.properties written
    }

    /** Starts the CSE on 127.0.0.1, any free port, over the DTLS context {@code cse}. */
    Cse startCse(SSLContext cse) throws Exception {
        Configuration config = config();
        CoapServer server = new CoapServer(config);
        server.add(new CseBase());
        SaefDtlsServerConnector connector = new SaefDtlsServerConnector(cse, new InetSocketAddress("127.0.0.1", 0));
        server.addEndpoint(CoapEndpoint.builder().setConfiguration(config).setConnector(connector)
                .setOptionRegistry(OneM2mCoapOptions.REGISTRY).build());
        server.start();
        return new Cse(server, connector.getAddress().getPort());
    }

    /** The CSE base: a CREATE of an AE (ty=2) is accepted when its From is the bound identity. */
    private final class CseBase extends CoapResource {
        CseBase() {
            super(CSE_BASE);
        }

        @Override
        public void handlePOST(CoapExchange exchange) {
            Request request = exchange.advanced().getRequest();
            Option ty = request.getOptions().getOtherOption(OneM2mCoapOptions.RESOURCE_TYPE);
            String from = OneM2mCoapOptions.from(request);
            EndpointContext source = request.getSourceContext();
            out.println("CSE: CoAP POST /" + CSE_BASE + " ty=" + (ty == null ? "-" : ty.getIntegerValue())
                    + " RQI=" + OneM2mCoapOptions.requestIdentifier(request) + " over DTLS "
                    + source.getString(DtlsEndpointContext.KEY_CIPHER) + ", "
                    + SessionReport.peer(source.getPeerIdentity()));
            Response response;
            if (ty == null || ty.getIntegerValue() != OneM2mCoapOptions.TY_AE
                    || request.getOptions().getContentFormat() != OneM2mCoapOptions.RES_JSON) {
                response = new Response(ResponseCode.BAD_REQUEST);
                response.getOptions().addOtherOption(OneM2mCoapOptions.RESPONSE_STATUS_CODE.create(4000));
                out.println("CSE: not an AE CREATE -> 4.00 (4000 BAD_REQUEST)");
            } else {
                OriginatorCheck.Result check = BoundIdentity.checkOriginator(request);
                if (check.authenticated()) {
                    response = new Response(ResponseCode.CREATED);
                    response.getOptions().addOtherOption(OneM2mCoapOptions.RESPONSE_STATUS_CODE.create(2001));
                    response.getOptions().addLocationPath(CSE_BASE).addLocationPath(from);
                    response.getOptions().setContentFormat(OneM2mCoapOptions.RES_JSON);
                    response.setPayload("{\"m2m:ae\":{\"rn\":\"" + from + "\",\"ri\":\"" + from + "\",\"aei\":\"" + from
                            + "\",\"api\":\"Ncoap\",\"rr\":false,\"srv\":[\"3\"]}}");
                    out.println("CSE: From=" + from + " -> authenticated, AE registered (2.01 Created, RSC 2001)");
                } else {
                    response = new Response(ResponseCode.FORBIDDEN);
                    response.getOptions().addOtherOption(
                            OneM2mCoapOptions.RESPONSE_STATUS_CODE.create(check.responseStatusCode()));
                    response.setPayload(check.reason());
                    out.println("CSE: From=" + from + " -> ORIGINATOR_NOT_AUTHENTICATED (" + check.responseStatusCode()
                            + "): 4.03 Forbidden");
                }
            }
            Option rqi = request.getOptions().getOtherOption(OneM2mCoapOptions.REQUEST_IDENTIFIER);
            if (rqi != null) {
                response.getOptions().addOtherOption(rqi); // the response carries the request's identifier
            }
            exchange.respond(response);
        }
    }

    /**
     * The AE registers: POST coaps://127.0.0.1:port/cse-base over the DTLS context {@code ae}, with From
     * {@code from}.
     *
     * @return the CoAP response code
     */
    ResponseCode register(SSLContext ae, int port, String from) throws Exception {
        CoapEndpoint endpoint = CoapEndpoint.builder().setConfiguration(config())
                .setConnector(new SaefDtlsClientConnector(ae, HANDSHAKE))
                .setOptionRegistry(OneM2mCoapOptions.REGISTRY).build();
        CoapClient client = new CoapClient("coaps://127.0.0.1:" + port + "/" + CSE_BASE);
        try {
            client.setEndpoint(endpoint);
            client.setTimeout(HANDSHAKE.toMillis() * 2);
            Request post = Request.newPost();
            post.getOptions().addOtherOption(OneM2mCoapOptions.FROM.create(from));
            post.getOptions().addOtherOption(OneM2mCoapOptions.REQUEST_IDENTIFIER.create("coap-" + System.nanoTime()));
            post.getOptions().addOtherOption(OneM2mCoapOptions.RESOURCE_TYPE.create(OneM2mCoapOptions.TY_AE));
            post.getOptions().setContentFormat(OneM2mCoapOptions.RES_JSON);
            post.setPayload("{\"m2m:ae\":{\"rn\":\"" + from + "\",\"api\":\"Ncoap\",\"rr\":false,\"srv\":[\"3\"]}}");
            CoapResponse r = client.advanced(post);
            if (r == null) {
                out.println("AE:  no CoAP response");
                return null;
            }
            Option rsc = r.getOptions().getOtherOption(OneM2mCoapOptions.RESPONSE_STATUS_CODE);
            out.println("AE:  CoAP " + r.getCode() + " " + r.getCode().name() + ", oneM2M-RSC "
                    + (rsc == null ? "-" : rsc.getIntegerValue()) + ", server bound to "
                    + r.advanced().getSourceContext().getPeerIdentity().getName() + " (IdB)"
                    + (r.getCode() == ResponseCode.CREATED ? ", Location " + r.getOptions().getLocationPathString() : ""));
            return r.getCode();
        } finally {
            client.shutdown();
            endpoint.destroy();
        }
    }
}
