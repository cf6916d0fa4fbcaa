package dev.saef.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saef.conformance.ConformanceReport.Outcome;
import dev.saef.conformance.ConformanceReport.Requirement;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keeps {@code conformance/requirements.md} and the test code in step: every requirement ID is unique,
 * every test ID it lists names an existing test method, every method of the clause test classes
 * ({@code Clause*Test}, {@code Rfc*Test}, one per TS-0003 clause or cited RFC) is listed under the ID
 * its name and display name carry; and checks the report listener's parsing and status
 * rules.
 */
class ConformanceCatalogueTest {

    /** Packages whose test classes the catalogue may reference by simple name. */
    static final List<String> PACKAGES = List.of("dev.saef.conformance", "dev.saef.jsse", "dev.saef.identity",
            "dev.saef.config", "dev.saef.crypto", "dev.saef.keys", "dev.saef.interop", "dev.saef.protocol",
            "dev.saef.cli", "dev.saef.zerocode", "dev.saef.frameworks");

    static List<Requirement> catalogue() throws Exception {
        Path file = ConformanceReport.baseDir().resolve(ConformanceReport.REQUIREMENTS);
        return ConformanceReport.parseRequirements(Files.readString(file, StandardCharsets.UTF_8));
    }

    static Optional<Class<?>> testClass(String simpleName) {
        for (String p : PACKAGES) {
            try {
                return Optional.of(Class.forName(p + "." + simpleName));
            } catch (ClassNotFoundException e) {
                // next package
            }
        }
        return Optional.empty();
    }

    /** Whether {@code c} declares or inherits a method {@code name} (the interop peers inherit their scenarios). */
    static boolean hasMethod(Class<?> c, String name) {
        for (Class<?> k = c; k != null; k = k.getSuperclass()) {
            for (Method m : k.getDeclaredMethods()) {
                if (m.getName().equals(name)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** {@code SAEF-RFC4279-5.3-01} -> {@code saef_rfc4279_5_3_01_}. */
    static String methodPrefix(String id) {
        return id.toLowerCase(Locale.ROOT).replace('.', '_').replace('-', '_') + "_";
    }

    @Test
    @DisplayName("the catalogue parses: unique IDs, a strength, and tests or a reason on every row")
    void catalogueIsWellFormed() throws Exception {
        List<Requirement> reqs = catalogue();
        assertTrue(reqs.size() > 90, "rows parsed: " + reqs.size());
        Set<String> ids = new HashSet<>();
        for (Requirement r : reqs) {
            assertTrue(ids.add(r.id()), "duplicate ID " + r.id());
            assertTrue(r.id().matches("SAEF-[A-Z0-9.\\-]+-\\d\\d|SAEF-TD-M2M-SE-01"), r.id());
            assertFalse(r.strength().isBlank(), r.id());
            assertFalse(r.text().isBlank(), r.id());
            assertTrue(!r.tests().isEmpty() || r.notTestable() || r.notImplemented(),
                    r.id() + ": no test, and not marked 'not testable' or 'not implemented'");
            if (r.notTestable()) {
                assertTrue(r.verification().length() > "not testable: ".length() + 10, r.id() + ": give the reason");
            }
        }
    }

    @Test
    @DisplayName("every test ID in the catalogue names an existing test method")
    void everyListedTestExists() throws Exception {
        List<String> missing = new ArrayList<>();
        for (Requirement r : catalogue()) {
            for (String t : r.tests()) {
                String[] cm = t.split("#");
                Optional<Class<?>> c = testClass(cm[0]);
                if (c.isEmpty() || !hasMethod(c.get(), cm[1])) {
                    missing.add(r.id() + ": " + t);
                }
            }
        }
        assertEquals(List.of(), missing);
    }

    /**
     * The conformance test classes, one per TS-0003 clause or cited RFC ({@code Clause7_2_1...Test},
     * {@code Rfc4279...Test}): every class of this package whose simple name starts with {@code Clause} or
     * {@code Rfc} and ends with {@code Test}, found among the compiled test classes.
     */
    static List<Class<?>> clauseClasses() throws Exception {
        Path dir = Path.of(ConformanceCatalogueTest.class.getResource("").toURI());
        List<Class<?>> classes = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.sorted().toList()) {
                String n = f.getFileName().toString();
                if (n.matches("(Clause|Rfc)[0-9_]+[A-Za-z]+Test\\.class")) {
                    classes.add(Class.forName(ConformanceCatalogueTest.class.getPackageName() + "."
                            + n.substring(0, n.length() - ".class".length())));
                }
            }
        }
        return classes;
    }

    @Test
    @DisplayName("every clause test method is listed under the requirement ID it is named after, in its class's row")
    void everyConformanceTestIsCatalogued() throws Exception {
        List<Requirement> reqs = catalogue();
        List<Class<?>> classes = clauseClasses();
        assertTrue(classes.size() >= 14, "clause test classes found: " + classes);
        List<String> problems = new ArrayList<>();
        int tests = 0;
        for (Class<?> c : classes) {
            for (Method m : c.getDeclaredMethods()) {
                if (!m.isAnnotationPresent(Test.class)) {
                    if (m.getName().startsWith("saef_")) {
                        problems.add(c.getSimpleName() + "#" + m.getName() + ": named like a test but not a @Test");
                    }
                    continue;
                }
                tests++;
                String display = m.getAnnotation(DisplayName.class) == null ? ""
                        : m.getAnnotation(DisplayName.class).value();
                String id = display.split(" ")[0];
                Optional<Requirement> r = reqs.stream().filter(x -> x.id().equals(id)).findFirst();
                String ref = c.getSimpleName() + "#" + m.getName();
                if (r.isEmpty()) {
                    problems.add(ref + ": display name does not start with a catalogued ID: " + display);
                } else {
                    if (!m.getName().startsWith(methodPrefix(id))) {
                        problems.add(ref + ": not named after " + id + " (" + methodPrefix(id) + "...)");
                    }
                    if (!r.get().tests().contains(ref)) {
                        problems.add(ref + ": not listed in the row of " + id);
                    }
                }
            }
        }
        assertEquals(List.of(), problems);
        // the split of the former single ConformanceTest kept all of its 92 tests
        assertTrue(tests >= 92, "conformance tests found: " + tests);
    }

    @Test
    @DisplayName("every clause test class covers one clause: its methods carry IDs of that clause or RFC only")
    void clauseClassesHoldOneClauseEach() throws Exception {
        List<String> problems = new ArrayList<>();
        for (Class<?> c : clauseClasses()) {
            // Clause8_2_2_1PskSaefTest -> saef_8_2_2_1_; Rfc4279PskTest -> saef_rfc4279_
            String n = c.getSimpleName();
            String prefix = n.startsWith("Clause")
                    ? "saef_" + n.substring("Clause".length()).replaceAll("^([0-9_]+).*", "$1") + "_"
                    : "saef_rfc" + n.replaceAll("^Rfc([0-9]+).*", "$1") + "_";
            prefix = prefix.replace("__", "_");
            for (Method m : c.getDeclaredMethods()) {
                if (m.isAnnotationPresent(Test.class) && !m.getName().startsWith(prefix)) {
                    problems.add(n + "#" + m.getName() + ": not a " + prefix + "... test");
                }
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    @DisplayName("DTLS requirements are verified by DTLS tests")
    void dtlsRowsAreVerifiedOverDtls() throws Exception {
        for (Requirement r : catalogue()) {
            if (r.text().contains("DTLS") && !r.text().contains("(D)TLS")) {
                assertTrue(r.tests().stream().anyMatch(t -> t.startsWith("Dtls")), r.id() + ": no Dtls* test");
            }
        }
    }

    @Test
    @DisplayName("report rules: table cells, test IDs, status of a requirement")
    void reportRules() {
        assertEquals(List.of("a", "b \\| c", "`X#y`"), ConformanceReport.cells("| a | b \\| c | `X#y` |"));
        List<Requirement> one = ConformanceReport.parseRequirements(
                "| ID | x |\n| --- | --- |\n| SAEF-1-01 | src | text | shall | `A#b`, `C#d` |\n| other | row |\n");
        assertEquals(1, one.size());
        assertEquals(List.of("A#b", "C#d"), one.get(0).tests());
        Outcome pass = new Outcome(Outcome.PASS, "");
        Outcome skip = new Outcome(Outcome.SKIPPED, "no openssl");
        Outcome bug = new Outcome(Outcome.BUG, "bug: x");
        Outcome notRun = new Outcome(Outcome.NOT_RUN, "");
        Outcome fail = new Outcome(Outcome.FAIL, "boom");
        assertEquals("pass", ConformanceReport.requirementStatus(List.of(pass, pass)));
        assertEquals("partly verified", ConformanceReport.requirementStatus(List.of(pass, skip)));
        assertEquals("known bug", ConformanceReport.requirementStatus(List.of(pass, bug)));
        assertEquals("fail", ConformanceReport.requirementStatus(List.of(bug, fail)));
        assertEquals("not run", ConformanceReport.requirementStatus(List.of(notRun)));
        assertEquals("skipped", ConformanceReport.requirementStatus(List.of(skip, notRun)));
        // invocations of one method: passes with some skipped make a pass with a note
        Outcome w = ConformanceReport.worst(List.of(pass, skip, pass));
        assertEquals(Outcome.PASS, w.status());
        assertEquals("1 of 3 executions skipped: no openssl", w.detail());
        assertEquals(Outcome.FAIL, ConformanceReport.worst(List.of(pass, fail, skip)).status());
        assertEquals("connect to 127.0.0.1:<port> failed",
                ConformanceReport.oneLine("connect to 127.0.0.1:40123 failed\nsecond line"));
    }

    @Test
    @DisplayName("the report is deterministic and explains every non-pass test and interop cell")
    void reportRendering(@TempDir Path base) throws Exception {
        String md = "| ID | source | requirement | strength | verification |\n| --- | --- | --- | --- | --- |\n"
                + "| SAEF-X-01 | TS x | ok | shall | `A#ok` |\n"
                + "| SAEF-X-02 | TS x | buggy | shall | `A#ok`, `A#bug` |\n"
                + "| SAEF-X-03 | TS x | gone | may | `A#missing` |\n"
                + "| SAEF-X-04 | TS x | n/a | shall | not testable: because |\n"
                + "| SAEF-X-05 | TS x | dtls | shall | not implemented (DTLS, future issue) |\n";
        Path interop = base.resolve(ConformanceReport.INTEROP_DIR);
        Files.createDirectories(interop);
        Files.writeString(interop.resolve("peer.tsv"), "Peer\t1.0\tS1\tSAEF client\tpass\t\n"
                + "Peer\t1.0\tS1\tSAEF server\tpeer-bug\tcrashes after the handshake\n"
                + "Peer\t1.0\tS2\tSAEF client\tskipped\tnot in Peer 1.0\n"
                + "Peer\t1.0\tS2\tSAEF server\tfail\t\n");
        Map<String, Outcome> outcomes = Map.of("A#ok", new Outcome(Outcome.PASS, ""),
                "A#bug", new Outcome(Outcome.BUG, "bug: it breaks"));
        String one = ConformanceReport.render(base, md, outcomes, null);
        String two = ConformanceReport.render(base, md, outcomes, null);
        assertEquals(one, two);
        assertTrue(one.contains("| SAEF-X-01 | TS x | shall | ok | `A#ok`: ✅ pass | ✅ pass |"), one);
        assertTrue(one.contains("`A#bug`: ❌ **known bug** | ❌ **known bug** |"), one);
        assertTrue(one.contains("`A#missing`: ⚠️ not run | ⚠️ not run |"), one);
        assertTrue(one.contains("  - `A#bug`: known bug - bug: it breaks"), one);
        assertTrue(one.contains("| S1 | ✅ pass | 🐞 peer bug |"), one);
        assertTrue(one.contains("| S2 | ⚠️ skipped | ❌ **fail** |"), one);
        assertTrue(one.contains("- `S1` / SAEF server: peer-bug - crashes after the handshake"), one);
        assertTrue(one.contains("- `S2` / SAEF client: skipped - not in Peer 1.0"), one);
        assertTrue(one.contains("- `S2` / SAEF server: fail - (no note recorded)"), one);
        assertFalse(one.matches("(?s).*\\d{4}-\\d{2}-\\d{2}.*"), "no dates");
    }
}
