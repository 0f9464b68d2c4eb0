package org.infopro.data.shard;

import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.infopro.data.config.ConfigException;
import org.infopro.data.io.Fs;
import org.infopro.data.manifest.DatasetManifest;

import java.util.List;

/**
 * Reads a prepared dataset's shards, and nothing else: exactly the files its manifest lists, checked
 * against {@link ShardSchema} before any work. Training reads data only through this class.
 */
public final class ShardReader {
    private final SparkSession spark;
    private final String datasetDir;
    private final DatasetManifest manifest;

    private ShardReader(SparkSession spark, String datasetDir, DatasetManifest manifest) {
        this.spark = spark;
        this.datasetDir = datasetDir;
        this.manifest = manifest;
    }

    public static ShardReader open(SparkSession spark, String datasetDir) {
        DatasetManifest m = DatasetManifest.read(datasetDir, spark.sparkContext().hadoopConfiguration());
        if (!ShardSchema.ENCODING_RAW.equals(m.image().encoding()) || !ShardSchema.DTYPE_UINT8.equals(m.image().dtype())
                || !ShardSchema.LAYOUT_HWC.equals(m.image().layout())) {
            throw new ConfigException(datasetDir + ": images are " + m.image() + "; this reader handles raw uint8 HWC.");
        }
        return new ShardReader(spark, datasetDir, m);
    }

    public DatasetManifest manifest() {
        return manifest;
    }

    /** The rows of one split as a DataFrame with the shard schema. */
    public Dataset<Row> rows(String split) {
        List<DatasetManifest.ShardFile> files = manifest.split(split).shards();
        if (files.isEmpty()) {
            throw new ConfigException(datasetDir + ": split '" + split + "' has no shards.");
        }
        String[] paths = files.stream().map(f -> new Path(datasetDir, f.path()).toString()).toArray(String[]::new);
        for (String p : paths) {
            if (!Fs.exists(new Path(p), spark.sparkContext().hadoopConfiguration())) {
                throw new ConfigException("shard " + p + " listed in the manifest is missing; the dataset is incomplete. Re-run prep.");
            }
        }
        Dataset<Row> df = spark.read().parquet(paths);
        ShardSchema.check(df.schema(), datasetDir + "/" + split);
        return df;
    }

    /** The rows of one split as labelled pixel arrays, in a deterministic order (by key) when limited. */
    public JavaRDD<LabeledImage> images(String split, long limit) {
        Dataset<Row> df = rows(split).select(ShardSchema.KEY, ShardSchema.LABEL, ShardSchema.IMAGE);
        if (limit > 0) {
            df = df.orderBy(ShardSchema.KEY).limit((int) Math.min(limit, Integer.MAX_VALUE));
        }
        return df.javaRDD().map(r -> new LabeledImage(r.getString(0), r.getInt(1), (byte[]) r.get(2)));
    }
}
