package org.infopro.spark.train;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.infopro.data.config.ConfigException;
import org.infopro.data.io.ConfigHash;
import org.infopro.data.io.Fs;
import org.infopro.data.io.Json;
import org.infopro.data.io.Status;
import org.infopro.data.io.WriteMode;
import org.infopro.data.io.Versions;
import org.infopro.data.shard.BatchAssembler;
import org.infopro.data.shard.ShardReader;
import org.infopro.spark.checkpoint.Checkpoint;
import org.infopro.spark.checkpoint.StateStore;
import org.infopro.spark.config.TrainConfig;
import org.infopro.spark.measure.Classification;
import org.infopro.spark.measure.HeadMetrics;
import org.infopro.spark.metrics.EpochMetrics;
import org.infopro.spark.metrics.HeapWatch;
import org.infopro.spark.metrics.MetricsLog;
import org.infopro.spark.metrics.ProcessMemory;
import org.infopro.spark.metrics.ProgressListener;
import org.infopro.spark.metrics.RunListener;
import org.infopro.spark.metrics.RunTotals;
import org.infopro.spark.model.Hyper;
import org.infopro.spark.model.ModulePlan;
import org.infopro.spark.model.DeepLabV3Family;
import org.infopro.spark.model.NetworkFamily;
import org.infopro.spark.model.Trunk;
import org.infopro.spark.module.InferenceExport;
import org.infopro.spark.module.ModuleStack;
import org.infopro.spark.runtime.NativeRuntime;
import org.infopro.spark.schedule.RunContext;
import org.infopro.spark.schedule.Schedule;
import org.infopro.spark.schedule.ScheduleReport;
import org.infopro.spark.schedule.SpillPlan;
import org.infopro.spark.schedule.StaggeredReport;
import org.infopro.spark.schedule.TrainData;
import org.infopro.spark.task.Segment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Locale;

/**
 * Trains InfoPro local modules of any {@link NetworkFamily} on Spark in one of the {@link Schedule}s: checks the
 * output folder and any resume before touching it, sets up the run ({@link RunContext}), runs the schedule, then
 * validates the composed network, exports it for inference and writes result.json.
 */
public final class TrainJob {
    private static final Logger LOG = LoggerFactory.getLogger(TrainJob.class);
    public static final String RESULT = "result.json";
    public static final String METRICS = "metrics.jsonl";
    public static final String CHECKPOINT = "checkpoint";
    /** The trained network without auxiliary heads, as one DL4J model for inference. */
    public static final String MODEL = "inference-model.zip";

    private TrainJob() {
    }

    public static TrainResult run(TrainConfig cfg, SparkSession spark) {
        try (HeapWatch heap = HeapWatch.start()) {
            return run(cfg, spark, heap);
        }
    }

    private static TrainResult run(TrainConfig given, SparkSession spark, HeapWatch heap) {
        long t0 = System.nanoTime();
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        // qualified: executors write spills under it from working folders of their own
        Path out = Fs.qualified(new Path(given.out()), conf);
        Path resultPath = new Path(out, RESULT);
        // a refusal is recorded in result.json only where that destroys nothing: in a run this call started, or in
        // a folder that held nothing; a refused retry leaves the run it found as it was
        boolean record = RunFolder.isEmpty(out, conf);
        TrainConfig cfg = given;
        try {
            ShardReader reader = ShardReader.open(spark, given.dataset());
            BatchAssembler assembler = new BatchAssembler(reader.manifest(), given.transform());
            ModuleStack.Setup setup = setup(given, assembler, reader.manifest().numClasses());
            Schedule schedule = Schedule.of(given.schedule());
            TrainData data = new TrainData(reader, given.limit(), given.valLimit(), given.parallel().replicas(), given.seed(),
                    JavaSparkContext.fromSparkContext(spark.sparkContext()).defaultParallelism());
            // --iterations becomes epochs once the training set's steps per epoch are known; results record this config
            cfg = given.forStepsPerEpoch(data.stepsPerEpoch(given.batchSize()));
            RunFolder.Action action = cfg.parallel().resume() ? RunFolder.Action.RESUME
                    : new RunFolder(out, conf).prepare(cfg.mode(), cfg.asMap());
            if (action == RunFolder.Action.SKIP) {
                LOG.info("[train] {} holds a run of the same options that finished ok; --if-exists {} keeps it", out,
                        cfg.mode().label());
                return TrainResult.notRun(Status.SKIPPED, null, cfg.schedule().label(), cfg.asMap(), null, null, seconds(t0),
                        resultPath.toString(), Versions.of(spark));
            }
            Checkpoint.Saved saved = action == RunFolder.Action.RESUME ? resumable(cfg, setup, schedule, out, conf) : null;
            record = true;
            return train(cfg, spark, reader, assembler, data, setup, schedule, out, saved, t0, heap);
        } catch (RuntimeException e) {
            if (record) {
                // a refused input found only now (invalid) differs from a broken run (failed) here alone in cluster modes
                TrainResult failed = TrainResult.notRun(Status.of(e), String.valueOf(e.getMessage()), cfg.schedule().label(),
                        cfg.asMap(), ProcessMemory.peakResidentBytes(), heap.result(), seconds(t0), resultPath.toString(),
                        Versions.of(spark));
                try {
                    Fs.writeStringAtomically(resultPath, Json.pretty(failed), conf);
                } catch (RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    /**
     * The checkpoint to resume from, checked before anything in --out is touched (a refused resume leaves the run as
     * it was): the same architecture and schedule, not finished, and for {@code --if-exists resume} (a retry) the same
     * options.
     */
    private static Checkpoint.Saved resumable(TrainConfig cfg, ModuleStack.Setup setup, Schedule schedule, Path out,
                                              Configuration conf) {
        Checkpoint.Saved saved = Checkpoint.read(new Path(out, CHECKPOINT), setup, conf);
        checkSameSchedule(cfg, saved, out);
        if (!cfg.parallel().resume()) {
            // a person extending a run on purpose (--resume true --epochs more) may change options; a retry may not
            List<String> diff = ConfigHash.differences(saved.config(), cfg.asMap());
            if (!diff.isEmpty()) {
                throw new ConfigException("train --if-exists resume: the checkpoint in " + out + " is of a run with other options ("
                        + String.join("; ", diff) + "). Rerun with that run's options, continue it on purpose with --resume true, "
                        + "or choose another --out.");
            }
        }
        schedule.checkResumable(saved.position(), cfg, out);
        return saved;
    }

    /** The network of the run: its family's trunk for the dataset's input shape and classes, split into modules. */
    static ModuleStack.Setup setup(TrainConfig cfg, BatchAssembler assembler, int numClasses) {
        int[] hwc = assembler.outputShape();
        NetworkFamily family = NetworkFamily.named(cfg.arch());
        if (family.perPixel() != assembler.segmentation()) {
            throw new ConfigException(family.perPixel()
                    ? "train: --arch " + cfg.arch() + " segments images, but the dataset has no masks; prepare a segmentation "
                    + "dataset (prep-cityscapes) or choose a classification --arch."
                    : "train: the dataset has segmentation masks, but --arch " + cfg.arch() + " classifies whole images; use "
                    + "--arch " + DeepLabV3Family.NAME + " --augment scale-crop-flip --crop N.");
        }
        Trunk trunk = family.trunk(cfg.depth(), cfg.width(), new int[]{hwc[2], hwc[0], hwc[1]}, numClasses);
        List<ModulePlan> plans = ModulePlan.plan(trunk, cfg.splits(), cfg.effectiveLambda());
        return new ModuleStack.Setup(trunk, plans, new Hyper(cfg.seed(), cfg.learningRate(), cfg.momentum(), cfg.weightDecay()),
                cfg.head());
    }

    private static void checkSameSchedule(TrainConfig cfg, Checkpoint.Saved saved, Path out) {
        Object schedule = saved.config().get("schedule");
        if (schedule != null && !cfg.schedule().label().equals(schedule)) {
            throw new ConfigException("train --resume: the run in " + out + " was trained with --schedule " + schedule
                    + ", not " + cfg.schedule().label() + "; resume with --schedule " + schedule + ".");
        }
    }

    private static TrainResult train(TrainConfig cfg, SparkSession spark, ShardReader reader, BatchAssembler assembler,
                                     TrainData data, ModuleStack.Setup setup, Schedule schedule, Path out, Checkpoint.Saved saved,
                                     long t0, HeapWatch heap) {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        RunTotals totals = new RunTotals(setup.modules());
        Path metricsPath = new Path(out, METRICS);
        MetricsLog metrics = saved != null ? MetricsLog.continuing(metricsPath, conf) : new MetricsLog(metricsPath, conf);
        RunListener listener = RunListener.all(totals, metrics, new ProgressListener(reader.manifest().numClasses()));
        NativeRuntime.OneDnn onednn = NativeRuntime.oneDnn();
        try (StateStore store = new StateStore(new Path(out, CHECKPOINT), setup, cfg.asMap(), saved, conf, listener)) {
            RunContext ctx = new RunContext(cfg, spark, setup, assembler, data, store, listener, out, t0);
            LOG.info("[train] {}", onednn.describe());
            LOG.info("[train] {} schedule, {} modules, {} parameters: {}", cfg.schedule().label(), setup.modules(),
                    store.modules().modules().stream().mapToLong(m -> m.network().numParams()).sum(), describe(store.modules()));
            double setupS = seconds(t0);

            ScheduleReport report = schedule.run(ctx);
            if (totals.last() == null && store.resumeAt() == null) {
                throw new IllegalStateException("no epoch was trained");
            }
            // the composed network, as inference runs it; the simultaneous schedule's last validation already is
            // (a resume of a run killed after its last round has no last epoch, only the final steps left)
            Double testAccuracy = totals.last() == null ? null : totals.last().validation().testAccuracy();
            Double testTop5Accuracy = totals.last() == null ? null : totals.last().validation().testTop5Accuracy();
            EpochMetrics.Validation lastVal = totals.last() == null ? null : totals.last().validation();
            Double testMiou = lastVal == null ? null : lastVal.testMiou();
            Map<String, Object> segmentation = lastVal == null ? null : lastVal.modules().get(lastVal.modules().size() - 1).segmentation();
            double finalEvalS = 0;
            if (!schedule.lastEpochValidatesComposed() || totals.last() == null) {
                long tv = System.nanoTime();
                List<HeadMetrics> composed = ctx.validate(data.test(), Segment.all(assembler, setup.modules()));
                finalEvalS = seconds(tv);
                HeadMetrics network = composed.get(composed.size() - 1);
                testAccuracy = network.accuracy();
                testTop5Accuracy = network.top5Accuracy();
                testMiou = network.miou();
                segmentation = network.confusion() == null ? null : network.confusion().scores();
                if (network.confusion() != null) {
                    LOG.info(String.format(Locale.ROOT, "[train] composed network: mIoU %s on %d images", testMiou, network.images()));
                } else {
                    String top5 = reader.manifest().numClasses() > Classification.TOP_K
                            ? String.format(Locale.ROOT, " (top-5 %.4f)", testTop5Accuracy) : "";
                    LOG.info(String.format(Locale.ROOT, "[train] composed network: test accuracy %.4f%s on %d images", testAccuracy,
                            top5, network.images()));
                }
            }
            store.checkpoint(store.last().done());
            ComputationGraph net = InferenceExport.export(store.modules(), setup);
            try {
                InferenceExport.write(net, new Path(out, MODEL), conf);
            } finally {
                net.close();
            }

            TrainResult.Paths paths = new TrainResult.Paths(out.toString(), metrics.path().toString(), store.dir().toString(),
                    new Path(out, MODEL).toString(), new Path(out, RESULT).toString());
            TrainResult result = new TrainResult(Status.OK, null, cfg.schedule().label(), cfg.asMap(), testAccuracy, testTop5Accuracy,
                    testMiou, segmentation,
                    totals.last(), totals.throughput(), totals.peakMemory(), ProcessMemory.peakResidentBytes(),
                    heap.result(), totals.timings(setupS, finalEvalS, seconds(t0)),
                    store.rounds(), totals.sync(), totals.stages(), totals.spillBytes(), totals.executors(), totals.input(),
                    report instanceof SpillPlan p ? p : null, report instanceof StaggeredReport s ? s : null, paths,
                    onednn.describe(), Versions.of(spark));
            Fs.writeStringAtomically(new Path(out, RESULT), Json.pretty(result), conf);
            return result;
        }
    }

    private static String describe(ModuleStack stack) {
        StringBuilder sb = new StringBuilder();
        for (var m : stack.modules()) {
            ModulePlan p = m.plan();
            sb.append(String.format(Locale.ROOT, "%s units %d..%d -> %s %s params; ", p.name(), p.firstUnit(), p.lastUnit(),
                    Arrays.toString(p.outputShape()), m.network().numParams()));
        }
        return sb.toString();
    }

    static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }
}
