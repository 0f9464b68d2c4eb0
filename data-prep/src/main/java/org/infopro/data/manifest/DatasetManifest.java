package org.infopro.data.manifest;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.infopro.data.config.ConfigException;
import org.infopro.data.io.Fs;
import org.infopro.data.io.Json;
import org.infopro.data.shard.ShardSchema;

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
        Map<String, Long> timingsMs) {

    public static final String FILE_NAME = "_manifest.json";

    /** Shape and storage of every image in the dataset. */
    public record ImageSpec(int height, int width, int channels, String dtype, String layout, String encoding) {
    }

    /** One split: its row count, rows per class (indexed by label) and its shard files. */
    public record SplitInfo(long rows, long[] classCounts, List<ShardFile> shards) {
    }

    /** One Parquet shard, with a path relative to the dataset folder. */
    public record ShardFile(String path, long rows, long bytes, String sha256) {
    }

    /** Per-channel mean and standard deviation of pixel values scaled to [0, 1], over {@code split}. */
    public record ChannelStats(String split, long pixelsPerChannel, double[] mean, double[] std) {
    }

    public int numClasses() {
        return labelNames.size();
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
                    + "Run 'submit/infopro prep-idx --input <idx folder> --output " + datasetDir + "' first.");
        }
        DatasetManifest m = Json.read(Fs.readString(p, conf), DatasetManifest.class);
        if (m.schemaVersion() != ShardSchema.VERSION) {
            throw new ConfigException(p + ": shard schema version " + m.schemaVersion() + ", this build reads version "
                    + ShardSchema.VERSION + ". Re-run the prep job with this build.");
        }
        return m;
    }

    public void write(Path datasetDir, Configuration conf) {
        Fs.writeStringAtomically(new Path(datasetDir, FILE_NAME), Json.pretty(this), conf);
    }
}
