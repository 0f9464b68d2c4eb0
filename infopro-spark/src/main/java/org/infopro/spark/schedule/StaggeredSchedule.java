package org.infopro.spark.schedule;

import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.util.SerializableConfiguration;
import org.infopro.data.config.ConfigException;
import org.infopro.data.shard.ShardChunk;
import org.infopro.spark.checkpoint.Checkpoint;
import org.infopro.spark.config.TrainConfig;
import org.infopro.spark.measure.HeadMetrics;
import org.infopro.spark.metrics.EpochMetrics;
import org.infopro.spark.metrics.EpochTotals;
import org.infopro.spark.metrics.Progress;
import org.infopro.spark.metrics.RoundSync;
import org.infopro.spark.metrics.StageReport;
import org.infopro.spark.module.ModuleState;
import org.infopro.spark.spill.SpillStore;
import org.infopro.spark.task.Segment;
import org.infopro.spark.task.WaveTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The staggered schedule (the paper's asynchronous InfoPro, closest to decoupled greedy learning): training is
 * cut into chunks of a wave's steps ({@code --wave-fraction} of an epoch) and pipelined. In wave w, module k
 * trains chunk w-k, all modules at once (on different executors when there are several), on the outputs module
 * k-1 produced for that chunk in wave w-1, and writes its own for wave w+1. Each module is data-parallel over
 * {@code --replicas} R: one Spark job per wave runs K x R tasks ({@link WaveTask}), replica r of every module
 * training on replica r's batches of an R-replica simultaneous run, and after the wave the driver averages each
 * module's R states, as the simultaneous schedule does every {@code --sync-steps} steps. The pipeline fills in
 * K-1 waves and drains in K-1; module k lags module 1 by k waves. The driver keeps every module's state,
 * checkpoints after every wave, and validates the composed network whenever the last module has finished an
 * epoch.
 */
public final class StaggeredSchedule implements Schedule {
    private static final Logger LOG = LoggerFactory.getLogger(StaggeredSchedule.class);

    @Override
    public ScheduleReport run(RunContext ctx) {
        TrainConfig cfg = ctx.cfg();
        int k = ctx.modules();
        int r = cfg.parallel().replicas();
        int n = (int) ctx.data().trainCount();
        int stepsPerEpoch = RoundLoop.stepsPerEpoch(ctx.data().perReplica(), r, cfg.batchSize());
        int stepsPerWave = Math.max(1, (int) Math.ceil(stepsPerEpoch * cfg.pipeline().waveFraction()));
        WaveTask.Chunks chunks = new WaveTask.Chunks(n, cfg.batchSize(), stepsPerEpoch, stepsPerWave, cfg.epochs(),
                cfg.stepsIn(cfg.epochs() - 1, stepsPerEpoch), r);
        int waves = chunks.total() + k - 1;
        Path blocks = new Path(SpillRoot.of(ctx), "waves");
        int start = resumeWave(ctx, stepsPerEpoch, r, chunks);
        LOG.info(String.format(Locale.ROOT, "[train] staggered: %d modules x %d replica(s) = %d tasks per wave, %d waves of %d steps "
                + "(%d per epoch), pipeline fills in %d waves; module k trains a chunk k-1 waves after module 1%s", k, r, k * r, waves,
                stepsPerWave, chunks.perEpoch(), k - 1, r > 1 ? "; each module's replicas are averaged after every wave" : ""));
        int cores = ctx.jsc().defaultParallelism();
        if (k * r > cores) {
            LOG.warn("[train] staggered: {} tasks per wave but {} task slots: Spark runs a wave's tasks in turns, so waves take "
                    + "longer; give the run {} cores, or fewer --replicas", k * r, cores, k * r);
        }

        // partition p = module * R + replica: 0..R-1 carry the replicas' training image chunks to module 1, the rest are empty
        JavaRDD<List<ShardChunk>> slots = ctx.data().shares(ctx.jsc())
                .union(ctx.jsc().parallelize(new ArrayList<List<ShardChunk>>(), (k - 1) * r));
        if (slots.getNumPartitions() != k * r) {
            throw new IllegalStateException("staggered: expected " + k * r + " partitions per wave (" + k + " modules x " + r
                    + " replicas), got " + slots.getNumPartitions());
        }
        SerializableConfiguration conf = new SerializableConfiguration(ctx.conf());
        double trainS = 0;
        double evalS = 0;
        long lastModuleImages = 0;
        double[] taskS = new double[k];
        int peakTasks = 0;
        EpochTotals epoch = new EpochTotals(k);
        long sinceLine = System.nanoTime();
        for (int w = start; w < waves; w++) {
            long tw = System.nanoTime();
            int wave = w;
            List<WaveTask.Outcome> outcomes = ctx.withState(b -> slots.mapPartitionsWithIndex(new WaveTask(ctx.setup(), ctx.assembler(),
                    b, wave, chunks, blocks, cfg.pipeline().store(), conf, ctx.taskSettings()), false).collect());
            long ts = System.nanoTime();
            List<ModuleState> next = new ArrayList<>(ctx.store().state());
            for (int m = 0; m < k; m++) {
                int module = m;
                List<WaveTask.Outcome> replicas = outcomes.stream().filter(o -> o.module() == module).toList();
                if (!replicas.isEmpty()) {
                    next.set(m, average(m, replicas, r));
                }
            }
            double syncS = RoundLoop.seconds(ts);
            peakTasks = Math.max(peakTasks, outcomes.size());
            for (WaveTask.Outcome o : outcomes) {
                epoch.add(o.stats(), o.module(), o.module());
                taskS[o.module()] += o.stats().taskNanos() / 1e9;
                if (o.module() == k - 1) {
                    lastModuleImages += o.stats().images();
                }
            }
            ctx.store().set(next);
            ctx.listener().onRound(outcomes.stream().map(WaveTask.Outcome::stats).toList(),
                r > 1 ? RoundSync.averaged(syncS, 0, 0) : RoundSync.NONE);
            ctx.store().checkpoint(new Checkpoint.Position(w + 1, 0, 0, stepsPerEpoch, r, ctx.store().rounds() + 1, false));
            double waveS = RoundLoop.seconds(tw);
            trainS += waveS;
            if (!cfg.pipeline().keepSpill()) {
                outcomes.stream().filter(o -> o.module() > 0)
                        .forEach(o -> SpillStore.delete(WaveTask.block(blocks, o.chunk(), o.module(), o.replica()), ctx.conf()));
            }
            LOG.info(String.format(Locale.ROOT, "[train] staggered wave %d/%d | modules %s busy (%d of %d tasks) | %.1f s%s | elapsed %s "
                    + "| ETA %s", w + 1, waves, active(outcomes), outcomes.size(), k * r, waveS,
                    r > 1 ? String.format(Locale.ROOT, " (replicas averaged in %.2f s)", syncS) : "", Progress.duration(ctx.elapsedS()),
                    Progress.duration(trainS / (w + 1 - start) * (waves - w - 1))));
            int lastChunk = w - (k - 1);
            if (lastChunk >= 0 && ((lastChunk + 1) % chunks.perEpoch() == 0 || lastChunk + 1 == chunks.total())) {
                long tv = System.nanoTime();
                List<HeadMetrics> val = ctx.validate(ctx.data().test(), Segment.all(ctx.assembler(), k));
                double vs = RoundLoop.seconds(tv);
                evalS += vs;
                int e = chunks.epochOf(lastChunk);
                ctx.listener().onEpoch(new EpochMetrics(e + 1, cfg.epochs(), "staggered", (double) (w + 1) / waves,
                        cfg.learningRateSchedule().at(e, 0, stepsPerEpoch), epoch.training(0, k - 1, RoundLoop.seconds(sinceLine) - vs),
                        EpochMetrics.Validation.of(val, 0, vs), ctx.elapsedS()));
                epoch = new EpochTotals(k);
                sinceLine = System.nanoTime();
            }
        }
        if (!cfg.pipeline().keepSpill()) {
            SpillStore.delete(blocks, ctx.conf());
        }
        ctx.listener().onStage(new StageReport("staggered waves", trainS, evalS, 0, 0, lastModuleImages,
                lastModuleImages / Math.max(trainS, 1e-9)));
        return report(ctx, chunks, waves, waves - start, trainS, lastModuleImages, taskS, slots.getNumPartitions(), peakTasks);
    }

    /**
     * Module {@code m}'s new state: the mean of its replicas' states after a wave ({@link ReplicaAverage}'s arithmetic,
     * summed in double in replica order). The one place the staggered schedule synchronises replicas.
     */
    private static ModuleState average(int m, List<WaveTask.Outcome> replicas, int r) {
        if (replicas.size() != r) {
            throw new IllegalStateException("module " + (m + 1) + ": expected " + r + " replica results, got " + replicas.size());
        }
        List<ModuleState> states = replicas.stream().sorted(Comparator.comparingInt(WaveTask.Outcome::replica))
                .map(WaveTask.Outcome::state).toList();
        return ReplicaAverage.module(m, states);
    }

    /** The wave a resume starts at (0 for a new run), after checking the checkpoint cut epochs and replicas the same way. */
    private static int resumeWave(RunContext ctx, int stepsPerEpoch, int replicas, WaveTask.Chunks chunks) {
        Checkpoint.Position resume = ctx.store().resumeAt();
        if (resume == null) {
            return 0;
        }
        if (resume.stepsPerEpoch() != stepsPerEpoch || resume.replicas() != replicas) {
            throw new ConfigException("train --resume: the checkpoint was made with " + resume.replicas() + " replicas and "
                    + resume.stepsPerEpoch() + " steps per epoch, this run has " + replicas + " and " + stepsPerEpoch
                    + "; resume with the run's own --replicas, --batch-size and --limit.");
        }
        for (int m = 0; m < ctx.modules(); m++) {
            if (resume.stage() - m >= chunks.total()) {
                LOG.info("[train] module {}/{}: finished in the checkpoint, not retrained", m + 1, ctx.modules());
            }
        }
        return resume.stage();
    }

    private static StaggeredReport report(RunContext ctx, WaveTask.Chunks chunks, int waves, int ran, double trainS,
                                          long lastModuleImages, double[] taskS, int tasksPerWave, int peakTasks) {
        int k = ctx.modules();
        TrainConfig cfg = ctx.cfg();
        int r = chunks.replicas();
        long handoff = 0;
        for (int m = 0; m + 1 < k; m++) {
            int[] s = ctx.setup().plans().get(m).outputShape();
            handoff += (long) r * chunks.stepsPerWave() * cfg.batchSize() * s[0] * s[1] * s[2] * cfg.pipeline().store().precision().bytes();
        }
        double busyS = java.util.Arrays.stream(taskS).sum();
        return new StaggeredReport(k, r, tasksPerWave, peakTasks, chunks.stepsPerEpoch(), chunks.stepsPerWave(), chunks.perEpoch(),
                chunks.total(), waves, k - 1, k - 1, (k - 1) * chunks.stepsPerWave(), ran > 0 ? trainS / ran : 0,
                lastModuleImages / Math.max(trainS, 1e-9), busyS / Math.max(1e-9, (double) tasksPerWave * trainS), handoff,
                java.util.Arrays.stream(taskS).boxed().toList());
    }

    private static String active(List<WaveTask.Outcome> outcomes) {
        return outcomes.stream().mapToInt(WaveTask.Outcome::module).distinct().sorted().mapToObj(m -> Integer.toString(m + 1))
                .collect(Collectors.joining(","));
    }
}
