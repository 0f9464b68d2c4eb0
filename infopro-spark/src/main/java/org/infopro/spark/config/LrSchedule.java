package org.infopro.spark.config;

import java.util.Locale;

/** When the cosine learning rate is recomputed: once per epoch (the InfoPro reference's) or at every step. */
public enum LrSchedule {
    COSINE_EPOCH("cosine per epoch"),
    COSINE_STEP("cosine per step");

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
        return this == COSINE_STEP;
    }
}
