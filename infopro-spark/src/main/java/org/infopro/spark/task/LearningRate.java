package org.infopro.spark.task;

import java.io.Serializable;

/**
 * The learning rate as a pure function of training progress t (in epochs, 0-based; fractional when
 * updated per step): cosine annealing lr(t) = ½·lr0·(1 + cos(π·t/E)), or with {@code poly} mmsegmentation's poly
 * schedule lr(t) = (lr0 − m)·(1 − t/E)^0.9 + m with m = min(1e-4, lr0); optionally blended during the first
 * W warm-up epochs from {@code warmupStart}: lr = f(t)·(t/W) + warmupStart·(1 − t/W), the form of the
 * InfoPro reference's warm-up. Per epoch, t = e − 1 for epoch e = 1..E, so the last epoch does not reach 0. With
 * {@code iterations} N > 0 the horizon E is N steps, N / (steps per epoch) epochs, instead of {@code epochs}.
 */
public record LearningRate(double base, int epochs, boolean perStep, double warmupEpochs, double warmupStart, boolean poly,
                           long iterations) implements Serializable {
    /** The poly schedule's power and floor (mmsegmentation's {@code schedule_40k}). */
    public static final double POLY_POWER = 0.9;
    public static final double POLY_MIN = 1e-4;

    public LearningRate(double base, int epochs, boolean perStep, double warmupEpochs, double warmupStart) {
        this(base, epochs, perStep, warmupEpochs, warmupStart, false, 0);
    }

    public static LearningRate cosinePerEpoch(double base, int epochs) {
        return new LearningRate(base, epochs, false, 0, 0);
    }

    /** The rate for 0-based {@code epoch} at {@code step} of {@code stepsPerEpoch}. */
    public double at(int epoch, int step, int stepsPerEpoch) {
        double t = perStep ? epoch + (double) step / Math.max(1, stepsPerEpoch) : epoch;
        double epochs = iterations > 0 ? (double) iterations / Math.max(1, stepsPerEpoch) : this.epochs;
        double min = Math.min(POLY_MIN, base);
        double curve = poly ? (base - min) * Math.pow(Math.max(0, 1 - t / epochs), POLY_POWER) + min
                : 0.5 * base * (1 + Math.cos(Math.PI * t / epochs));
        if (t < warmupEpochs) {
            double f = t / warmupEpochs;
            return curve * f + warmupStart * (1 - f);
        }
        return curve;
    }
}
