package org.infopro.spark.bench;

import org.infopro.data.config.JobSpec;
import org.infopro.data.config.Opt;
import org.infopro.data.config.Options;

import java.util.List;

/**
 * Configuration of the native-reclamation benchmark: the same training run with {@code --reclaim-every 0} and with
 * the interval given, alternated, each its own process.
 */
public record ReclaimBenchConfig(String dataset, String work, String results, String launcher, int every, int pairs, int depth,
                                 String splits, int limit, int epochs, String driverMemory) {
    public static final String JOB = "bench-reclaim";

    public static final String SUMMARY = "Measures what --reclaim-every buys: trains the same network on a prepared dataset with\n"
            + "--reclaim-every 0 (dead ND4J buffers wait for the JVM's own collections) and with --reclaim-every S, in turn\n"
            + "(off, on, off, on, ...), each run its own `submit/infopro --master local[1]` process, so the one JVM is driver and\n"
            + "executor and its peak resident set is the executor's. Writes <results>.json and <results>.md: peak RSS, wall\n"
            + "time and garbage collections per run, and the on/off ratio of each pair.";

    public static final Opt<String> DATASET = Opt.text("dataset", "DIR", "Prepared dataset (prep-idx).", "data/fashion-mnist");
    public static final Opt<String> WORK = Opt.text("work", "DIR", "Folder for the runs and their logs (replaced per run).",
            "out/bench-reclaim");
    public static final Opt<String> RESULTS = Opt.text("results", "PATH", "Result path without extension.", "docs/results/native-reclaim");
    public static final Opt<String> LAUNCHER = Opt.text("launcher", "PATH", "The submit/infopro launcher that runs each training.",
            "submit/infopro");
    public static final Opt<Integer> EVERY = Opt.intIn("every", "S", "--reclaim-every of the runs with reclamation.", 10, 1, 86_400);
    public static final Opt<Integer> PAIRS = Opt.intIn("pairs", "N", "Pairs of runs (off, on).", 2, 1, 20);
    public static final Opt<Integer> DEPTH = Opt.intIn("depth", "N", "CIFAR ResNet depth of the runs.", 8, 8, 110);
    public static final Opt<String> SPLITS = Opt.text("splits", "LIST", "--splits of the runs.", "2,0");
    public static final Opt<Integer> LIMIT = Opt.intIn("limit", "N", "--limit of the runs (0 = all training images).", 0, 0,
            Integer.MAX_VALUE);
    public static final Opt<Integer> EPOCHS = Opt.intIn("epochs", "N", "--epochs of the runs.", 1, 1, 1000);
    public static final Opt<String> DRIVER_MEMORY = Opt.text("run-driver-memory", "MEM", "Heap (-Xmx) of each run's JVM: the larger "
            + "the heap, the rarer the JVM's own collections.", "2g");

    public static final JobSpec<ReclaimBenchConfig> SPEC = new JobSpec<>(JOB,
            "Benchmark: peak RSS and time of training with and without --reclaim-every.", SUMMARY,
            List.of(DATASET, WORK, RESULTS, LAUNCHER, EVERY, PAIRS, DEPTH, SPLITS, LIMIT, EPOCHS, DRIVER_MEMORY),
            ReclaimBenchConfig::build);

    public static ReclaimBenchConfig fromArgs(String[] args) {
        return SPEC.parse(args);
    }

    private static ReclaimBenchConfig build(Options o) {
        return new ReclaimBenchConfig(o.get(DATASET), o.get(WORK), o.get(RESULTS), o.get(LAUNCHER), o.get(EVERY), o.get(PAIRS),
                o.get(DEPTH), o.get(SPLITS), o.get(LIMIT), o.get(EPOCHS), o.get(DRIVER_MEMORY));
    }
}
