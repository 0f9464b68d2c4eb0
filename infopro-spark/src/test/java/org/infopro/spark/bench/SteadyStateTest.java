package org.infopro.spark.bench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SteadyStateTest {

    /** The first step after which {@code rule} stops the warm-up on {@code times}. */
    private static int stopsAfter(SteadyState rule, double... times) {
        for (int i = 1; i <= times.length; i++) {
            if (rule.done(times, i)) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void warmUpEndsOnceTheWindowMedianStopsFalling() {
        SteadyState rule = new SteadyState(3, 15, 0.05);
        // medians of the windows ending at steps 6, 7, 8 fall by more than 5 % (2.8 after 4.6, 2.7 after 3.5, 2.6 after
        // 3.4); at step 9, 2.7 after 2.8 falls 3.6 %. (The times are those of a default-malloc DL4J run in the project's profile: its
        // steps fall to 1.3 s at step 10 when page faults stop, which is why the benchmark sets the malloc variables.)
        double[] t = {5.0, 4.6, 3.5, 3.4, 2.8, 2.6, 2.7, 2.6, 2.7, 1.3, 1.3, 1.3};
        assertEquals(9, stopsAfter(rule, t));
        assertTrue(rule.reached(t, 9));
        assertFalse(rule.reached(t, 8));
    }

    @Test
    void aStepTimeStillFallingRunsToTheMaximumAndIsNotSteady() {
        SteadyState rule = new SteadyState(2, 6, 0.05);
        double[] t = {30.7, 14.3, 11.6, 7.1, 5.1, 5.0, 5.0};
        assertEquals(6, stopsAfter(rule, t));
        assertFalse(rule.reached(t, 6));
    }

    @Test
    void aFixedWarmUpRunsExactlyItsStepsAndIsNeverSteady() {
        SteadyState rule = SteadyState.fixed(3);
        double[] flat = {1, 1, 1, 1, 1};
        assertEquals(3, stopsAfter(rule, flat));
        assertFalse(rule.reached(flat, 5));
    }

    @Test
    void aSlowerLastWindowCountsAsSteady() {
        // load rising on a shared machine makes steps slower, never faster: that is no reason to keep warming up
        assertEquals(4, stopsAfter(new SteadyState(2, 10, 0.05), 1.0, 1.0, 1.4, 1.5));
    }

    @Test
    void impossibleSettingsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new SteadyState(2, 0, 0.05));
        assertThrows(IllegalArgumentException.class, () -> new SteadyState(2, 5, 1.0));
    }
}
