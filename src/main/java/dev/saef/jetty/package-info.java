/**
 * Optional Jetty 12 integration: ALPN processors (RFC 7301) for SAEF engines, so that Jetty's HTTP/2 and
 * HTTP/1.1 connectors negotiate the application protocol over PSK-SAEF as over the JDK's TLS (Jetty's
 * own processors apply to {@code java.base} engines only); the server side keeps Jetty's RFC 7540 section
 * 9.2.2 cipher check. Jetty finds them through {@code META-INF/services} when SAEF-JSSE is on the class
 * path. Uses only the JDK and Jetty; nothing else in SAEF-JSSE depends on it, and it loads only when the
 * application has Jetty. Internal: not exported by the module.
 */
package dev.saef.jetty;
