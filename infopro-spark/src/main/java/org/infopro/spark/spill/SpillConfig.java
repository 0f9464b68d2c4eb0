package org.infopro.spark.spill;

import java.io.Serializable;
import java.util.Objects;

/** How a spill is written: file format, activation precision, compression. Recorded in {@code _spill.json}. */
public record SpillConfig(SpillFormat format, Precision precision, SpillCodec codec) implements Serializable {
    public SpillConfig {
        Objects.requireNonNull(format, "spill format");
        Objects.requireNonNull(precision, "spill precision");
        Objects.requireNonNull(codec, "spill codec");
    }
}
