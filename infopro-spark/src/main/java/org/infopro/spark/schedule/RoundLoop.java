package org.infopro.spark.schedule;

import org.apache.spark.api.java.JavaRDD;
import org.infopro.data.config.ConfigException;
import org.infopro.spark.checkpoint.Checkpoint;
import org.infopro.spark.config.TrainConfig;
import org.infopro.spark.measure.HeadMetrics;
import org.infopro.spark.metrics.EpochMetrics;
import org.infopro.spark.metrics.EpochTotals;
import org.infopro.spark.metrics.JobMeter;
import org.infopro.spark.metrics.RoundProgress;
import org.infopro.spark.metrics.RoundSync;
import org.infopro.spark.metrics.StageReport;
import org.infopro.spark.metrics.TaskStats;
import org.infopro.spark.task.BatchSource;
import org.infopro.spark.task.RoundTask;
import org.infopro.spark.task.Segment;
import org.infopro.spark.task.TrainInput;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Locale;

/**
 * The epochs × rounds loop that the simultaneous and sequential schedules share: a stage (all modules, or one
 * sequential module) trains for the configured epochs, one Spark job per round of {@code --sync-steps} steps
 * with one {@link RoundTask} per replica; the driver averages the replicas and checkpoints after every round,
 * and validates the stage's modules after every epoch.
 */
final class RoundLoop {
    private static final Logger LOG = LoggerFactory.getLogger(RoundLoop.class);
    /** Seconds between the driver's progress lines within a round (a round shorter than this prints none but its end's). */
    static final int PROGRESS_SECONDS = 30;

    private RoundLoop() {
    }

    /**
     * What a stage trains: stage {@code stage} (the checkpoint position's stage), called {@code label}, modules
     * {@code first..last} on {@code input}'s batches of {@code data}'s partitions (one per replica), which hold
     * {@code perReplica} training items each.
     */
    record Training<T>(int stage, String label, JavaRDD<T> data, TrainInput<T> input, int first, int last, long[] perReplica) {
    }

    /**
     * Trains {@code t} and validates on {@code val} after every epoch, continuing from the resume position when it
     * lies in this stage. {@code progressFrom..progressTo} is the share of the whole run this stage stands for.
     */
    static <T, V> StageReport train(RunContext ctx, Training<T> t, JavaRDD<V> val, Segment<V> valSegment, double progressFrom,
                                    double progressTo) {
        TrainConfig cfg = ctx.cfg();
        int stage = t.stage();
        String label = t.label();
        int replicas = cfg.parallel().replicas();
        int stepsPerEpoch = stepsPerEpoch(t.perReplica(), replicas, cfg.batchSize());
        int roundSteps = cfg.parallel().syncSteps() > 0 ? Math.min(cfg.parallel().syncSteps(), stepsPerEpoch) : stepsPerEpoch;
        Checkpoint.Position resume = ctx.store().resumeAt();
        int startEpoch = 0;
        int startStep = 0;
        if (resume != null && resume.stage() == stage) {
            if (resume.stepsPerEpoch() != stepsPerEpoch || resume.replicas() != replicas) {
                throw new ConfigException("train --resume: the checkpoint was made with " + resume.replicas() + " replicas and "
                        + resume.stepsPerEpoch() + " steps per epoch, this run has " + replicas + " and " + stepsPerEpoch
                        + "; resume with the run's own --replicas, --batch-size and --limit.");
            }
            startEpoch = resume.epoch();
            startStep = resume.step();
            LOG.info("[train] resuming from {}: {}, epoch {}, step {} of {} ({} rounds done)", ctx.store().dir(), label,
                    startEpoch + 1, startStep, stepsPerEpoch, resume.rounds());
        }
        LOG.info("[train] {}: {} steps per epoch, averaged every {} steps", label, stepsPerEpoch, roundSteps);
        double stageTrainS = 0;
        double stageEvalS = 0;
        long stageImages = 0;
        for (int epoch = startEpoch; epoch < cfg.epochs(); epoch++) {
            long te = System.nanoTime();
            EpochTotals totals = new EpochTotals(ctx.modules());
            int steps = cfg.stepsIn(epoch, stepsPerEpoch); // short in the last epoch of --iterations
            for (int from = epoch == startEpoch ? startStep : 0; from < steps; from += roundSteps) {
                int to = Math.min(steps, from + roundSteps);
                round(ctx, t, new RoundTask.Round(epoch, from, to, stepsPerEpoch, replicas), totals);
            }
            if (totals.steps(t.last()) == 0) {
                continue;
            }
            double epochTrainS = seconds(te);
            stageTrainS += epochTrainS;
            stageImages += totals.images(t.last());
            long tv = System.nanoTime();
            List<HeadMetrics> metrics = ctx.validate(val, valSegment);
            double epochEvalS = seconds(tv);
            stageEvalS += epochEvalS;
            double progress = progressFrom + (progressTo - progressFrom) * (epoch + 1) / cfg.epochs();
            ctx.listener().onEpoch(new EpochMetrics(epoch + 1, cfg.epochs(), label, progress,
                    cfg.learningRateSchedule().at(epoch, 0, stepsPerEpoch), totals.training(t.first(), t.last(), epochTrainS),
                    EpochMetrics.Validation.of(metrics, valSegment.first(), epochEvalS), ctx.elapsedS()));
        }
        return new StageReport(label, stageTrainS, stageEvalS, 0, 0, stageImages,
                stageTrainS > 0 ? stageImages / stageTrainS : 0);
    }

    /**
     * One round: a task per replica, their average as the new state (reduced by Spark, {@link ReplicaReduction}), and
     * a checkpoint at the round's end.
     */
    private static <T> void round(RunContext ctx, Training<T> t, RoundTask.Round r, EpochTotals totals) {
        int stage = t.stage();
        String what = String.format(Locale.ROOT, "%s epoch %d/%d, steps %d..%d of %d", t.label(), r.epoch() + 1, ctx.cfg().epochs(),
                r.fromStep(), r.toStep(), r.stepsPerEpoch());
        ReplicaReduction.Result reduced;
        try (RoundProgress progress = new RoundProgress(ctx.spark().sparkContext(), what, (long) (r.toStep() - r.fromStep()) * r.replicas(),
                ctx.cfg().batchSize(), PROGRESS_SECONDS)) {
            reduced = ctx.withState(b -> new ReplicaReduction().average(t.data().mapPartitionsWithIndex(
                    new RoundTask<>(ctx.setup(), t.input(), t.first(), t.last(), b, r, ctx.taskSettings(), progress.steps()), false),
                    r.replicas(), ctx.store().state()));
        }
        if (reduced.stats().size() != r.replicas()) {
            throw new IllegalStateException("expected " + r.replicas() + " replica results, got " + reduced.stats().size());
        }
        long ts = System.nanoTime();
        ctx.store().set(reduced.state());
        List<TaskStats> stats = reduced.stats();
        JobMeter.Figures f = reduced.figures();
        ctx.listener().onRound(stats, RoundSync.averaged(f.afterShuffleS() + reduced.driverS() + seconds(ts), f.driverBytes(),
                f.shuffleWriteBytes()));
        stats.forEach(s -> totals.add(s, t.first(), t.last()));
        long rounds = ctx.store().rounds() + 1;
        ctx.store().checkpoint(r.toStep() == r.stepsPerEpoch()
                ? new Checkpoint.Position(stage, r.epoch() + 1, 0, r.stepsPerEpoch(), r.replicas(), rounds, false)
                : new Checkpoint.Position(stage, r.epoch(), r.toStep(), r.stepsPerEpoch(), r.replicas(), rounds, false));
    }

    /** Steps of one epoch: the largest replica's share in batches (replicas run equal batches, wrapping). */
    static int stepsPerEpoch(long[] perReplica, int replicas, int batchSize) {
        long largest = 0;
        for (long n : perReplica) {
            if (n == 0) {
                throw new ConfigException("train: --replicas " + replicas + " leaves a replica without images ("
                        + java.util.Arrays.toString(perReplica) + "); use fewer replicas.");
            }
            largest = Math.max(largest, n);
        }
        LOG.info("[train] {} replica(s) of {} images", replicas, java.util.Arrays.toString(perReplica));
        return (int) ((largest + batchSize - 1) / batchSize);
    }

    /** Items of view 0 in each of {@code data}'s partitions (the spill path, whose items sit in partitions). */
    static <T> long[] countPerPartition(JavaRDD<T> data, BatchSource<T> source) {
        return data.mapPartitions(it -> {
            long n = 0;
            while (it.hasNext()) {
                if (source.view(it.next()) == 0) {
                    n++;
                }
            }
            return List.of(n).iterator();
        }).collect().stream().mapToLong(Long::longValue).toArray();
    }

    static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }
}
