package org.infopro.spark.bench;

import org.infopro.data.config.JobSpec;
import org.infopro.data.config.Opt;
import org.infopro.data.config.Options;

import java.util.List;

/**
 * Configuration of the scale rehearsal: the same ILSVRC-layout pipeline (make-ilsvrc, prep-imagenet, one epoch of
 * train) at two dataset sizes on one cluster, each Spark phase its own driver, watched from outside.
 */
public record ScaleRehearsalConfig(String input, String master, String work, String results, String launcher, int classes,
                                   int size, double shardMb, double width, int crop, int batchSize, int replicas, String driverMemory,
                                   String executorMemory, int reclaimEvery) {
    public static final String JOB = "bench-scale";

    public static final String SUMMARY = "Rehearses ImageNet scale on real pixels: writes Fashion-MNIST as two ILSVRC-2012 trees of\n"
            + "--classes wnids (make-ilsvrc; 10,000 JPEGs: 9,000 train + 1,000 val; 100,000: 45,000 records x 2 copies + 10,000\n"
            + "val), shards each with prep-imagenet and trains a tiny ResNet-50 InfoPro* K=2 on it (one epoch of the 100,000, ten\n"
            + "of the 10,000: the same steps), both as their\n"
            + "own `submit/infopro --master <cluster>` (its own driver JVM). Every phase is watched from outside: the driver's\n"
            + "and every executor JVM's peak resident set (VmHWM, sampled from /proc twice a second) and the driver's heap\n"
            + "after each garbage collection (-Xlog:gc). Writes <results>.json and <results>.md: the figures per size and\n"
            + "their ratio, 100,000 against 10,000 (submit/bench-scale.sh starts the standalone cluster).";

    public static final Opt<String> INPUT = Opt.required("input", "DIR", "Fashion-MNIST IDX folder (submit/fetch-fashion-mnist.sh).");
    public static final Opt<String> MASTER = Opt.required("cluster", "URL", "Spark master of the prep and train phases (not --master, which "
            + "is the launcher's own); a standalone cluster (spark://) keeps the executors out of the driver's JVM, so each is measured "
            + "on its own.");
    public static final Opt<String> WORK = Opt.text("work", "DIR", "Folder for the trees, datasets, runs and logs (reused: a phase whose "
            + "output is complete is not run again).", "out/bench-scale");
    public static final Opt<String> RESULTS = Opt.text("results", "PATH", "Result path without extension.", "docs/results/imagenet-scale");
    public static final Opt<String> LAUNCHER = Opt.text("launcher", "PATH", "The submit/infopro launcher that runs each phase.",
            "submit/infopro");
    public static final Opt<Integer> CLASSES = Opt.intIn("classes", "N", "wnids of both trees (a multiple of 10).", 1000, 10, 10_000);
    public static final Opt<Integer> SIZE = Opt.intIn("size", "N", "JPEG side.", 64, 32, 512);
    public static final Opt<Double> SHARD_MB = Opt.doubleIn("shard-mb", "MB", "prep-imagenet's target shard size for both trees: "
            + "a prep task sorts one shard's rows in memory, so this, not the dataset, bounds a prep executor's heap (16: the "
            + "10,000-image tree is one shard, the 100,000-image one nine).", 16, 0.001, 1_000_000);
    public static final Opt<Double> WIDTH = Opt.doubleIn("width", "X", "Channel multiplier of the ResNet-50.", 0.0625, 0.0625, 1);
    public static final Opt<Integer> CROP = Opt.intIn("crop", "N", "Training and evaluation crop; a multiple of 32.", 32, 32, 512);
    public static final Opt<Integer> BATCH_SIZE = Opt.intIn("batch-size", "N", "Minibatch per replica.", 128, 2, 4096);
    public static final Opt<Integer> REPLICAS = Opt.intIn("replicas", "N", "Data-parallel replicas (one executor core each).", 2, 1, 64);
    public static final Opt<String> DRIVER_MEMORY = Opt.text("phase-driver-memory", "MEM", "Driver heap (-Xmx) of each phase.", "1g");
    public static final Opt<String> EXECUTOR_MEMORY = Opt.text("phase-executor-memory", "MEM", "Executor heap of each phase.", "1g");

    public static final Opt<Integer> RECLAIM_EVERY = Opt.intIn("reclaim-every", "S", "train --reclaim-every of both training "
            + "phases (0 = dead ND4J buffers wait for the JVM's own collections).", 10, 0, 86_400);

    public static final JobSpec<ScaleRehearsalConfig> SPEC = new JobSpec<>(JOB,
            "Benchmark: prep and training at 10,000 and 100,000 JPEGs; driver heap and executor RSS per size.", SUMMARY,
            List.of(INPUT, MASTER, WORK, RESULTS, LAUNCHER, CLASSES, SIZE, SHARD_MB, WIDTH, CROP, BATCH_SIZE, REPLICAS, DRIVER_MEMORY,
                    EXECUTOR_MEMORY, RECLAIM_EVERY),
            ScaleRehearsalConfig::build);

    public static ScaleRehearsalConfig fromArgs(String[] args) {
        return SPEC.parse(args);
    }

    private static ScaleRehearsalConfig build(Options o) {
        return new ScaleRehearsalConfig(o.get(INPUT), o.get(MASTER), o.get(WORK), o.get(RESULTS), o.get(LAUNCHER), o.get(CLASSES),
                o.get(SIZE), o.get(SHARD_MB), o.get(WIDTH), o.get(CROP), o.get(BATCH_SIZE), o.get(REPLICAS), o.get(DRIVER_MEMORY),
                o.get(EXECUTOR_MEMORY), o.get(RECLAIM_EVERY));
    }
}
