package org.infopro.spark.bench;

import org.infopro.data.config.ConfigException;
import org.infopro.data.shard.InputTransform;
import org.infopro.spark.loss.LambdaSchedule;
import org.infopro.spark.loss.LossMode;
import org.infopro.spark.model.AuxNet;
import org.infopro.spark.model.ReferenceTables;
import org.infopro.spark.config.LrSchedule;
import org.infopro.spark.config.TrainConfig;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The reproduction runs are the recipe of the issue, to the letter. */
class ReproductionConfigTest {
    private static final ReproductionConfig DEFAULTS = ReproductionConfig.fromArgs(new String[]{"--dataset", "ds"});

    @Test
    void defaultsAreTheFullRecipe() {
        assertTrue(DEFAULTS.isFullRecipe());
        assertEquals(ReproductionConfig.ALL_RUNS, DEFAULTS.runs());
        assertFalse(ReproductionConfig.fromArgs(new String[]{"--dataset", "ds", "--epochs", "1"}).isFullRecipe());
    }

    @Test
    void everyRunUsesTheRecipesDataModelAndOptimiser() {
        for (ReproductionRun run : ReproductionConfig.ALL_RUNS) {
            TrainConfig c = ReproductionJob.runConfig(DEFAULTS, run);
            assertEquals(32, c.depth(), run.label());
            assertEquals(new InputTransform(32, 3, InputTransform.Augment.CROP_FLIP), c.transform(), run.label());
            assertEquals(128, c.batchSize(), run.label());
            assertEquals(4, c.epochs(), run.label());
            assertEquals(20000, c.limit(), run.label());
            assertEquals(0, c.valLimit(), run.label());
            assertEquals(0.1, c.learningRate(), run.label());
            assertEquals(LrSchedule.COSINE_EPOCH, c.lrSchedule(), run.label());
            assertEquals(0.0, c.warmupEpochs(), run.label());
            assertEquals(0.9, c.momentum(), run.label());
            assertEquals(1e-4, c.weightDecay(), run.label());
            assertEquals(0L, c.seed(), run.label());
        }
    }

    @Test
    void runsHaveTheRecipesLossesSplitsAndLambdas() {
        TrainConfig e2e = ReproductionJob.runConfig(DEFAULTS, ReproductionRun.E2E);
        assertEquals(LossMode.E2E, e2e.loss());
        assertEquals(1, e2e.modules());
        TrainConfig g8 = ReproductionJob.runConfig(DEFAULTS, ReproductionRun.GREEDY_K8);
        assertEquals(LossMode.GREEDY, g8.loss());
        assertEquals(AuxNet.C0F1, g8.auxNet());
        assertEquals(ReferenceTables.splits("infopro", 32, 8), g8.splits());
        TrainConfig c4 = ReproductionJob.runConfig(DEFAULTS, ReproductionRun.CONTRAST_K4);
        assertEquals(LossMode.INFOPRO_CONTRAST, c4.loss());
        assertEquals(AuxNet.C1F2, c4.auxNet());
        assertEquals(new LambdaSchedule(6, 0, 1, 2), c4.effectiveLambda());
        assertEquals(ReferenceTables.splits("infopro", 32, 4), c4.splits());
        assertEquals(new LambdaSchedule(5, 0, 0, 2), ReproductionJob.runConfig(DEFAULTS, ReproductionRun.CONTRAST_K8).effectiveLambda());
        TrainConfig s4 = ReproductionJob.runConfig(DEFAULTS, ReproductionRun.SOFTMAX_K4);
        assertEquals(LossMode.INFOPRO_SOFTMAX, s4.loss());
        assertEquals(new LambdaSchedule(6, 0, 1, 2), s4.effectiveLambda());
    }

    @Test
    void unknownRunIsNamed() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ReproductionConfig.fromArgs(new String[]{"--dataset", "ds", "--runs", "e2e,dgl-k4"}));
        assertEquals("bench-reproduce: invalid --runs 'e2e,dgl-k4': expected a comma-separated list of e2e, contrast-k4, "
                + "greedy-k4, softmax-k4, greedy-k8, contrast-k8.", e.getMessage());
        assertEquals(java.util.List.of(ReproductionRun.GREEDY_K8, ReproductionRun.E2E),
                ReproductionConfig.fromArgs(new String[]{"--dataset", "ds", "--runs", "greedy-k8, e2e,greedy-k8"}).runs(),
                "in the order given, each once");
    }
}
