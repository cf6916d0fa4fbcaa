package dev.saef.conformance;

import dev.saef.config.AssociationTable;
import dev.saef.config.SaefConfiguration;
import dev.saef.identity.IdentityMode;
import dev.saef.jsse.SaefProvider;
import dev.saef.config.PskKeyManagerParameters;
import java.io.StringReader;
import java.util.HexFormat;
import java.util.function.UnaryOperator;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;

/**
 * SAEF contexts and engines for the conformance tests, built from association-table text through the
 * public JCA/JSSE API only (the same few lines as {@code dev.saef.jsse.Peers}, which is package-private
 * there).
 */
final class Saef {

    static final SaefProvider PROVIDER = new SaefProvider();

    /** Throwaway test keys. */
    static final String KEY_HEX = "00112233445566778899aabbccddeeff";
    static final String OTHER_KEY_HEX = "00112233445566778899aabbccddeefe";

    static final String KPSA = "ae42@sp.example.com";
    static final String CSE_ID = "/id-in";
    static final String AE_ID = "CAE01";
    static final String HOST = "cse.example.net";
    static final int PORT = 8443;

    private Saef() {
    }

    static SaefConfiguration config(String table) throws Exception {
        AssociationTable t = AssociationTable.parse("conformance-table", new StringReader(table), IdentityMode.STRICT,
                true);
        return SaefConfiguration.of(t, t.inlineKeys());
    }

    static SSLContext context(String table) throws Exception {
        return context(table, UnaryOperator.identity());
    }

    static SSLContext context(String table, UnaryOperator<SaefConfiguration> tweak) throws Exception {
        return context(tweak.apply(config(table)));
    }

    static SSLContext context(SaefConfiguration config) throws Exception {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("PSK", PROVIDER);
        kmf.init(new PskKeyManagerParameters(config));
        SSLContext ctx = SSLContext.getInstance("TLS", PROVIDER);
        ctx.init(kmf.getKeyManagers(), null, null);
        return ctx;
    }

    /** A server (Entity B) line: the client's KpsaID, its configured identity (or none) and the key. */
    static String serverLine(String kpsaId, String peer, String keyHex) {
        return kpsaId + (peer == null ? "" : " peer=" + peer) + " key=hex:" + keyHex + "\n";
    }

    /** A client (Entity A) line: KpsaID, IdB, the server's address and the key. */
    static String clientLine(String kpsaId, String idB, String address, String keyHex) {
        return kpsaId + " peer=" + idB + " address=" + address + " key=hex:" + keyHex + "\n";
    }

    /** A client engine for {@link #HOST}:{@link #PORT} holding {@link #KPSA} with the given key. */
    static SSLEngine clientEngine(String keyHex) throws Exception {
        return clientEngine(context(clientLine(KPSA, CSE_ID, HOST + ":" + PORT, keyHex)), HOST, PORT);
    }

    static SSLEngine clientEngine(SSLContext ctx, String host, int port) {
        SSLEngine e = ctx.createSSLEngine(host, port);
        e.setUseClientMode(true);
        return e;
    }

    /** A server engine knowing {@link #KPSA} as {@link #AE_ID} (or binding to its Credential-ID when peer is null). */
    static SSLEngine serverEngine(String peer, String keyHex) throws Exception {
        return serverEngine(context(serverLine(KPSA, peer, keyHex)));
    }

    static SSLEngine serverEngine(SSLContext ctx) {
        SSLEngine e = ctx.createSSLEngine();
        e.setUseClientMode(false);
        return e;
    }

    static byte[] hex(String hex) {
        return HexFormat.of().parseHex(hex);
    }

    static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }
}
