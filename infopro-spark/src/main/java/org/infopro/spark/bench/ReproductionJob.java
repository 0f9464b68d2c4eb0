package org.infopro.spark.bench;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.infopro.data.config.ConfigException;
import org.infopro.data.io.Fs;
import org.infopro.data.io.Json;
import org.infopro.data.io.Status;
import org.infopro.data.io.WriteMode;
import org.infopro.data.shard.DatasetManifest;
import org.infopro.data.shard.InputTransform;
import org.infopro.spark.model.ReferenceTables;
import org.infopro.spark.model.SplitPoint;
import org.infopro.spark.config.LrSchedule;
import org.infopro.spark.config.ScheduleKind;
import org.infopro.spark.config.TrainConfig;
import org.infopro.spark.train.TrainJob;
import org.infopro.spark.train.TrainResult;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs the Fashion-MNIST reproduction recipe through the real training job, one run after another, and
 * writes a JSON row per run (method, K, epochs, train_images, test_accuracy, test_accuracy_per_epoch,
 * images_per_s, peak_memory_bytes) plus a readable table.
 */
public final class ReproductionJob {
    private static final int DEPTH = 32;

    /** One result row, as the results file records it. */
    public record Row(String run, String method, int k, int epochs, long trainImages, double testAccuracy,
                      List<Double> testAccuracyPerEpoch, double imagesPerS, long peakMemoryBytes, double wallS) {
    }

    private ReproductionJob() {
    }

    /** The training config of one run of the recipe. */
    static TrainConfig runConfig(ReproductionConfig c, ReproductionRun run) {
        List<SplitPoint> splits = run.modules() == 1 ? List.of() : ReferenceTables.splits("infopro", DEPTH, run.modules());
        // every value the simultaneous schedule uses is spelled out, so changing a default cannot change the recipe
        return TrainConfig.builder(c.dataset(), new Path(c.out(), run.label()).toString())
                .schedule(ScheduleKind.SIMULTANEOUS)
                .depth(DEPTH)
                .splits(splits)
                .loss(run.loss())
                .auxNet(run.auxNet())
                .lambda(run.lambda())
                .transform(new InputTransform(32, 3, InputTransform.Augment.CROP_FLIP))
                .epochs(c.epochs())
                .batchSize(128)
                .learningRate(0.1)
                .lrSchedule(LrSchedule.COSINE_EPOCH)
                .warmupEpochs(0)
                .momentum(0.9)
                .weightDecay(1e-4)
                .seed(0)
                .limit(c.limit())
                .valLimit(c.valLimit())
                .threads(c.threads())
                .logEvery(50)
                .mode(WriteMode.OVERWRITE)
                .parallel(new TrainConfig.Parallel(1, 0, false))
                .pipeline(TrainConfig.Pipeline.DEFAULT)
                .build();
    }

    public static Map<String, Object> run(ReproductionConfig c, SparkSession spark) {
        DatasetManifest m = DatasetManifest.read(c.dataset(), spark.sparkContext().hadoopConfiguration());
        if (!"fashion-mnist".equals(m.dataset()) || m.split("train").rows() != 60000 || m.split("test").rows() != 10000) {
            throw new ConfigException(c.dataset() + " is '" + m.dataset() + "' with " + m.split("train").rows() + "/"
                    + m.split("test").rows() + " images; the recipe needs all of Fashion-MNIST (60,000/10,000), as "
                    + "submit/demo.sh prepares it in data/fashion-mnist.");
        }
        List<Row> rows = new ArrayList<>();
        Map<String, Object> doc = new LinkedHashMap<>();
        for (ReproductionRun run : c.runs()) {
            TrainConfig tc = runConfig(c, run);
            TrainResult r = completed(tc, spark);
            if (r != null) {
                System.err.printf(Locale.ROOT, "[bench-reproduce] %s: reusing the completed run in %s%n", run.label(), tc.out());
            } else {
                System.err.printf(Locale.ROOT, "[bench-reproduce] %s: %s K=%d ...%n", run.label(), tc.loss().label(), tc.modules());
                r = TrainJob.run(tc, spark);
            }
            rows.add(new Row(run.label(), tc.loss().label(), tc.modules(), tc.epochs(), r.lastEpoch().train().images(),
                    r.testAccuracy(), perEpoch(new Path(tc.out(), TrainJob.METRICS), spark), r.imagesPerS().endToEnd(),
                    r.peakMemoryBytes(), r.timingsS().total()));
            System.err.printf(Locale.ROOT, "[bench-reproduce] %s: test accuracy %.4f%n", run.label(), r.testAccuracy());
            double wall = rows.stream().mapToDouble(Row::wallS).sum();
            doc.put("created_at", Instant.now().toString());
            doc.put("command", "submit/infopro bench-reproduce --dataset " + c.dataset());
            doc.put("full_recipe", c.isFullRecipe() && rows.size() == c.runs().size());
            doc.put("recipe", RECIPE);
            doc.put("wall_s", wall);
            doc.put("rows", rows);
            MemoryBenchJob.write(c.results(), doc, markdown(c, rows, wall));
        }
        return doc;
    }

    /** The result of an earlier complete run with exactly this config, or null (benchmarks reuse such runs). */
    static TrainResult completed(TrainConfig tc, SparkSession spark) {
        Path result = new Path(tc.out(), TrainJob.RESULT);
        var conf = spark.sparkContext().hadoopConfiguration();
        if (!Fs.exists(result, conf)) {
            return null;
        }
        TrainResult r = Json.read(Fs.readString(result, conf), TrainResult.class);
        boolean same = Json.line(r.config()).equals(Json.line(tc.asMap()));
        return r.status() == Status.OK && same ? r : null;
    }

    static final String RECIPE = "real Fashion-MNIST, 28x28 zero-padded by 2 px to 32x32 and replicated to 3 channels, "
            + "normalised with the mean/std of all 60,000 padded training images; the first N training images and the "
            + "full test set; reflect-pad 4 + random crop 32 + horizontal flip; ResNet-32, batch 128, SGD Nesterov momentum "
            + "0.9, weight decay 1e-4, lr = 0.05*(1+cos(pi*(e-1)/E)) per epoch, no warm-up, seed 0; 1c2f heads (0c1f for greedy)";

    private static List<Double> perEpoch(Path metrics, SparkSession spark) {
        List<Double> out = new ArrayList<>();
        try {
            for (String line : Fs.readString(metrics, spark.sparkContext().hadoopConfiguration()).split("\n")) {
                if (!line.isBlank()) {
                    JsonNode n = Json.mapper().readTree(line);
                    out.add(n.get("validation").get("test_accuracy").asDouble());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    private static String markdown(ReproductionConfig c, List<Row> rows, double wallS) {
        StringBuilder sb = new StringBuilder("# InfoPro on real Fashion-MNIST\n\n");
        boolean full = c.isFullRecipe() && rows.size() == c.runs().size();
        sb.append("Generated by `submit/infopro bench-reproduce`").append(full ? " (the full recipe)"
                        : " (NOT the full recipe: " + rows.size() + " of " + c.runs().size() + " runs so far, or changed settings)")
                .append(String.format(Locale.ROOT, "; %.0f min of training and validation.%n%n", wallS / 60));
        sb.append("Recipe: ").append(RECIPE).append(String.format(Locale.ROOT, "; %d epochs, %d training images.%n%n", c.epochs(), c.limit()));
        sb.append("| run | method | K | test accuracy | per epoch | images/s | peak memory MiB |\n|---|---|---|---|---|---|---|\n");
        for (Row r : rows) {
            StringBuilder pe = new StringBuilder();
            for (double a : r.testAccuracyPerEpoch()) {
                pe.append(pe.length() == 0 ? "" : " → ").append(String.format(Locale.ROOT, "%.4f", a));
            }
            sb.append(String.format(Locale.ROOT, "| %s | %s | %d | %.4f | %s | %.1f | %.1f |%n", r.run(), r.method(), r.k(),
                    r.testAccuracy(), pe, r.imagesPerS(), r.peakMemoryBytes() / 1048576.0));
        }
        return sb.toString();
    }
}
