package org.infopro.spark.train;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.infopro.data.config.ConfigException;
import org.infopro.data.io.Fs;
import org.infopro.data.io.Json;
import org.infopro.data.io.Status;
import org.infopro.data.shard.BatchAssembler;
import org.infopro.data.shard.ImageBatch;
import org.infopro.data.shard.LabeledImage;
import org.infopro.data.shard.InputTransform;
import org.infopro.data.shard.ShardReader;
import com.fasterxml.jackson.databind.JsonNode;
import org.infopro.spark.measure.Classification;
import org.infopro.spark.measure.ConfusionMatrix;
import org.infopro.spark.model.NetworkFamily;
import org.infopro.spark.model.SlidingWindow;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.infopro.spark.task.TaskScope;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Evaluates a run's exported inference model: the model file is broadcast, each task restores it and
 * classifies its partition, and the driver adds up top-1 and top-5 hits (as {@link Classification} counts them) and
 * cross-entropy. A segmentation model (a {@link NetworkFamily#perPixel} family) is scored per pixel instead: each
 * frame whole when it is the model's input size, else by sliding-window inference at full resolution
 * ({@link SlidingWindow}: windows of the model's input size, logits averaged), into a confusion matrix that the driver
 * sums (mIoU, per-class IoU, pixel and mean class accuracy).
 */
public final class EvaluateJob {
    private static final int BATCH = 256;

    /**
     * What the evaluation measured; {@code accuracy} is top-1, {@code top5Accuracy} is 1.0 with 5 classes or fewer. For
     * segmentation those are null, and {@code inference} and {@code segmentation} ({@link ConfusionMatrix#scores}) say
     * how the frames were scored and what that gave.
     */
    public record Result(Status status, String error, String model, String dataset, String split, long images, Double accuracy,
                         Double top5Accuracy, Double crossEntropy, String inference, Map<String, Object> segmentation,
                         String resultPath) {
    }

    private EvaluateJob() {
    }

    /**
     * Evaluates, and writes the result (or, for a run that throws, its status and error) to {@link EvaluateConfig#resultPath}
     * atomically: in cluster modes that file is where an orchestrator reads the outcome.
     */
    public static Result run(EvaluateConfig cfg, SparkSession spark) {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        Path file = new Path(cfg.resultPath());
        try {
            Result r = evaluate(cfg, spark, conf);
            Fs.writeStringAtomically(file, Json.pretty(r), conf);
            return r;
        } catch (RuntimeException e) {
            try {
                Fs.writeStringAtomically(file, Json.pretty(new Result(Status.of(e), String.valueOf(e.getMessage()), null, cfg.dataset(),
                        cfg.split(), 0, null, null, null, null, null, file.toString())), conf);
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    private static Result evaluate(EvaluateConfig cfg, SparkSession spark, Configuration conf) {
        Path model = new Path(cfg.run(), TrainJob.MODEL);
        Path resultFile = new Path(cfg.run(), TrainJob.RESULT);
        if (!Fs.exists(model, conf) || !Fs.exists(resultFile, conf)) {
            throw new ConfigException("--run " + cfg.run() + " has no " + TrainJob.MODEL + " and " + TrainJob.RESULT
                    + "; give the --out folder of a finished train run.");
        }
        // the model expects the input its training run validated on: the recorded transform (padding, channels,
        // crop and resize), applied as validation applies it, without a random source (no augmentation, centre crops)
        JsonNode trained = read(resultFile, conf).get("config");
        InputTransform transform = trained.has("transform")
                ? Json.mapper().convertValue(trained.get("transform"), InputTransform.class)
                : InputTransform.identity();
        String dataset = cfg.dataset().isEmpty() ? trained.get("dataset").asText() : cfg.dataset();
        ShardReader reader = ShardReader.open(spark, dataset);
        BatchAssembler assembler = new BatchAssembler(reader.manifest(), transform);
        byte[] bytes;
        try (InputStream in = Fs.of(model, conf).open(model)) {
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + model + ": " + e.getMessage(), e);
        }
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        NetworkFamily family = NetworkFamily.named(trained.get("arch").asText());
        if (family.perPixel()) {
            return segmentation(cfg, reader, assembler, family, bytes, model.toString(), dataset, jsc);
        }
        Broadcast<byte[]> bModel = jsc.broadcast(bytes);
        int threads = cfg.threads();
        double[] sums;
        try {
            sums = reader.images(cfg.split(), cfg.limit(), jsc.defaultParallelism())
                    .mapPartitions(it -> {
                        List<LabeledImage> images = new ArrayList<>();
                        it.forEachRemaining(images::add);
                        double[] s = new double[4];
                        if (images.isEmpty()) {
                            return List.of(s).iterator();
                        }
                        try (TaskScope scope = TaskScope.enter(threads)) {
                            ComputationGraph net = scope.network(org.deeplearning4j.util.ModelSerializer.restoreComputationGraph(
                                    new ByteArrayInputStream(bModel.value()), false));
                            for (int from = 0; from < images.size(); from += BATCH) {
                                try (ImageBatch b = assembler.assemble(images, from, Math.min(images.size(), from + BATCH))) {
                                    Classification c = Classification.of(net.output(false, b.features())[0], b.labelIndices());
                                    s[0] += b.size();
                                    s[1] += c.correct();
                                    s[2] += c.correctTop5();
                                    s[3] += c.crossEntropySum();
                                }
                            }
                        }
                        return List.of(s).iterator();
                    })
                    .reduce((a, b) -> new double[]{a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3]});
        } finally {
            bModel.destroy();
        }
        long n = (long) sums[0];
        if (n == 0) {
            throw new ConfigException("split '" + cfg.split() + "' of " + dataset + " has no images to evaluate.");
        }
        return new Result(Status.OK, null, model.toString(), dataset, cfg.split(), n, sums[1] / n, sums[2] / n, sums[3] / n, null, null,
                cfg.resultPath());
    }

    /** Per-pixel scores of a segmentation model over the split: one frame at a time, whole or by sliding windows. */
    private static Result segmentation(EvaluateConfig cfg, ShardReader reader, BatchAssembler assembler, NetworkFamily family,
                                       byte[] bytes, String model, String dataset, JavaSparkContext jsc) {
        int[] in = assembler.outputShape();
        int[] frame = assembler.evalShape();
        int[] window = {in[0], in[1]};
        int[] stride = cfg.strideFor(window);
        boolean whole = frame[0] == window[0] && frame[1] == window[1];
        if (frame[0] < window[0] || frame[1] < window[1]) {
            throw new ConfigException(EvaluateConfig.JOB + ": the frames (" + frame[0] + "x" + frame[1] + ") are smaller than the "
                    + "model's " + window[0] + "x" + window[1] + " input; evaluate on the dataset the run trained on, or one with "
                    + "frames at least that size.");
        }
        String logits = family.pixelLogits();
        int classes = reader.manifest().numClasses();
        int threads = cfg.threads();
        Broadcast<byte[]> bModel = jsc.broadcast(bytes);
        Scored total;
        try {
            total = reader.images(cfg.split(), cfg.limit(), jsc.defaultParallelism())
                    .mapPartitions(it -> {
                        ConfusionMatrix cm = new ConfusionMatrix(classes);
                        long frames = 0;
                        if (!it.hasNext()) {
                            return List.of(new Scored(cm, 0)).iterator();
                        }
                        try (TaskScope scope = TaskScope.enter(threads)) {
                            ComputationGraph net = scope.network(org.deeplearning4j.util.ModelSerializer.restoreComputationGraph(
                                    new ByteArrayInputStream(bModel.value()), false));
                            while (it.hasNext()) {
                                try (ImageBatch b = assembler.assemble(List.of(it.next()), 0, 1)) {
                                    INDArray out = whole ? net.feedForward(new INDArray[]{b.features()}, false, false).get(logits)
                                            : SlidingWindow.logits(net, logits, b.features(), window, stride);
                                    try (INDArray predicted = Nd4j.argMax(out, 1)) {
                                        cm.add(b.pixels().ids(), predicted.data().asInt());
                                    }
                                    frames++;
                                }
                            }
                        }
                        return List.of(new Scored(cm, frames)).iterator();
                    })
                    .reduce(Scored::plus);
        } finally {
            bModel.destroy();
        }
        if (total.frames() == 0) {
            throw new ConfigException("split '" + cfg.split() + "' of " + dataset + " has no images to evaluate.");
        }
        String how = whole ? "whole frames of " + frame[0] + "x" + frame[1]
                : "sliding window " + window[0] + "x" + window[1] + " every " + stride[0] + "x" + stride[1] + " over "
                + frame[0] + "x" + frame[1] + " frames";
        return new Result(Status.OK, null, model, dataset, cfg.split(), total.frames(), null, null, null, how, total.confusion().scores(),
                cfg.resultPath());
    }

    /** One partition's pixel counts and frames, added on the driver. */
    private record Scored(ConfusionMatrix confusion, long frames) implements java.io.Serializable {
        Scored plus(Scored o) {
            return new Scored(confusion.plus(o.confusion), frames + o.frames);
        }
    }

    private static JsonNode read(Path file, Configuration conf) {
        try {
            return Json.mapper().readTree(Fs.readString(file, conf));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot parse " + file + ": " + e.getMessage(), e);
        }
    }
}
