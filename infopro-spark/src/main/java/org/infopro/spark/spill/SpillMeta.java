package org.infopro.spark.spill;

/** The contents of a complete spill's {@code _spill.json}: what the records hold, how they were written, how many. */
public record SpillMeta(SpillLayout layout, SpillConfig config, SpillStats stats) {
}
