package org.infopro.spark.train;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.infopro.data.config.ConfigException;
import org.infopro.data.shard.BatchAssembler;
import org.infopro.data.shard.KeyHash;
import org.infopro.data.shard.LabeledImage;
import org.infopro.data.shard.ShardReader;
import org.infopro.spark.checkpoint.Checkpoint;
import org.infopro.spark.metrics.EpochMetrics;
import org.infopro.spark.metrics.MetricsLog;
import org.infopro.spark.metrics.Progress;
import org.infopro.spark.module.HeadMetrics;
import org.infopro.spark.module.ModuleStack;
import org.infopro.spark.module.ModuleState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The driver's side of one training run, shared by the three schedules: the authoritative module state
 * (the only copy that counts; tasks get it by broadcast and return new states), checkpoints after every
 * round, validation, metrics.jsonl, progress, and the figures result.json reports.
 */
public final class TrainRun {
    private static final Logger LOG = LoggerFactory.getLogger(TrainRun.class);

    public final TrainConfig cfg;
    public final SparkSession spark;
    public final JavaSparkContext jsc;
    public final Configuration conf;
    public final ShardReader reader;
    public final BatchAssembler assembler;
    public final ModuleStack.Setup setup;
    public final Path out;
    /** The driver's copy of the modules: loaded from {@link #state} after every round, checkpointed from it. */
    public final ModuleStack driverStack;
    public final MetricsLog metrics;
    public final long t0;
    /** Where a resume starts, or null for a new run. */
    public final Checkpoint.Position resumeAt;

    private List<ModuleState> state;
    private Checkpoint.Position lastPosition;
    private JavaRDD<LabeledImage> trainImages;
    private JavaRDD<LabeledImage> testImages;
    final Map<String, ExecutorPeak> executors = ExecutorPeak.newMap();
    final List<TrainResult.StageReport> stages = new ArrayList<>();
    final long[] moduleNanos;
    long moduleImages;
    double trainS;
    double evalS;
    double spillS;
    /** Training tasks' busy time, summed over tasks: what more executors would divide. */
    double taskS;
    /** Driver time averaging replicas (and loading the result), and writing checkpoints. */
    double syncS;
    double checkpointS;
    long spillBytes;
    long peakMemory;
    long rounds;
    EpochMetrics last;

    TrainRun(TrainConfig cfg, SparkSession spark, ShardReader reader, BatchAssembler assembler, ModuleStack.Setup setup,
             Path out, Checkpoint.Saved saved, long t0) {
        this.cfg = cfg;
        this.spark = spark;
        this.jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        this.conf = spark.sparkContext().hadoopConfiguration();
        this.reader = reader;
        this.assembler = assembler;
        this.setup = setup;
        this.out = out;
        this.t0 = t0;
        this.driverStack = setup.build();
        this.moduleNanos = new long[setup.plans().size()];
        this.metrics = saved != null ? MetricsLog.continuing(new Path(out, TrainJob.METRICS), conf)
                : new MetricsLog(new Path(out, TrainJob.METRICS), conf);
        if (saved != null) {
            state = saved.states();
            driverStack.load(state);
            resumeAt = saved.position();
            lastPosition = resumeAt;
            rounds = resumeAt.rounds();
        } else {
            state = driverStack.state();
            resumeAt = null;
        }
    }

    public List<ModuleState> state() {
        return state;
    }

    public int modules() {
        return setup.plans().size();
    }

    /** The training images, one partition per replica (a seeded hash of the key), cached for the whole run. */
    public JavaRDD<LabeledImage> trainImages() {
        if (trainImages == null) {
            int replicas = cfg.parallel().replicas();
            long seed = cfg.seed();
            trainImages = reader.images("train", cfg.limit())
                    .mapToPair(img -> new Tuple2<>(KeyHash.shard(img.key(), seed, replicas), img))
                    .partitionBy(new HashPartitioner(replicas))
                    .values()
                    .persist(StorageLevel.MEMORY_AND_DISK_SER());
        }
        return trainImages;
    }

    /** The validation images (the test split, else val), spread over all cores, cached. */
    public JavaRDD<LabeledImage> testImages() {
        if (testImages == null) {
            testImages = reader.images(reader.firstSplit("test", "val"), cfg.valLimit()).repartition(jsc.defaultParallelism())
                    .persist(StorageLevel.MEMORY_AND_DISK_SER());
        }
        return testImages;
    }

    void release() {
        if (trainImages != null) {
            trainImages.unpersist(false);
        }
        if (testImages != null) {
            testImages.unpersist(false);
        }
    }

    /** Sets the authoritative state (a finished round) and mirrors it into the driver's modules. */
    public void setState(List<ModuleState> s) {
        state = s;
        driverStack.load(s);
    }

    /** Writes the checkpoint of the current state at {@code p} (replacing the previous one atomically). */
    public void checkpoint(Checkpoint.Position p) {
        long t = System.nanoTime();
        Checkpoint.write(new Path(out, TrainJob.CHECKPOINT), driverStack, setup, cfg.asMap(), p, conf);
        lastPosition = p;
        checkpointS += seconds(t);
    }

    /** The position of the last checkpoint written (or resumed from). */
    public Checkpoint.Position lastPosition() {
        return lastPosition;
    }

    public long rounds() {
        return rounds;
    }

    /** Steps of one epoch: the largest replica's share in batches (replicas run equal batches, wrapping). */
    public static <T> int stepsPerEpoch(JavaRDD<T> data, BatchSource<T> source, int replicas, int batchSize) {
        List<Long> perReplica = data.mapPartitions(it -> {
            long n = 0;
            while (it.hasNext()) {
                if (source.view(it.next()) == 0) {
                    n++;
                }
            }
            return List.of(n).iterator();
        }).collect();
        if (perReplica.stream().anyMatch(n -> n == 0)) {
            throw new ConfigException("train: --replicas " + replicas + " leaves a replica without images (" + perReplica
                    + "); use fewer replicas.");
        }
        long largest = perReplica.stream().mapToLong(Long::longValue).max().orElse(0);
        LOG.info("[train] {} replica(s) of {} images", replicas, perReplica);
        return (int) ((largest + batchSize - 1) / batchSize);
    }

    /**
     * Trains stage {@code stage} (modules {@code st.first()..st.last()}) for the configured epochs on
     * {@code data}, one Spark job per round of {@code --sync-steps} steps with one task per replica, the
     * driver averaging the replicas and checkpointing after every round; after each epoch validates the
     * same modules on {@code val}. Continues from the resume position when it lies in this stage.
     * {@code progressFrom..progressTo} is the share of the whole run this stage stands for.
     */
    public <T, V> TrainResult.StageReport trainStage(int stage, String label, JavaRDD<T> data, RoundTask.Stage<T> st,
                                                     JavaRDD<V> val, RoundTask.Stage<V> valSt,
                                                     double progressFrom, double progressTo) {
        int replicas = cfg.parallel().replicas();
        int stepsPerEpoch = stepsPerEpoch(data, st.source(), replicas, cfg.batchSize());
        int roundSteps = cfg.parallel().syncSteps() > 0 ? Math.min(cfg.parallel().syncSteps(), stepsPerEpoch) : stepsPerEpoch;
        int startEpoch = 0;
        int startStep = 0;
        if (resumeAt != null && resumeAt.stage() == stage) {
            if (resumeAt.stepsPerEpoch() != stepsPerEpoch || resumeAt.replicas() != replicas) {
                throw new ConfigException("train --resume: the checkpoint was made with " + resumeAt.replicas() + " replicas and "
                        + resumeAt.stepsPerEpoch() + " steps per epoch, this run has " + replicas + " and " + stepsPerEpoch
                        + "; resume with the run's own --replicas, --batch-size and --limit.");
            }
            startEpoch = resumeAt.epoch();
            startStep = resumeAt.step();
            LOG.info("[train] resuming from {}: {}, epoch {}, step {} of {} ({} rounds done)", new Path(out, TrainJob.CHECKPOINT),
                    label, startEpoch + 1, startStep, stepsPerEpoch, resumeAt.rounds());
        }
        LOG.info("[train] {}: {} steps per epoch, averaged every {} steps", label, stepsPerEpoch, roundSteps);
        LearningRate lr = cfg.learningRateSchedule();
        double stageTrainS = 0;
        double stageEvalS = 0;
        long stageImages = 0;
        for (int epoch = startEpoch; epoch < cfg.epochs(); epoch++) {
            long te = System.nanoTime();
            EpochTotals totals = new EpochTotals(modules());
            for (int from = epoch == startEpoch ? startStep : 0; from < stepsPerEpoch; from += roundSteps) {
                int to = Math.min(stepsPerEpoch, from + roundSteps);
                Broadcast<List<ModuleState>> bState = jsc.broadcast(state);
                List<RoundTask.Outcome> outcomes = data.mapPartitionsWithIndex(
                        new RoundTask<>(setup, st, bState, epoch, from, to, stepsPerEpoch, replicas, cfg), false).collect();
                bState.destroy();
                if (outcomes.size() != replicas) {
                    throw new IllegalStateException("expected " + replicas + " replica results, got " + outcomes.size());
                }
                long ts = System.nanoTime();
                setState(ReplicaAverage.of(outcomes));
                syncS += seconds(ts);
                totals.add(outcomes, executors);
                rounds++;
                checkpoint(to == stepsPerEpoch ? new Checkpoint.Position(stage, epoch + 1, 0, stepsPerEpoch, replicas, rounds, false)
                        : new Checkpoint.Position(stage, epoch, to, stepsPerEpoch, replicas, rounds, false));
            }
            if (totals.steps == 0) {
                continue;
            }
            double epochTrainS = seconds(te);
            stageTrainS += epochTrainS;
            stageImages += totals.images;
            peakMemory = Math.max(peakMemory, totals.peak);
            for (int k = 0; k < moduleNanos.length; k++) {
                moduleNanos[k] += totals.nanos[k];
            }
            taskS += totals.taskNanos / 1e9;
            long tv = System.nanoTime();
            List<HeadMetrics> valMetrics = validate(val, valSt);
            double epochEvalS = seconds(tv);
            stageEvalS += epochEvalS;
            double progress = progressFrom + (progressTo - progressFrom) * (epoch + 1) / cfg.epochs();
            record(epoch, label, progress, lr.at(epoch, 0, 1), totals, st, epochTrainS, valSt, valMetrics, epochEvalS);
        }
        trainS += stageTrainS;
        evalS += stageEvalS;
        moduleImages = stageImages;
        return new TrainResult.StageReport(label, stageTrainS, stageEvalS, 0, 0, stageImages,
                stageTrainS > 0 ? stageImages / stageTrainS : 0);
    }

    /** Distributed validation of {@code st}'s modules with the current state, reduced on the driver. */
    public <V> List<HeadMetrics> validate(JavaRDD<V> val, RoundTask.Stage<V> st) {
        Broadcast<List<ModuleState>> b = jsc.broadcast(state);
        List<HeadMetrics> m = val.mapPartitions(new EvalTask<>(setup, st, b, cfg.threads())).reduce(EvalTask::add);
        b.destroy();
        return m;
    }

    /** Appends one metrics line and prints the progress line. */
    <V> void record(int epoch, String label, double progress, double lr, EpochTotals o, RoundTask.Stage<?> st, double trainS,
                    RoundTask.Stage<V> valSt, List<HeadMetrics> val, double evalS) {
        List<EpochMetrics.ModuleTraining> mt = new ArrayList<>();
        for (int k = st.first(); k <= st.last(); k++) {
            double s = o.nanos[k] / 1e9;
            mt.add(new EpochMetrics.ModuleTraining(k + 1, o.lossSum[k] / o.steps, s, o.images / s));
        }
        EpochMetrics line = new EpochMetrics(epoch + 1, cfg.epochs(), label, progress, lr,
                new EpochMetrics.Training(o.images, o.steps, trainS, o.images / trainS, o.peak, mt),
                validation(val, valSt.first(), evalS), seconds(t0));
        recordLine(line);
    }

    /** The metrics line's validation part: modules {@code first + 1 ..} from their reduced sums, the last one's accuracy. */
    public static EpochMetrics.Validation validation(List<HeadMetrics> val, int first, double seconds) {
        List<EpochMetrics.ModuleValidation> mv = new ArrayList<>();
        for (int i = 0; i < val.size(); i++) {
            HeadMetrics h = val.get(i);
            mv.add(new EpochMetrics.ModuleValidation(first + i + 1, h.accuracy(), h.crossEntropy(), h.contrastive(),
                    h.reconstruction()));
        }
        HeadMetrics last = val.get(val.size() - 1);
        return new EpochMetrics.Validation(last.images(), seconds, last.accuracy(), last.crossEntropy(), mv);
    }

    /** A training epoch's statistics summed over its rounds and replicas (or the staggered schedule's tasks). */
    public static final class EpochTotals {
        long images;
        long steps;
        long peak;
        long taskNanos;
        final long[] nanos;
        final double[] lossSum;

        public EpochTotals(int modules) {
            nanos = new long[modules];
            lossSum = new double[modules];
        }

        public void add(List<RoundTask.Outcome> outcomes, Map<String, ExecutorPeak> executors) {
            for (RoundTask.Outcome o : outcomes) {
                images += o.images();
                steps += o.steps();
                peak = Math.max(peak, o.peakMemoryBytes());
                taskNanos += o.taskNanos();
                ExecutorPeak.merge(executors, o.executor());
                for (int k = 0; k < nanos.length; k++) {
                    nanos[k] += o.nanosPerModule()[k];
                    lossSum[k] += o.lossSum()[k];
                }
            }
        }
    }

    public void noteExecutor(ExecutorPeak p) {
        ExecutorPeak.merge(executors, p);
    }

    public void countRound() {
        rounds++;
    }

    /** Appends a metrics line written by a schedule of its own and prints its progress line. */
    public void recordLine(EpochMetrics m) {
        last = m;
        metrics.append(m);
        System.out.println(Progress.line(m));
    }

    /** Adds a schedule's own training figures to the run's totals. */
    public void addTimes(double train, double validation, long images, long[] nanosPerModule, long peak, double tasks) {
        trainS += train;
        taskS += tasks;
        evalS += validation;
        moduleImages = images;
        for (int k = 0; k < moduleNanos.length; k++) {
            moduleNanos[k] += nanosPerModule[k];
        }
        peakMemory = Math.max(peakMemory, peak);
    }

    public void addStage(TrainResult.StageReport r) {
        stages.add(r);
        spillS += r.spillS();
        spillBytes += r.spillBytes();
    }

    public static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }
}
