package org.infopro.spark.task;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LearningRateTest {

    @Test
    void perEpochCosineIsTheReproductionRecipe() {
        // lr = 0.05 * (1 + cos(pi * (e - 1) / 4)) for e = 1..4
        LearningRate lr = LearningRate.cosinePerEpoch(0.1, 4);
        double[] expected = {0.1, 0.05 * (1 + Math.cos(Math.PI / 4)), 0.05, 0.05 * (1 + Math.cos(3 * Math.PI / 4))};
        for (int e = 0; e < 4; e++) {
            assertEquals(expected[e], lr.at(e, 0, 100), 1e-15, "epoch " + (e + 1));
            assertEquals(expected[e], lr.at(e, 99, 100), 1e-15, "per-epoch rate is constant within epoch " + (e + 1));
        }
    }

    @Test
    void perStepCosineMovesWithinTheEpoch() {
        LearningRate lr = new LearningRate(0.1, 4, true, 0, 0);
        assertEquals(0.1, lr.at(0, 0, 10), 1e-15);
        assertEquals(0.05 * (1 + Math.cos(Math.PI * 0.5 / 4)), lr.at(0, 5, 10), 1e-15);
        assertEquals(0.05 * (1 + Math.cos(Math.PI * 3.9 / 4)), lr.at(3, 9, 10), 1e-15);
    }

    @Test
    void warmUpBlendsFromItsStartIntoTheCosine() {
        LearningRate lr = new LearningRate(0.8, 160, false, 10, 0.01);
        assertEquals(0.01, lr.at(0, 0, 1), 1e-15);
        double cos5 = 0.4 * (1 + Math.cos(Math.PI * 5 / 160));
        assertEquals(cos5 * 0.5 + 0.01 * 0.5, lr.at(5, 0, 1), 1e-15);
        assertEquals(0.4 * (1 + Math.cos(Math.PI * 10 / 160)), lr.at(10, 0, 1), 1e-15);
    }

    @Test
    void polyPerStepIsMmsegmentationsScheduleWithItsFloor() {
        // (0.01 - 1e-4) * (1 - t/2)^0.9 + 1e-4; 0.5^0.9 = 0.535886731, 0.25^0.9 = 0.287174589
        LearningRate lr = new LearningRate(0.01, 2, true, 0, 0, true, 0);
        assertEquals(0.01, lr.at(0, 0, 10), 1e-15);
        assertEquals(0.0099 * 0.535886731 + 1e-4, lr.at(1, 0, 10), 1e-11);
        assertEquals(0.0099 * 0.287174589 + 1e-4, lr.at(1, 5, 10), 1e-11);
        assertEquals(1e-4, lr.at(2, 0, 10), 1e-15, "the floor at the end of training");
    }

    @Test
    void withIterationsThePolyHorizonIsThoseStepsNotTheEpochs() {
        // 6 iterations of 4 steps per epoch: the horizon is 1.5 epochs, whatever the epochs field says
        LearningRate lr = new LearningRate(0.01, 2, true, 0, 0, true, 6);
        assertEquals(0.0099 * 0.535886731 + 1e-4, lr.at(0, 3, 4), 1e-11, "t = 0.75 of 1.5");
        assertEquals(1e-4, lr.at(1, 2, 4), 1e-15, "the floor at step 6");
    }
}
