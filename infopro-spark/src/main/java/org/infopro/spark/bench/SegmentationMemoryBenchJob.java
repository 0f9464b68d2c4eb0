package org.infopro.spark.bench;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.infopro.spark.loss.PixelCrossEntropy;
import org.infopro.spark.metrics.ProcessMemory;
import org.infopro.spark.metrics.TaskMemory;
import org.infopro.spark.model.DeepLabV3NetworkFactory;
import org.infopro.spark.model.DeepLabV3Spec;
import org.infopro.spark.model.Hyper;
import org.infopro.spark.runtime.NativeMemory;
import org.infopro.spark.runtime.NativeRuntime;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The segmentation memory benchmark: DeepLab-V3's training step end to end against InfoPro* K=2's two modules at the
 * same crop and batch, peak memory by ND4J's accounting ({@link TaskMemory}, as bench-memory), against the paper's
 * Table 5 ratio. Synthetic inputs; the values do not change the memory.
 */
public final class SegmentationMemoryBenchJob {
    static final double PAPER_K2_GB = 12.01;
    static final double PAPER_E2E_GB = 19.43;

    /** One case: its peak and what it is made of, and the seconds of its last step. */
    public record Row(String case_, long peakBytes, long workspaceBytes, long persistentBytes, long handoffBytes, long batchBytes,
                      long parameters, double lastStepS, Long rssPeakAfterBytes) {
    }

    private SegmentationMemoryBenchJob() {
    }

    public static Map<String, Object> run(SegmentationMemoryBenchConfig c) {
        NativeRuntime.useThreads(NativeRuntime.defaultThreads());
        int base = (int) Math.round(64 * c.width());
        DeepLabV3Spec spec = new DeepLabV3Spec(c.depth(), base, c.height(), c.cropWidth(), 3, c.classes());
        DeepLabV3NetworkFactory f = new DeepLabV3NetworkFactory(spec, new Hyper(0, 0.01, 0.9, 5e-4));
        Row k2 = infoPro(c, spec, f);
        Row e2e = endToEnd(c, spec, f);
        double ratio = (double) k2.peakBytes() / e2e.peakBytes();
        double paper = PAPER_K2_GB / PAPER_E2E_GB;
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("created_at", Instant.now().toString());
        doc.put("network", String.format(Locale.ROOT, "DeepLab-V3-R%d (ResNetV1c-d8, base width %d), %d classes, split after layer-3 "
                + "block %d of %d", c.depth(), base, c.classes(), spec.split(), spec.blocks()[2]));
        doc.put("crop", c.height() + "x" + c.cropWidth());
        doc.put("batch_size", c.batch());
        doc.put("threads", NativeRuntime.defaultThreads());
        doc.put("definition", MemoryBenchJob.DEFINITION);
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

    private static Row endToEnd(SegmentationMemoryBenchConfig c, DeepLabV3Spec spec, DeepLabV3NetworkFactory f) {
        NativeMemory.freshThread();
        ComputationGraph net = f.endToEnd();
        INDArray x = Nd4j.rand(DataType.FLOAT, c.batch(), 3, c.height(), c.cropWidth());
        double last = 0;
        long batchBytes;
        try (PixelCrossEntropy.Targets t = PixelCrossEntropy.targets(masks(c), c.classes(), c.height(), c.cropWidth())) {
            MultiDataSet b = new MultiDataSet(new INDArray[]{x}, new INDArray[]{t.labels(), t.labels()}, null,
                    new INDArray[]{t.mask(), t.mask()});
            batchBytes = TaskMemory.bytes(x) + TaskMemory.bytes(t.labels()) + TaskMemory.bytes(t.mask());
            for (int s = 0; s < c.steps(); s++) {
                long t0 = System.nanoTime();
                net.fit(b);
                last = (System.nanoTime() - t0) / 1e9;
                System.err.printf(Locale.ROOT, "[%s] E2E step %d: %.1f s%n", SegmentationMemoryBenchConfig.JOB, s + 1, last);
            }
        }
        Row r = row("E2E", List.of(net), 0, batchBytes, net.numParams(), last);
        net.close();
        NativeMemory.releaseThread();
        return r;
    }

    private static Row infoPro(SegmentationMemoryBenchConfig c, DeepLabV3Spec spec, DeepLabV3NetworkFactory f) {
        NativeMemory.freshThread();
        ComputationGraph m1 = f.module1(1.5, 1);
        ComputationGraph m2 = f.module2();
        INDArray x = Nd4j.rand(DataType.FLOAT, c.batch(), 3, c.height(), c.cropWidth());
        double last = 0;
        long batchBytes;
        long handoffBytes = 0;
        try (PixelCrossEntropy.Targets t = PixelCrossEntropy.targets(masks(c), c.classes(), c.height(), c.cropWidth())) {
            batchBytes = TaskMemory.bytes(x) + TaskMemory.bytes(t.labels()) + TaskMemory.bytes(t.mask());
            for (int s = 0; s < c.steps(); s++) {
                long t0 = System.nanoTime();
                m1.fit(new MultiDataSet(new INDArray[]{x}, new INDArray[]{t.labels(), x}, null, new INDArray[]{t.mask(), null}));
                INDArray h = m1.feedForward(new INDArray[]{x}, true, false).get(f.handoff()).detach();
                handoffBytes = TaskMemory.bytes(h);
                m2.fit(new MultiDataSet(new INDArray[]{h}, new INDArray[]{t.labels(), t.labels()}, null, new INDArray[]{t.mask(), t.mask()}));
                h.close();
                last = (System.nanoTime() - t0) / 1e9;
                System.err.printf(Locale.ROOT, "[%s] InfoPro* K=2 step %d: %.1f s%n", SegmentationMemoryBenchConfig.JOB, s + 1, last);
            }
        }
        Row r = row("InfoPro* K=2", List.of(m1, m2), handoffBytes, batchBytes, m1.numParams() + m2.numParams(), last);
        m1.close();
        m2.close();
        NativeMemory.releaseThread();
        return r;
    }

    private static Row row(String name, List<ComputationGraph> nets, long handoff, long batch, long params, double lastS) {
        long ws = TaskMemory.workspaceBytes();
        long persistent = TaskMemory.persistentBytes(nets);
        return new Row(name, ws + persistent + handoff + batch, ws, persistent, handoff, batch, params, lastS,
                ProcessMemory.peakResidentBytes());
    }

    /** Label images of vertical class bands with every tenth pixel ignored. */
    private static int[][] masks(SegmentationMemoryBenchConfig c) {
        SplittableRandom r = new SplittableRandom(1);
        int[][] m = new int[c.batch()][c.height() * c.cropWidth()];
        for (int[] img : m) {
            for (int i = 0; i < img.length; i++) {
                img[i] = r.nextInt(10) == 0 ? PixelCrossEntropy.IGNORE : (i % c.cropWidth()) * c.classes() / c.cropWidth();
            }
        }
        return m;
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

    private static double mib(long b) {
        return b / 1048576.0;
    }
}
