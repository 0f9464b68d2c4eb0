package org.infopro.spark.bench;

import org.infopro.data.config.JobSpec;
import org.infopro.data.config.Opt;
import org.infopro.data.config.Options;

import java.util.List;

/**
 * Configuration of the ImageNet input benchmark: the prepared dataset, the input thread counts and the training
 * step it is compared with.
 */
public record InputBenchConfig(String dataset, List<Integer> threads, int batch, int prefetch, int rounds, int crop, int resize,
                               String arch, List<Double> widths, int stepBatch, int stepWarmup, int stepSteps,
                               List<Integer> gpuImagesPerS, long seed, String out) {
    public static final String JOB = "bench-input";

    public static final String SUMMARY = "Times the ImageNet training input (ImageStream: shard chunks read, decoded, random-resized-\n"
            + "cropped, flipped and normalised by background threads) at each input thread count, and in the same process\n"
            + "the training step that consumes it (ResNet-50 at the crop size); prints the figures and writes <out>.json\n"
            + "and <out>.md, with a model of the input threads a GPU step needs. submit/bench-input.sh builds the dataset\n"
            + "from real photographs.";

    public static final Opt<String> DATASET = Opt.required("dataset", "DIR", "A dataset prepared by prep-imagenet.");
    public static final Opt<List<Integer>> THREADS = Opt.intList("input-threads", "LIST", "Input (decoding) thread counts to time.",
            List.of(1, 2), 1, 64);
    public static final Opt<Integer> BATCH_SIZE = Opt.intIn("batch-size", "N", "Images per input batch.", 32, 1, 4096);
    public static final Opt<Integer> PREFETCH = Opt.intIn("prefetch", "N", "Batches in flight (train --prefetch).", 4, 1, 64);
    public static final Opt<Integer> ROUNDS = Opt.intIn("rounds", "N", "Passes over the training split per thread count; the rounds "
            + "alternate the thread counts and are split around the step timings.", 4, 1, 20);
    public static final Opt<Integer> CROP = Opt.intIn("crop", "N", "Random-resized-crop size (train --crop).", 224, 32, 4096);
    public static final Opt<Integer> RESIZE = Opt.intIn("resize", "N", "Evaluation short side (train --resize; unused in training).",
            256, 32, 4096);
    public static final Opt<String> ARCH = Opt.text("arch", "NAME", "The consuming network: resnet50, resnet101 or resnet152.", "resnet50")
            .where(a -> List.of("resnet50", "resnet101", "resnet152").contains(a), "resnet50, resnet101 or resnet152");
    public static final Opt<List<String>> WIDTHS = Opt.names("widths", "LIST", "Widths of the consuming network (train --width).",
            List.of("1", "0.25")).where(l -> l.stream().allMatch(InputBenchConfig::isWidth), "a comma-separated list of numbers in (0, 4]");
    public static final Opt<Integer> STEP_BATCH = Opt.intIn("step-batch", "N", "Batch of the timed training step.", 16, 1, 4096);
    public static final Opt<Integer> STEP_WARMUP = Opt.intIn("step-warmup", "N", "Untimed training steps first (the "
            + "first ones page-fault in libnd4j's buffers).", 4, 1, 100);
    public static final Opt<Integer> STEP_STEPS = Opt.intIn("step-steps", "N", "Timed training steps.", 3, 1, 1000);
    public static final Opt<List<Integer>> GPU = Opt.intList("gpu-images-per-s", "LIST", "Assumed GPU training throughputs (images/s "
            + "per GPU) to model the input threads each needs; assumptions, not measured here.", List.of(400, 1300), 1, 1000000);
    public static final Opt<Long> SEED = Opt.longIn("seed", "N", "Seed of the epoch order and the augmentation.", 1, 0, Long.MAX_VALUE);
    public static final Opt<String> OUT = Opt.text("out", "PATH", "Result path without extension.", "docs/results/imagenet-input");

    public static final JobSpec<InputBenchConfig> SPEC = new JobSpec<>(JOB, "Benchmark: ImageNet input pipeline against the training step.",
            SUMMARY, List.of(DATASET, THREADS, BATCH_SIZE, PREFETCH, ROUNDS, CROP, RESIZE, ARCH, WIDTHS, STEP_BATCH, STEP_WARMUP,
            STEP_STEPS, GPU, SEED, OUT), InputBenchConfig::build);

    public static InputBenchConfig fromArgs(String[] args) {
        return SPEC.parse(args);
    }

    private static boolean isWidth(String s) {
        try {
            double w = Double.parseDouble(s);
            return w > 0 && w <= 4;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static InputBenchConfig build(Options o) {
        return new InputBenchConfig(o.get(DATASET), o.get(THREADS), o.get(BATCH_SIZE), o.get(PREFETCH), o.get(ROUNDS), o.get(CROP),
                o.get(RESIZE), o.get(ARCH), o.get(WIDTHS).stream().map(Double::parseDouble).toList(), o.get(STEP_BATCH),
                o.get(STEP_WARMUP), o.get(STEP_STEPS), o.get(GPU), o.get(SEED), o.get(OUT));
    }
}
