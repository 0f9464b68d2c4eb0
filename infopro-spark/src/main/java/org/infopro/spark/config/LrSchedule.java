package org.infopro.spark.config;

import java.util.Locale;

/**
 * The learning-rate curve and when it is recomputed: cosine once per epoch (the InfoPro reference's CIFAR and ImageNet
 * schedule) or at every step, or mmsegmentation's poly schedule at every step (power 0.9, minimum 1e-4: the
 * reference's Cityscapes schedule).
 */
public enum LrSchedule {
    COSINE_EPOCH("cosine per epoch"),
    COSINE_STEP("cosine per step"),
    POLY_STEP("poly per step (power 0.9, min 1e-4)");

    private final String description;

    LrSchedule(String description) {
        this.description = description;
    }

    /** The name on the command line: {@code cosine-epoch}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** As result.json and checkpoints record it: {@code cosine per epoch}. */
    public String description() {
        return description;
    }

    public boolean perStep() {
        return this != COSINE_EPOCH;
    }

    public boolean poly() {
        return this == POLY_STEP;
    }
}
