package dev.saef.cli;

import dev.saef.config.SaefConfigException;
import java.io.PrintStream;
import java.util.Arrays;

/**
 * The {@code saef} command ({@code java -jar saef-jsse.jar <command>}):
 * <ul>
 *   <li>{@code demo}: an embedded CSE (HTTPS server) and AEs on loopback doing PSK-SAEF end to end
 *       (TS-0003 clause 8.2.2.1), with the clause 7.2.1 originator check;</li>
 *   <li>{@code server} / {@code client}: line echo over PSK-SAEF, for interoperability checks by hand
 *       against {@code openssl s_client/s_server -psk}; with {@code --dtls} over DTLS 1.2 (UDP);</li>
 *   <li>{@code check}: validates a configuration and lists its associations (never keys);</li>
 *   <li>{@code keys}: adds, rotates, removes and lists Kpsa keys under their exact-case KpsaID, in a PKCS12 key
 *       store or a PostgreSQL key store.</li>
 * </ul>
 * Exit status: 0 on success; 1 when the configuration is refused (one line,
 * {@code saef <command>: <reason>}: the provider's reason, never a key) or the client's connection
 * fails; 2 for a command-line mistake.
 */
public final class Main {

    private Main() {
    }

    /** Entry point. */
    public static void main(String[] args) throws Exception {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        if (args.length == 0 || args[0].equals("-h") || args[0].equals("--help") || args[0].equals("help")) {
            usage(out);
            return args.length == 0 ? 2 : 0;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        try {
            switch (args[0]) {
                case "demo":
                    return new DemoCommand(out).run(rest);
                case "server":
                    return new EchoCommands(out, err).server(Options.parse(rest));
                case "client":
                    return new EchoCommands(out, err).client(Options.parse(rest));
                case "keys":
                    return new KeysCommand(out).run(rest);
                case "check":
                    return new CheckCommand(out).run(Options.parse(rest));
                default:
                    err.println("saef: unknown command '" + args[0] + "'");
                    usage(err);
                    return 2;
            }
        } catch (UsageException e) {
            err.println("saef " + args[0] + ": " + e.getMessage());
            return 2;
        } catch (SaefConfigException e) {
            err.println("saef " + args[0] + ": " + e.getMessage());
            return 1;
        } catch (java.io.IOException | java.security.GeneralSecurityException e) {
            // e.g. a port in use, a key store with another password: the reason, not a stack trace
            err.println("saef " + args[0] + ": " + describe(e));
            return 1;
        }
    }

    /** @return the exception's message, with its cause's when that says more (never key material: JDK texts) */
    private static String describe(Exception e) {
        String m = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        Throwable c = e.getCause();
        if (c != null && c.getMessage() != null && !m.contains(c.getMessage())) {
            m += " (" + c.getMessage() + ")";
        }
        return m;
    }

    static void usage(PrintStream out) {
        out.println("usage: saef <command> [options]");
        out.println("  demo                               embedded CSE + AE doing PSK-SAEF on loopback");
        out.println("  server [--dtls] --port N [--accept N] [server limits] [table options]   echo server (Entity B),");
        out.println("                                     serving connections concurrently; --accept N: exit after N");
        out.println("  client [--dtls] --connect host:port [--wait S] [--handshake-timeout S] [table options]");
        out.println("                                     stdin -> server -> stdout (Entity A); at end of stdin:");
        out.println("                                     prints replies until S s of silence (--wait, default "
                + EchoCommands.DEFAULT_WAIT_SECONDS + ")");
        out.println("  --dtls                             DTLS 1.2 over UDP instead of TLS over TCP (TS-0003 clause 10.2.1):");
        out.println("                                     the server echoes each datagram, the client sends one per read");
        out.println("  check [--associations FILE]        validate a configuration, list associations");
        out.println("  keys add|rotate|remove|list --keystore F.p12|jdbc:postgresql://h:p/db?user=U --keystore-password-env VAR");
        out.println("       [--kpsa-id ID [--key-env KVAR|--generate N]]");
        out.println("                                     a key has " + KeysCommand.MIN_KEY_OCTETS + ".."
                + KeysCommand.MAX_KEY_OCTETS + " octets (KVAR: hex)");
        out.println("table options (else the saef.* system properties are used):");
        out.println("  --associations FILE   association table (see README)");
        out.println("  --keystore FILE|URL --keystore-type PKCS12 --keystore-password-env VAR  (URL: jdbc:postgresql://...)");
        out.println("  --suites S1,S2        restrict the cipher suites");
        out.println("  --reload watch|manual|off  server: pick up edits of the table and key store while running");
        out.println("                        (watch, default: file watch + JMX reload(); manual: JMX only)");
        out.println("server limits (a stuck or slow client never blocks the others):");
        out.println("  --max-connections N   connections served at once (default " + EchoServer.DEFAULT_MAX_CONNECTIONS
                + "); further clients wait (--dtls: peers; datagrams of further peers are dropped)");
        out.println("  --handshake-timeout S drop a connection whose handshake is not complete after S s (default "
                + EchoServer.DEFAULT_HANDSHAKE_TIMEOUT_SECONDS + ";");
        out.println("                        the client gives up when connecting, or its handshake, takes S s)");
        out.println("  --idle-timeout S      drop a connection idle for S s after its handshake (default "
                + EchoServer.DEFAULT_IDLE_TIMEOUT_SECONDS + ")");
    }
}
