package org.infopro.spark.bench;

import org.infopro.spark.config.TrainConfig;
import org.infopro.spark.schedule.StaggeredReport;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The schedules benchmark's model of the staggered schedule on more executors, on hand-made pipeline figures. */
class ScheduleBenchModelTest {
    private static final TrainConfig STAGGERED = ScheduleBenchJob.runConfig(ScheduleBenchConfig.fromArgs(new String[]{"--dataset", "ds"}),
            ScheduleBenchRun.STAGGERED);

    /** K = 4, one replica per module, 20,000 images in batches of 128: 157 steps per epoch, waves of 40, 2 epochs of 4 chunks. */
    private static StaggeredReport measured() {
        return new StaggeredReport(4, 1, 4, 4, 157, 40, 4, 8, 11, 3, 3, 120, 0, 0, 0, 0, List.of(80.0, 160.0, 120.0, 40.0));
    }

    @Test
    void stepsPerWaveFollowTheLargestReplicaShareInFullBatches() {
        assertEquals(20000, STAGGERED.limit());
        assertEquals(128, STAGGERED.batchSize());
        assertEquals(40, ScheduleBenchJob.stepsPerWave(20000, 1, 128, 0.25));
        assertEquals(10, ScheduleBenchJob.stepsPerWave(20000, 4, 128, 0.25));
        assertEquals(3, ScheduleBenchJob.stepsPerWave(20000, 16, 128, 0.25), "1250 images: 10 steps, a quarter rounded up");
    }

    @Test
    void moreExecutorsThanModulesRunReplicasThatDivideEveryWave() {
        StaggeredReport p = measured();
        // per chunk: module 1 10 s, module 2 20 s, module 3 15 s, module 4 5 s; the slowest active module per wave
        double slowest = 10 + 20 + 20 + 20 + 20 + 20 + 20 + 20 + 20 + 15 + 5;
        assertEquals(slowest, ScheduleBenchJob.staggeredWaves(p, 1, 40, 4), 1e-9, "4 executors: one task per module");
        double overhead = 2;
        double sync = 0.01;
        assertEquals(slowest + 11 * (overhead + sync), ScheduleBenchJob.staggeredModel(p, STAGGERED, overhead, sync, 4), 1e-9);
        assertEquals(slowest * 10 / 40 + 11 * (overhead + 4 * sync), ScheduleBenchJob.staggeredModel(p, STAGGERED, overhead, sync, 16),
                1e-9, "16 executors: 4 replicas per module, waves of 10 steps");
        assertEquals(slowest * 3 / 40 + 11 * (overhead + 16 * sync), ScheduleBenchJob.staggeredModel(p, STAGGERED, overhead, sync, 64),
                1e-9, "64 executors: 16 replicas per module, waves of 3 steps (not 2.5: batches are whole)");
        // 2 executors for 4 tasks: a wave lasts its tasks' time / 2, or its slowest task when that is longer
        assertEquals(10 + 20 + 45 / 2.0 + 5 * 50 / 2.0 + 20 + 15 + 5, ScheduleBenchJob.staggeredWaves(p, 1, 40, 2), 1e-9);
    }
}
