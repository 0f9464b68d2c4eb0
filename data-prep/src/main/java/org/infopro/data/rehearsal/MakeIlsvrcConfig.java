package org.infopro.data.rehearsal;

import org.infopro.data.config.JobSpec;
import org.infopro.data.config.Opt;
import org.infopro.data.config.Options;
import org.infopro.data.io.WriteMode;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The resolved configuration of a make-ilsvrc run; built and validated once from the command line. */
public record MakeIlsvrcConfig(
        String input,
        String output,
        int size,
        int classes,
        int trainLimit,
        int valLimit,
        int copies,
        int threads,
        int quality,
        List<String> labelNames,
        WriteMode mode,
        int progressSeconds) {

    public static final String JOB = "make-ilsvrc";

    /** Fashion-MNIST's ten labels, in label order. */
    public static final List<String> FASHION_MNIST_LABELS = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    public static final Opt<String> INPUT = Opt.required("input", "DIR", "Folder with train-images-idx3-ubyte[.gz], "
            + "train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz] (submit/fetch-fashion-mnist.sh).");
    public static final Opt<String> OUTPUT = Opt.required("output", "DIR", "ILSVRC-2012 root to create (any Hadoop URI); published atomically.");
    public static final Opt<Integer> SIZE = Opt.intIn("size", "N", "Side of the square JPEGs; the 28x28 images are scaled up bilinearly.",
            64, 32, 1024);
    public static final Opt<Integer> CLASSES = Opt.intIn("classes", "N", "Number of wnids: one per label, or a multiple of the label "
            + "count to spread each label over several wnids (1000 for a full-scale rehearsal).", 10, 1, 100_000);
    public static final Opt<Integer> TRAIN_LIMIT = Opt.intIn("train-limit", "N", "Use only the first N training records (0 = all).",
            0, 0, Integer.MAX_VALUE);
    public static final Opt<Integer> VAL_LIMIT = Opt.intIn("val-limit", "N", "Use only the first N test records as val (0 = all).",
            0, 0, Integer.MAX_VALUE);
    public static final Opt<Integer> COPIES = Opt.intIn("copies", "N", "Write each training record N times: copy c > 0 is "
            + "mirrored when c is odd and shifted right by c/2 pixels, named <wnid>_<c x records + n>.JPEG; reaches ImageNet-like file "
            + "counts from 60,000 records (--train-limit 45000 --copies 2: 90,000 training JPEGs).", 1, 1, 1000);
    public static final Opt<Integer> THREADS = Opt.intIn("threads", "N", "Threads that scale, encode and write the JPEGs.", 1, 1, 1024)
            .withDefault(() -> Runtime.getRuntime().availableProcessors());
    public static final Opt<Integer> QUALITY = Opt.intIn("quality", "Q", "JPEG quality.", 90, 1, 100);
    public static final Opt<List<String>> LABEL_NAMES = Opt.names("label-names", "LIST", "Names of the IDX labels 0, 1, ..., in order, "
            + "written to LOC_synset_mapping.txt (Fashion-MNIST's by default).", FASHION_MNIST_LABELS);
    public static final Opt<WriteMode> MODE = WriteMode.option("the --output tree");
    public static final Opt<Integer> PROGRESS_SECONDS = Opt.intIn("progress-seconds", "N", "Seconds between progress lines on stderr "
            + "(counts, rate, ETA); 0 = none.", 10, 0, 86_400);

    public static final String SUMMARY = "Writes an IDX dataset (real Fashion-MNIST) as an ILSVRC-2012 tree that prep-imagenet reads:\n"
            + "train/<wnid>/<wnid>_<n>.JPEG, flat val/ILSVRC2012_val_<8 digits>.JPEG, LOC_val_solution.csv and\n"
            + "LOC_synset_mapping.txt, plus _make-ilsvrc.json (config, inputs, counts). Images are RGB JPEGs of\n"
            + "--size pixels; wnids are made up (n + 8 digits, ascending in label order), never WordNet's.";

    public static final JobSpec<MakeIlsvrcConfig> SPEC = new JobSpec<>(JOB, "Write IDX images (Fashion-MNIST) as an ILSVRC-2012 tree.",
            SUMMARY, List.of(INPUT, OUTPUT, SIZE, CLASSES, TRAIN_LIMIT, VAL_LIMIT, COPIES, THREADS, QUALITY, LABEL_NAMES, MODE, PROGRESS_SECONDS),
            MakeIlsvrcConfig::build);

    public static MakeIlsvrcConfig fromArgs(String[] args) {
        return SPEC.parse(args);
    }

    private static MakeIlsvrcConfig build(Options o) {
        return new MakeIlsvrcConfig(o.get(INPUT), o.get(OUTPUT), o.get(SIZE), o.get(CLASSES), o.get(TRAIN_LIMIT), o.get(VAL_LIMIT),
                o.get(COPIES), o.get(THREADS), o.get(QUALITY), o.get(LABEL_NAMES), o.get(MODE), o.get(PROGRESS_SECONDS));
    }

    /** The config as _make-ilsvrc.json records it. */
    public Map<String, Object> asMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("job", JOB);
        m.put("input", input);
        m.put("output", output);
        m.put("size", size);
        m.put("classes", classes);
        m.put("train_limit", trainLimit);
        m.put("val_limit", valLimit);
        m.put("copies", copies);
        m.put("threads", threads);
        m.put("quality", quality);
        m.put("label_names", labelNames);
        m.put("if_exists", mode.label());
        return m;
    }
}
