package org.infopro.spark.train;

import java.io.Serializable;

/**
 * The learning rate as a pure function of the epoch: per-epoch cosine annealing,
 * lr(e) = ½·lr0·(1 + cos(π·e/E)) for e = 0..E−1 (the last epoch does not reach 0).
 */
public record CosineSchedule(double base, int epochs) implements Serializable {
    public double at(int epoch) {
        return 0.5 * base * (1 + Math.cos(Math.PI * epoch / epochs));
    }
}
