/**
 * Optional CoAP integration: Eclipse Californium {@code Connector}s over SAEF's DTLS 1.2 (TS-0003 clause
 * 10.2.1: UDP payloads are secured with DTLS; oneM2M's CoAP binding is TS-0008), so that an unchanged
 * Californium {@code CoapServer} or {@code CoapClient} speaks PSK-SAEF.
 *
 * <ul>
 *   <li>{@link dev.saef.coap.SaefDtlsServerConnector}: the server side, over the public
 *       {@link dev.saef.jsse.DtlsServer};</li>
 *   <li>{@link dev.saef.coap.SaefDtlsClientConnector}: the client side, one
 *       {@link dev.saef.jsse.DtlsClient} per server;</li>
 *   <li>every message received carries an {@code EndpointContext} whose peer identity is the identity the
 *       handshake bound (TS-0003 clause 8.2.2.1: the configured AE-ID/CSE-ID, else the Credential-ID of
 *       clause 10.4), read by a resource through {@link dev.saef.coap.BoundIdentity};</li>
 *   <li>{@link dev.saef.coap.OneM2mCoapOptions}: the TS-0008 options (From, Request Identifier, Resource
 *       Type, Response Status Code) and content formats, registered so that Californium accepts them.</li>
 * </ul>
 * Uses the JDK, Californium, and SAEF's public {@code jsse} and {@code identity} packages only; nothing
 * else in SAEF-JSSE depends on it, except the demo of the command line. Californium is an optional
 * dependency: this package loads only when the application has Californium 3.
 */
package dev.saef.coap;
