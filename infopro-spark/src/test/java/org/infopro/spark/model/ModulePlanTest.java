package org.infopro.spark.model;

import org.infopro.data.config.ConfigException;
import org.infopro.spark.loss.LambdaSchedule;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModulePlanTest {
    private static final LambdaSchedule L = new LambdaSchedule(1, 1, 1, 1);

    private static int[] blocksPerModule(int depth, String splits) {
        List<ModulePlan> plans = ModulePlan.plan(new ResNetSpec(depth, 32, 32, 3, 10), SplitPoint.parseList(splits), L);
        // residual blocks per module, as the reference's tables count them (module 1 also holds the stem)
        return plans.stream().mapToInt(p -> p.lastUnit() - p.firstUnit() + 1 - (p.firstUnit() == 0 ? 1 : 0)).toArray();
    }

    @Test
    void referenceSplitTablesGiveTheReferenceBlocksPerModule() {
        assertArrayEquals(new int[]{7, 8}, blocksPerModule(32, "2,1"));
        assertArrayEquals(new int[]{3, 4, 4, 4}, blocksPerModule(32, "1,2;2,1;3,0"));
        assertArrayEquals(new int[]{12, 14, 14, 14}, blocksPerModule(110, "[1,11] [2,7] [3,3]"));
        assertArrayEquals(new int[]{27, 27}, blocksPerModule(110, "2,8"));
        assertArrayEquals(new int[]{1, 2, 2, 2, 2, 2, 2, 2}, blocksPerModule(32, "1,0;1,2;1,4;2,1;2,3;3,0;3,2"));
    }

    @Test
    void shapesFollowTheStagesAndStrides() {
        List<ModulePlan> plans = ModulePlan.plan(new ResNetSpec(8, 28, 28, 1, 10), SplitPoint.parseList("1,0;2,0"), L);
        assertArrayEquals(new int[]{1, 28, 28}, plans.get(0).inputShape());
        assertArrayEquals(new int[]{16, 28, 28}, plans.get(0).outputShape());
        assertArrayEquals(new int[]{32, 14, 14}, plans.get(1).outputShape());
        assertArrayEquals(new int[]{64, 7, 7}, plans.get(2).outputShape());
        assertNull(plans.get(2).weights());
        assertTrue(plans.get(2).isLast());
    }

    @Test
    void endToEndIsOneModule() {
        List<ModulePlan> plans = ModulePlan.plan(new ResNetSpec(32, 32, 32, 3, 10), SplitPoint.parseList("none"), L);
        assertEquals(1, plans.size());
        assertEquals(0, plans.get(0).firstUnit());
        assertEquals(15, plans.get(0).lastUnit());
    }

    @Test
    void badSplitPointsAreNamed() {
        ResNetSpec r32 = new ResNetSpec(32, 32, 32, 3, 10);
        ConfigException missing = assertThrows(ConfigException.class, () -> ModulePlan.plan(r32, SplitPoint.parseList("2,5"), L));
        assertTrue(missing.getMessage().contains("split point [2,5] does not exist in ResNet-32"), missing.getMessage());
        ConfigException order = assertThrows(ConfigException.class, () -> ModulePlan.plan(r32, SplitPoint.parseList("2,1;1,3"), L));
        assertTrue(order.getMessage().contains("[1,3] does not come after [2,1]"), order.getMessage());
        ConfigException last = assertThrows(ConfigException.class, () -> ModulePlan.plan(r32, SplitPoint.parseList("3,4"), L));
        assertTrue(last.getMessage().contains("[3,4] is the last block"), last.getMessage());
        ConfigException text = assertThrows(ConfigException.class, () -> SplitPoint.parseList("2-1"));
        assertTrue(text.getMessage().contains("'2-1' is not 'stage,block'"), text.getMessage());
    }

    @Test
    void aLocalModuleWithBothWeightsZeroIsRefused() {
        ConfigException e = assertThrows(ConfigException.class, () -> ModulePlan.plan(new ResNetSpec(8, 28, 28, 1, 10),
                SplitPoint.parseList("2,0"), new LambdaSchedule(0, 0, 1, 1)));
        assertTrue(e.getMessage().contains("λ1 = λ2 = 0"), e.getMessage());
    }

    @Test
    void depthMustBe6nPlus2() {
        ConfigException e = assertThrows(ConfigException.class, () -> new ResNetSpec(30, 32, 32, 3, 10));
        assertTrue(e.getMessage().contains("ResNet depth 30 is not 6n+2"), e.getMessage());
    }
}
