package org.infopro.spark.bench;

import org.infopro.data.config.Options;
import org.infopro.data.config.Options.Spec;

import java.util.Arrays;
import java.util.List;

/** Configuration of the schedules benchmark: the three schedules on the same data, model and seed. */
public record ScheduleBenchConfig(String dataset, String out, String results, List<String> runs, int epochs, int limit,
                                  int valLimit, int replicas, int syncSteps, double waveFraction, int threads) {
    public static final String JOB = "bench-schedules";

    /** The runs, by name: simultaneous, sequential with spill, sequential with recompute, staggered. */
    public static final List<String> ALL_RUNS = List.of("simultaneous", "sequential-spill", "sequential-recompute", "staggered");

    public static final String SUMMARY = "Trains ResNet-32 with K = 4 (InfoPro softmax, the reproduction recipe) on real Fashion-MNIST in\n"
            + "each schedule, one run after another on the cluster given by --master (submit/bench-schedules.sh starts a\n"
            + "2-worker standalone cluster), and writes <results>.json and <results>.md: wall time, images/s, spill bytes,\n"
            + "peak executor memory, test accuracy, per-stage times, and a model of 4 and 16 executors from those times.\n"
            + "A run whose <out>/<run>/result.json is complete with the same config is reused.";

    public static List<Spec> options(int defaultThreads) {
        return List.of(
                Spec.required("dataset", "DIR", "Prepared Fashion-MNIST (prep-idx --dataset fashion-mnist)."),
                Spec.of("out", "DIR", "Folder for each run's training output.", "out/bench-schedules"),
                Spec.of("results", "PATH", "Result path without extension.", "docs/results/schedules"),
                Spec.of("runs", "LIST", "Runs to do: " + String.join(",", ALL_RUNS) + ".", String.join(",", ALL_RUNS)),
                Spec.of("epochs", "N", "Epochs (of every module).", "2"),
                Spec.of("limit", "N", "Training images, the first N.", "20000"),
                Spec.of("val-limit", "N", "Test images (0 = all 10,000).", "0"),
                Spec.of("replicas", "N", "Data-parallel replicas of the simultaneous and sequential runs (one per executor).", "2"),
                Spec.of("sync-steps", "S", "Steps between replica averages.", "20"),
                Spec.of("wave-fraction", "X", "Staggered: a wave is this fraction of an epoch.", "0.25"),
                Spec.of("threads", "N", "Native threads per task (cores per executor).", Integer.toString(defaultThreads)));
    }

    public static ScheduleBenchConfig fromArgs(String[] args, int defaultThreads) {
        Options o = Options.parse(JOB, options(defaultThreads), args);
        List<String> runs = Arrays.stream(o.string("runs").split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        for (String r : runs) {
            if (!ALL_RUNS.contains(r)) {
                throw o.bad("runs", o.string("runs"), "a list of " + String.join(", ", ALL_RUNS));
            }
        }
        double wave = o.doubleIn("wave-fraction", 0, 1);
        if (wave <= 0) {
            throw o.bad("wave-fraction", Double.toString(wave), "a fraction above 0 and at most 1");
        }
        return new ScheduleBenchConfig(o.nonBlank("dataset"), o.nonBlank("out"), o.nonBlank("results"), runs,
                o.intIn("epochs", 1, 1000), o.intIn("limit", 0, Integer.MAX_VALUE), o.intIn("val-limit", 0, Integer.MAX_VALUE),
                o.intIn("replicas", 1, 4096), o.intIn("sync-steps", 0, Integer.MAX_VALUE), wave, o.intIn("threads", 1, 1024));
    }
}
