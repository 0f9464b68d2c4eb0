package org.infopro.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import org.infopro.data.io.Json;
import org.infopro.data.testing.IdxFixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real Spark standalone cluster on loopback (submit/cluster.sh: a master and two worker JVMs, each worker
 * advertising one fake GPU, address "0"), and the gpu-check job submitted to it through submit/infopro.
 * Proves that GPU resource scheduling reaches the tasks: each executor owns one GPU, each task is assigned
 * exactly its executor's GPU, and GpuBinding (CPU backend here) reports it without binding.
 */
@Tag("cluster")
class GpuClusterIT {
    private static final Path ROOT = IdxFixtures.repositoryRoot();
    private static Path dir;
    private static String masterUrl;
    private static final List<Long> daemonPids = new ArrayList<>();

    /**
     * The result JSON Main prints on stdout after its summary line ("infopro JOB: ..."), from output where stderr is
     * merged in: the lines from the summary's next "{" to the closing "}", without interleaved log lines.
     */
    static String resultAfterSummary(String output, String job) {
        List<String> lines = output.lines().toList();
        int at = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("infopro " + job + ": ")) {
                at = i;
            }
        }
        if (at < 0) {
            throw new AssertionError("no summary line of " + job + ":\n" + output);
        }
        StringBuilder json = new StringBuilder();
        for (int i = at + 1; i < lines.size(); i++) {
            String l = lines.get(i);
            if (l.matches("\\d\\d:\\d\\d:\\d\\d [A-Z]+ .*")) {
                continue; // a log line (conf/log4j2.properties' pattern) from stderr
            }
            json.append(l).append('\n');
            if (l.equals("}")) {
                return json.toString();
            }
        }
        throw new AssertionError("no result JSON after the summary line:\n" + output);
    }

    private record Result(int code, String output) {
    }

    private static Result run(Path log, List<String> cmd) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("INFOPRO_CLUSTER_DIR", dir.toString());
        pb.environment().put("INFOPRO_FAKE_GPUS", "1");
        pb.environment().put("OMP_NUM_THREADS", "1");
        pb.environment().remove("SPARK_HOME");
        Process p = pb.start();
        if (!p.waitFor(8, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", cmd) + " timed out; see " + log);
        }
        return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }

    private static JsonNode getJson(String url) throws IOException, InterruptedException {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
        return Json.mapper().readTree(r.body());
    }

    @BeforeAll
    static void startCluster() throws Exception {
        dir = Files.createTempDirectory("infopro-cluster-it");
        Result start = run(dir.resolveSibling(dir.getFileName() + "-start.log"), List.of(ROOT.resolve("submit/cluster.sh").toString(),
                "start", "--workers", "2", "--cores", "1", "--gpus-per-worker", "1"));
        assertEquals(0, start.code(), start.output());
        masterUrl = Files.readString(dir.resolve("master-url")).strip();
        assertTrue(start.output().contains(masterUrl), start.output());
        for (String name : List.of("master", "worker-1", "worker-2")) {
            daemonPids.add(Long.parseLong(Files.readString(dir.resolve(name + ".pid")).strip()));
        }
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (dir == null) {
            return;
        }
        Result stop = run(dir.resolveSibling(dir.getFileName() + "-stop.log"), List.of(ROOT.resolve("submit/cluster.sh").toString(), "stop"));
        assertEquals(0, stop.code(), stop.output());
        for (long pid : daemonPids) {
            assertTrue(ProcessHandle.of(pid).map(ph -> !ph.isAlive()).orElse(true), "cluster JVM " + pid + " outlived 'cluster.sh stop'");
        }
        // Executors too: every JVM the cluster started names the cluster folder on its command line.
        List<String> left = ProcessHandle.allProcesses()
                .filter(ph -> ph.info().commandLine().orElse("").contains(dir.toString()))
                .map(ph -> ph.pid() + " " + ph.info().commandLine().orElse(""))
                .toList();
        assertEquals(List.of(), left, "JVMs left after 'cluster.sh stop'");
    }

    @Test
    void everyTaskGetsItsExecutorsGpuAndGpuBindingReportsIt() throws Exception {
        Result r = run(dir.resolveSibling(dir.getFileName() + "-gpu-check.log"), List.of(ROOT.resolve("submit/infopro").toString(),
                "--master", masterUrl, "--driver-memory", "1g", "--executor-memory", "1g",
                "--conf", "spark.executor.cores=1",
                "--conf", "spark.executor.resource.gpu.amount=1",
                "--conf", "spark.task.resource.gpu.amount=1",
                // Both executors registered before the tasks are offered, so each runs one of the two tasks.
                "--conf", "spark.scheduler.minRegisteredResourcesRatio=1.0",
                "--conf", "spark.scheduler.maxRegisteredResourcesWaitingTime=120s",
                "gpu-check", "--tasks", "2"));
        assertEquals(0, r.code(), r.output());
        JsonNode result = Json.mapper().readTree(resultAfterSummary(r.output(), "gpu-check"));
        String app = result.get("application_id").asText();

        // What the cluster itself says: each worker's executors for this application and the GPUs they own.
        Map<String, List<String>> ownedByExecutor = new HashMap<>();
        Map<String, String> workerOfExecutor = new HashMap<>();
        JsonNode master = getJson("http://127.0.0.1:" + Files.readString(dir.resolve("webui-port")).strip() + "/json/");
        assertEquals(2, master.get("aliveworkers").asInt(), master.toString());
        for (JsonNode w : master.get("workers")) {
            JsonNode worker = getJson(w.get("webuiaddress").asText() + "/json/");
            for (String list : List.of("executors", "finishedexecutors")) {
                for (JsonNode e : worker.get(list)) {
                    if (e.get("appid").asText().equals(app)) {
                        List<String> gpus = new ArrayList<>();
                        e.get("resources").get("gpu").get("addresses").forEach(a -> gpus.add(a.asText()));
                        ownedByExecutor.put(e.get("id").asText(), gpus);
                        workerOfExecutor.put(e.get("id").asText(), w.get("id").asText());
                    }
                }
            }
        }

        JsonNode tasks = result.get("assignments");
        assertEquals(2, tasks.size(), result.toString());
        Set<String> executors = new HashSet<>();
        Set<String> workers = new HashSet<>();
        for (JsonNode t : tasks) {
            String executor = t.get("executor_id").asText();
            executors.add(executor);
            assertTrue(workerOfExecutor.containsKey(executor), "executor " + executor + " is on no worker: " + workerOfExecutor);
            workers.add(workerOfExecutor.get(executor));
            assertEquals(1, t.get("addresses").size(), "each task gets exactly one GPU: " + t);
            String address = t.get("addresses").get(0).asText();
            assertEquals(List.of("0"), ownedByExecutor.get(executor), "executor " + executor + " owns the worker's one fake GPU");
            assertEquals(ownedByExecutor.get(executor).get(0), address, "the task's GPU is its executor's: " + t);
            assertEquals("cpu backend: not bound", t.get("device").asText(), t.toString());
        }
        assertEquals(2, executors.size(), "two executors: " + result);
        assertEquals(2, workers.size(), "on two worker JVMs: " + workerOfExecutor);
        List<String> ids = new ArrayList<>(executors);
        assertNotEquals(ids.get(0), ids.get(1));

        // each task also reports the layer helpers DL4J picked on its executor: oneDNN's on the CPU backend
        JsonNode helpers = result.get("layer_helpers");
        assertEquals(2, helpers.size(), result.toString());
        for (JsonNode h : helpers) {
            assertEquals("CPU", h.get("backend").asText(), h.toString());
            assertEquals("MKLDNNConvHelper", h.get("convolution").asText(), h.toString());
        }
    }

    @Test
    @Tag("fault")
    void trainingSurvivesALostExecutorAndEndsBitIdenticalToAnUndisturbedRun() throws Exception {
        executorLoss("simultaneous", List.of("--replicas", "2", "--sync-steps", "1"), position -> position.get("rounds").asInt() >= 2);
    }

    @Test
    @Tag("fault")
    void sequentialTrainingSurvivesALostExecutorWhileModuleTwoReadsTheSpill() throws Exception {
        // 6 steps per replica and epoch, one round each: module 1 is rounds 1-12, module 2 from round 13
        executorLoss("sequential", List.of("--schedule", "sequential", "--spill", "spill", "--replicas", "2", "--sync-steps", "1"),
                position -> position.get("stage").asInt() == 1 && position.get("rounds").asInt() >= 14);
    }

    @Test
    @Tag("fault")
    void staggeredTrainingSurvivesALostExecutorMidPipeline() throws Exception {
        executorLoss("staggered", List.of("--schedule", "staggered", "--wave-fraction", "0.25"),
                position -> position.get("stage").asInt() >= 3);
    }

    /**
     * Trains ResNet-8, K = 2 on 384 images for 2 epochs on the cluster with {@code schedule} once undisturbed, and
     * once with one executor JVM killed ({@code kill -9}) when the checkpoint's position satisfies {@code killWhen}:
     * the run completes and ends byte-identical to the undisturbed one.
     */
    private static void executorLoss(String name, List<String> schedule, java.util.function.Predicate<JsonNode> killWhen)
            throws Exception {
        Path work = Files.createTempDirectory(dir.getParent(), "infopro-executor-loss-" + name);
        Path idx = work.resolve("idx");
        IdxFixtures.writeDataset(idx, 384, 64, 10, true, 9);
        Path ds = work.resolve("ds");
        Result prep = run(work.resolve("prep.log"), List.of(ROOT.resolve("submit/infopro").toString(), "--master", "local[1]",
                "prep-idx", "--input", idx.toString(), "--output", ds.toString()));
        assertEquals(0, prep.code(), prep.output());
        List<String> train = new ArrayList<>(List.of(ROOT.resolve("submit/infopro").toString(), "--master", masterUrl,
                "--driver-memory", "1g", "--executor-memory", "1g", "--conf", "spark.executor.cores=1",
                "--conf", "spark.scheduler.minRegisteredResourcesRatio=1.0",
                "train", "--dataset", ds.toString(), "--depth", "8", "--splits", "2,0", "--epochs", "2", "--batch-size", "32",
                "--pad-to", "32", "--channels", "3", "--augment", "crop-flip", "--log-every", "0", "--val-limit", "64"));
        train.addAll(schedule);

        Path whole = work.resolve("whole");
        List<String> undisturbed = new ArrayList<>(train);
        undisturbed.addAll(List.of("--out", whole.toString()));
        Result straight = run(work.resolve("whole.log"), undisturbed);
        assertEquals(0, straight.code(), straight.output());

        Path hit = work.resolve("hit");
        List<String> disturbed = new ArrayList<>(train);
        disturbed.addAll(List.of("--out", hit.toString()));
        ProcessBuilder pb = new ProcessBuilder(disturbed).redirectErrorStream(true).redirectOutput(work.resolve("hit.log").toFile());
        pb.environment().put("INFOPRO_CLUSTER_DIR", dir.toString());
        pb.environment().put("OMP_NUM_THREADS", "1");
        pb.environment().remove("SPARK_HOME");
        Process driver = pb.start();
        boolean reached = CheckpointWatch.awaitPosition(driver, hit, killWhen, 5);
        assertTrue(reached, name + ": the run ended before the kill point:\n" + Files.readString(work.resolve("hit.log")));
        // kill -9 one executor JVM of this application (the worker will start a new one)
        ProcessHandle victim = ProcessHandle.allProcesses()
                .filter(ph -> ph.info().commandLine().orElse("").contains("CoarseGrainedExecutorBackend"))
                .filter(ph -> ph.info().commandLine().orElse("").contains(dir.toString()))
                .findFirst().orElseThrow(() -> new AssertionError("no executor JVM found after " + driver.isAlive()));
        assertTrue(victim.destroyForcibly());
        assertTrue(driver.waitFor(8, TimeUnit.MINUTES), name + ": training did not finish after the executor was killed");
        String log = Files.readString(work.resolve("hit.log"));
        assertEquals(0, driver.exitValue(), log);
        assertTrue(log.contains("Lost executor") || log.contains("ExecutorLost") || log.contains("Lost task"),
                name + ": the driver saw the executor go:\n" + log);
        for (String module : List.of("module-1", "module-2")) {
            assertTrue(java.util.Arrays.equals(Files.readAllBytes(whole.resolve("checkpoint/" + module + ".state")),
                    Files.readAllBytes(hit.resolve("checkpoint/" + module + ".state"))),
                    name + ", " + module + ": the run that lost an executor must end exactly where the undisturbed one did");
        }
        JsonNode result = Json.mapper().readTree(Files.readString(hit.resolve("result.json")));
        assertEquals("ok", result.get("status").asText());
        assertTrue(result.get("executors").size() >= 2, "peak memory of every executor that ran a task: " + result.get("executors"));
    }
}
