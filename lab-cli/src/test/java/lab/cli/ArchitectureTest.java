package lab.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertEquals;

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

/** Rules of the module layout that the compiler alone does not hold (scenarios: ScenarioApiRuleTest in lab-scenarios). */
class ArchitectureTest {
    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("lab");

    @Test
    void nothingOutsideTheCliDependsOnIt() {
        noClasses().that().resideOutsideOfPackage("lab.cli..")
                .should().dependOnClassesThat().resideInAPackage("lab.cli..")
                .because("the CLI is the top layer: picocli commands over lab-core")
                .check(MAIN);
    }

    /**
     * No lab.cli class named in a string either (a class launched by name is a dependency no
     * import shows). Holds for the scenario side only for now: lab-core still starts lab.cli
     * classes by name (ChildCli, GuestRun, LavaColumn) and is not checked here until it stops.
     */
    @Test
    void noCliClassNamedInTheScenarioSidesSources() throws IOException {
        List<String> found = new ArrayList<>();
        for (String module : List.of("lab-api", "lab-gluster", "lab-scenarios", "lab-test-support")) {
            try (Stream<Path> files = Files.walk(ROOT.resolve(module).resolve("src/main"))) {
                for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                    if (Files.readString(f).contains("lab.cli.")) found.add(ROOT.relativize(f).toString());
                }
            }
        }
        assertEquals(List.of(), found, "sources naming a lab.cli class");
    }
}
