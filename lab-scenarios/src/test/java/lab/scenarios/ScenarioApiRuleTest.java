package lab.scenarios;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The scenario API is the door: a scenario's main code is written against lab-api (and
 * reusable modules such as lab-gluster), never against the records, the engine, the runner or the CLI,
 * so the modules behind LabContext can change without touching a scenario.
 */
class ScenarioApiRuleTest {
    private static final JavaClasses SCENARIOS = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("lab.scenarios");

    @Test
    void scenariosDependOnNothingButTheApi() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage("lab.core..", "lab.records..", "lab.bundle..", "lab.cli..")
                .because("scenarios reach the lab through lab-api's LabContext, Bench and ToolLab")
                .check(SCENARIOS);
    }
}
