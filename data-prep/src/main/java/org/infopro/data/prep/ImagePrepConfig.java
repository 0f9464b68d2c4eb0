package org.infopro.data.prep;

import org.infopro.data.config.ConfigException;
import org.infopro.data.config.Options;
import org.infopro.data.config.Options.Spec;
import org.infopro.data.io.WriteMode;
import org.infopro.data.prep.IdxPrepConfig.Compression;

import java.util.ArrayList;
import java.util.Arrays;
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
        for (String s : splits) {
            if (!dataset.splits().contains(s)) {
                throw new ConfigException(dataset.job() + ": invalid --splits entry '" + s + "': expected some of "
                        + String.join(", ", dataset.splits()) + ".");
            }
        }
        if (splits.isEmpty()) {
            throw new ConfigException(dataset.job() + ": --splits is empty; give some of " + String.join(", ", dataset.splits()) + ".");
        }
        splits = List.copyOf(splits);
    }

    public static List<Spec> options(ImageDataset ds) {
        List<Spec> o = new ArrayList<>();
        o.add(Spec.required("input", "DIR", ds.inputDoc()));
        o.add(Spec.required("output", "DIR", "Dataset folder to create (any Hadoop URI: file://, hdfs://, s3a://); "
                + "written to a hidden staging folder beside it and published only when complete."));
        o.add(Spec.of("mode", "MODE", "If the output exists: error | overwrite (replaced only once the new one is complete) | skip.", "error"));
        o.add(Spec.of("splits", "LIST", "Comma-separated splits to prepare, of: " + String.join(", ", ds.splits()) + ".",
                String.join(",", ds.defaultSplits())));
        o.add(Spec.of("seed", "N", "Seed of shard assignment hash(key, seed) and of the order inside shards.", "0"));
        o.add(Spec.of("shard-mb", "MB", "Target shard size; the shard count per split is ceil(split bytes / this).", "256"));
        o.add(Spec.of("row-group-mb", "MB", "Parquet row-group size (0 = Parquet's default, 128).", "0"));
        o.add(Spec.of("compression", "CODEC", "Parquet compression: snappy | zstd | gzip | none.", ds.defaultStorage() == Storage.RAW ? "zstd" : "none"));
        o.add(Spec.of("storage", "KIND", "encoded (JPEG/PNG bytes) | raw (decoded uint8 HWC).", ds.defaultStorage().label()));
        o.add(Spec.of("resize", "S", "Resize so the short side is S pixels, aspect kept (masks by nearest neighbour); 0 keeps the size.", "0"));
        o.add(Spec.of("center-crop", "N", "Centre-crop NxN after resizing (evaluation copies only: training needs full frames); 0 = none.", "0"));
        o.add(Spec.of("quality", "Q", "JPEG quality 1..100 when an image is re-encoded (resized, cropped or converted to RGB).", "90"));
        o.add(Spec.of("max-megapixels", "MP", "Quarantine images whose header declares more pixels than this, before decoding.", "100"));
        o.add(Spec.of("limit", "N", "Take only the first N inputs of each split in key order (0 = all; for trials).", "0"));
        if (ds == ImageDataset.IMAGENET) {
            o.add(Spec.of("devkit", "DIR", "ILSVRC2012 devkit folder (data/meta.mat + validation ground truth) when the "
                    + "input has no LOC_synset_mapping.txt; default: <input>/ILSVRC2012_devkit_t12 if present.", ""));
        }
        o.add(Spec.of("result", "PATH", "Where to write the run's result.json (status, counts, output, timings); "
                + "default: <output>.result.json beside the dataset.", ""));
        o.add(Spec.of("progress-seconds", "N", "Seconds between progress lines (counts, rate, ETA); 0 = none.", "10"));
        return o;
    }

    public static ImagePrepConfig fromArgs(ImageDataset ds, String[] args) {
        Options o = Options.parse(ds.job(), options(ds), args);
        List<String> splits = Arrays.stream(o.nonBlank("splits").split(","))
                .map(String::trim).filter(s -> !s.isEmpty()).distinct().toList();
        String output = o.nonBlank("output");
        String result = o.string("result").isBlank() ? defaultResult(output) : o.string("result").trim();
        return new ImagePrepConfig(ds,
                o.nonBlank("input"),
                output,
                o.choice("mode", WriteMode.class, WriteMode::label),
                splits,
                o.longIn("seed", Long.MIN_VALUE, Long.MAX_VALUE),
                Math.round(o.doubleIn("shard-mb", 0.001, 1_000_000) * MB),
                Math.round(o.doubleIn("row-group-mb", 0, 4096) * MB),
                o.choice("compression", Compression.class, Compression::label),
                o.choice("storage", Storage.class, Storage::label),
                o.intIn("resize", 0, 65_535),
                o.intIn("center-crop", 0, 65_535),
                o.intIn("quality", 1, 100),
                Math.round(o.doubleIn("max-megapixels", 0.000001, 10_000) * 1e6),
                o.intIn("limit", 0, Integer.MAX_VALUE),
                ds == ImageDataset.IMAGENET ? o.string("devkit").trim() : "",
                result,
                o.intIn("progress-seconds", 0, 86_400));
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
        m.put("mode", mode.label());
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
