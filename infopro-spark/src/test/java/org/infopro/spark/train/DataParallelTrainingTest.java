package org.infopro.spark.train;

import org.infopro.data.shard.ImageStream;
import org.infopro.spark.metrics.TaskStats;
import org.infopro.spark.schedule.ReplicaAverage;
import org.infopro.spark.task.RoundTask;

import org.infopro.spark.schedule.ReplicaAverage;
import org.infopro.spark.config.TrainConfig;
import org.infopro.spark.task.RoundTask;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.infopro.data.config.ConfigException;
import org.infopro.data.io.Status;
import org.infopro.data.io.WriteMode;
import org.infopro.data.testing.SparkSessions;
import org.infopro.spark.checkpoint.Checkpoint;
import org.infopro.spark.model.Hyper;
import org.infopro.spark.model.ModulePlan;
import org.infopro.spark.model.ResNetSpec;
import org.infopro.spark.module.ModuleStack;
import org.infopro.spark.module.ModuleState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Data-parallel training of the simultaneous schedule: replicas as Spark tasks, averaged by the driver every
 * few steps, checkpointed every round, resumable.
 */
class DataParallelTrainingTest {
    private static SparkSession spark;
    private static java.nio.file.Path dataset;

    @BeforeAll
    static void start(@TempDir java.nio.file.Path tmp) {
        spark = SparkSessions.local("DataParallelTrainingTest");
        dataset = TrainJobEndToEndTest.prepare(tmp, spark);
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private static TrainConfig config(java.nio.file.Path ds, java.nio.file.Path out, int epochs, int depth,
                                      TrainConfig.Parallel parallel) {
        return TrainJobEndToEndTest.config(dataset, out, parallel.resume() ? WriteMode.ERROR : WriteMode.OVERWRITE).toBuilder()
                .depth(depth)
                .epochs(epochs)
                .valLimit(64)
                .logEvery(0)
                .parallel(parallel)
                .build();
    }

    private static ModuleStack.Setup setup(TrainConfig cfg) {
        ResNetSpec spec = new ResNetSpec(cfg.depth(), 32, 32, 3, 10);
        return new ModuleStack.Setup(spec, ModulePlan.plan(spec, cfg.splits(), cfg.effectiveLambda()),
                new Hyper(cfg.seed(), cfg.learningRate(), cfg.momentum(), cfg.weightDecay()), cfg.head());
    }

    private static List<ModuleState> finalState(TrainConfig cfg) {
        return Checkpoint.read(new Path(cfg.out(), "checkpoint"), setup(cfg), spark.sparkContext().hadoopConfiguration()).states();
    }

    private static void assertSameStates(List<ModuleState> a, List<ModuleState> b) {
        assertEquals(a.size(), b.size());
        for (int m = 0; m < a.size(); m++) {
            assertArrayEquals(a.get(m).params(), b.get(m).params(), "module " + (m + 1) + " parameters");
            assertArrayEquals(a.get(m).updater(), b.get(m).updater(), "module " + (m + 1) + " momentum");
        }
    }

    @Test
    void oneReplicaGivesBitIdenticalModulesWhateverTheRoundSize(@TempDir java.nio.file.Path tmp) {
        TrainConfig whole = config(dataset, tmp.resolve("whole"), 1, 8, new TrainConfig.Parallel(1, 0, false));
        TrainConfig rounds = config(dataset, tmp.resolve("rounds"), 1, 8, new TrainConfig.Parallel(1, 1, false));
        TrainJob.run(whole, spark);
        TrainJob.run(rounds, spark);
        // 256 images / batch 64 = 4 steps: one round against four, each with a rebuild, reload and checkpoint
        assertSameStates(finalState(whole), finalState(rounds));
    }

    @Test
    void twoReplicasTrainDeterministicallyAndLearn(@TempDir java.nio.file.Path tmp) throws Exception {
        TrainConfig a = config(dataset, tmp.resolve("a"), 3, 8, new TrainConfig.Parallel(2, 1, false));
        TrainConfig b = config(dataset, tmp.resolve("b"), 3, 8, new TrainConfig.Parallel(2, 1, false));
        TrainResult ra = TrainJob.run(a, spark);
        TrainJob.run(b, spark);
        assertEquals(Status.OK, ra.status());
        assertSameStates(finalState(a), finalState(b));
        List<String> lines = Files.readAllLines(tmp.resolve("a/metrics.jsonl"));
        assertEquals(3, lines.size());
        double first = lastModuleLoss(lines.get(0));
        double last = lastModuleLoss(lines.get(2));
        assertTrue(last < first, "the averaged replicas' training loss must fall: " + first + " -> " + last);
        String meta = Files.readString(tmp.resolve("a/checkpoint/checkpoint.json"));
        assertTrue(meta.contains("\"replicas\" : 2") && meta.contains("\"epoch\" : 3"), meta);
        // every replica runs the same number of full batches of 64 (wrapping around its share of the 256 images)
        long images = ra.lastEpoch().train().images();
        assertTrue(images >= 256 && images % (2 * 64) == 0, "images per epoch: " + images);
        // the replicas were averaged by Spark's reduce-scatter: a shuffle every round, bytes to the driver in result.json
        assertEquals(ra.rounds(), ra.sync().rounds(), "every round synchronised");
        assertTrue(ra.sync().shuffleBytesPerRound() > 0 && ra.sync().driverBytesPerRound() > 0, ra.sync().toString());
        String result = Files.readString(tmp.resolve("a/result.json"));
        assertTrue(result.contains("\"driver_bytes_per_round\"") && result.contains("\"shuffle_bytes_per_round\""), result);
    }

    private static double lastModuleLoss(String metricsLine) throws Exception {
        var modules = org.infopro.data.io.Json.mapper().readTree(metricsLine).get("train").get("modules");
        return modules.get(modules.size() - 1).get("mean_loss").asDouble();
    }

    @Test
    void theDriverAveragesParametersAndMomentumElementWise() {
        RoundTask.Outcome r0 = new RoundTask.Outcome(0, List.of(new ModuleState(0, new float[]{1, 2}, new float[]{0.5f}, 7, 0)),
                new TaskStats(64, 1, new long[1], new double[1], 0, null, 0, ImageStream.Stats.NONE));
        RoundTask.Outcome r1 = new RoundTask.Outcome(1, List.of(new ModuleState(0, new float[]{3, -2}, new float[]{1.5f}, 7, 0)),
                new TaskStats(64, 1, new long[1], new double[1], 0, null, 0, ImageStream.Stats.NONE));
        List<ModuleState> mean = ReplicaAverage.of(List.of(r1, r0));
        assertArrayEquals(new float[]{2, 0}, mean.get(0).params());
        assertArrayEquals(new float[]{1}, mean.get(0).updater());
        assertEquals(7, mean.get(0).iterations());
        RoundTask.Outcome behind = new RoundTask.Outcome(1, List.of(new ModuleState(0, new float[]{3, -2}, new float[]{1.5f}, 6, 0)),
                new TaskStats(64, 1, new long[1], new double[1], 0, null, 0, ImageStream.Stats.NONE));
        assertThrows(IllegalStateException.class, () -> ReplicaAverage.of(List.of(r0, behind)));
    }

    @Test
    void resumeRefusesAnotherArchitectureAndAFinishedRun(@TempDir java.nio.file.Path tmp) {
        TrainConfig done = config(dataset, tmp.resolve("run"), 1, 8, new TrainConfig.Parallel(1, 2, false));
        TrainJob.run(done, spark);
        ConfigException other = assertThrows(ConfigException.class,
                () -> TrainJob.run(config(dataset, tmp.resolve("run"), 2, 14, new TrainConfig.Parallel(1, 2, true)), spark));
        assertTrue(other.getMessage().contains("another architecture") && other.getMessage().contains("depth"), other.getMessage());
        ConfigException finished = assertThrows(ConfigException.class,
                () -> TrainJob.run(config(dataset, tmp.resolve("run"), 1, 8, new TrainConfig.Parallel(1, 2, true)), spark));
        assertTrue(finished.getMessage().contains("already finished"), finished.getMessage());
        TrainResult more = TrainJob.run(config(dataset, tmp.resolve("run"), 2, 8, new TrainConfig.Parallel(1, 2, true)), spark);
        assertEquals(Status.OK, more.status());
        assertEquals(2, more.lastEpoch().epoch(), "the resumed run trained epoch 2 only");
        assertFalse(finalState(done).isEmpty());
    }
}
