package dev.saef.profile;

import java.util.Comparator;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.TlsUtils;

import dev.saef.profile.CipherSuiteInfo.KeyExchange;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.bouncycastle.tls.CipherSuite;

/**
 * The oneM2M TS-0003 clause 10.2.2 cipher suite profile for TLS-PSK-based security frameworks, and
 * the TLS version rule of clause 10.2.1.
 *
 * <ul>
 *   <li>Only IETF RFC 4279 key exchanges: {@code PSK} and {@code DHE_PSK}. {@code ECDHE_PSK}
 *       (RFC 5489, RFC 8442) is outside RFC 4279 and is available only when explicitly enabled
 *       ({@code saef.enableEcdhePsk=true}).</li>
 *   <li>{@code TLS_PSK_WITH_AES_128_CBC_SHA256} (mandatory for TLS) and
 *       {@code TLS_PSK_WITH_AES_128_CCM_8} (mandatory for DTLS) are always supported.</li>
 *   <li>No NULL, RC4, 3DES, export, anonymous, RSA_PSK or certificate suites: naming one is an
 *       error that says why.</li>
 *   <li>Protocol: {@code TLSv1.2} only.</li>
 * </ul>
 *
 * <p>A profile instance is immutable: the set of suites a context supports and the subset enabled by
 * default.
 */
public final class SuiteProfile {

    /** The only protocol of clause 10.2.1 for TCP. */
    public static final String TLS_V12 = "TLSv1.2";

    /** The only protocol of clause 10.2.1 for UDP. */
    public static final String DTLS_V12 = "DTLSv1.2";

    /** The TLS mandatory suite of clause 10.2.2 (RFC 5487). */
    public static final String TLS_MANDATORY = "TLS_PSK_WITH_AES_128_CBC_SHA256";

    /** The DTLS mandatory suite of clause 10.2.2 (RFC 6655). */
    public static final String DTLS_MANDATORY = "TLS_PSK_WITH_AES_128_CCM_8";

    /** A signalling value some frameworks pass along with real suites; accepted and ignored. */
    public static final String RENEGOTIATION_SCSV = "TLS_EMPTY_RENEGOTIATION_INFO_SCSV";

    private static final Map<String, CipherSuiteInfo> ALL = new LinkedHashMap<>();

    static {
        // Order = default preference: AEAD before CBC, plain PSK (no public-key maths) before DHE.
        psk("TLS_PSK_WITH_AES_128_GCM_SHA256", CipherSuite.TLS_PSK_WITH_AES_128_GCM_SHA256, true);
        psk("TLS_PSK_WITH_AES_256_GCM_SHA384", CipherSuite.TLS_PSK_WITH_AES_256_GCM_SHA384, true);
        psk("TLS_PSK_WITH_AES_128_CCM", CipherSuite.TLS_PSK_WITH_AES_128_CCM, true);
        psk("TLS_PSK_WITH_AES_256_CCM", CipherSuite.TLS_PSK_WITH_AES_256_CCM, true);
        psk("TLS_PSK_WITH_AES_128_CCM_8", CipherSuite.TLS_PSK_WITH_AES_128_CCM_8, true);
        psk("TLS_PSK_WITH_AES_256_CCM_8", CipherSuite.TLS_PSK_WITH_AES_256_CCM_8, true);
        psk("TLS_PSK_WITH_AES_128_CBC_SHA256", CipherSuite.TLS_PSK_WITH_AES_128_CBC_SHA256, false);
        psk("TLS_PSK_WITH_AES_256_CBC_SHA384", CipherSuite.TLS_PSK_WITH_AES_256_CBC_SHA384, false);
        dhe("TLS_DHE_PSK_WITH_AES_128_GCM_SHA256", CipherSuite.TLS_DHE_PSK_WITH_AES_128_GCM_SHA256, true);
        dhe("TLS_DHE_PSK_WITH_AES_256_GCM_SHA384", CipherSuite.TLS_DHE_PSK_WITH_AES_256_GCM_SHA384, true);
        dhe("TLS_DHE_PSK_WITH_AES_128_CCM", CipherSuite.TLS_DHE_PSK_WITH_AES_128_CCM, true);
        dhe("TLS_DHE_PSK_WITH_AES_256_CCM", CipherSuite.TLS_DHE_PSK_WITH_AES_256_CCM, true);
        dhe("TLS_PSK_DHE_WITH_AES_128_CCM_8", CipherSuite.TLS_PSK_DHE_WITH_AES_128_CCM_8, true);
        dhe("TLS_PSK_DHE_WITH_AES_256_CCM_8", CipherSuite.TLS_PSK_DHE_WITH_AES_256_CCM_8, true);
        dhe("TLS_DHE_PSK_WITH_AES_128_CBC_SHA256", CipherSuite.TLS_DHE_PSK_WITH_AES_128_CBC_SHA256, false);
        dhe("TLS_DHE_PSK_WITH_AES_256_CBC_SHA384", CipherSuite.TLS_DHE_PSK_WITH_AES_256_CBC_SHA384, false);
        ecdhe("TLS_ECDHE_PSK_WITH_AES_128_GCM_SHA256", CipherSuite.TLS_ECDHE_PSK_WITH_AES_128_GCM_SHA256, true);
        ecdhe("TLS_ECDHE_PSK_WITH_AES_256_GCM_SHA384", CipherSuite.TLS_ECDHE_PSK_WITH_AES_256_GCM_SHA384, true);
        ecdhe("TLS_ECDHE_PSK_WITH_AES_128_CCM_SHA256", CipherSuite.TLS_ECDHE_PSK_WITH_AES_128_CCM_SHA256, true);
        ecdhe("TLS_ECDHE_PSK_WITH_AES_128_CCM_8_SHA256", CipherSuite.TLS_ECDHE_PSK_WITH_AES_128_CCM_8_SHA256, true);
        ecdhe("TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256", CipherSuite.TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256, false);
        ecdhe("TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA384", CipherSuite.TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA384, false);
    }

    private static void psk(String name, int code, boolean aead) {
        ALL.put(name, new CipherSuiteInfo(name, code, KeyExchange.PSK, aead));
    }

    private static void dhe(String name, int code, boolean aead) {
        ALL.put(name, new CipherSuiteInfo(name, code, KeyExchange.DHE_PSK, aead));
    }

    private static void ecdhe(String name, int code, boolean aead) {
        ALL.put(name, new CipherSuiteInfo(name, code, KeyExchange.ECDHE_PSK, aead));
    }

    private final List<CipherSuiteInfo> supported;
    private final List<CipherSuiteInfo> defaults;
    private final boolean ecdhePskEnabled;
    /** Whether the defaults were configured ({@code saef.cipherSuites}): then DTLS keeps their order too. */
    private final boolean configured;

    private SuiteProfile(List<CipherSuiteInfo> supported, List<CipherSuiteInfo> defaults, boolean ecdhePskEnabled,
            boolean configured) {
        this.supported = Collections.unmodifiableList(supported);
        this.defaults = Collections.unmodifiableList(defaults);
        this.ecdhePskEnabled = ecdhePskEnabled;
        this.configured = configured;
    }

    /**
     * Builds the profile of one context.
     *
     * @param configuredSuites the value of {@code saef.cipherSuites} (comma separated), or null for
     *     the defaults
     * @param ecdhePskEnabled whether ECDHE_PSK suites may be used at all
     * @throws IllegalArgumentException naming the offending suite and the reason
     */
    public static SuiteProfile create(String configuredSuites, boolean ecdhePskEnabled) {
        List<CipherSuiteInfo> supported = new ArrayList<>();
        List<CipherSuiteInfo> defaults = new ArrayList<>();
        for (CipherSuiteInfo s : ALL.values()) {
            if (s.keyExchange() == KeyExchange.ECDHE_PSK && !ecdhePskEnabled) {
                continue;
            }
            supported.add(s);
            defaults.add(s);
        }
        SuiteProfile base = new SuiteProfile(supported, defaults, ecdhePskEnabled, false);
        if (configuredSuites == null || configuredSuites.isBlank()) {
            return base;
        }
        String[] names = Arrays.stream(configuredSuites.split(","))
                .map(String::trim).filter(n -> !n.isEmpty()).toArray(String[]::new);
        List<CipherSuiteInfo> chosen = base.resolve(names, "saef.cipherSuites");
        if (chosen.isEmpty()) {
            throw new IllegalArgumentException("saef.cipherSuites names no cipher suite; leave it unset for the"
                    + " clause 10.2.2 defaults");
        }
        return new SuiteProfile(supported, chosen, ecdhePskEnabled, true);
    }

    /** @return every suite this profile supports, in preference order */
    public List<CipherSuiteInfo> supported() {
        return supported;
    }

    /** @return the suites enabled by default, in preference order */
    public List<CipherSuiteInfo> defaults() {
        return defaults;
    }

    /**
     * The default suites of a DTLS 1.2 context: unless {@code saef.cipherSuites} set them, the
     * mandatory DTLS suite {@value #DTLS_MANDATORY} first (clause 10.2.2), then CCM_8 with AES-256,
     * CCM, GCM and CBC, plain PSK before DHE_PSK (before ECDHE_PSK when enabled). Only suites valid
     * in DTLS 1.2 (RFC 6347 section 4.1.2.2: no stream ciphers; all of this profile qualifies).
     *
     * @return the DTLS defaults in preference order
     */
    public List<CipherSuiteInfo> datagramDefaults() {
        List<CipherSuiteInfo> out = new ArrayList<>();
        for (CipherSuiteInfo s : defaults) {
            if (TlsUtils.isValidVersionForCipherSuite(s.code(), ProtocolVersion.DTLSv12)) {
                out.add(s);
            }
        }
        if (!configured) {
            out.sort(Comparator.comparingInt((CipherSuiteInfo s) -> s.keyExchange().ordinal())
                    .thenComparingInt(SuiteProfile::datagramRank));
        }
        return List.copyOf(out);
    }

    /** CCM_8 (the DTLS suite of constrained devices), then CCM, GCM, CBC; AES-128 before AES-256. */
    private static int datagramRank(CipherSuiteInfo s) {
        String n = s.name();
        int mode = n.contains("CCM_8") ? 0 : n.contains("CCM") ? 1 : n.contains("GCM") ? 2 : 3;
        return mode * 2 + (n.contains("AES_256") ? 1 : 0);
    }

    /** @return whether ECDHE_PSK suites are part of this profile */
    public boolean isEcdhePskEnabled() {
        return ecdhePskEnabled;
    }

    /** @return the names of {@link #supported()} */
    public String[] supportedNames() {
        return supported.stream().map(CipherSuiteInfo::name).toArray(String[]::new);
    }

    /** @return the names of {@link #defaults()} */
    public String[] defaultNames() {
        return defaults.stream().map(CipherSuiteInfo::name).toArray(String[]::new);
    }

    /**
     * Validates suite names, as given to {@code setEnabledCipherSuites} or a property.
     *
     * @param names suite names in preference order
     * @param origin where they came from, for the error message
     * @return the suites, duplicates removed, order kept
     * @throws IllegalArgumentException for any name outside this profile, saying why
     */
    public List<CipherSuiteInfo> resolve(String[] names, String origin) {
        if (names == null) {
            throw new IllegalArgumentException(origin + ": cipher suite list is null");
        }
        List<CipherSuiteInfo> out = new ArrayList<>();
        for (String name : names) {
            if (name == null) {
                throw new IllegalArgumentException(origin + ": null cipher suite name");
            }
            if (RENEGOTIATION_SCSV.equals(name)) {
                continue;
            }
            CipherSuiteInfo info = ALL.get(name);
            if (info == null) {
                throw new IllegalArgumentException(origin + ": cipher suite " + name + " is " + whyNot(name)
                        + ". Supported: " + String.join(", ", supportedNames()));
            }
            if (info.keyExchange() == KeyExchange.ECDHE_PSK && !ecdhePskEnabled) {
                throw new IllegalArgumentException(origin + ": cipher suite " + name + " uses ECDHE_PSK (RFC 5489),"
                        + " which is outside the RFC 4279 key exchanges required by TS-0003 clause 10.2.2;"
                        + " set saef.enableEcdhePsk=true to allow it");
            }
            if (!out.contains(info)) {
                out.add(info);
            }
        }
        return out;
    }

    private static String whyNot(String name) {
        String n = name.toUpperCase(Locale.ROOT);
        if (n.contains("NULL") || n.contains("RC4") || n.contains("3DES") || n.contains("EXPORT")
                || n.contains("_DES_") || n.contains("ANON")) {
            return "insecure and not allowed by SAEF";
        }
        if (n.startsWith("TLS_RSA_PSK")) {
            return "an RSA_PSK suite (needs a server certificate); TS-0003 clause 10.2.2 profile uses PSK and DHE_PSK";
        }
        if (n.contains("PSK")) {
            return "a PSK suite outside the TS-0003 clause 10.2.2 profile of SAEF (AES CBC-SHA256/384, GCM, CCM, CCM_8)";
        }
        if (n.startsWith("TLS_AES_") || n.startsWith("TLS_CHACHA20_")) {
            return "a TLS 1.3 suite; TS-0003 clause 10.2.1 requires TLS 1.2";
        }
        return "not a PSK suite (certificate suites, clause 10.2.3, are not provided by the SAEF provider)";
    }

    /**
     * Applies a JVM-wide JSSE suite list ({@code jdk.tls.client.cipherSuites} /
     * {@code jdk.tls.server.cipherSuites}), which is usually written for certificate TLS: the
     * enabled defaults become the listed suites that this profile supports, in the listed order.
     *
     * @return those suites, or this profile's defaults when the list is unset or names none of ours
     */
    public List<CipherSuiteInfo> defaultsFiltered(String jdkList) {
        if (jdkList == null || jdkList.isBlank()) {
            return defaults;
        }
        List<CipherSuiteInfo> out = new ArrayList<>();
        for (String n : jdkList.split(",")) {
            String name = n.trim();
            if (name.startsWith("\"") && name.endsWith("\"") && name.length() > 1) {
                name = name.substring(1, name.length() - 1);
            }
            CipherSuiteInfo s = ALL.get(name);
            if (s != null && supported.contains(s) && !out.contains(s)) {
                out.add(s);
            }
        }
        return out.isEmpty() ? defaults : List.copyOf(out);
    }

    /** @return the profile entry for a standard name, if it is one of ours (whether or not enabled) */
    public static Optional<CipherSuiteInfo> byName(String name) {
        return Optional.ofNullable(ALL.get(name));
    }

    /** @return the profile entry for a code point, if it is one of ours */
    public static Optional<CipherSuiteInfo> byCode(int code) {
        return ALL.values().stream().filter(s -> s.code() == code).findFirst();
    }

    /** @return every suite SAEF knows, including ECDHE_PSK, in preference order */
    public static List<CipherSuiteInfo> all() {
        return List.copyOf(ALL.values());
    }

    /**
     * Validates protocol names given to a DTLS engine's {@code setEnabledProtocols}.
     *
     * @throws IllegalArgumentException unless every name is {@code DTLSv1.2}
     */
    public static String[] checkDatagramProtocols(String[] protocols, String origin) {
        if (protocols == null) {
            throw new IllegalArgumentException(origin + ": protocol list is null");
        }
        for (String p : protocols) {
            if (!DTLS_V12.equals(p)) {
                throw new IllegalArgumentException(origin + ": protocol " + p + " is not supported; TS-0003 clause"
                        + " 10.2.1 requires DTLS 1.2 (DTLSv1.2) over UDP");
            }
        }
        return protocols.clone();
    }

    /**
     * Validates protocol names as given to {@code setEnabledProtocols}.
     *
     * @throws IllegalArgumentException unless every name is {@code TLSv1.2}
     */
    public static String[] checkProtocols(String[] protocols, String origin) {
        if (protocols == null) {
            throw new IllegalArgumentException(origin + ": protocol list is null");
        }
        for (String p : protocols) {
            if (!TLS_V12.equals(p)) {
                throw new IllegalArgumentException(origin + ": protocol " + p + " is not supported; TS-0003 clause"
                        + " 10.2.1 requires TLS 1.2 (TLSv1.2) over TCP");
            }
        }
        return protocols.clone();
    }
}
