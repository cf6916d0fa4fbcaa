package dev.saef.coap;

import org.eclipse.californium.core.coap.Option;
import org.eclipse.californium.core.coap.Request;
import org.eclipse.californium.core.coap.option.IntegerOptionDefinition;
import org.eclipse.californium.core.coap.option.MapBasedOptionRegistry;
import org.eclipse.californium.core.coap.option.OptionRegistry;
import org.eclipse.californium.core.coap.option.StandardOptionRegistry;
import org.eclipse.californium.core.coap.option.StringOptionDefinition;

/**
 * The oneM2M CoAP options and content formats of TS-0008 (Release 3, V3.9.0) this integration uses, and
 * an {@link OptionRegistry} that makes Californium accept them.
 *
 * <p>The oneM2M options are critical (odd numbers, TS-0008 table 6.2.2.4.0-1): a Californium endpoint
 * that does not know them answers 4.02 Bad Option (RFC 7252 section 5.4.1). Build endpoints with
 * {@code CoapEndpoint.builder().setOptionRegistry(OneM2mCoapOptions.REGISTRY)}. TS-0008 Release 1 used
 * other numbers (From 256, Request Identifier 257); these are the Release 3 ones.
 */
public final class OneM2mCoapOptions {

    /** oneM2M-FR (279): the From parameter, the originator's AE-ID or CSE-ID (TS-0008 clause 6.2.2.4.1). */
    public static final StringOptionDefinition FROM = new StringOptionDefinition(279, "oneM2M-FR", true, 0, 255);
    /** oneM2M-RQI (283): the Request Identifier (TS-0008 clause 6.2.2.4.2). */
    public static final StringOptionDefinition REQUEST_IDENTIFIER =
            new StringOptionDefinition(283, "oneM2M-RQI", true, 0, 255);
    /** oneM2M-TY (267): the Resource Type of a CREATE, 2 for an AE (TS-0008 clause 6.2.2.4.12). */
    public static final IntegerOptionDefinition RESOURCE_TYPE = new IntegerOptionDefinition(267, "oneM2M-TY", true, 0, 2);
    /** oneM2M-RSC (307): the Response Status Code, e.g. 2001 CREATED, 4106 (TS-0008 clause 6.2.2.4.10). */
    public static final IntegerOptionDefinition RESPONSE_STATUS_CODE =
            new IntegerOptionDefinition(307, "oneM2M-RSC", true, 0, 2);

    /** Content-Format of {@code application/vnd.onem2m-res+json} (TS-0008 table 6.2.2.2-1). */
    public static final int RES_JSON = 10001;
    /** Resource Type of an AE (TS-0004 table 6.3.4.2.1-1). */
    public static final int TY_AE = 2;

    /** Californium's standard options and the oneM2M options above. */
    public static final OptionRegistry REGISTRY = new MapBasedOptionRegistry(
            StandardOptionRegistry.getDefaultOptionRegistry(), FROM, REQUEST_IDENTIFIER, RESOURCE_TYPE,
            RESPONSE_STATUS_CODE);

    private OneM2mCoapOptions() {
    }

    /** @return the request's From (oneM2M-FR), or null when it has none */
    public static String from(Request request) {
        Option o = request.getOptions().getOtherOption(FROM);
        return o == null ? null : o.getStringValue();
    }

    /** @return the request's Request Identifier (oneM2M-RQI), or null when it has none */
    public static String requestIdentifier(Request request) {
        Option o = request.getOptions().getOtherOption(REQUEST_IDENTIFIER);
        return o == null ? null : o.getStringValue();
    }
}
