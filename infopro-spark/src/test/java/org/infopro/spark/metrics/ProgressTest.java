package org.infopro.spark.metrics;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ProgressTest {
    private static EpochMetrics line() {
        EpochMetrics.Validation v = new EpochMetrics.Validation(100, 1.0, 0.5, 0.9, 1.2, List.of(
                new EpochMetrics.ModuleValidation(1, 0.4, 0.8, 1.5, null, 0.3, null),
                new EpochMetrics.ModuleValidation(2, 0.5, 0.9, 1.2, null, null, null)));
        EpochMetrics.Training t = new EpochMetrics.Training(100, 2, 10.0, 10.0, 0, List.of());
        return new EpochMetrics(1, 2, "all modules", 0.5, 0.1, t, v, 20.0);
    }

    @Test
    void showsTopFiveAfterTopOneAboveFiveClassesOnly() {
        assertEquals("[train] all modules epoch 1/2 | module-1 acc 0.4000 top5 0.8000 rec 0.3000 | module-2 acc 0.5000 top5 0.9000"
                + " | 10.0 img/s | elapsed 0m20s | ETA 0m20s", Progress.line(line(), 10));
        assertEquals("[train] all modules epoch 1/2 | module-1 acc 0.4000 rec 0.3000 | module-2 acc 0.5000"
                + " | 10.0 img/s | elapsed 0m20s | ETA 0m20s", Progress.line(line(), 5));
    }
}
