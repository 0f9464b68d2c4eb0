package org.infopro.data.prep;

import org.infopro.data.config.ConfigException;
import org.infopro.data.config.JobSpec;
import org.infopro.data.config.Opt;
import org.infopro.data.config.Options;
import org.infopro.data.io.WriteMode;
import org.infopro.data.prep.IdxPrepConfig.Compression;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The resolved configuration of an image prep run (prep-imagenet, prep-cityscapes, prep-cifar10, prep-svhn,
 * prep-stl10); built and validated once from the command line. Sizes are in bytes here, MB on the command line.
 */
public record ImagePrepConfig(
        ImageDataset dataset,
        String input,
        String output,
        WriteMode mode,
        List<String> splits,
        long seed,
        long targetShardBytes,
        long rowGroupBytes,
        Compression compression,
        Storage storage,
        int resize,
        int centerCrop,
        int quality,
        long maxPixels,
        int limit,
        String devkit,
        String result,
        int progressSeconds) {

    private static final long MB = 1L << 20;

    /** How images are stored in the shards. */
    public enum Storage {
        /** Encoded files (JPEG/PNG): original bytes where they are plain RGB and untouched, else re-encoded. */
        ENCODED,
        /** Decoded uint8 HWC pixels. */
        RAW;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public ImagePrepConfig {
        if (centerCrop > 0 && resize > 0 && centerCrop > resize) {
            throw new ConfigException(dataset.job() + ": --center-crop " + centerCrop + " is larger than --resize "
                    + resize + " (the short side after resizing); use a crop <= " + resize + ".");
        }
        splits = List.copyOf(new DatasetOptions(dataset).splits.check(dataset.job(), splits));
    }

    public static final Opt<String> OUTPUT = Opt.required("output", "DIR", "Dataset folder to create (any Hadoop URI: file://, "
            + "hdfs://, s3a://); written to a hidden staging folder beside it and published only when complete.");
    public static final Opt<WriteMode> MODE = WriteMode.option("the --output dataset");
    public static final Opt<Long> SEED = Opt.longIn("seed", "N", "Seed of shard assignment hash(key, seed) and of the order inside shards.",
            0, Long.MIN_VALUE, Long.MAX_VALUE);
    public static final Opt<Double> SHARD_MB = Opt.doubleIn("shard-mb", "MB", "Target shard size; the shard count per split is "
            + "ceil(split bytes / this).", 256, 0.001, 1_000_000);
    public static final Opt<Double> ROW_GROUP_MB = Opt.doubleIn("row-group-mb", "MB", "Parquet row-group size (0 = Parquet's default, 128).",
            0, 0, 4096);
    public static final Opt<Integer> RESIZE = Opt.intIn("resize", "S", "Resize so the short side is S pixels, aspect kept (masks by "
            + "nearest neighbour); 0 keeps the size.", 0, 0, 65_535);
    public static final Opt<Integer> CENTER_CROP = Opt.intIn("center-crop", "N", "Centre-crop NxN after resizing (evaluation copies only: "
            + "training needs full frames); 0 = none.", 0, 0, 65_535);
    public static final Opt<Integer> QUALITY = Opt.intIn("quality", "Q", "JPEG quality when an image is re-encoded (resized, cropped or "
            + "converted to RGB).", 90, 1, 100);
    public static final Opt<Double> MAX_MEGAPIXELS = Opt.doubleIn("max-megapixels", "MP", "Quarantine images whose header declares more "
            + "pixels than this, before decoding.", 100, 0.000001, 10_000);
    public static final Opt<Integer> LIMIT = Opt.intIn("limit", "N", "Take only the first N inputs of each split in key order "
            + "(0 = all; for trials).", 0, 0, Integer.MAX_VALUE);
    public static final Opt<String> DEVKIT = Opt.string("devkit", "DIR", "ILSVRC2012 devkit folder (data/meta.mat + validation ground "
            + "truth) when the input has no LOC_synset_mapping.txt; default: <input>/ILSVRC2012_devkit_t12 if present.", "");
    public static final Opt<String> RESULT = Opt.string("result", "PATH", "Where to write the run's result.json (status, counts, output, "
            + "timings); default: <output>.result.json beside the dataset.", "");
    public static final Opt<Integer> PROGRESS_SECONDS = Opt.intIn("progress-seconds", "N", "Seconds between progress lines (counts, rate, "
            + "ETA); 0 = none.", 10, 0, 86_400);

    /** The options whose doc or default depend on the dataset, declared per dataset. */
    private static final class DatasetOptions {
        final Opt<String> input;
        final Opt<List<String>> splits;
        final Opt<Compression> compression;
        final Opt<Storage> storage;
        final List<Opt<?>> all;

        DatasetOptions(ImageDataset ds) {
            input = Opt.required("input", "DIR", ds.inputDoc());
            splits = Opt.names("splits", "LIST", "Splits to prepare.", ds.defaultSplits())
                    .where(ds.splits()::containsAll, "a comma-separated list of some of " + String.join(", ", ds.splits()));
            compression = Opt.choice("compression", "CODEC", "Parquet compression.",
                    ds.defaultStorage() == Storage.RAW ? Compression.ZSTD : Compression.NONE, Compression::label);
            storage = Opt.choice("storage", "KIND", "encoded (JPEG/PNG bytes) or raw (decoded uint8 HWC).", ds.defaultStorage(),
                    Storage::label);
            List<Opt<?>> o = new ArrayList<>(List.of(input, OUTPUT, MODE, splits, SEED, SHARD_MB, ROW_GROUP_MB, compression, storage,
                    RESIZE, CENTER_CROP, QUALITY, MAX_MEGAPIXELS, LIMIT));
            if (ds == ImageDataset.IMAGENET) {
                o.add(DEVKIT);
            }
            o.add(RESULT);
            o.add(PROGRESS_SECONDS);
            all = List.copyOf(o);
        }

        ImagePrepConfig build(ImageDataset ds, Options o) {
            String output = o.get(OUTPUT);
            String result = o.get(RESULT);
            return new ImagePrepConfig(ds,
                    o.get(input),
                    output,
                    o.get(MODE),
                    o.get(splits),
                    o.get(SEED),
                    Math.round(o.get(SHARD_MB) * MB),
                    Math.round(o.get(ROW_GROUP_MB) * MB),
                    o.get(compression),
                    o.get(storage),
                    o.get(RESIZE),
                    o.get(CENTER_CROP),
                    o.get(QUALITY),
                    Math.round(o.get(MAX_MEGAPIXELS) * 1e6),
                    o.get(LIMIT),
                    ds == ImageDataset.IMAGENET ? o.get(DEVKIT) : "",
                    result.isEmpty() ? defaultResult(output) : result,
                    o.get(PROGRESS_SECONDS));
        }
    }

    /** The command line of {@code ds}'s prep job. */
    public static JobSpec<ImagePrepConfig> spec(ImageDataset ds) {
        DatasetOptions d = new DatasetOptions(ds);
        return new JobSpec<>(ds.job(), ds.title(), ds.summary(), d.all, o -> d.build(ds, o));
    }

    public static ImagePrepConfig fromArgs(ImageDataset ds, String[] args) {
        return spec(ds).parse(args);
    }

    static String defaultResult(String output) {
        String o = output.endsWith("/") ? output.substring(0, output.length() - 1) : output;
        return o + ".result.json";
    }

    /** The config as the manifest records it. */
    public Map<String, Object> asMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("job", dataset.job());
        m.put("input", input);
        m.put("output", output);
        m.put("if_exists", mode.label());
        m.put("splits", splits);
        m.put("seed", seed);
        m.put("target_shard_bytes", targetShardBytes);
        m.put("row_group_bytes", rowGroupBytes);
        m.put("compression", compression.label());
        m.put("storage", storage.label());
        m.put("resize", resize);
        m.put("center_crop", centerCrop);
        m.put("quality", quality);
        m.put("max_pixels", maxPixels);
        m.put("limit", limit);
        if (!devkit.isEmpty()) {
            m.put("devkit", devkit);
        }
        return m;
    }
}
