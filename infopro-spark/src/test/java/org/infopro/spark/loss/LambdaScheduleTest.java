package org.infopro.spark.loss;

import org.infopro.data.config.ConfigException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class LambdaScheduleTest {
    private static void assertWeights(LambdaSchedule s, int k, int i, double l1, double l2) {
        LambdaSchedule.Weights w = s.forModule(i, k);
        assertEquals(l1, w.reconstruction(), 1e-12, "λ1 of module " + i + " at K=" + k);
        assertEquals(l2, w.task(), 1e-12, "λ2 of module " + i + " at K=" + k);
    }

    @Test
    void kEquals2UsesTheFirstPairOnly() {
        LambdaSchedule s = new LambdaSchedule(5, 1, 0, 0);
        assertWeights(s, 2, 0, 5, 1);
    }

    @Test
    void kEquals4InterpolatesLinearlyAsInTheReferenceCommands() {
        // CIFAR-10 ResNet-32 K=4: (6, 0, 1, 2) gives (6, 0) (3.5, 1) (1, 2)
        LambdaSchedule s = new LambdaSchedule(6, 0, 1, 2);
        assertWeights(s, 4, 0, 6, 0);
        assertWeights(s, 4, 1, 3.5, 1);
        assertWeights(s, 4, 2, 1, 2);
    }

    @Test
    void kEquals16SpreadsOverFifteenLocalModules() {
        // CIFAR-10 ResNet-32 K=16: (5, 0.05) -> (0.2, 0.5); module i gets ratio i/14
        LambdaSchedule s = new LambdaSchedule(5, 0.05, 0.2, 0.5);
        assertWeights(s, 16, 0, 5, 0.05);
        assertWeights(s, 16, 7, 5 * 0.5 + 0.2 * 0.5, 0.05 * 0.5 + 0.5 * 0.5);
        assertWeights(s, 16, 14, 0.2, 0.5);
    }

    @Test
    void theLastModuleHasNoLocalWeights() {
        assertThrows(IllegalArgumentException.class, () -> new LambdaSchedule(5, 1, 0, 0).forModule(1, 2));
    }

    @Test
    void malformedTextNamesTheExpectedForm() {
        ConfigException e = assertThrows(ConfigException.class, () -> LambdaSchedule.parse("5,1"));
        assertEquals("--lambda '5,1' must be four numbers 'ixx1,ixy1,ixx2,ixy2' (for example '5,1,0,0').", e.getMessage());
        assertThrows(ConfigException.class, () -> LambdaSchedule.parse("5,-1,0,0"));
    }
}
