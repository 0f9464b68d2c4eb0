package org.infopro.spark.spill;

/**
 * How a spill lays out its records: Parquet through Spark SQL (columnar, readable by any Parquet tool) or
 * the spill's own binary part files (one stream of records per partition, the least overhead per record).
 */
public enum SpillFormat {
    PARQUET, BINARY;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
