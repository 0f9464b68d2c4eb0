package org.infopro.spark.config;

import org.infopro.data.config.ConfigException;
import org.infopro.data.config.JobSpec;
import org.infopro.data.config.Opt;
import org.infopro.data.config.Options;
import org.infopro.data.io.WriteMode;
import org.infopro.data.shard.InputTransform;
import org.infopro.spark.loss.LambdaSchedule;
import org.infopro.spark.loss.LossMode;
import org.infopro.spark.model.AuxNet;
import org.infopro.spark.model.CifarResNetFamily;
import org.infopro.spark.model.DeepLabV3Family;
import org.infopro.spark.model.HeadSpec;
import org.infopro.spark.model.NetworkFamily;
import org.infopro.spark.model.Recipe;
import org.infopro.spark.model.ReferenceTables;
import org.infopro.spark.model.SplitPoint;
import org.infopro.spark.runtime.NativeMemory;
import org.infopro.spark.runtime.NativeRuntime;
import org.infopro.spark.spill.SpillMode;
import org.infopro.spark.spill.Precision;
import org.infopro.spark.spill.SpillCodec;
import org.infopro.spark.spill.SpillConfig;
import org.infopro.spark.spill.SpillFormat;
import org.infopro.spark.task.LearningRate;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The resolved configuration of a training run. Every knob is declared once below as an {@link Opt}; the compact
 * constructor checks every value by its option's rule and every rule that spans options, so no TrainConfig is
 * invalid however it was made. The command line builds it through {@link #fromArgs}, code through
 * {@link #builder} or {@link #toBuilder}, both before any Spark work.
 */
public record TrainConfig(
        String dataset,
        String out,
        ScheduleKind schedule,
        String arch,
        int depth,
        double width,
        List<SplitPoint> splits,
        LossMode loss,
        AuxNet auxNet,
        LambdaSchedule lambda,
        InputTransform transform,
        int epochs,
        int iterations,
        int batchSize,
        double learningRate,
        LrSchedule lrSchedule,
        double warmupEpochs,
        double momentum,
        double weightDecay,
        long seed,
        int limit,
        int valLimit,
        int threads,
        int logEvery,
        int reclaimEvery,
        WriteMode mode,
        Parallel parallel,
        Pipeline pipeline,
        Input input) implements Serializable {

    /**
     * Data parallelism: {@code replicas} training tasks, each on its own share of the training images, whose
     * parameters and updater state the driver averages every {@code syncSteps} steps (a round; 0 = once per epoch);
     * the staggered schedule runs {@code replicas} tasks per module and averages them after every wave instead.
     * {@code resume} continues a run from its last complete round.
     */
    public record Parallel(int replicas, int syncSteps, boolean resume) implements Serializable {
        /** One replica, averaged once per epoch, not resumed: the options' defaults. */
        public static final Parallel SINGLE = new Parallel(REPLICAS.defaultValue(), SYNC_STEPS.defaultValue(), RESUME.defaultValue());
    }

    /**
     * Settings of the sequential and staggered schedules: how module outputs travel between stages (spill,
     * recompute or planner's choice), the spill store (a Hadoop FileSystem URI; empty = {@code <out>/spill}),
     * its encoding, the number of augmented views spilled per training image, whether spills are kept after
     * use, and the staggered schedule's wave as a fraction of an epoch.
     */
    public record Pipeline(SpillMode spill, String spillDir, SpillConfig store, int views, boolean keepSpill,
                           double waveFraction) implements Serializable {
        /** The options' defaults. */
        public static final Pipeline DEFAULT = new Pipeline(SPILL.defaultValue(), SPILL_DIR.defaultValue(),
                new SpillConfig(SPILL_FORMAT.defaultValue(), SPILL_PRECISION.defaultValue(), SPILL_CODEC.defaultValue()),
                SPILL_VIEWS.defaultValue(), KEEP_SPILL.defaultValue(), WAVE_FRACTION.defaultValue());
    }

    /**
     * The training input stream of every task: {@code prefetch} steps decoded ahead of the one training (the memory
     * bound: prefetch × batch decoded images per task) by {@code threads} input threads.
     */
    public record Input(int prefetch, int threads) implements Serializable {
        /** The options' defaults. */
        public static final Input DEFAULT = new Input(PREFETCH.defaultValue(), INPUT_THREADS.defaultValue());
    }

    public TrainConfig {
        DATASET.check(JOB, dataset);
        OUT.check(JOB, out);
        SCHEDULE.check(JOB, schedule);
        ARCH.check(JOB, arch);
        DEPTH.check(JOB, depth);
        WIDTH.check(JOB, width);
        NetworkFamily family = NetworkFamily.named(arch);
        family.check(depth, width);
        splits = List.copyOf(splits);
        LOSS.check(JOB, loss);
        family.checkLoss(loss);
        Objects.requireNonNull(auxNet, "auxNet");
        Objects.requireNonNull(lambda, "lambda");
        PAD_TO.check(JOB, transform.padTo());
        CHANNELS.check(JOB, transform.channels());
        AUGMENT.check(JOB, transform.augment());
        CROP.check(JOB, transform.crop());
        RESIZE.check(JOB, transform.resize());
        if (transform.crop() > 0) {
            boolean wide = transform.augment() == InputTransform.Augment.SCALE_CROP_FLIP;
            family.checkInput(transform.crop(), wide ? 2 * transform.crop() : transform.crop(), "--crop " + transform.crop());
        }
        EPOCHS.check(JOB, epochs);
        ITERATIONS.check(JOB, iterations);
        BATCH_SIZE.check(JOB, batchSize);
        LR.check(JOB, learningRate);
        LR_SCHEDULE.check(JOB, lrSchedule);
        WARMUP_EPOCHS.check(JOB, warmupEpochs);
        MOMENTUM.check(JOB, momentum);
        WEIGHT_DECAY.check(JOB, weightDecay);
        LIMIT.check(JOB, limit);
        VAL_LIMIT.check(JOB, valLimit);
        NativeRuntime.THREADS.check(JOB, threads);
        LOG_EVERY.check(JOB, logEvery);
        NativeMemory.RECLAIM_EVERY.check(JOB, reclaimEvery);
        MODE.check(JOB, mode);
        if (parallel.resume() && (mode == WriteMode.OVERWRITE || mode == WriteMode.SKIP_OK)) {
            throw new ConfigException(JOB + ": --resume true continues the run in --out, but --if-exists " + mode.label()
                    + " would not; give one of them (--if-exists resume also starts a run that has no checkpoint yet).");
        }
        REPLICAS.check(JOB, parallel.replicas());
        SYNC_STEPS.check(JOB, parallel.syncSteps());
        SPILL.check(JOB, pipeline.spill());
        Objects.requireNonNull(pipeline.spillDir(), "spillDir");
        SPILL_FORMAT.check(JOB, pipeline.store().format());
        SPILL_PRECISION.check(JOB, pipeline.store().precision());
        SPILL_CODEC.check(JOB, pipeline.store().codec());
        SPILL_VIEWS.check(JOB, pipeline.views());
        WAVE_FRACTION.check(JOB, pipeline.waveFraction());
        PREFETCH.check(JOB, input.prefetch());
        INPUT_THREADS.check(JOB, input.threads());
        checkAcrossOptions(arch, schedule, splits, loss, transform, parallel, pipeline);
    }

    /** The rules that span options; each message names the options and the fix. */
    private static void checkAcrossOptions(String arch, ScheduleKind schedule, List<SplitPoint> splits, LossMode loss, InputTransform transform,
                                           Parallel parallel, Pipeline pipeline) {
        if (loss == LossMode.E2E && !splits.isEmpty()) {
            throw new ConfigException(JOB + ": --loss e2e trains one module, but --splits '" + splitsText(splits)
                    + "' asks for " + (splits.size() + 1) + ". Add --splits none.");
        }
        if (loss != LossMode.E2E && splits.isEmpty()) {
            throw new ConfigException(JOB + ": --loss " + loss.label() + " needs local modules, but --splits is none. "
                    + "Give split points (for example --splits 2,1) or use --loss e2e.");
        }
        if (schedule == ScheduleKind.STAGGERED && parallel.replicas() > 1 && parallel.syncSteps() > 0) {
            throw new ConfigException(JOB + ": --schedule staggered averages each module's " + parallel.replicas() + " replicas "
                    + "after every wave, so --sync-steps " + parallel.syncSteps() + " does not apply to it. Drop --sync-steps and "
                    + "set the averaging interval with --wave-fraction (a wave is that fraction of an epoch's steps).");
        }
        if (schedule != ScheduleKind.SIMULTANEOUS && splits.isEmpty()) {
            throw new ConfigException(JOB + ": --schedule " + schedule.label() + " needs several modules, but --splits is none. "
                    + "Give split points or use --schedule simultaneous.");
        }
        NetworkFamily family = NetworkFamily.named(arch);
        if (transform.augment() == InputTransform.Augment.SCALE_CROP_FLIP && !family.perPixel()) {
            throw new ConfigException(JOB + ": --augment scale-crop-flip is the Cityscapes segmentation augmentation (image and "
                    + "mask scaled, cropped and flipped together), but --arch " + arch + " classifies whole images. Use a "
                    + "segmentation family (--arch " + DeepLabV3Family.NAME + "), or --augment crop-flip (CIFAR-style), "
                    + "random-resized-crop with --crop N (ImageNet-style) or none.");
        }
        if (family.perPixel() && transform.augment() != InputTransform.Augment.SCALE_CROP_FLIP
                && (transform.augment() != InputTransform.Augment.NONE || transform.crops())) {
            throw new ConfigException(JOB + ": --arch " + arch + " trains on image and mask together, so --augment "
                    + transform.augment().label() + (transform.crops() ? " --crop " + transform.crop() : "") + " cannot be used: "
                    + "give --augment scale-crop-flip --crop N (crops of N x 2N, the Cityscapes recipe), or --augment none without "
                    + "--crop (whole frames).");
        }
        if (pipeline.views() > 1 && transform.augment() == InputTransform.Augment.NONE) {
            throw new ConfigException(JOB + ": --spill-views " + pipeline.views() + " spills identical views without augmentation; "
                    + "use --spill-views 1, or give --augment.");
        }
    }

    private static String splitsText(List<SplitPoint> splits) {
        return splits.stream().map(SplitPoint::toString).collect(Collectors.joining());
    }

    public static final String JOB = "train";

    public static final String SUMMARY = "Trains a network (--arch) as K gradient-isolated InfoPro local modules inside Spark tasks,\n"
            + "reading a prepared dataset's shards, in the simultaneous, sequential or staggered schedule; the driver\n"
            + "records per-epoch validation metrics of every module.\n"
            + "Writes <out>/metrics.jsonl, <out>/result.json and <out>/checkpoint/.";

    public static final Opt<String> DATASET = Opt.required("dataset", "DIR", "Prepared dataset folder (with _manifest.json), from prep-idx.");
    public static final Opt<String> OUT = Opt.required("out", "DIR", "Output folder for metrics, result and checkpoint.");
    public static final Opt<ScheduleKind> SCHEDULE = Opt.choice("schedule", "NAME", "simultaneous: the paper's, every batch through all "
            + "modules in one task; sequential: module after module, on spilled or recomputed inputs; staggered: modules pipelined "
            + "over waves.", ScheduleKind.SIMULTANEOUS, ScheduleKind::label);
    public static final Opt<String> ARCH = Opt.string("arch", "FAMILY", archDoc(), CifarResNetFamily.NAME);
    public static final Opt<Integer> DEPTH = Opt.intIn("depth", "N", "Depth in the family: 6n+2 for cifar-resnet (8, 14, 20, 32, 110, ...); "
            + "50, 101 or 152 for imagenet-resnet; default: the family's (cifar-resnet 20, imagenet-resnet 50) or the one "
            + "--arch names.", 20, 2, 1202);
    public static final Opt<Double> WIDTH = Opt.doubleIn("width", "X", "Channel multiplier (imagenet-resnet: base width 64·X; "
            + "cifar-resnet has only 1).", 1.0, 0.01, 16);
    public static final Opt<String> SPLITS = Opt.text("splits", "LIST", "Module ends 'stage,block;...' (K = points + 1), 'none' "
            + "(end-to-end), or a reference table such as infopro:k4 or infopro*-cifar10:k2.", "2,1");
    public static final Opt<LossMode> LOSS = Opt.choice("loss", "MODE", "Local losses (see README).", LossMode.INFOPRO_SOFTMAX,
            LossMode::label);
    public static final Opt<Optional<AuxNet>> AUX_NET = Opt.choiceOrAuto("aux-net", "NET", "Auxiliary head; auto = 0c1f for greedy, "
            + "else 1c2f.", AuxNet.class, AuxNet::label);
    public static final Opt<String> LAMBDA = Opt.text("lambda", "IXX1,IXY1,IXX2,IXY2", "InfoPro λ1 (reconstruction) and λ2 (task) "
            + "of the first and last local module, or shipped values such as cifar10/infopro.", "5,1,0,0");
    public static final Opt<Integer> PAD_TO = Opt.intIn("pad-to", "N", "Zero-pad images (centred) to NxN; 0 keeps the stored size.",
            0, 0, 4096);
    public static final Opt<Integer> CHANNELS = Opt.intIn("channels", "N", "Replicate gray images to N channels; 0 keeps the stored "
            + "channels.", 0, 0, 4);
    public static final Opt<InputTransform.Augment> AUGMENT = Opt.choice("augment", "KIND", "Training augmentation: crop-flip: "
            + "reflect-pad 4, random crop, horizontal flip; random-resized-crop: ImageNet's (area 8-100 %, aspect 3/4-4/3, flip; "
            + "needs --crop); scale-crop-flip: Cityscapes segmentation's (image and mask scaled 0.5-2, cropped to N x 2N, flipped; needs --crop "
            + "and a segmentation --arch; evaluation on whole frames).",
            InputTransform.Augment.NONE, InputTransform.Augment::label);
    public static final Opt<Boolean> PHOTOMETRIC = Opt.bool("photometric", "true: mmsegmentation's photometric distortion "
            + "after scale-crop-flip (brightness, contrast, saturation, hue, each with probability 1/2), as the Cityscapes "
            + "recipe trains.", false);
    public static final Opt<Integer> CROP = Opt.intIn("crop", "N", "Train/evaluate on NxN crops of images of any size (ImageNet: 224); "
            + "0 = none.", 0, 0, 8192);
    public static final Opt<Integer> RESIZE = Opt.intIn("resize", "S", "Evaluation short side before the centre --crop (0 = crop/0.875, "
            + "256 for 224).", 0, 0, 16384);
    private static final int MAX_EPOCHS = 100_000;
    public static final Opt<Integer> EPOCHS = Opt.intIn("epochs", "N", "Training epochs.", 2, 1, MAX_EPOCHS);
    public static final Opt<Integer> ITERATIONS = Opt.intIn("iterations", "N", "Train every module exactly N steps (global "
            + "batches) instead of --epochs: the epochs are N over the steps of one, the last one cut short, and the learning-rate "
            + "schedule runs over the N steps (the reference's Cityscapes recipe: 40000 at a global batch of 8). 0 = count "
            + "--epochs.", 0, 0, 100_000_000);
    public static final Opt<Integer> BATCH_SIZE = Opt.intIn("batch-size", "N", "Minibatch size.", 128, 2, 65_536);
    public static final Opt<Double> LR = Opt.doubleIn("lr", "X", "Initial learning rate of the schedule (a family's recipe "
            + "may scale its default with the global batch, see --arch).", 0.1, 0, 100);
    public static final Opt<LrSchedule> LR_SCHEDULE = Opt.choice("lr-schedule", "KIND", "cosine-epoch: the rate is set once per epoch; "
            + "cosine-step: at every step; poly-step: (lr - 1e-4)(1 - t/T)^0.9 + 1e-4 at every step (mmsegmentation's, the "
            + "segmentation recipe's).", LrSchedule.COSINE_EPOCH, LrSchedule::label);
    public static final Opt<Double> WARMUP_EPOCHS = Opt.doubleIn("warmup-epochs", "X", "Linear warm-up from 0.01 over the first X "
            + "epochs (0 = none).", 0, 0, 100_000);
    public static final Opt<Double> MOMENTUM = Opt.doubleIn("momentum", "X", "Nesterov momentum.", 0.9, 0, 0.999);
    public static final Opt<Double> WEIGHT_DECAY = Opt.doubleIn("weight-decay", "X", "L2 weight decay.", 1e-4, 0, 1);
    public static final Opt<Long> SEED = Opt.longIn("seed", "N", "Seed of initialisation and shuffling.", 0, Long.MIN_VALUE, Long.MAX_VALUE);
    public static final Opt<Integer> LIMIT = Opt.intIn("limit", "N", "Train on the first N training images in shard order, a seeded random sample (0 = all).", 0, 0,
            Integer.MAX_VALUE);
    public static final Opt<Integer> VAL_LIMIT = Opt.intIn("val-limit", "N", "Validate on the first N test images in shard order (0 = all).", 0, 0,
            Integer.MAX_VALUE);
    public static final Opt<Integer> LOG_EVERY = Opt.intIn("log-every", "N", "Progress line every N training steps (0 = per epoch "
            + "only).", 50, 0, Integer.MAX_VALUE);
    public static final Opt<Integer> REPLICAS = Opt.intIn("replicas", "N", "Data-parallel training tasks (Spark tasks, each on 1/N of "
            + "the images, equal batches per replica); staggered: N per module, K x N tasks per wave.", 1, 1, 4096);
    public static final Opt<Integer> SYNC_STEPS = Opt.intIn("sync-steps", "S", "Average parameters and updater state over the replicas "
            + "on the driver every S steps (a round; 0 = once per epoch); a checkpoint follows every round. Staggered: replicas "
            + "are averaged after every wave (--wave-fraction) instead.", 0, 0, Integer.MAX_VALUE);
    public static final Opt<Boolean> RESUME = Opt.bool("resume", "true: continue the run in --out from its last complete round, and fail when it has none (the "
            + "checkpoint's architecture must match; it is refused otherwise).", false);
    public static final Opt<SpillMode> SPILL = Opt.choice("spill", "MODE", "Sequential schedule: spill: module k's outputs written once, "
            + "read by module k+1; recompute: frozen modules 1..k rerun every batch; auto: the planner chooses from spill bytes, "
            + "recompute FLOPs and free disk.", SpillMode.AUTO, SpillMode::label);
    public static final Opt<String> SPILL_DIR = Opt.string("spill-dir", "URI", "Spill store, any Hadoop FileSystem URI (file:, hdfs:, "
            + "s3a:); empty = <out>/spill.", "");
    public static final Opt<SpillFormat> SPILL_FORMAT = Opt.choice("spill-format", "FORMAT", "binary: compressed record blocks; "
            + "parquet.", SpillFormat.BINARY, SpillFormat::label);
    public static final Opt<Precision> SPILL_PRECISION = Opt.choice("spill-precision", "P", "Precision of the spilled activations.",
            Precision.FP16, Precision::label);
    public static final Opt<SpillCodec> SPILL_CODEC = Opt.choice("spill-codec", "CODEC", "Compression of the spill.", SpillCodec.ZSTD,
            SpillCodec::label);
    public static final Opt<Integer> SPILL_VIEWS = Opt.intIn("spill-views", "N", "Augmented views spilled per training image; epoch e "
            + "trains on view e mod N.", 1, 1, 1000);
    public static final Opt<Boolean> KEEP_SPILL = Opt.bool("keep-spill", "true: keep every spill after use (default: a spill is "
            + "deleted once the next module no longer needs it).", false);
    public static final Opt<Double> WAVE_FRACTION = Opt.fraction("wave-fraction", "X", "Staggered schedule: a wave is this fraction "
            + "of an epoch; with --replicas N each module's N replicas are averaged after every wave.", 0.25);
    public static final Opt<Integer> PREFETCH = Opt.intIn("prefetch", "N", "Training steps each task decodes ahead of the one it trains "
            + "(a task holds at most N × batch decoded images).", 2, 1, 64);
    public static final Opt<Integer> INPUT_THREADS = Opt.intIn("input-threads", "N", "Threads per task that read, decode and "
            + "augment training images while the step before trains (ImageNet at 224: one thread gave 85-172 images/s on this project's CPU bench, docs/results/imagenet-input.md; size it to the GPU's images/s).", 1, 1, 64);
    public static final Opt<WriteMode> MODE = Opt.choice("if-exists", "WHAT", "If --out already holds something: error refuses; "
            + "overwrite replaces it; resume continues its run from the last checkpoint, or starts when there is none; skip-ok "
            + "keeps a run that finished ok, or starts afresh over one that did not. resume and skip-ok keep a finished ok run "
            + "of the same options as it is, and refuse a run of other options and a folder that holds no run: both are safe "
            + "for an orchestrator's retries, which rerun the same command line.", WriteMode.ERROR, WriteMode::label);

    public static final JobSpec<TrainConfig> SPEC = new JobSpec<>(JOB, "Train InfoPro local modules on a prepared dataset.", SUMMARY,
            List.of(DATASET, OUT, SCHEDULE, ARCH, DEPTH, WIDTH, SPLITS, LOSS, AUX_NET, LAMBDA, PAD_TO, CHANNELS, AUGMENT, CROP, RESIZE,
                    PHOTOMETRIC, EPOCHS, ITERATIONS,
                    BATCH_SIZE, LR, LR_SCHEDULE, WARMUP_EPOCHS, MOMENTUM, WEIGHT_DECAY, SEED, LIMIT, VAL_LIMIT, NativeRuntime.THREADS,
                    LOG_EVERY, NativeMemory.RECLAIM_EVERY, REPLICAS, SYNC_STEPS, RESUME, SPILL, SPILL_DIR, SPILL_FORMAT, SPILL_PRECISION, SPILL_CODEC, SPILL_VIEWS,
                    KEEP_SPILL, WAVE_FRACTION, PREFETCH, INPUT_THREADS, MODE),
            TrainConfig::build);

    public static TrainConfig fromArgs(String[] args) {
        return SPEC.parse(args);
    }

    /**
     * The command line's config. {@code --arch} names a family, or one of its named depths ({@code resnet101}); every
     * option not given takes the family's {@link Recipe} value when the recipe has one, else the option's default.
     */
    private static TrainConfig build(Options o) {
        NetworkFamily.Arch arch = NetworkFamily.resolve(o.get(ARCH));
        Recipe r = checkedRecipe(arch.family());
        int depthValue = o.get(DEPTH);
        int depth = resolveDepth(o.get(ARCH).trim(), arch, o.given(DEPTH) ? depthValue : null);
        LossMode loss = o.get(LOSS);
        List<SplitPoint> splits = parseSplits(recipe(o, r, SPLITS), depth);
        Parallel parallel = new Parallel(o.get(REPLICAS), o.get(SYNC_STEPS), o.get(RESUME));
        int batchSize = recipe(o, r, BATCH_SIZE);
        double lr = recipe(o, r, LR);
        if (o.given(EPOCHS) && o.get(ITERATIONS) > 0) {
            throw new ConfigException(JOB + ": --epochs " + o.get(EPOCHS) + " and --iterations " + o.get(ITERATIONS) + " both say how "
                    + "long to train; give one of them.");
        }
        if (!o.given(LR) && r.learningRate().isPresent()) {
            lr = r.learningRate().get().forGlobalBatch((long) batchSize * parallel.replicas());
        }
        String lambdaText = o.get(LAMBDA);
        return builder(o.get(DATASET), o.get(OUT))
                .schedule(recipe(o, r, SCHEDULE))
                .arch(arch.family().name())
                .depth(depth)
                .width(recipe(o, r, WIDTH))
                .splits(splits)
                .loss(loss)
                .auxNet(o.get(AUX_NET).orElse(null))
                .lambda(resolveLambda(o.given(LAMBDA) ? lambdaText : null, r, loss, depth, splits.size() + 1))
                .transform(new InputTransform(recipe(o, r, PAD_TO), recipe(o, r, CHANNELS), recipe(o, r, AUGMENT),
                        withRecipeAugment(o, r, CROP), recipe(o, r, RESIZE), withRecipeAugment(o, r, PHOTOMETRIC)))
                .epochs(recipe(o, r, EPOCHS))
                .iterations(o.given(EPOCHS) ? 0 : recipe(o, r, ITERATIONS)) // a recipe's iterations yield to a given --epochs
                .batchSize(batchSize)
                .learningRate(lr)
                .lrSchedule(recipe(o, r, LR_SCHEDULE))
                .warmupEpochs(recipe(o, r, WARMUP_EPOCHS))
                .momentum(recipe(o, r, MOMENTUM))
                .weightDecay(recipe(o, r, WEIGHT_DECAY))
                .seed(o.get(SEED))
                .limit(o.get(LIMIT))
                .valLimit(o.get(VAL_LIMIT))
                .threads(o.get(NativeRuntime.THREADS))
                .logEvery(o.get(LOG_EVERY))
                .reclaimEvery(o.get(NativeMemory.RECLAIM_EVERY))
                .mode(o.get(MODE))
                .parallel(parallel)
                .pipeline(new Pipeline(o.get(SPILL), o.get(SPILL_DIR), new SpillConfig(o.get(SPILL_FORMAT), o.get(SPILL_PRECISION),
                        o.get(SPILL_CODEC)), o.get(SPILL_VIEWS), o.get(KEEP_SPILL), o.get(WAVE_FRACTION)))
                .input(new Input(o.get(PREFETCH), o.get(INPUT_THREADS)))
                .build();
    }

    /** The value given for {@code opt}, else the recipe's, else the option's default. */
    private static <T> T recipe(Options o, Recipe r, Opt<T> opt) {
        return o.getOr(opt, r.defaultFor(opt.name()));
    }

    /**
     * The value given for {@code opt} (--crop, --photometric), else the recipe's, which goes with the recipe's
     * augmentation: another --augment drops it.
     */
    private static <T> T withRecipeAugment(Options o, Recipe r, Opt<T> opt) {
        boolean otherAugment = o.given(AUGMENT) && !o.get(AUGMENT).label().equals(r.defaultFor(AUGMENT.name()));
        return otherAugment && !o.given(opt) ? o.get(opt) : recipe(o, r, opt);
    }

    /** The family's recipe, after checking that it names only options of this job (a programming error otherwise). */
    private static Recipe checkedRecipe(NetworkFamily family) {
        Recipe r = family.recipe();
        for (String name : r.defaults().keySet()) {
            if (SPEC.options().stream().noneMatch(opt -> opt.name().equals(name)) || name.equals(LR.name()) || name.equals(ARCH.name())
                    || name.equals(DEPTH.name())) {
                throw new IllegalStateException("the recipe of --arch " + family.name() + " sets '" + name + "', which is not a "
                        + "train option it may set (the learning rate is its ScaledLearningRate; arch and depth are not recipe values)");
            }
        }
        return r;
    }

    /**
     * The depth of {@code --arch archText} with {@code --depth given} (null when not given): the depth the arch names,
     * which a different --depth contradicts, else the given one, else the family's default.
     */
    private static int resolveDepth(String archText, NetworkFamily.Arch arch, Integer given) {
        if (arch.depth().isPresent()) {
            int named = arch.depth().getAsInt();
            if (given != null && given != named) {
                throw new ConfigException(JOB + ": --arch " + archText + " means --depth " + named + ", but --depth " + given
                        + " was given. Drop --depth, or use --arch " + arch.family().name() + " --depth " + given + ".");
            }
            return named;
        }
        return given != null ? given : arch.family().defaultDepth();
    }

    /**
     * The λ schedule: the text given (four numbers or a shipped entry); else, for a loss that weighs λ, the recipe's
     * shipped entry for this depth and K, which must exist (the reference's ImageNet λ cover ResNet-101 and -152 at K=2
     * only); else the option's default.
     */
    private static LambdaSchedule resolveLambda(String given, Recipe r, LossMode loss, int depth, int k) {
        if (given != null) {
            return parseLambda(given, depth, k);
        }
        String text = r.defaultFor(LAMBDA.name());
        if (text == null || !loss.weighsLambda()) {
            return parseLambda(LAMBDA.defaultValue(), depth, k);
        }
        try {
            return parseLambda(text, depth, k);
        } catch (ConfigException e) {
            throw new ConfigException(JOB + ": --lambda is not given and " + r.source() + " has no λ for this network ("
                    + e.getMessage().replaceFirst("^" + JOB + ": ", "").replaceFirst("\\.$", "")
                    + "). Give --lambda IXX1,IXY1,IXX2,IXY2, or use --loss greedy or e2e, which need none.");
        }
    }

    /** The --arch help: every family on the class path, its named depths and its recipe. */
    private static String archDoc() {
        StringBuilder sb = new StringBuilder("Network family:");
        String sep = " ";
        for (NetworkFamily f : NetworkFamily.all().values()) {
            sb.append(sep).append(f.name()).append(" (").append(f.summary()).append(")");
            sep = " | ";
        }
        sb.append("; any family on the class path (see README).");
        for (NetworkFamily f : NetworkFamily.all().values()) {
            if (!f.namedDepths().isEmpty()) {
                sb.append(" ").append(String.join(", ", f.namedDepths().keySet())).append(" = ").append(f.name())
                        .append(" at that depth.");
            }
            Recipe r = f.recipe();
            if (!r.equals(Recipe.NONE)) {
                sb.append(" ").append(f.name()).append(" defaults, for options not given (").append(r.source()).append("): ")
                        .append(r.describe()).append(".");
            }
        }
        return sb.toString();
    }

    /** A builder of a run on {@code dataset} writing to {@code out}, with every other knob at its option's default. */
    public static Builder builder(String dataset, String out) {
        return new Builder(dataset, out);
    }

    /** A builder holding this config's values, to change some of them. */
    public Builder toBuilder() {
        Builder b = new Builder(dataset, out);
        b.schedule = schedule;
        b.arch = arch;
        b.depth = depth;
        b.width = width;
        b.splits = splits;
        b.loss = loss;
        b.auxNet = auxNet;
        b.lambda = lambda;
        b.transform = transform;
        b.epochs = epochs;
        b.iterations = iterations;
        b.batchSize = batchSize;
        b.learningRate = learningRate;
        b.lrSchedule = lrSchedule;
        b.warmupEpochs = warmupEpochs;
        b.momentum = momentum;
        b.weightDecay = weightDecay;
        b.seed = seed;
        b.limit = limit;
        b.valLimit = valLimit;
        b.threads = threads;
        b.logEvery = logEvery;
        b.reclaimEvery = reclaimEvery;
        b.mode = mode;
        b.parallel = parallel;
        b.pipeline = pipeline;
        b.input = input;
        return b;
    }

    /**
     * The one way code makes a TrainConfig: start from the options' defaults ({@link #builder}) or from a config
     * ({@link #toBuilder}), set what differs, {@link #build}. Unset splits, λ and auxiliary head resolve at build
     * time as on the command line: the default splits for the depth, the default λ, and the loss's head.
     */
    public static final class Builder {
        private String dataset;
        private String out;
        private ScheduleKind schedule = SCHEDULE.defaultValue();
        private String arch = ARCH.defaultValue();
        private Integer depth;
        private double width = WIDTH.defaultValue();
        private List<SplitPoint> splits;
        private LossMode loss = LOSS.defaultValue();
        private AuxNet auxNet;
        private LambdaSchedule lambda;
        private InputTransform transform = new InputTransform(PAD_TO.defaultValue(), CHANNELS.defaultValue(),
                AUGMENT.defaultValue(), CROP.defaultValue(), RESIZE.defaultValue());
        private int epochs = EPOCHS.defaultValue();
        private int iterations = ITERATIONS.defaultValue();
        private int batchSize = BATCH_SIZE.defaultValue();
        private double learningRate = LR.defaultValue();
        private LrSchedule lrSchedule = LR_SCHEDULE.defaultValue();
        private double warmupEpochs = WARMUP_EPOCHS.defaultValue();
        private double momentum = MOMENTUM.defaultValue();
        private double weightDecay = WEIGHT_DECAY.defaultValue();
        private long seed = SEED.defaultValue();
        private int limit = LIMIT.defaultValue();
        private int valLimit = VAL_LIMIT.defaultValue();
        private int threads = NativeRuntime.THREADS.defaultValue();
        private int logEvery = LOG_EVERY.defaultValue();
        private int reclaimEvery = NativeMemory.RECLAIM_EVERY.defaultValue();
        private WriteMode mode = MODE.defaultValue();
        private Parallel parallel = Parallel.SINGLE;
        private Pipeline pipeline = Pipeline.DEFAULT;
        private Input input = Input.DEFAULT;

        private Builder(String dataset, String out) {
            this.dataset = dataset;
            this.out = out;
        }

        public Builder dataset(String v) {
            dataset = v;
            return this;
        }

        public Builder out(String v) {
            out = v;
            return this;
        }

        public Builder schedule(ScheduleKind v) {
            schedule = v;
            return this;
        }

        public Builder arch(String v) {
            arch = v;
            return this;
        }

        public Builder depth(int v) {
            depth = v;
            return this;
        }

        public Builder width(double v) {
            width = v;
            return this;
        }

        public Builder splits(List<SplitPoint> v) {
            splits = v;
            return this;
        }

        public Builder loss(LossMode v) {
            loss = v;
            return this;
        }

        /** The auxiliary head; null = the loss's (0c1f for greedy, else 1c2f). */
        public Builder auxNet(AuxNet v) {
            auxNet = v;
            return this;
        }

        public Builder lambda(LambdaSchedule v) {
            lambda = v;
            return this;
        }

        public Builder transform(InputTransform v) {
            transform = v;
            return this;
        }

        public Builder epochs(int v) {
            epochs = v;
            return this;
        }

        public Builder iterations(int v) {
            iterations = v;
            return this;
        }

        public Builder batchSize(int v) {
            batchSize = v;
            return this;
        }

        public Builder learningRate(double v) {
            learningRate = v;
            return this;
        }

        public Builder lrSchedule(LrSchedule v) {
            lrSchedule = v;
            return this;
        }

        public Builder warmupEpochs(double v) {
            warmupEpochs = v;
            return this;
        }

        public Builder momentum(double v) {
            momentum = v;
            return this;
        }

        public Builder weightDecay(double v) {
            weightDecay = v;
            return this;
        }

        public Builder seed(long v) {
            seed = v;
            return this;
        }

        public Builder limit(int v) {
            limit = v;
            return this;
        }

        public Builder valLimit(int v) {
            valLimit = v;
            return this;
        }

        public Builder threads(int v) {
            threads = v;
            return this;
        }

        public Builder logEvery(int v) {
            logEvery = v;
            return this;
        }

        public Builder reclaimEvery(int v) {
            reclaimEvery = v;
            return this;
        }

        public Builder mode(WriteMode v) {
            mode = v;
            return this;
        }

        public Builder parallel(Parallel v) {
            parallel = v;
            return this;
        }

        public Builder pipeline(Pipeline v) {
            pipeline = v;
            return this;
        }

        public Builder input(Input v) {
            input = v;
            return this;
        }

        /**
         * The config, validated; a {@link ConfigException} names what is wrong and the fix. The arch may be a named
         * depth ({@code resnet101}); an unset depth, splits and λ come from the family as on the command line (the
         * family's default depth, its recipe's splits and λ); the other knobs are this builder's values.
         */
        public TrainConfig build() {
            NetworkFamily.Arch a = NetworkFamily.resolve(arch);
            Recipe r = checkedRecipe(a.family());
            int d = resolveDepth(arch.trim(), a, depth);
            String splitsText = r.defaultFor(SPLITS.name()) != null ? r.defaultFor(SPLITS.name()) : SPLITS.defaultValue();
            List<SplitPoint> s = splits != null ? splits : parseSplits(splitsText, d);
            LambdaSchedule l = lambda != null ? lambda : resolveLambda(null, r, loss, d, s.size() + 1);
            AuxNet h = auxNet != null ? auxNet : loss == LossMode.GREEDY ? AuxNet.C0F1 : AuxNet.C1F2;
            return new TrainConfig(dataset, out, schedule, a.family().name(), d, width, s, loss, h, l, transform, epochs, iterations,
                    batchSize, learningRate, lrSchedule, warmupEpochs, momentum, weightDecay, seed, limit, valLimit, threads, logEvery, reclaimEvery, mode,
                    parallel, pipeline, input);
        }
    }

    /** Explicit split points, or {@code <table>:k<K>} from conf/infopro-splits.json. */
    private static List<SplitPoint> parseSplits(String text, int depth) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("([a-z0-9*-]+):k(\\d+)").matcher(text.trim());
        try {
            return m.matches() ? ReferenceTables.splits(m.group(1), depth, Integer.parseInt(m.group(2)))
                    : SplitPoint.parseList(text);
        } catch (ConfigException e) {
            throw new ConfigException(JOB + ": invalid --splits '" + text + "': " + e.getMessage());
        }
    }

    /** Four numbers, or {@code <dataset>/<variant>} from conf/infopro-lambdas.json. */
    private static LambdaSchedule parseLambda(String text, int depth, int k) {
        String t = text.trim();
        try {
            if (t.contains("/")) {
                String[] dv = t.split("/", 2);
                return ReferenceTables.lambda(dv[0], dv[1], depth, k);
            }
            return LambdaSchedule.parse(t);
        } catch (ConfigException e) {
            throw new ConfigException(JOB + ": " + e.getMessage());
        }
    }

    public LearningRate learningRateSchedule() {
        return new LearningRate(learningRate, epochs, lrSchedule.perStep(), warmupEpochs, 0.01, lrSchedule.poly(), iterations);
    }

    /**
     * This config for a training set of {@code stepsPerEpoch} steps per epoch: with {@code --iterations N}, the epochs
     * that hold N steps (the last one {@link #stepsIn cut short}); else itself.
     */
    public TrainConfig forStepsPerEpoch(int stepsPerEpoch) {
        if (iterations == 0) {
            return this;
        }
        long epochs = ((long) iterations + stepsPerEpoch - 1) / stepsPerEpoch;
        if (epochs > MAX_EPOCHS) {
            throw new ConfigException(JOB + ": --iterations " + iterations + " at " + stepsPerEpoch + " steps per epoch is " + epochs
                    + " epochs, more than " + MAX_EPOCHS + "; give fewer iterations or a larger training set.");
        }
        return toBuilder().epochs((int) epochs).build();
    }

    /** The steps 0-based {@code epoch} trains out of {@code stepsPerEpoch}: all of them, except past --iterations. */
    public int stepsIn(int epoch, int stepsPerEpoch) {
        return iterations == 0 ? stepsPerEpoch
                : (int) Math.max(0, Math.min(stepsPerEpoch, iterations - (long) epoch * stepsPerEpoch));
    }

    public int modules() {
        return splits.size() + 1;
    }

    /** The λ schedule actually trained: greedy SL is cross-entropy only, (λ1, λ2) = (0, 1) everywhere. */
    public LambdaSchedule effectiveLambda() {
        return loss == LossMode.GREEDY ? new LambdaSchedule(0, 1, 0, 1) : lambda;
    }

    public HeadSpec head() {
        return HeadSpec.of(loss, auxNet);
    }

    /** The config as result.json and checkpoints record it. */
    public Map<String, Object> asMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("job", JOB);
        m.put("dataset", dataset);
        m.put("out", out);
        m.put("schedule", schedule.label());
        NetworkFamily family = NetworkFamily.named(arch);
        m.put("arch", arch);
        m.put("network", family.label(depth, width));
        m.put("depth", depth);
        if (width != 1) {
            m.put("width", width);
        }
        m.put("recipe", family.recipe().source());
        m.put("splits", splits.stream().map(SplitPoint::toString).collect(Collectors.joining(" ")));
        m.put("modules", modules());
        m.put("loss", loss.label());
        LambdaSchedule l = effectiveLambda();
        m.put("lambda", List.of(l.ixx1(), l.ixy1(), l.ixx2(), l.ixy2()));
        m.put("aux_net", auxNet.label());
        m.put("epochs", epochs);
        m.put("iterations", iterations == 0 ? null : iterations);
        m.put("batch_size", batchSize);
        m.put("global_batch", (long) batchSize * parallel.replicas());
        m.put("transform", transform);
        m.put("lr", learningRate);
        m.put("lr_schedule", lrSchedule.description());
        m.put("warmup_epochs", warmupEpochs);
        m.put("momentum", momentum);
        m.put("nesterov", true);
        m.put("weight_decay", weightDecay);
        m.put("weight_decay_on_batch_norm", true);
        m.put("seed", seed);
        m.put("limit", limit);
        m.put("val_limit", valLimit);
        m.put("threads", threads);
        m.put("reclaim_every_s", reclaimEvery);
        m.put("replicas", parallel.replicas());
        m.put("sync_steps", parallel.syncSteps());
        m.put("prefetch", input.prefetch());
        m.put("input_threads", input.threads());
        if (schedule != ScheduleKind.SIMULTANEOUS) {
            m.put("spill", pipeline.spill().label());
            m.put("spill_dir", pipeline.spillDir());
            m.put("spill_format", pipeline.store().format().label());
            m.put("spill_precision", pipeline.store().precision().label());
            m.put("spill_codec", pipeline.store().codec().label());
            m.put("spill_views", pipeline.views());
            m.put("keep_spill", pipeline.keepSpill());
            m.put("wave_fraction", pipeline.waveFraction());
        }
        return m;
    }
}
