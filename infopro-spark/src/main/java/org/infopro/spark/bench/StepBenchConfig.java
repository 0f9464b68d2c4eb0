package org.infopro.spark.bench;

import org.infopro.data.config.JobSpec;
import org.infopro.data.config.Opt;
import org.infopro.data.config.Options;
import org.infopro.spark.loss.LossMode;
import org.infopro.spark.runtime.NativeRuntime;

import java.util.List;

/**
 * One run of the per-step benchmark on our side: one network (depth, K), one thread count, in this process.
 * submit/bench-step.sh runs it in a fresh JVM per measurement, alternating with submit/bench/step_torch.py.
 */
public record StepBenchConfig(int depth, int k, String table, LossMode loss, int batch, int threads, int window, int warmupMax,
                              double tolerance, int steps, String out) {
    public static final String JOB = "bench-step";

    public static final String SUMMARY = "One measurement of the per-step benchmark against PyTorch (submit/bench-step.sh runs the\n"
            + "whole comparison): trains a CIFAR ResNet (32x32x3, 10 classes, synthetic batch) end-to-end (K=1) or as K InfoPro\n"
            + "modules of a reference split table, warms up until the step time stops falling, times --steps steps, and writes\n"
            + "one run record (images/s, step times, peak RSS above the idle baseline, ND4J's own memory accounting, parameter\n"
            + "counts) to --out.";

    public static final Opt<Integer> DEPTH = Opt.intIn("depth", "N", "CIFAR ResNet depth, 6n+2; split tables exist for 32 and 110.",
            32, 8, 1202);
    public static final Opt<Integer> K = Opt.intIn("k", "N", "Modules: 1 = end-to-end, else a split of --table.", 1, 1, 64);
    public static final Opt<String> TABLE = Opt.text("table", "NAME", "Split table of conf/infopro-splits.json.", "infopro");
    public static final Opt<LossMode> LOSS = MemoryBenchConfig.LOSS;
    public static final Opt<Integer> BATCH_SIZE = Opt.intIn("batch-size", "N", "Minibatch size.", 128, 1, 4096);
    public static final Opt<Integer> WINDOW = Opt.intIn("window", "N", "Warm-up ends once the median of the last N steps is no more "
            + "than --tolerance below the median of the N before (0: always --warmup-max steps).", 3, 0, 100);
    public static final Opt<Integer> WARMUP_MAX = Opt.intIn("warmup-max", "N", "Most warm-up steps.", 15, 1, 1000);
    public static final Opt<Double> TOLERANCE = Opt.doubleIn("tolerance", "X", "How much faster (as a fraction) the last window may "
            + "still be.", 0.05, 0, 0.5);
    public static final Opt<Integer> STEPS = Opt.intIn("steps", "N", "Timed steps after warm-up.", 6, 1, 10_000);
    public static final Opt<String> OUT = Opt.required("out", "FILE", "Where the run record (JSON) goes.");

    public static final JobSpec<StepBenchConfig> SPEC = new JobSpec<>(JOB, "Benchmark: one training-step measurement (see submit/bench-step.sh).",
            SUMMARY, List.of(DEPTH, K, TABLE, LOSS, BATCH_SIZE, NativeRuntime.THREADS, WINDOW, WARMUP_MAX, TOLERANCE, STEPS, OUT),
            StepBenchConfig::build);

    private static StepBenchConfig build(Options o) {
        return new StepBenchConfig(o.get(DEPTH), o.get(K), o.get(TABLE), o.get(LOSS), o.get(BATCH_SIZE), o.get(NativeRuntime.THREADS),
                o.get(WINDOW), o.get(WARMUP_MAX), o.get(TOLERANCE), o.get(STEPS), o.get(OUT));
    }

    SteadyState warmup() {
        return new SteadyState(window, warmupMax, tolerance);
    }
}
