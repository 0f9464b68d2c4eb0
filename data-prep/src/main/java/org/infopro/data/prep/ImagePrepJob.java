package org.infopro.data.prep;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SerializableWritable;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.LongAccumulator;
import org.infopro.data.io.AtomicOutput;
import org.infopro.data.io.Fs;
import org.infopro.data.io.Json;
import org.infopro.data.io.ProgressTimer;
import org.infopro.data.io.Status;
import org.infopro.data.io.Versions;
import org.infopro.data.shard.DatasetManifest.ChannelStats;
import org.infopro.data.shard.DatasetManifest.SplitInfo;
import org.infopro.data.shard.DatasetManifest;
import org.infopro.data.shard.ShardSchema;
import org.infopro.data.shard.ShardWriter;
import org.infopro.data.source.CityscapesSource;
import org.infopro.data.source.ImageNetSource;
import org.infopro.data.source.PrepOutcome;
import org.infopro.data.source.PrepSource;
import org.infopro.data.source.PrepSource.SplitWork;
import org.infopro.data.source.SmallSetSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Shards an image dataset into Parquet: every input becomes a row or a quarantine record, on executors;
 * the shard count follows from the split's bytes and the target shard size; rows go to shards by
 * hash(key, seed) and are ordered inside by a second seeded hash; the dataset, its {@code _manifest.json}
 * and {@code _quarantine.jsonl} are written to a staging folder and published only when complete.
 */
public final class ImagePrepJob {
    private static final Logger LOG = LoggerFactory.getLogger(ImagePrepJob.class);
    public static final String QUARANTINE_FILE = "_quarantine.jsonl";

    private ImagePrepJob() {
    }

    public static ImagePrepResult run(ImagePrepConfig cfg, SparkSession spark) {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        Map<String, Long> timings = new LinkedHashMap<>();
        try {
            ImagePrepResult r = execute(cfg, spark, conf, timings);
            writeResult(cfg, r, conf);
            return r;
        } catch (RuntimeException | Error e) {
            try {
                writeResult(cfg, new ImagePrepResult(Status.of(e), cfg.dataset().job(), cfg.output(), null,
                        Map.of(), Map.of(), Map.of(), Map.of(), 0, 0, timings, e.getMessage()), conf);
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    static PrepSource open(ImagePrepConfig cfg, Configuration conf) {
        return switch (cfg.dataset()) {
            case IMAGENET -> ImageNetSource.open(cfg.dataset().job(), cfg.input(), cfg.devkit(), conf);
            case CITYSCAPES -> CityscapesSource.open(cfg.dataset().job(), cfg.input(), conf);
            case CIFAR10 -> SmallSetSource.cifar10(cfg.input(), conf);
            case SVHN -> SmallSetSource.svhn(cfg.input(), cfg.splits().contains("extra"), conf);
            case STL10 -> SmallSetSource.stl10(cfg.input(), cfg.splits().contains("unlabeled"), conf);
        };
    }

    private static ImagePrepResult execute(ImagePrepConfig cfg, SparkSession spark, Configuration conf,
                                           Map<String, Long> timings) {
        long t0 = System.nanoTime();
        String job = cfg.dataset().job();
        PrepSource source = open(cfg, conf);
        timings.put("inspect", ms(t0));
        try (AtomicOutput out = AtomicOutput.open(cfg.output(), cfg.mode(), cfg.asMap(), conf)) {
            if (out == null) {
                LOG.info("{}: output {} exists, made with the same options, and --if-exists skip-ok: nothing to do", job, cfg.output());
                return new ImagePrepResult(Status.SKIPPED, job, cfg.output(),
                        DatasetManifest.path(cfg.output()).toString(), Map.of(), Map.of(), Map.of(), Map.of(), 0, 0, timings, null);
            }
            JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            Broadcast<SerializableWritable<Configuration>> bconf = jsc.broadcast(new SerializableWritable<>(conf));
            ImageProcessor processor = new ImageProcessor(cfg);
            int numClasses = source.labels().size();
            Map<String, SplitInfo> splits = new LinkedHashMap<>();
            Map<String, Long> inputs = new LinkedHashMap<>();
            Map<String, Long> rows = new LinkedHashMap<>();
            Map<String, Long> quarantinedPerSplit = new LinkedHashMap<>();
            Map<String, Long> unknownMask = new LinkedHashMap<>();
            Map<String, Long> byReason = new TreeMap<>();
            List<String> quarantine = new ArrayList<>();
            Tally all = new Tally();
            Tally statsSplit = null;
            int files = 0;
            long bytes = 0;
            for (String split : cfg.splits()) {
                long ts = System.nanoTime();
                SplitWork w = source.split(split, spark, bconf, processor, cfg.limit());
                timings.put("list_" + split, ms(ts));
                LongAccumulator done = spark.sparkContext().longAccumulator(split + " inputs done");
                LongAccumulator bad = spark.sparkContext().longAccumulator(split + " quarantined");
                // processed once, then tallied (the shard count needs the split's bytes) and written: kept on the
                // executors' local disks, not in their heaps, so executor memory does not grow with the split
                JavaRDD<PrepOutcome> outcomes = w.outcomes().map(o -> {
                    done.add(1);
                    if (o.isQuarantined()) {
                        bad.add(1);
                    }
                    return o;
                }).persist(StorageLevel.DISK_ONLY());
                Tally t;
                try (ProgressTimer p = PrepProgress.start(job, split, w.inputs(), done, bad, cfg.progressSeconds())) {
                    t = outcomes.aggregate(new Tally(), Tally::add, Tally::merge);
                }
                if (t.rows + t.quarantined != w.inputs()) {
                    throw new IllegalStateException(job + ": split " + split + ": " + w.inputs() + " inputs listed but "
                            + t.rows + " rows + " + t.quarantined + " quarantined; refusing to publish a dataset that lost inputs.");
                }
                timings.put("process_" + split, ms(ts) - timings.get("list_" + split));
                long tq = System.nanoTime();
                outcomes.filter(PrepOutcome::isQuarantined).map(o -> Json.line(o.quarantineRecord()))
                        .collect().stream().sorted().forEach(quarantine::add);
                timings.put("quarantine_" + split, ms(tq));
                Path dir = new Path(out.staging(), split);
                SplitInfo info;
                long tw = System.nanoTime();
                if (t.rows > 0) {
                    int shards = ShardWriter.shardCount(t.bytes, cfg.targetShardBytes(), t.rows);
                    ShardWriter.write(spark, outcomes.filter(o -> !o.isQuarantined()).map(PrepOutcome::toRow), shards,
                            cfg.seed(), dir, cfg.compression().label(), cfg.rowGroupBytes());
                    timings.put("shards_" + split, ms(tw));
                    info = ShardWriter.describe(spark, bconf, out.staging(), split, numClasses, w.inputs(), t.quarantined);
                } else {
                    Fs.of(dir, conf).mkdirs(dir);
                    info = new SplitInfo(0, new long[numClasses], List.of(), w.inputs(), t.quarantined);
                }
                timings.put("write_" + split, ms(tw));
                timings.put("describe_" + split, ms(tw) - timings.getOrDefault("shards_" + split, 0L));
                outcomes.unpersist(false);
                if (info.rows() != t.rows) {
                    throw new IllegalStateException(job + ": split " + split + ": " + t.rows + " rows processed but "
                            + info.rows() + " read back from the shards.");
                }
                splits.put(split, info);
                inputs.put(split, w.inputs());
                rows.put(split, info.rows());
                quarantinedPerSplit.put(split, t.quarantined);
                t.byReason.forEach((k, v) -> byReason.merge(k, v, Long::sum));
                if (source.masks()) {
                    unknownMask.put(split, t.unknownMaskPixels);
                }
                all = all.merge(t);
                if (statsSplit == null || split.equals("train")) {
                    statsSplit = t.rows > 0 ? t : statsSplit;
                }
                files += info.shards().size();
                bytes += info.bytes();
                long took = ms(ts);
                LOG.info("{}: split {}: {} inputs -> {} rows in {} shards + {} quarantined, {} ms ({} inputs/s)", job, split,
                        w.inputs(), info.rows(), info.shards().size(), t.quarantined, took,
                        String.format(Locale.ROOT, "%.1f", w.inputs() * 1000.0 / Math.max(took, 1)));
            }
            Path qfile = new Path(out.staging(), QUARANTINE_FILE);
            writeLines(qfile, quarantine, conf);
            timings.put("total", ms(t0));
            String statsName = cfg.splits().contains("train") && splits.get("train").rows() > 0 ? "train"
                    : splits.entrySet().stream().filter(e -> e.getValue().rows() > 0).map(Map.Entry::getKey).findFirst().orElse(null);
            DatasetManifest m = new DatasetManifest(ShardSchema.VERSION, cfg.dataset().label(), Instant.now().toString(),
                    all.imageSpec(),
                    source.labels().stream().map(DatasetManifest.LabelEntry::name).toList(),
                    splits,
                    statsSplit == null ? null : statsSplit.channelStats(statsName),
                    cfg.asMap(), Versions.of(spark), timings,
                    source.labels(),
                    source.masks() ? new DatasetManifest.MaskSpec(cfg.storage() == ImagePrepConfig.Storage.RAW
                            ? ShardSchema.ENCODING_RAW : ShardSchema.ENCODING_PNG, CityscapesLabels.TRAIN_NAMES,
                            CityscapesLabels.IGNORE, unknownMask) : null,
                    new DatasetManifest.Sharding(ShardWriter.ASSIGNMENT, ShardWriter.ORDER, cfg.seed(), cfg.targetShardBytes(),
                            cfg.rowGroupBytes(), cfg.compression().label()),
                    new DatasetManifest.QuarantineSummary(quarantine.size(), byReason, quarantinedPerSplit, QUARANTINE_FILE));
            m.write(out.staging(), conf);
            out.publish();
            LOG.info("{}: published {}: {} rows in {} shards ({} MB), {} quarantined ({})", job, out.target(),
                    rows.values().stream().mapToLong(Long::longValue).sum(), files, bytes >> 20, quarantine.size(), byReason);
            return new ImagePrepResult(Status.OK, job, out.target().toString(),
                    DatasetManifest.path(out.target().toString()).toString(), inputs, rows, quarantinedPerSplit, byReason,
                    files, bytes, timings, null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeLines(Path p, List<String> lines, Configuration conf) {
        try (FSDataOutputStream o = Fs.of(p, conf).create(p, true)) {
            for (String l : lines) {
                o.write((l + "\n").getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + p + ": " + e.getMessage(), e);
        }
    }

    private static void writeResult(ImagePrepConfig cfg, ImagePrepResult r, Configuration conf) {
        Path p = new Path(cfg.result());
        if (p.getParent() != null) {
            try {
                Fs.of(p, conf).mkdirs(p.getParent());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create the folder of --result " + p + ": " + e.getMessage(), e);
            }
        }
        Fs.writeStringAtomically(p, Json.pretty(r), conf);
    }

    private static long ms(long since) {
        return (System.nanoTime() - since) / 1_000_000;
    }

    /** Counts and sums over a split's outcomes, merged across partitions. */
    static final class Tally implements Serializable {
        long rows;
        long quarantined;
        long bytes;
        long pixels;
        long unknownMaskPixels;
        double[] sums = new double[6];
        int channels;
        int minH = Integer.MAX_VALUE;
        int maxH;
        int minW = Integer.MAX_VALUE;
        int maxW;
        Map<String, Long> byReason = new HashMap<>();
        TreeSet<String> encodings = new TreeSet<>();

        Tally add(PrepOutcome o) {
            if (o.isQuarantined()) {
                quarantined++;
                byReason.merge(o.reason(), 1L, Long::sum);
                return this;
            }
            rows++;
            bytes += o.rowBytes();
            pixels += o.pixels();
            unknownMaskPixels += o.unknownMaskPixels();
            channels = o.channels();
            double[] s = o.channelSums();
            for (int i = 0; i < s.length && i < sums.length; i++) {
                sums[i] += s[i];
            }
            minH = Math.min(minH, o.height());
            maxH = Math.max(maxH, o.height());
            minW = Math.min(minW, o.width());
            maxW = Math.max(maxW, o.width());
            encodings.add(o.encoding());
            return this;
        }

        Tally merge(Tally b) {
            Tally m = new Tally();
            m.rows = rows + b.rows;
            m.quarantined = quarantined + b.quarantined;
            m.bytes = bytes + b.bytes;
            m.pixels = pixels + b.pixels;
            m.unknownMaskPixels = unknownMaskPixels + b.unknownMaskPixels;
            m.channels = Math.max(channels, b.channels);
            for (int i = 0; i < sums.length; i++) {
                m.sums[i] = sums[i] + b.sums[i];
            }
            m.minH = Math.min(minH, b.minH);
            m.maxH = Math.max(maxH, b.maxH);
            m.minW = Math.min(minW, b.minW);
            m.maxW = Math.max(maxW, b.maxW);
            m.byReason = new HashMap<>(byReason);
            b.byReason.forEach((k, v) -> m.byReason.merge(k, v, Long::sum));
            m.encodings = new TreeSet<>(encodings);
            m.encodings.addAll(b.encodings);
            return m;
        }

        DatasetManifest.ImageSpec imageSpec() {
            boolean fixed = rows > 0 && minH == maxH && minW == maxW;
            String enc = encodings.size() == 1 ? encodings.first() : ShardSchema.ENCODING_MIXED;
            return new DatasetManifest.ImageSpec(fixed ? maxH : 0, fixed ? maxW : 0, channels == 0 ? 3 : channels,
                    ShardSchema.DTYPE_UINT8, ShardSchema.LAYOUT_HWC, enc);
        }

        ChannelStats channelStats(String split) {
            int c = channels == 0 ? 3 : channels;
            double[] mean = new double[c];
            double[] std = new double[c];
            for (int i = 0; i < c; i++) {
                mean[i] = sums[i] / pixels;
                std[i] = Math.sqrt(Math.max(sums[c + i] / pixels - mean[i] * mean[i], 0));
            }
            return new ChannelStats(split, pixels, mean, std);
        }
    }
}
