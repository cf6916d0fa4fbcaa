package dev.saef.cli;

import dev.saef.config.AssociationTable;
import dev.saef.config.SaefConfigException;
import dev.saef.identity.IdentityMode;
import dev.saef.identity.KpsaId;
import dev.saef.keys.KeyStoreKeyProvider;
import dev.saef.keys.KeyStoreKeyWriter;
import dev.saef.keys.PskSecretKey;
import dev.saef.keys.jdbc.JdbcUrls;
import dev.saef.keys.jdbc.PostgresKeyStore;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.UnrecoverableKeyException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.function.UnaryOperator;

/**
 * {@code saef keys}: provisions Kpsa keys (TS-0003 clause 8.2.2.1, Credential Configuration) under their exact-case
 * KpsaID, so that tables can omit inline keys, in a PKCS12 key store file or in a PostgreSQL key store shared by a
 * cluster ({@code --keystore jdbc:postgresql://host:port/db?user=...}, {@link PostgresKeyStore}); both are protected
 * by the key store password.
 * <ul>
 *   <li>{@code keys add --keystore F|URL --keystore-password-env VAR --kpsa-id ID (--key-env KVAR |
 *       --generate N)}: stores (or replaces) the key of a KpsaID; the key comes from an environment variable (hex),
 *       or N random octets are generated (give the same store, or the key by another secure channel, to the peer);
 *       either way {@value #MIN_KEY_OCTETS} octets at least ({@link #MIN_KEY_OCTETS} says why);</li>
 *   <li>{@code keys rotate ...} (same options): replaces the key of a KpsaID the store has; an error if it has
 *       none;</li>
 *   <li>{@code keys remove --keystore F|URL --keystore-password-env VAR --kpsa-id ID}: deletes the key of a
 *       KpsaID; an error if the store has none;</li>
 *   <li>{@code keys list --keystore F|URL --keystore-password-env VAR}: the exact-case KpsaID of each entry, read
 *       from its KpsaID attribute as the provider does ({@link KeyStoreKeyProvider}); an entry without one shows its
 *       alias. Never keys.</li>
 * </ul>
 * Keys are never printed and never taken from the command line (which other users can see). A database URL is
 * shown with its password replaced by {@code ***}.
 */
final class KeysCommand {
    /**
     * The shortest Kpsa {@code keys add} provisions, octets, however it is given: 128 bits, the
     * strength of the AES-128 suites of the clause 10.2.2 profile. A PSK handshake lets anyone who
     * recorded it test guesses of the key offline (against the Finished message), so a shorter key
     * would be the weakest part of the connection. (The provider still accepts shorter keys that are
     * already deployed; this command only refuses to create new ones.)
     */
    static final int MIN_KEY_OCTETS = 16;
    /** The longest Kpsa, octets: the longest the provider accepts (as association tables do). */
    static final int MAX_KEY_OCTETS = AssociationTable.MAX_KEY_OCTETS;
    private static final String WHY_MIN = MIN_KEY_OCTETS * 8 + " bits, the strength of the profile's AES-128"
            + " suites: a recorded PSK handshake lets an attacker test key guesses offline";
    static final String SUBCOMMANDS = "add, list, remove, rotate";

    private final PrintStream out;
    private final UnaryOperator<String> env;

    KeysCommand(PrintStream out) {
        this(out, System::getenv);
    }

    /** @param env the environment (tests pass their own) */
    KeysCommand(PrintStream out, UnaryOperator<String> env) {
        this.out = out;
        this.env = env;
    }

    int run(String[] args) throws Exception {
        if (args.length == 0) {
            throw new UsageException("keys add|list|remove|rotate --keystore FILE|URL --keystore-password-env VAR ...");
        }
        String sub = args[0];
        if (!Arrays.asList(SUBCOMMANDS.split(", ")).contains(sub)) {
            throw new UsageException("unknown keys subcommand '" + sub + "' (" + SUBCOMMANDS + ")");
        }
        Options o = Options.parse(Arrays.copyOfRange(args, 1, args.length));
        String target = o.require("keystore");
        String pwVar = o.require("keystore-password-env");
        String pw = env.apply(pwVar);
        if (pw == null || pw.isEmpty()) {
            throw new UsageException("environment variable " + pwVar + " (--keystore-password-env) is not set");
        }
        char[] password = pw.toCharArray();
        try {
            if (JdbcUrls.isPostgres(target)) {
                return runDatabase(sub, o, target, password, pwVar);
            }
            return runFile(sub, o, Paths.get(target), password, pwVar);
        } finally {
            Arrays.fill(password, '\0');
        }
    }

    private int runFile(String sub, Options o, Path file, char[] password, String pwVar) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        if (Files.exists(file)) {
            try (InputStream in = Files.newInputStream(file)) {
                ks.load(in, password);
            } catch (java.io.IOException e) {
                if (e.getCause() instanceof java.security.UnrecoverableKeyException) {
                    throw new SaefConfigException("key store " + file + ": wrong password in " + pwVar
                            + " (or the file is damaged)");
                }
                throw e;
            }
        } else if (sub.equals("remove") || sub.equals("rotate")) {
            throw new SaefConfigException("key store " + file + " does not exist; create it with saef keys add");
        } else {
            ks.load(null, null);
        }
        switch (sub) {
            case "list":
                return list(ks, file, password);
            case "add":
                return add(o, ks, file, password, false);
            case "rotate":
                return add(o, ks, file, password, true);
            default:
                return remove(o, ks, file, password);
        }
    }

    private int runDatabase(String sub, Options o, String url, char[] password, String pwVar) throws Exception {
        String shown = JdbcUrls.redact(url);
        KpsaId id = sub.equals("list") ? null : kpsaId(o);
        PostgresKeyStore store;
        try {
            store = PostgresKeyStore.open(url, password);
        } catch (UnrecoverableKeyException e) {
            throw new SaefConfigException(e.getMessage() + " (in " + pwVar + ", --keystore-password-env)", e);
        } catch (GeneralSecurityException e) {
            throw new SaefConfigException(e.getMessage(), e);
        }
        try (store) {
            switch (sub) {
                case "list":
                    store.kpsaIds().forEach(out::println);
                    return 0;
                case "remove":
                    if (!store.remove(id)) {
                        throw new SaefConfigException("key store " + shown + " has no key for KpsaID " + id);
                    }
                    out.println("removed the Kpsa of KpsaID " + id + " from key store " + shown);
                    return 0;
                default:
                    PskSecretKey secret = newKey(o);
                    try {
                        if (sub.equals("rotate")) {
                            if (!store.replace(id, secret)) {
                                throw new SaefConfigException("key store " + shown + " has no key for KpsaID " + id
                                        + " to rotate; add it with saef keys add");
                            }
                            out.println("rotated the Kpsa of KpsaID " + id + " in key store " + shown);
                        } else {
                            store.put(id, secret);
                            out.println("stored the Kpsa for KpsaID " + id + " in key store " + shown
                                    + " (PostgreSQL, wrapped under a key derived from the key store password)");
                        }
                    } finally {
                        secret.destroy();
                    }
                    return 0;
            }
        } catch (GeneralSecurityException e) {
            throw new SaefConfigException(e.getMessage(), e);
        }
    }

    private static KpsaId kpsaId(Options o) throws UsageException {
        String mode = o.get("identity-mode").orElse("strict");
        try {
            return KpsaId.parse(o.require("kpsa-id"), IdentityMode.valueOf(mode.toUpperCase(java.util.Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            // a bad --kpsa-id (the parser says why) or --identity-mode (strict or lenient)
            throw new UsageException(e.getMessage().startsWith("No enum constant")
                    ? "--identity-mode: '" + mode + "' is not allowed; use strict or lenient"
                    : "--kpsa-id: " + e.getMessage());
        }
    }

    /** @return the key given by --key-env or --generate, as a key the caller destroys */
    private PskSecretKey newKey(Options o) throws UsageException {
        byte[] key;
        if (o.get("key-env").isPresent()) {
            String var = o.get("key-env").get();
            String v = env.apply(var);
            if (v == null) {
                throw new UsageException("environment variable " + var + " (--key-env) is not set");
            }
            String hex = v.strip();
            if (hex.isEmpty()) {
                throw new UsageException("environment variable " + var + " (--key-env) is empty; it must hold the"
                        + " key in hex, " + MIN_KEY_OCTETS + ".." + MAX_KEY_OCTETS + " octets");
            }
            try {
                key = HexFormat.of().parseHex(hex);
            } catch (IllegalArgumentException e) {
                // not the JDK's message: it quotes the text, which is the key
                throw new UsageException("--key-env: " + var + " must hold the key in hex (an even number of"
                        + " digits 0-9, a-f), " + MIN_KEY_OCTETS + ".." + MAX_KEY_OCTETS + " octets");
            }
            if (key.length < MIN_KEY_OCTETS || key.length > MAX_KEY_OCTETS) {
                int n = key.length;
                Arrays.fill(key, (byte) 0);
                throw new UsageException("--key-env: the key in " + var + " has " + n + " octets; a Kpsa needs "
                        + MIN_KEY_OCTETS + ".." + MAX_KEY_OCTETS + " (" + WHY_MIN + ")");
            }
        } else if (o.get("generate").isPresent()) {
            int n = o.intValue("generate", MIN_KEY_OCTETS);
            if (n < MIN_KEY_OCTETS || n > MAX_KEY_OCTETS) {
                throw new UsageException("--generate takes " + MIN_KEY_OCTETS + ".." + MAX_KEY_OCTETS + " octets, not "
                        + n + " (" + WHY_MIN + ")");
            }
            key = new byte[n];
            new SecureRandom().nextBytes(key);
        } else {
            throw new UsageException("give the key with --key-env VAR (hex) or --generate N");
        }
        try {
            return new PskSecretKey(key);
        } finally {
            Arrays.fill(key, (byte) 0);
        }
    }

    private int list(KeyStore ks, Path file, char[] password) throws SaefConfigException {
        try (KeyStoreKeyProvider keys = new KeyStoreKeyProvider(ks, password)) {
            keys.kpsaIds().forEach(out::println);
        } catch (GeneralSecurityException e) {
            throw new SaefConfigException("key store " + file + ": " + e.getMessage(), e);
        }
        return 0;
    }

    private int add(Options o, KeyStore ks, Path file, char[] password, boolean rotate) throws Exception {
        KpsaId id = kpsaId(o);
        if (rotate) {
            try (KeyStoreKeyProvider keys = new KeyStoreKeyProvider(ks, password)) {
                if (!keys.hasKey(id)) {
                    throw new SaefConfigException("key store " + file + " has no key for KpsaID " + id
                            + " to rotate; add it with saef keys add");
                }
            }
        }
        PskSecretKey secret = newKey(o);
        try {
            KeyStoreKeyWriter.storeKey(ks, id, secret, password);
        } finally {
            secret.destroy();
        }
        save(ks, file, password);
        out.println((rotate ? "rotated the Kpsa of KpsaID " + id + " in " : "stored the Kpsa for KpsaID " + id + " in ")
                + file + " (PKCS12, mode 600)");
        return 0;
    }

    private int remove(Options o, KeyStore ks, Path file, char[] password) throws Exception {
        KpsaId id = kpsaId(o);
        if (!KeyStoreKeyWriter.removeKey(ks, id, password)) {
            throw new SaefConfigException("key store " + file + " has no key for KpsaID " + id);
        }
        save(ks, file, password);
        out.println("removed the Kpsa of KpsaID " + id + " from " + file);
        return 0;
    }

    private static void save(KeyStore ks, Path file, char[] password) throws Exception {
        Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), ".saef-keys", ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try (OutputStream os = Files.newOutputStream(tmp)) {
            ks.store(os, password);
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
