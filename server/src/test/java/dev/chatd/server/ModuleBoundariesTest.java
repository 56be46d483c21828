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
 * compiles against; the SPI depends on nothing but the JDK, and the provider kit on nothing but
 * the SPI and JSON-P, so third parties can code against both without pulling in chatd's host or
 * its HTTP stack; providers use the SPI and the kit only, never the host's internals.
 */
class ModuleBoundariesTest {
    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            // core's test-jar (the fake upstream, the kit's tests) is tests too, whichever module's package they are in
            .withImportOption(location -> !location.contains("-tests.jar"))
            .importPackages("dev.chatd");

    @Test
    void serverAndCoreNeverUseAProviderClass() {
        noClasses()
                .that()
                .resideInAnyPackage("dev.chatd.server..", "dev.chatd.core..", "dev.chatd.kit..", "dev.chatd.api..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("dev.chatd.provider..")
                .check(MAIN);
    }

    @Test
    void apiDependsOnTheJdkOnly() {
        classes()
                .that()
                .resideInAPackage("dev.chatd.api..")
                .should()
                .onlyDependOnClassesThat()
                .resideInAnyPackage("dev.chatd.api..", "java..")
                .check(MAIN);
    }

    @Test
    void providersDoNotDependOnEachOther() {
        for (String provider : new String[] {"ollama", "openrouter", "opencode", "kimi", "mock"}) {
            String own = "dev.chatd.provider." + provider + "..";
            noClasses()
                    .that()
                    .resideInAPackage(own)
                    .should()
                    .dependOnClassesThat(
                            resideInAPackage("dev.chatd.provider..").and(not(resideInAPackage(own))))
                    .check(MAIN);
        }
    }

    @Test
    void providersUseOnlyTheApiTheKitTheirOwnPackageAndTheJdk() {
        for (String provider : new String[] {"ollama", "openrouter", "opencode", "kimi", "mock"}) {
            classes()
                    .that()
                    .resideInAPackage("dev.chatd.provider." + provider + "..")
                    .should()
                    .onlyDependOnClassesThat()
                    .resideInAnyPackage(
                            "dev.chatd.api..",
                            "dev.chatd.kit..",
                            "dev.chatd.provider." + provider + "..",
                            "java..",
                            "jakarta.json..")
                    .check(MAIN);
        }
    }

    @Test
    void theKitDependsOnTheApiAndJsonPOnly() {
        classes()
                .that()
                .resideInAPackage("dev.chatd.kit..")
                .should()
                .onlyDependOnClassesThat()
                .resideInAnyPackage(
                        "dev.chatd.api..", "dev.chatd.kit..", "java..", "jakarta.json..", "org.eclipse.parsson..")
                .check(MAIN);
    }

    @Test
    void neitherTheApiNorTheKitNorTheHostKnowTheServer() {
        noClasses()
                .that()
                .resideInAnyPackage("dev.chatd.api..", "dev.chatd.kit..", "dev.chatd.core..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("dev.chatd.server..")
                .check(MAIN);
    }

    @Test
    void onlyTheHostKnowsHelidon() {
        noClasses()
                .that()
                .resideInAnyPackage("dev.chatd.api..", "dev.chatd.kit..", "dev.chatd.provider..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("io.helidon..")
                .check(MAIN);
    }
}
