package org.infopro.spark.config;

import org.infopro.spark.task.LearningRate;
import org.infopro.data.config.ConfigException;
import org.infopro.data.config.Options;
import org.infopro.data.config.Options.Spec;
import org.infopro.data.io.WriteMode;
import org.infopro.data.shard.InputTransform;
import org.infopro.spark.loss.LambdaSchedule;
import org.infopro.spark.loss.LossMode;
import org.infopro.spark.model.AuxNet;
import org.infopro.spark.model.HeadSpec;
import org.infopro.spark.model.ReferenceTables;
import org.infopro.spark.model.SplitPoint;
import org.infopro.spark.spill.SpillMode;
import org.infopro.spark.spill.Precision;
import org.infopro.spark.spill.SpillCodec;
import org.infopro.spark.spill.SpillConfig;
import org.infopro.spark.spill.SpillFormat;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** The resolved configuration of a training run; parsed and validated once, before any Spark work. */
public record TrainConfig(
        String dataset,
        String out,
        ScheduleKind schedule,
        int depth,
        List<SplitPoint> splits,
        LossMode loss,
        AuxNet auxNet,
        LambdaSchedule lambda,
        InputTransform transform,
        int epochs,
        int batchSize,
        double learningRate,
        boolean lrPerStep,
        double warmupEpochs,
        double momentum,
        double weightDecay,
        long seed,
        int limit,
        int valLimit,
        int threads,
        int logEvery,
        WriteMode mode,
        Parallel parallel,
        Pipeline pipeline) implements Serializable {

    /**
     * Data parallelism of the simultaneous schedule: {@code replicas} training tasks, each on its own share of
     * the training images, whose parameters and updater state the driver averages every {@code syncSteps}
     * steps (a round; 0 = once per epoch). {@code resume} continues a run from its last complete round.
     */
    public record Parallel(int replicas, int syncSteps, boolean resume) implements Serializable {
        public static final Parallel SINGLE = new Parallel(1, 0, false);
    }

    /**
     * Settings of the sequential and staggered schedules: how module outputs travel between stages (spill,
     * recompute or planner's choice), the spill store (a Hadoop FileSystem URI; empty = {@code <out>/spill}),
     * its encoding, the number of augmented views spilled per training image, whether spills are kept after
     * use, and the staggered schedule's wave as a fraction of an epoch.
     */
    public record Pipeline(SpillMode spill, String spillDir, SpillConfig store, int views, boolean keepSpill,
                           double waveFraction) implements Serializable {
        public static final Pipeline DEFAULT = new Pipeline(SpillMode.AUTO, "",
                new SpillConfig(SpillFormat.BINARY, Precision.FP16, SpillCodec.ZSTD), 1, false, 0.25);
    }

    public static final String JOB = "train";

    public static final String SUMMARY = "Trains a CIFAR-style ResNet as K gradient-isolated InfoPro local modules inside Spark tasks,\n"
            + "reading a prepared dataset's shards, in the simultaneous, sequential or staggered schedule; the driver\n"
            + "records per-epoch validation metrics of every module.\n"
            + "Writes <out>/metrics.jsonl, <out>/result.json and <out>/checkpoint/.";

    public static List<Spec> options(int defaultThreads) {
        return List.of(
                Spec.required("dataset", "DIR", "Prepared dataset folder (with _manifest.json), from prep-idx."),
                Spec.required("out", "DIR", "Output folder for metrics, result and checkpoint."),
                Spec.of("schedule", "NAME", "simultaneous (the paper's: every batch through all modules in one task) | sequential "
                        + "(module after module, on spilled or recomputed inputs) | staggered (modules pipelined over waves).", "simultaneous"),
                Spec.of("depth", "N", "ResNet depth 6n+2 (8, 14, 20, 32, 110, ...).", "20"),
                Spec.of("splits", "LIST", "Module ends 'stage,block;...' (K = points + 1), 'none' (end-to-end), or a reference table such as infopro:k4 or infopro*-cifar10:k2.", "2,1"),
                Spec.of("loss", "MODE", "e2e | greedy | infopro-softmax | infopro-contrast (see README).", "infopro-softmax"),
                Spec.of("aux-net", "NET", "Auxiliary head 0c1f | 0c2f | 1c1f | 1c2f | 1c3f | 2c2f; auto = 0c1f for greedy, else 1c2f.", "auto"),
                Spec.of("lambda", "IXX1,IXY1,IXX2,IXY2", "InfoPro λ1 (reconstruction) and λ2 (task) of the first and last local module, or shipped values such as cifar10/infopro.", "5,1,0,0"),
                Spec.of("pad-to", "N", "Zero-pad images (centred) to NxN; 0 keeps the stored size.", "0"),
                Spec.of("channels", "N", "Replicate gray images to N channels; 0 keeps the stored channels.", "0"),
                Spec.of("augment", "KIND", "Training augmentation: none | crop-flip (reflect-pad 4, random crop, horizontal flip) | "
                        + "random-resized-crop (ImageNet: area 8-100 %, aspect 3/4-4/3, flip; needs --crop) | scale-crop-flip (Cityscapes).", "none"),
                Spec.of("crop", "N", "Train/evaluate on NxN crops of images of any size (ImageNet: 224); 0 = none.", "0"),
                Spec.of("resize", "S", "Evaluation short side before the centre --crop (0 = crop/0.875, 256 for 224).", "0"),
                Spec.of("epochs", "N", "Training epochs.", "2"),
                Spec.of("batch-size", "N", "Minibatch size.", "128"),
                Spec.of("lr", "X", "Initial learning rate of the cosine schedule.", "0.1"),
                Spec.of("lr-schedule", "KIND", "cosine-epoch (rate set once per epoch) | cosine-step (every step).", "cosine-epoch"),
                Spec.of("warmup-epochs", "X", "Linear warm-up from 0.01 over the first X epochs (0 = none).", "0"),
                Spec.of("momentum", "X", "Nesterov momentum.", "0.9"),
                Spec.of("weight-decay", "X", "L2 weight decay.", "1e-4"),
                Spec.of("seed", "N", "Seed of initialisation and shuffling.", "0"),
                Spec.of("limit", "N", "Train on the first N training images (0 = all).", "0"),
                Spec.of("val-limit", "N", "Validate on the first N test images (0 = all).", "0"),
                Spec.of("threads", "N", "Native (ND4J/OpenMP) threads per task; cores ÷ concurrent tasks.", Integer.toString(defaultThreads)),
                Spec.of("log-every", "N", "Progress line every N training steps (0 = per epoch only).", "50"),
                Spec.of("replicas", "N", "Data-parallel training tasks (Spark tasks, each on 1/N of the images, equal batches per replica).", "1"),
                Spec.of("sync-steps", "S", "Average parameters and updater state over the replicas on the driver every S steps (a round; "
                        + "0 = once per epoch); a checkpoint follows every round.", "0"),
                Spec.of("resume", "BOOL", "true: continue the run in --out from its last complete round (the checkpoint's architecture "
                        + "must match; it is refused otherwise).", "false"),
                Spec.of("spill", "MODE", "Sequential schedule: spill (module k's outputs written once, read by module k+1) | "
                        + "recompute (frozen modules 1..k rerun every batch) | auto (the planner chooses from spill bytes, "
                        + "recompute FLOPs and free disk).", "auto"),
                Spec.of("spill-dir", "URI", "Spill store, any Hadoop FileSystem URI (file:, hdfs:, s3a:); empty = <out>/spill.", ""),
                Spec.of("spill-format", "FORMAT", "binary (compressed record blocks) | parquet.", "binary"),
                Spec.of("spill-precision", "P", "fp16 | fp32 activations in the spill.", "fp16"),
                Spec.of("spill-codec", "CODEC", "none | snappy | zstd compression of the spill.", "zstd"),
                Spec.of("spill-views", "N", "Augmented views spilled per training image; epoch e trains on view e mod N.", "1"),
                Spec.of("keep-spill", "BOOL", "true: keep every spill after use (default: a spill is deleted once the next "
                        + "module no longer needs it).", "false"),
                Spec.of("wave-fraction", "X", "Staggered schedule: a wave is this fraction of an epoch (0 < X <= 1).", "0.25"),
                Spec.of("mode", "MODE", "If --out already holds a run: error | overwrite | skip.", "error"));
    }

    public static TrainConfig fromArgs(String[] args, int defaultThreads) {
        Options o = Options.parse(JOB, options(defaultThreads), args);
        int depth = o.intIn("depth", 8, 1202);
        List<SplitPoint> splits = splits(o.string("splits"), depth);
        LambdaSchedule lambda = lambda(o.string("lambda"), depth, splits.size() + 1);
        LossMode loss = o.choice("loss", LossMode.class, LossMode::label);
        AuxNet aux;
        if (o.string("aux-net").trim().equalsIgnoreCase("auto")) {
            aux = loss == LossMode.GREEDY ? AuxNet.C0F1 : AuxNet.C1F2;
        } else {
            aux = o.choice("aux-net", AuxNet.class, AuxNet::label);
        }
        if (loss == LossMode.E2E && !splits.isEmpty()) {
            throw new ConfigException(JOB + ": --loss e2e trains one module, but --splits '" + o.string("splits")
                    + "' asks for " + (splits.size() + 1) + ". Add --splits none.");
        }
        if (loss != LossMode.E2E && splits.isEmpty()) {
            throw new ConfigException(JOB + ": --loss " + loss.label() + " needs local modules, but --splits is none. "
                    + "Give split points (for example --splits 2,1) or use --loss e2e.");
        }
        return new TrainConfig(
                o.nonBlank("dataset"),
                o.nonBlank("out"),
                o.choice("schedule", ScheduleKind.class, ScheduleKind::label),
                depth,
                splits,
                loss,
                aux,
                lambda,
                new InputTransform(o.intIn("pad-to", 0, 4096), o.intIn("channels", 0, 4),
                        o.choice("augment", InputTransform.Augment.class, InputTransform.Augment::label),
                        o.intIn("crop", 0, 8192), o.intIn("resize", 0, 16384)),
                o.intIn("epochs", 1, 100_000),
                o.intIn("batch-size", 2, 65_536),
                o.doubleIn("lr", 0, 100),
                lrPerStep(o),
                o.doubleIn("warmup-epochs", 0, 100_000),
                o.doubleIn("momentum", 0, 0.999),
                o.doubleIn("weight-decay", 0, 1),
                o.longIn("seed", Long.MIN_VALUE, Long.MAX_VALUE),
                o.intIn("limit", 0, Integer.MAX_VALUE),
                o.intIn("val-limit", 0, Integer.MAX_VALUE),
                o.intIn("threads", 1, 1024),
                o.intIn("log-every", 0, Integer.MAX_VALUE),
                o.choice("mode", WriteMode.class, WriteMode::label),
                new Parallel(o.intIn("replicas", 1, 4096), o.intIn("sync-steps", 0, Integer.MAX_VALUE), bool(o, "resume")),
                new Pipeline(o.choice("spill", SpillMode.class, SpillMode::label), o.string("spill-dir").trim(),
                        new SpillConfig(o.choice("spill-format", SpillFormat.class, SpillFormat::label),
                                o.choice("spill-precision", Precision.class, Precision::label),
                                o.choice("spill-codec", SpillCodec.class, SpillCodec::label)),
                        o.intIn("spill-views", 1, 1000), bool(o, "keep-spill"), waveFraction(o)))
                .checked();
    }

    private static double waveFraction(Options o) {
        double x = o.doubleIn("wave-fraction", 0, 1);
        if (x <= 0) {
            throw o.bad("wave-fraction", Double.toString(x), "a fraction of an epoch above 0 and at most 1, such as 0.25");
        }
        return x;
    }

    /** Cross-option checks. */
    TrainConfig checked() {
        if (schedule == ScheduleKind.STAGGERED && parallel.replicas() > 1) {
            throw new ConfigException(JOB + ": --schedule staggered runs one task per module (the modules are its parallelism); "
                    + "--replicas " + parallel.replicas() + " is not supported with it. Use --replicas 1, or the simultaneous or "
                    + "sequential schedule for data parallelism.");
        }
        if (schedule != ScheduleKind.SIMULTANEOUS && splits.isEmpty()) {
            throw new ConfigException(JOB + ": --schedule " + schedule.label() + " needs several modules, but --splits is none. "
                    + "Give split points or use --schedule simultaneous.");
        }
        return this;
    }

    /** This config with another schedule and pipeline settings. */
    public TrainConfig with(ScheduleKind s, Pipeline p) {
        return new TrainConfig(dataset, out, s, depth, splits, loss, auxNet, lambda, transform, epochs, batchSize, learningRate,
                lrPerStep, warmupEpochs, momentum, weightDecay, seed, limit, valLimit, threads, logEvery, mode, parallel, p).checked();
    }

    /** This config writing to {@code o} with other parallelism. */
    public TrainConfig with(String o, Parallel p) {
        return new TrainConfig(dataset, o, schedule, depth, splits, loss, auxNet, lambda, transform, epochs, batchSize,
                learningRate, lrPerStep, warmupEpochs, momentum, weightDecay, seed, limit, valLimit, threads, logEvery, mode, p,
                pipeline).checked();
    }

    private static boolean bool(Options o, String name) {
        String v = o.nonBlank(name).toLowerCase(java.util.Locale.ROOT);
        if (!v.equals("true") && !v.equals("false")) {
            throw o.bad(name, v, "true or false");
        }
        return v.equals("true");
    }

    /** Explicit split points, or {@code <table>:k<K>} from conf/infopro-splits.json. */
    private static List<SplitPoint> splits(String text, int depth) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("([a-z0-9*-]+):k(\\d+)").matcher(text.trim());
        try {
            return m.matches() ? ReferenceTables.splits(m.group(1), depth, Integer.parseInt(m.group(2)))
                    : SplitPoint.parseList(text);
        } catch (ConfigException e) {
            throw new ConfigException(JOB + ": invalid --splits '" + text + "': " + e.getMessage());
        }
    }

    /** Four numbers, or {@code <dataset>/<variant>} from conf/infopro-lambdas.json. */
    private static LambdaSchedule lambda(String text, int depth, int k) {
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

    private static boolean lrPerStep(Options o) {
        String v = o.string("lr-schedule").trim();
        if (v.equals("cosine-epoch") || v.equals("cosine-step")) {
            return v.equals("cosine-step");
        }
        throw o.bad("lr-schedule", v, "one of cosine-epoch, cosine-step");
    }

    public LearningRate learningRateSchedule() {
        return new LearningRate(learningRate, epochs, lrPerStep, warmupEpochs, 0.01);
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
        m.put("depth", depth);
        m.put("splits", splits.stream().map(SplitPoint::toString).collect(Collectors.joining(" ")));
        m.put("modules", modules());
        m.put("loss", loss.label());
        LambdaSchedule l = effectiveLambda();
        m.put("lambda", List.of(l.ixx1(), l.ixy1(), l.ixx2(), l.ixy2()));
        m.put("aux_net", auxNet.label());
        m.put("epochs", epochs);
        m.put("batch_size", batchSize);
        m.put("transform", transform);
        m.put("lr", learningRate);
        m.put("lr_schedule", lrPerStep ? "cosine per step" : "cosine per epoch");
        m.put("warmup_epochs", warmupEpochs);
        m.put("momentum", momentum);
        m.put("nesterov", true);
        m.put("weight_decay", weightDecay);
        m.put("weight_decay_on_batch_norm", true);
        m.put("seed", seed);
        m.put("limit", limit);
        m.put("val_limit", valLimit);
        m.put("threads", threads);
        m.put("replicas", parallel.replicas());
        m.put("sync_steps", parallel.syncSteps());
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
