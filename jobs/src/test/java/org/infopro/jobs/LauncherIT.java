package org.infopro.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import org.infopro.data.io.Json;
import org.infopro.data.testing.IdxFixtures;
import org.infopro.data.testing.SmallSetFixtures;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged jobs jar run the way users run it: through submit/infopro, which hands it to Spark's
 * SparkSubmit (the embedded Spark here, spark-submit where one is installed) in a separate JVM.
 */
class LauncherIT {
    private record Result(int code, String output) {
    }

    private static Result launch(Path log, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(IdxFixtures.repositoryRoot().resolve("submit/infopro").toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("OMP_NUM_THREADS", "1");
        Process p = pb.start();
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("submit/infopro " + String.join(" ", args) + " timed out");
        }
        return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }

    @Test
    void prepAndTrainRunThroughSparkSubmitWithTheJobsJar(@TempDir Path tmp) throws Exception {
        Path idx = tmp.resolve("idx");
        IdxFixtures.writeDataset(idx, 300, 100, 10, true, 21);
        Path ds = tmp.resolve("ds");
        Result prep = launch(tmp.resolve("prep.log"), "prep-idx", "--input", idx.toString(), "--output", ds.toString(),
                "--shards", "2");
        assertEquals(0, prep.code(), prep.output());
        assertTrue(Files.exists(ds.resolve("_manifest.json")), prep.output());

        Path out = tmp.resolve("run");
        Result train = launch(tmp.resolve("train.log"), "--master", "local[2]", "train", "--dataset", ds.toString(),
                "--out", out.toString(), "--depth", "8", "--splits", "2,0", "--epochs", "1", "--batch-size", "50",
                "--limit", "100", "--val-limit", "100");
        assertEquals(0, train.code(), train.output());
        assertTrue(train.output().contains("[train] epoch 1/1"), "no progress line:\n" + train.output());
        JsonNode result = Json.mapper().readTree(Files.readString(out.resolve("result.json")));
        assertEquals("ok", result.get("status").asText());
        assertTrue(result.get("native_runtime").asText().contains("oneDNN active"), result.toString());
    }

    @Test
    void badArgumentsExitWith2AndOneClearLine(@TempDir Path tmp) throws Exception {
        Result r = launch(tmp.resolve("bad.log"), "train", "--dataset", "d", "--out", "o", "--epochs", "0");
        assertEquals(2, r.code(), r.output());
        assertTrue(r.output().contains("train: invalid --epochs '0': expected an integer in [1, 100000]."), r.output());
        Result missing = launch(tmp.resolve("missing.log"), "train", "--dataset", tmp.resolve("none").toString(),
                "--out", tmp.resolve("o").toString());
        assertEquals(2, missing.code(), missing.output());
        assertTrue(missing.output().contains("not a prepared dataset"), missing.output());
    }

    @Test
    @Tag("fault")
    void aPrepKilledMidWriteLeavesNoDatasetAndARerunPublishesOne(@TempDir Path tmp) throws Exception {
        Path in = tmp.resolve("cifar");
        SmallSetFixtures.cifar10(in, 6000, 100);
        Path out = tmp.resolve("ds");
        List<String> cmd = List.of(IdxFixtures.repositoryRoot().resolve("submit/infopro").toString(), "--master", "local[2]",
                "prep-cifar10", "--input", in.toString(), "--output", out.toString(), "--shard-mb", "4");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("killed.log").toFile()).start();
        // Wait until Spark is writing the training shards into the staging folder, then kill -9 the JVM.
        boolean writing = false;
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (!writing && p.isAlive() && System.nanoTime() < deadline) {
            try (var s = Files.list(tmp)) {
                writing = s.filter(d -> d.getFileName().toString().startsWith(".ds.staging-"))
                        .anyMatch(d -> Files.isDirectory(d.resolve("train")));
            }
            if (!writing) {
                Thread.sleep(20);
            }
        }
        p.destroyForcibly().waitFor(1, TimeUnit.MINUTES);
        String log = Files.readString(tmp.resolve("killed.log"));
        assertTrue(writing, "the prep ended before it was seen writing shards; the test needs a larger input:\n" + log);
        assertFalse(Files.exists(out), "a killed run must leave no dataset at the output path");
        assertFalse(Files.exists(tmp.resolve("ds.result.json")), "nor a result claiming anything");

        Result rerun = launch(tmp.resolve("rerun.log"), "--master", "local[2]", "prep-cifar10", "--input", in.toString(),
                "--output", out.toString(), "--shard-mb", "4");
        assertEquals(0, rerun.code(), rerun.output());
        JsonNode result = Json.mapper().readTree(Files.readString(tmp.resolve("ds.result.json")));
        assertEquals("ok", result.get("status").asText());
        assertEquals(30000, result.get("rows_per_split").get("train").asInt());
        assertTrue(rerun.output().contains("stale staging folder"), "the rerun points at the killed run's leftovers:\n" + rerun.output());
    }

    @Test
    @Tag("fault")
    void aTrainingDriverKilledMidEpochResumesFromItsLastRoundAndEndsBitIdentical(@TempDir Path tmp) throws Exception {
        JsonNode before = killAndResume(tmp, List.of("--replicas", "2", "--sync-steps", "1"),
                position -> position.get("rounds").asInt() >= 3, List.of());
        assertEquals(0, before.get("epoch").asInt(), "killed inside the first epoch");
    }

    @Test
    @Tag("fault")
    void anImageNetResNetDriverKilledMidEpochResumesFromItsLastRoundAndEndsBitIdentical(@TempDir Path tmp) throws Exception {
        // real Fashion-MNIST (or generated IDX) as an ILSVRC tree of 64 px JPEGs, a reduced ResNet-50 InfoPro* K=2 on 32 px crops
        Path idx = IdxFixtures.cachedFashionMnist();
        if (idx == null) {
            idx = tmp.resolve("idx");
            IdxFixtures.writeDataset(idx, 256, 64, 10, true, 5);
        }
        Path tree = tmp.resolve("ilsvrc");
        assertEquals(0, launch(tmp.resolve("tree.log"), "make-ilsvrc", "--input", idx.toString(), "--output", tree.toString(),
                "--train-limit", "256", "--val-limit", "64").code());
        Path ds = tmp.resolve("ds");
        assertEquals(0, launch(tmp.resolve("prep.log"), "--master", "local[2]", "prep-imagenet", "--input", tree.toString(),
                "--output", ds.toString()).code());
        List<String> train = List.of("--master", "local[2]", "train", "--dataset", ds.toString(), "--arch", "resnet50",
                "--width", "0.125", "--crop", "32", "--resize", "36", "--lambda", "5,0.75,0,0", "--epochs", "2", "--batch-size", "16",
                "--log-every", "0", "--replicas", "2", "--sync-steps", "1", "--input-threads", "2");
        JsonNode before = killAndResumeTraining(tmp, train, position -> position.get("rounds").asInt() >= 3, List.of());
        assertEquals(0, before.get("epoch").asInt(), "killed inside the first epoch");
    }

    @Test
    @Tag("fault")
    void aSequentialDriverKilledWhileModuleTwoTrainsResumesWithoutRetrainingModuleOne(@TempDir Path tmp) throws Exception {
        JsonNode before = killAndResume(tmp, List.of("--schedule", "sequential", "--spill", "spill", "--replicas", "2", "--sync-steps", "2"),
                position -> position.get("stage").asInt() == 1 && position.get("rounds").asInt() >= 8, List.of("module-1"));
        assertEquals(1, before.get("stage").asInt(), "killed while module 2 trained");
    }

    @Test
    @Tag("fault")
    void aStaggeredDriverKilledAfterModuleOneFinishedResumesWithoutRetrainingIt(@TempDir Path tmp) throws Exception {
        // 12 steps per epoch in waves of 3: 8 chunks, module 1 is done after wave 8 of 9
        JsonNode before = killAndResume(tmp, List.of("--schedule", "staggered", "--wave-fraction", "0.25"),
                position -> position.get("stage").asInt() >= 8, List.of("module-1"));
        assertEquals(8, before.get("stage").asInt(), "killed in the last wave");
    }

    /**
     * Trains ResNet-8, K = 2 on 384 images for 2 epochs once undisturbed, then again with {@code kill -9} of the
     * driver once the checkpoint's position satisfies {@code killWhen}, resumes it, and asserts the resumed run
     * ends byte-identical to the undisturbed one and that the modules in {@code finished} (finished at the kill)
     * were not retrained: the resume says so and their checkpointed state did not change. Returns the position
     * at the kill.
     */
    private static JsonNode killAndResume(Path tmp, List<String> schedule, java.util.function.Predicate<JsonNode> killWhen,
                                          List<String> finished) throws Exception {
        Path idx = tmp.resolve("idx");
        IdxFixtures.writeDataset(idx, 384, 64, 10, true, 5);
        Path ds = tmp.resolve("ds");
        assertEquals(0, launch(tmp.resolve("prep.log"), "prep-idx", "--input", idx.toString(), "--output", ds.toString()).code());
        List<String> train = new ArrayList<>(List.of("--master", "local[2]", "train", "--dataset", ds.toString(), "--depth", "8",
                "--splits", "2,0", "--epochs", "2", "--batch-size", "32", "--pad-to", "32", "--channels", "3",
                "--augment", "crop-flip", "--log-every", "0", "--val-limit", "64"));
        train.addAll(schedule);
        return killAndResumeTraining(tmp, train, killWhen, finished);
    }

    /**
     * The kill, resume and comparison of {@link #killAndResume} for the launcher arguments {@code given}. Every attempt
     * runs the same command line with {@code --if-exists resume}, as an orchestrator's retry does: the first starts the
     * run in an empty folder, the retry after the kill continues it.
     */
    private static JsonNode killAndResumeTraining(Path tmp, List<String> given, java.util.function.Predicate<JsonNode> killWhen,
                                                  List<String> finished) throws Exception {
        List<String> train = List.of(concat(given, "--if-exists", "resume"));

        Path whole = tmp.resolve("whole");
        Result straight = launch(tmp.resolve("whole.log"), concat(train, "--out", whole.toString()));
        assertEquals(0, straight.code(), straight.output());

        Path killed = tmp.resolve("killed");
        List<String> cmd = new ArrayList<>();
        cmd.add(IdxFixtures.repositoryRoot().resolve("submit/infopro").toString());
        cmd.addAll(List.of(concat(train, "--out", killed.toString())));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("killed.log").toFile());
        pb.environment().put("OMP_NUM_THREADS", "1");
        Process p = pb.start();
        Path meta = killed.resolve("checkpoint/checkpoint.json");
        boolean reached = false;
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (!reached && p.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(20);
            if (Files.exists(meta)) {
                try {
                    reached = killWhen.test(Json.mapper().readTree(Files.readString(meta)).get("position"));
                } catch (IOException | RuntimeException racingTheRename) {
                    reached = false;
                }
            }
        }
        p.destroyForcibly().waitFor(1, TimeUnit.MINUTES);
        assertTrue(reached, "the run ended before the kill point:\n" + Files.readString(tmp.resolve("killed.log")));
        JsonNode before = Json.mapper().readTree(Files.readString(meta)).get("position");
        assertFalse(before.get("finished").asBoolean(), "killed before the end");
        Map<String, byte[]> atKill = new java.util.HashMap<>();
        for (String module : finished) {
            atKill.put(module, Files.readAllBytes(killed.resolve("checkpoint/" + module + ".state")));
        }

        Result resumed = launch(tmp.resolve("resumed.log"), concat(train, "--out", killed.toString()));
        assertEquals(0, resumed.code(), resumed.output());
        assertTrue(resumed.output().contains("resuming from") || resumed.output().contains("finished in the checkpoint"),
                resumed.output());
        for (String module : finished) {
            String n = module.substring(module.indexOf('-') + 1);
            assertTrue(resumed.output().contains("module " + n + "/2: finished in the checkpoint, not retrained"), resumed.output());
            assertTrue(java.util.Arrays.equals(atKill.get(module), Files.readAllBytes(killed.resolve("checkpoint/" + module + ".state"))),
                    module + " was finished at the kill; the resumed run must not have changed it");
        }
        for (String module : List.of("module-1", "module-2")) {
            assertTrue(java.util.Arrays.equals(Files.readAllBytes(whole.resolve("checkpoint/" + module + ".state")),
                    Files.readAllBytes(killed.resolve("checkpoint/" + module + ".state"))),
                    module + ": the resumed run must end exactly where the uninterrupted one did");
        }
        assertEquals("ok", Json.mapper().readTree(Files.readString(killed.resolve("result.json"))).get("status").asText());
        return before;
    }

    private static String[] concat(List<String> head, String... tail) {
        List<String> all = new ArrayList<>(head);
        all.addAll(List.of(tail));
        return all.toArray(String[]::new);
    }
}
