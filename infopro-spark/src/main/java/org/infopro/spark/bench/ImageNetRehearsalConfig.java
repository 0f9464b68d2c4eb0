package org.infopro.spark.bench;

import org.infopro.data.config.JobSpec;
import org.infopro.data.config.Opt;
import org.infopro.data.config.Options;

import java.util.List;

/** Configuration of the ImageNet rehearsal: a reduced ResNet-50 on an ILSVRC-layout dataset, in several runs. */
public record ImageNetRehearsalConfig(String dataset, String out, String results, double width, int crop, int epochs, int batchSize,
                                      int limit, int valLimit, int inputThreads) {
    public static final String JOB = "bench-imagenet";

    public static final String SUMMARY = "Trains a reduced-width ResNet-50 (torchvision layout) on a prepared ILSVRC-layout dataset\n"
            + "(submit/bench-imagenet.sh makes one of real Fashion-MNIST with make-ilsvrc and prep-imagenet) as InfoPro* K=2\n"
            + "in the simultaneous and the sequential schedule and end to end, one run after another on --master, and writes\n"
            + "<results>.json and <results>.md: top-1/top-5 of the network and of module 1's auxiliary head, images/s, the\n"
            + "input stream's figures, peak memory. A run whose <out>/<run>/result.json is complete with the same config is reused.";

    public static final Opt<String> DATASET = Opt.required("dataset", "DIR", "Prepared ILSVRC-layout dataset (prep-imagenet).");
    public static final Opt<String> OUT = Opt.text("out", "DIR", "Folder for each run's training output.", "out/bench-imagenet");
    public static final Opt<String> RESULTS = Opt.text("results", "PATH", "Result path without extension.", "docs/results/imagenet-rehearsal");
    public static final Opt<Double> WIDTH = Opt.doubleIn("width", "X", "Channel multiplier of ResNet-50.", 0.25, 0.0625, 1);
    public static final Opt<Integer> CROP = Opt.intIn("crop", "N", "Training crop (random-resized) and evaluation centre crop; a "
            + "multiple of 32.", 64, 32, 1024);
    public static final Opt<Integer> EPOCHS = Opt.intIn("epochs", "N", "Epochs (of every module).", 2, 1, 1000);
    public static final Opt<Integer> BATCH_SIZE = Opt.intIn("batch-size", "N", "Minibatch size.", 64, 2, 4096);
    public static final Opt<Integer> LIMIT = Opt.intIn("limit", "N", "Training images (0 = all).", 10000, 0, Integer.MAX_VALUE);
    public static final Opt<Integer> VAL_LIMIT = Opt.intIn("val-limit", "N", "Validation images (0 = all).", 2000, 0, Integer.MAX_VALUE);
    public static final Opt<Integer> INPUT_THREADS = Opt.intIn("input-threads", "N", "Input threads per task.", 1, 1, 64);

    public static final JobSpec<ImageNetRehearsalConfig> SPEC = new JobSpec<>(JOB,
            "Benchmark: a reduced ResNet-50 InfoPro* K=2 and E2E on an ILSVRC-layout dataset.", SUMMARY,
            List.of(DATASET, OUT, RESULTS, WIDTH, CROP, EPOCHS, BATCH_SIZE, LIMIT, VAL_LIMIT, INPUT_THREADS),
            ImageNetRehearsalConfig::build);

    public static ImageNetRehearsalConfig fromArgs(String[] args) {
        return SPEC.parse(args);
    }

    private static ImageNetRehearsalConfig build(Options o) {
        return new ImageNetRehearsalConfig(o.get(DATASET), o.get(OUT), o.get(RESULTS), o.get(WIDTH), o.get(CROP), o.get(EPOCHS),
                o.get(BATCH_SIZE), o.get(LIMIT), o.get(VAL_LIMIT), o.get(INPUT_THREADS));
    }
}
