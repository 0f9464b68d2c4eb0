package org.infopro.spark.spill;

import java.io.Serializable;

/** What a spill write produced: records, the data files' total length as the FileSystem reports it, file count. */
public record SpillStats(long records, long bytes, int files) implements Serializable {
}
