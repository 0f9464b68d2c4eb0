package org.infopro.spark.metrics;

import java.util.ArrayList;
import java.util.List;

/**
 * A training epoch's statistics summed over its tasks (the rounds and replicas of the simultaneous and
 * sequential schedules, or the staggered schedule's module tasks), and the metrics line's training part.
 * {@code images} and {@code steps} of the line are those of the last module trained, so a line counts each
 * image once however many modules saw it.
 */
public final class EpochTotals {
    private final long[] images;
    private final long[] steps;
    private final long[] nanos;
    private final double[] lossSum;
    private long peak;

    public EpochTotals(int modules) {
        images = new long[modules];
        steps = new long[modules];
        nanos = new long[modules];
        lossSum = new double[modules];
    }

    /** Adds a task that trained modules {@code first..last}. */
    public void add(TaskStats t, int first, int last) {
        for (int k = first; k <= last; k++) {
            images[k] += t.images();
            steps[k] += t.steps();
            nanos[k] += t.nanosPerModule()[k];
            lossSum[k] += t.lossSum()[k];
        }
        peak = Math.max(peak, t.peakMemoryBytes());
    }

    /** Steps of the last module counted so far (0: nothing trained). */
    public long steps(int module) {
        return steps[module];
    }

    public long images(int module) {
        return images[module];
    }

    /** The metrics line's training part for modules {@code first..last}, over {@code seconds} of wall time. */
    public EpochMetrics.Training training(int first, int last, double seconds) {
        List<EpochMetrics.ModuleTraining> mt = new ArrayList<>();
        for (int k = first; k <= last; k++) {
            double s = nanos[k] / 1e9;
            mt.add(new EpochMetrics.ModuleTraining(k + 1, steps[k] > 0 ? lossSum[k] / steps[k] : Double.NaN, s,
                    s > 0 ? images[k] / s : 0));
        }
        return new EpochMetrics.Training(images[last], steps[last], seconds, images[last] / Math.max(seconds, 1e-9), peak, mt);
    }
}
