package dev.chatd.examples.openaicompatible;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The plugin is written as a third party would write it: against the published SPI and kit
 * only, which is all its class loader's parent lets it see in chatd's plugins directory.
 */
class PluginBoundariesTest {
    private static final JavaClasses PLUGIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.chatd.examples");

    @Test
    void usesOnlyTheApiTheKitAndTheJdk() {
        classes()
                .that()
                .resideInAPackage("dev.chatd.examples..")
                .should()
                .onlyDependOnClassesThat()
                .resideInAnyPackage("dev.chatd.api..", "dev.chatd.kit..", "dev.chatd.examples..", "java..")
                .check(PLUGIN);
    }
}
