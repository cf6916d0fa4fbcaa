/**
 * SAEF-JSSE: the oneM2M PSK-SAEF security association (TS-0003 clause 8.2.2.1, TLS 1.2 PSK) as a JSSE
 * provider named {@code SAEF}, over Bouncy Castle's TLS protocol.
 *
 * <p>The public API is four packages: {@link dev.saef.jsse} (the provider), {@link dev.saef.keys} (the
 * pre-shared key SPI), {@link dev.saef.identity} (the bound identity: principal, KpsaId, CredentialID) and
 * {@link dev.saef.config} (the programmatic configuration); a fifth, {@link dev.saef.coap} (Californium
 * connectors over SAEF's DTLS), needs Californium 3 ({@code requires static}). The TLS core ({@code dev.saef.protocol}),
 * the record crypto ({@code dev.saef.crypto}), the suite profile ({@code dev.saef.profile}), the command
 * line ({@code dev.saef.cli}) and the Jetty integration ({@code dev.saef.jetty}) are internal.
 *
 * <p>The provider is found by {@link java.util.ServiceLoader}, so {@code security.provider.1=SAEF} in a
 * {@code java.security} override file, or {@code Security.getProvider("SAEF")} once it is listed there,
 * works on the module path as on the class path. Jetty 12 is optional ({@code requires static}): Jetty
 * finds the SAEF ALPN processors ({@code META-INF/services}) when SAEF-JSSE is on the class path.
 *
 * @provides java.security.Provider the {@code SAEF} provider ({@link dev.saef.jsse.SaefProvider})
 */
module dev.saef {
    requires org.bouncycastle.provider;
    requires org.bouncycastle.tls;
    requires jdk.httpserver;
    // the PostgreSQL key store (dev.saef.keys.jdbc) uses only java.sql; the driver is found at run time
    requires java.sql;
    requires java.management; // the JMX bean of ReloadingKeyManager (dev.saef:type=Associations)

    requires static org.eclipse.jetty.io;
    requires static org.eclipse.jetty.alpn.client;
    requires static org.eclipse.jetty.alpn.server;
    // Californium 3 (dev.saef.coap) is optional too; its jars have no module name, so these are the names
    // the JDK derives from the jar file names (californium-core-*.jar, element-connector-*.jar)
    requires static californium.core;
    requires static element.connector;

    exports dev.saef.jsse;
    exports dev.saef.keys;
    exports dev.saef.identity;
    exports dev.saef.config;
    exports dev.saef.coap;

    provides java.security.Provider with dev.saef.jsse.SaefProvider;
    // No "provides org.eclipse.jetty.io.ssl.ALPNProcessor.Server/Client" here: the JVM refuses to boot a
    // module whose provides names a service type it cannot read, so it would make Jetty mandatory. The
    // Jetty processors are registered in META-INF/services, which the class path reads.
}
