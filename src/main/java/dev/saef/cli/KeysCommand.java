package dev.saef.cli;

import dev.saef.config.AssociationTable;
import dev.saef.config.SaefConfigException;
import dev.saef.identity.IdentityMode;
import dev.saef.identity.KpsaId;
import dev.saef.keys.KeyStoreKeyProvider;
import dev.saef.keys.KeyStoreKeyWriter;
import dev.saef.keys.PskSecretKey;
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
import java.util.Arrays;
import java.util.HexFormat;

/**
 * {@code saef keys}: provisions Kpsa keys into a PKCS12 key store under their exact-case KpsaID
 * (TS-0003 clause 8.2.2.1, Credential Configuration), so that tables can omit inline keys.
 * <ul>
 *   <li>{@code keys add --keystore F --keystore-password-env VAR --kpsa-id ID (--key-env KVAR |
 *       --generate N)}: the key comes from an environment variable (hex), or N random octets are
 *       generated (give the same store, or the key by another secure channel, to the peer); either
 *       way {@value #MIN_KEY_OCTETS} octets at least ({@link #MIN_KEY_OCTETS} says why);</li>
 *   <li>{@code keys list --keystore F --keystore-password-env VAR}: the exact-case KpsaID of each
 *       entry, read from its KpsaID attribute as the provider does ({@link KeyStoreKeyProvider});
 *       an entry without one shows its alias. Never keys.</li>
 * </ul>
 * Keys are never printed and never taken from the command line (which other users can see).
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

    private final PrintStream out;

    KeysCommand(PrintStream out) {
        this.out = out;
    }

    int run(String[] args) throws Exception {
        if (args.length == 0) {
            throw new UsageException("keys add|list --keystore FILE --keystore-password-env VAR ...");
        }
        Options o = Options.parse(Arrays.copyOfRange(args, 1, args.length));
        Path file = Paths.get(o.require("keystore"));
        String pwVar = o.require("keystore-password-env");
        String pw = System.getenv(pwVar);
        if (pw == null || pw.isEmpty()) {
            throw new UsageException("environment variable " + pwVar + " (--keystore-password-env) is not set");
        }
        char[] password = pw.toCharArray();
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
        } else {
            ks.load(null, null);
        }
        switch (args[0]) {
            case "list":
                return list(ks, file, password);
            case "add":
                return add(o, ks, file, password);
            default:
                throw new UsageException("unknown keys subcommand '" + args[0] + "' (add, list)");
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

    private int add(Options o, KeyStore ks, Path file, char[] password) throws Exception {
        String mode = o.get("identity-mode").orElse("strict");
        KpsaId id;
        try {
            id = KpsaId.parse(o.require("kpsa-id"), IdentityMode.valueOf(mode.toUpperCase(java.util.Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            // a bad --kpsa-id (the parser says why) or --identity-mode (strict or lenient)
            throw new UsageException(e.getMessage().startsWith("No enum constant")
                    ? "--identity-mode: '" + mode + "' is not allowed; use strict or lenient"
                    : "--kpsa-id: " + e.getMessage());
        }
        byte[] key;
        if (o.get("key-env").isPresent()) {
            String var = o.get("key-env").get();
            String v = System.getenv(var);
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
        PskSecretKey secret = new PskSecretKey(key);
        Arrays.fill(key, (byte) 0);
        try {
            KeyStoreKeyWriter.storeKey(ks, id, secret, password);
        } finally {
            secret.destroy();
        }
        Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), ".saef-keys", ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try (OutputStream os = Files.newOutputStream(tmp)) {
            ks.store(os, password);
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        out.println("stored the Kpsa for KpsaID " + id + " in " + file + " (PKCS12, mode 600)");
        return 0;
    }
}
