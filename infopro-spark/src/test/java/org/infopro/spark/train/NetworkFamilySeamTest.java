package org.infopro.spark.train;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.infopro.data.io.Json;
import org.infopro.data.io.Status;
import org.infopro.data.io.WriteMode;
import org.infopro.data.shard.BatchAssembler;
import org.infopro.data.shard.DatasetManifest;
import org.infopro.data.testing.SparkSessions;
import org.infopro.spark.checkpoint.Checkpoint;
import org.infopro.spark.config.ScheduleKind;
import org.infopro.spark.config.TrainConfig;
import org.infopro.spark.model.ImageNetResNetSpec;
import org.infopro.spark.model.PlainConvFamily;
import org.infopro.spark.model.SplitPoint;
import org.infopro.spark.module.ModuleStack;
import org.infopro.spark.module.ModuleState;
import org.infopro.spark.spill.Precision;
import org.infopro.spark.spill.SpillCodec;
import org.infopro.spark.spill.SpillConfig;
import org.infopro.spark.spill.SpillFormat;
import org.infopro.spark.spill.SpillMode;
import org.infopro.spark.task.DivergedException;
import org.infopro.data.shard.InputTransform;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The network-family seam end to end: a family defined only in the tests ({@link PlainConvFamily}) trains through
 * {@code train --arch} in every schedule with nothing of its own in the schedules or tasks, and its staggered run
 * is bit-identical to its simultaneous one, as for the CIFAR ResNets; the ImageNet ResNets are reachable the same way.
 */
class NetworkFamilySeamTest {
    private static SparkSession spark;
    private static java.nio.file.Path dataset;

    @BeforeAll
    static void start(@TempDir java.nio.file.Path tmp) {
        spark = SparkSessions.local("NetworkFamilySeamTest");
        dataset = TrainJobEndToEndTest.prepare(tmp, spark);
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private static TrainConfig.Builder plainConv(java.nio.file.Path out, ScheduleKind schedule) {
        return TrainJobEndToEndTest.config(dataset, out, WriteMode.OVERWRITE).toBuilder()
                .arch(PlainConvFamily.NAME)
                .depth(3)
                .splits(SplitPoint.parseList("1,0"))
                .transform(new InputTransform(0, 0, InputTransform.Augment.NONE))
                .epochs(1)
                .valLimit(64)
                .logEvery(0)
                .schedule(schedule)
                .pipeline(new TrainConfig.Pipeline(SpillMode.SPILL, "", new SpillConfig(SpillFormat.BINARY, Precision.FP32,
                        SpillCodec.ZSTD), 1, false, 0.5));
    }

    private static List<ModuleState> finalState(TrainConfig cfg) {
        DatasetManifest m = DatasetManifest.read(dataset.toString(), spark.sparkContext().hadoopConfiguration());
        ModuleStack.Setup setup = TrainJob.setup(cfg, new BatchAssembler(m, cfg.transform()), m.numClasses());
        return Checkpoint.read(new Path(cfg.out(), TrainJob.CHECKPOINT), setup, spark.sparkContext().hadoopConfiguration()).states();
    }

    @Test
    void aFamilyAddedOnlyInTheTestsTrainsInEverySchedule(@TempDir java.nio.file.Path tmp) {
        TrainConfig simultaneous = plainConv(tmp.resolve("simultaneous"), ScheduleKind.SIMULTANEOUS).build();
        TrainConfig staggered = plainConv(tmp.resolve("staggered"), ScheduleKind.STAGGERED).build();
        TrainConfig sequential = plainConv(tmp.resolve("sequential"), ScheduleKind.SEQUENTIAL).build();
        for (TrainConfig c : List.of(simultaneous, staggered, sequential)) {
            TrainResult r = TrainJob.run(c, spark);
            assertEquals(Status.OK, r.status(), c.schedule().label());
            assertEquals(PlainConvFamily.NAME, r.config().get("arch"));
            assertTrue(r.testAccuracy() >= 0 && r.testAccuracy() <= 1, c.schedule().label() + ": " + r.testAccuracy());
        }
        List<ModuleState> a = finalState(simultaneous);
        List<ModuleState> b = finalState(staggered);
        for (int m = 0; m < 2; m++) {
            assertArrayEquals(a.get(m).params(), b.get(m).params(), "module " + (m + 1));
        }
        assertArrayEquals(a.get(0).params(), finalState(sequential).get(0).params(), "module 1 trains alike in every schedule");
    }

    @Test
    void aDivergingLossStopsTheRunNamingModuleEpochAndStepAndKeepsTheLastGoodCheckpoint(@TempDir java.nio.file.Path tmp)
            throws Exception {
        TrainConfig cfg = plainConv(tmp.resolve("run"), ScheduleKind.SIMULTANEOUS).arch(PlainConvFamily.Diverging.NAME)
                .parallel(new TrainConfig.Parallel(1, 1, false)).build();
        PlainConvFamily.DivergingLoss.CALLS.set(0);
        DivergedException e = assertThrows(DivergedException.class, () -> TrainJob.run(cfg, spark));
        // the last module's loss is finite for 2 steps, so step 3 of epoch 1 diverges; rounds of 1 step checkpoint each
        assertTrue(e.getMessage().contains("module 2, epoch 1, step 3 has loss NaN"), e.getMessage());
        assertTrue(e.getMessage().contains("checkpoint (2 rounds) is kept"), e.getMessage());
        Checkpoint.Position kept = Checkpoint.read(new Path(cfg.out(), TrainJob.CHECKPOINT),
                TrainJob.setup(cfg, assemblerOf(cfg), 10), spark.sparkContext().hadoopConfiguration()).position();
        assertEquals(2, kept.rounds());
        assertEquals(2, kept.step(), "the checkpoint is the one before the diverged round");
        JsonNode result = Json.mapper().readTree(Files.readString(tmp.resolve("run").resolve(TrainJob.RESULT)));
        assertEquals("failed", result.get("status").asText());
        assertEquals(e.getMessage(), result.get("error").asText());
    }

    private static BatchAssembler assemblerOf(TrainConfig cfg) {
        return new BatchAssembler(DatasetManifest.read(dataset.toString(), spark.sparkContext().hadoopConfiguration()), cfg.transform());
    }

    @Test
    void anImageNetResNetIsReachableByArch(@TempDir java.nio.file.Path tmp) {
        TrainConfig cfg = TrainJobEndToEndTest.config(dataset, tmp.resolve("r50"), WriteMode.OVERWRITE).toBuilder()
                .arch("imagenet-resnet")
                .depth(50)
                .width(0.0625)
                .splits(SplitPoint.parseList("1,0"))
                .epochs(1)
                .limit(128)
                .valLimit(64)
                .logEvery(0)
                .build();
        TrainResult r = TrainJob.run(cfg, spark);
        assertEquals(Status.OK, r.status());
        assertEquals(0.0625, r.config().get("width"));
        DatasetManifest m = DatasetManifest.read(dataset.toString(), spark.sparkContext().hadoopConfiguration());
        ModuleStack.Setup setup = TrainJob.setup(cfg, new BatchAssembler(m, cfg.transform()), m.numClasses());
        ImageNetResNetSpec spec = assertInstanceOf(ImageNetResNetSpec.class, setup.spec());
        assertEquals(4, spec.base(), "width 1/16 of the base 64");
        assertTrue(r.testAccuracy() >= 0 && r.testAccuracy() <= 1);
    }
}
