package dev.saef.jsse;

import dev.saef.config.AssociationTable;
import dev.saef.config.SaefConfiguration;
import dev.saef.identity.IdentityMode;
import dev.saef.config.PskKeyManagerParameters;
import java.io.StringReader;
import java.util.function.UnaryOperator;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/** Builds SAEF contexts for tests from association-table text, through the public JCA API only. */
final class Peers {
    static final SaefProvider PROVIDER = new SaefProvider();

    /** A fixed test key (throwaway, test-only). */
    static final String KEY_HEX = "00112233445566778899aabbccddeeff";
    static final String OTHER_KEY_HEX = "ffeeddccbbaa99887766554433221100";

    private Peers() {
    }

    static SaefConfiguration config(String table) throws Exception {
        AssociationTable t = AssociationTable.parse("test-table", new StringReader(table), IdentityMode.STRICT, true);
        return SaefConfiguration.of(t, t.inlineKeys());
    }

    static SSLContext context(String table) throws Exception {
        return context(table, UnaryOperator.identity());
    }

    static SSLContext context(String table, UnaryOperator<SaefConfiguration> tweak) throws Exception {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("PSK", PROVIDER);
        kmf.init(new PskKeyManagerParameters(tweak.apply(config(table))));
        SSLContext ctx = SSLContext.getInstance("TLS", PROVIDER);
        ctx.init(kmf.getKeyManagers(), null, null);
        return ctx;
    }

    /** Server (Entity B) table: the AE is known as CAE01 when peer is given. */
    static String serverTable(String kpsaId, String peer, String keyHex) {
        return kpsaId + (peer == null ? "" : " peer=" + peer) + " key=hex:" + keyHex + "\n";
    }

    /** Client (Entity A) table: the CSE /id-in at the given address. */
    static String clientTable(String kpsaId, String address, String keyHex) {
        return kpsaId + " peer=/id-in address=" + address + " key=hex:" + keyHex + "\n";
    }
}
