package org.infopro.spark.schedule;

import org.infopro.spark.loss.LambdaSchedule;
import org.infopro.spark.model.ImageNetResNetSpec;
import org.infopro.spark.model.DeepLabV3Spec;
import org.infopro.spark.model.ModulePlan;
import org.infopro.spark.model.ReferenceTables;
import org.infopro.spark.model.Trunk;
import org.infopro.spark.spill.Precision;
import org.infopro.spark.spill.SpillLayout;
import org.infopro.spark.spill.SpillMode;
import org.infopro.spark.model.ModuleCost;
import org.infopro.spark.model.ResNetSpec;
import org.infopro.spark.spill.SpillStore;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sequential schedule's planner: its decision rule and the FLOPs it weighs. */
class SpillPlanTest {
    private static final long GIB = 1L << 30;

    @Test
    void autoNeverSpillsWhatDoesNotFitTheFreeSpace() {
        SpillPlan.Choice c = SpillPlan.choose(SpillMode.AUTO, 10 * GIB, 10 * GIB, 10 * GIB, 0, GIB, 1000, 1, 1000);
        assertEquals(SpillMode.RECOMPUTE, c.mode(), "10 GiB do not fit in 90 % of 10 GiB, however cheap: " + c.reason());
        assertTrue(c.reason().contains("free"), c.reason());
    }

    @Test
    void autoTakesTheCheaperEstimatedTimeWhenTheSpillFits() {
        assertEquals(SpillMode.SPILL, SpillPlan.choose(SpillMode.AUTO, GIB, GIB, 100 * GIB, 0, GIB, 5000, 60, 300).mode());
        assertEquals(SpillMode.RECOMPUTE, SpillPlan.choose(SpillMode.AUTO, GIB, GIB, 100 * GIB, 0, GIB, 50, 60, 3).mode());
    }

    @Test
    void anExplicitChoiceOverridesThePlannerAndWarnsWhenTheSpillMayNotFit() {
        SpillPlan.Choice c = SpillPlan.choose(SpillMode.SPILL, 10 * GIB, 10 * GIB, GIB, 0, GIB, 1000, 1000, 1);
        assertEquals(SpillMode.SPILL, c.mode());
        assertTrue(c.reason().contains("WARNING"), c.reason());
        assertEquals(SpillMode.RECOMPUTE, SpillPlan.choose(SpillMode.RECOMPUTE, GIB, GIB, 100 * GIB, 0, GIB, 1, 1, 1000).mode());
    }

    @Test
    void autoRecomputesWhenAReplicasShareOfSpilledRecordsWouldTakeMoreThanHalfATasksHeapAndAnExplicitSpillIsWarned() {
        SpillPlan.Choice c = SpillPlan.choose(SpillMode.AUTO, GIB, GIB, 100 * GIB, 3 * GIB, 4 * GIB, 5000, 60, 300);
        assertEquals(SpillMode.RECOMPUTE, c.mode(), "3 GiB held against half of 4 GiB, however cheap the spill: " + c.reason());
        assertTrue(c.reason().contains("3.00 GiB") && c.reason().contains("4.00 GiB") && c.reason().contains("spark.executor.memory"),
                c.reason());
        assertEquals(SpillMode.SPILL, SpillPlan.choose(SpillMode.AUTO, GIB, GIB, 100 * GIB, 2 * GIB, 4 * GIB, 5000, 60, 300).mode(),
                "exactly half fits");
        SpillPlan.Choice forced = SpillPlan.choose(SpillMode.SPILL, GIB, GIB, 100 * GIB, 3 * GIB, 4 * GIB, 5000, 60, 300);
        assertEquals(SpillMode.SPILL, forced.mode());
        assertTrue(forced.reason().contains("WARNING: a training task holds"), forced.reason());
    }

    @Test
    void theHeldShareIsOneViewOfOneReplicasTrainingRecords() {
        ResNetSpec r32 = new ResNetSpec(32, 32, 32, 3, 10);
        List<ModulePlan> plans = ModulePlan.plan(r32, ReferenceTables.splits("infopro", 32, 4), new LambdaSchedule(6, 0, 1, 2));
        SpillPlan one = SpillPlan.plan(SpillMode.AUTO, r32, plans, r32, false, 20_000, 10_000, 2, 3, 1, Precision.FP16,
                new SpillPlan.Rates(100 * GIB, 20, 200, 4 * GIB));
        SpillPlan four = SpillPlan.plan(SpillMode.AUTO, r32, plans, r32, false, 20_000, 10_000, 2, 3, 4, Precision.FP16,
                new SpillPlan.Rates(100 * GIB, 20, 200, 4 * GIB));
        long first = SpillStore.estimateBytes(20_000, new SpillLayout(plans.get(0).outputShape(), Precision.FP16, r32.inputShape()));
        assertEquals(first, one.heldBytesPerTask(), "module 1's output is the largest; 3 views, but a task holds one");
        assertEquals(SpillStore.estimateBytes(5_000, new SpillLayout(plans.get(0).outputShape(), Precision.FP16, r32.inputShape())),
                four.heldBytesPerTask());
        assertTrue(one.describe().contains("held per training task"), one.describe());
    }

    private static final long TIB = 1L << 40;
    private static final long IMAGENET_TRAIN = 1_281_167;
    private static final long IMAGENET_VAL = 50_000;

    /** The reference's InfoPro* K=2 plans of ResNet-101 at 224×224 (shapes only: no network is built). */
    private static List<ModulePlan> resnet101K2(Trunk spec) {
        return ModulePlan.plan(spec, ReferenceTables.splits("infopro*-imagenet", 101, 2),
                ReferenceTables.lambda("imagenet", "infopro*", 101, 2));
    }

    @Test
    void anImageNetResNet101SpillOfATerabyteIsRecomputedWhenItsCopiesDoNotFitTheFreeDisk() {
        ImageNetResNetSpec spec = new ImageNetResNetSpec(101, 64, 224, 224, 3, 1000);
        List<ModulePlan> plans = resnet101K2(spec);
        assertArrayEquals(new int[]{512, 28, 28}, plans.get(0).outputShape(), "module 1 ends in conv3_x");
        long expected = SpillStore.estimateBytes(IMAGENET_TRAIN + IMAGENET_VAL,
                new SpillLayout(new int[]{512, 28, 28}, Precision.FP16, new int[]{3, 224, 224}));
        // a 2 TiB spill store: the 1.15 TiB spill alone would fit 90 % of it (the rule before counted only that), but
        // module 2's stage also holds Spark's shuffle files and cached copy of it
        SpillPlan p = SpillPlan.plan(SpillMode.AUTO, spec, plans, spec, false, IMAGENET_TRAIN, IMAGENET_VAL, 90, 1, 1,
                Precision.FP16, new SpillPlan.Rates(2 * TIB, 50, 200, 1000 * TIB));
        assertEquals(expected, p.spillBytes());
        assertTrue(p.spillBytes() > 1.2e12, "about 0.95 MB per image: " + p.spillBytes());
        assertEquals(3 * expected, p.peakSpillBytes());
        assertEquals(SpillMode.RECOMPUTE, p.chosen(), p.describe());
        assertTrue(p.reason().contains(SpillPlan.mib(expected)) && p.reason().contains(String.format(Locale.ROOT, "%,d bytes", expected))
                && p.reason().contains("2.00 TiB free") && p.reason().contains("GFLOP"), p.reason());
        assertTrue(p.describe().contains("1.15 TiB"), p.describe());
    }

    @Test
    void anImageNetSpillThatFitsIsStillRecomputedWhenRecomputingIsCheaper() {
        ImageNetResNetSpec spec = new ImageNetResNetSpec(101, 64, 224, 224, 3, 1000);
        // ample disk, and a forward rate of an accelerator: 90 epochs of reading the cached spill cost more than the prefix
        SpillPlan p = SpillPlan.plan(SpillMode.AUTO, spec, resnet101K2(spec), spec, false, IMAGENET_TRAIN, IMAGENET_VAL, 90, 1, 1,
                Precision.FP16, new SpillPlan.Rates(100 * TIB, 5000, 200, 1000 * TIB));
        assertEquals(SpillMode.RECOMPUTE, p.chosen(), p.describe());
        assertTrue(p.reason().startsWith("recomputing") && p.reason().contains(SpillPlan.mib(p.spillBytes()))
                && p.estimatedRecomputeS() < p.estimatedSpillS(), p.reason());
    }

    @Test
    void aDeepLabV3SpillCountsWholeValidationFramesAndPixelLabelsAndIsRecomputedWhenAReplicasShareOutgrowsItsHeap() {
        // the reference's Cityscapes setting: R-101 at 512x1024 crops, whole 1024x2048 frames for validation, about 108
        // epochs (40k iterations of 8 over 2975 frames)
        DeepLabV3Spec spec = new DeepLabV3Spec(101, 64, 512, 1024, 3, 19);
        Trunk frames = spec.atInput(1024, 2048);
        List<ModulePlan> plans = ModulePlan.plan(spec, ReferenceTables.splits("infopro*-cityscapes", 101, 2),
                ReferenceTables.lambda("cityscapes", "infopro*", 101, 2));
        assertArrayEquals(new int[]{1024, 64, 128}, plans.get(0).outputShape(), "layer3 at output stride 8");
        long train = 2975;
        long val = 500;
        // fp16 activation, uint8 image and uint8 train ids per record, plus the allowance
        long trainRecord = 1024L * 64 * 128 * 2 + 3L * 512 * 1024 + 512L * 1024 + 32;
        long valRecord = 1024L * 128 * 256 * 2 + 3L * 1024 * 2048 + 1024L * 2048 + 32;
        SpillPlan p = SpillPlan.plan(SpillMode.AUTO, spec, plans, frames, true, train, val, 108, 1, 4, Precision.FP16,
                new SpillPlan.Rates(100 * TIB, 50_000, 2000, 16 * GIB));
        assertEquals(train * trainRecord + val * valRecord, p.spillBytes());
        assertEquals((train + 3) / 4 * trainRecord, p.heldBytesPerTask(), "one of four replicas' share of the training records");
        assertEquals(SpillMode.RECOMPUTE, p.chosen(), p.describe());
        assertTrue(p.reason().contains("spark.executor.memory"), p.reason());
        // convolutions scale with the pixels: a whole frame costs four crops
        long crop = spec.flops(0, plans.get(0).lastUnit());
        assertEquals(4 * crop, frames.flops(0, plans.get(0).lastUnit()));
        assertEquals((crop * train + 4 * crop * val) * 108 / 1e9, p.recomputeGflop(), 1e-6 * p.recomputeGflop());
    }

    @Test
    void aCifarSpillStillChosenWhereItWas() {
        // ResNet-32 InfoPro K=4 as in docs/results/schedules.md (20,000 train, 10,000 test, 2 epochs), and ResNet-110 K=4
        // over the reference's 160 epochs: spilled before this planner counted Spark's copies, and still spilled
        ResNetSpec r32 = new ResNetSpec(32, 32, 32, 3, 10);
        SpillPlan small = SpillPlan.plan(SpillMode.AUTO, r32, ModulePlan.plan(r32, ReferenceTables.splits("infopro", 32, 4),
                new LambdaSchedule(6, 0, 1, 2)), r32, false, 20_000, 10_000, 2, 1, 1, Precision.FP16,
                new SpillPlan.Rates(100 * GIB, 20, 200, 4 * GIB));
        assertEquals(SpillMode.SPILL, small.chosen(), small.describe());
        ResNetSpec r110 = new ResNetSpec(110, 32, 32, 3, 10);
        SpillPlan full = SpillPlan.plan(SpillMode.AUTO, r110, ModulePlan.plan(r110, ReferenceTables.splits("infopro", 110, 4),
                new LambdaSchedule(1, 0, 0, 1)), r110, false, 50_000, 10_000, 160, 1, 1, Precision.FP16,
                new SpillPlan.Rates(100 * GIB, 20, 200, 4 * GIB));
        assertEquals(SpillMode.SPILL, full.chosen(), full.describe());
        assertTrue(full.reason().contains(SpillPlan.mib(full.spillBytes())), full.reason());
    }

    @Test
    void trunkFlopsCountTwoPerMultiplyAddOfEveryConvolution() {
        ResNetSpec r8 = new ResNetSpec(8, 32, 32, 3, 10);
        long stem = 2L * 9 * 3 * 16 * 32 * 32;
        long stage1Block = 2 * (2L * 9 * 16 * 16 * 32 * 32);
        // first block of stage 2: 3x3/2 16->32 and 3x3 32->32 at 16x16, plus the 1x1/2 16->32 projection shortcut
        long stage2Block = 2L * 9 * 16 * 32 * 16 * 16 + 2L * 9 * 32 * 32 * 16 * 16 + 2L * 16 * 32 * 16 * 16;
        assertEquals(stem, ModuleCost.trunkFlops(r8, 0, 0));
        assertEquals(stem + stage1Block + stage2Block, ModuleCost.trunkFlops(r8, 0, 2));
    }
}
