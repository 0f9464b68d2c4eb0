package org.infopro.data.shard;

import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.util.SerializableConfiguration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.infopro.data.config.ConfigException;
import org.infopro.data.io.Fs;

import java.util.Iterator;
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
        if (!ShardSchema.DTYPE_UINT8.equals(m.image().dtype()) || !ShardSchema.LAYOUT_HWC.equals(m.image().layout())) {
            throw new ConfigException(datasetDir + ": images are " + m.image() + "; this reader handles uint8 HWC.");
        }
        // qualified: executors read the shards from working folders of their own
        return new ShardReader(spark, Fs.qualified(new Path(datasetDir), spark.sparkContext().hadoopConfiguration()).toString(), m);
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
        ShardSchema.check(df.schema(), manifest.schemaVersion(), datasetDir + "/" + split);
        return df;
    }

    /** The first of {@code names} that this dataset has (e.g. "test", else "val"). */
    public String firstSplit(String... names) {
        for (String n : names) {
            if (manifest.splits().containsKey(n)) {
                return n;
            }
        }
        throw new ConfigException(datasetDir + ": none of the splits " + String.join(", ", names) + " exists; it has "
                + manifest.splits().keySet() + ".");
    }

    /** {@link #images(String, long, int)} over Spark's default parallelism. */
    public JavaRDD<LabeledImage> images(String split, long limit) {
        return images(split, limit, spark.sparkContext().defaultParallelism());
    }

    /**
     * The first {@code limit} rows (0 = all) of one split as labelled pixel arrays, in {@code partitions}
     * partitions of whole {@link ShardChunk}s, in shard order. Nothing is cached: each pass reads the chunks again
     * and decodes a row only when it is iterated, so a task holds one chunk's encoded rows and one decoded image.
     */
    public JavaRDD<LabeledImage> images(String split, long limit, int partitions) {
        StreamPlan plan = plan(split, limit, (int) Math.max(1, Math.min(partitions, rowsOf(split, limit))), 0);
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        SerializableConfiguration conf = new SerializableConfiguration(spark.sparkContext().hadoopConfiguration());
        return jsc.parallelize(plan.parts(), plan.parts().size()).flatMap(chunks -> {
            // a stream's iterator runs a flatMap'd chunk through the whole pipeline at once, so decoding stays outside it
            return decodedAsIterated(chunks.stream().flatMap(c -> ChunkReader.read(c, conf.value()).stream()).iterator());
        });
    }

    /** {@code rows} decoded one at a time, as they are iterated (static: a task closure must not capture the reader). */
    private static Iterator<LabeledImage> decodedAsIterated(Iterator<ShardRow> rows) {
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return rows.hasNext();
            }

            @Override
            public LabeledImage next() {
                return rows.next().decode();
            }
        };
    }

    /**
     * The chunks of a split's first {@code limit} rows over {@code parts} tasks (see {@link StreamPlan}), after
     * checking the shards exist and have the schema.
     */
    public StreamPlan plan(String split, long limit, int parts, long seed) {
        rows(split);
        return StreamPlan.of(manifest, datasetDir, split, limit, parts, seed);
    }

    private long rowsOf(String split, long limit) {
        long rows = manifest.split(split).rows();
        return limit > 0 ? Math.min(limit, rows) : rows;
    }
}
