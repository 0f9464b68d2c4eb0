package org.infopro.spark.task;

import java.io.Serializable;

/**
 * The learning rate as a pure function of training progress t (in epochs, 0-based; fractional when
 * updated per step): cosine annealing lr(t) = ½·lr0·(1 + cos(π·t/E)), optionally blended during the first
 * W warm-up epochs from {@code warmupStart}: lr = cos(t)·(t/W) + warmupStart·(1 − t/W), the form of the
 * InfoPro reference's warm-up. Per epoch, t = e − 1 for epoch e = 1..E, so the last epoch does not reach 0.
 */
public record LearningRate(double base, int epochs, boolean perStep, double warmupEpochs, double warmupStart)
        implements Serializable {

    public static LearningRate cosinePerEpoch(double base, int epochs) {
        return new LearningRate(base, epochs, false, 0, 0);
    }

    /** The rate for 0-based {@code epoch} at {@code step} of {@code stepsPerEpoch}. */
    public double at(int epoch, int step, int stepsPerEpoch) {
        double t = perStep ? epoch + (double) step / Math.max(1, stepsPerEpoch) : epoch;
        double cos = 0.5 * base * (1 + Math.cos(Math.PI * t / epochs));
        if (t < warmupEpochs) {
            double f = t / warmupEpochs;
            return cos * f + warmupStart * (1 - f);
        }
        return cos;
    }
}
