package org.infopro.spark.bench;

import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.infopro.data.shard.DatasetManifest;
import org.infopro.spark.config.TrainConfig;
import org.infopro.spark.metrics.EpochMetrics;
import org.infopro.spark.train.EvaluateConfig;
import org.infopro.spark.train.EvaluateJob;
import org.infopro.spark.train.TrainJob;
import org.infopro.spark.train.TrainResult;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Segmentation on real pixels: a reduced DeepLab-V3 on a Cityscapes-layout dataset (real Fashion-MNIST composed into
 * street scenes by {@code make-cityscapes}), end to end and as InfoPro* K=2 at equal crop, batch and iterations, then
 * InfoPro* K=2 at a larger crop, each through {@link TrainJob} as {@code train} runs it and its exported model through
 * {@link EvaluateJob} as {@code evaluate} runs it.
 */
public final class SegmentationBenchJob {
    static final String METHOD = "Each run is one `train --arch deeplabv3` on the Spark master given, one after another, with the "
            + "family's recipe (SGD momentum 0.9, weight decay 5e-4, poly per step with power 0.9 and minimum 1e-4, scale 0.5-2 / "
            + "crop N x 2N / flip / photometric distortion; InfoPro* K=2 with `infopro*-cityscapes:k2` and lambda 1.5, 1) except the lr given; E2E is "
            + "`--loss e2e --splits none`. All runs see the same frames for the same epochs at the same batch, so the same "
            + "iterations. mIoU (whole frames) is train's validation of the composed network on whole val frames; mIoU "
            + "(sliding window) is `evaluate` on the exported model, windows of the training crop every two thirds of it. "
            + "Images/s is training images over training time; peak task memory is ND4J's accounting (parameters, updater "
            + "state and the workspaces' high-water mark) of the training task.";

    private SegmentationBenchJob() {
    }

    /** One run: its label, its crop and the `train` arguments beyond the common ones. */
    record Run(String label, int crop, List<String> args) {
    }

    /** A row of the result table. */
    public record Row(String run, int crop, int modules, long iterations, Double miouWhole, Double miouSliding, Double module1Miou,
                      List<Double> classIou, double imagesPerS, double trainS, Long peakMemoryBytes) {
    }

    static List<Run> runs(SegmentationBenchConfig c) {
        List<Run> runs = new ArrayList<>(List.of(
                new Run("e2e", c.crop(), List.of("--loss", "e2e", "--splits", "none")),
                new Run("infopro-k2", c.crop(), List.of())));
        if (c.largerCrop() > 0) {
            runs.add(new Run("infopro-k2-crop" + c.largerCrop(), c.largerCrop(), List.of()));
        }
        return runs;
    }

    static TrainConfig config(SegmentationBenchConfig c, Run run) {
        List<String> a = new ArrayList<>(List.of("--dataset", c.dataset(), "--out", new Path(c.out(), run.label()).toString(),
                "--arch", "deeplabv3", "--depth", Integer.toString(c.depth()), "--width", Double.toString(c.width()),
                "--crop", Integer.toString(run.crop()), "--epochs", Integer.toString(c.epochs()),
                "--batch-size", Integer.toString(c.batchSize()), "--lr", Double.toString(c.lr()), "--log-every", "0",
                "--if-exists", "overwrite"));
        a.addAll(run.args());
        return TrainConfig.fromArgs(a.toArray(String[]::new));
    }

    public static Map<String, Object> run(SegmentationBenchConfig c, SparkSession spark) {
        List<Row> rows = new ArrayList<>();
        Map<String, Object> doc = new LinkedHashMap<>();
        for (Run run : runs(c)) {
            TrainConfig tc = config(c, run);
            TrainResult r = ReproductionJob.completed(tc, spark);
            if (r == null) {
                System.err.printf(Locale.ROOT, "[bench-segmentation] %s ...%n", run.label());
                r = TrainJob.run(tc, spark);
            }
            EvaluateJob.Result slide = EvaluateJob.run(EvaluateConfig.fromArgs(new String[]{"--run", tc.out(), "--split", "val"}), spark);
            rows.add(row(run, tc, r, slide));
            System.err.printf(Locale.ROOT, "[bench-segmentation] %s: %.0f s, mIoU %s (whole frames), %s (%s)%n", run.label(),
                    r.timingsS().total(), r.testMiou(), slide.segmentation().get("miou"), slide.inference());
            doc.put("created_at", Instant.now().toString());
            doc.put("command", "submit/bench-segmentation.sh");
            doc.put("master", spark.sparkContext().master());
            doc.put("dataset", DatasetManifest.read(c.dataset(), spark.sparkContext().hadoopConfiguration()).dataset());
            doc.put("network", tc.asMap().get("network"));
            doc.put("epochs", c.epochs());
            doc.put("batch_size", c.batchSize());
            doc.put("lr", c.lr());
            doc.put("method", METHOD);
            doc.put("rows", rows);
            MemoryBenchJob.write(c.results(), doc, markdown(c, doc, rows));
        }
        return doc;
    }

    @SuppressWarnings("unchecked")
    private static Row row(Run run, TrainConfig tc, TrainResult r, EvaluateJob.Result slide) {
        EpochMetrics.Validation v = r.lastEpoch().validation();
        Map<String, Object> m1 = tc.modules() < 2 ? null : v.modules().get(0).segmentation();
        long iterations = r.lastEpoch().train().steps() * (long) r.lastEpoch().epochs();
        return new Row(run.label(), run.crop(), tc.modules(), iterations, r.testMiou(), (Double) slide.segmentation().get("miou"),
                m1 == null ? null : (Double) m1.get("miou"), (List<Double>) r.segmentation().get("class_iou"),
                r.imagesPerS().endToEnd(), r.timingsS().train(), r.peakMemoryBytes());
    }

    private static String markdown(SegmentationBenchConfig c, Map<String, Object> doc, List<Row> rows) {
        StringBuilder md = new StringBuilder("# Segmentation: DeepLab-V3 E2E against InfoPro* K=2 on Fashion-MNIST street scenes\n\n");
        md.append(String.format(Locale.ROOT, "%s, %d epochs, batch %d, lr %s; master `%s`; %s.%n%n", doc.get("network"), c.epochs(),
                c.batchSize(), c.lr(), doc.get("master"), doc.get("created_at")));
        md.append("| run | crop | K | iterations | mIoU (whole frames) | mIoU (sliding window) | module 1 head_inter mIoU | images/s | "
                + "train s | peak task memory MiB | memory vs E2E |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
        Long e2e = rows.get(0).peakMemoryBytes();
        for (Row r : rows) {
            md.append(String.format(Locale.ROOT, "| %s | %dx%d | %d | %d | %s | %s | %s | %.1f | %.0f | %s | %s |%n", r.run(), r.crop(),
                    2 * r.crop(), r.modules(), r.iterations(), pct(r.miouWhole()), pct(r.miouSliding()), pct(r.module1Miou()),
                    r.imagesPerS(), r.trainS(), r.peakMemoryBytes() == null ? "" : String.format(Locale.ROOT, "%.1f", r.peakMemoryBytes() / 1048576.0),
                    e2e == null || r.peakMemoryBytes() == null ? "" : String.format(Locale.ROOT, "%.3f", (double) r.peakMemoryBytes() / e2e)));
        }
        md.append("\nPer-class IoU (whole frames; blank: a class neither labelled nor predicted):\n\n| run |");
        int classes = rows.get(0).classIou().size();
        for (int k = 0; k < classes; k++) {
            md.append(' ').append(k).append(" |");
        }
        md.append("\n|---|").append("---|".repeat(classes)).append('\n');
        for (Row r : rows) {
            md.append("| ").append(r.run()).append(" |");
            for (Double iou : r.classIou()) {
                md.append(' ').append(iou == null ? "" : String.format(Locale.ROOT, "%.3f", iou)).append(" |");
            }
            md.append('\n');
        }
        md.append("\n## Memory at the paper's size\n\nAs `fit-crop` and `bench-memory-segmentation` wrote them beside this file "
                + "(each reruns alone; this page computes nothing from them).\n");
        java.nio.file.Path dir = java.nio.file.Path.of(c.results()).toAbsolutePath().getParent();
        for (String[] memory : new String[][]{{"segmentation-fit", "submit/infopro fit-crop --depth 101 --cap 16g"},
                {"segmentation-memory-r101", "submit/infopro bench-memory-segmentation --depth 101 --crop-height 512 --crop-width 1024 "
                        + "--out docs/results/segmentation-memory-r101"},
                {"segmentation-memory", "submit/infopro bench-memory-segmentation --crop-height 512 --crop-width 1024"}}) {
            java.nio.file.Path file = dir.resolve(memory[0] + ".md");
            try {
                md.append("\n").append(Files.exists(file) ? ImageNetReportJob.demote(ImageNetReportJob.demote(Files.readString(file)))
                        : "Not run: `" + memory[1] + "` makes `" + memory[0] + ".md`.\n");
            } catch (IOException e) {
                throw new UncheckedIOException("bench-segmentation: cannot read " + file + ": " + e.getMessage(), e);
            }
        }
        md.append("\n## Method\n\n").append(METHOD).append("\n");
        return md.toString();
    }

    private static String pct(Double v) {
        return v == null ? "" : String.format(Locale.ROOT, "%.2f %%", 100 * v);
    }
}
