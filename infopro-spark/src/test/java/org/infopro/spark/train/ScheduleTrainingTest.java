package org.infopro.spark.train;

import org.infopro.spark.config.TrainConfig;

import org.infopro.spark.config.ScheduleKind;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.infopro.data.config.ConfigException;
import org.infopro.data.io.Json;
import org.infopro.data.io.WriteMode;
import org.infopro.data.shard.InputTransform;
import org.infopro.data.testing.SparkSessions;
import org.infopro.spark.checkpoint.Checkpoint;
import org.infopro.spark.model.Hyper;
import org.infopro.spark.model.ModulePlan;
import org.infopro.spark.model.ResNetSpec;
import org.infopro.spark.module.ModuleStack;
import org.infopro.spark.module.ModuleState;
import org.infopro.spark.spill.SpillMode;
import org.infopro.spark.schedule.StaggeredReport;
import org.infopro.spark.spill.Precision;
import org.infopro.spark.spill.SpillCodec;
import org.infopro.spark.spill.SpillConfig;
import org.infopro.spark.spill.SpillFormat;
import org.infopro.spark.spill.SpillStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sequential and staggered schedules end to end in local Spark (ResNet-8, K = 2, 256 training images in
 * 4 steps of 64), each checked against the simultaneous schedule where the method says they must agree.
 */
class ScheduleTrainingTest {
    private static SparkSession spark;
    private static java.nio.file.Path dataset;

    @BeforeAll
    static void start(@TempDir java.nio.file.Path tmp) {
        spark = SparkSessions.local("ScheduleTrainingTest");
        dataset = TrainJobEndToEndTest.prepare(tmp, spark);
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    /** One epoch, no augmentation (so a spilled view is the image itself), validation on 64 images. */
    private static TrainConfig config(java.nio.file.Path out, ScheduleKind schedule, TrainConfig.Pipeline pipeline) {
        return builder(out, schedule, pipeline).build();
    }

    private static TrainConfig.Builder builder(java.nio.file.Path out, ScheduleKind schedule, TrainConfig.Pipeline pipeline) {
        return TrainJobEndToEndTest.config(dataset, out, WriteMode.OVERWRITE).toBuilder()
                .depth(8)
                .transform(new InputTransform(32, 3, InputTransform.Augment.NONE))
                .epochs(1)
                .valLimit(64)
                .logEvery(0)
                .schedule(schedule)
                .pipeline(pipeline);
    }

    private static TrainConfig.Pipeline pipeline(SpillMode mode, Precision precision, boolean keep, double waveFraction) {
        return new TrainConfig.Pipeline(mode, "", new SpillConfig(SpillFormat.BINARY, precision, SpillCodec.ZSTD), 1, keep,
                waveFraction);
    }

    private static ModuleStack.Setup setup(TrainConfig cfg) {
        ResNetSpec spec = new ResNetSpec(cfg.depth(), 32, 32, 3, 10);
        return new ModuleStack.Setup(spec, ModulePlan.plan(spec, cfg.splits(), cfg.effectiveLambda()),
                new Hyper(cfg.seed(), cfg.learningRate(), cfg.momentum(), cfg.weightDecay()), cfg.head());
    }

    private static List<ModuleState> finalState(TrainConfig cfg) {
        return Checkpoint.read(new Path(cfg.out(), "checkpoint"), setup(cfg), spark.sparkContext().hadoopConfiguration()).states();
    }

    private static void assertSameModule(ModuleState a, ModuleState b, String what) {
        assertArrayEquals(a.params(), b.params(), what + ": parameters");
        assertArrayEquals(a.updater(), b.updater(), what + ": momentum");
    }

    private static double maxAbsDiff(float[] a, float[] b) {
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs(a[i] - b[i]));
        }
        return d;
    }

    @Test
    void staggeredAtFp32TrainsEveryModuleBitForBitLikeTheSimultaneousSchedule(@TempDir java.nio.file.Path tmp) {
        TrainConfig simultaneous = config(tmp.resolve("simultaneous"), ScheduleKind.SIMULTANEOUS, TrainConfig.Pipeline.DEFAULT);
        TrainConfig staggered = config(tmp.resolve("staggered"), ScheduleKind.STAGGERED, pipeline(SpillMode.AUTO, Precision.FP32, false, 0.5));
        TrainJob.run(simultaneous, spark);
        TrainResult r = TrainJob.run(staggered, spark);

        // module 2 trains each chunk a wave after module 1, on exactly the outputs module 1's training forward passes made
        List<ModuleState> a = finalState(simultaneous);
        List<ModuleState> b = finalState(staggered);
        assertSameModule(a.get(0), b.get(0), "module 1");
        assertSameModule(a.get(1), b.get(1), "module 2");
        StaggeredReport p = r.pipeline();
        assertEquals(4, p.stepsPerEpoch());
        assertEquals(2, p.stepsPerWave());
        assertEquals(3, p.waves(), "2 chunks + K-1 = 1 wave to fill the pipeline");
        assertEquals(1, p.lagWaves());
        assertFalse(Files.exists(tmp.resolve("staggered/spill/waves")), "hand-off blocks are deleted after use");
        assertNotNull(r.testAccuracy());
        assertFalse(r.executors().isEmpty());
    }

    @Test
    void staggeredWithTwoReplicasPerModuleTrainsBitForBitLikeTheSimultaneousScheduleAveragedEveryWave(@TempDir java.nio.file.Path tmp)
            throws Exception {
        // 200 images in 2 replica shares of about 100: 4 full batches of 32 per epoch, so every replica wraps around its share;
        // waves of 2 steps, 2 epochs: 4 chunks, 5 waves
        TrainConfig simultaneous = builder(tmp.resolve("simultaneous"), ScheduleKind.SIMULTANEOUS, TrainConfig.Pipeline.DEFAULT)
                .limit(200).batchSize(32).epochs(2).transform(new InputTransform(32, 3, InputTransform.Augment.CROP_FLIP))
                .parallel(new TrainConfig.Parallel(2, 2, false)).build();
        TrainConfig staggered = builder(tmp.resolve("staggered"), ScheduleKind.STAGGERED, pipeline(SpillMode.AUTO, Precision.FP32, false, 0.5))
                .limit(200).batchSize(32).epochs(2).transform(new InputTransform(32, 3, InputTransform.Augment.CROP_FLIP))
                .parallel(new TrainConfig.Parallel(2, 0, false)).build();
        TrainJob.run(simultaneous, spark);
        TrainResult r = TrainJob.run(staggered, spark);

        // replica r of module k sees replica r's batches of the simultaneous run, and both average at the same steps
        List<ModuleState> a = finalState(simultaneous);
        List<ModuleState> b = finalState(staggered);
        assertSameModule(a.get(0), b.get(0), "module 1");
        assertSameModule(a.get(1), b.get(1), "module 2");
        assertEquals(a.get(1).iterations(), b.get(1).iterations(), "module 2: steps trained");
        StaggeredReport p = r.pipeline();
        assertEquals(2, p.replicas());
        assertEquals(4, p.stepsPerEpoch(), "the largest replica's share in full batches");
        assertEquals(2, p.stepsPerWave());
        assertEquals(5, p.waves(), "4 chunks + K-1 = 1 wave to fill the pipeline");
        JsonNode pipeline = Json.mapper().readTree(Files.readString(tmp.resolve("staggered").resolve(TrainJob.RESULT))).get("pipeline");
        assertEquals(4, pipeline.get("tasks_per_wave").asInt(), "K x R = 2 x 2 tasks in every wave's job");
        assertEquals(4, pipeline.get("peak_training_tasks").asInt(), "with the pipeline full, all K x R tasks train");
        double busy = pipeline.get("module_busy_fraction").asDouble();
        assertTrue(busy > 0 && busy <= 1, "busy fraction over K x R tasks: " + busy);
        assertEquals(2, Checkpoint.read(new Path(staggered.out(), "checkpoint"), setup(staggered), spark.sparkContext().hadoopConfiguration())
                .position().replicas(), "the checkpoint records the replicas a resume must match");
        assertFalse(Files.exists(tmp.resolve("staggered/spill/waves")), "hand-off blocks are deleted after use");

        // a resume with another replica count is refused, naming both (the checkpoint made unfinished so the check is reached)
        java.nio.file.Path meta = tmp.resolve("staggered").resolve("checkpoint").resolve(Checkpoint.META);
        com.fasterxml.jackson.databind.node.ObjectNode saved = (com.fasterxml.jackson.databind.node.ObjectNode) Json.mapper()
                .readTree(Files.readString(meta));
        ((com.fasterxml.jackson.databind.node.ObjectNode) saved.get("position")).put("finished", false);
        Files.writeString(meta, Json.mapper().writeValueAsString(saved));
        Files.deleteIfExists(meta.resolveSibling("." + Checkpoint.META + ".crc")); // Hadoop's checksum of the old bytes
        ConfigException other = assertThrows(ConfigException.class, () -> TrainJob.run(staggered.toBuilder()
                .parallel(new TrainConfig.Parallel(1, 0, true)).mode(WriteMode.ERROR).build(), spark));
        assertTrue(other.getMessage().contains("made with 2 replicas and 4 steps per epoch, this run has 1 and 7"), other.getMessage());
    }

    @Test
    void staggeredAtFp16StaysCloseToTheSimultaneousSchedule(@TempDir java.nio.file.Path tmp) {
        TrainConfig simultaneous = config(tmp.resolve("simultaneous"), ScheduleKind.SIMULTANEOUS, TrainConfig.Pipeline.DEFAULT);
        TrainConfig staggered = config(tmp.resolve("staggered"), ScheduleKind.STAGGERED, pipeline(SpillMode.AUTO, Precision.FP16, true, 0.25));
        TrainJob.run(simultaneous, spark);
        TrainJob.run(staggered, spark);
        List<ModuleState> a = finalState(simultaneous);
        List<ModuleState> b = finalState(staggered);
        assertSameModule(a.get(0), b.get(0), "module 1 (reads images, not hand-offs)");
        double d = maxAbsDiff(a.get(1).params(), b.get(1).params());
        assertTrue(d > 0 && d < 1e-2, "module 2 trained on fp16-rounded hand-offs differs a little: " + d);
        assertTrue(Files.exists(tmp.resolve("staggered/spill/waves")), "--keep-spill keeps the hand-off blocks");
    }

    @Test
    void sequentialSpillAndRecomputeTrainTheSameModules(@TempDir java.nio.file.Path tmp) {
        // spilled records are read in key-hash partitions, streamed images in chunk windows: the two modes order an
        // epoch differently, so each epoch here is one step of all 256 images, where only float summation order differs
        TrainConfig simultaneous = builder(tmp.resolve("simultaneous"), ScheduleKind.SIMULTANEOUS, TrainConfig.Pipeline.DEFAULT)
                .batchSize(256).build();
        TrainConfig spill = builder(tmp.resolve("spill"), ScheduleKind.SEQUENTIAL, pipeline(SpillMode.SPILL, Precision.FP32, true, 0.25))
                .batchSize(256).build();
        TrainConfig recompute = builder(tmp.resolve("recompute"), ScheduleKind.SEQUENTIAL,
                pipeline(SpillMode.RECOMPUTE, Precision.FP32, false, 0.25)).batchSize(256).build();
        TrainJob.run(simultaneous, spark);
        TrainResult rs = TrainJob.run(spill, spark);
        TrainResult rr = TrainJob.run(recompute, spark);

        List<ModuleState> a = finalState(simultaneous);
        List<ModuleState> s = finalState(spill);
        List<ModuleState> c = finalState(recompute);
        assertSameModule(a.get(0), s.get(0), "module 1 trains on images as in the simultaneous schedule");
        assertSameModule(s.get(0), c.get(0), "module 1");
        // module 2 reads module 1's frozen outputs: spilled once at fp32 or recomputed per batch, the same numbers
        double d = maxAbsDiff(s.get(1).params(), c.get(1).params());
        assertTrue(d < 1e-4, "module 2 from the spill vs recomputed: max |difference| " + d);
        assertTrue(maxAbsDiff(a.get(1).params(), s.get(1).params()) > 1e-4,
                "module 2 of the sequential schedule learns from the finished module 1, unlike the simultaneous one");

        assertEquals(SpillMode.SPILL, rs.plan().chosen());
        assertEquals(SpillMode.RECOMPUTE, rr.plan().chosen());
        assertEquals(2, rs.stages().size());
        // 256 training + 64 validation outputs of 32x16x16 at fp32, zstd-compressed (about half are ReLU zeros)
        long raw = SpillStore.estimateBytes(320, new org.infopro.spark.spill.SpillLayout(new int[]{32, 16, 16}, Precision.FP32,
                new int[]{3, 32, 32}));
        long written = rs.stages().get(0).spillBytes();
        assertTrue(written > raw / 10 && written < raw, written + " bytes written against " + raw + " uncompressed");
        assertEquals(0, rr.spillBytes());
        Path kept = new Path(tmp.resolve("spill/spill/module-1/train").toString());
        assertEquals(256, SpillStore.meta(kept, spark.sparkContext().hadoopConfiguration()).stats().records());
        assertFalse(Files.exists(tmp.resolve("recompute/spill/module-1")));
        assertNotNull(rs.testAccuracy());
    }

    @Test
    void sequentialSpillsSeveralAugmentedViewsOfEveryTrainingImage(@TempDir java.nio.file.Path tmp) {
        TrainConfig c = builder(tmp.resolve("run"), ScheduleKind.SEQUENTIAL, new TrainConfig.Pipeline(SpillMode.SPILL, "",
                new SpillConfig(SpillFormat.PARQUET, Precision.FP16, SpillCodec.SNAPPY), 2, true, 0.25))
                .transform(new InputTransform(32, 3, InputTransform.Augment.CROP_FLIP))
                .epochs(2)
                .build();
        TrainJob.run(c, spark);
        var conf = spark.sparkContext().hadoopConfiguration();
        Path train = new Path(tmp.resolve("run/spill/module-1/train").toString());
        assertEquals(512, SpillStore.meta(train, conf).stats().records(), "2 views of 256 training images");
        assertEquals(64, SpillStore.meta(new Path(tmp.resolve("run/spill/module-1/validation").toString()), conf).stats().records());
        List<org.infopro.spark.spill.SpillRecord> records = SpillStore.read(spark, train).collect();
        java.util.Map<String, java.util.Map<Integer, byte[]>> byKey = new java.util.HashMap<>();
        for (var r : records) {
            byKey.computeIfAbsent(r.key(), k -> new java.util.HashMap<>()).put(r.view(), r.activation());
        }
        assertEquals(256, byKey.size());
        long differ = byKey.values().stream().filter(v -> !java.util.Arrays.equals(v.get(0), v.get(1))).count();
        assertTrue(differ > 200, "each view draws its own crop and flip: " + differ + " of 256 images differ between views");
    }

    @Test
    void sequentialDeletesEachSpillOnceTheNextModuleNoLongerNeedsIt(@TempDir java.nio.file.Path tmp) throws Exception {
        // λ = (5, 0): module 1 has a decoder and no classifier, so its validation has no accuracy to report
        TrainConfig c = builder(tmp.resolve("run"), ScheduleKind.SEQUENTIAL, pipeline(SpillMode.SPILL, Precision.FP16, false, 0.25))
                .lambda(new org.infopro.spark.loss.LambdaSchedule(5, 0, 0, 0))
                .build();
        TrainResult r = TrainJob.run(c, spark);
        assertTrue(r.spillBytes() > 0);
        assertFalse(Files.exists(tmp.resolve("run/spill/module-1")), "the spill of module 1 is gone after module 2 trained");
        List<String> lines = java.nio.file.Files.readAllLines(tmp.resolve("run/metrics.jsonl"));
        assertEquals(2, lines.size(), "one epoch of each module");
        assertTrue(lines.get(0).contains("\"stage\":\"module 1/2\"") && lines.get(1).contains("\"stage\":\"module 2/2\""), lines.toString());
    }
}
