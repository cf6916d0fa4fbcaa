package dev.saef.conformance;

import dev.saef.conformance.ConformanceReport.Outcome;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.TestSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;

/**
 * Writes {@code target/conformance/REPORT.md} when a test plan finishes: every requirement row of
 * {@code conformance/requirements.md} with the results of the tests it lists, then the interop
 * matrices the interop tests recorded in {@code target/conformance/interop/*.tsv}.
 *
 * <p>Registered for the whole test run through
 * {@code META-INF/services/org.junit.platform.launcher.TestExecutionListener}, so it sees every engine
 * (Jupiter and jqwik) and works when only a subset of the tests runs: tests that are not part of the
 * run are reported as "not run".
 *
 * <p>The report is deterministic (no timestamps, durations, host names, ports or seeds) so that a
 * committed copy equals what CI produces when everything passes. The listener never throws and never
 * prints: a problem while writing the report is written into the report (or, if even that fails,
 * silently ignored) so that it can never fail the build.
 *
 * <p>Needs {@code org.junit.platform:junit-platform-launcher} (test scope, the version of the JUnit
 * Platform in use) on the test compile class path: surefire puts the launcher on the test run's class
 * path, but the project must declare it to compile this class. Surefire runs the whole plan in one
 * forked JVM (the default), so one listener sees every test; with several forks each would write a
 * partial report.
 *
 * <p>A test ID in the catalogue is {@code ClassSimpleName#method}; all executions of that method
 * (parameterized invocations, properties) are summarised: any failure makes it "fail", a
 * {@code @Disabled("bug: ...")} makes it "known bug", other disabled or aborted runs make it
 * "skipped", and a method that the run did not contain is "not run".
 */
public final class ConformanceReportListener implements TestExecutionListener {

    private final Map<String, TestExecutionResult> results = new ConcurrentHashMap<>();
    private final Map<String, String> skipped = new ConcurrentHashMap<>();
    private volatile FileTime started;

    /** Public no-argument constructor for the service loader. */
    public ConformanceReportListener() {
    }

    @Override
    public void testPlanExecutionStarted(TestPlan testPlan) {
        started = FileTime.fromMillis(System.currentTimeMillis() - 2000);
    }

    @Override
    public void executionSkipped(TestIdentifier testIdentifier, String reason) {
        skipped.put(testIdentifier.getUniqueId(), reason == null ? "" : reason);
    }

    @Override
    public void executionFinished(TestIdentifier testIdentifier, TestExecutionResult testExecutionResult) {
        results.put(testIdentifier.getUniqueId(), testExecutionResult);
    }

    @Override
    public void testPlanExecutionFinished(TestPlan testPlan) {
        try {
            Path base = ConformanceReport.baseDir();
            Path requirements = base.resolve(ConformanceReport.REQUIREMENTS);
            if (!Files.isRegularFile(requirements)) {
                return; // not this project's run (or run from elsewhere): nothing to report on
            }
            String report;
            try {
                report = ConformanceReport.render(base, Files.readString(requirements, StandardCharsets.UTF_8),
                        outcomes(testPlan), started);
            } catch (RuntimeException | IOException e) {
                report = "# SAEF-JSSE conformance report\n\nThe report could not be produced: "
                        + e.getClass().getSimpleName() + ": " + e.getMessage() + "\n";
            }
            Path out = base.resolve(ConformanceReport.REPORT);
            Files.createDirectories(out.getParent());
            Files.writeString(out, report, StandardCharsets.UTF_8);
        } catch (Throwable ignored) {
            // never fail the build, never print
        }
    }

    // ------------------------------------------------------------------------------------- results

    /** Summarises every method of the plan by {@code ClassSimpleName#method}. */
    Map<String, Outcome> outcomes(TestPlan testPlan) {
        Map<String, List<TestIdentifier>> byMethod = new HashMap<>();
        if (testPlan != null) {
            for (TestIdentifier root : testPlan.getRoots()) {
                collect(testPlan, root, byMethod);
            }
        }
        Map<String, Outcome> out = new HashMap<>();
        for (Map.Entry<String, List<TestIdentifier>> e : byMethod.entrySet()) {
            out.put(e.getKey(), summarise(testPlan, e.getValue()));
        }
        return out;
    }

    private static void collect(TestPlan testPlan, TestIdentifier id, Map<String, List<TestIdentifier>> byMethod) {
        Optional<String> key = methodKey(id);
        boolean parentSameMethod = testPlan.getParent(id).flatMap(ConformanceReportListener::methodKey)
                .equals(key);
        if (key.isPresent() && !parentSameMethod) {
            byMethod.computeIfAbsent(key.get(), k -> new ArrayList<>()).add(id);
        }
        for (TestIdentifier child : testPlan.getChildren(id)) {
            collect(testPlan, child, byMethod);
        }
    }

    static Optional<String> methodKey(TestIdentifier id) {
        Optional<TestSource> source = id.getSource();
        if (source.isPresent() && source.get() instanceof MethodSource m) {
            String cls = m.getClassName();
            String simple = cls.substring(cls.lastIndexOf('.') + 1);
            simple = simple.substring(simple.lastIndexOf('$') + 1);
            return Optional.of(simple + "#" + m.getMethodName());
        }
        return Optional.empty();
    }

    private Outcome summarise(TestPlan testPlan, List<TestIdentifier> tops) {
        List<Outcome> parts = new ArrayList<>();
        for (TestIdentifier top : tops) {
            parts.add(outcomeOf(testPlan, top));
        }
        return ConformanceReport.worst(parts);
    }

    /** The outcome of one method-level identifier, including its invocations. */
    private Outcome outcomeOf(TestPlan testPlan, TestIdentifier id) {
        String skip = skipped.get(id.getUniqueId());
        if (skip != null) {
            return skippedOutcome(skip);
        }
        TestExecutionResult own = results.get(id.getUniqueId());
        if (own == null) {
            // never started: maybe a containing class was skipped, aborted or failed
            Optional<TestIdentifier> p = testPlan.getParent(id);
            while (p.isPresent()) {
                String ps = skipped.get(p.get().getUniqueId());
                if (ps != null) {
                    return skippedOutcome(ps);
                }
                TestExecutionResult pr = results.get(p.get().getUniqueId());
                if (pr != null && pr.getStatus() != TestExecutionResult.Status.SUCCESSFUL) {
                    return fromResult(pr);
                }
                p = testPlan.getParent(p.get());
            }
            return new Outcome(Outcome.NOT_RUN, "");
        }
        if (own.getStatus() == TestExecutionResult.Status.FAILED) {
            return fromResult(own);
        }
        if (id.isContainer()) {
            List<Outcome> children = new ArrayList<>();
            descendantsTests(testPlan, id, children);
            if (!children.isEmpty()) {
                Outcome w = ConformanceReport.worst(children);
                if (own.getStatus() == TestExecutionResult.Status.ABORTED && !w.status().equals(Outcome.FAIL)) {
                    return fromResult(own);
                }
                return w;
            }
        }
        return fromResult(own);
    }

    private void descendantsTests(TestPlan testPlan, TestIdentifier id, List<Outcome> out) {
        for (TestIdentifier c : testPlan.getChildren(id)) {
            if (c.isTest()) {
                String skip = skipped.get(c.getUniqueId());
                TestExecutionResult r = results.get(c.getUniqueId());
                out.add(skip != null ? skippedOutcome(skip)
                        : r != null ? fromResult(r) : new Outcome(Outcome.NOT_RUN, ""));
            }
            descendantsTests(testPlan, c, out);
        }
    }

    private static Outcome skippedOutcome(String reason) {
        String r = ConformanceReport.oneLine(reason);
        return r.startsWith("bug:") ? new Outcome(Outcome.BUG, r) : new Outcome(Outcome.SKIPPED, r);
    }

    private static Outcome fromResult(TestExecutionResult r) {
        switch (r.getStatus()) {
            case SUCCESSFUL:
                return new Outcome(Outcome.PASS, "");
            case ABORTED:
                return new Outcome(Outcome.SKIPPED, r.getThrowable().map(t -> ConformanceReport.oneLine(t.getMessage())
                        .replaceFirst("^Assumption failed: ", "")).orElse(""));
            default:
                return new Outcome(Outcome.FAIL, r.getThrowable().map(t -> t.getClass().getSimpleName() + ": "
                        + ConformanceReport.oneLine(t.getMessage())).orElse(""));
        }
    }
}
