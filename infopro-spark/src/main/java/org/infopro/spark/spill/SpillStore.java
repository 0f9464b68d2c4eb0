package org.infopro.spark.spill;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;
import org.apache.spark.util.SerializableConfiguration;
import org.infopro.data.io.Fs;
import org.infopro.data.io.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;

/**
 * The spill store of the sequential schedule: module k's detached outputs (one {@link SpillRecord} per image
 * view) written once to a folder on any Hadoop file system, and read by module k+1. A spill folder is
 * complete or absent: it is written into a hidden staging sibling, {@code _spill.json} (layout, config,
 * stats) is written last, and the folder is renamed into place. Called on the Spark driver; the records
 * are produced and consumed in Spark tasks.
 */
public final class SpillStore {
    public static final String META = "_spill.json";
    /** Key, label and view plus framing: a planner's allowance per record on top of the arrays. */
    static final int RECORD_OVERHEAD = 32;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SpillStore.class);
    private static final StructType SCHEMA = new StructType()
            .add("key", DataTypes.StringType, false)
            .add("label", DataTypes.IntegerType, false)
            .add("view", DataTypes.IntegerType, false)
            .add("target", DataTypes.BinaryType, false)
            .add("activation", DataTypes.BinaryType, false)
            .add("pixels", DataTypes.BinaryType, false);

    private SpillStore() {
    }

    /**
     * Writes every partition of {@code records} to {@code dir}, replacing a spill already there, and returns
     * what was written. If the Spark job fails its exception propagates and {@code dir} is left as it was
     * (or absent); the staging folder is removed.
     */
    public static SpillStats write(SparkSession spark, JavaRDD<SpillRecord> records, Path dir, SpillLayout layout,
                                   SpillConfig cfg) {
        if (layout.precision() != cfg.precision()) {
            throw new IllegalArgumentException("spill " + dir + ": the layout's precision " + layout.precision().label()
                    + " differs from the config's " + cfg.precision().label() + "; encode and write with the same precision");
        }
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        FileSystem fs = Fs.of(dir, conf);
        Path target = qualified(fs, dir);
        if (target.getParent() == null) {
            throw new IllegalArgumentException("spill folder '" + dir + "' is a root; give a folder such as out/spill/module-1");
        }
        Path staging = staging(target);
        boolean published = false;
        try {
            fs.delete(staging, true);
            long count = cfg.format() == SpillFormat.PARQUET
                    ? writeParquet(spark, records, staging, layout, cfg.codec())
                    : writeBinary(records, staging, layout, cfg.codec(), conf);
            for (FileStatus st : fs.listStatus(staging, p -> p.getName().endsWith(".tmp"))) {
                fs.delete(st.getPath(), false); // left by failed or speculative task attempts
            }
            List<FileStatus> parts = parts(fs, staging);
            SpillStats stats = new SpillStats(count, parts.stream().mapToLong(FileStatus::getLen).sum(), parts.size());
            Fs.writeStringAtomically(new Path(staging, META), Json.pretty(new SpillMeta(layout, cfg, stats)), conf);
            fs.delete(target, true);
            if (!fs.rename(staging, target)) {
                throw new IOException("rename " + staging + " -> " + target + " failed");
            }
            published = true;
            LOG.info("spill {}: {} records, {} bytes in {} {} files ({}, {})", target, stats.records(), stats.bytes(),
                    stats.files(), cfg.format().label(), cfg.precision().label(), cfg.codec().label());
            return stats;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write spill " + dir + ": " + e.getMessage(), e);
        } finally {
            if (!published) {
                try {
                    fs.delete(staging, true);
                } catch (IOException ignored) {
                    // best effort: the staging folder is hidden, never read, and deleted by the next write
                }
            }
        }
    }

    private static long writeParquet(SparkSession spark, JavaRDD<SpillRecord> records, Path staging, SpillLayout layout,
                                     SpillCodec codec) {
        // counted in the write job's result tasks: Spark applies each partition's update exactly once
        LongAccumulator count = spark.sparkContext().longAccumulator("spill records");
        JavaRDD<Row> rows = records.map(r -> {
            check(r, layout);
            count.add(1);
            return RowFactory.create(r.key(), r.label(), r.view(), r.target(), r.activation(), r.pixels());
        });
        spark.createDataFrame(rows, SCHEMA).write()
                .option("compression", codec == SpillCodec.NONE ? "uncompressed" : codec.label())
                .parquet(staging.toString());
        return count.value();
    }

    private static long writeBinary(JavaRDD<SpillRecord> records, Path staging, SpillLayout layout, SpillCodec codec,
                                    Configuration conf) throws IOException {
        Fs.of(staging, conf).mkdirs(staging);
        SerializableConfiguration taskConf = new SerializableConfiguration(conf);
        String dir = staging.toString();
        List<Long> counts = records.mapPartitionsWithIndex((partition, it) -> List.of(
                BinaryParts.write(taskConf.value(), new Path(dir), partition, it, layout, codec)).iterator(), false).collect();
        return counts.stream().mapToLong(Long::longValue).sum();
    }

    /** The records of the complete spill in {@code dir}; refuses a folder without {@code _spill.json}. */
    public static JavaRDD<SpillRecord> read(SparkSession spark, Path dir) {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        SpillMeta meta = meta(dir, conf);
        FileSystem fs = Fs.of(dir, conf);
        Path source = qualified(fs, dir);
        List<String> parts;
        try {
            parts = parts(fs, source).stream().map(st -> st.getPath().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list spill " + dir + ": " + e.getMessage(), e);
        }
        if (parts.size() != meta.stats().files()) {
            throw new IllegalStateException("spill " + dir + " holds " + parts.size() + " data files but its " + META
                    + " lists " + meta.stats().files() + "; the folder was changed after it was written. Write the spill again.");
        }
        if (meta.config().format() == SpillFormat.PARQUET) {
            org.apache.spark.sql.Dataset<Row> rows = spark.read().parquet(source.toString());
            // spills written before records carried per-pixel labels have no "pixels" column: they are classification spills
            org.apache.spark.sql.Column pixels = Arrays.asList(rows.columns()).contains("pixels") ? rows.col("pixels")
                    : org.apache.spark.sql.functions.lit(new byte[0]);
            return rows.select(rows.col("key"), rows.col("label"), rows.col("view"), rows.col("target"), rows.col("activation"),
                    pixels).javaRDD().map(SpillStore::record);
        }
        SerializableConfiguration taskConf = new SerializableConfiguration(conf);
        SpillCodec codec = meta.config().codec();
        return JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(parts, Math.max(1, parts.size()))
                .flatMap(p -> BinaryParts.read(taskConf.value(), new Path(p), codec));
    }

    /** The parsed {@code _spill.json} of {@code dir}; an IllegalStateException naming {@code dir} when there is none. */
    public static SpillMeta meta(Path dir, Configuration conf) {
        Path meta = new Path(dir, META);
        if (!Fs.exists(meta, conf)) {
            throw new IllegalStateException("no complete spill at " + dir + " (no " + META + "): it is missing, or the write "
                    + "that produces it did not finish. Run the step that spills it (the previous module) again.");
        }
        return Json.read(Fs.readString(meta, conf), SpillMeta.class);
    }

    /** True when {@code dir} holds a complete spill (its {@code _spill.json} is written last). */
    public static boolean complete(Path dir, Configuration conf) {
        return Fs.exists(new Path(dir, META), conf);
    }

    /** Removes the spill in {@code dir} and any staging folder a failed write left beside it; nothing there is fine. */
    public static void delete(Path dir, Configuration conf) {
        FileSystem fs = Fs.of(dir, conf);
        Path target = qualified(fs, dir);
        try {
            fs.delete(target, true);
            if (target.getParent() != null) {
                fs.delete(staging(target), true);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete spill " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Uncompressed bytes of {@code records} records: activation, uint8 target, uint8 labels and a per-record allowance. */
    public static long estimateBytes(long records, SpillLayout layout) {
        return records * ((long) layout.activationBytes() + layout.targetBytes() + layout.labelBytes() + RECORD_OVERHEAD);
    }

    /** Fails a record whose arrays do not match the layout, naming it, before it reaches a file. */
    static void check(SpillRecord r, SpillLayout layout) {
        if (r.activation().length != layout.activationBytes() || r.target().length != layout.targetBytes()
                || r.pixels().length != layout.labelBytes()) {
            throw new IllegalArgumentException("spill record '" + r.key() + "' view " + r.view() + " has " + r.activation().length
                    + " activation, " + r.target().length + " target and " + r.pixels().length + " label bytes, but the layout "
                    + layout + " needs " + layout.activationBytes() + ", " + layout.targetBytes() + " and " + layout.labelBytes()
                    + "; encode with the layout's shapes and precision");
        }
    }

    /** Absolute, with the file system's scheme (tasks may run elsewhere), and without a trailing slash. */
    private static Path qualified(FileSystem fs, Path dir) {
        return fs.makeQualified(new Path(dir.toString()));
    }

    private static Path staging(Path dir) {
        return new Path(dir.getParent(), "." + dir.getName() + ".staging");
    }

    private static List<FileStatus> parts(FileSystem fs, Path dir) throws IOException {
        return Arrays.stream(fs.listStatus(dir, p -> p.getName().startsWith("part-"))).filter(FileStatus::isFile).toList();
    }

    private static SpillRecord record(Row row) {
        return new SpillRecord(row.getString(0), row.getInt(1), row.getInt(2), (byte[]) row.get(3), (byte[]) row.get(4),
                (byte[]) row.get(5));
    }
}
