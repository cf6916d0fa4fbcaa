package dev.saef.conformance;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Renders {@code target/conformance/REPORT.md} from {@code conformance/requirements.md}, the outcome of
 * each test ID ({@code ClassSimpleName#method}) and the interop matrices in
 * {@code target/conformance/interop/*.tsv}. Pure: no JUnit Platform types, so the rules are unit-tested
 * ({@code ConformanceCatalogueTest}); {@code ConformanceReportListener} feeds it from the test run.
 *
 * <p>The output is deterministic: it holds no timestamps, durations, host names, ports or seeds, so the
 * same results give the same file.
 */
final class ConformanceReport {

    static final String REQUIREMENTS = "conformance/requirements.md";
    static final String REPORT = "target/conformance/REPORT.md";
    static final String INTEROP_DIR = "target/conformance/interop";

    private ConformanceReport() {
    }

    static Path baseDir() {
        // surefire sets basedir; an IDE run has the project directory as working directory
        return Path.of(System.getProperty("basedir", ".")).toAbsolutePath().normalize();
    }

    /** The summarised outcome of one test ID. */
    record Outcome(String status, String detail) {
        static final String PASS = "pass";
        static final String FAIL = "fail";
        static final String BUG = "known bug";
        static final String SKIPPED = "skipped";
        static final String NOT_RUN = "not run";
    }

    /** fail > known bug > not run > skipped > pass; details of the worst kind are kept (first one). */
    static Outcome worst(List<Outcome> outcomes) {
        List<String> order = List.of(Outcome.FAIL, Outcome.BUG, Outcome.NOT_RUN, Outcome.SKIPPED, Outcome.PASS);
        Outcome w = null;
        for (Outcome o : outcomes) {
            if (w == null || order.indexOf(o.status()) < order.indexOf(w.status())) {
                w = o;
            }
        }
        if (w == null) {
            return new Outcome(Outcome.NOT_RUN, "");
        }
        // a mix of passes and skips is a pass with a note: every executed part passed
        if (w.status().equals(Outcome.SKIPPED) && outcomes.stream().anyMatch(o -> o.status().equals(Outcome.PASS))) {
            long n = outcomes.stream().filter(o -> o.status().equals(Outcome.SKIPPED)).count();
            return new Outcome(Outcome.PASS, n + " of " + outcomes.size() + " executions skipped: " + w.detail());
        }
        return w;
    }

    static String oneLine(String s) {
        if (s == null) {
            return "";
        }
        String line = s.lines().findFirst().orElse("").strip();
        // keep the report stable and short: no ephemeral ports, no huge messages
        line = line.replaceAll("(127\\.0\\.0\\.1|localhost|\\[::1\\]):\\d+", "$1:<port>");
        return line.length() > 300 ? line.substring(0, 297) + "..." : line;
    }

    // -------------------------------------------------------------------------------- requirements

    /** One row of the catalogue. */
    record Requirement(String id, String source, String text, String strength, String verification,
            List<String> tests) {

        boolean notTestable() {
            return verification.toLowerCase(Locale.ROOT).startsWith("not testable");
        }

        boolean notImplemented() {
            return verification.toLowerCase(Locale.ROOT).startsWith("not implemented");
        }
    }

    private static final Pattern TEST_ID = Pattern.compile("`([A-Za-z_$][A-Za-z0-9_$]*#[A-Za-z_$][A-Za-z0-9_$]*)`");

    /**
     * Parses every table row whose first cell is a requirement ID ({@code SAEF-...}). Column order:
     * ID | source | requirement | strength | verification; the verification cell holds test IDs in
     * backticks, or starts with "not testable" / "not implemented".
     */
    static List<Requirement> parseRequirements(String markdown) {
        List<Requirement> out = new ArrayList<>();
        for (String line : markdown.split("\n")) {
            String l = line.strip();
            if (!l.startsWith("|")) {
                continue;
            }
            List<String> cells = cells(l);
            if (cells.size() < 5 || !cells.get(0).replace("`", "").startsWith("SAEF-")) {
                continue;
            }
            String verification = cells.get(4);
            List<String> tests = new ArrayList<>();
            Matcher m = TEST_ID.matcher(verification);
            while (m.find()) {
                tests.add(m.group(1));
            }
            out.add(new Requirement(cells.get(0).replace("`", ""), cells.get(1), cells.get(2), cells.get(3),
                    verification, tests));
        }
        return out;
    }

    /** Splits a markdown table row; {@code \|} is a literal bar. */
    static List<String> cells(String row) {
        String r = row.strip();
        if (r.startsWith("|")) {
            r = r.substring(1);
        }
        if (r.endsWith("|") && !r.endsWith("\\|")) {
            r = r.substring(0, r.length() - 1);
        }
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (int i = 0; i < r.length(); i++) {
            char c = r.charAt(i);
            if (c == '\\' && i + 1 < r.length() && r.charAt(i + 1) == '|') {
                cur.append("\\|");
                i++;
            } else if (c == '|') {
                out.add(cur.toString().strip());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        out.add(cur.toString().strip());
        return out;
    }

    // ------------------------------------------------------------------------------------ rendering

    static String render(Path base, String requirementsMarkdown, Map<String, Outcome> outcomes, FileTime started)
            throws IOException {
        List<Requirement> reqs = parseRequirements(requirementsMarkdown);
        StringBuilder sb = new StringBuilder();
        sb.append("# SAEF-JSSE conformance report\n\n");
        sb.append("Written by the test run (`mvn -B verify`) from [`conformance/requirements.md`](requirements.md)")
                .append(" and the interop matrices the interop tests recorded. It holds no timestamps, durations,")
                .append(" host names or ports, so a run with the same results gives the same file;")
                .append(" `conformance/REPORT.md` is the committed copy.\n\n");
        sb.append("Test status: `pass`; `fail` (the test failed); `known bug` (test disabled with the bug it")
                .append(" shows, see the explanation); `skipped` (disabled or an assumption did not hold, e.g. a")
                .append(" peer program is missing); `not run` (not part of this test run).\n\n");

        // requirement statuses
        Map<String, String> statusOf = new LinkedHashMap<>();
        Map<String, List<String>> explanations = new LinkedHashMap<>();
        Map<String, String> passNotes = new LinkedHashMap<>();
        for (Requirement r : reqs) {
            String status;
            List<String> why = new ArrayList<>();
            if (r.notTestable()) {
                status = "not testable";
            } else if (r.notImplemented()) {
                status = "not implemented";
            } else if (r.tests().isEmpty()) {
                status = "no test";
                why.add("the catalogue lists no test ID for this requirement");
            } else {
                List<Outcome> parts = new ArrayList<>();
                for (String t : r.tests()) {
                    Outcome o = outcomes.getOrDefault(t, new Outcome(Outcome.NOT_RUN, ""));
                    parts.add(o);
                    if (!o.status().equals(Outcome.PASS)) {
                        why.add("`" + t + "`: " + o.status() + (o.detail().isEmpty() ? "" : " - " + escape(o.detail())));
                    } else if (!o.detail().isEmpty()) {
                        passNotes.putIfAbsent(t, o.detail());
                    }
                }
                status = requirementStatus(parts);
            }
            statusOf.put(r.id(), status);
            if (!why.isEmpty()) {
                explanations.put(r.id(), why);
            }
        }

        // summary
        sb.append("## Summary\n\n");
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (String s : List.of("pass", "partly verified", "fail", "known bug", "skipped", "not run", "no test",
                "not testable", "not implemented")) {
            counts.put(s, 0);
        }
        statusOf.values().forEach(s -> counts.merge(s, 1, Integer::sum));
        sb.append("| requirement status | count |\n| --- | ---: |\n");
        for (Map.Entry<String, Integer> e : counts.entrySet()) {
            if (e.getValue() > 0 || List.of("pass", "fail", "not testable", "not implemented").contains(e.getKey())) {
                sb.append("| ").append(mark(e.getKey())).append(" | ").append(e.getValue()).append(" |\n");
            }
        }
        sb.append("| **total** | ").append(reqs.size()).append(" |\n\n");

        // by strength
        Map<String, int[]> byStrength = new LinkedHashMap<>();
        for (Requirement r : reqs) {
            int[] c = byStrength.computeIfAbsent(r.strength(), k -> new int[4]);
            String s = statusOf.get(r.id());
            c[s.equals("not testable") ? 1 : s.equals("not implemented") ? 2 : 0]++;
            if (s.equals("pass")) {
                c[3]++;
            }
        }
        sb.append("| strength | requirements | with tests | passing | not testable | not implemented |\n")
                .append("| --- | ---: | ---: | ---: | ---: | ---: |\n");
        for (Map.Entry<String, int[]> e : byStrength.entrySet()) {
            int[] c = e.getValue();
            sb.append("| ").append(e.getKey()).append(" | ").append(c[0] + c[1] + c[2]).append(" | ").append(c[0])
                    .append(" | ").append(c[3]).append(" | ").append(c[1]).append(" | ").append(c[2]).append(" |\n");
        }
        sb.append('\n');

        // the table
        sb.append("## Requirements\n\n");
        sb.append("| ID | source | strength | requirement | tests | status |\n| --- | --- | --- | --- | --- | --- |\n");
        for (Requirement r : reqs) {
            String tests;
            if (r.tests().isEmpty() || r.notTestable() || r.notImplemented()) {
                tests = r.verification();
            } else {
                List<String> t = new ArrayList<>();
                for (String id : r.tests()) {
                    Outcome o = outcomes.getOrDefault(id, new Outcome(Outcome.NOT_RUN, ""));
                    t.add("`" + id + "`: " + mark(o.status()));
                }
                tests = String.join("<br>", t);
            }
            sb.append("| ").append(r.id()).append(" | ").append(r.source()).append(" | ").append(r.strength())
                    .append(" | ").append(r.text()).append(" | ").append(tests).append(" | ")
                    .append(mark(statusOf.get(r.id()))).append(" |\n");
        }
        sb.append('\n');

        sb.append("## Explanations\n\n");
        if (explanations.isEmpty()) {
            sb.append("Every requirement with tests passed.\n\n");
        } else {
            sb.append("Every requirement whose tests did not all pass, and why:\n\n");
            for (Map.Entry<String, List<String>> e : explanations.entrySet()) {
                sb.append("- **").append(e.getKey()).append("** (").append(statusOf.get(e.getKey())).append(")\n");
                for (String w : e.getValue()) {
                    sb.append("  - ").append(w).append('\n');
                }
            }
            sb.append('\n');
        }
        if (!passNotes.isEmpty()) {
            sb.append("Tests that passed with some executions skipped (a peer lacks a suite, for instance):\n\n");
            for (Map.Entry<String, String> e : passNotes.entrySet()) {
                sb.append("- `").append(e.getKey()).append("`: ").append(escape(e.getValue())).append('\n');
            }
            sb.append('\n');
        }

        renderInterop(base, sb, started);
        return sb.toString();
    }

    static String requirementStatus(List<Outcome> parts) {
        boolean anyFail = parts.stream().anyMatch(o -> o.status().equals(Outcome.FAIL));
        boolean anyBug = parts.stream().anyMatch(o -> o.status().equals(Outcome.BUG));
        long pass = parts.stream().filter(o -> o.status().equals(Outcome.PASS)).count();
        if (anyFail) {
            return "fail";
        }
        if (anyBug) {
            return "known bug";
        }
        if (pass == parts.size()) {
            return "pass";
        }
        if (pass > 0) {
            return "partly verified";
        }
        return parts.stream().allMatch(o -> o.status().equals(Outcome.NOT_RUN)) ? "not run" : "skipped";
    }

    static String mark(String status) {
        switch (status) {
            case "pass":
                return "✅ pass";
            case "fail":
                return "❌ **fail**";
            case "known bug":
                return "❌ **known bug**";
            case "partly verified":
            case "skipped":
            case "not run":
            case "no test":
                return "⚠️ " + status;
            default:
                return status;
        }
    }

    static String escape(String s) {
        return s.replace("|", "\\|").replace("\n", " ");
    }

    // --------------------------------------------------------------------------------------- interop

    /** One row of an interop TSV: peer, peer_version, suite, role, result, note. */
    record Cell(String peer, String version, String suite, String role, String result, String note) {
    }

    static void renderInterop(Path base, StringBuilder sb, FileTime started) throws IOException {
        sb.append("## Interop matrices\n\n");
        Path dir = base.resolve(INTEROP_DIR);
        List<Path> files = new ArrayList<>();
        if (Files.isDirectory(dir)) {
            try (Stream<Path> s = Files.list(dir)) {
                s.filter(p -> p.getFileName().toString().endsWith(".tsv")).sorted().forEach(files::add);
            }
        }
        if (files.isEmpty()) {
            sb.append("No interop matrix was recorded (`").append(INTEROP_DIR).append("/*.tsv` is missing: the")
                    .append(" interop tests did not run).\n");
            return;
        }
        sb.append("One table per peer (suite rows x SAEF role columns), from `").append(INTEROP_DIR)
                .append("/<peer>.tsv`; every cell that is not a plain pass is explained below its table.\n\n");
        for (Path f : files) {
            renderMatrix(f, sb, started);
        }
    }

    private static void renderMatrix(Path f, StringBuilder sb, FileTime started) throws IOException {
        List<Cell> cells = new ArrayList<>();
        List<String> malformed = new ArrayList<>();
        int lineNo = 0;
        for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
            lineNo++;
            if (line.isBlank() || line.startsWith("peer\t")) {
                continue;
            }
            String[] c = line.split("\t", -1);
            if (c.length < 5) {
                malformed.add("line " + lineNo + ": " + escape(line));
                continue;
            }
            cells.add(new Cell(c[0], c[1], c[2], c[3], c[4], c.length > 5 ? c[5] : ""));
        }
        String name = f.getFileName().toString().replaceFirst("\\.tsv$", "");
        String peer = cells.isEmpty() ? name : cells.get(0).peer();
        List<String> versions = cells.stream().map(Cell::version).distinct().toList();
        sb.append("### ").append(escape(peer)).append(versions.isEmpty() ? "" : " " + escape(String.join(", ", versions)))
                .append("\n\n");
        if (started != null && Files.getLastModifiedTime(f).compareTo(started) < 0) {
            sb.append("Note: `").append(f.getFileName()).append("` was not written by this test run (its interop")
                    .append(" tests did not run); the table shows an earlier run's results.\n\n");
        }
        List<String> roles = new ArrayList<>();
        List<String> suites = new ArrayList<>();
        Map<String, Cell> bySuiteRole = new HashMap<>();
        for (Cell c : cells) {
            if (!roles.contains(c.role())) {
                roles.add(c.role());
            }
            if (!suites.contains(c.suite())) {
                suites.add(c.suite());
            }
            bySuiteRole.put(c.suite() + "\t" + c.role(), c);
        }
        sb.append("| suite |");
        roles.forEach(r -> sb.append(' ').append(escape(r)).append(" |"));
        sb.append("\n| --- |");
        roles.forEach(r -> sb.append(" --- |"));
        sb.append('\n');
        List<String> notes = new ArrayList<>();
        for (String s : suites) {
            sb.append("| ").append(escape(s)).append(" |");
            for (String r : roles) {
                Cell c = bySuiteRole.get(s + "\t" + r);
                String result = c == null ? "not recorded" : c.result();
                sb.append(' ').append(interopMark(result)).append(" |");
                if (c == null) {
                    notes.add("`" + s + "` / " + r + ": not recorded in " + f.getFileName());
                } else if (!result.equals("pass") || !c.note().isEmpty()) {
                    notes.add("`" + s + "` / " + r + ": " + result + " - "
                            + (c.note().isEmpty() ? "(no note recorded)" : escape(c.note())));
                }
            }
            sb.append('\n');
        }
        sb.append('\n');
        if (!notes.isEmpty() || !malformed.isEmpty()) {
            for (String n : notes) {
                sb.append("- ").append(n).append('\n');
            }
            for (String m : malformed) {
                sb.append("- malformed TSV ").append(m).append('\n');
            }
            sb.append('\n');
        }
    }

    static String interopMark(String result) {
        switch (result) {
            case "pass":
                return "✅ pass";
            case "fail":
                return "❌ **fail**";
            case "peer-bug":
                return "🐞 peer bug";
            case "skipped":
                return "⚠️ skipped";
            default:
                return "⚠️ " + result;
        }
    }
}
