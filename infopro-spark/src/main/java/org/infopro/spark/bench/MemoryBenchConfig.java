package org.infopro.spark.bench;

import org.infopro.data.config.Options;
import org.infopro.data.config.Options.Spec;
import org.infopro.spark.loss.LossMode;

import java.util.Arrays;
import java.util.List;

/** Configuration of the memory benchmark: which networks and K, at what batch size. */
public record MemoryBenchConfig(List<Integer> depths, List<Integer> ks, List<String> tables, int batch, int warmup,
                                int steps, LossMode loss, String out) {
    public static final String JOB = "bench-memory";

    public static final String SUMMARY = "Measures peak memory of training steps, end-to-end (K=1) against InfoPro with the reference's\n"
            + "split tables, on synthetic 32x32x3 batches; prints a table and writes <out>.json and <out>.md.\n"
            + "Memory = ND4J workspace high-water marks + parameters + updater state + hand-off + batch (see docs).";

    public static final List<Spec> OPTIONS = List.of(
            Spec.of("depths", "LIST", "ResNet depths with reference split tables: 32, 110.", "32,110"),
            Spec.of("k", "LIST", "Numbers of modules (1 = end-to-end).", "1,2,3,4,8"),
            Spec.of("tables", "LIST", "Split tables from conf/infopro-splits.json; a (table, depth, K) without an entry is skipped.",
                    "infopro,infopro*-cifar10"),
            Spec.of("batch-size", "N", "Minibatch size.", "128"),
            Spec.of("warmup", "N", "Untimed steps first (workspaces grow to their size).", "2"),
            Spec.of("steps", "N", "Timed steps.", "2"),
            Spec.of("loss", "MODE", "infopro-softmax | infopro-contrast for K > 1.", "infopro-contrast"),
            Spec.of("out", "PATH", "Result path without extension.", "docs/results/memory"));

    public static MemoryBenchConfig fromArgs(String[] args) {
        Options o = Options.parse(JOB, OPTIONS, args);
        List<Integer> depths = ints(o, "depths");
        for (int d : depths) {
            if (d != 32 && d != 110) {
                throw o.bad("depths", o.string("depths"), "a list of 32 and/or 110 (the depths with reference split tables)");
            }
        }
        List<Integer> ks = ints(o, "k");
        LossMode loss = o.choice("loss", LossMode.class, LossMode::label);
        if (loss != LossMode.INFOPRO_CONTRAST && loss != LossMode.INFOPRO_SOFTMAX) {
            throw o.bad("loss", o.string("loss"), "infopro-softmax or infopro-contrast");
        }
        List<String> tables = Arrays.stream(o.string("tables").split(",")).map(String::trim).filter(t -> !t.isEmpty()).toList();
        return new MemoryBenchConfig(depths, ks, tables, o.intIn("batch-size", 1, 4096), o.intIn("warmup", 1, 100),
                o.intIn("steps", 1, 1000), loss, o.nonBlank("out"));
    }

    private static List<Integer> ints(Options o, String name) {
        try {
            return Arrays.stream(o.string(name).split(",")).map(String::trim).map(Integer::parseInt).toList();
        } catch (NumberFormatException e) {
            throw o.bad(name, o.string(name), "a comma-separated list of integers");
        }
    }
}
