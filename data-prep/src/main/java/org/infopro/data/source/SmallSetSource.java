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
import org.infopro.data.shard.DatasetManifest.LabelEntry;

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

    /** CIFAR-10's binary batches under {@code input}. */
    public static SmallSetSource cifar10(String input, Configuration conf) {
        return new SmallSetSource(Cifar10Binary.open(input, conf));
    }

    /** SVHN's {@code .mat} files under {@code input}; {@code extra} also opens {@code extra_32x32.mat}. */
    public static SmallSetSource svhn(String input, boolean extra, Configuration conf) {
        try {
            return new SmallSetSource(SvhnMat.open(input, conf, extra));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read " + input + ": " + e.getMessage(), e);
        }
    }

    /** STL-10's binary files under {@code input}; {@code unlabeled} also opens {@code unlabeled_X.bin}. */
    public static SmallSetSource stl10(String input, boolean unlabeled, Configuration conf) {
        return new SmallSetSource(Stl10Binary.open(input, conf, unlabeled));
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
                           InputProcessor processor, int limit) {
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
