package lab.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.fields;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import lab.records.RunRecord;
import org.junit.jupiter.api.Test;

/**
 * The bundle's records are values: nobody outside a record changes one of its fields. A producer
 * that fills a record as it goes keeps its own draft (the soak's, the fleet's, the bisection's, the
 * night's) and writes the record made from it.
 */
class RecordFieldsTest {
    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("lab");

    @Test
    void noPublicFieldCanBeChanged() {
        fields().that().arePublic().and().areNotStatic()
                // run.json is still filled field by field as the run goes (Runner, Session, a fleet's column): the one exception left
                .and().areNotDeclaredIn(RunRecord.class).and().areNotDeclaredIn(RunRecord.Host.class)
                .should().beFinal()
                .because("a record read by a page or a comparison is the one its producer wrote")
                // none at all is the aim, not an empty rule
                .allowEmptyShould(true)
                .check(MAIN);
    }
}
