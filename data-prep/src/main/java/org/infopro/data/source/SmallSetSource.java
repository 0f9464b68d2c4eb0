package org.infopro.data.source;

import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SerializableWritable;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.infopro.data.config.ConfigException;
import org.infopro.data.formats.Cifar10Binary;
import org.infopro.data.formats.LabeledRecord;
import org.infopro.data.formats.RecordSplit;
import org.infopro.data.formats.SmallDataset;
import org.infopro.data.formats.Stl10Binary;
import org.infopro.data.formats.SvhnMat;
import org.infopro.data.manifest.DatasetManifest.LabelEntry;
import org.infopro.data.prep.ImagePrepConfig;
import org.infopro.data.prep.ImageProcessor;
import org.infopro.data.prep.PrepOutcome;

import java.util.ArrayList;
import java.util.List;

/**
 * The paper's small sets (CIFAR-10, SVHN, STL-10): binary record files read by record range on executors,
 * so no driver-side decode; each range becomes one task.
 */
public final class SmallSetSource implements PrepSource {
    /** Records per task. */
    static final int RANGE = 2_000;

    private final SmallDataset dataset;

    private SmallSetSource(SmallDataset dataset) {
        this.dataset = dataset;
    }

    public static SmallSetSource open(ImagePrepConfig cfg, Configuration conf) {
        try {
            SmallDataset ds = switch (cfg.dataset()) {
                case CIFAR10 -> Cifar10Binary.open(cfg.input(), conf);
                case SVHN -> SvhnMat.open(cfg.input(), conf, cfg.splits().contains("extra"));
                case STL10 -> Stl10Binary.open(cfg.input(), conf, cfg.splits().contains("unlabeled"));
                default -> throw new IllegalArgumentException(cfg.dataset() + " is not a small set");
            };
            return new SmallSetSource(ds);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read " + cfg.input() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public List<LabelEntry> labels() {
        List<LabelEntry> out = new ArrayList<>();
        for (String n : dataset.labelNames()) {
            out.add(new LabelEntry(out.size(), Integer.toString(out.size()), n));
        }
        return out;
    }

    @Override
    public boolean masks() {
        return false;
    }

    @Override
    public SplitWork split(String split, SparkSession spark, Broadcast<SerializableWritable<Configuration>> bconf,
                           ImageProcessor processor, int limit) {
        RecordSplit rs = dataset.splits().stream().filter(s -> s.split().equals(split)).findFirst()
                .orElseThrow(() -> new ConfigException(dataset.name() + " has no split '" + split + "' in the input; it has "
                        + dataset.splits().stream().map(RecordSplit::split).toList() + "."));
        long n = limit > 0 ? Math.min(limit, rs.count()) : rs.count();
        List<long[]> ranges = new ArrayList<>();
        for (long from = 0; from < n; from += RANGE) {
            ranges.add(new long[]{from, Math.min(n, from + RANGE)});
        }
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        JavaRDD<PrepOutcome> outcomes = jsc.parallelize(ranges, Math.max(1, ranges.size()))
                .flatMap(r -> {
                    List<PrepOutcome> out = new ArrayList<>();
                    for (LabeledRecord rec : rs.read(r[0], r[1], bconf.value().value())) {
                        out.add(processor.decoded(rec.key(), split, rec.label(), rec.image(), rs.source()));
                    }
                    return out.iterator();
                });
        return new SplitWork(split, outcomes, n);
    }
}
