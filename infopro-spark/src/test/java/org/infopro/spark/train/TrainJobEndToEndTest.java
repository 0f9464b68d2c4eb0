package org.infopro.spark.train;

import org.infopro.spark.config.LrSchedule;

import org.infopro.spark.config.TrainConfig;

import org.infopro.spark.config.ScheduleKind;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.infopro.data.config.ConfigException;
import org.infopro.data.io.Json;
import org.infopro.data.io.Status;
import org.infopro.data.io.WriteMode;
import org.infopro.data.prep.IdxDataset;
import org.infopro.data.prep.IdxPrepConfig;
import org.infopro.data.prep.IdxPrepJob;
import org.infopro.data.shard.InputTransform;
import org.infopro.data.testing.IdxFixtures;
import org.infopro.data.testing.SparkSessions;
import org.infopro.spark.loss.LambdaSchedule;
import org.infopro.spark.loss.LossMode;
import org.infopro.spark.metrics.ProcessMemory;
import org.infopro.spark.metrics.ProgressListener;
import org.infopro.spark.model.AuxNet;
import org.infopro.spark.model.SplitPoint;
import org.infopro.spark.runtime.GpuBinding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Prep, then train two InfoPro modules for a few steps inside Spark, and check every output. */
class TrainJobEndToEndTest {
    private static SparkSession spark;
    private static Path dataset;

    @BeforeAll
    static void start(@TempDir Path tmp) {
        spark = SparkSessions.local("TrainJobEndToEndTest");
        dataset = prepare(tmp, spark);
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    /**
     * A 512-image slice of real Fashion-MNIST when it is cached, else a generated IDX set; says which. A full
     * prep job: call it once per test class ({@code @BeforeAll}) and share the dataset, which no test changes.
     */
    static Path prepare(Path tmp, SparkSession spark) {
        Path idx = IdxFixtures.cachedFashionMnist();
        IdxDataset name = IdxDataset.FASHION_MNIST;
        if (idx == null) {
            idx = tmp.resolve("generated-idx");
            IdxFixtures.writeDataset(idx, 512, 512, 10, true, 11);
            System.out.println("TrainJobEndToEndTest: real Fashion-MNIST is not cached (submit/fetch-fashion-mnist.sh); "
                    + "using a generated IDX set");
        } else {
            System.out.println("TrainJobEndToEndTest: using a 512-image slice of real Fashion-MNIST from " + idx);
        }
        Path ds = tmp.resolve("dataset");
        IdxPrepJob.run(new IdxPrepConfig(idx.toString(), ds.toString(), name, 2, 0, 512, WriteMode.ERROR,
                IdxPrepConfig.Compression.SNAPPY), spark);
        return ds;
    }

    static TrainConfig config(Path ds, Path out, WriteMode mode) {
        return TrainConfig.builder(ds.toString(), out.toString())
                .schedule(ScheduleKind.SIMULTANEOUS)
                .depth(8)
                .splits(SplitPoint.parseList("2,0"))
                .loss(LossMode.INFOPRO_SOFTMAX)
                .auxNet(AuxNet.C1F2)
                .lambda(new LambdaSchedule(5, 1, 0, 0))
                .transform(new InputTransform(32, 3, InputTransform.Augment.CROP_FLIP))
                .epochs(2)
                .batchSize(64)
                .learningRate(0.05)
                .lrSchedule(LrSchedule.COSINE_STEP)
                .warmupEpochs(0)
                .momentum(0.9)
                .weightDecay(1e-4)
                .seed(0)
                .limit(256)
                .valLimit(256)
                .threads(1)
                .logEvery(2)
                .mode(mode)
                .build();
    }

    @Test
    void trainsTwoModulesInsideSparkAndWritesCompleteOutputs(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("run");
        TrainResult r;
        List<String> progress;
        try (LogLines log = LogLines.of(ProgressListener.class)) {
            r = TrainJob.run(config(dataset, out, WriteMode.ERROR), spark);
            progress = log.lines();
        }
        assertEquals(Status.OK, r.status());

        JsonNode result = Json.mapper().readTree(Files.readString(out.resolve(TrainJob.RESULT)));
        assertEquals("ok", result.get("status").asText());
        double acc = result.get("test_accuracy").asDouble();
        assertTrue(acc >= 0 && acc <= 1, "accuracy " + acc);
        JsonNode last = result.get("last_epoch");
        assertEquals(256, last.get("validation").get("images").asLong());
        assertEquals(2, last.get("validation").get("modules").size());
        JsonNode m1 = last.get("validation").get("modules").get(0);
        for (String f : List.of("accuracy", "top5_accuracy", "cross_entropy", "reconstruction_bce")) {
            assertTrue(Double.isFinite(m1.get(f).asDouble()), "module 1 " + f);
        }
        assertTopFive(result, "test_accuracy", "test_top5_accuracy", "result.json");
        assertEquals(result.get("test_top5_accuracy").asDouble(), last.get("validation").get("test_top5_accuracy").asDouble());
        assertTopFiveOfEveryHead(last.get("validation"), "result.json last_epoch");
        JsonNode train = last.get("train");
        assertEquals(256, train.get("images").asLong());
        assertEquals(4, train.get("steps").asLong());
        for (JsonNode m : train.get("modules")) {
            assertTrue(Double.isFinite(m.get("mean_loss").asDouble()) && m.get("images_per_s").asDouble() > 0, m.toString());
        }
        JsonNode ips = result.get("images_per_s");
        assertEquals(2, ips.get("modules").size());
        for (JsonNode v : List.of(ips.get("end_to_end"), ips.get("modules").get(0), ips.get("modules").get(1))) {
            assertTrue(Double.isFinite(v.asDouble()) && v.asDouble() > 0, ips.toString());
        }
        for (String k : List.of("setup", "train", "validation", "total")) {
            assertTrue(result.get("timings_s").get(k).asDouble() > 0, k);
        }
        assertTrue(result.get("native_runtime").asText().contains("oneDNN active"), result.get("native_runtime").asText());

        List<String> lines = Files.readAllLines(out.resolve(TrainJob.METRICS));
        assertEquals(2, lines.size());
        assertEquals(1, Json.mapper().readTree(lines.get(0)).get("epoch").asInt());
        for (String line : lines) {
            assertTopFiveOfEveryHead(Json.mapper().readTree(line).get("validation"), "metrics.jsonl " + line);
        }
        // 10 classes: every epoch's progress line shows each head's top-5 after its top-1
        List<String> epochLines = progress.stream().filter(l -> l.contains(" epoch ")).toList();
        assertEquals(2, epochLines.size(), progress.toString());
        for (String l : epochLines) {
            assertTrue(l.matches(".*module-1 acc [0-9.]+ top5 [0-9.]+ .*module-2 acc [0-9.]+ top5 [0-9.]+ .*"), l);
        }

        Path ckpt = out.resolve(TrainJob.CHECKPOINT);
        JsonNode meta = Json.mapper().readTree(Files.readString(ckpt.resolve("checkpoint.json")));
        assertEquals(2, meta.get("epochs_completed").asInt());
        assertEquals(8, meta.get("config").get("depth").asInt());
        assertEquals("[2,0]", meta.get("config").get("splits").asText());
        assertEquals(64, meta.get("architecture_sha256").asText().length());
        // each module once, as the exact state a resume loads; the DL4J model is the final export below
        assertEquals("[\"module-1.state\",\"module-2.state\"]", meta.get("modules").toString());
        try (Stream<Path> files = Files.list(ckpt)) {
            assertEquals(List.of("checkpoint.json", "module-1.state", "module-2.state"),
                    files.map(f -> f.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().toList());
        }
        try (Stream<Path> siblings = Files.list(out)) {
            assertEquals(List.of(), siblings.map(f -> f.getFileName().toString()).filter(n -> n.startsWith(".checkpoint")).toList(),
                    "neither the staging folder nor a moved-aside checkpoint is left beside " + ckpt);
        }
        ComputationGraph model = ModelSerializer.restoreComputationGraph(new File(out.resolve(TrainJob.MODEL).toString()), false);
        assertEquals(List.of("out"), model.getConfiguration().getNetworkOutputs(), "the inference model has no auxiliary heads");

        // loaded back and evaluated on the same 256 test images, the exported model scores what training validated
        EvaluateJob.Result eval = EvaluateJob.run(new EvaluateConfig(out.toString(), "", "test", 256, 1), spark);
        assertEquals(256, eval.images());
        assertEquals(acc, eval.accuracy(), 1e-9);
        assertEquals(result.get("test_top5_accuracy").asDouble(), eval.top5Accuracy(), 1e-9);
        assertTopFive(Json.mapper().valueToTree(eval), "accuracy", "top5_accuracy", "evaluate output");
        assertEquals(last.get("validation").get("test_loss").asDouble(), eval.crossEntropy(), 1e-4);
        // ... and writes what it printed into the run folder, where an orchestrator reads it in cluster modes
        JsonNode written = Json.mapper().readTree(Files.readString(out.resolve("evaluate-test.json")));
        assertEquals("ok", written.get("status").asText());
        assertEquals(eval.accuracy(), written.get("accuracy").asDouble(), 0);

        // a refused evaluation says so in its result file too
        Path refusedFile = tmp.resolve("refused.json");
        ConfigException noModel = assertThrows(ConfigException.class, () -> EvaluateJob.run(new EvaluateConfig(tmp.toString(), "",
                "test", 256, 1, null, refusedFile.toString()), spark));
        JsonNode refused = Json.mapper().readTree(Files.readString(refusedFile));
        assertEquals("invalid", refused.get("status").asText());
        assertEquals(noModel.getMessage(), refused.get("error").asText());
    }

    /** {@code top5} is present, finite, in [0, 1] and at least {@code top1}. */
    private static void assertTopFive(JsonNode node, String top1, String top5, String where) {
        assertTrue(node.has(top5) && node.get(top5).isNumber(), top5 + " missing in " + where + ": " + node);
        double t1 = node.get(top1).asDouble();
        double t5 = node.get(top5).asDouble();
        assertTrue(Double.isFinite(t5) && t5 >= 0 && t5 <= 1, top5 + " " + t5 + " in " + where);
        assertTrue(t5 >= t1, top5 + " " + t5 + " below " + top1 + " " + t1 + " in " + where);
    }

    /** The network's test top-5 and every module head's top-5 in a validation object of metrics.jsonl or result.json. */
    private static void assertTopFiveOfEveryHead(JsonNode validation, String where) {
        assertTopFive(validation, "test_accuracy", "test_top5_accuracy", where);
        assertEquals(2, validation.get("modules").size(), where);
        for (JsonNode m : validation.get("modules")) {
            assertTopFive(m, "accuracy", "top5_accuracy", where + " module " + m.get("module"));
        }
    }

    @Test
    void evaluatingARunTrainedOnCropsScoresWhatItsValidationDid(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("run");
        // trained on random-resized 24x24 crops of the 28x28 images, validated on centre crops of the 27-pixel resize
        TrainConfig cfg = TrainConfig.fromArgs(new String[]{"--dataset", dataset.toString(), "--out", out.toString(),
                "--depth", "8", "--splits", "2,0", "--augment", "random-resized-crop", "--crop", "24", "--epochs", "1",
                "--batch-size", "64", "--lr", "0.05", "--limit", "256", "--val-limit", "256", "--threads", "1",
                "--log-every", "0"});
        assertEquals(Status.OK, TrainJob.run(cfg, spark).status());
        JsonNode validation = Json.mapper().readTree(Files.readString(out.resolve(TrainJob.RESULT))).get("last_epoch").get("validation");

        EvaluateJob.Result eval;
        List<String> bindings;
        try (LogLines gpu = LogLines.of(GpuBinding.class)) {
            eval = EvaluateJob.run(new EvaluateConfig(out.toString(), "", "test", 256, 1), spark);
            bindings = gpu.lines();
        }
        assertEquals(256, eval.images());
        assertEquals(validation.get("test_accuracy").asDouble(), eval.accuracy(), 1e-9);
        assertEquals(validation.get("test_top5_accuracy").asDouble(), eval.top5Accuracy(), 1e-9);
        assertEquals(validation.get("test_loss").asDouble(), eval.crossEntropy(), 1e-4);
        assertFalse(bindings.isEmpty(), "each evaluate task binds its GPU (none here) first, as every other task does");
    }

    @Test
    void aFolderThatHoldsNoRunIsNeverDeletedWhateverIfExistsSays(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("run");
        Files.createDirectories(out);
        Files.writeString(out.resolve("something"), "x");
        ConfigException e = assertThrows(ConfigException.class, () -> TrainJob.run(config(dataset, out, WriteMode.ERROR), spark));
        assertTrue(e.getMessage().contains("already exists and is not empty"), e.getMessage());
        for (WriteMode retrySafe : List.of(WriteMode.SKIP_OK, WriteMode.RESUME)) {
            ConfigException notARun = assertThrows(ConfigException.class, () -> TrainJob.run(config(dataset, out, retrySafe), spark));
            assertTrue(notARun.getMessage().contains("holds no run"), notARun.getMessage());
        }
        assertEquals(List.of("something"), names(out), "refusals leave the folder as it was, and write no result.json into it");
        ConfigException both = assertThrows(ConfigException.class, () -> config(dataset, out, WriteMode.OVERWRITE).toBuilder()
                .parallel(new TrainConfig.Parallel(1, 0, true)).build());
        assertTrue(both.getMessage().contains("--resume true continues the run in --out, but --if-exists overwrite would not"),
                both.getMessage());
    }

    @Test
    void theSameRetrySafeCommandStartsARunKeepsItOnceOkRedoesAFailedOneAndRefusesOtherOptions(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("run");
        Path result = out.resolve(TrainJob.RESULT);
        for (WriteMode mode : List.of(WriteMode.SKIP_OK, WriteMode.RESUME)) {
            TrainConfig cfg = config(dataset, out, mode).toBuilder().epochs(1).limit(128).valLimit(64).build();
            // a first attempt: nothing there yet, so the run starts
            TrainResult first = TrainJob.run(cfg, spark);
            assertEquals(Status.OK, first.status(), mode.label());
            String ok = Files.readString(result);
            assertTrue(ok.contains("\"config_hash\" : \"" + first.configHash() + "\""), ok);

            // a retry after success: kept as it is
            assertEquals(Status.SKIPPED, TrainJob.run(cfg, spark).status(), mode.label());
            assertEquals(ok, Files.readString(result), "a skip leaves the finished run's result.json as it was");

            // the same --out with other options is another run, never replaced by a retry-safe mode
            ConfigException other = assertThrows(ConfigException.class, () -> TrainJob.run(cfg.toBuilder().seed(1).build(), spark));
            assertTrue(other.getMessage().contains("seed: 0 -> 1"), other.getMessage());
            assertEquals(ok, Files.readString(result));

            // what a failed attempt leaves: a result.json that says failed, beside a checkpoint with nothing left to
            // resume (a kill between the last checkpoint and result.json); an unfinished one is resumed (LauncherIT, fault tier)
            Files.deleteIfExists(out.resolve("." + TrainJob.RESULT + ".crc")); // Hadoop's checksum of the bytes before this edit
            Files.writeString(result, ok.replace("\"status\" : \"ok\"", "\"status\" : \"failed\""));
            TrainResult redone = TrainJob.run(cfg, spark);
            assertEquals(Status.OK, redone.status(), mode.label() + ": a failed run is redone, not reported as success");
            assertEquals(first.testAccuracy(), redone.testAccuracy(), "redone from the start, it ends where the first attempt did");
            assertEquals("ok", Json.mapper().readTree(Files.readString(result)).get("status").asText());
            deleteTree(out);
        }
    }

    private static List<String> names(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static void deleteTree(Path dir) throws Exception {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @Test
    void anInputRefusedDuringTheRunIsRecordedAsInvalid(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("run");
        // 4 images cannot feed 8 replicas: found only once the training split is planned, inside the run
        TrainConfig cfg = config(dataset, out, WriteMode.ERROR).toBuilder().limit(4).parallel(new TrainConfig.Parallel(8, 0, false)).build();
        ConfigException e = assertThrows(ConfigException.class, () -> TrainJob.run(cfg, spark));
        assertTrue(e.getMessage().contains("fewer than the 8 tasks to share them; use fewer --replicas"), e.getMessage());
        JsonNode result = Json.mapper().readTree(Files.readString(out.resolve(TrainJob.RESULT)));
        assertEquals("invalid", result.get("status").asText());
        assertEquals(e.getMessage(), result.get("error").asText());
    }

    @Test
    void resultRecordsTheDriversPeakResidentMemoryCoveringWhatTheRunHeld(@TempDir Path tmp) throws Exception {
        assumeTrue(Files.isReadable(Path.of("/proc/self/status")), "VmHWM and VmRSS come from Linux /proc/self/status");
        // VmHWM never falls, so the run's peak is at least what was resident before it
        long before = ProcessMemory.residentBytes();
        Path out = tmp.resolve("run");
        TrainJob.run(config(dataset, out, WriteMode.ERROR), spark);

        JsonNode result = Json.mapper().readTree(Files.readString(out.resolve(TrainJob.RESULT)));
        assertTrue(result.get("driver_peak_rss_bytes").isNumber(), "driver_peak_rss_bytes in " + result);
        long peak = result.get("driver_peak_rss_bytes").asLong();
        assertTrue(peak >= before, "peak " + peak + " below the " + before + " bytes resident before the run");
        // in local mode the tasks ran in this JVM: their ND4J memory was resident here, and each executor peak
        // (read when its task ended) cannot exceed the peak read after the run
        long nd4j = result.get("peak_memory_bytes").asLong();
        assertTrue(nd4j > 0 && peak > nd4j, "peak RSS " + peak + " must exceed the ND4J peak " + nd4j);
        for (JsonNode e : result.get("executors")) {
            assertTrue(e.get("process_peak_rss_bytes").asLong() <= peak, e + " against " + peak);
        }
        long machine = Long.parseLong(Files.readAllLines(Path.of("/proc/meminfo")).get(0).replaceAll("[^0-9]", "")) * 1024;
        assertTrue(peak < machine, "peak " + peak + " above the machine's " + machine + " bytes");
        // the heap after collections: within -Xmx, and resident, so below the RSS peak
        JsonNode heap = result.get("driver_heap");
        assertTrue(heap.get("max_bytes").asLong() > 0, heap.toString());
        if (heap.get("collections").asLong() > 0) {
            long live = heap.get("after_gc_peak_bytes").asLong();
            assertTrue(live > 0 && live <= heap.get("max_bytes").asLong() && live < peak, heap + " against RSS " + peak);
        } else {
            assertTrue(heap.get("after_gc_peak_bytes").isNull(), heap.toString());
        }
    }

    @Test
    void missingDatasetNamesTheFix(@TempDir Path tmp) {
        ConfigException e = assertThrows(ConfigException.class,
                () -> TrainJob.run(config(tmp.resolve("nowhere"), tmp.resolve("run"), WriteMode.ERROR), spark));
        assertTrue(e.getMessage().contains("not a prepared dataset"), e.getMessage());
        assertTrue(e.getMessage().contains("prep-idx"), e.getMessage());
    }
}
