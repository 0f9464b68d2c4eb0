package org.infopro.spark.config;

import org.infopro.data.config.ConfigException;
import org.infopro.spark.loss.LossMode;
import org.infopro.spark.model.AuxNet;
import org.infopro.spark.spill.SpillMode;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainConfigTest {
    private static TrainConfig parse(String... extra) {
        String[] base = {"--dataset", "d", "--out", "o"};
        String[] all = new String[base.length + extra.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(extra, 0, all, base.length, extra.length);
        return TrainConfig.fromArgs(all);
    }

    @Test
    void iterationsBecomeTheEpochsThatHoldThemWithTheLastOneCutShort() {
        TrainConfig c = parse("--iterations", "5");
        TrainConfig run = c.forStepsPerEpoch(3);
        assertEquals(2, run.epochs());
        assertEquals(3, run.stepsIn(0, 3));
        assertEquals(2, run.stepsIn(1, 3));
        assertEquals(5, run.asMap().get("iterations"));
        assertEquals(1, c.forStepsPerEpoch(5).epochs(), "exactly one epoch");
        TrainConfig epochs = parse("--epochs", "3");
        assertEquals(epochs, epochs.forStepsPerEpoch(7));
        assertEquals(7, epochs.stepsIn(2, 7));
        ConfigException both = assertThrows(ConfigException.class, () -> parse("--epochs", "3", "--iterations", "40000"));
        assertTrue(both.getMessage().contains("--epochs 3 and --iterations 40000"), both.getMessage());
        ConfigException many = assertThrows(ConfigException.class, () -> parse("--iterations", "100000000").forStepsPerEpoch(1));
        assertTrue(many.getMessage().contains("more than 100000"), many.getMessage());
    }

    @Test
    void theCityscapesRecipesCropAndPhotometricDistortionGoWithItsAugmentation() {
        TrainConfig recipe = parse("--arch", "deeplabv3");
        assertEquals(new org.infopro.data.shard.InputTransform(0, 0, org.infopro.data.shard.InputTransform.Augment.SCALE_CROP_FLIP,
                512, 0, true), recipe.transform());
        assertEquals(40000, recipe.iterations());
        TrainConfig frames = parse("--arch", "deeplabv3", "--augment", "none");
        assertEquals(0, frames.transform().crop());
        assertEquals(false, frames.transform().photometric());
        assertEquals(false, parse("--arch", "deeplabv3", "--photometric", "false").transform().photometric());
        ConfigException cifar = assertThrows(ConfigException.class, () -> parse("--augment", "crop-flip", "--photometric", "true"));
        assertTrue(cifar.getMessage().contains("--augment scale-crop-flip"), cifar.getMessage());
    }

    @Test
    void greedyTrainsCrossEntropyOnlyThroughA0c1fHead() {
        TrainConfig c = parse("--loss", "greedy", "--splits", "1,2;2,1;3,0");
        assertEquals(AuxNet.C0F1, c.auxNet());
        assertEquals(0.0, c.effectiveLambda().ixx1());
        assertEquals(1.0, c.effectiveLambda().ixy2());
        assertEquals(4, c.modules());
    }

    @Test
    void infoProDefaultsToThe1c2fHead() {
        TrainConfig c = parse("--loss", "infopro-contrast", "--lambda", "6,0,1,2");
        assertEquals(LossMode.INFOPRO_CONTRAST, c.loss());
        assertEquals(AuxNet.C1F2, c.auxNet());
        assertEquals(6.0, c.effectiveLambda().ixx1());
        assertEquals(AuxNet.C2F2, parse("--aux-net", "2c2f").auxNet());
    }

    @Test
    void endToEndMustHaveNoSplitsAndLocalModesMustHaveSome() {
        ConfigException e = assertThrows(ConfigException.class, () -> parse("--loss", "e2e"));
        assertTrue(e.getMessage().contains("Add --splits none"), e.getMessage());
        assertEquals(1, parse("--loss", "e2e", "--splits", "none").modules());
        ConfigException g = assertThrows(ConfigException.class, () -> parse("--loss", "greedy", "--splits", "none"));
        assertTrue(g.getMessage().contains("needs local modules"), g.getMessage());
    }

    @Test
    void badValuesNameTheValidChoices() {
        ConfigException a = assertThrows(ConfigException.class, () -> parse("--aux-net", "3c3f"));
        assertEquals("train: invalid --aux-net '3c3f': expected one of auto, 0c1f, 0c2f, 1c1f, 1c2f, 1c3f, 2c2f.", a.getMessage());
        ConfigException l = assertThrows(ConfigException.class, () -> parse("--loss", "infopro"));
        assertEquals("train: invalid --loss 'infopro': expected one of e2e, greedy, infopro-softmax, infopro-contrast.", l.getMessage());
        ConfigException s = assertThrows(ConfigException.class, () -> parse("--splits", "2;1"));
        assertTrue(s.getMessage().startsWith("train: invalid --splits '2;1'"), s.getMessage());
    }

    @Test
    void reclaimEveryIsOffByDefaultAndRefusesNegativeIntervals() {
        assertEquals(0, parse().reclaimEvery());
        assertEquals(10, parse("--reclaim-every", "10").reclaimEvery());
        ConfigException e = assertThrows(ConfigException.class, () -> parse("--reclaim-every", "-5"));
        assertTrue(e.getMessage().startsWith("train: invalid --reclaim-every '-5'"), e.getMessage());
    }

    @Test
    void theBuilderStartsFromTheOptionsDefaultsAndRoundTrips() {
        TrainConfig parsed = parse();
        assertEquals(parsed, TrainConfig.builder("d", "o").build());
        assertEquals(parsed, parsed.toBuilder().build());
        TrainConfig c = parse("--loss", "greedy", "--lr-schedule", "cosine-step", "--epochs", "7", "--schedule", "sequential");
        assertEquals(c, c.toBuilder().build());
        assertEquals(AuxNet.C0F1, TrainConfig.builder("d", "o").loss(LossMode.GREEDY).build().auxNet(), "auto head as on the command line");
        assertEquals(LrSchedule.COSINE_STEP, c.lrSchedule());
        assertTrue(c.learningRateSchedule().perStep());
        assertEquals("cosine per step", c.asMap().get("lr_schedule"));
        assertEquals("cosine per epoch", parsed.asMap().get("lr_schedule"));
        assertEquals("sequential", c.asMap().get("schedule"));
    }

    @Test
    void aConfigBuiltInCodeIsCheckedLikeTheCommandLine() {
        ConfigException epochs = assertThrows(ConfigException.class, () -> TrainConfig.builder("d", "o").epochs(0).build());
        assertEquals("train: invalid --epochs '0': expected an integer in [1, 100000].", epochs.getMessage());
        assertEquals(epochs.getMessage(), assertThrows(ConfigException.class, () -> parse("--epochs", "0")).getMessage());
        ConfigException wave = assertThrows(ConfigException.class, () -> TrainConfig.builder("d", "o")
                .pipeline(new TrainConfig.Pipeline(SpillMode.AUTO, "", TrainConfig.Pipeline.DEFAULT.store(), 1, false, 0)).build());
        assertEquals("train: invalid --wave-fraction '0': expected a fraction above 0 and at most 1, such as 0.25.", wave.getMessage());
        ConfigException e2e = assertThrows(ConfigException.class, () -> TrainConfig.builder("d", "o").loss(LossMode.E2E).build());
        assertEquals("train: --loss e2e trains one module, but --splits '[2,1]' asks for 2. Add --splits none.", e2e.getMessage());
        assertEquals(2, TrainConfig.builder("d", "o").schedule(ScheduleKind.STAGGERED).parallel(new TrainConfig.Parallel(2, 0, false))
                .build().parallel().replicas(), "staggered runs R replicas per module");
        ConfigException staggered = assertThrows(ConfigException.class, () -> TrainConfig.builder("d", "o")
                .schedule(ScheduleKind.STAGGERED).parallel(new TrainConfig.Parallel(2, 5, false)).build());
        assertTrue(staggered.getMessage().contains("after every wave, so --sync-steps 5 does not apply to it"), staggered.getMessage());
    }

    @Test
    void severalSpilledViewsNeedAugmentationAndAreRefusedBeforeAnySparkWork() {
        ConfigException e = assertThrows(ConfigException.class, () -> parse("--schedule", "sequential", "--spill-views", "2"));
        assertEquals("train: --spill-views 2 spills identical views without augmentation; use --spill-views 1, or give --augment.",
                e.getMessage());
        assertEquals(2, parse("--schedule", "sequential", "--spill-views", "2", "--augment", "crop-flip").pipeline().views());
    }

    @Test
    void theSegmentationAugmentationIsRefusedForClassification() {
        ConfigException e = assertThrows(ConfigException.class, () -> parse("--augment", "scale-crop-flip", "--crop", "16"));
        assertEquals(1, e.getMessage().lines().count());
        assertTrue(e.getMessage().startsWith("train: --augment scale-crop-flip is the Cityscapes segmentation augmentation"),
                e.getMessage());
        assertTrue(e.getMessage().contains("--arch deeplabv3") && e.getMessage().contains("--augment crop-flip"), e.getMessage());
    }
}
