package org.infopro.spark.bench;

import org.apache.spark.network.util.JavaUtils;
import org.infopro.data.config.ConfigException;
import org.infopro.data.config.JobSpec;
import org.infopro.data.config.Opt;
import org.infopro.data.config.Options;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Configuration of fit-crop: for the user's DeepLab-V3 (depth, width, classes, split), memory cap, crop ladder and batch,
 * the largest crop and batch that end to end and InfoPro* K=2 can train.
 */
public record SegmentationFitConfig(int depth, double width, int classes, int splitBlock, long capBytes, List<Crop> crops, int batch,
                                    Crop batchCrop, List<Crop> calibration, int steps, String out) {
    public static final String JOB = "fit-crop";

    /** A crop of {@code height}×{@code width} pixels. */
    public record Crop(int height, int width) {
        public long pixels() {
            return (long) height * width;
        }

        @Override
        public String toString() {
            return height + "x" + width;
        }
    }

    public static final String SUMMARY = "Answers \"how much more resolution, or batch, do I get under my memory cap?\" for a\n"
            + "DeepLab-V3 network, end to end against InfoPro* K=2. It measures real training steps (ND4J's accounting, as\n"
            + "bench-memory-segmentation) at small calibration crops, fits peak = fixed + per-pixel x crop pixels x batch for\n"
            + "each method, checks the fit on the largest calibration crop, and gives, under --cap, which crops of the ladder\n"
            + "each method can train at --batch-size and the largest batch at --batch-crop. Run it on the backend that trains\n"
            + "(the CUDA build on a GPU node measures cuDNN's workspaces too). Writes <out>.json and <out>.md.";

    public static final Opt<Integer> DEPTH = Opt.intIn("depth", "N", "ResNetV1c depth: 18, 50 or 101.", 101, 18, 101);
    public static final Opt<Double> WIDTH = Opt.doubleIn("width", "X", "Channel multiplier (base width 64·X, a multiple of 8).", 1,
            0.125, 2);
    public static final Opt<Integer> CLASSES = Opt.intIn("classes", "N", "Classes (Cityscapes: 19).", 19, 2, 254);
    public static final Opt<Integer> SPLIT_BLOCK = SegmentationMemoryBenchConfig.SPLIT_BLOCK;
    public static final Opt<String> CAP = Opt.text("cap", "SIZE", "Memory cap per task (a GPU's memory), as Spark writes sizes: "
            + "16g, 24576m, 40g.", "16g");
    public static final Opt<List<String>> CROPS = Opt.names("crops", "HxW,...", "The crop ladder (the issue's and the paper's).",
            List.of("512x1024", "640x1280", "768x1536", "1024x2048"));
    public static final Opt<Integer> BATCH = Opt.intIn("batch-size", "N", "Batch per task for the crop ladder.", 1, 1, 1024);
    public static final Opt<String> BATCH_CROP = Opt.text("batch-crop", "HxW", "Crop at which the largest batch is given.", "512x1024");
    public static final Opt<List<String>> CALIBRATION = Opt.names("calibrate", "HxW,...", "Crops measured at batch 1 (at least "
            + "three, smallest first): all but the largest fit the model, the largest checks it.", List.of("64x128", "96x192", "128x256"));
    public static final Opt<Integer> STEPS = SegmentationMemoryBenchConfig.STEPS;
    public static final Opt<String> OUT = Opt.text("out", "PATH", "Result path without extension.", "docs/results/segmentation-fit");

    public static final JobSpec<SegmentationFitConfig> SPEC = new JobSpec<>(JOB,
            "The largest crop and batch DeepLab-V3 trains under a memory cap, end to end against InfoPro* K=2.", SUMMARY,
            List.of(DEPTH, WIDTH, CLASSES, SPLIT_BLOCK, CAP, CROPS, BATCH, BATCH_CROP, CALIBRATION, STEPS, OUT),
            SegmentationFitConfig::build);

    public static SegmentationFitConfig fromArgs(String[] args) {
        return SPEC.parse(args);
    }

    private static SegmentationFitConfig build(Options o) {
        List<Crop> calibration = crops(CALIBRATION, o.get(CALIBRATION));
        if (calibration.size() < 3) {
            throw new ConfigException(JOB + ": --calibrate " + String.join(",", o.get(CALIBRATION)) + " has " + calibration.size()
                    + " crops; give at least three (two to fit, the largest to check), for example 64x128,96x192,128x256.");
        }
        for (int i = 1; i < calibration.size(); i++) {
            if (calibration.get(i).pixels() <= calibration.get(i - 1).pixels()) {
                throw new ConfigException(JOB + ": --calibrate crops must grow, smallest first; " + calibration.get(i) + " follows "
                        + calibration.get(i - 1) + ".");
            }
        }
        return new SegmentationFitConfig(o.get(DEPTH), o.get(WIDTH), o.get(CLASSES), o.get(SPLIT_BLOCK), bytes(o.get(CAP)),
                crops(CROPS, o.get(CROPS)), o.get(BATCH), crop(BATCH_CROP, o.get(BATCH_CROP)), calibration, o.get(STEPS), o.get(OUT));
    }

    private static long bytes(String text) {
        try {
            long b = JavaUtils.byteStringAsBytes(text);
            if (b <= 0) {
                throw new NumberFormatException("not positive");
            }
            return b;
        } catch (RuntimeException e) {
            throw new ConfigException(JOB + ": --cap '" + text + "' is not a size; write it as Spark does, such as 16g or 24576m.");
        }
    }

    private static List<Crop> crops(Opt<?> opt, List<String> texts) {
        List<Crop> out = new ArrayList<>();
        for (String t : texts) {
            out.add(crop(opt, t));
        }
        return out;
    }

    /** {@code HxW}, both sides multiples of 8 of at least 16 (DeepLab-V3's output stride). */
    static Crop crop(Opt<?> opt, String text) {
        String[] hw = text.toLowerCase(Locale.ROOT).split("x");
        try {
            if (hw.length == 2) {
                Crop c = new Crop(Integer.parseInt(hw[0].trim()), Integer.parseInt(hw[1].trim()));
                if (c.height() >= 16 && c.width() >= 16 && c.height() % 8 == 0 && c.width() % 8 == 0) {
                    return c;
                }
            }
        } catch (NumberFormatException e) {
            // named below
        }
        throw new ConfigException(JOB + ": --" + opt.name() + " '" + text + "' is not a crop HxW with both sides multiples of 8 of at "
                + "least 16, such as 512x1024.");
    }
}
