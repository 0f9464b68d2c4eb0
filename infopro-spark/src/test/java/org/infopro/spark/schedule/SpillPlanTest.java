package org.infopro.spark.schedule;

import org.infopro.spark.spill.SpillMode;
import org.infopro.spark.model.ModuleCost;
import org.infopro.spark.model.ResNetSpec;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sequential schedule's planner: its decision rule and the FLOPs it weighs. */
class SpillPlanTest {
    private static final long GIB = 1L << 30;

    @Test
    void autoNeverSpillsWhatDoesNotFitTheFreeSpace() {
        SpillPlan.Choice c = SpillPlan.choose(SpillMode.AUTO, 10 * GIB, 10 * GIB, 10 * GIB, 1000, 1, 1000);
        assertEquals(SpillMode.RECOMPUTE, c.mode(), "10 GiB do not fit in 90 % of 10 GiB, however cheap: " + c.reason());
        assertTrue(c.reason().contains("free"), c.reason());
    }

    @Test
    void autoTakesTheCheaperEstimatedTimeWhenTheSpillFits() {
        assertEquals(SpillMode.SPILL, SpillPlan.choose(SpillMode.AUTO, GIB, GIB, 100 * GIB, 5000, 60, 300).mode());
        assertEquals(SpillMode.RECOMPUTE, SpillPlan.choose(SpillMode.AUTO, GIB, GIB, 100 * GIB, 50, 60, 3).mode());
    }

    @Test
    void anExplicitChoiceOverridesThePlannerAndWarnsWhenTheSpillMayNotFit() {
        SpillPlan.Choice c = SpillPlan.choose(SpillMode.SPILL, 10 * GIB, 10 * GIB, GIB, 1000, 1000, 1);
        assertEquals(SpillMode.SPILL, c.mode());
        assertTrue(c.reason().contains("WARNING"), c.reason());
        assertEquals(SpillMode.RECOMPUTE, SpillPlan.choose(SpillMode.RECOMPUTE, GIB, GIB, 100 * GIB, 1, 1, 1000).mode());
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
