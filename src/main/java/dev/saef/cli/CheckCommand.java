package dev.saef.cli;

import dev.saef.keys.Association;
import dev.saef.config.SaefConfiguration;
import java.io.PrintStream;

/**
 * {@code saef check}: loads a configuration exactly as the provider would, lets the provider build an
 * {@code SSLContext} from it (so every {@code saef.*} setting the provider refuses, such as an
 * insecure {@code saef.cipherSuites}, is refused here with the provider's message) and lists its
 * associations (KpsaID, bound peer identity, address, where the key comes from). Keys are never
 * shown. Exit status 0 when the configuration is valid; otherwise {@link Main} prints
 * {@code saef check: <reason>} and exits 1.
 */
final class CheckCommand {
    private final PrintStream out;

    CheckCommand(PrintStream out) {
        this.out = out;
    }

    int run(Options o) throws Exception {
        SaefConfiguration config = Contexts.configuration(o);
        try {
            Contexts.context(config);
            list(config);
        } finally {
            config.destroy();
        }
        return 0;
    }

    private void list(SaefConfiguration config) {
        out.println("configuration: " + config.describe());
        out.printf("%-40s %-24s %-28s %s%n", "KpsaID", "peer", "address", "key");
        for (Association a : config.associations().associations()) {
            out.printf("%-40s %-24s %-28s %s%n", a.kpsaId(), a.peerId().orElse("(Credential-ID)"),
                    a.address().map(Object::toString).orElse("-"), a.hasInlineKey() ? "inline" : "key store");
        }
        out.println(config.associations().associations().size() + " association(s), configuration OK");
    }
}
