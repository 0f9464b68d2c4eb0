package org.infopro.spark.bench;

import org.infopro.data.config.JobSpec;
import org.infopro.data.config.Opt;
import org.infopro.data.config.Options;

import java.util.List;

/** Configuration of the segmentation memory benchmark: DeepLab-V3 end to end against InfoPro* K=2 at one crop and batch. */
public record SegmentationMemoryBenchConfig(int depth, double width, int splitBlock, int height, int cropWidth, int batch,
                                            int classes, int steps, String out) {
    public static final String JOB = "bench-memory-segmentation";

    public static final String SUMMARY = "Measures the peak memory of DeepLab-V3 training steps (ResNetV1c-d8, ASPP and FCN heads,\n"
            + "per-pixel cross-entropy) end to end against InfoPro* K=2 (module 1 with head_inter and decoder_inter, then\n"
            + "module 2 on its output, on the same thread), at the crop and batch given, with synthetic values, and their\n"
            + "ratio against the paper's 12.01 / 19.43 GB = 0.62 (Table 5). Same definition of peak as bench-memory.\n"
            + "Writes <out>.json and <out>.md.";

    public static final Opt<Integer> DEPTH = Opt.intIn("depth", "N", "ResNetV1c depth: 18, 50 or 101.", 50, 18, 101);
    public static final Opt<Double> WIDTH = Opt.doubleIn("width", "X", "Channel multiplier (base width 64·X, a multiple of 8).", 1, 0.125, 2);
    public static final Opt<Integer> SPLIT_BLOCK = Opt.intIn("split-block", "N", "InfoPro* K=2: module 1 ends after layer-3 block N "
            + "(0 = the split table's: 13 of 23 for R-101, 3 of 6 for R-50, 1 of 2 for R-18).", 0, 0, 22);
    public static final Opt<Integer> HEIGHT = Opt.intIn("crop-height", "H", "Crop height (a multiple of 8).", 256, 16, 4096);
    public static final Opt<Integer> CROP_WIDTH = Opt.intIn("crop-width", "W", "Crop width (a multiple of 8).", 512, 16, 8192);
    public static final Opt<Integer> BATCH = Opt.intIn("batch-size", "N", "Minibatch size.", 1, 1, 64);
    public static final Opt<Integer> CLASSES = Opt.intIn("classes", "N", "Classes (Cityscapes: 19).", 19, 2, 254);
    public static final Opt<Integer> STEPS = Opt.intIn("steps", "N", "Training steps per case (workspaces grow to their size in the "
            + "first ones).", 3, 1, 100);
    public static final Opt<String> OUT = Opt.text("out", "PATH", "Result path without extension.", "docs/results/segmentation-memory");

    public static final JobSpec<SegmentationMemoryBenchConfig> SPEC = new JobSpec<>(JOB,
            "Benchmark: peak DeepLab-V3 training memory, InfoPro* K=2 against end-to-end.", SUMMARY,
            List.of(DEPTH, WIDTH, SPLIT_BLOCK, HEIGHT, CROP_WIDTH, BATCH, CLASSES, STEPS, OUT), SegmentationMemoryBenchConfig::build);

    public static SegmentationMemoryBenchConfig fromArgs(String[] args) {
        return SPEC.parse(args);
    }

    private static SegmentationMemoryBenchConfig build(Options o) {
        return new SegmentationMemoryBenchConfig(o.get(DEPTH), o.get(WIDTH), o.get(SPLIT_BLOCK), o.get(HEIGHT), o.get(CROP_WIDTH),
                o.get(BATCH), o.get(CLASSES), o.get(STEPS), o.get(OUT));
    }
}
