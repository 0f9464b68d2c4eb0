package org.infopro.spark.train;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.infopro.data.config.ConfigException;
import org.infopro.data.io.Fs;
import org.infopro.data.io.Json;
import org.infopro.data.io.Status;
import org.infopro.data.io.WriteMode;
import org.infopro.data.manifest.DatasetManifest;
import org.infopro.data.prep.Versions;
import org.infopro.data.shard.BatchAssembler;
import org.infopro.data.shard.ShardReader;
import org.infopro.spark.checkpoint.Checkpoint;
import org.infopro.spark.model.Hyper;
import org.infopro.spark.model.InferenceExport;
import org.infopro.spark.model.ModulePlan;
import org.infopro.spark.model.ResNetSpec;
import org.infopro.spark.module.HeadMetrics;
import org.infopro.spark.module.ModuleStack;
import org.infopro.spark.runtime.NativeRuntime;
import org.infopro.spark.schedule.SequentialSchedule;
import org.infopro.spark.schedule.StaggeredSchedule;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Trains InfoPro local modules on Spark in one of three schedules: simultaneous (the paper's: every batch
 * through all modules in one task, data-parallel over replicas), sequential (module after module, on spilled
 * or recomputed inputs; {@link SequentialSchedule}) or staggered (modules pipelined over waves;
 * {@link StaggeredSchedule}). The driver owns the module state, checkpoints it, validates on executors and
 * writes metrics.jsonl, the inference model and result.json.
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
        long t0 = System.nanoTime();
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        ShardReader reader = ShardReader.open(spark, cfg.dataset());
        DatasetManifest manifest = reader.manifest();
        BatchAssembler assembler = new BatchAssembler(manifest, cfg.transform());
        int[] input = assembler.outputShape();
        ResNetSpec spec = new ResNetSpec(cfg.depth(), input[0], input[1], input[2], manifest.numClasses());
        List<ModulePlan> plans = ModulePlan.plan(spec, cfg.splits(), cfg.effectiveLambda());
        ModuleStack.Setup setup = new ModuleStack.Setup(spec, plans,
                new Hyper(cfg.seed(), cfg.learningRate(), cfg.momentum(), cfg.weightDecay()), cfg.head());

        Path out = new Path(cfg.out());
        Path resultPath = new Path(out, RESULT);
        Checkpoint.Saved saved = null;
        if (cfg.parallel().resume()) {
            // checked before anything in --out is touched: a refused resume leaves the run as it was
            saved = Checkpoint.read(new Path(out, CHECKPOINT), setup, conf);
            checkResumable(cfg, saved, out);
        } else if (!prepareOutput(out, cfg.mode(), conf)) {
            return TrainResult.notRun(Status.SKIPPED, null, cfg, Map.of(), Map.of("result", resultPath.toString()),
                    Versions.of(spark));
        }
        try {
            TrainRun run = new TrainRun(cfg, spark, reader, assembler, setup, out, saved, t0);
            return train(run);
        } catch (RuntimeException e) {
            // a refused input found only now (invalid) differs from a broken run (failed) here alone in cluster modes
            TrainResult failed = TrainResult.notRun(Status.of(e), String.valueOf(e.getMessage()), cfg,
                    Map.of("total", TrainRun.seconds(t0)), Map.of("result", resultPath.toString()), Versions.of(spark));
            Fs.writeStringAtomically(resultPath, Json.pretty(failed), conf);
            throw e;
        }
    }

    private static void checkResumable(TrainConfig cfg, Checkpoint.Saved saved, Path out) {
        Object schedule = saved.config().get("schedule");
        if (schedule != null && !cfg.schedule().label().equals(schedule)) {
            throw new ConfigException("train --resume: the run in " + out + " was trained with --schedule " + schedule
                    + ", not " + cfg.schedule().label() + "; resume with --schedule " + schedule + ".");
        }
        Checkpoint.Position p = saved.position();
        boolean more = cfg.schedule() == Schedule.SIMULTANEOUS && p.epoch() < cfg.epochs();
        if (p.finished() && !more || cfg.schedule() == Schedule.SIMULTANEOUS && p.epoch() >= cfg.epochs()) {
            throw new ConfigException("train --resume: the run in " + out + " has already finished"
                    + (cfg.schedule() == Schedule.SIMULTANEOUS ? " all " + p.epoch() + " epochs" : "")
                    + "; nothing to do. Start a new run" + (cfg.schedule() == Schedule.SIMULTANEOUS
                    ? ", or raise --epochs to train further." : "."));
        }
    }

    private static TrainResult train(TrainRun run) {
        TrainConfig cfg = run.cfg;
        NativeRuntime.OneDnn onednn = NativeRuntime.oneDnn();
        LOG.info("[train] {}", onednn.describe());
        LOG.info("[train] {} schedule, {} modules, {} parameters: {}", cfg.schedule().label(), run.modules(),
                run.driverStack.modules().stream().mapToLong(m -> m.network().numParams()).sum(), describe(run.driverStack));
        double setupS = TrainRun.seconds(run.t0);

        Object plan = null;
        Object pipeline = null;
        switch (cfg.schedule()) {
            case SIMULTANEOUS:
                run.addStage(run.trainStage(0, "all modules", run.trainImages(), RoundTask.Stage.all(run.assembler, run.modules()),
                        run.testImages(), RoundTask.Stage.all(run.assembler, run.modules()), 0, 1));
                break;
            case SEQUENTIAL:
                plan = SequentialSchedule.run(run);
                break;
            case STAGGERED:
                pipeline = StaggeredSchedule.run(run);
                break;
            default:
                throw new IllegalStateException(cfg.schedule().toString());
        }
        if (run.last == null && run.resumeAt == null) {
            throw new IllegalStateException("no epoch was trained");
        }
        // the composed network, as inference runs it; the simultaneous schedule's last validation already is
        // (a resume of a run killed after its last round has no last epoch, only the final steps left)
        Double testAccuracy = run.last == null ? null : run.last.validation().testAccuracy();
        double finalEvalS = 0;
        if (cfg.schedule() != Schedule.SIMULTANEOUS || run.last == null) {
            long tv = System.nanoTime();
            List<HeadMetrics> composed = run.validate(run.testImages(), RoundTask.Stage.all(run.assembler, run.modules()));
            finalEvalS = TrainRun.seconds(tv);
            testAccuracy = composed.get(composed.size() - 1).accuracy();
            System.out.printf(Locale.ROOT, "[train] composed network: test accuracy %.4f on %d images%n", testAccuracy,
                    composed.get(composed.size() - 1).images());
        }
        run.checkpoint(run.lastPosition().done());
        run.release();
        InferenceExport.write(InferenceExport.export(run.driverStack, run.setup), new Path(run.out, MODEL), run.conf);

        Map<String, Double> ips = new LinkedHashMap<>();
        double busyS = run.trainS + run.spillS;
        ips.put("end_to_end", busyS > 0 ? run.moduleImages / busyS : 0);
        for (int k = 0; k < run.moduleNanos.length; k++) {
            ips.put("module_" + (k + 1), run.moduleNanos[k] > 0 ? run.moduleImages / (run.moduleNanos[k] / 1e9) : 0);
        }
        Map<String, Double> timings = new LinkedHashMap<>();
        timings.put("setup", setupS);
        timings.put("train", run.trainS);
        timings.put("spill", run.spillS);
        timings.put("validation", run.evalS + finalEvalS);
        timings.put("training_tasks_busy", run.taskS);
        timings.put("replica_averaging", run.syncS);
        timings.put("checkpoints", run.checkpointS);
        timings.put("total", TrainRun.seconds(run.t0));
        Map<String, String> paths = new LinkedHashMap<>();
        paths.put("out", run.out.toString());
        paths.put("metrics", run.metrics.path().toString());
        paths.put("checkpoint", new Path(run.out, CHECKPOINT).toString());
        paths.put("inference_model", new Path(run.out, MODEL).toString());
        paths.put("result", new Path(run.out, RESULT).toString());
        TrainResult result = new TrainResult(Status.OK, null, cfg.schedule().label(), cfg.asMap(), testAccuracy, run.last,
                ips, run.peakMemory, timings, run.rounds(), List.copyOf(run.stages), run.spillBytes, run.executors, plan, pipeline, paths,
                onednn.describe(), Versions.of(run.spark));
        Fs.writeStringAtomically(new Path(run.out, RESULT), Json.pretty(result), run.conf);
        return result;
    }

    /** Applies --mode to an existing output; returns false when the run should be skipped. */
    private static boolean prepareOutput(Path out, WriteMode mode, Configuration conf) {
        FileSystem fs = Fs.of(out, conf);
        try {
            if (fs.exists(out) && fs.listStatus(out).length > 0) {
                switch (mode) {
                    case SKIP:
                        return false;
                    case ERROR:
                        throw new ConfigException("train: --out " + out + " already exists and is not empty. Use --mode overwrite "
                                + "to replace it, --mode skip to keep it, or choose another --out.");
                    case OVERWRITE:
                        fs.delete(out, true);
                        break;
                    default:
                        throw new IllegalStateException(mode.toString());
                }
            }
            fs.mkdirs(out);
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare --out " + out + ": " + e.getMessage(), e);
        }
    }

    private static String describe(ModuleStack stack) {
        StringBuilder sb = new StringBuilder();
        for (var m : stack.modules()) {
            ModulePlan p = m.plan();
            sb.append(String.format(Locale.ROOT, "%s units %d..%d -> %s %s params; ", p.name(), p.firstUnit(), p.lastUnit(),
                    java.util.Arrays.toString(p.outputShape()), m.network().numParams()));
        }
        return sb.toString();
    }
}
