package dev.chatd.server;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The lines the design draws between modules: providers are plug-ins the server never
 * compiles against, and the SPI depends on nothing but the JDK, so third parties can code
 * against it without pulling in chatd's libraries.
 */
class ModuleBoundariesTest {
    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.chatd");

    @Test
    void serverAndCoreNeverUseAProviderClass() {
        noClasses().that().resideInAnyPackage("dev.chatd.server..", "dev.chatd.core..", "dev.chatd.api..")
                .should().dependOnClassesThat().resideInAPackage("dev.chatd.provider..")
                .check(MAIN);
    }

    @Test
    void apiDependsOnTheJdkOnly() {
        classes().that().resideInAPackage("dev.chatd.api..")
                .should().onlyDependOnClassesThat().resideInAnyPackage("dev.chatd.api..", "java..")
                .check(MAIN);
    }

    @Test
    void providersDoNotDependOnEachOther() {
        for (String provider : new String[] {"ollama", "openrouter", "opencode", "kimi"}) {
            String own = "dev.chatd.provider." + provider + "..";
            noClasses().that().resideInAPackage(own)
                    .should().dependOnClassesThat(resideInAPackage("dev.chatd.provider..").and(not(resideInAPackage(own))))
                    .check(MAIN);
        }
    }
}
