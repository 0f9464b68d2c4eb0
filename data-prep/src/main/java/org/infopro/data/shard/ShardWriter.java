package org.infopro.data.shard;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.Partitioner;
import org.apache.spark.SerializableWritable;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.infopro.data.io.Fs;
import org.infopro.data.shard.DatasetManifest.ShardFile;
import org.infopro.data.shard.DatasetManifest.SplitInfo;
import scala.Tuple2;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes one split's rows as Parquet shards with the shard contract every prep job shares: row → shard by
 * {@link KeyHash#shard}(key, seed), rows inside a shard in the order of a second seeded hash of the key,
 * files named {@code shard-NNNNN.parquet}, then read back for the manifest (rows per class and file,
 * bytes and sha256 computed on executors).
 */
public final class ShardWriter {
    /** Salt of the in-shard order hash, so order and assignment are independent. */
    public static final long ORDER_SALT = 0x5DEECE66DL;
    public static final String ASSIGNMENT = "splitmix64(utf8(key), seed) mod shards";
    public static final String ORDER = "ascending splitmix64(utf8(key), seed ^ 0x5DEECE66D)";
    private static final Pattern PART = Pattern.compile("part-(\\d+)-.*\\.parquet");

    private ShardWriter() {
    }

    /** The shard count that makes shards of about {@code targetBytes} from {@code totalBytes} of rows. */
    public static int shardCount(long totalBytes, long targetBytes, long rows) {
        long n = (totalBytes + targetBytes - 1) / Math.max(targetBytes, 1);
        return (int) Math.max(1, Math.min(Math.min(n, rows), 100_000));
    }

    /**
     * Writes {@code rows} (each a {@link ShardSchema#SCHEMA} row whose first field is the key) into
     * {@code shards} files under {@code dir}, then names them. {@code rowGroupBytes} 0 keeps Parquet's default.
     */
    public static void write(SparkSession spark, JavaRDD<Row> rows, int shards, long seed, Path dir,
                             String compression, long rowGroupBytes) {
        JavaRDD<Row> sharded = rows
                .mapToPair(r -> new Tuple2<>(KeyHash.shard(r.getString(0), seed, shards), r))
                .partitionBy(new ShardPartitioner(shards))
                .mapPartitions(it -> orderInShard(it, seed));
        var writer = spark.createDataFrame(sharded, ShardSchema.SCHEMA)
                .write()
                .option("compression", compression)
                // image blobs are unique: a dictionary attempt per page only costs time
                .option("parquet.enable.dictionary", "false");
        if (rowGroupBytes > 0) {
            writer = writer.option("parquet.block.size", Long.toString(rowGroupBytes));
        }
        writer.parquet(dir.toString());
        nameShards(dir, spark.sparkContext().hadoopConfiguration());
    }

    private static Iterator<Row> orderInShard(Iterator<Tuple2<Integer, Row>> it, long seed) {
        List<Row> rows = new ArrayList<>();
        it.forEachRemaining(t -> rows.add(t._2()));
        rows.sort(Comparator.comparingLong(r -> KeyHash.of(r.getString(0), seed ^ ORDER_SALT)));
        return rows.iterator();
    }

    /** Spark names files part-NNNNN-uuid; shards get stable names shard-NNNNN.parquet. */
    static void nameShards(Path dir, Configuration conf) {
        FileSystem fs = Fs.of(dir, conf);
        try {
            for (FileStatus st : fs.listStatus(dir)) {
                String name = st.getPath().getName();
                Matcher m = PART.matcher(name);
                if (m.matches()) {
                    Path to = new Path(dir, String.format(Locale.ROOT, "shard-%05d.parquet", Integer.parseInt(m.group(1))));
                    if (!fs.rename(st.getPath(), to)) {
                        throw new IOException("rename " + st.getPath() + " -> " + to + " failed");
                    }
                } else if (name.equals("_SUCCESS") || name.startsWith(".")) {
                    fs.delete(st.getPath(), false);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot name the shards in " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads the written split back for its manifest entry: rows per class and per file, and each file's
     * bytes and sha256. Rows without a class ({@link ShardSchema#NO_LABEL}) count in rows only.
     */
    public static SplitInfo describe(SparkSession spark, Broadcast<SerializableWritable<Configuration>> bconf,
                                     Path datasetDir, String split, int numClasses, long inputs, long quarantined) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Dataset<Row> df = spark.read().parquet(new Path(datasetDir, split).toString());
        ShardSchema.check(df.schema(), split);
        long[] classCounts = new long[numClasses];
        Map<String, Long> perFile = new LinkedHashMap<>();
        // Counted per partition and merged on the driver: a SQL groupBy would shuffle into
        // spark.sql.shuffle.partitions (200 by default) tasks for a handful of (file, label) pairs.
        List<Map<String, Long>> partial = df.select(functions.col(ShardSchema.LABEL), functions.input_file_name())
                .javaRDD()
                .mapPartitions(it -> {
                    Map<String, Long> m = new java.util.HashMap<>();
                    it.forEachRemaining(r -> m.merge(r.getInt(0) + "\t" + r.getString(1), 1L, Long::sum));
                    return List.of(m).iterator();
                })
                .collect();
        for (Map<String, Long> m : partial) {
            for (Map.Entry<String, Long> e : m.entrySet()) {
                int tab = e.getKey().indexOf('\t');
                int label = Integer.parseInt(e.getKey().substring(0, tab));
                if (label >= 0 && label < numClasses) {
                    classCounts[label] += e.getValue();
                } else if (label != ShardSchema.NO_LABEL) {
                    throw new IllegalStateException(split + ": a row has label " + label + " outside [0, " + numClasses + ")");
                }
                perFile.merge(new Path(e.getKey().substring(tab + 1)).getName(), e.getValue(), Long::sum);
            }
        }
        List<String> names = new ArrayList<>(perFile.keySet());
        names.sort(null);
        String dir = new Path(datasetDir, split).toString();
        List<String[]> digests = names.isEmpty() ? List.of()
                : jsc.parallelize(names, Math.max(1, Math.min(names.size(), jsc.defaultParallelism())))
                .map(n -> {
                    Path p = new Path(dir, n);
                    Configuration c = bconf.value().value();
                    long len = Fs.of(p, c).getFileStatus(p).getLen();
                    return new String[]{n, Long.toString(len), Fs.sha256(p, c)};
                })
                .collect();
        List<ShardFile> shards = new ArrayList<>();
        long total = 0;
        for (String[] d : digests) {
            long rows = perFile.get(d[0]);
            total += rows;
            shards.add(new ShardFile(split + "/" + d[0], rows, Long.parseLong(d[1]), d[2]));
        }
        return new SplitInfo(total, classCounts, shards, inputs, quarantined);
    }

    /** Sends shard id k to partition k, so each partition becomes exactly one shard file. */
    static final class ShardPartitioner extends Partitioner {
        private final int shards;

        ShardPartitioner(int shards) {
            this.shards = shards;
        }

        @Override
        public int numPartitions() {
            return shards;
        }

        @Override
        public int getPartition(Object key) {
            return (Integer) key;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ShardPartitioner p && p.shards == shards;
        }

        @Override
        public int hashCode() {
            return shards;
        }
    }
}
