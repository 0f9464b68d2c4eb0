package org.infopro.spark.bench;

import org.infopro.data.config.JobSpec;
import org.infopro.data.config.Opt;
import org.infopro.data.config.Options;
import org.infopro.spark.runtime.NativeRuntime;
import org.infopro.spark.config.TrainConfig;

import java.util.List;

/** Configuration of the schedules benchmark: the three schedules on the same data, model and seed. */
public record ScheduleBenchConfig(String dataset, String out, String results, List<ScheduleBenchRun> runs, int epochs, int limit,
                                  int valLimit, int replicas, int syncSteps, double waveFraction, int threads) {
    public static final String JOB = "bench-schedules";

    /** The runs, in the order they are done. */
    public static final List<ScheduleBenchRun> ALL_RUNS = List.of(ScheduleBenchRun.values());

    public static final String SUMMARY = "Trains ResNet-32 with K = 4 (InfoPro softmax, the reproduction recipe) on real Fashion-MNIST in\n"
            + "each schedule, one run after another on the cluster given by --master (submit/bench-schedules.sh starts a\n"
            + "2-worker standalone cluster), and writes <results>.json and <results>.md: wall time, images/s, spill bytes,\n"
            + "peak executor memory, test accuracy, per-stage times, and a model of 4 and 16 executors from those times.\n"
            + "A run whose <out>/<run>/result.json is complete with the same config is reused.";

    public static final Opt<String> DATASET = Opt.required("dataset", "DIR", "Prepared Fashion-MNIST (prep-idx --dataset fashion-mnist).");
    public static final Opt<String> OUT = Opt.text("out", "DIR", "Folder for each run's training output.", "out/bench-schedules");
    public static final Opt<String> RESULTS = Opt.text("results", "PATH", "Result path without extension.", "docs/results/schedules");
    public static final Opt<List<ScheduleBenchRun>> RUNS = Opt.list("runs", "LIST", "Runs to do.", ALL_RUNS, ScheduleBenchRun.class,
            ScheduleBenchRun::label);
    public static final Opt<Integer> EPOCHS = Opt.intIn("epochs", "N", "Epochs (of every module).", 2, 1, 1000);
    public static final Opt<Integer> LIMIT = Opt.intIn("limit", "N", "Training images, the first N.", 20000, 0, Integer.MAX_VALUE);
    public static final Opt<Integer> VAL_LIMIT = Opt.intIn("val-limit", "N", "Test images (0 = all 10,000).", 0, 0, Integer.MAX_VALUE);
    public static final Opt<Integer> REPLICAS = Opt.intIn("replicas", "N", "Data-parallel replicas of the simultaneous and sequential "
            + "runs (one per executor).", 2, 1, 4096);
    public static final Opt<Integer> SYNC_STEPS = Opt.intIn("sync-steps", "S", "Steps between replica averages.", 20, 0, Integer.MAX_VALUE);

    public static final JobSpec<ScheduleBenchConfig> SPEC = new JobSpec<>(JOB,
            "Benchmark: the three training schedules on the cluster of --master.", SUMMARY,
            List.of(DATASET, OUT, RESULTS, RUNS, EPOCHS, LIMIT, VAL_LIMIT, REPLICAS, SYNC_STEPS, TrainConfig.WAVE_FRACTION,
                    NativeRuntime.THREADS), ScheduleBenchConfig::build);

    public static ScheduleBenchConfig fromArgs(String[] args) {
        return SPEC.parse(args);
    }

    private static ScheduleBenchConfig build(Options o) {
        return new ScheduleBenchConfig(o.get(DATASET), o.get(OUT), o.get(RESULTS), o.get(RUNS), o.get(EPOCHS), o.get(LIMIT),
                o.get(VAL_LIMIT), o.get(REPLICAS), o.get(SYNC_STEPS), o.get(TrainConfig.WAVE_FRACTION), o.get(NativeRuntime.THREADS));
    }
}
