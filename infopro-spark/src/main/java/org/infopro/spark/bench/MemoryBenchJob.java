package org.infopro.spark.bench;

import org.infopro.data.config.ConfigException;
import org.infopro.data.io.Json;
import org.infopro.spark.loss.LambdaSchedule;
import org.infopro.spark.loss.LossMode;
import org.infopro.spark.model.AuxNet;
import org.infopro.spark.model.HeadSpec;
import org.infopro.spark.model.Hyper;
import org.infopro.spark.model.ModulePlan;
import org.infopro.spark.model.ReferenceTables;
import org.infopro.spark.model.ResNetSpec;
import org.infopro.spark.model.SplitPoint;
import org.infopro.spark.module.ModuleStack;
import org.infopro.spark.runtime.NativeRuntime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The memory report: for each network, end-to-end training against InfoPro at each K, the measured peak
 * memory of a training step as a ratio to end-to-end. Runs in this JVM on one thread; no Spark needed.
 */
public final class MemoryBenchJob {

    /** One measured case. */
    public record Row(int depth, int k, String table, String method, String splits, long peakBytes, long workspaceBytes,
                      Map<String, Long> workspaces, long parameterBytes, long updaterBytes, double ratioToE2e,
                      long dl4jEstimateMaxModuleBytes, long dl4jEstimateSumBytes, double imagesPerS) {
    }

    private MemoryBenchJob() {
    }

    public static Map<String, Object> run(MemoryBenchConfig cfg) {
        NativeRuntime.useThreads(NativeRuntime.defaultThreads());
        List<Row> rows = new ArrayList<>();
        for (int depth : cfg.depths()) {
            ResNetSpec spec = new ResNetSpec(depth, 32, 32, 3, 10);
            Row e2e = measure(cfg, spec, "e2e", List.of(), -1);
            rows.add(e2e);
            for (String table : cfg.tables()) {
                for (int k : cfg.ks()) {
                    if (k == 1) {
                        continue;
                    }
                    List<SplitPoint> splits;
                    try {
                        splits = ReferenceTables.splits(table, depth, k);
                    } catch (ConfigException e) {
                        continue;
                    }
                    rows.add(measure(cfg, spec, table, splits, e2e.peakBytes()));
                }
            }
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("created_at", Instant.now().toString());
        doc.put("batch_size", cfg.batch());
        doc.put("input", "32x32x3, 10 classes, synthetic values");
        doc.put("loss", cfg.loss().label());
        doc.put("aux_net", "1c2f");
        doc.put("threads", NativeRuntime.defaultThreads());
        doc.put("definition", DEFINITION);
        doc.put("rows", rows);
        write(cfg.out(), doc, markdown(cfg, rows));
        return doc;
    }

    static final String DEFINITION = "peak_bytes = capacity of every ND4J workspace of the training thread after the timed "
            + "steps (DL4J keeps each step's activations, gradients and working memory there; workspaces grow to the largest "
            + "step served and are shared by the modules of a thread, so this is the high-water mark) + parameters and "
            + "updater state of all modules + the largest hand-off + the input batch. dl4j_estimate_* is DL4J's static "
            + "getMemoryReport (training, no cache) of the largest module and summed over modules.";

    private static Row measure(MemoryBenchConfig cfg, ResNetSpec spec, String table, List<SplitPoint> splits, long e2ePeak) {
        int k = splits.size() + 1;
        LossMode mode = k == 1 ? LossMode.E2E : cfg.loss();
        LambdaSchedule lambda = k == 1 ? new LambdaSchedule(0, 0, 0, 0) : shippedOrDefault(spec.depth(), k);
        ModuleStack.Setup setup = new ModuleStack.Setup(spec, ModulePlan.plan(spec, splits, lambda),
                new Hyper(0, 0.1, 0.9, 1e-4), HeadSpec.of(mode, AuxNet.C1F2));
        System.err.printf(Locale.ROOT, "[bench-memory] ResNet-%d %s K=%d ...%n", spec.depth(), table, k);
        StepBench.Result r = StepBench.run(setup, cfg.batch(), cfg.warmup(), cfg.steps());
        Row row = new Row(spec.depth(), k, table, mode.label(), splits.toString(), r.peakBytes(), r.workspaceBytes(),
                r.workspaces(), r.parameterBytes(), r.updaterBytes(), e2ePeak > 0 ? (double) r.peakBytes() / e2ePeak : 1.0,
                r.dl4jEstimateMaxBytes(), r.dl4jEstimateSumBytes(), r.imagesPerS());
        System.err.printf(Locale.ROOT, "[bench-memory] ResNet-%d %s K=%d peak %.1f MiB (%.2f of E2E), %.1f img/s%n",
                spec.depth(), table, k, row.peakBytes() / 1048576.0, row.ratioToE2e(), row.imagesPerS());
        return row;
    }

    private static LambdaSchedule shippedOrDefault(int depth, int k) {
        try {
            return ReferenceTables.lambda("cifar10", "infopro", depth, k);
        } catch (RuntimeException e) {
            return new LambdaSchedule(5, 1, 0, 1);
        }
    }

    private static String markdown(MemoryBenchConfig cfg, List<Row> rows) {
        StringBuilder sb = new StringBuilder();
        sb.append("# Peak training-step memory: InfoPro against end-to-end\n\n");
        sb.append(String.format(Locale.ROOT, "Batch %d, 32x32x3 input, %s heads (1c2f), reference split tables; generated by "
                + "`submit/infopro bench-memory`.%n%n", cfg.batch(), cfg.loss().label()));
        sb.append("Definition: ").append(DEFINITION).append("\n\n");
        sb.append("| network | table | K | splits | peak MiB | ratio to E2E | workspaces MiB | params+updater MiB | DL4J estimate, largest module MiB | images/s |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|---|\n");
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT, "| ResNet-%d | %s | %d | %s | %.1f | %.2f | %.1f | %.1f | %.1f | %.1f |%n", r.depth(), r.table(), r.k(),
                    r.splits().isEmpty() || r.splits().equals("[]") ? "—" : r.splits(), r.peakBytes() / 1048576.0, r.ratioToE2e(),
                    r.workspaceBytes() / 1048576.0, (r.parameterBytes() + r.updaterBytes()) / 1048576.0,
                    r.dl4jEstimateMaxModuleBytes() / 1048576.0, r.imagesPerS()));
        }
        return sb.toString();
    }

    static void write(String out, Object doc, String md) {
        try {
            Path json = Path.of(out + ".json");
            if (json.getParent() != null) {
                Files.createDirectories(json.getParent());
            }
            Files.writeString(json, Json.pretty(doc) + "\n");
            Files.writeString(Path.of(out + ".md"), md);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + out + ".json/.md: " + e.getMessage(), e);
        }
    }
}
