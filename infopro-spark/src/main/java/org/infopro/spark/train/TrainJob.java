package org.infopro.spark.train;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.infopro.data.config.ConfigException;
import org.infopro.data.io.Fs;
import org.infopro.data.io.Json;
import org.infopro.data.io.WriteMode;
import org.infopro.data.manifest.DatasetManifest;
import org.infopro.data.prep.Versions;
import org.infopro.data.shard.BatchAssembler;
import org.infopro.data.shard.KeyHash;
import org.infopro.data.shard.LabeledImage;
import org.infopro.data.shard.ShardReader;
import org.infopro.spark.checkpoint.Checkpoint;
import org.infopro.spark.metrics.EpochMetrics;
import org.infopro.spark.metrics.MetricsLog;
import org.infopro.spark.metrics.Progress;
import org.infopro.spark.model.Hyper;
import org.infopro.spark.model.InferenceExport;
import org.infopro.spark.model.ModulePlan;
import org.infopro.spark.model.ResNetSpec;
import org.infopro.spark.module.HeadMetrics;
import org.infopro.spark.module.ModuleStack;
import org.infopro.spark.module.ModuleState;
import org.infopro.spark.runtime.NativeRuntime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Trains InfoPro local modules on Spark. The driver owns the authoritative module state; each epoch is
 * one Spark job whose training task receives the state by broadcast and returns the new state, then a
 * distributed validation job measures every module and the driver records metrics and a checkpoint.
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
        Checkpoint.Saved saved = null;
        if (cfg.parallel().resume()) {
            // checked before anything in --out is touched: a refused resume leaves the run as it was
            saved = Checkpoint.read(new Path(out, CHECKPOINT), setup, conf);
            if (saved.position().epoch() >= cfg.epochs()) {
                throw new ConfigException("train --resume: the run in " + out + " has already finished all "
                        + saved.position().epoch() + " epochs; nothing to do. Raise --epochs to train further, or start a new run.");
            }
        } else if (!prepareOutput(out, cfg.mode(), conf)) {
            return new TrainResult(TrainResult.SKIPPED, null, cfg.asMap(), null, null, Map.of(), null, Map.of(),
                    Map.of("result", new Path(out, RESULT).toString()), null, Versions.of(spark));
        }
        try {
            return train(cfg, spark, reader, assembler, setup, saved, out, conf, t0);
        } catch (RuntimeException e) {
            TrainResult failed = new TrainResult(TrainResult.FAILED, String.valueOf(e.getMessage()), cfg.asMap(), null, null,
                    Map.of(), null, Map.of("total", seconds(t0)), Map.of("result", new Path(out, RESULT).toString()), null,
                    Versions.of(spark));
            Fs.writeStringAtomically(new Path(out, RESULT), Json.pretty(failed), conf);
            throw e;
        }
    }

    private static TrainResult train(TrainConfig cfg, SparkSession spark, ShardReader reader, BatchAssembler assembler,
                                     ModuleStack.Setup setup, Checkpoint.Saved saved, Path out, Configuration conf, long t0) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        NativeRuntime.OneDnn onednn = NativeRuntime.oneDnn();
        LOG.info("[train] {}", onednn.describe());

        // The training images are split into one partition per replica by a seeded hash of the key; validation
        // is spread over all cores.
        int replicas = cfg.parallel().replicas();
        long seed = cfg.seed();
        JavaRDD<LabeledImage> train = reader.images("train", cfg.limit())
                .mapToPair(img -> new Tuple2<>(KeyHash.shard(img.key(), seed, replicas), img))
                .partitionBy(new HashPartitioner(replicas))
                .values()
                .persist(StorageLevel.MEMORY_AND_DISK_SER());
        JavaRDD<LabeledImage> test = reader.images(reader.firstSplit("test", "val"), cfg.valLimit()).repartition(jsc.defaultParallelism())
                .persist(StorageLevel.MEMORY_AND_DISK_SER());
        List<Long> perReplica = train.mapPartitions(it -> {
            long n = 0;
            for (; it.hasNext(); it.next()) {
                n++;
            }
            return List.of(n).iterator();
        }).collect();
        long largest = perReplica.stream().mapToLong(Long::longValue).max().orElse(0);
        if (perReplica.stream().anyMatch(n -> n == 0)) {
            throw new ConfigException("train: --replicas " + replicas + " leaves a replica without images (" + perReplica
                    + "); use fewer replicas.");
        }
        int stepsPerEpoch = (int) ((largest + cfg.batchSize() - 1) / cfg.batchSize());
        int roundSteps = cfg.parallel().syncSteps() > 0 ? Math.min(cfg.parallel().syncSteps(), stepsPerEpoch) : stepsPerEpoch;

        ModuleStack driverStack = setup.build();
        List<ModuleState> state = driverStack.state();
        Checkpoint.Position start = new Checkpoint.Position(0, 0, stepsPerEpoch, replicas, 0);
        if (saved != null) {
            Checkpoint.Position p = saved.position();
            if (p.stepsPerEpoch() != stepsPerEpoch || p.replicas() != replicas) {
                throw new ConfigException("train --resume: the checkpoint was made with " + p.replicas() + " replicas and "
                        + p.stepsPerEpoch() + " steps per epoch, this run has " + replicas + " and " + stepsPerEpoch
                        + "; resume with the run's own --replicas, --batch-size and --limit.");
            }
            state = saved.states();
            start = p;
            LOG.info("[train] resuming from {}: epoch {}, step {} of {} ({} rounds done)", new Path(out, CHECKPOINT),
                    p.epoch() + 1, p.step(), stepsPerEpoch, p.rounds());
        }
        LOG.info("[train] {} modules, {} parameters: {}", setup.plans().size(),
                driverStack.modules().stream().mapToLong(m -> m.network().numParams()).sum(), describe(driverStack));
        LOG.info("[train] {} replica(s) of {} images, {} steps per epoch, averaged every {} steps", replicas, perReplica,
                stepsPerEpoch, roundSteps);

        MetricsLog metrics = cfg.parallel().resume() ? MetricsLog.continuing(new Path(out, METRICS), conf)
                : new MetricsLog(new Path(out, METRICS), conf);
        LearningRate lr = cfg.learningRateSchedule();
        double setupS = seconds(t0);
        double trainS = 0;
        double evalS = 0;
        long trainImages = 0;
        long[] moduleNanos = new long[setup.plans().size()];
        long peakMemory = 0;
        long rounds = start.rounds();
        EpochMetrics last = null;
        for (int epoch = start.epoch(); epoch < cfg.epochs(); epoch++) {
            long te = System.nanoTime();
            EpochTotals totals = new EpochTotals(setup.plans().size());
            for (int from = epoch == start.epoch() ? start.step() : 0; from < stepsPerEpoch; from += roundSteps) {
                int to = Math.min(stepsPerEpoch, from + roundSteps);
                Broadcast<List<ModuleState>> bState = jsc.broadcast(state);
                List<RoundTask.Outcome> outcomes = train.mapPartitionsWithIndex(
                        new RoundTask(setup, assembler, bState, epoch, from, to, stepsPerEpoch, replicas, cfg), false).collect();
                bState.destroy();
                if (outcomes.size() != replicas) {
                    throw new IllegalStateException("expected " + replicas + " replica results, got " + outcomes.size());
                }
                state = ReplicaAverage.of(outcomes);
                totals.add(outcomes);
                rounds++;
                driverStack.load(state);
                Checkpoint.write(new Path(out, CHECKPOINT), driverStack, setup, cfg.asMap(),
                        to == stepsPerEpoch ? new Checkpoint.Position(epoch + 1, 0, stepsPerEpoch, replicas, rounds)
                                : new Checkpoint.Position(epoch, to, stepsPerEpoch, replicas, rounds), conf);
            }
            if (totals.steps == 0) {
                continue;
            }
            peakMemory = Math.max(peakMemory, totals.peak);
            double epochTrainS = seconds(te);
            trainS += epochTrainS;
            trainImages += totals.images;
            for (int k = 0; k < moduleNanos.length; k++) {
                moduleNanos[k] += totals.nanos[k];
            }

            long tv = System.nanoTime();
            Broadcast<List<ModuleState>> bEval = jsc.broadcast(state);
            List<HeadMetrics> val = test.mapPartitions(new EvalTask(setup, assembler, bEval, cfg.threads())).reduce(EvalTask::add);
            bEval.destroy();
            double epochEvalS = seconds(tv);
            evalS += epochEvalS;

            last = metricsOf(epoch, cfg, lr.at(epoch, 0, 1), totals, epochTrainS, val, epochEvalS, seconds(t0));
            metrics.append(last);
            System.out.println(Progress.line(last));
        }
        if (last == null) {
            throw new IllegalStateException("no epoch was trained");
        }
        train.unpersist(false);
        test.unpersist(false);
        InferenceExport.write(InferenceExport.export(driverStack, setup), new Path(out, MODEL), conf);

        Map<String, Double> ips = new LinkedHashMap<>();
        ips.put("end_to_end", trainImages / trainS);
        for (int k = 0; k < moduleNanos.length; k++) {
            ips.put("module_" + (k + 1), trainImages / (moduleNanos[k] / 1e9));
        }
        Map<String, Double> timings = new LinkedHashMap<>();
        timings.put("setup", setupS);
        timings.put("train", trainS);
        timings.put("validation", evalS);
        timings.put("total", seconds(t0));
        Map<String, String> paths = new LinkedHashMap<>();
        paths.put("out", out.toString());
        paths.put("metrics", metrics.path().toString());
        paths.put("checkpoint", new Path(out, CHECKPOINT).toString());
        paths.put("inference_model", new Path(out, MODEL).toString());
        paths.put("result", new Path(out, RESULT).toString());
        TrainResult result = new TrainResult(TrainResult.OK, null, cfg.asMap(), last.validation().testAccuracy(), last,
                ips, peakMemory, timings, paths, onednn.describe(), Versions.of(spark));
        Fs.writeStringAtomically(new Path(out, RESULT), Json.pretty(result), conf);
        return result;
    }

    /** A training epoch's statistics summed over its rounds and replicas. */
    static final class EpochTotals {
        long images;
        long steps;
        long peak;
        final long[] nanos;
        final double[] lossSum;

        EpochTotals(int modules) {
            nanos = new long[modules];
            lossSum = new double[modules];
        }

        void add(List<RoundTask.Outcome> outcomes) {
            for (RoundTask.Outcome o : outcomes) {
                images += o.images();
                steps += o.steps();
                peak = Math.max(peak, o.peakMemoryBytes());
                for (int k = 0; k < nanos.length; k++) {
                    nanos[k] += o.nanosPerModule()[k];
                    lossSum[k] += o.lossSum()[k];
                }
            }
        }
    }

    private static EpochMetrics metricsOf(int epoch, TrainConfig cfg, double lr, EpochTotals o, double trainS,
                                          List<HeadMetrics> val, double evalS, double elapsedS) {
        List<EpochMetrics.ModuleTraining> mt = new ArrayList<>();
        for (int k = 0; k < o.nanos.length; k++) {
            double s = o.nanos[k] / 1e9;
            mt.add(new EpochMetrics.ModuleTraining(k + 1, o.lossSum[k] / o.steps, s, o.images / s));
        }
        List<EpochMetrics.ModuleValidation> mv = new ArrayList<>();
        for (int k = 0; k < val.size(); k++) {
            HeadMetrics h = val.get(k);
            mv.add(new EpochMetrics.ModuleValidation(k + 1, h.accuracy(), h.crossEntropy(), h.contrastive(), h.reconstruction()));
        }
        HeadMetrics lastModule = val.get(val.size() - 1);
        return new EpochMetrics(epoch + 1, cfg.epochs(), lr,
                new EpochMetrics.Training(o.images, o.steps, trainS, o.images / trainS, o.peak, mt),
                new EpochMetrics.Validation(lastModule.images(), evalS, lastModule.accuracy(), lastModule.crossEntropy(), mv),
                elapsedS);
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
            sb.append(String.format(java.util.Locale.ROOT, "%s units %d..%d -> %s %s params; ", p.name(), p.firstUnit(), p.lastUnit(),
                    java.util.Arrays.toString(p.outputShape()),
                    m.network().numParams()));
        }
        return sb.toString();
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }
}
