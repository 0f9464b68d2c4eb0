package org.infopro.spark.bench;

import org.infopro.data.config.ConfigException;
import org.infopro.data.config.JobSpec;
import org.infopro.data.config.Opt;
import org.infopro.data.config.Options;

import java.util.List;

/** Configuration of the segmentation benchmark: a reduced DeepLab-V3 end to end and as InfoPro* K=2 on a Cityscapes-layout dataset. */
public record SegmentationBenchConfig(String dataset, String out, String results, int depth, double width, int crop, int largerCrop,
                                      int epochs, int batchSize, double lr) {
    public static final String JOB = "bench-segmentation";

    public static final String SUMMARY = "Trains a reduced DeepLab-V3 on a prepared Cityscapes-layout dataset (submit/bench-segmentation.sh\n"
            + "makes one of real Fashion-MNIST with make-cityscapes and prep-cityscapes) end to end and as InfoPro* K=2 at the same\n"
            + "crop, batch and iterations, then InfoPro* K=2 at a larger crop, one run after another on --master; evaluates each\n"
            + "exported model by sliding windows at full resolution, and writes <results>.json and <results>.md: mIoU and\n"
            + "per-class IoU (whole frames and sliding windows), module 1's head_inter mIoU, images/s, peak task memory.\n"
            + "A run whose <out>/<run>/result.json is complete with the same config is reused.";

    public static final Opt<String> DATASET = Opt.required("dataset", "DIR", "Prepared Cityscapes-layout dataset (prep-cityscapes).");
    public static final Opt<String> OUT = Opt.text("out", "DIR", "Folder for each run's training output.", "out/bench-segmentation");
    public static final Opt<String> RESULTS = Opt.text("results", "PATH", "Result path without extension.", "docs/results/segmentation");
    public static final Opt<Integer> DEPTH = Opt.intIn("depth", "N", "DeepLab-V3 backbone depth: 18, 50 or 101.", 18, 18, 101);
    public static final Opt<Double> WIDTH = Opt.doubleIn("width", "X", "Channel multiplier.", 0.25, 0.125, 1);
    public static final Opt<Integer> CROP = Opt.intIn("crop", "N", "Training crops of N x 2N for E2E and InfoPro* K=2.", 64, 16, 1024);
    public static final Opt<Integer> LARGER_CROP = Opt.intIn("larger-crop", "N", "The larger crop (N x 2N) InfoPro* K=2 spends its "
            + "saved memory on; 0 = none.", 96, 0, 2048);
    public static final Opt<Integer> EPOCHS = Opt.intIn("epochs", "N", "Epochs of every run (equal iterations: same frames and batch).",
            8, 1, 10_000);
    public static final Opt<Integer> BATCH_SIZE = Opt.intIn("batch-size", "N", "Minibatch size.", 4, 2, 1024);
    public static final Opt<Double> LR = Opt.doubleIn("lr", "X", "Initial learning rate of the poly schedule.", 0.02, 1e-6, 10);

    public static final JobSpec<SegmentationBenchConfig> SPEC = new JobSpec<>(JOB,
            "Benchmark: a reduced DeepLab-V3 end to end against InfoPro* K=2 on a Cityscapes-layout dataset.", SUMMARY,
            List.of(DATASET, OUT, RESULTS, DEPTH, WIDTH, CROP, LARGER_CROP, EPOCHS, BATCH_SIZE, LR), SegmentationBenchConfig::build);

    public SegmentationBenchConfig {
        if (largerCrop != 0 && largerCrop <= crop) {
            throw new ConfigException(JOB + ": --larger-crop " + largerCrop + " must exceed --crop " + crop + " (or be 0 for none).");
        }
    }

    public static SegmentationBenchConfig fromArgs(String[] args) {
        return SPEC.parse(args);
    }

    private static SegmentationBenchConfig build(Options o) {
        return new SegmentationBenchConfig(o.get(DATASET), o.get(OUT), o.get(RESULTS), o.get(DEPTH), o.get(WIDTH), o.get(CROP),
                o.get(LARGER_CROP), o.get(EPOCHS), o.get(BATCH_SIZE), o.get(LR));
    }
}
