package org.infopro.spark.spill;

/**
 * Compression of a spill's data files: Parquet's own codec for {@link SpillFormat#PARQUET}, Spark's
 * I/O codec of the same name for {@link SpillFormat#BINARY}. Zstd pays off on sparse (post-ReLU)
 * activations; snappy is the cheap middle.
 */
public enum SpillCodec {
    NONE, SNAPPY, ZSTD;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
