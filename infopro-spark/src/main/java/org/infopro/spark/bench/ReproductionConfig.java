package org.infopro.spark.bench;

import org.infopro.data.config.Options;
import org.infopro.data.config.Options.Spec;

import java.util.Arrays;
import java.util.List;

/** Configuration of the Fashion-MNIST reproduction benchmark. */
public record ReproductionConfig(String dataset, String out, String results, List<String> runs, int epochs, int limit,
                                 int valLimit, int threads) {
    public static final String JOB = "bench-reproduce";

    /** The runs of the recipe, by name. */
    public static final List<String> ALL_RUNS = List.of("e2e", "contrast-k4", "greedy-k4", "softmax-k4", "greedy-k8", "contrast-k8");

    public static final String SUMMARY = "Reproduces InfoPro on real Fashion-MNIST with a fixed recipe (ResNet-32, 32x32x3 padded input,\n"
            + "crop+flip, batch 128, SGD Nesterov, cosine lr 0.1, seed 0) for E2E, greedy SL and InfoPro; writes\n"
            + "<results>.json and <results>.md after every run. A run whose <out>/<run>/result.json is complete with the\n"
            + "same config is reused, so an interrupted benchmark resumes. The full recipe takes hours on 2 cores.";

    public static List<Spec> options(int defaultThreads) {
        return List.of(
                Spec.required("dataset", "DIR", "Prepared Fashion-MNIST (prep-idx --dataset fashion-mnist)."),
                Spec.of("out", "DIR", "Folder for each run's training output.", "out/reproduction"),
                Spec.of("results", "PATH", "Result path without extension.", "docs/results/fashion-mnist-reproduction"),
                Spec.of("runs", "LIST", "Runs to do: " + String.join(",", ALL_RUNS) + ".", String.join(",", ALL_RUNS)),
                Spec.of("epochs", "N", "Epochs per run (the recipe: 4).", "4"),
                Spec.of("limit", "N", "Training images, the first N (the recipe: 20000).", "20000"),
                Spec.of("val-limit", "N", "Test images (0 = all 10,000, the recipe).", "0"),
                Spec.of("threads", "N", "Native threads of the training task.", Integer.toString(defaultThreads)));
    }

    public static ReproductionConfig fromArgs(String[] args, int defaultThreads) {
        Options o = Options.parse(JOB, options(defaultThreads), args);
        List<String> runs = Arrays.stream(o.string("runs").split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        for (String r : runs) {
            if (!ALL_RUNS.contains(r)) {
                throw o.bad("runs", o.string("runs"), "a list of " + String.join(", ", ALL_RUNS));
            }
        }
        return new ReproductionConfig(o.nonBlank("dataset"), o.nonBlank("out"), o.nonBlank("results"), runs,
                o.intIn("epochs", 1, 1000), o.intIn("limit", 0, Integer.MAX_VALUE), o.intIn("val-limit", 0, Integer.MAX_VALUE),
                o.intIn("threads", 1, 1024));
    }

    /** True when this is the recipe as written (the committed results must be). */
    public boolean isFullRecipe() {
        return epochs == 4 && limit == 20000 && valLimit == 0 && runs.equals(ALL_RUNS);
    }
}
