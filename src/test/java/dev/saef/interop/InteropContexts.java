package dev.saef.interop;

import dev.saef.config.AssociationTable;
import dev.saef.config.SaefConfiguration;
import dev.saef.identity.IdentityMode;
import dev.saef.jsse.SaefProvider;
import dev.saef.config.PskKeyManagerParameters;
import java.io.StringReader;
import java.util.function.UnaryOperator;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/** SAEF contexts for the interop tests, built from association-table text through the public JCA API. */
final class InteropContexts {

    private static final SaefProvider PROVIDER = new SaefProvider();

    private InteropContexts() {
    }

    static SSLContext context(String table, UnaryOperator<SaefConfiguration> tweak) throws Exception {
        return context("TLS", table, tweak);
    }

    /** A SAEF {@code DTLS} context. */
    static SSLContext dtlsContext(String table, UnaryOperator<SaefConfiguration> tweak) throws Exception {
        return context("DTLS", table, tweak);
    }

    private static SSLContext context(String protocol, String table, UnaryOperator<SaefConfiguration> tweak)
            throws Exception {
        AssociationTable t = AssociationTable.parse("interop-table", new StringReader(table), IdentityMode.STRICT, true);
        SaefConfiguration config = tweak.apply(SaefConfiguration.of(t, t.inlineKeys()));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("PSK", PROVIDER);
        kmf.init(new PskKeyManagerParameters(config));
        SSLContext ctx = SSLContext.getInstance(protocol, PROVIDER);
        ctx.init(kmf.getKeyManagers(), null, null);
        return ctx;
    }

    /** Entity A's table: the CSE {@code /id-in} listens on 127.0.0.1:port. */
    static String clientTable(String kpsaId, int port, String keyHex) {
        return kpsaId + " peer=/id-in address=127.0.0.1:" + port + " key=hex:" + keyHex + "\n";
    }

    /** Entity B's table: the client is known as {@code peer} when given, else by its Credential-ID. */
    static String serverTable(String kpsaId, String peer, String keyHex) {
        return kpsaId + (peer == null ? "" : " peer=" + peer) + " key=hex:" + keyHex + "\n";
    }
}
