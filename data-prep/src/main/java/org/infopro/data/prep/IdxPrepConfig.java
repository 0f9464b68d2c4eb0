package org.infopro.data.prep;

import org.infopro.data.config.JobSpec;
import org.infopro.data.config.Opt;
import org.infopro.data.config.Options;
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

    public static final Opt<String> INPUT = Opt.required("input", "DIR", "Folder with train-images-idx3-ubyte[.gz], "
            + "train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz].");
    public static final Opt<String> OUTPUT = Opt.required("output", "DIR", "Dataset folder to create (any Hadoop URI); published atomically.");
    public static final Opt<IdxDataset> DATASET = Opt.choice("dataset", "NAME", "Fixes the label names in the manifest.",
            IdxDataset.FASHION_MNIST, IdxDataset::label);
    public static final Opt<Integer> SHARDS = Opt.intIn("shards", "N", "Parquet shards per split; rows go to shards by hash(key, seed).", 4, 1, 100_000);
    public static final Opt<Long> SEED = Opt.longIn("seed", "N", "Seed of shard assignment and of the order inside shards.", 0,
            Long.MIN_VALUE, Long.MAX_VALUE);
    public static final Opt<Integer> LIMIT = Opt.intIn("limit", "N", "Keep only the first N records of each split (0 = all).", 0, 0, Integer.MAX_VALUE);
    public static final Opt<WriteMode> MODE = WriteMode.option("the --output dataset");
    public static final Opt<Compression> COMPRESSION = Opt.choice("compression", "CODEC", "Parquet compression.", Compression.SNAPPY,
            Compression::label);

    public static final String SUMMARY = "Shards MNIST-format IDX files (Fashion-MNIST, MNIST) into Parquet with a _manifest.json:\n"
            + "splits train and test (from t10k), per-class counts, per-channel mean/std, shard checksums.";

    public static final JobSpec<IdxPrepConfig> SPEC = new JobSpec<>(JOB, "Shard MNIST-format IDX files (Fashion-MNIST, MNIST) into Parquet.",
            SUMMARY, List.of(INPUT, OUTPUT, DATASET, SHARDS, SEED, LIMIT, MODE, COMPRESSION), IdxPrepConfig::build);

    public static IdxPrepConfig fromArgs(String[] args) {
        return SPEC.parse(args);
    }

    private static IdxPrepConfig build(Options o) {
        return new IdxPrepConfig(o.get(INPUT), o.get(OUTPUT), o.get(DATASET), o.get(SHARDS), o.get(SEED), o.get(LIMIT),
                o.get(MODE), o.get(COMPRESSION));
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
        m.put("if_exists", mode.label());
        m.put("compression", compression.label());
        return m;
    }
}
