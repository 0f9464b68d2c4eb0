package org.infopro.data.prep;

import org.infopro.data.config.Options;
import org.infopro.data.config.Options.Spec;
import org.infopro.data.io.WriteMode;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The resolved configuration of a prep-idx run; built and validated once from the command line. */
public record IdxPrepConfig(
        String input,
        String output,
        IdxDataset dataset,
        int shards,
        long seed,
        int limit,
        WriteMode mode,
        Compression compression) {

    public static final String JOB = "prep-idx";

    /** Parquet compression codecs offered; the label is Spark's codec name. */
    public enum Compression {
        SNAPPY, ZSTD, GZIP, NONE;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public static final List<Spec> OPTIONS = List.of(
            Spec.required("input", "DIR", "Folder with train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]."),
            Spec.required("output", "DIR", "Dataset folder to create (any Hadoop URI); published atomically."),
            Spec.of("dataset", "NAME", "fashion-mnist | mnist | idx: fixes the label names in the manifest.", "fashion-mnist"),
            Spec.of("shards", "N", "Parquet shards per split; rows go to shards by hash(key, seed).", "4"),
            Spec.of("seed", "N", "Seed of shard assignment and of the order inside shards.", "0"),
            Spec.of("limit", "N", "Keep only the first N records of each split (0 = all).", "0"),
            Spec.of("mode", "MODE", "If the output exists: error | overwrite | skip.", "error"),
            Spec.of("compression", "CODEC", "Parquet compression: snappy | zstd | gzip | none.", "snappy"));

    public static final String SUMMARY = "Shards MNIST-format IDX files (Fashion-MNIST, MNIST) into Parquet with a _manifest.json:\n"
            + "splits train and test (from t10k), per-class counts, per-channel mean/std, shard checksums.";

    public static IdxPrepConfig fromArgs(String[] args) {
        Options o = Options.parse(JOB, OPTIONS, args);
        return new IdxPrepConfig(
                o.nonBlank("input"),
                o.nonBlank("output"),
                o.choice("dataset", IdxDataset.class, IdxDataset::label),
                o.intIn("shards", 1, 100_000),
                o.longIn("seed", Long.MIN_VALUE, Long.MAX_VALUE),
                o.intIn("limit", 0, Integer.MAX_VALUE),
                o.choice("mode", WriteMode.class, WriteMode::label),
                o.choice("compression", Compression.class, Compression::label));
    }

    /** The config as the manifest records it. */
    public Map<String, Object> asMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("job", JOB);
        m.put("input", input);
        m.put("output", output);
        m.put("dataset", dataset.label());
        m.put("shards", shards);
        m.put("seed", seed);
        m.put("limit", limit);
        m.put("mode", mode.label());
        m.put("compression", compression.label());
        return m;
    }
}
