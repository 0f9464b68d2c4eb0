package org.infopro.spark;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * Pins the training program's package dependencies so that they run one way, from the jobs down to the math:
 * {@code train → schedule → config → task → {checkpoint, module, spill, metrics, runtime} → model → {loss, measure,
 * seed}}: {@code config} (the validated run configuration) is read by the jobs and the schedules only, and
 * {@code bench} (benchmarks) is used by nothing but the jobs jar. Only main classes are checked: tests may depend on anything.
 */
@AnalyzeClasses(packages = "org.infopro.spark", importOptions = ImportOption.DoNotIncludeTests.class)
class TrainingPackageDependenciesTest {
    private static final String SPARK = "org.infopro.spark.";

    private static String[] packages(String... names) {
        String[] p = new String[names.length];
        for (int i = 0; i < names.length; i++) {
            p[i] = SPARK + names[i] + "..";
        }
        return p;
    }

    @ArchTest
    static final ArchRule packagesAreFreeOfCycles = slices().matching("org.infopro.spark.(*)..").should().beFreeOfCycles();

    @ArchTest
    static final ArchRule nothingDependsOnTheBenchmarks = noClasses()
            .that().resideOutsideOfPackage(SPARK + "bench..")
            .should().dependOnClassesThat().resideInAPackage(SPARK + "bench..")
            .because("benchmarks measure the product; production code must not need them");

    @ArchTest
    static final ArchRule onlyTheJobsDriveTheSchedules = noClasses()
            .that().resideInAnyPackage(packages("config", "task", "checkpoint", "module", "spill", "metrics", "runtime", "model",
                    "loss", "measure", "seed"))
            .should().dependOnClassesThat().resideInAnyPackage(packages("train", "schedule"))
            .because("the jobs run the schedules, which run the tasks: nothing below may reach back up");

    @ArchTest
    static final ArchRule tasksKnowNoRunConfiguration = noClasses()
            .that().resideInAnyPackage(packages("task", "checkpoint", "module", "spill", "metrics", "runtime", "model", "loss",
                    "measure", "seed"))
            .should().dependOnClassesThat().resideInAPackage(SPARK + "config..")
            .because("tasks get the few settings they need (TaskSettings), not the run's configuration");

    @ArchTest
    static final ArchRule whatTasksUseKnowsNoTasks = noClasses()
            .that().resideInAnyPackage(packages("checkpoint", "module", "spill", "metrics", "runtime", "model", "loss", "measure",
                    "seed"))
            .should().dependOnClassesThat().resideInAPackage(SPARK + "task..")
            .because("a Spark task puts modules, spills and metrics together; they do not know the tasks");

    @ArchTest
    static final ArchRule modelsKnowNoModulesTasksOrSpills = noClasses()
            .that().resideInAnyPackage(packages("model", "loss", "measure", "seed"))
            .should().dependOnClassesThat().resideInAnyPackage(packages("module", "checkpoint", "spill", "metrics", "runtime"))
            .because("network families build DL4J graphs and losses; how modules are trained and stored is above them");

    @ArchTest
    static final ArchRule theMathIsAtTheBottom = noClasses()
            .that().resideInAnyPackage(packages("loss", "measure", "seed"))
            .should().dependOnClassesThat().resideInAPackage(SPARK + "model..");
}
