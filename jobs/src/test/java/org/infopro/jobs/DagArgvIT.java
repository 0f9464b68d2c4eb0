package org.infopro.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import org.infopro.data.io.Json;
import org.infopro.data.testing.IdxFixtures;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real: the Airflow DAG's argv, as SparkSubmitHook builds it (dag_render.py), run for real through the spark-submit
 * shim (submit/airflow/spark-submit, onto submit/infopro and the jobs jar) on local[2], judged as Airflow judges a task:
 * exit code 0. The DAG's paths point at temporary folders and its training at ResNet-8 on 200 generated images
 * (dag_render.py --set); nothing else in the argv is changed. {@link DagRunner} takes the master as a parameter.
 */
class DagArgvIT {
    private static final String DS = "2026-03-04";
    private static final Map<String, String> SMALL = Map.of(
            "PREP_OPTIONS", "[\"--shards\", \"2\"]",
            "TRAIN_OPTIONS", "[\"--depth\", \"8\", \"--splits\", \"2,0\", \"--epochs\", \"2\", \"--batch-size\", \"50\", \"--limit\", \"200\","
                    + " \"--val-limit\", \"100\", \"--replicas\", \"2\", \"--sync-steps\", \"1\"]");

    @TempDir
    static Path tmp;
    private static Path raw;

    @BeforeAll
    static void rawData() throws IOException {
        String why = DagRender.unavailable();
        Assumptions.assumeTrue(why == null, "dag_render.py cannot run: " + why);
        raw = tmp.resolve("raw");
        IdxFixtures.writeDataset(raw, 300, 100, 10, true, 21);
    }

    private static DagRunner runner(String name) throws IOException {
        Path logs = Files.createDirectories(tmp.resolve(name + "/logs"));
        assertTrue(Files.isDirectory(logs));
        return new DagRunner("local[2]", "client", raw.toString(), tmp.resolve("data").toString(), tmp.resolve(name + "/runs").toString(),
                SMALL, Map.of());
    }

    private static JsonNode json(Path p) throws IOException {
        return Json.mapper().readTree(Files.readString(p));
    }

    @Test
    void everyTaskOfADagRunExits0ThroughTheShimAndTheLastLeavesTheReport() throws Exception {
        DagRunner dag = runner("whole");
        DagRender.Rendered rendered = dag.render(DS);
        assertEquals(List.of(), DagContract.violations(rendered), "the overrides keep the contract");
        List<DagRunner.Attempt> first = dag.runAll(DS, tmp.resolve("whole/logs"));
        for (DagRunner.Attempt a : first) {
            assertTrue(a.succeeded(), a.taskId() + " exited " + a.result().code() + ":\n" + a.result().output());
        }
        assertEquals(List.of("prep", "train", "evaluate", "report"), first.stream().map(DagRunner.Attempt::taskId).toList());
        Path run = Path.of(DagContract.after(DagContract.args(rendered.task("train")), "--out"));
        assertTrue(run.endsWith("resnet20-k2-" + DS), run.toString());
        assertEquals("ok", json(run.resolve("result.json")).get("status").asText());
        JsonNode eval = json(run.resolve("evaluate-test.json"));
        assertEquals("ok", eval.get("status").asText());
        assertEquals(100, eval.get("images").asLong());
        String html = Files.readString(run.resolve("report.html"));
        assertTrue(html.startsWith("<!DOCTYPE html>") && html.contains("<section id=\"evaluate\">"), "the report shows the evaluation");
        assertTrue(first.get(3).result().output().contains("\"run_status\" : \"ok\""), first.get(3).result().output());

        // a retry after success (a cleared task, a rerun DAG run): the same argv again, every task exits 0 and keeps the outputs
        byte[] result = Files.readAllBytes(run.resolve("result.json"));
        List<DagRunner.Attempt> again = dag.runAll(DS, tmp.resolve("whole/logs"));
        assertEquals(4, again.size());
        for (DagRunner.Attempt a : again) {
            assertTrue(a.succeeded(), a.taskId() + " rerun exited " + a.result().code() + ":\n" + a.result().output());
        }
        assertTrue(again.get(0).result().output().contains("infopro prep-idx: skipped"), again.get(0).result().output());
        assertTrue(again.get(1).result().output().contains("infopro train: skipped"), again.get(1).result().output());
        assertArrayEquals(result, Files.readAllBytes(run.resolve("result.json")), "the finished run is kept as it was");
    }

    @Test
    void theShimRefusesAnotherClassAndOptionsItDoesNotMap() throws Exception {
        Path shim = DagRunner.SHIM_DIR.resolve("spark-submit");
        Launch.Result other = Launch.run(tmp.resolve("shim-class.log"), Map.of(), List.of(shim.toString(), "--master", "local[1]",
                "--class", "org.example.Other", "app.jar", "gpu-check"));
        assertEquals(2, other.code(), other.output());
        assertTrue(other.output().contains("--class org.example.Other: only org.infopro.jobs.Main runs through submit/infopro"), other.output());
        Launch.Result unmapped = Launch.run(tmp.resolve("shim-opt.log"), Map.of(), List.of(shim.toString(), "--master", "local[1]",
                "--py-files", "x.py", "app.jar"));
        assertEquals(2, unmapped.code(), unmapped.output());
        assertTrue(unmapped.output().contains("option --py-files is not mapped"), unmapped.output());
    }

    /**
     * The retry contract for train, for real: the train task's first attempt is killed (kill -9 of the driver) after its
     * first checkpoint, so it leaves a partial run; Airflow's retry runs the same argv, which must end ok, resumed, with
     * the epochs and the module states of an undisturbed run of the same argv.
     */
    @Test
    @Tag("fault")
    void aTrainAttemptKilledAfterItsFirstCheckpointIsRetriedWithTheSameArgvAndEndsAsAnUndisturbedRun() throws Exception {
        DagRunner undisturbed = runner("undisturbed");
        List<DagRunner.Attempt> straight = new ArrayList<>();
        for (JsonNode task : undisturbed.render(DS).tasks().subList(0, 2)) {
            straight.add(undisturbed.attempt(task, tmp.resolve("undisturbed/logs/" + task.path("task_id").asText() + ".log")));
        }
        straight.forEach(a -> assertTrue(a.succeeded(), a.taskId() + ":\n" + a.result().output()));
        Path whole = Path.of(DagContract.after(DagContract.args(undisturbed.render(DS).task("train")), "--out"));

        DagRunner retried = runner("retried");
        JsonNode train = retried.render(DS).task("train");
        Path run = Path.of(DagContract.after(DagContract.args(train), "--out"));
        Path meta = run.resolve("checkpoint/checkpoint.json");
        Process first = retried.process(train, tmp.resolve("retried/logs/train-1.log")).start();
        boolean checkpointed = false;
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (!checkpointed && first.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(20);
            checkpointed = Files.exists(meta);
        }
        first.destroyForcibly().waitFor(1, TimeUnit.MINUTES);
        String log1 = Files.readString(tmp.resolve("retried/logs/train-1.log"));
        assertTrue(checkpointed, "the first attempt ended before its first checkpoint:\n" + log1);
        assertFalse(Files.exists(run.resolve("result.json")), "the killed attempt left a partial run, no result");
        assertTrue(first.exitValue() != 0, "Airflow sees the killed attempt fail");

        DagRunner.Attempt retry = retried.attempt(train, tmp.resolve("retried/logs/train-2.log"));
        assertTrue(retry.succeeded(), "the retry exited " + retry.result().code() + ":\n" + retry.result().output());
        assertTrue(retry.result().output().contains("resuming from"), "the retry continued the killed run:\n" + retry.result().output());
        assertEquals("ok", json(run.resolve("result.json")).get("status").asText());
        assertEquals(epochs(whole), epochs(run), "the same epochs as the undisturbed run");
        for (String module : List.of("module-1", "module-2")) {
            assertTrue(Arrays.equals(Files.readAllBytes(whole.resolve("checkpoint/" + module + ".state")),
                    Files.readAllBytes(run.resolve("checkpoint/" + module + ".state"))), module + ": the retried run ends where the undisturbed one did");
        }
    }

    /** (stage, epoch) of every line of a run's metrics.jsonl. */
    private static List<String> epochs(Path run) throws IOException {
        List<String> e = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            JsonNode n = Json.mapper().readTree(line);
            e.add(n.get("stage").asText() + " " + n.get("epoch").asInt() + "/" + n.get("epochs").asInt());
        }
        return e;
    }
}
