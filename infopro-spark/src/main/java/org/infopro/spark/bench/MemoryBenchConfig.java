package org.infopro.spark.bench;

import org.infopro.data.config.JobSpec;
import org.infopro.data.config.Opt;
import org.infopro.data.config.Options;
import org.infopro.spark.loss.LossMode;

import java.util.List;

/** Configuration of the memory benchmark: which networks and K, at what batch size. */
public record MemoryBenchConfig(List<Integer> depths, List<Integer> ks, List<String> tables, int batch, int warmup,
                                int steps, LossMode loss, String out) {
    public static final String JOB = "bench-memory";

    public static final String SUMMARY = "Measures peak memory of training steps, end-to-end (K=1) against InfoPro with the reference's\n"
            + "split tables, on synthetic 32x32x3 batches; prints a table and writes <out>.json and <out>.md.\n"
            + "Memory = ND4J workspace high-water marks + parameters + updater state + hand-off + batch (see docs).";

    public static final Opt<List<Integer>> DEPTHS = Opt.intList("depths", "LIST", "ResNet depths; only these two have reference split "
                    + "tables.", List.of(32, 110), 8, 1202)
            .where(ds -> ds.stream().allMatch(d -> d == 32 || d == 110), "a comma-separated list of 32 and/or 110");
    public static final Opt<List<Integer>> K = Opt.intList("k", "LIST", "Numbers of modules (1 = end-to-end).", List.of(1, 2, 3, 4, 8), 1, 64);
    public static final Opt<List<String>> TABLES = Opt.names("tables", "LIST", "Split tables from conf/infopro-splits.json; a (table, "
            + "depth, K) without an entry is skipped.", List.of("infopro", "infopro*-cifar10"));
    public static final Opt<Integer> BATCH_SIZE = Opt.intIn("batch-size", "N", "Minibatch size.", 128, 1, 4096);
    public static final Opt<Integer> WARMUP = Opt.intIn("warmup", "N", "Untimed steps first (workspaces grow to their size).", 2, 1, 100);
    public static final Opt<Integer> STEPS = Opt.intIn("steps", "N", "Timed steps.", 2, 1, 1000);
    public static final Opt<LossMode> LOSS = Opt.choice("loss", "MODE", "InfoPro's loss for K > 1.", LossMode.INFOPRO_CONTRAST,
            List.of(LossMode.INFOPRO_SOFTMAX, LossMode.INFOPRO_CONTRAST), LossMode::label);
    public static final Opt<String> OUT = Opt.text("out", "PATH", "Result path without extension.", "docs/results/memory");

    public static final JobSpec<MemoryBenchConfig> SPEC = new JobSpec<>(JOB, "Benchmark: peak training memory, InfoPro against end-to-end.",
            SUMMARY, List.of(DEPTHS, K, TABLES, BATCH_SIZE, WARMUP, STEPS, LOSS, OUT), MemoryBenchConfig::build);

    public static MemoryBenchConfig fromArgs(String[] args) {
        return SPEC.parse(args);
    }

    private static MemoryBenchConfig build(Options o) {
        return new MemoryBenchConfig(o.get(DEPTHS), o.get(K), o.get(TABLES), o.get(BATCH_SIZE), o.get(WARMUP), o.get(STEPS),
                o.get(LOSS), o.get(OUT));
    }
}
