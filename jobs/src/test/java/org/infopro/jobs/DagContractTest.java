package org.infopro.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Structural: the Airflow DAG (submit/airflow/infopro_dag.py) as dag_render.py reads it, without Airflow, checked
 * against Main's real job list and config parsers and the retry contract ({@link DagContract}). Broken copies of the
 * DAG text prove each check can fail. Skipped, with the reason, where python3 or jinja2 is missing.
 */
class DagContractTest {
    private static final String DS = "2026-03-04";

    @BeforeAll
    static void needsPython() {
        String why = DagRender.unavailable();
        Assumptions.assumeTrue(why == null, "dag_render.py cannot run: " + why);
    }

    @Test
    void theDagKeepsTheContractForMainAndForRetries() throws Exception {
        DagRender.Rendered r = DagRender.render(DS);
        assertEquals(0, r.code(), r.stderr());
        assertEquals(List.of(), DagContract.violations(r));
        assertEquals("infopro_fashion_mnist", r.json().path("dag_id").asText());
        assertEquals(List.of("prep", "train", "evaluate", "report"), r.tasks().stream().map(t -> t.path("task_id").asText()).toList());
        for (JsonNode t : r.tasks()) {
            assertTrue(t.path("retries").asInt() > 0, t.path("task_id") + " has retries, from default_args");
        }
        assertEquals("resume", DagContract.after(DagContract.args(r.task("train")), "--if-exists"));
        assertEquals("skip-ok", DagContract.after(DagContract.args(r.task("prep")), "--if-exists"));
    }

    @Test
    void theArgvIsInTheHooksOrder() throws Exception {
        JsonNode train = DagRender.render(DS).task("train");
        List<String> argv = DagContract.strings(train.path("argv"));
        assertEquals(List.of("spark-submit", "--master", "yarn", "--conf", "spark.yarn.maxAppAttempts=1", "--conf",
                "spark.executor.memoryOverhead=3g", "--conf", "spark.executorEnv.OMP_NUM_THREADS=1", "--name", "infopro-train-" + DS,
                "--class", DagContract.MAIN, "--deploy-mode", "cluster", "/opt/infopro/infopro-jobs.jar", "train"), argv.subList(0, 17));
        assertEquals(DagContract.args(train), argv.subList(16, argv.size()));
    }

    @Test
    void eachLogicalDateGetsItsOwnDatasetAndRunFolder() throws Exception {
        DagRender.Rendered a = DagRender.render("2026-03-04"), b = DagRender.render("2026-03-05");
        for (String task : List.of("prep", "train", "evaluate", "report")) {
            List<String> argsA = DagContract.args(a.task(task)), argsB = DagContract.args(b.task(task));
            assertNotEquals(argsA, argsB, task + ": the same argv on two dates would share outputs");
            assertTrue(String.join(" ", argsA).contains("2026-03-04") && !String.join(" ", argsA).contains("2026-03-05"), argsA.toString());
        }
        assertEquals("hdfs:///infopro/runs/resnet20-k2-2026-03-05", DagContract.after(DagContract.args(b.task("train")), "--out"));
        assertEquals("hdfs:///infopro/datasets/fashion-mnist-2026-03-05", DagContract.after(DagContract.args(b.task("prep")), "--output"));
    }

    /** The DAG text with {@code from} replaced by {@code to} (which must occur), rendered. */
    private static DagRender.Rendered broken(Path tmp, String from, String to) throws Exception {
        String text = Files.readString(DagRender.DAG);
        assertTrue(text.contains(from), "the DAG no longer has " + from);
        Path dag = tmp.resolve("broken_dag.py");
        Files.writeString(dag, text.replace(from, to));
        return DagRender.render(dag, DS, "yarn", Map.of());
    }

    private static void assertViolation(DagRender.Rendered r, String expected) {
        assertEquals(0, r.code(), r.stderr());
        List<String> v = DagContract.violations(r);
        assertTrue(v.stream().anyMatch(s -> s.contains(expected)), "expected a violation containing '" + expected + "', got " + v);
    }

    @Test
    void anUnknownTrainOptionIsRejectedByTrainsOwnParser(@TempDir Path tmp) throws Exception {
        assertViolation(broken(tmp, "\"--epochs\", \"10\"", "\"--epoch\", \"10\""), "train: train's parser refuses its options: ");
    }

    @Test
    void retriesWithIfExistsErrorAreRejected(@TempDir Path tmp) throws Exception {
        assertViolation(broken(tmp, "[\"--if-exists\", \"resume\"]", "[\"--if-exists\", \"error\"]"),
                "train: retries 2 with --if-exists error");
        assertViolation(broken(tmp, "PREP_OPTIONS + [\"--if-exists\", \"skip-ok\"]", "PREP_OPTIONS"), "prep: retries 2 with --if-exists error");
    }

    @Test
    void aDagWithoutMaxAppAttemptsOrWithAnotherClassOrOrderIsRejected(@TempDir Path tmp) throws Exception {
        assertViolation(broken(tmp, "\"spark.yarn.maxAppAttempts\": \"1\",", ""), "spark.yarn.maxAppAttempts=1");
        assertViolation(broken(tmp, "java_class=\"org.infopro.jobs.Main\",\n        name=\"infopro-report",
                "java_class=\"org.infopro.jobs.Other\",\n        name=\"infopro-report"), "report: java_class must be org.infopro.jobs.Main");
        assertViolation(broken(tmp, "prep >> train >> evaluate >> report", "prep >> evaluate >> train >> report"),
                "the jobs in dependency order must be [prep-idx, train, evaluate, report]");
        assertViolation(broken(tmp, "[\"report\", \"--run\"", "[\"reports\", \"--run\""), "job 'reports' is not one of Main's jobs");
    }

    @Test
    void theRendererRefusesWhatItCannotReadRatherThanGuess(@TempDir Path tmp) throws Exception {
        DagRender.Rendered unknownKwarg = broken(tmp, "java_class=\"org.infopro.jobs.Main\",\n        name=\"infopro-train",
                "java_klass=\"org.infopro.jobs.Main\",\n        name=\"infopro-train");
        assertEquals(2, unknownKwarg.code());
        assertTrue(unknownKwarg.stderr().contains("SparkSubmitOperator has no argument 'java_klass'"), unknownKwarg.stderr());
        DagRender.Rendered undefined = broken(tmp, "{{ ds }}\"\nRUN", "{{ dss }}\"\nRUN");
        assertEquals(2, undefined.code());
        assertTrue(undefined.stderr().contains("'dss' is undefined"), undefined.stderr());
        DagRender.Rendered notLiteral = broken(tmp, "\"--shards\", \"8\"", "\"--shards\", str(8)");
        assertEquals(2, notLiteral.code());
        assertTrue(notLiteral.stderr().contains("is not a literal this renderer reads"), notLiteral.stderr());
    }
}
