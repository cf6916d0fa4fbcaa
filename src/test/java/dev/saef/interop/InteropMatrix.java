package dev.saef.interop;

import dev.saef.profile.CipherSuiteInfo;
import dev.saef.profile.SuiteProfile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The interop matrix (suite x role) of each real peer, recorded by the interop tests for the
 * conformance report ({@code OpenSslInteropTest}, {@code GnuTlsInteropTest}).
 *
 * <p>Tests {@link #record record} one row per cell; {@link #write(String)} (called once per test
 * class, after all its tests, by {@link MatrixWatcher}) replaces
 * {@code target/conformance/interop/<peer>.tsv}, where {@code <peer>} is the peer name lower-cased
 * ({@code openssl.tsv}, {@code gnutls.tsv}).
 *
 * <p>File format: UTF-8, {@code \n} line ends, <b>no header line</b>, one line per suite x role, six
 * tab-separated columns in this order:
 * <pre>
 * peer\tpeer_version\tsuite\trole\tresult\tnote
 * </pre>
 * <ul>
 * <li>{@code peer}: the peer's name, {@code OpenSSL} or {@code GnuTLS};</li>
 * <li>{@code peer_version}: its version as the installed binary reports it ({@code 3.0.19},
 *     {@code 3.7.9}), or {@code not installed};</li>
 * <li>{@code suite}: the IANA/JSSE name of a suite of {@link SuiteProfile#all()};</li>
 * <li>{@code role}: {@value #SAEF_CLIENT} (SAEF connects to the peer's server) or
 *     {@value #SAEF_SERVER} (the peer's client connects to SAEF);</li>
 * <li>{@code result}: {@value #PASS}, {@value #FAIL}, {@value #SKIPPED} (not testable or not run; the
 *     note says why) or {@value #PEER_BUG} (the peer misbehaves; the note says what and what was
 *     still verified);</li>
 * <li>{@code note}: one line of free text (tabs and line breaks replaced by spaces), empty for a
 *     plain pass.</li>
 * </ul>
 * Rows are sorted by the order of {@link SuiteProfile#all()}, then {@value #SAEF_CLIENT} before
 * {@value #SAEF_SERVER}; every suite of the profile has both rows. The file holds no timestamps,
 * timings, ports or other per-run values, so the same peers with the same results give a
 * byte-identical file from run to run. A failure's note is the first line of its assertion message
 * and may vary.
 *
 * <p>State is per JVM (surefire runs the test classes in one JVM, one after the other): a peer's
 * rows are written when its test class ends.
 */
public final class InteropMatrix {

    public static final String SAEF_CLIENT = "SAEF client";
    public static final String SAEF_SERVER = "SAEF server";
    public static final List<String> ROLES = List.of(SAEF_CLIENT, SAEF_SERVER);

    public static final String PASS = "pass";
    public static final String FAIL = "fail";
    public static final String SKIPPED = "skipped";
    public static final String PEER_BUG = "peer-bug";
    private static final Set<String> RESULTS = Set.of(PASS, FAIL, SKIPPED, PEER_BUG);

    /** One cell. */
    public record Row(String peer, String peerVersion, String suite, String role, String result, String note) {

        String line() {
            return String.join("\t", peer, peerVersion, suite, role, result, note);
        }
    }

    /** peer name to (suite + role) to row. */
    private static final Map<String, Map<String, Row>> ROWS = new HashMap<>();

    private InteropMatrix() {
    }

    /**
     * Records (or replaces) the result of one cell.
     *
     * @param peer e.g. {@code GnuTLS}
     * @param peerVersion e.g. {@code 3.7.9}
     * @param suite the IANA/JSSE suite name
     * @param role {@value #SAEF_CLIENT} or {@value #SAEF_SERVER}
     * @param result {@value #PASS}, {@value #FAIL}, {@value #SKIPPED} or {@value #PEER_BUG}
     * @param note why / what, one line; null or empty for none
     */
    public static synchronized void record(String peer, String peerVersion, String suite, String role, String result,
            String note) {
        if (!ROLES.contains(role)) {
            throw new IllegalArgumentException("role must be one of " + ROLES + ": " + role);
        }
        if (!RESULTS.contains(result)) {
            throw new IllegalArgumentException("result must be one of " + RESULTS + ": " + result);
        }
        Row row = new Row(clean(peer), clean(peerVersion), clean(suite), role, result, clean(note));
        ROWS.computeIfAbsent(row.peer(), p -> new HashMap<>()).put(row.suite() + "\t" + role, row);
    }

    /** @return whether a cell has been recorded */
    public static synchronized boolean has(String peer, String suite, String role) {
        return ROWS.getOrDefault(peer, Map.of()).containsKey(suite + "\t" + role);
    }

    /** @return the recorded rows of a peer, in file order */
    public static synchronized List<Row> rows(String peer) {
        List<Row> rows = new ArrayList<>(ROWS.getOrDefault(peer, Map.of()).values());
        rows.sort(ORDER);
        return rows;
    }

    /** @return {@code target/conformance/interop/<peer lower-cased>.tsv} under the project directory */
    public static Path file(String peer) {
        // surefire sets basedir; a run from the IDE has the project directory as working directory
        Path base = Path.of(System.getProperty("basedir", "."));
        return base.resolve("target").resolve("conformance").resolve("interop")
                .resolve(peer.toLowerCase(Locale.ROOT) + ".tsv");
    }

    /** Writes (replaces) the peer's file with its rows, creating the directories. */
    public static synchronized Path write(String peer) {
        Path f = file(peer);
        StringBuilder text = new StringBuilder();
        for (Row r : rows(peer)) {
            text.append(r.line()).append('\n');
        }
        try {
            Files.createDirectories(f.getParent());
            Files.writeString(f, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the interop matrix " + f, e);
        }
        return f;
    }

    private static final Comparator<Row> ORDER = Comparator
            .comparingInt((Row r) -> suiteIndex(r.suite()))
            .thenComparing(Row::suite)
            .thenComparingInt(r -> ROLES.indexOf(r.role()));

    /** Profile order; suites outside the profile (none expected) go last, by name. */
    private static int suiteIndex(String suite) {
        List<CipherSuiteInfo> all = SuiteProfile.all();
        for (int i = 0; i < all.size(); i++) {
            if (all.get(i).name().equals(suite)) {
                return i;
            }
        }
        return Integer.MAX_VALUE;
    }

    private static String clean(String s) {
        return s == null ? "" : s.replaceAll("[\\t\\r\\n]+", " ").strip();
    }
}
