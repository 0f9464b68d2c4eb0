package org.infopro.spark.bench;

import org.infopro.spark.spill.SpillMode;
import org.infopro.spark.config.ScheduleKind;
import org.infopro.spark.config.TrainConfig;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Each run of the schedules benchmark is the reproduction's softmax K = 4 run in one schedule. */
class ScheduleBenchConfigTest {
    private static final ScheduleBenchConfig DEFAULTS = ScheduleBenchConfig.fromArgs(new String[]{"--dataset", "ds", "--wave-fraction", "0.5"});

    @Test
    void everyRunTrainsTheSameRecipeInItsOwnSchedule() {
        TrainConfig recipe = ReproductionJob.runConfig(new ReproductionConfig("ds", DEFAULTS.out(), DEFAULTS.results(),
                ReproductionConfig.ALL_RUNS, DEFAULTS.epochs(), DEFAULTS.limit(), DEFAULTS.valLimit(), DEFAULTS.threads()),
                ReproductionRun.SOFTMAX_K4);
        for (ScheduleBenchRun run : ScheduleBenchConfig.ALL_RUNS) {
            TrainConfig c = ScheduleBenchJob.runConfig(DEFAULTS, run);
            assertEquals(run.schedule(), c.schedule(), run.label());
            assertEquals(run.spill(), c.pipeline().spill(), run.label());
            assertEquals(0.5, c.pipeline().waveFraction(), run.label());
            assertEquals(run == ScheduleBenchRun.STAGGERED ? 1 : 2, c.parallel().replicas(), run.label());
            assertEquals(20, c.parallel().syncSteps(), run.label());
            assertEquals(DEFAULTS.out() + "/" + run.label(), c.out());
            assertEquals(recipe.toBuilder().out(c.out()).schedule(c.schedule()).parallel(c.parallel()).pipeline(c.pipeline()).build(), c,
                    run.label());
        }
        assertEquals(ScheduleKind.SEQUENTIAL, ScheduleBenchRun.SEQUENTIAL_RECOMPUTE.schedule());
        assertEquals(SpillMode.RECOMPUTE, ScheduleBenchRun.SEQUENTIAL_RECOMPUTE.spill());
    }
}
