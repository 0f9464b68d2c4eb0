package org.infopro.data.prep;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SerializableWritable;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.infopro.data.config.ConfigException;
import org.infopro.data.idx.IdxHeader;
import org.infopro.data.idx.IdxReader;
import org.infopro.data.io.AtomicOutput;
import org.infopro.data.io.Fs;
import org.infopro.data.io.Status;
import org.infopro.data.io.Versions;
import org.infopro.data.shard.DatasetManifest.ChannelStats;
import org.infopro.data.shard.DatasetManifest.SplitInfo;
import org.infopro.data.shard.DatasetManifest;
import org.infopro.data.shard.ShardSchema;
import org.infopro.data.shard.ShardWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Shards an IDX dataset (Fashion-MNIST, MNIST) into Parquet. Executors read the IDX files by record
 * range, rows go to shards by {@link KeyHash}, each shard is ordered by a second seeded hash, and the
 * dataset is written to a staging folder that is published only once the manifest is complete.
 */
public final class IdxPrepJob {
    private static final Logger LOG = LoggerFactory.getLogger(IdxPrepJob.class);

    /** The source files of one split. */
    private record SplitSource(String name, Path images, Path labels, IdxHeader header, int rows) {
    }

    private IdxPrepJob() {
    }

    public static PrepResult run(IdxPrepConfig cfg, SparkSession spark) {
        long t0 = System.nanoTime();
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        Map<String, Long> timings = new LinkedHashMap<>();

        List<SplitSource> sources = List.of(locate(cfg, "train", "train", conf), locate(cfg, "test", "t10k", conf));
        List<String> labelNames = labelNames(cfg, sources, conf);
        SplitSource first = sources.get(0);
        int height = first.header().dims()[1];
        int width = first.header().dims()[2];
        for (SplitSource s : sources) {
            if (s.header().dims()[1] != height || s.header().dims()[2] != width) {
                throw new ConfigException(s.images() + ": images are " + s.header().dims()[1] + "x" + s.header().dims()[2]
                        + " but " + first.images() + " has " + height + "x" + width + "; splits must share one shape.");
            }
        }
        timings.put("inspect", ms(t0));

        try (AtomicOutput out = AtomicOutput.open(cfg.output(), cfg.mode(), cfg.asMap(), conf)) {
            if (out == null) {
                LOG.info("{}: output {} exists, made with the same options, and --if-exists skip-ok: nothing to do", IdxPrepConfig.JOB, cfg.output());
                return new PrepResult(Status.SKIPPED, cfg.output(), Map.of(), 0, timings);
            }
            JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            Broadcast<SerializableWritable<Configuration>> bconf = jsc.broadcast(new SerializableWritable<>(conf));
            Map<String, SplitInfo> splits = new LinkedHashMap<>();
            Map<String, Long> rows = new LinkedHashMap<>();
            ChannelStats stats = null;
            int files = 0;
            for (SplitSource s : sources) {
                long ts = System.nanoTime();
                Path dir = new Path(out.staging(), s.name());
                writeSplit(cfg, jsc, spark, bconf, s, height, width, dir);
                SplitInfo info = ShardWriter.describe(spark, bconf, out.staging(), s.name(), labelNames.size(), s.rows(), 0);
                splits.put(s.name(), info);
                rows.put(s.name(), info.rows());
                files += info.shards().size();
                if (s.name().equals("train")) {
                    stats = channelStats(spark, dir, 1);
                }
                long took = ms(ts);
                timings.put("write_" + s.name(), took);
                LOG.info("{}: split {}: {} records -> {} shards in {} ms ({} records/s)", IdxPrepConfig.JOB, s.name(),
                        info.rows(), info.shards().size(), took, String.format(Locale.ROOT, "%.0f", info.rows() * 1000.0 / Math.max(took, 1)));
            }
            timings.put("total", ms(t0));
            DatasetManifest m = new DatasetManifest(ShardSchema.VERSION, cfg.dataset().label(), Instant.now().toString(),
                    new DatasetManifest.ImageSpec(height, width, 1, ShardSchema.DTYPE_UINT8, ShardSchema.LAYOUT_HWC,
                            ShardSchema.ENCODING_RAW),
                    labelNames, splits, stats, cfg.asMap(), Versions.of(spark), timings, null, null,
                    new DatasetManifest.Sharding(ShardWriter.ASSIGNMENT, ShardWriter.ORDER, cfg.seed(), 0, 0,
                            cfg.compression().label()), null);
            m.write(out.staging(), conf);
            out.publish();
            return new PrepResult(Status.OK, out.target().toString(), rows, files, timings);
        }
    }

    private static SplitSource locate(IdxPrepConfig cfg, String split, String prefix, Configuration conf) {
        Path images = find(cfg.input(), prefix + "-images-idx3-ubyte", conf);
        Path labels = find(cfg.input(), prefix + "-labels-idx1-ubyte", conf);
        IdxHeader ih = IdxReader.inspect(images, conf, 3);
        IdxHeader lh = IdxReader.inspect(labels, conf, 1);
        if (ih.count() != lh.count()) {
            throw new ConfigException(images + " holds " + ih.count() + " images but " + labels + " holds " + lh.count()
                    + " labels; they must be a pair from the same release.");
        }
        int rows = cfg.limit() > 0 ? Math.min(cfg.limit(), ih.count()) : ih.count();
        return new SplitSource(split, images, labels, ih, rows);
    }

    private static Path find(String dir, String base, Configuration conf) {
        for (String name : List.of(base + ".gz", base)) {
            Path p = new Path(dir, name);
            if (Fs.exists(p, conf)) {
                return p;
            }
        }
        throw new ConfigException("--input " + dir + ": no " + base + " or " + base + ".gz there. "
                + "Fetch Fashion-MNIST with submit/fetch-fashion-mnist.sh, or point --input at a folder of IDX files.");
    }

    /** Label names of the dataset; checks every label of every split is a valid index. */
    private static List<String> labelNames(IdxPrepConfig cfg, List<SplitSource> sources, Configuration conf) {
        int max = -1;
        for (SplitSource s : sources) {
            byte[][] labels = IdxReader.readRecords(s.labels(), conf, 1, 0, s.rows());
            for (int i = 0; i < labels.length; i++) {
                int l = labels[i][0] & 0xff;
                if (!cfg.dataset().labelNames().isEmpty() && l >= cfg.dataset().labelNames().size()) {
                    throw new ConfigException(s.labels() + ": record " + i + " has label " + l + " but " + cfg.dataset().label()
                            + " has " + cfg.dataset().labelNames().size() + " classes. Use --dataset idx for other label sets.");
                }
                max = Math.max(max, l);
            }
        }
        if (!cfg.dataset().labelNames().isEmpty()) {
            return cfg.dataset().labelNames();
        }
        List<String> names = new ArrayList<>();
        for (int i = 0; i <= max; i++) {
            names.add(Integer.toString(i));
        }
        return names;
    }

    private static void writeSplit(IdxPrepConfig cfg, JavaSparkContext jsc, SparkSession spark,
                                   Broadcast<SerializableWritable<Configuration>> bconf, SplitSource s,
                                   int height, int width, Path dir) {
        int slices = Math.max(1, Math.min(cfg.shards(), s.rows()));
        List<int[]> ranges = new ArrayList<>();
        for (int i = 0; i < slices; i++) {
            int from = (int) ((long) s.rows() * i / slices);
            int to = (int) ((long) s.rows() * (i + 1) / slices);
            ranges.add(new int[]{from, to});
        }
        String split = s.name();
        String images = s.images().toString();
        String labels = s.labels().toString();
        JavaRDD<Row> rows = jsc.parallelize(ranges, ranges.size())
                .flatMap(r -> {
                    Configuration c = bconf.value().value();
                    byte[][] px = IdxReader.readRecords(new Path(images), c, 3, r[0], r[1] - r[0]);
                    byte[][] lb = IdxReader.readRecords(new Path(labels), c, 1, r[0], r[1] - r[0]);
                    List<Row> out = new ArrayList<>(px.length);
                    for (int i = 0; i < px.length; i++) {
                        String key = split + "/" + String.format(Locale.ROOT, "%08d", r[0] + i);
                        out.add(RowFactory.create(key, split, lb[i][0] & 0xff, px[i], height, width, 1,
                                ShardSchema.DTYPE_UINT8, ShardSchema.LAYOUT_HWC, ShardSchema.ENCODING_RAW,
                                null, null, images, null, null));
                    }
                    return out.iterator();
                });
        ShardWriter.write(spark, rows, cfg.shards(), cfg.seed(), dir, cfg.compression().label(), 0);
    }

    /** Per-channel mean and std of pixels scaled to [0, 1], summed on executors. */
    static ChannelStats channelStats(SparkSession spark, Path splitDir, int channels) {
        double[] acc = spark.read().parquet(splitDir.toString()).select(ShardSchema.IMAGE).javaRDD()
                .mapPartitions(it -> {
                    double[] a = new double[2 * channels + 1];
                    long[] counts = new long[1];
                    it.forEachRemaining(r -> {
                        byte[] px = (byte[]) r.get(0);
                        for (int i = 0; i < px.length; i++) {
                            double v = (px[i] & 0xff) / 255.0;
                            int c = i % channels;
                            a[c] += v;
                            a[channels + c] += v * v;
                        }
                        counts[0] += px.length / channels;
                    });
                    a[2 * channels] = counts[0];
                    return List.of(a).iterator();
                })
                .reduce((x, y) -> {
                    double[] z = new double[x.length];
                    for (int i = 0; i < z.length; i++) {
                        z[i] = x[i] + y[i];
                    }
                    return z;
                });
        long n = (long) acc[2 * channels];
        double[] mean = new double[channels];
        double[] std = new double[channels];
        for (int c = 0; c < channels; c++) {
            mean[c] = acc[c] / n;
            std[c] = Math.sqrt(Math.max(acc[channels + c] / n - mean[c] * mean[c], 0));
        }
        return new ChannelStats(splitDir.getName(), n, mean, std);
    }

    private static long ms(long since) {
        return (System.nanoTime() - since) / 1_000_000;
    }
}
