package org.infopro.spark.config;

import java.util.Locale;

/** How the local modules are trained. */
public enum ScheduleKind {
    /** The paper's mode: each batch goes through all modules in one task; each backpropagates its own loss. */
    SIMULTANEOUS,
    /** Module after module, each for all its epochs, on spilled or recomputed outputs of the modules before it. */
    SEQUENTIAL,
    /** All modules at once as parallel tasks, pipelined over waves: module k trains on what module k-1 produced a wave earlier. */
    STAGGERED;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
