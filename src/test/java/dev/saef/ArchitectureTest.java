package dev.saef;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.Architectures.LayeredArchitecture;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package layering of the production code (issue 8), checked on the compiled classes (ArchUnit reads
 * byte code, so a dependency counts whether it comes from an import, a fully qualified name, a field, a
 * signature or a constant pool entry; Javadoc links do not count).
 *
 * <p>Layers, each allowed to use only the layers to its left (a subpackage belongs to its top package's
 * layer): {@code identity ← keys ← config ← protocol ← jsse ← cli}. {@code profile} (the suite profile)
 * and {@code crypto} (the TLS crypto over Bouncy Castle) are leaves that use no other SAEF package;
 * {@code jetty} (the optional ALPN processors) uses only the JDK and Jetty. Bouncy Castle stays below the
 * public API: {@code identity}, {@code keys}, {@code config} never touch it. No package cycles.
 * Test code stays out of the jar: no production class depends on a test-only package, and
 * {@code dev.saef.fuzz} holds no production class.
 *
 * <p>Each rule is its own test, so a rule that the code does not meet yet is switched off alone, with the
 * reason and the change that enables it.
 */
class ArchitectureTest {

    private static final String BC = "org.bouncycastle..";
    /** The production packages (each one layer, subpackages included). */
    private static final List<String> LAYERS = List.of("dev.saef.identity", "dev.saef.keys", "dev.saef.config",
            "dev.saef.protocol", "dev.saef.jsse", "dev.saef.cli", "dev.saef.profile", "dev.saef.crypto",
            "dev.saef.jetty", "dev.saef.coap");

    /** Production classes only (target/classes, or the jar). */
    private static JavaClasses main;
    /** Test classes only (target/test-classes). */
    private static JavaClasses tests;

    @BeforeAll
    static void importClasses() {
        main = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
                .importPackages("dev.saef");
        tests = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.ONLY_INCLUDE_TESTS)
                .importPackages("dev.saef");
        // a rule over an empty import passes vacuously: make sure the import found the code
        assertFalse(main.stream().noneMatch(c -> c.getName().equals("dev.saef.jsse.SaefProvider")),
                "ArchUnit found no production classes under dev.saef");
        assertFalse(tests.stream().noneMatch(c -> c.getName().equals(ArchitectureTest.class.getName())),
                "ArchUnit found no test classes under dev.saef");
    }

    /** The layers, with no access rule yet: each test adds the rule for one layer. */
    private static LayeredArchitecture layers() {
        return layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("identity").definedBy("dev.saef.identity..")
                .layer("keys").definedBy("dev.saef.keys..")
                .layer("config").definedBy("dev.saef.config..")
                .layer("protocol").definedBy("dev.saef.protocol..")
                .layer("jsse").definedBy("dev.saef.jsse..")
                .layer("cli").definedBy("dev.saef.cli..")
                .layer("profile").definedBy("dev.saef.profile..")
                .layer("crypto").definedBy("dev.saef.crypto..")
                .layer("jetty").definedBy("dev.saef.jetty..")
                .layer("coap").definedBy("dev.saef.coap..");
    }

    // ---- identity <- keys <- config <- protocol <- jsse <- cli; profile and crypto are leaves ----

    @Test
    void identityUsesNoOtherSaefPackage() {
        layers().whereLayer("identity").mayNotAccessAnyLayer().check(main);
    }

    @Test
    void keysUsesOnlyIdentity() {
        layers().whereLayer("keys").mayOnlyAccessLayers("identity").check(main);
    }

    @Test
    void configUsesOnlyIdentityKeysAndProfile() {
        layers().whereLayer("config").mayOnlyAccessLayers("identity", "keys", "profile").check(main);
    }

    @Test
    void protocolUsesOnlyLowerLayersAndLeaves() {
        layers().whereLayer("protocol")
                .mayOnlyAccessLayers("identity", "keys", "config", "profile", "crypto").check(main);
    }

    @Test
    void protocolNeverUsesJsse() {
        noClasses().that().resideInAPackage("dev.saef.protocol..")
                .should().dependOnClassesThat().resideInAPackage("dev.saef.jsse..")
                .because("the TLS core serves every transport; the JSSE classes are one transport over it")
                .check(main);
    }

    @Test
    void jsseUsesOnlyLowerLayersAndLeaves() {
        layers().whereLayer("jsse")
                .mayOnlyAccessLayers("identity", "keys", "config", "protocol", "profile", "crypto").check(main);
    }

    @Test
    void cliUsesOnlyLowerLayersAndLeaves() {
        layers().whereLayer("cli")
                .mayOnlyAccessLayers("identity", "keys", "config", "protocol", "jsse", "profile", "crypto", "coap")
                .check(main);
    }

    @Test
    void profileIsALeaf() {
        layers().whereLayer("profile").mayNotAccessAnyLayer().check(main);
    }

    @Test
    void cryptoIsALeaf() {
        layers().whereLayer("crypto").mayNotAccessAnyLayer().check(main);
    }

    @Test
    void nothingUsesTheJettyIntegration() {
        layers().whereLayer("jetty").mayNotBeAccessedByAnyLayer().check(main);
    }

    @Test
    void jettyUsesOnlyTheJdkAndJetty() {
        noClasses().that().resideInAPackage("dev.saef.jetty..")
                .should().dependOnClassesThat()
                .resideOutsideOfPackages("java..", "javax..", "org.eclipse.jetty..", "dev.saef.jetty..")
                .because("the Jetty integration is optional: it must load with Jetty alone, and finds SAEF"
                        + " engines by class name")
                .check(main);
    }

    @Test
    void onlyTheCliUsesTheCoapIntegration() {
        layers().whereLayer("coap").mayOnlyBeAccessedByLayers("cli").check(main);
    }

    @Test
    void coapUsesOnlyTheJdkCaliforniumAndThePublicJsseAndIdentity() {
        noClasses().that().resideInAPackage("dev.saef.coap..")
                .should().dependOnClassesThat()
                .resideOutsideOfPackages("java..", "javax..", "org.eclipse.californium..", "dev.saef.coap..",
                        "dev.saef.jsse..", "dev.saef.identity..")
                .because("the CoAP integration is an optional layer on top of jsse: Californium connectors over the"
                        + " public DtlsServer/DtlsClient, the bound identity from the session (no Bouncy Castle)")
                .check(main);
    }

    @Test
    void noPackageCycles() {
        slices().matching("dev.saef.(*)..").should().beFreeOfCycles().check(main);
    }

    // ---- Bouncy Castle stays below the public API ----

    @Test
    void identityAndConfigNeverUseBouncyCastle() {
        noClasses().that().resideInAnyPackage("dev.saef.identity..", "dev.saef.config..")
                .should().dependOnClassesThat().resideInAPackage(BC)
                .because("the identity and configuration API must not tie users to Bouncy Castle types")
                .check(main);
    }

    @Test
    void keysNeverUsesBouncyCastle() {
        noClasses().that().resideInAPackage("dev.saef.keys..")
                .should().dependOnClassesThat().resideInAPackage(BC)
                .because("the key SPI is implemented by users: it must not tie them to Bouncy Castle types")
                .check(main);
    }

    @Test
    void jsseNeverUsesBouncyCastle() {
        noClasses().that().resideInAPackage("dev.saef.jsse..")
                .should().dependOnClassesThat().resideInAPackage(BC)
                .because("the JSSE transport talks to the TLS core (protocol) only; Bouncy Castle is behind it")
                .check(main);
    }

    @Test
    void cliAndJettyNeverUseBouncyCastle() {
        noClasses().that().resideInAnyPackage("dev.saef.cli..", "dev.saef.jetty..")
                .should().dependOnClassesThat().resideInAPackage(BC)
                .check(main);
    }

    // ---- test code stays out of the jar ----

    @Test
    void productionCodeLivesOnlyInTheLayers() {
        noClasses().should().resideOutsideOfPackages(LAYERS.stream().map(p -> p + "..").toArray(String[]::new))
                .because("production code belongs to one of the layers " + LAYERS
                        + "; every other dev.saef package is test code")
                .check(main);
    }

    @Test
    void noProductionClassUsesATestOnlyPackage() {
        Set<String> testOnly = tests.stream().map(JavaClass::getPackageName)
                .filter(p -> LAYERS.stream().noneMatch(l -> p.equals(l) || p.startsWith(l + ".")))
                .collect(Collectors.toCollection(TreeSet::new));
        assertTrue(testOnly.contains("dev.saef.fuzz"), "expected test-only packages, found " + testOnly);
        noClasses().should().dependOnClassesThat().resideInAnyPackage(testOnly.toArray(String[]::new))
                .because("test-only packages " + testOnly + " are not in the jar")
                .check(main);
    }

    @Test
    void fuzzIsTestOnly() {
        noClasses().should().resideInAPackage("dev.saef.fuzz..")
                .because("the fuzz targets are test code (Jazzer is a test dependency)")
                .check(main);
    }
}
