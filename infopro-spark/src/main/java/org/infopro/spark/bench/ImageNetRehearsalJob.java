package org.infopro.spark.bench;

import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.infopro.data.shard.DatasetManifest;
import org.infopro.spark.config.TrainConfig;
import org.infopro.spark.metrics.EpochMetrics;
import org.infopro.spark.train.TrainJob;
import org.infopro.spark.train.TrainResult;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The ImageNet path rehearsed on real pixels: a reduced-width ResNet-50 on an ILSVRC-layout dataset (real Fashion-MNIST
 * written as JPEGs by {@code make-ilsvrc}), as InfoPro* K=2 in two schedules and end to end, through {@link TrainJob}
 * exactly as {@code train} runs it, with the ImageNet recipe (random-resized crop + flip, resize + centre crop,
 * lr 0.4 per 1024 images, Nesterov, cosine).
 */
public final class ImageNetRehearsalJob {
    static final String METHOD = "Each run is one `train` on the Spark master given, one after another: ResNet-50 (torchvision "
            + "layout) at the width given, the recipe of `--arch resnet50` (random-resized crop + flip to the crop, evaluation "
            + "at crop/0.875 then centre crop; lr 0.4 x global batch / 1024, Nesterov 0.9, weight decay 1e-4, per-epoch cosine), "
            + "InfoPro* K=2 (`infopro*-imagenet:k2`, lambda 5, 0.75 as the reference gives for ResNet-101) or end to end. "
            + "Top-1/top-5 are on the validation split (the first val-limit images). Images/s is training images over the "
            + "stage's training time. Input figures are result.json's `input`.";

    private ImageNetRehearsalJob() {
    }

    /** One run: its label and the `train` arguments beyond the common ones. */
    record Run(String label, List<String> args) {
    }

    static final List<Run> RUNS = List.of(
            new Run("infopro-k2-simultaneous", List.of("--splits", "infopro*-imagenet:k2", "--lambda", "5,0.75,0,0")),
            new Run("infopro-k2-sequential", List.of("--splits", "infopro*-imagenet:k2", "--lambda", "5,0.75,0,0",
                    "--schedule", "sequential", "--spill", "auto")),
            new Run("e2e", List.of("--splits", "none", "--loss", "e2e")));

    /** A row of the result table. */
    public record Row(String run, String schedule, int modules, Double top1, Double top5, Double auxTop1, Double auxTop5,
                      double imagesPerS, double totalS, double inputWaitS, double inputImagesPerSecondPerThread, Long peakMemoryBytes,
                      String spill) {
    }

    static TrainConfig config(ImageNetRehearsalConfig c, Run run) {
        List<String> a = new ArrayList<>(List.of("--dataset", c.dataset(), "--out", new Path(c.out(), run.label()).toString(),
                "--arch", "resnet50", "--width", Double.toString(c.width()), "--crop", Integer.toString(c.crop()),
                "--epochs", Integer.toString(c.epochs()), "--batch-size", Integer.toString(c.batchSize()),
                "--limit", Integer.toString(c.limit()), "--val-limit", Integer.toString(c.valLimit()),
                "--input-threads", Integer.toString(c.inputThreads()), "--log-every", "20", "--if-exists", "overwrite"));
        a.addAll(run.args());
        return TrainConfig.fromArgs(a.toArray(String[]::new));
    }

    public static Map<String, Object> run(ImageNetRehearsalConfig c, SparkSession spark) {
        List<Row> rows = new ArrayList<>();
        Map<String, Object> doc = new LinkedHashMap<>();
        for (Run run : RUNS) {
            TrainConfig tc = config(c, run);
            TrainResult r = ReproductionJob.completed(tc, spark);
            if (r == null) {
                System.err.printf(Locale.ROOT, "[bench-imagenet] %s ...%n", run.label());
                r = TrainJob.run(tc, spark);
            }
            rows.add(row(run, tc, r));
            System.err.printf(Locale.ROOT, "[bench-imagenet] %s: %.0f s, top-1 %.4f, top-5 %.4f%n", run.label(), r.timingsS().total(),
                    r.testAccuracy(), r.testTop5Accuracy());
            doc.put("created_at", Instant.now().toString());
            doc.put("command", "submit/bench-imagenet.sh");
            doc.put("master", spark.sparkContext().master());
            doc.put("dataset", DatasetManifest.read(c.dataset(), spark.sparkContext().hadoopConfiguration()).dataset());
            doc.put("network", tc.asMap().get("network"));
            doc.put("crop", c.crop());
            doc.put("epochs", c.epochs());
            doc.put("batch_size", c.batchSize());
            doc.put("limit", c.limit());
            doc.put("val_limit", c.valLimit());
            doc.put("method", METHOD);
            doc.put("rows", rows);
            MemoryBenchJob.write(c.results(), doc, markdown(c, doc, rows));
        }
        return doc;
    }

    private static Row row(Run run, TrainConfig tc, TrainResult r) {
        EpochMetrics.Validation v = r.lastEpoch() == null ? null : r.lastEpoch().validation();
        // module 1's auxiliary head, when the last validation measured it (the sequential schedule's last stage is module 2 alone)
        var aux = v == null || tc.modules() < 2 ? null : v.modules().stream().filter(m -> m.module() == 1).findFirst().orElse(null);
        return new Row(run.label(), tc.schedule().label(), tc.modules(), r.testAccuracy(), r.testTop5Accuracy(),
                aux == null ? null : aux.accuracy(), aux == null ? null : aux.top5Accuracy(), r.imagesPerS().endToEnd(),
                r.timingsS().total(), r.input() == null ? 0 : r.input().waitS(),
                r.input() == null ? 0 : r.input().imagesPerSecondPerThread(), r.peakMemoryBytes(),
                r.plan() == null ? null : r.plan().chosen().label());
    }

    private static String markdown(ImageNetRehearsalConfig c, Map<String, Object> doc, List<Row> rows) {
        StringBuilder md = new StringBuilder("# ImageNet rehearsal: real Fashion-MNIST as an ILSVRC tree\n\n");
        md.append(String.format(Locale.ROOT, "%s, %d×%d crops, %d epochs, batch %d, %d training and %d validation images; "
                        + "master `%s`; %s.%n%n", doc.get("network"), c.crop(), c.crop(), c.epochs(), c.batchSize(), c.limit(),
                c.valLimit(), doc.get("master"), doc.get("created_at")));
        md.append("| run | schedule | K | top-1 | top-5 | module 1's auxiliary head top-1 / top-5 (when validated last) | images/s | wall s | input wait s | "
                + "input images/s per thread | peak task memory MiB | spill plan |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Row r : rows) {
            md.append(String.format(Locale.ROOT, "| %s | %s | %d | %s | %s | %s | %.1f | %.0f | %.1f | %.0f | %s | %s |%n", r.run(),
                    r.schedule(), r.modules(), pct(r.top1()), pct(r.top5()),
                    r.auxTop1() == null ? "" : pct(r.auxTop1()) + " / " + pct(r.auxTop5()), r.imagesPerS(), r.totalS(),
                    r.inputWaitS(), r.inputImagesPerSecondPerThread(),
                    r.peakMemoryBytes() == null ? "" : String.format(Locale.ROOT, "%.1f", r.peakMemoryBytes() / 1048576.0),
                    r.spill() == null ? "" : r.spill()));
        }
        md.append("\n## Method\n\n").append(METHOD).append("\n");
        return md.toString();
    }

    private static String pct(Double v) {
        return v == null ? "" : String.format(Locale.ROOT, "%.2f %%", 100 * v);
    }
}
