package dev.saef.cli;

import dev.saef.config.Association;
import dev.saef.config.SaefConfiguration;
import java.io.PrintStream;

/**
 * {@code saef check}: loads a configuration exactly as the provider would and lists its
 * associations (KpsaID, bound peer identity, address, where the key comes from). Keys are never
 * shown. Exit status 0 when the configuration is valid, 1 with the error otherwise.
 */
final class CheckCommand {
    private final PrintStream out;
    private final PrintStream err;

    CheckCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    int run(Options o) throws Exception {
        SaefConfiguration config;
        try {
            config = Contexts.configuration(o);
        } catch (dev.saef.config.SaefConfigException e) {
            err.println("saef check: " + e.getMessage());
            return 1;
        }
        out.println("configuration: " + config.describe());
        out.printf("%-40s %-24s %-28s %s%n", "KpsaID", "peer", "address", "key");
        for (Association a : config.associations().associations()) {
            out.printf("%-40s %-24s %-28s %s%n", a.kpsaId(), a.peerId().orElse("(Credential-ID)"),
                    a.address().map(Object::toString).orElse("-"), a.hasInlineKey() ? "inline" : "key store");
        }
        out.println(config.associations().associations().size() + " association(s), configuration OK");
        return 0;
    }
}
