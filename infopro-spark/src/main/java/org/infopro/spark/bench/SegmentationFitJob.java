package org.infopro.spark.bench;

import org.infopro.spark.bench.SegmentationFitConfig.Crop;
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

/**
 * fit-crop: measured training steps at small calibration crops, a per-method linear model of peak memory in pixels ×
 * batch (activations, gradients and working memory grow with both; parameters and updater do not), checked on the
 * largest calibration crop, and from it the crops and batches each method trains under the cap.
 */
public final class SegmentationFitJob {

    /** peak = fixed + perPixel · pixels · batch, least squares over the measured points. */
    public record Model(double fixedBytes, double perPixelBytes) {
        static Model fit(List<Long> pixels, List<Long> peaks) {
            int n = pixels.size();
            double mx = pixels.stream().mapToDouble(Long::doubleValue).average().orElseThrow();
            double my = peaks.stream().mapToDouble(Long::doubleValue).average().orElseThrow();
            double sxy = 0;
            double sxx = 0;
            for (int i = 0; i < n; i++) {
                sxy += (pixels.get(i) - mx) * (peaks.get(i) - my);
                sxx += (pixels.get(i) - mx) * (pixels.get(i) - mx);
            }
            double slope = sxy / sxx;
            return new Model(my - slope * mx, slope);
        }

        public double peak(Crop crop, int batch) {
            return fixedBytes + perPixelBytes * crop.pixels() * batch;
        }

        /** The largest batch whose predicted peak stays within {@code cap} (0 when not even one image fits). */
        public int largestBatch(Crop crop, long cap) {
            double b = (cap - fixedBytes) / (perPixelBytes * crop.pixels());
            return b < 1 ? 0 : (int) Math.min(Integer.MAX_VALUE, Math.floor(b));
        }
    }

    /**
     * One method's measurements, its model, and two checks of it: the largest calibration crop predicted by a model of the
     * others, and the middle calibration crop at batch 2 predicted by the model of all.
     */
    public record MethodFit(String method, List<Row> calibration, Model model, double checkPredictedBytes, long checkMeasuredBytes,
                            double checkError, double batchCheckPredictedBytes, long batchCheckMeasuredBytes, double batchCheckError) {
    }

    /** One crop of the ladder at the batch: each method's predicted peak and whether it fits the cap. */
    public record Rung(String crop, double e2eBytes, double k2Bytes, boolean e2eFits, boolean k2Fits) {
    }

    private SegmentationFitJob() {
    }

    public static Map<String, Object> run(SegmentationFitConfig c) {
        NativeRuntime.useThreads(NativeRuntime.defaultThreads());
        int base = DeepLabV3Family.base(c.width());
        int split = c.splitBlock() > 0 ? c.splitBlock() : DeepLabV3Spec.defaultSplit(c.depth());
        Crop first = c.calibration().get(0);
        DeepLabV3Spec spec = new DeepLabV3Spec(c.depth(), base, first.height(), first.width(), 3, c.classes(), split);
        MethodFit e2e = fit(Method.E2E, spec, c);
        MethodFit k2 = fit(Method.INFOPRO_K2, spec, c);
        Crop largestCalibration = c.calibration().get(c.calibration().size() - 1);
        DeepLabV3Spec atLargest = spec.atInput(largestCalibration.height(), largestCalibration.width());
        Row module1 = SegmentationMemory.measure(Method.MODULE1, atLargest, 1, c.steps(), SegmentationFitConfig.JOB);
        Row module2 = SegmentationMemory.measure(Method.MODULE2, atLargest, 1, c.steps(), SegmentationFitConfig.JOB);

        List<Rung> ladder = new ArrayList<>();
        for (Crop crop : c.crops()) {
            double e = e2e.model().peak(crop, c.batch());
            double k = k2.model().peak(crop, c.batch());
            ladder.add(new Rung(crop.toString(), e, k, e <= c.capBytes(), k <= c.capBytes()));
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("created_at", Instant.now().toString());
        doc.put("network", String.format(Locale.ROOT, "DeepLab-V3-R%d (ResNetV1c-d8, base width %d), %d classes, InfoPro* K=2 split "
                + "after layer-3 block %d of %d", c.depth(), base, c.classes(), split, spec.blocks()[2]));
        doc.put("cap_bytes", c.capBytes());
        doc.put("batch_size", c.batch());
        doc.put("threads", NativeRuntime.defaultThreads());
        doc.put("definition", MemoryBenchJob.PEAK_DEFINITION);
        doc.put("fits", List.of(e2e, k2));
        doc.put("per_pixel_ratio_k2_to_e2e", k2.model().perPixelBytes() / e2e.model().perPixelBytes());
        doc.put("module1_alone", module1);
        doc.put("module2_alone", module2);
        doc.put("ladder", ladder);
        doc.put("largest_crop_e2e", largest(ladder, c, true));
        doc.put("largest_crop_k2", largest(ladder, c, false));
        doc.put("batch_crop", c.batchCrop().toString());
        doc.put("largest_batch_e2e", e2e.model().largestBatch(c.batchCrop(), c.capBytes()));
        doc.put("largest_batch_k2", k2.model().largestBatch(c.batchCrop(), c.capBytes()));
        String md = markdown(doc, c, e2e, k2, ladder, module1, module2);
        System.err.print(md);
        MemoryBenchJob.write(c.out(), doc, md);
        return doc;
    }

    /** Measures {@code method} at every calibration crop, fits all but the largest, checks the largest, then fits them all. */
    private static MethodFit fit(Method method, DeepLabV3Spec spec, SegmentationFitConfig c) {
        List<Row> rows = new ArrayList<>();
        List<Long> pixels = new ArrayList<>();
        List<Long> peaks = new ArrayList<>();
        for (Crop crop : c.calibration()) {
            Row r = SegmentationMemory.measure(method, spec.atInput(crop.height(), crop.width()), 1, c.steps(), SegmentationFitConfig.JOB);
            rows.add(r);
            pixels.add(crop.pixels());
            peaks.add(r.peakBytes());
        }
        int n = rows.size();
        Model partial = Model.fit(pixels.subList(0, n - 1), peaks.subList(0, n - 1));
        Crop largest = c.calibration().get(n - 1);
        double predicted = partial.peak(largest, 1);
        long measured = peaks.get(n - 1);
        Model all = Model.fit(pixels, peaks);
        Crop middle = c.calibration().get(n / 2);
        double batchPredicted = all.peak(middle, 2);
        long batchMeasured = SegmentationMemory.measure(method, spec.atInput(middle.height(), middle.width()), 2, c.steps(),
                SegmentationFitConfig.JOB).peakBytes();
        return new MethodFit(method.label, rows, all, predicted, measured, predicted / measured - 1, batchPredicted, batchMeasured,
                batchPredicted / batchMeasured - 1);
    }

    /** The ladder's largest crop (most pixels) whose predicted peak fits, or null when none does. */
    private static String largest(List<Rung> ladder, SegmentationFitConfig c, boolean e2e) {
        String best = null;
        long bestPixels = -1;
        for (int i = 0; i < ladder.size(); i++) {
            Rung r = ladder.get(i);
            long p = c.crops().get(i).pixels();
            if ((e2e ? r.e2eFits() : r.k2Fits()) && p > bestPixels) {
                best = r.crop();
                bestPixels = p;
            }
        }
        return best;
    }

    private static String markdown(Map<String, Object> doc, SegmentationFitConfig c, MethodFit e2e, MethodFit k2, List<Rung> ladder,
                                   Row module1, Row module2) {
        StringBuilder md = new StringBuilder("# What fits under the cap: DeepLab-V3 end to end against InfoPro* K=2\n\n");
        md.append(String.format(Locale.ROOT, "%s; cap %.2f GiB per task, %s thread(s); %s.%n%n", doc.get("network"), gib(c.capBytes()),
                doc.get("threads"), doc.get("created_at")));
        md.append(String.format(Locale.ROOT, "**Largest crop at batch %d: E2E %s, InfoPro* K=2 %s. Largest batch at %s: E2E %s, "
                        + "InfoPro* K=2 %s.** Memory per pixel, K=2 / E2E: %.3f.%n%n", c.batch(), orNone(doc.get("largest_crop_e2e")),
                orNone(doc.get("largest_crop_k2")), c.batchCrop(), doc.get("largest_batch_e2e"), doc.get("largest_batch_k2"),
                (Double) doc.get("per_pixel_ratio_k2_to_e2e")));
        md.append(String.format(Locale.ROOT, "| crop (batch %d) | E2E GiB | InfoPro* K=2 GiB | K=2 / E2E | E2E fits | K=2 fits |%n"
                + "|---|---|---|---|---|---|%n", c.batch()));
        for (Rung r : ladder) {
            md.append(String.format(Locale.ROOT, "| %s | %.2f | %.2f | %.3f | %s | %s |%n", r.crop(), gib(r.e2eBytes()), gib(r.k2Bytes()),
                    r.k2Bytes() / r.e2eBytes(), r.e2eFits() ? "yes" : "no", r.k2Fits() ? "yes" : "no"));
        }
        md.append("\n## Calibration (measured, batch 1)\n\n| method | crop | peak MiB | workspaces MiB | parameters + updater MiB "
                + "| last step s |\n|---|---|---|---|---|---|\n");
        for (MethodFit f : List.of(e2e, k2)) {
            for (int i = 0; i < f.calibration().size(); i++) {
                Row r = f.calibration().get(i);
                md.append(String.format(Locale.ROOT, "| %s | %s | %.1f | %.1f | %.1f | %.1f |%n", f.method(), c.calibration().get(i),
                        SegmentationMemory.mib(r.peakBytes()), SegmentationMemory.mib(r.workspaceBytes()),
                        SegmentationMemory.mib(r.persistentBytes()), r.lastStepS()));
            }
        }
        int n = c.calibration().size();
        md.append("\n| method | fixed MiB | bytes per pixel·image | check: predicted / measured at ").append(c.calibration().get(n - 1))
                .append(" | check: predicted / measured at ").append(c.calibration().get(n / 2))
                .append(", batch 2 |\n|---|---|---|---|---|\n");
        for (MethodFit f : List.of(e2e, k2)) {
            md.append(String.format(Locale.ROOT, "| %s | %.1f | %.1f | %.1f / %.1f MiB (%+.1f %%) | %.1f / %.1f MiB (%+.1f %%) |%n",
                    f.method(), f.model().fixedBytes() / 1048576.0, f.model().perPixelBytes(), f.checkPredictedBytes() / 1048576.0,
                    SegmentationMemory.mib(f.checkMeasuredBytes()), 100 * f.checkError(), f.batchCheckPredictedBytes() / 1048576.0,
                    SegmentationMemory.mib(f.batchCheckMeasuredBytes()), 100 * f.batchCheckError()));
        }
        int last = c.calibration().size() - 1;
        md.append(String.format(Locale.ROOT, "%nWhich module sets K=2's high-water mark, at %s: module 1 alone (with head_inter and "
                        + "decoder_inter) needs %.1f MiB of workspaces, module 2 alone %.1f MiB, both on one thread %.1f MiB, E2E "
                        + "%.1f MiB.%n", c.calibration().get(last), SegmentationMemory.mib(module1.workspaceBytes()),
                SegmentationMemory.mib(module2.workspaceBytes()),
                SegmentationMemory.mib(k2.calibration().get(last).workspaceBytes()),
                SegmentationMemory.mib(e2e.calibration().get(last).workspaceBytes())));
        md.append("\n## Method\n\n").append(doc.get("definition")).append(" Each calibration crop is measured by real training "
                + "steps at batch 1 (InfoPro* K=2: module 1 with head_inter and decoder_inter, then module 2 on its detached "
                + "output, on one thread). Peak is modelled as fixed + per-pixel bytes × crop pixels × batch, fitted by least squares "
                + "on all calibration crops but the largest, which checks the model, and then on all of them for the ladder. Batches "
                + "above 1 use the same per-pixel bytes (activations scale with pixels × batch), checked by a measured step at batch 2. "
                + "The figures are this backend's: on a GPU node the CUDA build adds cuDNN's workspaces, so run the command there "
                + "for a GPU's answer.\n");
        return md.toString();
    }

    private static String orNone(Object crop) {
        return crop == null ? "none" : crop.toString();
    }

    private static double gib(double b) {
        return b / (1L << 30);
    }
}
