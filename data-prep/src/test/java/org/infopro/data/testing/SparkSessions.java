package org.infopro.data.testing;

import org.apache.spark.sql.SparkSession;

/** The local[2] Spark session tests use: real Spark, loopback only, no UI. One per test class. */
public final class SparkSessions {
    private SparkSessions() {
    }

    public static SparkSession local(String name) {
        return SparkSession.builder()
                .master("local[2]")
                .appName(name)
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.sql.shuffle.partitions", "4")
                .getOrCreate();
    }
}
