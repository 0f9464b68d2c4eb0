package org.infopro.spark.bench;

import org.infopro.data.config.JobSpec;
import org.infopro.data.config.Opt;
import org.infopro.data.config.Options;
import org.infopro.spark.runtime.NativeRuntime;

import java.util.List;

/** Configuration of the Fashion-MNIST reproduction benchmark. */
public record ReproductionConfig(String dataset, String out, String results, List<ReproductionRun> runs, int epochs, int limit,
                                 int valLimit, int threads) {
    public static final String JOB = "bench-reproduce";

    /** The runs of the recipe, in the order they are done. */
    public static final List<ReproductionRun> ALL_RUNS = List.of(ReproductionRun.values());

    public static final String SUMMARY = "Reproduces InfoPro on real Fashion-MNIST with a fixed recipe (ResNet-32, 32x32x3 padded input,\n"
            + "crop+flip, batch 128, SGD Nesterov, cosine lr 0.1, seed 0) for E2E, greedy SL and InfoPro; writes\n"
            + "<results>.json and <results>.md after every run. A run whose <out>/<run>/result.json is complete with the\n"
            + "same config is reused, so an interrupted benchmark resumes. The full recipe takes hours on 2 cores.";

    public static final Opt<String> DATASET = Opt.required("dataset", "DIR", "Prepared Fashion-MNIST (prep-idx --dataset fashion-mnist).");
    public static final Opt<String> OUT = Opt.text("out", "DIR", "Folder for each run's training output.", "out/reproduction");
    public static final Opt<String> RESULTS = Opt.text("results", "PATH", "Result path without extension.",
            "docs/results/fashion-mnist-reproduction");
    public static final Opt<List<ReproductionRun>> RUNS = Opt.list("runs", "LIST", "Runs to do.", ALL_RUNS, ReproductionRun.class,
            ReproductionRun::label);
    public static final Opt<Integer> EPOCHS = Opt.intIn("epochs", "N", "Epochs per run (the recipe: 4).", 4, 1, 1000);
    public static final Opt<Integer> LIMIT = Opt.intIn("limit", "N", "Training images, the first N (the recipe: 20000).", 20000, 0,
            Integer.MAX_VALUE);
    public static final Opt<Integer> VAL_LIMIT = Opt.intIn("val-limit", "N", "Test images (0 = all 10,000, the recipe).", 0, 0,
            Integer.MAX_VALUE);

    public static final JobSpec<ReproductionConfig> SPEC = new JobSpec<>(JOB, "Benchmark: the Fashion-MNIST reproduction recipe.",
            SUMMARY, List.of(DATASET, OUT, RESULTS, RUNS, EPOCHS, LIMIT, VAL_LIMIT, NativeRuntime.THREADS), ReproductionConfig::build);

    public static ReproductionConfig fromArgs(String[] args) {
        return SPEC.parse(args);
    }

    private static ReproductionConfig build(Options o) {
        return new ReproductionConfig(o.get(DATASET), o.get(OUT), o.get(RESULTS), o.get(RUNS), o.get(EPOCHS), o.get(LIMIT),
                o.get(VAL_LIMIT), o.get(NativeRuntime.THREADS));
    }

    /** True when this is the recipe as written (the committed results must be). */
    public boolean isFullRecipe() {
        return epochs == 4 && limit == 20000 && valLimit == 0 && runs.equals(ALL_RUNS);
    }
}
