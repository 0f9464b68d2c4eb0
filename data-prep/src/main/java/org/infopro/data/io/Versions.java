package org.infopro.data.io;

import org.apache.spark.sql.SparkSession;

import java.util.LinkedHashMap;
import java.util.Map;

/** The versions a run records in its manifests and results. */
public final class Versions {
    private Versions() {
    }

    public static Map<String, String> of(SparkSession spark) {
        Map<String, String> v = new LinkedHashMap<>();
        String own = Versions.class.getPackage().getImplementationVersion();
        v.put("infopro", own == null ? "dev" : own);
        v.put("spark", spark.version());
        v.put("hadoop", org.apache.hadoop.util.VersionInfo.getVersion());
        v.put("java", System.getProperty("java.version"));
        return v;
    }
}
