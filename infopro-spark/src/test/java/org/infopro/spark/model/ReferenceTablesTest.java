package org.infopro.spark.model;

import org.infopro.data.config.ConfigException;
import org.infopro.spark.loss.LambdaSchedule;
import org.infopro.spark.config.TrainConfig;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReferenceTablesTest {
    private static final LambdaSchedule ANY = new LambdaSchedule(1, 1, 1, 1);

    /** Residual blocks per module, as the reference's tables count them. */
    private static int[] blocks(String table, int depth, int k) {
        List<ModulePlan> plans = ModulePlan.plan(new ResNetSpec(depth, 32, 32, 3, 10), ReferenceTables.splits(table, depth, k), ANY);
        assertEquals(k, plans.size());
        return plans.stream().mapToInt(p -> p.lastUnit() - p.firstUnit() + 1 - (p.firstUnit() == 0 ? 1 : 0)).toArray();
    }

    @Test
    void everyPlainTableGivesTheReferenceBlocksPerModule() {
        assertArrayEquals(new int[]{7, 8}, blocks("infopro", 32, 2));
        assertArrayEquals(new int[]{5, 5, 5}, blocks("infopro", 32, 3));
        assertArrayEquals(new int[]{3, 4, 4, 4}, blocks("infopro", 32, 4));
        assertArrayEquals(new int[]{1, 2, 2, 2, 2, 2, 2, 2}, blocks("infopro", 32, 8));
        assertArrayEquals(new int[]{0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, blocks("infopro", 32, 16));
        assertArrayEquals(new int[]{27, 27}, blocks("infopro", 110, 2));
        assertArrayEquals(new int[]{18, 18, 18}, blocks("infopro", 110, 3));
        assertArrayEquals(new int[]{12, 14, 14, 14}, blocks("infopro", 110, 4));
        assertArrayEquals(new int[]{5, 7, 7, 7, 7, 7, 7, 7}, blocks("infopro", 110, 8));
        assertArrayEquals(new int[]{2, 3, 3, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4}, blocks("infopro", 110, 16));
    }

    @Test
    void memoryBalancedTablesPutTheBoundariesEarly() {
        assertArrayEquals(new int[]{15, 39}, blocks("infopro*-cifar10", 110, 2));
        assertArrayEquals(new int[]{10, 11, 33}, blocks("infopro*-cifar10", 110, 3));
        assertArrayEquals(new int[]{7, 8, 12, 27}, blocks("infopro*-cifar10", 110, 4));
        assertArrayEquals(new int[]{15, 39}, blocks("infopro*-stl10", 110, 2));
        assertArrayEquals(new int[]{9, 11, 34}, blocks("infopro*-stl10", 110, 3));
        assertArrayEquals(new int[]{7, 8, 12, 27}, blocks("infopro*-stl10", 110, 4));
    }

    @Test
    void shippedLambdasAreLookedUpByDatasetVariantDepthAndK() {
        assertEquals(new LambdaSchedule(6, 0, 1, 2), ReferenceTables.lambda("cifar10", "infopro", 32, 4));
        assertEquals(new LambdaSchedule(5, 0.05, 0.2, 0.5), ReferenceTables.lambda("CIFAR10", "infopro", 32, 16));
        assertEquals(new LambdaSchedule(20, 0.5, 10, 1), ReferenceTables.lambda("stl10", "infopro*", 110, 4));
        ConfigException e = assertThrows(ConfigException.class, () -> ReferenceTables.lambda("svhn", "infopro*", 110, 2));
        assertTrue(e.getMessage().contains("[cifar10/infopro, cifar10/infopro*, stl10/infopro, stl10/infopro*, svhn/infopro]"),
                e.getMessage());
    }

    @Test
    void missingTablesNameWhatExists() {
        ConfigException e = assertThrows(ConfigException.class, () -> ReferenceTables.splits("infopro*-svhn", 110, 2));
        assertTrue(e.getMessage().contains("infopro*-cifar10:k2"), e.getMessage());
        ConfigException r20 = assertThrows(ConfigException.class, () -> ReferenceTables.splits("infopro", 20, 2));
        assertTrue(r20.getMessage().contains("ResNet-32 and -110 (CIFAR)"), r20.getMessage());
    }

    @Test
    void trainSelectsTablesByName() {
        TrainConfig c = TrainConfig.fromArgs(new String[]{"--dataset", "d", "--out", "o", "--depth", "110",
                "--splits", "infopro:k4", "--lambda", "cifar10/infopro", "--loss", "infopro-contrast"});
        assertEquals(ReferenceTables.splits("infopro", 110, 4), c.splits());
        assertEquals(new LambdaSchedule(1, 0, 0, 1), c.lambda());
        ConfigException e = assertThrows(ConfigException.class, () -> TrainConfig.fromArgs(
                new String[]{"--dataset", "d", "--out", "o", "--depth", "32", "--splits", "infopro:k5"}));
        assertTrue(e.getMessage().startsWith("train: invalid --splits 'infopro:k5': no split table 'infopro:k5' for ResNet-32"),
                e.getMessage());
    }
}
