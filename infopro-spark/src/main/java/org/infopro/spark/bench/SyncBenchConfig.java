package org.infopro.spark.bench;

import org.infopro.data.config.JobSpec;
import org.infopro.data.config.Opt;
import org.infopro.data.config.Options;

import java.util.List;

/** Configuration of the synchronisation benchmark: one round's replica average, reduce-scatter against driver collect. */
public record SyncBenchConfig(String results, List<Integer> replicas, int params, int repeats, List<Integer> modelled) {
    public static final String JOB = "bench-sync";

    /** ResNet-50's parameter count (torchvision): the state is these and as many momentum floats. */
    public static final int RESNET50_PARAMS = 25_557_032;

    public static final String SUMMARY = "Measures one round's synchronisation of data-parallel replicas at ResNet-50 state size on the\n"
            + "cluster given by --master (submit/bench-sync.sh starts a 4-worker standalone cluster on loopback): every replica's\n"
            + "task makes a synthetic state (parameters + momentum), and the round is averaged by Spark's reduce-scatter and,\n"
            + "in the same run, by the old driver-side collect and average; writes <results>.json and <results>.md with seconds\n"
            + "and bytes through the driver and the shuffle, their ratio, and a model of more replicas.";

    public static final Opt<String> RESULTS = Opt.text("results", "PATH", "Result path without extension.", "docs/results/sync");
    public static final Opt<List<Integer>> REPLICAS = Opt.intList("replicas", "LIST", "Replica counts to measure (one executor "
            + "each).", List.of(2, 4), 2, 64);
    public static final Opt<Integer> PARAMS = Opt.intIn("params", "N", "Parameters per replica state (the momentum has as many).",
            RESNET50_PARAMS, 1, 200_000_000);
    public static final Opt<Integer> REPEATS = Opt.intIn("repeats", "N", "Rounds per replica count and method (median reported).",
            3, 1, 100);
    public static final Opt<List<Integer>> MODELLED = Opt.intList("modelled", "LIST", "Replica counts to model from the measured "
            + "figures.", List.of(16, 64), 2, 100_000);

    public static final JobSpec<SyncBenchConfig> SPEC = new JobSpec<>(JOB,
            "Benchmark: one round's replica synchronisation, reduce-scatter against driver collect.", SUMMARY,
            List.of(RESULTS, REPLICAS, PARAMS, REPEATS, MODELLED), SyncBenchConfig::build);

    public static SyncBenchConfig fromArgs(String[] args) {
        return SPEC.parse(args);
    }

    private static SyncBenchConfig build(Options o) {
        return new SyncBenchConfig(o.get(RESULTS), o.get(REPLICAS), o.get(PARAMS), o.get(REPEATS), o.get(MODELLED));
    }
}
