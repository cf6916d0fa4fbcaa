package dev.saef.interop;

import dev.saef.profile.CipherSuiteInfo;
import dev.saef.profile.SuiteProfile;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Records the per-suite interop tests of one peer into {@link InteropMatrix}: register it as a static
 * {@code @RegisterExtension} field and name the per-suite tests {@code "saef-client <suite>"} /
 * {@code "saef-server <suite>"}. A successful test is a {@value InteropMatrix#PASS} unless it called
 * {@link #peerBug}; a failed one is a {@value InteropMatrix#FAIL} with the first line of its message;
 * an aborted one (assumption) is {@value InteropMatrix#SKIPPED} with the assumption's message. After
 * the class, every cell not recorded (the peer is missing, or a test filter left it out) is recorded as
 * skipped with the reason, the peer's TSV is written, and the matrix is printed to the test output.
 */
final class MatrixWatcher implements TestWatcher, AfterAllCallback {

    private static final Pattern CELL = Pattern.compile("^(saef-client|saef-server) (\\S+)$");

    private final String peer;
    private final Supplier<Optional<String>> version;
    private final Supplier<String> unavailable;
    private final Function<String, String> peerSuiteName;
    private final Map<String, String> peerBugs = new ConcurrentHashMap<>();

    /**
     * @param peer the peer's name as it appears in the matrix, e.g. {@code GnuTLS}
     * @param version the peer's version once known (empty while the peer has not been found)
     * @param unavailable why the peer could not be tested, or null when it could
     * @param peerSuiteName the peer's own name of a suite, for the printed matrix ({@code -} if none)
     */
    MatrixWatcher(String peer, Supplier<Optional<String>> version, Supplier<String> unavailable,
            Function<String, String> peerSuiteName) {
        this.peer = peer;
        this.version = version;
        this.unavailable = unavailable;
        this.peerSuiteName = peerSuiteName;
    }

    static String role(String displayRole) {
        return displayRole.equals("saef-client") ? InteropMatrix.SAEF_CLIENT : InteropMatrix.SAEF_SERVER;
    }

    /**
     * Marks the running cell as passed with a known peer bug: recorded as {@value InteropMatrix#PEER_BUG}
     * with {@code note} if the test then succeeds (a failure still wins).
     */
    void peerBug(String suite, String role, String note) {
        peerBugs.put(suite + "\t" + role, note);
    }

    private String versionText() {
        return version.get().orElse("not installed");
    }

    private void record(ExtensionContext ctx, String result, String note) {
        Matcher m = CELL.matcher(ctx.getDisplayName());
        if (m.matches()) {
            String suite = m.group(2);
            String role = role(m.group(1));
            String bug = peerBugs.remove(suite + "\t" + role);
            if (result.equals(InteropMatrix.PASS) && bug != null) {
                InteropMatrix.record(peer, versionText(), suite, role, InteropMatrix.PEER_BUG, bug);
            } else {
                InteropMatrix.record(peer, versionText(), suite, role, result, note);
            }
        }
    }

    @Override
    public void testSuccessful(ExtensionContext ctx) {
        record(ctx, InteropMatrix.PASS, "");
    }

    @Override
    public void testAborted(ExtensionContext ctx, Throwable cause) {
        record(ctx, InteropMatrix.SKIPPED, firstLine(cause.getMessage()).replaceFirst("^Assumption failed: ", ""));
    }

    @Override
    public void testFailed(ExtensionContext ctx, Throwable cause) {
        record(ctx, InteropMatrix.FAIL, cause.getClass().getSimpleName() + ": " + firstLine(cause.getMessage()));
    }

    @Override
    public void testDisabled(ExtensionContext ctx, Optional<String> reason) {
        record(ctx, InteropMatrix.SKIPPED, "disabled: " + reason.orElse(""));
    }

    @Override
    public void afterAll(ExtensionContext ctx) {
        String why = unavailable.get();
        for (CipherSuiteInfo s : SuiteProfile.all()) {
            for (String role : InteropMatrix.ROLES) {
                if (!InteropMatrix.has(peer, s.name(), role)) {
                    InteropMatrix.record(peer, versionText(), s.name(), role, InteropMatrix.SKIPPED,
                            why != null ? why : "not run in this test run (excluded by the test filter)");
                }
            }
        }
        Path f = InteropMatrix.write(peer);
        System.out.println(render() + "(written to " + f + ")");
    }

    /** @return the matrix as printed to the test output */
    String render() {
        StringBuilder sb = new StringBuilder(peer + " interop matrix (" + versionText() + ")\n");
        for (InteropMatrix.Row r : InteropMatrix.rows(peer)) {
            sb.append(String.format(Locale.ROOT, "%-42s %-32s %-11s %s%s%n", r.suite(),
                    peerSuiteName.apply(r.suite()), r.role(), r.result(), r.note().isEmpty() ? "" : " (" + r.note() + ")"));
        }
        return sb.toString();
    }

    private static String firstLine(String message) {
        return String.valueOf(message).lines().findFirst().orElse("");
    }
}
