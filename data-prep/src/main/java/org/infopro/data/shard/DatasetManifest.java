package org.infopro.data.shard;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.infopro.data.config.ConfigException;
import org.infopro.data.io.Fs;
import org.infopro.data.io.Json;

import java.util.List;
import java.util.Map;

/**
 * {@code _manifest.json}: what a prepared dataset is, beside its shards. It is the provenance record of
 * the prep run (resolved config, versions, timings) and the contract that training reads: image shape,
 * label names, per-channel statistics and the exact shard files with their rows, bytes and sha256.
 */
public record DatasetManifest(
        int schemaVersion,
        String dataset,
        String createdAt,
        ImageSpec image,
        List<String> labelNames,
        Map<String, SplitInfo> splits,
        ChannelStats channelStats,
        Map<String, Object> config,
        Map<String, String> versions,
        Map<String, Long> timingsMs,
        List<LabelEntry> labelMap,
        MaskSpec mask,
        Sharding sharding,
        QuarantineSummary quarantine) {

    public static final String FILE_NAME = "_manifest.json";

    /**
     * Shape and storage of the dataset's images. {@code height} and {@code width} are 0 when images differ in
     * size (each row carries its own); {@code encoding} is {@code mixed} when rows differ in encoding.
     */
    public record ImageSpec(int height, int width, int channels, String dtype, String layout, String encoding) {
        public boolean fixedSize() {
            return height > 0 && width > 0;
        }
    }

    /**
     * One split: its shard rows, rows per class (indexed by label), its shard files, and how many inputs it
     * had; {@code inputs == rows + quarantined} always (the job fails otherwise).
     */
    public record SplitInfo(long rows, long[] classCounts, List<ShardFile> shards, long inputs, long quarantined) {
        public SplitInfo(long rows, long[] classCounts, List<ShardFile> shards) {
            this(rows, classCounts, shards, rows, 0);
        }

        public long bytes() {
            return shards.stream().mapToLong(ShardFile::bytes).sum();
        }
    }

    /** One class: its 0-based index, its source id (an ImageNet wnid, a Cityscapes label id) and its name. */
    public record LabelEntry(int index, String id, String name) {
    }

    /**
     * Segmentation masks: one byte per pixel holding a class index into {@code classNames}, or
     * {@code ignoreIndex}; {@code unknownIdPixels} counts source ids the label table did not know (mapped to
     * ignore), per split.
     */
    public record MaskSpec(String encoding, List<String> classNames, int ignoreIndex, Map<String, Long> unknownIdPixels) {
    }

    /** How rows were assigned to shards and ordered inside them, so anyone can reproduce it. */
    public record Sharding(String assignment, String order, long seed, long targetShardBytes, long rowGroupBytes,
                           String compression) {
    }

    /** Inputs that did not become rows: counts per reason and per split, listed in {@code file}. */
    public record QuarantineSummary(long total, Map<String, Long> byReason, Map<String, Long> bySplit, String file) {
    }

    /** One Parquet shard, with a path relative to the dataset folder. */
    public record ShardFile(String path, long rows, long bytes, String sha256) {
    }

    /** Per-channel mean and standard deviation of pixel values scaled to [0, 1], over {@code split}. */
    public record ChannelStats(String split, long pixelsPerChannel, double[] mean, double[] std) {
    }

    /** The classes a network predicts: the mask's classes for segmentation, else the image labels. */
    public int numClasses() {
        return mask != null ? mask.classNames().size() : labelNames.size();
    }

    /** The named split, or a {@link ConfigException} listing the splits this dataset has. */
    public SplitInfo split(String name) {
        SplitInfo s = splits.get(name);
        if (s == null) {
            throw new ConfigException("dataset '" + dataset + "' has no split '" + name + "'; it has " + splits.keySet() + ".");
        }
        return s;
    }

    public static Path path(String datasetDir) {
        return new Path(datasetDir, FILE_NAME);
    }

    /** Reads and checks the manifest of a prepared dataset. */
    public static DatasetManifest read(String datasetDir, Configuration conf) {
        Path p = path(datasetDir);
        if (!Fs.exists(p, conf)) {
            throw new ConfigException("no " + FILE_NAME + " in '" + datasetDir + "': not a prepared dataset. "
                    + "Run one of the prep jobs (submit/infopro prep-idx, prep-imagenet, prep-cityscapes, ...) with --output " + datasetDir + " first.");
        }
        DatasetManifest m = Json.read(Fs.readString(p, conf), DatasetManifest.class);
        if (m.schemaVersion() < ShardSchema.MIN_VERSION || m.schemaVersion() > ShardSchema.VERSION) {
            throw new ConfigException(p + ": shard schema version " + m.schemaVersion() + ", this build reads versions "
                    + ShardSchema.MIN_VERSION + " to " + ShardSchema.VERSION + ". Re-run the prep job with this build.");
        }
        return m;
    }

    public void write(Path datasetDir, Configuration conf) {
        Fs.writeStringAtomically(new Path(datasetDir, FILE_NAME), Json.pretty(this), conf);
    }
}
