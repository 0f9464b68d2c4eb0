package org.infopro.data.shard;

import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.infopro.data.config.ConfigException;
import org.infopro.data.image.BadImageException;
import org.infopro.data.image.ImageCodec;
import org.infopro.data.image.RgbImage;
import org.infopro.data.io.Fs;

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

    /**
     * The rows of one split as labelled pixel arrays, in a deterministic order (by key) when limited. Encoded
     * images (and masks) are decoded here, once, on the executors; a row that no longer decodes fails the
     * task with its key, since prep already quarantined every bad input.
     */
    public JavaRDD<LabeledImage> images(String split, long limit) {
        boolean v2 = manifest.schemaVersion() >= 2;
        Dataset<Row> df = v2
                ? rows(split).select(ShardSchema.KEY, ShardSchema.LABEL, ShardSchema.IMAGE, ShardSchema.ENCODING,
                ShardSchema.HEIGHT, ShardSchema.WIDTH, ShardSchema.CHANNELS, ShardSchema.MASK, ShardSchema.MASK_ENCODING)
                : rows(split).select(ShardSchema.KEY, ShardSchema.LABEL, ShardSchema.IMAGE);
        if (limit > 0) {
            df = df.orderBy(ShardSchema.KEY).limit((int) Math.min(limit, Integer.MAX_VALUE));
        }
        if (!v2) {
            return df.javaRDD().map(r -> new LabeledImage(r.getString(0), r.getInt(1), (byte[]) r.get(2)));
        }
        return df.javaRDD().map(ShardReader::decode);
    }

    static LabeledImage decode(Row r) {
        String key = r.getString(0);
        byte[] data = (byte[]) r.get(2);
        String enc = r.getString(3);
        try {
            RgbImage img = ShardSchema.ENCODING_RAW.equals(enc)
                    ? new RgbImage(r.getInt(5), r.getInt(4), r.getInt(6), data)
                    : ImageCodec.decodeRgb(data, Long.MAX_VALUE);
            byte[] mask = null;
            if (!r.isNullAt(7)) {
                mask = ShardSchema.ENCODING_RAW.equals(r.getString(8)) ? (byte[]) r.get(7)
                        : ImageCodec.decodeGray((byte[]) r.get(7), Long.MAX_VALUE).pixels();
            }
            return new LabeledImage(key, r.getInt(1), img.pixels(), img.height(), img.width(), img.channels(), mask);
        } catch (BadImageException e) {
            throw new IllegalStateException("shard row " + key + " does not decode (" + e.reason().label() + ": "
                    + e.getMessage() + "); the shard is damaged. Re-run prep.", e);
        }
    }
}
