package org.infopro.spark.bench;

import org.infopro.data.config.JobSpec;
import org.infopro.data.config.Opt;
import org.infopro.data.config.Options;

import java.util.List;

/** Configuration of the ImageNet memory benchmark: which ResNet, at what batch, crop and width. */
public record ImageNetMemoryBenchConfig(String arch, int batch, int crop, double width, int warmup, int steps, String out) {
    public static final String JOB = "bench-memory-imagenet";

    public static final String SUMMARY = "Measures peak memory of ImageNet training steps, end-to-end (--splits none) against InfoPro*\n"
            + "K=2 (infopro*-imagenet:k2, the λ train resolves for the network), on synthetic batches at the crop size; prints\n"
            + "a table and writes <out>.json and <out>.md, with the ratio against the paper's 12.06 / 19.71 GB (ResNet-101).\n"
            + "Memory is bench-memory's: ND4J workspace high-water marks + parameters + updater state + hand-off + batch.";

    public static final Opt<String> ARCH = Opt.text("arch", "NAME", "resnet50, resnet101 or resnet152.", "resnet101")
            .where(a -> List.of("resnet50", "resnet101", "resnet152").contains(a), "resnet50, resnet101 or resnet152");
    public static final Opt<Integer> BATCH_SIZE = Opt.intIn("batch-size", "N", "Minibatch size.", 16, 1, 4096);
    public static final Opt<Integer> CROP = Opt.intIn("crop", "N", "Input side (train --crop).", 224, 32, 4096);
    public static final Opt<Double> WIDTH = Opt.doubleIn("width", "X", "Width multiplier (train --width).", 1, 0.0625, 4);
    public static final Opt<Integer> WARMUP = Opt.intIn("warmup", "N", "Untimed steps first (workspaces grow to their size).", 2, 1, 100);
    public static final Opt<Integer> STEPS = Opt.intIn("steps", "N", "Timed steps.", 1, 1, 1000);
    public static final Opt<String> OUT = Opt.text("out", "PATH", "Result path without extension.", "docs/results/imagenet-memory");

    public static final JobSpec<ImageNetMemoryBenchConfig> SPEC = new JobSpec<>(JOB,
            "Benchmark: peak ImageNet training memory, InfoPro* K=2 against end-to-end.", SUMMARY,
            List.of(ARCH, BATCH_SIZE, CROP, WIDTH, WARMUP, STEPS, OUT), ImageNetMemoryBenchConfig::build);

    public static ImageNetMemoryBenchConfig fromArgs(String[] args) {
        return SPEC.parse(args);
    }

    private static ImageNetMemoryBenchConfig build(Options o) {
        return new ImageNetMemoryBenchConfig(o.get(ARCH), o.get(BATCH_SIZE), o.get(CROP), o.get(WIDTH), o.get(WARMUP), o.get(STEPS),
                o.get(OUT));
    }
}
