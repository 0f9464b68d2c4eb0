package org.infopro.data;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * Pins data-prep's package dependencies so that they run one way, from the jobs down to the contract and
 * the infrastructure: {@code prep → source → shard → {image, io, config}}, with the file readers
 * ({@code formats}, {@code idx}, {@code image}) beside the contract, {@code rehearsal} (writers of rehearsal
 * inputs) on the readers and io only, and {@code io → config} at the bottom.
 * Only main classes are checked: test fixtures may depend on anything.
 */
@AnalyzeClasses(packages = "org.infopro.data", importOptions = ImportOption.DoNotIncludeTests.class)
class DataPrepPackageDependenciesTest {
    private static final String DATA = "org.infopro.data..";

    @ArchTest
    static final ArchRule packagesAreFreeOfCycles = slices().matching("org.infopro.data.(*)..").should().beFreeOfCycles();

    @ArchTest
    static final ArchRule onlyTheJobsDependOnTheJobs = noClasses()
            .that().resideOutsideOfPackage("org.infopro.data.prep..")
            .should().dependOnClassesThat().resideInAPackage("org.infopro.data.prep..")
            .because("prep holds the jobs and their configuration; what they use must not know them");

    @ArchTest
    static final ArchRule onlyTheJobsDependOnTheSources = noClasses()
            .that().resideOutsideOfPackages("org.infopro.data.prep..", "org.infopro.data.source..")
            .should().dependOnClassesThat().resideInAPackage("org.infopro.data.source..")
            .because("a source is one dataset's layout, chosen by a prep job");

    @ArchTest
    static final ArchRule theShardContractDependsOnlyOnImageIoAndConfig = classes()
            .that().resideInAPackage("org.infopro.data.shard..")
            .should().onlyDependOnClassesThat(dataPackagesOnly("shard", "image", "io", "config"))
            .because("training links the shard schema, manifest and reader; they must not pull in the prep program");

    @ArchTest
    static final ArchRule fileReadersDependOnlyOnImageIoAndConfig = classes()
            .that().resideInAnyPackage("org.infopro.data.formats..", "org.infopro.data.idx..", "org.infopro.data.image..")
            .should().onlyDependOnClassesThat(dataPackagesOnly("formats", "idx", "image", "io", "config"))
            .because("file formats and codecs read bytes into records and images, and know nothing of shards or jobs");

    @ArchTest
    static final ArchRule rehearsalInputsDependOnlyOnReadersCodecsIoAndConfig = classes()
            .that().resideInAPackage("org.infopro.data.rehearsal..")
            .should().onlyDependOnClassesThat(dataPackagesOnly("rehearsal", "idx", "image", "io", "config"))
            .because("a rehearsal input is written in a real dataset's on-disk layout without the prep job that reads it, "
                    + "so that reading it tests that job instead of agreeing with it");

    @ArchTest
    static final ArchRule ioDependsOnlyOnConfig = classes()
            .that().resideInAPackage("org.infopro.data.io..")
            .should().onlyDependOnClassesThat(dataPackagesOnly("io", "config"))
            .because("io is infrastructure that training shares");

    @ArchTest
    static final ArchRule configDependsOnNoOtherDataPackage = classes()
            .that().resideInAPackage("org.infopro.data.config..")
            .should().onlyDependOnClassesThat(dataPackagesOnly("config"))
            .because("config is infrastructure that training shares");

    /** Classes outside org.infopro.data (JDK, Spark, Hadoop, ...) or in one of the named data packages. */
    private static DescribedPredicate<JavaClass> dataPackagesOnly(String... names) {
        String[] packages = new String[names.length];
        for (int i = 0; i < names.length; i++) {
            packages[i] = "org.infopro.data." + names[i] + "..";
        }
        return resideOutsideOfPackage(DATA).or(resideInAnyPackage(packages));
    }
}
