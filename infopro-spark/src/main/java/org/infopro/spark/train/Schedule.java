package org.infopro.spark.train;

import java.util.Locale;

/** How the local modules are trained. */
public enum Schedule {
    /** The paper's mode: each batch goes through all modules in one task; each backpropagates its own loss. */
    SIMULTANEOUS;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
