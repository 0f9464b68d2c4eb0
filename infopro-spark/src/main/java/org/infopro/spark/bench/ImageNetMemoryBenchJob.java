package org.infopro.spark.bench;

import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.memory.MemoryUseMode;
import org.infopro.spark.metrics.ProcessMemory;
import org.infopro.spark.model.ModulePlan;
import org.infopro.spark.module.ModuleStack;
import org.infopro.spark.runtime.NativeRuntime;
import org.nd4j.linalg.api.buffer.DataType;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The ImageNet memory report: an ImageNet ResNet trained end-to-end against InfoPro* K=2 (Wang et al. 2021, Table 4:
 * ResNet-101 12.06 against 19.71 GB per GPU, 0.61), the peak of a training step by {@link StepBench}'s definition, on
 * one thread of this JVM. Cases run from the smallest to the largest (module 1 of K=2 alone, K=2, E2E), so the process's
 * RSS high-water mark read after each case is that case's own peak or, at worst, an earlier larger one.
 */
public final class ImageNetMemoryBenchJob {
    /** The paper's Table 4, ResNet-101: InfoPro* K=2 and E2E memory per GPU (GB, batch 128 per GPU at 224). */
    static final double PAPER_K2_GB = 12.06;
    static final double PAPER_E2E_GB = 19.71;

    /** One measured case; {@code modulesTrained} &lt; {@code k} when only a prefix of the modules was trained. */
    public record Row(String case_, int k, int modulesTrained, String splits, List<Object> lambda, long peakBytes, long workspaceBytes,
                      Map<String, Long> workspaces, long parameterBytes, long updaterBytes, long batchBytes, double ratioToE2e,
                      List<Map<String, Object>> modules, double imagesPerS, Long rssPeakAfterBytes) {
    }

    private ImageNetMemoryBenchJob() {
    }

    public static Map<String, Object> run(ImageNetMemoryBenchConfig cfg) {
        NativeRuntime.useThreads(NativeRuntime.defaultThreads());
        ModuleStack.Setup e2e = BenchNetworks.imagenet(cfg.arch(), cfg.width(), cfg.crop(), "--loss", "e2e", "--splits", "none");
        ModuleStack.Setup k2 = BenchNetworks.imagenet(cfg.arch(), cfg.width(), cfg.crop(), "--loss", "infopro-softmax",
                "--splits", "infopro*-imagenet:k2", "--lambda", "imagenet/infopro*");
        Long rss0 = ProcessMemory.residentBytes();
        Row m1 = measure(cfg, "InfoPro* K=2, module 1 alone", k2, 1);
        Row k2r = measure(cfg, "InfoPro* K=2", k2, 2);
        Row e = measure(cfg, "E2E", e2e, 1);
        List<Row> rows = new ArrayList<>();
        for (Row r : List.of(e, k2r, m1)) {
            rows.add(new Row(r.case_(), r.k(), r.modulesTrained(), r.splits(), r.lambda(), r.peakBytes(), r.workspaceBytes(), r.workspaces(),
                    r.parameterBytes(), r.updaterBytes(), r.batchBytes(), (double) r.peakBytes() / e.peakBytes(), r.modules(), r.imagesPerS(),
                    r.rssPeakAfterBytes()));
        }
        double ratio = (double) k2r.peakBytes() / e.peakBytes();
        double paper = PAPER_K2_GB / PAPER_E2E_GB;
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("created_at", Instant.now().toString());
        doc.put("network", cfg.arch() + (cfg.width() == 1 ? "" : " width " + cfg.width()));
        doc.put("batch_size", cfg.batch());
        doc.put("input", cfg.crop() + "x" + cfg.crop() + "x3, 1000 classes, synthetic values");
        doc.put("threads", NativeRuntime.defaultThreads());
        doc.put("definition", MemoryBenchJob.DEFINITION);
        doc.put("ratio_k2_to_e2e", ratio);
        doc.put("paper_ratio_k2_to_e2e", paper);
        doc.put("target_ratio", 0.60);
        doc.put("target_met", ratio <= 0.60);
        doc.put("rss_before_bytes", rss0);
        doc.put("rss_note", "process VmHWM read after each case; the cases ran module 1 alone, K=2, E2E in that order, so each is "
                + "that case's peak or an earlier, larger one; it includes the JVM heap and libnd4j's own buffers");
        doc.put("rows", rows);
        System.err.printf(Locale.ROOT, "[bench-memory-imagenet] K=2 / E2E = %.3f (paper %.3f, target <= 0.60: %s)%n", ratio, paper,
                ratio <= 0.60 ? "met" : "NOT met");
        MemoryBenchJob.write(cfg.out(), doc, markdown(cfg, rows, ratio, paper));
        return doc;
    }

    private static Row measure(ImageNetMemoryBenchConfig cfg, String name, ModuleStack.Setup setup, int modules) {
        System.err.printf(Locale.ROOT, "[bench-memory-imagenet] %s %s, batch %d at %d ...%n", cfg.arch(), name, cfg.batch(), cfg.crop());
        StepBench.Result r = StepBench.run(setup, cfg.batch(), SteadyState.fixed(cfg.warmup()), cfg.steps(),
                (phase, i, s) -> System.err.printf(Locale.ROOT, "[bench-memory-imagenet]   %s step %d: %.2f s%n", phase, i, s), modules);
        Long rss = ProcessMemory.peakResidentBytes();
        List<Map<String, Object>> mods = new ArrayList<>();
        for (int i = 0; i < setup.modules(); i++) {
            ModulePlan p = setup.plans().get(i);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("module", p.name());
            m.put("units", p.firstUnit() + "-" + p.lastUnit());
            m.put("input_chw", p.inputShape());
            m.put("output_chw", p.outputShape());
            m.put("handoff_bytes", p.isLast() ? 0L : 4L * cfg.batch() * p.outputShape()[0] * p.outputShape()[1] * p.outputShape()[2]);
            m.put("trained", i < modules);
            m.put("seconds", i < r.moduleSeconds().length ? r.moduleSeconds()[i] : 0.0);
            mods.add(m);
        }
        try (ModuleStack stack = setup.build()) {
            for (int i = 0; i < setup.modules(); i++) {
                int[] in = setup.plans().get(i).inputShape();
                var net = stack.module(i).network();
                mods.get(i).put("parameters", net.numParams());
                mods.get(i).put("dl4j_estimate_bytes", net.getConfiguration().getMemoryReport(InputType.convolutional(in[1], in[2], in[0]))
                        .getTotalMemoryBytes(cfg.batch(), MemoryUseMode.TRAINING, CacheMode.NONE, DataType.FLOAT));
            }
        }
        var w = setup.plans().get(0).weights();
        List<Object> lambda = setup.modules() == 1 || w == null ? List.of() : List.of(w.reconstruction(), w.task());
        String splits = setup.modules() == 1 ? "none" : "infopro*-imagenet:k2 (module 1 = units " + setup.plans().get(0).firstUnit()
                + "-" + setup.plans().get(0).lastUnit() + ")";
        Row row = new Row(name, setup.modules(), modules, splits, lambda, r.peakBytes(), r.workspaceBytes(), r.workspaces(), r.parameterBytes(),
                r.updaterBytes(), r.batchBytes(), 0, mods, r.imagesPerS(), rss);
        System.err.printf(Locale.ROOT, "[bench-memory-imagenet] %s: peak %.1f MiB (workspaces %.1f, params+updater %.1f), RSS HWM %.1f MiB, "
                        + "%.2f images/s, workspaces %s%n", name, r.peakBytes() / 1048576.0, r.workspaceBytes() / 1048576.0,
                (r.parameterBytes() + r.updaterBytes()) / 1048576.0, rss == null ? -1 : rss / 1048576.0, r.imagesPerS(), mib(r.workspaces()));
        return row;
    }

    private static Map<String, String> mib(Map<String, Long> m) {
        Map<String, String> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, String.format(Locale.ROOT, "%.1f", v / 1048576.0)));
        return out;
    }

    private static String markdown(ImageNetMemoryBenchConfig cfg, List<Row> rows, double ratio, double paper) {
        StringBuilder sb = new StringBuilder();
        sb.append("# Peak ImageNet training-step memory: InfoPro* K=2 against end-to-end\n\n");
        sb.append(String.format(Locale.ROOT, "Generated by `submit/infopro bench-memory-imagenet --arch %s --batch-size %d --crop %d%s --warmup %d --steps %d`, %s. "
                        + "Torchvision-layout %s, batch %d at %dx%dx3, 1000 classes, synthetic values; CPU, real ND4J, %d threads, "
                        + "%d warm-up and %d timed steps; λ and split as `train --arch %s` resolves them (recipe: `infopro*-imagenet:k2`, "
                        + "`imagenet/infopro*` from conf/infopro-lambdas.json), InfoPro softmax heads (the reference's ImageNet decoder "
                        + "and four-conv auxiliary classifier).%n%n", cfg.arch(), cfg.batch(), cfg.crop(),
                cfg.width() == 1 ? "" : " --width " + cfg.width(), cfg.warmup(), cfg.steps(), Instant.now(), cfg.arch(), cfg.batch(), cfg.crop(), cfg.crop(),
                NativeRuntime.defaultThreads(), cfg.warmup(), cfg.steps(), cfg.arch()));
        sb.append("Definition (the same as `bench-memory`, `metrics.TaskMemory`): ").append(MemoryBenchJob.DEFINITION).append("\n\n");
        sb.append(String.format(Locale.ROOT, "**K=2 / E2E = %.3f** against the paper's 12.06 / 19.71 GB = %.3f (Table 4, ResNet-101, 128 "
                + "images per V100); target ≤ 0.60: **%s**.%n%n", ratio, paper, ratio <= 0.60 ? "met" : "not met"));
        sb.append("| case | peak MiB | ratio to E2E | workspaces MiB | params+updater MiB | batch MiB | images/s | process RSS HWM after, MiB |\n");
        sb.append("|---|---|---|---|---|---|---|---|\n");
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT, "| %s | %.1f | %.3f | %.1f | %.1f | %.1f | %.2f | %s |%n", r.case_(), r.peakBytes() / 1048576.0,
                    r.ratioToE2e(), r.workspaceBytes() / 1048576.0, (r.parameterBytes() + r.updaterBytes()) / 1048576.0,
                    r.batchBytes() / 1048576.0, r.imagesPerS(), r.rssPeakAfterBytes() == null ? "—"
                            : String.format(Locale.ROOT, "%.0f", r.rssPeakAfterBytes() / 1048576.0)));
        }
        sb.append("\nWorkspaces by name (MiB; shared by the modules of the thread):\n\n");
        for (Row r : rows) {
            sb.append("* ").append(r.case_()).append(": ").append(mib(r.workspaces())).append("\n");
        }
        sb.append("\nModules:\n\n| case | module | units | input C×H×W | output C×H×W | hand-off MiB | parameters | DL4J estimate MiB | step s |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|\n");
        for (Row r : rows) {
            for (Map<String, Object> m : r.modules()) {
                sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %.1f | %d | %.1f | %.2f |%n", r.case_(), m.get("module"),
                        m.get("units"), chw((int[]) m.get("input_chw")), chw((int[]) m.get("output_chw")),
                        ((Long) m.get("handoff_bytes")) / 1048576.0, (Long) m.get("parameters"),
                        ((Long) m.get("dl4j_estimate_bytes")) / 1048576.0, (Double) m.get("seconds")));
            }
        }
        return sb.toString();
    }

    private static String chw(int[] s) {
        return Arrays.stream(s).mapToObj(Integer::toString).reduce((a, b) -> a + "×" + b).orElse("");
    }
}
