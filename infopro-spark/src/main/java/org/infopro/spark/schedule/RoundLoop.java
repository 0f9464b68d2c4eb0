package org.infopro.spark.schedule;

import org.apache.spark.api.java.JavaRDD;
import org.infopro.data.config.ConfigException;
import org.infopro.spark.checkpoint.Checkpoint;
import org.infopro.spark.config.TrainConfig;
import org.infopro.spark.measure.HeadMetrics;
import org.infopro.spark.metrics.EpochMetrics;
import org.infopro.spark.metrics.EpochTotals;
import org.infopro.spark.metrics.JobMeter;
import org.infopro.spark.metrics.RoundSync;
import org.infopro.spark.metrics.StageReport;
import org.infopro.spark.metrics.TaskStats;
import org.infopro.spark.task.BatchSource;
import org.infopro.spark.task.RoundTask;
import org.infopro.spark.task.Segment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * The epochs × rounds loop that the simultaneous and sequential schedules share: a stage (all modules, or one
 * sequential module) trains for the configured epochs, one Spark job per round of {@code --sync-steps} steps
 * with one {@link RoundTask} per replica; the driver averages the replicas and checkpoints after every round,
 * and validates the stage's modules after every epoch.
 */
final class RoundLoop {
    private static final Logger LOG = LoggerFactory.getLogger(RoundLoop.class);

    private RoundLoop() {
    }

    /**
     * Trains stage {@code stage} (the checkpoint position's stage) on {@code data} and validates on {@code val},
     * continuing from the resume position when it lies in this stage. {@code progressFrom..progressTo} is the share
     * of the whole run this stage stands for.
     */
    static <T, V> StageReport train(RunContext ctx, int stage, String label, JavaRDD<T> data, Segment<T> segment,
                                    JavaRDD<V> val, Segment<V> valSegment, double progressFrom, double progressTo) {
        TrainConfig cfg = ctx.cfg();
        int replicas = cfg.parallel().replicas();
        int stepsPerEpoch = stepsPerEpoch(data, segment.source(), replicas, cfg.batchSize());
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
            for (int from = epoch == startEpoch ? startStep : 0; from < stepsPerEpoch; from += roundSteps) {
                int to = Math.min(stepsPerEpoch, from + roundSteps);
                round(ctx, stage, data, segment, new RoundTask.Round(epoch, from, to, stepsPerEpoch, replicas), totals);
            }
            if (totals.steps(segment.last()) == 0) {
                continue;
            }
            double epochTrainS = seconds(te);
            stageTrainS += epochTrainS;
            stageImages += totals.images(segment.last());
            long tv = System.nanoTime();
            List<HeadMetrics> metrics = ctx.validate(val, valSegment);
            double epochEvalS = seconds(tv);
            stageEvalS += epochEvalS;
            double progress = progressFrom + (progressTo - progressFrom) * (epoch + 1) / cfg.epochs();
            ctx.listener().onEpoch(new EpochMetrics(epoch + 1, cfg.epochs(), label, progress,
                    cfg.learningRateSchedule().at(epoch, 0, 1), totals.training(segment.first(), segment.last(), epochTrainS),
                    EpochMetrics.Validation.of(metrics, valSegment.first(), epochEvalS), ctx.elapsedS()));
        }
        return new StageReport(label, stageTrainS, stageEvalS, 0, 0, stageImages,
                stageTrainS > 0 ? stageImages / stageTrainS : 0);
    }

    /**
     * One round: a task per replica, their average as the new state (reduced by Spark, {@link ReplicaReduction}), and
     * a checkpoint at the round's end.
     */
    private static <T> void round(RunContext ctx, int stage, JavaRDD<T> data, Segment<T> segment, RoundTask.Round r,
                                  EpochTotals totals) {
        ReplicaReduction.Result reduced = ctx.withState(b -> new ReplicaReduction().average(data.mapPartitionsWithIndex(
                new RoundTask<>(ctx.setup(), segment, b, r, ctx.taskSettings()), false), r.replicas(), ctx.store().state()));
        if (reduced.stats().size() != r.replicas()) {
            throw new IllegalStateException("expected " + r.replicas() + " replica results, got " + reduced.stats().size());
        }
        long ts = System.nanoTime();
        ctx.store().set(reduced.state());
        List<TaskStats> stats = reduced.stats();
        JobMeter.Figures f = reduced.figures();
        ctx.listener().onRound(stats, RoundSync.averaged(f.afterShuffleS() + reduced.driverS() + seconds(ts), f.driverBytes(),
                f.shuffleWriteBytes()));
        stats.forEach(t -> totals.add(t, segment.first(), segment.last()));
        long rounds = ctx.store().rounds() + 1;
        ctx.store().checkpoint(r.toStep() == r.stepsPerEpoch()
                ? new Checkpoint.Position(stage, r.epoch() + 1, 0, r.stepsPerEpoch(), r.replicas(), rounds, false)
                : new Checkpoint.Position(stage, r.epoch(), r.toStep(), r.stepsPerEpoch(), r.replicas(), rounds, false));
    }

    /** Steps of one epoch: the largest replica's share in batches (replicas run equal batches, wrapping). */
    static <T> int stepsPerEpoch(JavaRDD<T> data, BatchSource<T> source, int replicas, int batchSize) {
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

    static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }
}
