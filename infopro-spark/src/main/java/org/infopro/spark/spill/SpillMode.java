package org.infopro.spark.spill;

import java.util.Locale;

/** How the sequential schedule feeds module k+1: from a spill of module k's outputs, by recomputing them, or as planned. */
public enum SpillMode {
    /** Write module k's detached outputs (train views and validation) to the spill store once; read them back. */
    SPILL,
    /** Run the frozen modules 1..k again for every batch: no disk, fresh augmentation, extra forward FLOPs. */
    RECOMPUTE,
    /** Let the planner choose from the spill bytes, the recompute FLOPs and the disk available. */
    AUTO;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
