package org.infopro.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.yarn.api.records.ApplicationReport;
import org.apache.hadoop.yarn.api.records.FinalApplicationStatus;
import org.apache.hadoop.yarn.api.records.Resource;
import org.apache.hadoop.yarn.api.records.YarnApplicationState;
import org.infopro.data.io.Json;
import org.infopro.data.testing.IdxFixtures;
import org.infopro.jobs.yarn.YarnTestCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The jobs jar on a real YARN cluster (a MiniYARNCluster with HDFS, in its own JVM, whose NodeManager advertises one
 * GPU), submitted the way users submit it: submit/infopro --master yarn on the embedded Spark, with the cluster's
 * client configuration in HADOOP_CONF_DIR. Each application's outcome is read back as an orchestrator reads it:
 * spark-submit's exit code, the application id in its log, the ResourceManager's final status and attempt count,
 * and result.json on HDFS.
 */
@Tag("cluster")
class YarnClusterIT {
    private static final Path ROOT = IdxFixtures.repositoryRoot();
    private static final String DAG_DS = "2026-03-04";
    private static Path dir;
    private static YarnTestCluster yarn;

    private record Submit(int code, String output, String appId) {
    }

    @BeforeAll
    static void startCluster() throws Exception {
        dir = Files.createTempDirectory("infopro-yarn-it");
        yarn = YarnTestCluster.start(dir.resolve("cluster"), 1);
        // a small Fashion-MNIST-shaped IDX set, on HDFS like a user's raw data
        Path idx = dir.resolve("idx");
        IdxFixtures.writeDataset(idx, 300, 100, 10, true, 21);
        try (FileSystem fs = yarn.fs()) {
            fs.copyFromLocalFile(new org.apache.hadoop.fs.Path(idx.toUri()), new org.apache.hadoop.fs.Path("/raw/idx"));
        }
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (yarn != null) {
            yarn.close();
        }
    }

    private static Submit submit(String name, String... args) throws IOException, InterruptedException {
        return submit(name, Map.of(), args);
    }

    /** Runs submit/infopro --master yarn with {@code args} and waits; {@code env} adds to the cluster's environment. */
    private static Submit submit(String name, Map<String, String> env, String... args) throws IOException, InterruptedException {
        Process p = start(name, env, args);
        Path log = dir.resolve(name + ".log");
        if (!p.waitFor(8, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("submit/infopro " + String.join(" ", args) + " timed out; see " + log);
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        return new Submit(p.exitValue(), out, YarnTestCluster.applicationId(out));
    }

    /** Starts submit/infopro --master yarn with {@code args}, its output in {@code name}.log. */
    private static Process start(String name, Map<String, String> env, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ROOT.resolve("submit/infopro").toString());
        cmd.addAll(List.of("--master", "yarn", "--driver-memory", "1g", "--executor-memory", "1g", "--num-executors", "1",
                "--conf", "spark.executor.memoryOverhead=512m", "--conf", "spark.yarn.am.memory=512m"));
        cmd.addAll(List.of(args));
        Path log = dir.resolve(name + ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(ROOT.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(yarn.submitEnvironment());
        pb.environment().put("OMP_NUM_THREADS", "1");
        pb.environment().remove("SPARK_HOME");
        pb.environment().putAll(env);
        return pb.start();
    }

    private static JsonNode readJson(String path) throws IOException {
        try (FileSystem fs = yarn.fs(); InputStream in = fs.open(new org.apache.hadoop.fs.Path(path))) {
            return Json.mapper().readTree(in);
        }
    }

    /** The application ended SUCCEEDED after exactly one attempt, although YARN would have allowed a second. */
    private static void assertSucceededOnce(Submit s) throws Exception {
        assertEquals(0, s.code(), s.output());
        ApplicationReport app = yarn.application(s.appId());
        assertEquals(YarnApplicationState.FINISHED, app.getYarnApplicationState(), app.toString());
        assertEquals(FinalApplicationStatus.SUCCEEDED, app.getFinalApplicationStatus(), app.toString());
        assertEquals(1, yarn.attempts(s.appId()), "attempts of " + s.appId() + ": " + app);
    }

    private void prepAndTrain(String mode) throws Exception {
        String ds = yarn.fsUri() + "/data/fm-" + mode;
        String out = yarn.fsUri() + "/runs/fm-" + mode;
        Submit prep = submit("prep-" + mode, "--deploy-mode", mode, "prep-idx", "--input", yarn.fsUri() + "/raw/idx",
                "--output", ds, "--shards", "2");
        assertSucceededOnce(prep);
        JsonNode manifest = readJson(ds + "/_manifest.json");
        assertTrue(manifest.toString().contains("\"train\""), manifest.toString());

        Submit train = submit("train-" + mode, "--deploy-mode", mode, "train", "--dataset", ds, "--out", out,
                "--depth", "8", "--splits", "2,0", "--epochs", "1", "--batch-size", "50", "--limit", "100", "--val-limit", "100");
        assertSucceededOnce(train);
        JsonNode result = readJson(out + "/result.json");
        assertEquals("ok", result.get("status").asText(), result.toString());
        assertTrue(result.get("test_accuracy").isNumber(), result.toString());
        assertEquals(1, result.path("config").path("epochs").asInt(), result.toString());
        assertTrue(result.get("config_hash").asText().length() >= 16, result.toString());
        if (mode.equals("client")) {
            // the driver ran here, so its result JSON is on this side's stdout too
            assertTrue(train.output().contains("infopro train: ok"), train.output());
        }
    }

    @Test
    void prepAndTrainSucceedInOneAttemptInClientMode() throws Exception {
        prepAndTrain("client");
    }

    /** The regression test for a driver that exits: YARN then marks a successful run FAILED and runs it twice. */
    @Test
    void prepAndTrainSucceedInOneAttemptInClusterMode() throws Exception {
        prepAndTrain("cluster");
    }

    @Test
    void badInputEndsFailedWithAResultThatSaysInvalidAndWhy() throws Exception {
        String out = yarn.fsUri() + "/runs/bad";
        Submit s = submit("bad-cluster", "--deploy-mode", "cluster", "--conf", "spark.yarn.maxAppAttempts=1",
                "train", "--dataset", yarn.fsUri() + "/data/none", "--out", out, "--epochs", "1");
        assertNotEquals(0, s.code(), s.output());
        ApplicationReport app = yarn.application(s.appId());
        assertEquals(FinalApplicationStatus.FAILED, app.getFinalApplicationStatus(), app.toString());
        assertEquals(1, yarn.attempts(s.appId()), app.toString());
        assertTrue(app.getDiagnostics().contains("infopro train: invalid:"), app.getDiagnostics());
        JsonNode result = readJson(out + "/result.json");
        assertEquals("invalid", result.get("status").asText(), result.toString());
        assertTrue(result.get("error").asText().contains("not a prepared dataset"), result.toString());

        // in client mode the driver is this side's JVM, so the exit code keeps the class: 2 for invalid input
        Submit client = submit("bad-client", "--conf", "spark.yarn.maxAppAttempts=1", "train", "--dataset",
                yarn.fsUri() + "/data/none", "--out", yarn.fsUri() + "/runs/bad-client", "--epochs", "1");
        assertEquals(2, client.code(), client.output());
        assertTrue(client.output().contains("not a prepared dataset"), client.output());
    }

    @Test
    void gpuCheckTasksGetTheirContainersGpuAndYarnGrantsOneContainerForTheNodesOneGpu() throws Exception {
        Resource node = yarn.nodeCapabilities().get(0);
        assertEquals(1, node.getResourceValue("yarn.io/gpu"), "the node advertises one yarn.io/gpu: " + node);

        // Two GPU executors asked for, one GPU on the node. The driver waits 20 s for both; each executor has one core
        // and one GPU, so two executors would run the two tasks side by side. One container means one executor.
        // The containers get Spark as users' do by default: the embedded jars uploaded to the staging directory.
        Submit s = submit("gpu-check", Map.of("INFOPRO_YARN_JARS", "upload"), "--properties-file", "conf/yarn-gpu.properties",
                "--conf", "spark.executor.memory=512m", "--conf", "spark.executor.memoryOverhead=384m",
                "--conf", "spark.driver.memoryOverhead=384m", "--conf", "spark.executor.extraJavaOptions=-Dorg.bytedeco.javacpp.maxphysicalbytes=2G",
                "--conf", "spark.executorEnv.INFOPRO_FAKE_GPUS=1", "--num-executors", "2",
                "--conf", "spark.scheduler.minRegisteredResourcesRatio=1.0",
                "--conf", "spark.scheduler.maxRegisteredResourcesWaitingTime=20s", "--executor-cores", "1",
                "gpu-check", "--tasks", "2");
        assertSucceededOnce(s);
        JsonNode result = Json.mapper().readTree(GpuClusterIT.resultAfterSummary(s.output(), "gpu-check"));
        assertEquals(s.appId(), result.get("application_id").asText(), result.toString());
        JsonNode tasks = result.get("assignments");
        assertEquals(2, tasks.size(), result.toString());
        Set<String> executors = new HashSet<>();
        for (JsonNode t : tasks) {
            executors.add(t.get("executor_id").asText());
            assertEquals("[\"0\"]", t.get("addresses").toString(), "each task gets the container's GPU 0: " + t);
            assertEquals("cpu backend: not bound", t.get("device").asText(), t.toString());
        }
        assertEquals(1, executors.size(), "one GPU, so one executor container: " + result);
    }

    /**
     * ResNet-8, K = 2, two replicas averaged every step, trained for 2 epochs in client mode on two executor
     * containers, once undisturbed and once with one executor JVM killed ({@code kill -9}) after the second round's
     * checkpoint: YARN reports the container lost, Spark asks for a new one, and the run ends byte-identical.
     */
    @Test
    @Tag("fault")
    void anExecutorContainerKilledMidRunLeavesTheResultBitIdentical() throws Exception {
        Path work = Files.createDirectories(dir.resolve("executor-loss"));
        Path idx = work.resolve("idx");
        IdxFixtures.writeDataset(idx, 384, 64, 10, true, 9);
        Path ds = work.resolve("ds");
        // local files (file: URIs; the cluster's default file system is HDFS), so the test can watch the checkpoint
        Submit prep = submit("loss-prep", "prep-idx", "--input", idx.toUri().toString(), "--output", ds.toUri().toString());
        assertSucceededOnce(prep);
        List<String> train = new ArrayList<>(List.of("--num-executors", "2", "--executor-cores", "1",
                "--conf", "spark.scheduler.minRegisteredResourcesRatio=1.0", "--conf", "spark.yarn.maxAppAttempts=1",
                "train", "--dataset", ds.toUri().toString(), "--depth", "8", "--splits", "2,0", "--epochs", "2", "--batch-size", "32",
                "--pad-to", "32", "--channels", "3", "--augment", "crop-flip", "--log-every", "0", "--val-limit", "64",
                "--replicas", "2", "--sync-steps", "1"));
        Path whole = work.resolve("whole");
        List<String> undisturbed = new ArrayList<>(train);
        undisturbed.addAll(List.of("--out", whole.toUri().toString()));
        assertSucceededOnce(submit("loss-whole", undisturbed.toArray(String[]::new)));

        Path hit = work.resolve("hit");
        List<String> disturbed = new ArrayList<>(train);
        disturbed.addAll(List.of("--out", hit.toUri().toString()));
        Process driver = start("loss-hit", Map.of(), disturbed.toArray(String[]::new));
        boolean reached = CheckpointWatch.awaitPosition(driver, hit, position -> position.get("rounds").asInt() >= 2, 5);
        Path log = dir.resolve("loss-hit.log");
        assertTrue(reached, "the run ended before the kill point:\n" + Files.readString(log));
        String appId = YarnTestCluster.applicationId(Files.readString(log));
        ProcessHandle victim = ProcessHandle.allProcesses()
                .filter(ph -> ph.info().commandLine().orElse("").contains("YarnCoarseGrainedExecutorBackend"))
                .filter(ph -> ph.info().commandLine().orElse("").contains(appId))
                .findFirst().orElseThrow(() -> new AssertionError("no executor JVM of " + appId));
        assertTrue(victim.destroyForcibly());
        assertTrue(driver.waitFor(8, TimeUnit.MINUTES), "training did not finish after the executor was killed");
        String out = Files.readString(log);
        assertEquals(0, driver.exitValue(), out);
        assertEquals(FinalApplicationStatus.SUCCEEDED, yarn.application(appId).getFinalApplicationStatus());
        for (String module : List.of("module-1", "module-2")) {
            assertTrue(java.util.Arrays.equals(Files.readAllBytes(whole.resolve("checkpoint/" + module + ".state")),
                    Files.readAllBytes(hit.resolve("checkpoint/" + module + ".state"))),
                    module + ": the run that lost an executor container must end exactly where the undisturbed one did");
        }
        JsonNode result = Json.mapper().readTree(Files.readString(hit.resolve("result.json")));
        assertEquals("ok", result.get("status").asText(), result.toString());
        assertTrue(result.get("executors").size() >= 2, "peak memory of every executor that ran a task: " + result.get("executors"));
    }

    /** The DAG's paths on the cluster's HDFS, its training a small ResNet-8, its containers sized for this cluster. */
    private static DagRunner dagOnYarn(String name) {
        String root = yarn.fsUri() + "/airflow/" + name;
        Map<String, String> small = Map.of(
                "PREP_OPTIONS", "[\"--shards\", \"2\"]",
                "TRAIN_OPTIONS", "[\"--depth\", \"8\", \"--splits\", \"2,0\", \"--epochs\", \"2\", \"--batch-size\", \"50\","
                        + " \"--limit\", \"200\", \"--val-limit\", \"100\"]",
                "SPARK_CONF", "{\"spark.yarn.maxAppAttempts\": \"1\", \"spark.executor.memoryOverhead\": \"512m\","
                        + " \"spark.executorEnv.OMP_NUM_THREADS\": \"1\", \"spark.driver.memory\": \"1g\", \"spark.executor.memory\": \"1g\","
                        + " \"spark.executor.instances\": \"1\", \"spark.yarn.am.memory\": \"512m\"}");
        return new DagRunner("yarn", "cluster", yarn.fsUri() + "/raw/idx", root + "/data", root + "/runs", small, yarn.submitEnvironment());
    }

    private static boolean exists(String path) throws IOException {
        try (FileSystem fs = yarn.fs()) {
            return fs.exists(new org.apache.hadoop.fs.Path(path));
        }
    }

    /**
     * The Airflow DAG's argv, as SparkSubmitHook builds it (dag_render.py), run for real on YARN in cluster mode
     * through the spark-submit shim, judged as Airflow judges a YARN task: exit code 0. Each task is one YARN
     * application that ends SUCCEEDED in one attempt; the application id is in spark-submit's log, where Airflow
     * finds it to track and kill the application.
     */
    @Test
    void theDagsArgvRunsOnYarnInClusterModeAndEveryTaskSucceedsInOneAttempt() throws Exception {
        String why = DagRender.unavailable();
        Assumptions.assumeTrue(why == null, "dag_render.py cannot run: " + why);
        DagRunner dag = dagOnYarn("whole");
        DagRender.Rendered rendered = dag.render(DAG_DS);
        assertEquals(List.of(), DagContract.violations(rendered), "the overrides keep the contract");
        List<DagRunner.Attempt> attempts = dag.runAll(DAG_DS, Files.createDirectories(dir.resolve("dag-whole")));
        assertEquals(List.of("prep", "train", "evaluate", "report"), attempts.stream().map(DagRunner.Attempt::taskId).toList(),
                "every task ran: " + attempts.get(attempts.size() - 1).result().output());
        for (DagRunner.Attempt a : attempts) {
            assertTrue(a.succeeded(), a.taskId() + " exited " + a.result().code() + ":\n" + a.result().output());
            assertSucceededOnce(new Submit(a.result().code(), a.result().output(), YarnTestCluster.applicationId(a.result().output())));
        }
        String run = DagContract.after(DagContract.args(rendered.task("train")), "--out");
        assertTrue(run.startsWith(yarn.fsUri() + "/airflow/whole/runs/") && run.endsWith("-" + DAG_DS), run);
        assertEquals("ok", readJson(run + "/result.json").get("status").asText());
        JsonNode eval = readJson(run + "/evaluate-test.json");
        assertEquals("ok", eval.get("status").asText(), eval.toString());
        assertEquals(100, eval.get("images").asLong(), eval.toString());
        assertTrue(exists(run + "/report.html"), "the last task left the report on HDFS");
    }

    /**
     * The retry contract on YARN, for real: the train task's first attempt runs in cluster mode until its first
     * checkpoint is on HDFS, then its driver (the ApplicationMaster's JVM) is killed with kill -9. With
     * spark.yarn.maxAppAttempts=1 the application ends FAILED and spark-submit exits non-zero, so Airflow would retry:
     * the same argv again must end SUCCEEDED, resumed, with the module states of an undisturbed run.
     */
    @Test
    @Tag("fault")
    void aTrainAttemptWhoseDriverIsKilledOnYarnIsRetriedWithTheSameArgvAndEndsAsAnUndisturbedRun() throws Exception {
        String why = DagRender.unavailable();
        Assumptions.assumeTrue(why == null, "dag_render.py cannot run: " + why);
        Path logs = Files.createDirectories(dir.resolve("dag-retry"));
        DagRunner undisturbed = dagOnYarn("undisturbed");
        for (JsonNode task : undisturbed.render(DAG_DS).tasks().subList(0, 2)) {
            DagRunner.Attempt a = undisturbed.attempt(task, logs.resolve("undisturbed-" + task.path("task_id").asText() + ".log"));
            assertTrue(a.succeeded(), a.taskId() + ":\n" + a.result().output());
        }
        String whole = DagContract.after(DagContract.args(undisturbed.render(DAG_DS).task("train")), "--out");

        DagRunner retried = dagOnYarn("retried");
        DagRunner.Attempt prep = retried.attempt(retried.render(DAG_DS).task("prep"), logs.resolve("retried-prep.log"));
        assertTrue(prep.succeeded(), prep.result().output());
        JsonNode train = retried.render(DAG_DS).task("train");
        String run = DagContract.after(DagContract.args(train), "--out");
        Path log1 = logs.resolve("retried-train-1.log");
        Process first = retried.process(train, log1).start();
        boolean checkpointed = false;
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(6);
        while (!checkpointed && first.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(200);
            checkpointed = exists(run + "/checkpoint/checkpoint.json");
        }
        assertTrue(checkpointed, "the first attempt ended before its first checkpoint:\n" + Files.readString(log1));
        String appId = YarnTestCluster.applicationId(Files.readString(log1));
        ProcessHandle driver = ProcessHandle.allProcesses()
                .filter(ph -> ph.info().commandLine().orElse("").contains("org.apache.spark.deploy.yarn.ApplicationMaster"))
                .filter(ph -> ph.info().commandLine().orElse("").contains(appId))
                .findFirst().orElseThrow(() -> new AssertionError("no ApplicationMaster JVM of " + appId));
        assertTrue(driver.destroyForcibly());
        assertTrue(first.waitFor(5, TimeUnit.MINUTES), "spark-submit did not end after its driver was killed");
        assertNotEquals(0, first.exitValue(), "Airflow sees the attempt fail:\n" + Files.readString(log1));
        assertEquals(FinalApplicationStatus.FAILED, yarn.application(appId).getFinalApplicationStatus());
        assertEquals(1, yarn.attempts(appId), "spark.yarn.maxAppAttempts=1: YARN does not retry on its own");
        assertFalse(exists(run + "/result.json"), "the killed attempt left a partial run and no result");

        DagRunner.Attempt retry = retried.attempt(train, logs.resolve("retried-train-2.log"));
        assertTrue(retry.succeeded(), "the retry exited " + retry.result().code() + ":\n" + retry.result().output());
        String retryApp = YarnTestCluster.applicationId(retry.result().output());
        assertSucceededOnce(new Submit(retry.result().code(), retry.result().output(), retryApp));
        assertTrue(yarn.containerStderr(retryApp).contains("[train] resuming from"), "the retry's driver continued the killed run");
        JsonNode result = readJson(run + "/result.json");
        assertEquals("ok", result.get("status").asText(), result.toString());
        try (FileSystem fs = yarn.fs()) {
            for (String module : List.of("module-1", "module-2")) {
                assertArrayEquals(readAll(fs, whole + "/checkpoint/" + module + ".state"), readAll(fs, run + "/checkpoint/" + module + ".state"),
                        module + ": the retried run ends where the undisturbed one did");
            }
        }
    }

    private static byte[] readAll(FileSystem fs, String path) throws IOException {
        try (InputStream in = fs.open(new org.apache.hadoop.fs.Path(path))) {
            return in.readAllBytes();
        }
    }
}
