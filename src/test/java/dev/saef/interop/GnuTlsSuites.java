package dev.saef.interop;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * JSSE (IANA) names of the SAEF profile suites mapped by hand to GnuTLS's names, the GnuTLS priority
 * string that enables exactly one suite, and what the installed {@code gnutls-cli --list} really
 * implements (name to code point), so the hand mapping is itself checked against the binary.
 */
final class GnuTlsSuites {

    /** IANA/JSSE name to GnuTLS name; absent = GnuTLS 3.7 has no such suite. */
    private static final Map<String, String> NAMES = Map.ofEntries(
            Map.entry("TLS_PSK_WITH_AES_128_GCM_SHA256", "TLS_PSK_AES_128_GCM_SHA256"),
            Map.entry("TLS_PSK_WITH_AES_256_GCM_SHA384", "TLS_PSK_AES_256_GCM_SHA384"),
            Map.entry("TLS_PSK_WITH_AES_128_CCM", "TLS_PSK_AES_128_CCM"),
            Map.entry("TLS_PSK_WITH_AES_256_CCM", "TLS_PSK_AES_256_CCM"),
            Map.entry("TLS_PSK_WITH_AES_128_CCM_8", "TLS_PSK_AES_128_CCM_8"),
            Map.entry("TLS_PSK_WITH_AES_256_CCM_8", "TLS_PSK_AES_256_CCM_8"),
            Map.entry("TLS_PSK_WITH_AES_128_CBC_SHA256", "TLS_PSK_AES_128_CBC_SHA256"),
            Map.entry("TLS_PSK_WITH_AES_256_CBC_SHA384", "TLS_PSK_AES_256_CBC_SHA384"),
            Map.entry("TLS_DHE_PSK_WITH_AES_128_GCM_SHA256", "TLS_DHE_PSK_AES_128_GCM_SHA256"),
            Map.entry("TLS_DHE_PSK_WITH_AES_256_GCM_SHA384", "TLS_DHE_PSK_AES_256_GCM_SHA384"),
            Map.entry("TLS_DHE_PSK_WITH_AES_128_CCM", "TLS_DHE_PSK_AES_128_CCM"),
            Map.entry("TLS_DHE_PSK_WITH_AES_256_CCM", "TLS_DHE_PSK_AES_256_CCM"),
            Map.entry("TLS_PSK_DHE_WITH_AES_128_CCM_8", "TLS_DHE_PSK_AES_128_CCM_8"),
            Map.entry("TLS_PSK_DHE_WITH_AES_256_CCM_8", "TLS_DHE_PSK_AES_256_CCM_8"),
            Map.entry("TLS_DHE_PSK_WITH_AES_128_CBC_SHA256", "TLS_DHE_PSK_AES_128_CBC_SHA256"),
            Map.entry("TLS_DHE_PSK_WITH_AES_256_CBC_SHA384", "TLS_DHE_PSK_AES_256_CBC_SHA384"),
            Map.entry("TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256", "TLS_ECDHE_PSK_AES_128_CBC_SHA256"),
            Map.entry("TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA384", "TLS_ECDHE_PSK_AES_256_CBC_SHA384"));
    // Not in GnuTLS 3.7 (RFC 8442): TLS_ECDHE_PSK_WITH_AES_128_GCM_SHA256 (0xD001),
    // TLS_ECDHE_PSK_WITH_AES_256_GCM_SHA384 (0xD002), TLS_ECDHE_PSK_WITH_AES_128_CCM_8_SHA256 (0xD003),
    // TLS_ECDHE_PSK_WITH_AES_128_CCM_SHA256 (0xD005).

    /** e.g. {@code TLS_DHE_PSK_AES_128_CCM_8}, {@code TLS_PSK_AES_256_CBC_SHA384}. */
    private static final Pattern GNUTLS_NAME =
            Pattern.compile("^TLS_(PSK|DHE_PSK|ECDHE_PSK)_AES_(128|256)_(GCM|CCM_8|CCM|CBC)(?:_(SHA256|SHA384))?$");

    /** A line of {@code gnutls-cli --list}: {@code TLS_PSK_AES_128_CCM_8   0xc0, 0xa8   TLS1.2}. */
    private static final Pattern SUITE_LINE =
            Pattern.compile("(?m)^(TLS_\\S+)\\s+0x([0-9A-Fa-f]{2}), 0x([0-9A-Fa-f]{2})\\s+(\\S+)\\s*$");

    private final String version;
    private final Map<Integer, String> byCode;
    private final Map<String, Integer> byName;

    private GnuTlsSuites(String version, Map<Integer, String> byCode, Map<String, Integer> byName) {
        this.version = version;
        this.byCode = byCode;
        this.byName = byName;
    }

    /** Asks {@code gnutls-cli} for its version and every cipher suite it implements, with code points. */
    static GnuTlsSuites probe(Path gnutlsCli) throws Exception {
        String first = run(gnutlsCli, List.of("--version")).lines().findFirst().orElse("");
        Matcher v = Pattern.compile("^gnutls-cli (\\S+)").matcher(first);
        if (!v.find()) {
            throw new AssertionError("could not parse `gnutls-cli --version`: " + first);
        }
        Map<Integer, String> byCode = new HashMap<>();
        Map<String, Integer> byName = new HashMap<>();
        parse(run(gnutlsCli, List.of("--list")), byCode, byName);
        if (byName.isEmpty()) {
            throw new AssertionError("could not parse `gnutls-cli --list`");
        }
        return new GnuTlsSuites(v.group(1), byCode, byName);
    }

    /** @return the suites (GnuTLS name to code point) that {@code gnutls-cli --list --priority p} enables */
    static Map<String, Integer> enabledBy(Path gnutlsCli, String priority) throws Exception {
        Map<String, Integer> byName = new HashMap<>();
        parse(run(gnutlsCli, List.of("--list", "--priority", priority)), new HashMap<>(), byName);
        return byName;
    }

    private static void parse(String list, Map<Integer, String> byCode, Map<String, Integer> byName) {
        Matcher m = SUITE_LINE.matcher(list);
        while (m.find()) {
            int code = Integer.parseInt(m.group(2) + m.group(3), 16);
            byCode.put(code, m.group(1));
            byName.put(m.group(1), code);
        }
    }

    private static String run(Path gnutlsCli, List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(gnutlsCli.toString());
        cmd.addAll(args);
        return PeerProcess.run("gnutls-cli " + args.get(0), cmd, Map.of(), Duration.ofSeconds(10));
    }

    /** @return the hand-mapped GnuTLS name of a JSSE suite name, if GnuTLS 3.7 has the suite */
    static Optional<String> gnutlsName(String jsseName) {
        return Optional.ofNullable(NAMES.get(jsseName));
    }

    /**
     * A priority string that enables exactly this one suite over TLS 1.2 ({@code NORMAL} with the key
     * exchange, cipher and MAC narrowed to the suite's).
     *
     * @param gnutlsName e.g. {@code TLS_DHE_PSK_AES_128_CCM_8}
     */
    static String priority(String gnutlsName) {
        return "NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:+" + keyExchange(gnutlsName) + ":-CIPHER-ALL:+"
                + cipher(gnutlsName) + ":-MAC-ALL:+" + mac(gnutlsName);
    }

    /** @return {@code PSK}, {@code DHE-PSK} or {@code ECDHE-PSK}: the key exchange as GnuTLS prints it */
    static String keyExchange(String gnutlsName) {
        return parts(gnutlsName).group(1).replace('_', '-');
    }

    /** @return e.g. {@code AES-128-CCM-8}: the cipher as GnuTLS prints it */
    static String cipher(String gnutlsName) {
        Matcher m = parts(gnutlsName);
        return "AES-" + m.group(2) + "-" + m.group(3).replace('_', '-');
    }

    /** @return {@code AEAD}, {@code SHA256} or {@code SHA384}: the MAC as GnuTLS prints it */
    static String mac(String gnutlsName) {
        Matcher m = parts(gnutlsName);
        return m.group(3).equals("CBC") ? m.group(4) : "AEAD";
    }

    private static Matcher parts(String gnutlsName) {
        Matcher m = GNUTLS_NAME.matcher(gnutlsName);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a TLS 1.2 PSK AES suite name: " + gnutlsName);
        }
        return m;
    }

    /** @return e.g. {@code 3.7.9} */
    String version() {
        return version;
    }

    /** @return the code point the installed GnuTLS gives that name, if it knows the name */
    Optional<Integer> codeOf(String gnutlsName) {
        return Optional.ofNullable(byName.get(gnutlsName));
    }

    /** @return the installed GnuTLS's name for a code point, if it implements it */
    Optional<String> nameOf(int code) {
        return Optional.ofNullable(byCode.get(code));
    }
}
