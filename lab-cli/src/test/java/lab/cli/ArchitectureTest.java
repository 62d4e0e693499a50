package lab.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.fields;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Rules of the module layout that the compiler alone does not hold (scenarios: ScenarioApiRuleTest
 * in lab-scenarios). Maven refuses a cycle between modules; these refuse one between packages,
 * inside a module or across modules, and the dependencies that would make one later.
 */
class ArchitectureTest {
    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("lab");

    @Test
    void noPackageCycles() {
        slices().matching("lab.(**)").namingSlices("$1")
                .should().beFreeOfCycles()
                .because("each module's packages depend one way, and the modules too (api, records, reports, engine, run, targets, cli)")
                .check(MAIN);
    }

    @Test
    void reportsAreMadeFromRecordsAlone() {
        classes().that().resideInAPackage("lab.core.report..")
                .should().onlyDependOnClassesThat().resideInAnyPackage("lab.core.report..", "lab.records..", "lab.bundle..", "lab.api..",
                        "java..", "javax.xml..", "com.fasterxml.jackson..")
                .because("a page reads records and bundle files; it never runs, compares or fetches anything itself")
                .check(MAIN);
    }

    @Test
    void recordsKnowNothingAboveThem() {
        noClasses().that().resideInAnyPackage("lab.records..", "lab.bundle..")
                .should().dependOnClassesThat().resideInAnyPackage("lab.core..", "lab.cli..")
                .because("the bundle's schema is the bottom layer above lab-api: everything reads it, it reads nothing of them")
                .check(MAIN);
    }

    /**
     * The bundle's records are values: nobody outside a record changes one of its fields. A producer that fills a record as it
     * goes keeps its own draft (the run's, the soak's, the fleet's, the bisection's, the night's) and writes the record made from it.
     */
    @Test
    void noPublicFieldCanBeChanged() {
        fields().that().arePublic().and().areNotStatic()
                .should().beFinal()
                .because("a record read by a page or a comparison is the one its producer wrote")
                // none at all is the aim, not an empty rule
                .allowEmptyShould(true)
                .check(MAIN);
    }

    @Test
    void nothingOutsideTheCliDependsOnIt() {
        noClasses().that().resideOutsideOfPackage("lab.cli..")
                .should().dependOnClassesThat().resideInAPackage("lab.cli..")
                .because("the CLI is the top layer: picocli commands over the other modules")
                .check(MAIN);
    }

    /** No lab.cli class named in a string either (a class launched by name is a dependency no import shows), in any module but lab-cli. */
    @Test
    void noCliClassNamedOutsideTheCli() throws IOException {
        List<Path> modules;
        try (Stream<Path> s = Files.list(ROOT)) {
            modules = s.filter(d -> d.getFileName().toString().startsWith("lab-") && Files.isDirectory(d.resolve("src/main")))
                    .filter(d -> !d.getFileName().toString().equals("lab-cli")).sorted().toList();
        }
        assertTrue(modules.size() >= 9, "the modules beside lab-cli: " + modules);
        List<String> found = new ArrayList<>();
        for (Path module : modules) {
            try (Stream<Path> files = Files.walk(module.resolve("src/main"))) {
                for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                    if (Files.readString(f).contains("lab.cli.")) found.add(ROOT.relativize(f).toString());
                }
            }
        }
        assertEquals(List.of(), found, "sources naming a lab.cli class");
    }
}
