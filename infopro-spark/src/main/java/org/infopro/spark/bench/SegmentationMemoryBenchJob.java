package org.infopro.spark.bench;

import org.infopro.spark.bench.SegmentationMemory.Method;
import org.infopro.spark.bench.SegmentationMemory.Row;
import org.infopro.spark.model.DeepLabV3Family;
import org.infopro.spark.model.DeepLabV3Spec;
import org.infopro.spark.runtime.NativeRuntime;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.infopro.spark.bench.SegmentationMemory.mib;

/**
 * The segmentation memory benchmark: DeepLab-V3's training step end to end against InfoPro* K=2's two modules at the
 * same crop and batch, peak memory by ND4J's accounting ({@link SegmentationMemory}, as bench-memory), against the paper's
 * Table 5 ratio. Synthetic inputs; the values do not change the memory.
 */
public final class SegmentationMemoryBenchJob {
    static final double PAPER_K2_GB = 12.01;
    static final double PAPER_E2E_GB = 19.43;

    private SegmentationMemoryBenchJob() {
    }

    public static Map<String, Object> run(SegmentationMemoryBenchConfig c) {
        NativeRuntime.useThreads(NativeRuntime.defaultThreads());
        int base = DeepLabV3Family.base(c.width());
        DeepLabV3Spec spec = new DeepLabV3Spec(c.depth(), base, c.height(), c.cropWidth(), 3, c.classes(),
                c.splitBlock() > 0 ? c.splitBlock() : DeepLabV3Spec.defaultSplit(c.depth()));
        Row k2 = SegmentationMemory.measure(Method.INFOPRO_K2, spec, c.batch(), c.steps(), SegmentationMemoryBenchConfig.JOB);
        Row e2e = SegmentationMemory.measure(Method.E2E, spec, c.batch(), c.steps(), SegmentationMemoryBenchConfig.JOB);
        double ratio = (double) k2.peakBytes() / e2e.peakBytes();
        double paper = PAPER_K2_GB / PAPER_E2E_GB;
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("created_at", Instant.now().toString());
        doc.put("network", String.format(Locale.ROOT, "DeepLab-V3-R%d (ResNetV1c-d8, base width %d), %d classes, split after layer-3 "
                + "block %d of %d", c.depth(), base, c.classes(), spec.split(), spec.blocks()[2]));
        doc.put("crop", c.height() + "x" + c.cropWidth());
        doc.put("batch_size", c.batch());
        doc.put("threads", NativeRuntime.defaultThreads());
        doc.put("definition", MemoryBenchJob.PEAK_DEFINITION);
        doc.put("ratio_k2_to_e2e", ratio);
        doc.put("paper_ratio_k2_to_e2e", paper);
        doc.put("target_ratio", 0.60);
        doc.put("target_met", ratio <= 0.60);
        doc.put("rows", List.of(e2e, k2));
        System.err.printf(Locale.ROOT, "[%s] K=2 / E2E = %.3f (paper %.3f, target <= 0.60: %s)%n", SegmentationMemoryBenchConfig.JOB, ratio,
                paper, ratio <= 0.60 ? "met" : "NOT met");
        MemoryBenchJob.write(c.out(), doc, markdown(doc, List.of(e2e, k2)));
        return doc;
    }

    private static String markdown(Map<String, Object> doc, List<Row> rows) {
        StringBuilder md = new StringBuilder("# Segmentation memory: DeepLab-V3 InfoPro* K=2 against end to end\n\n");
        md.append(String.format(Locale.ROOT, "%s; crop %s, batch %s, %s thread(s); %s.%n%n", doc.get("network"), doc.get("crop"),
                doc.get("batch_size"), doc.get("threads"), doc.get("created_at")));
        md.append(String.format(Locale.ROOT, "**K=2 / E2E = %.3f** (the paper's Table 5: %.2f; target ≤ 0.60: %s).%n%n",
                (Double) doc.get("ratio_k2_to_e2e"), (Double) doc.get("paper_ratio_k2_to_e2e"),
                (Boolean) doc.get("target_met") ? "met" : "not met"));
        md.append("| case | peak MiB | workspaces MiB | parameters + updater MiB | hand-off MiB | batch MiB | parameters | last step s "
                + "| process RSS peak after, MiB |\n|---|---|---|---|---|---|---|---|---|\n");
        for (Row r : rows) {
            md.append(String.format(Locale.ROOT, "| %s | %.1f | %.1f | %.1f | %.1f | %.1f | %,d | %.1f | %s |%n", r.case_(), mib(r.peakBytes()),
                    mib(r.workspaceBytes()), mib(r.persistentBytes()), mib(r.handoffBytes()), mib(r.batchBytes()), r.parameters(),
                    r.lastStepS(), r.rssPeakAfterBytes() == null ? "-" : String.format(Locale.ROOT, "%.0f", mib(r.rssPeakAfterBytes()))));
        }
        md.append("\n## Method\n\n").append(doc.get("definition")).append(" InfoPro* K=2 trains module 1 (with head_inter and "
                + "decoder_inter, λ 1.5 and 1: the reference's 512x1024 batch-8 config) and then module 2 on module 1's detached "
                + "output, on one thread, so the workspaces are shared by both modules as in a task. The InfoPro* case ran first, "
                + "so the process RSS after E2E is the larger of the two.\n");
        return md.toString();
    }
}
