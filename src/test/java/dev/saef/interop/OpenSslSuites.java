package dev.saef.interop;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * JSSE (IANA) names of the SAEF profile suites mapped by hand to OpenSSL's names, plus what the
 * installed {@code openssl} really implements ({@code openssl ciphers -V}, code point to name), so the
 * hand mapping is itself checked against the binary.
 */
final class OpenSslSuites {

    /** IANA/JSSE name to OpenSSL name; absent = OpenSSL 3.0 has no such suite. */
    private static final Map<String, String> NAMES = Map.ofEntries(
            Map.entry("TLS_PSK_WITH_AES_128_GCM_SHA256", "PSK-AES128-GCM-SHA256"),
            Map.entry("TLS_PSK_WITH_AES_256_GCM_SHA384", "PSK-AES256-GCM-SHA384"),
            Map.entry("TLS_PSK_WITH_AES_128_CCM", "PSK-AES128-CCM"),
            Map.entry("TLS_PSK_WITH_AES_256_CCM", "PSK-AES256-CCM"),
            Map.entry("TLS_PSK_WITH_AES_128_CCM_8", "PSK-AES128-CCM8"),
            Map.entry("TLS_PSK_WITH_AES_256_CCM_8", "PSK-AES256-CCM8"),
            Map.entry("TLS_PSK_WITH_AES_128_CBC_SHA256", "PSK-AES128-CBC-SHA256"),
            Map.entry("TLS_PSK_WITH_AES_256_CBC_SHA384", "PSK-AES256-CBC-SHA384"),
            Map.entry("TLS_DHE_PSK_WITH_AES_128_GCM_SHA256", "DHE-PSK-AES128-GCM-SHA256"),
            Map.entry("TLS_DHE_PSK_WITH_AES_256_GCM_SHA384", "DHE-PSK-AES256-GCM-SHA384"),
            Map.entry("TLS_DHE_PSK_WITH_AES_128_CCM", "DHE-PSK-AES128-CCM"),
            Map.entry("TLS_DHE_PSK_WITH_AES_256_CCM", "DHE-PSK-AES256-CCM"),
            Map.entry("TLS_PSK_DHE_WITH_AES_128_CCM_8", "DHE-PSK-AES128-CCM8"),
            Map.entry("TLS_PSK_DHE_WITH_AES_256_CCM_8", "DHE-PSK-AES256-CCM8"),
            Map.entry("TLS_DHE_PSK_WITH_AES_128_CBC_SHA256", "DHE-PSK-AES128-CBC-SHA256"),
            Map.entry("TLS_DHE_PSK_WITH_AES_256_CBC_SHA384", "DHE-PSK-AES256-CBC-SHA384"),
            Map.entry("TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256", "ECDHE-PSK-AES128-CBC-SHA256"),
            Map.entry("TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA384", "ECDHE-PSK-AES256-CBC-SHA384"));
    // Not in OpenSSL 3.0 (RFC 8442): TLS_ECDHE_PSK_WITH_AES_128_GCM_SHA256 (0xD001),
    // TLS_ECDHE_PSK_WITH_AES_256_GCM_SHA384 (0xD002), TLS_ECDHE_PSK_WITH_AES_128_CCM_8_SHA256 (0xD003),
    // TLS_ECDHE_PSK_WITH_AES_128_CCM_SHA256 (0xD005).

    private static final Pattern CIPHER_LINE =
            Pattern.compile("(?m)^\\s*0x([0-9A-Fa-f]{2}),0x([0-9A-Fa-f]{2})\\s+-\\s+(\\S+)\\s+(\\S+)");

    private final String version;
    private final Map<Integer, String> byCode;
    private final Map<String, Integer> byName;

    private OpenSslSuites(String version, Map<Integer, String> byCode, Map<String, Integer> byName) {
        this.version = version;
        this.byCode = byCode;
        this.byName = byName;
    }

    /** Asks the binary for its version and every cipher it knows, at any security level, with code points. */
    static OpenSslSuites probe(Path openssl) throws Exception {
        String version = OpenSslProcess.run(openssl, List.of("version"), Duration.ofSeconds(10)).trim();
        String list = OpenSslProcess.run(openssl, List.of("ciphers", "-V", "ALL:COMPLEMENTOFALL:@SECLEVEL=0"),
                Duration.ofSeconds(10));
        Map<Integer, String> byCode = new HashMap<>();
        Map<String, Integer> byName = new HashMap<>();
        Matcher m = CIPHER_LINE.matcher(list);
        while (m.find()) {
            int code = Integer.parseInt(m.group(1) + m.group(2), 16);
            byCode.put(code, m.group(3));
            byName.put(m.group(3), code);
        }
        if (byName.isEmpty()) {
            throw new AssertionError("could not parse `openssl ciphers -V` output:\n" + list);
        }
        return new OpenSslSuites(version, byCode, byName);
    }

    /** @return the hand-mapped OpenSSL name of a JSSE suite name, if OpenSSL 3.0 has the suite */
    static Optional<String> opensslName(String jsseName) {
        return Optional.ofNullable(NAMES.get(jsseName));
    }

    /** @return e.g. {@code OpenSSL 3.0.19 27 Jan 2026 (Library: ...)} */
    String version() {
        return version;
    }

    /** @return the version number alone, e.g. {@code 3.0.19} */
    String versionNumber() {
        Matcher m = Pattern.compile("^OpenSSL (\\S+)").matcher(version);
        return m.find() ? m.group(1) : version;
    }

    /** @return the code point the installed OpenSSL gives that name, if it knows the name */
    Optional<Integer> codeOf(String opensslName) {
        return Optional.ofNullable(byName.get(opensslName));
    }

    /** @return the installed OpenSSL's name for a code point, if it implements it */
    Optional<String> nameOf(int code) {
        return Optional.ofNullable(byCode.get(code));
    }
}
