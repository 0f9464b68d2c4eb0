package org.infopro.spark.schedule;

import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.util.SerializableConfiguration;
import org.infopro.data.config.ConfigException;
import org.infopro.spark.spill.SpillStore;
import org.infopro.data.shard.LabeledImage;
import org.infopro.spark.checkpoint.Checkpoint;
import org.infopro.spark.metrics.EpochMetrics;
import org.infopro.spark.metrics.Progress;
import org.infopro.spark.module.HeadMetrics;
import org.infopro.spark.module.ModuleState;
import org.infopro.spark.train.RoundTask;
import org.infopro.spark.train.TrainConfig;
import org.infopro.spark.train.TrainResult;
import org.infopro.spark.train.TrainRun;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The staggered schedule (the paper's asynchronous InfoPro, closest to decoupled greedy learning): training is
 * cut into chunks of a wave's steps ({@code --wave-fraction} of an epoch) and pipelined. In wave w, module k
 * trains chunk w-k as task k of one Spark job, all modules at once (on different executors when there are
 * several), on the outputs module k-1 produced for that chunk in wave w-1, and writes its own for wave w+1.
 * The pipeline fills in K-1 waves and drains in K-1; module k lags module 1 by k waves. The driver keeps every
 * module's state, checkpoints after every wave, and validates the composed network whenever the last module has
 * finished an epoch.
 */
public final class StaggeredSchedule {
    /** result.json's pipeline figures. */
    public record Pipeline(int modules, int stepsPerEpoch, int stepsPerWave, int chunksPerEpoch, int chunks, int waves,
                           int fillWaves, int lagWaves, int lagSteps, double meanWaveS, double imagesPerS,
                           double moduleBusyFraction, long handoffBytesPerChunk, List<Double> moduleTaskS) {
    }

    private StaggeredSchedule() {
    }

    public static Pipeline run(TrainRun run) {
        TrainConfig cfg = run.cfg;
        int k = run.modules();
        JavaRDD<LabeledImage> images = run.trainImages();
        int n = (int) images.count();
        int stepsPerEpoch = (n + cfg.batchSize() - 1) / cfg.batchSize();
        int stepsPerWave = Math.max(1, (int) Math.ceil(stepsPerEpoch * cfg.pipeline().waveFraction()));
        WaveTask.Chunks chunks = new WaveTask.Chunks(n, cfg.batchSize(), stepsPerEpoch, stepsPerWave, cfg.epochs());
        int waves = chunks.total() + k - 1;
        Path blocks = new Path(SequentialSchedule.spillRoot(run), "waves");
        int start = 0;
        if (run.resumeAt != null) {
            if (run.resumeAt.stepsPerEpoch() != stepsPerEpoch) {
                throw new ConfigException("train --resume: the checkpoint was made with " + run.resumeAt.stepsPerEpoch()
                        + " steps per epoch, this run has " + stepsPerEpoch + "; resume with the run's own --batch-size and --limit.");
            }
            start = run.resumeAt.stage();
            for (int m = 0; m < k; m++) {
                if (start - m >= chunks.total()) {
                    System.out.printf("[train] module %d/%d: finished in the checkpoint, not retrained%n", m + 1, k);
                }
            }
        }
        System.out.printf(Locale.ROOT, "[train] staggered: %d modules, %d waves of %d steps (%d per epoch), pipeline fills in "
                + "%d waves; module k trains a chunk k-1 waves after module 1%n", k, waves, stepsPerWave, chunks.perEpoch(), k - 1);

        // partition 0 carries the training images to module 1, partitions 1..K-1 are the other modules' tasks
        JavaRDD<LabeledImage> slots = images.union(run.jsc.parallelize(new ArrayList<LabeledImage>(), k - 1));
        SerializableConfiguration conf = new SerializableConfiguration(run.conf);
        long t0 = System.nanoTime();
        double trainS = 0;
        double evalS = 0;
        double busyS = 0;
        long lastModuleImages = 0;
        long[] moduleImages = new long[k];
        long[] steps = new long[k];
        long[] nanos = new long[k];
        double[] loss = new double[k];
        long[] totalNanos = new long[k];
        double[] taskS = new double[k];
        long peak = 0;
        long sinceLine = System.nanoTime();
        for (int w = start; w < waves; w++) {
            long tw = System.nanoTime();
            Broadcast<List<ModuleState>> b = run.jsc.broadcast(run.state());
            List<WaveTask.Outcome> outcomes = slots.mapPartitionsWithIndex(
                    new WaveTask(run.setup, run.assembler, b, w, chunks, blocks, cfg.pipeline().store(), conf, cfg), false).collect();
            b.destroy();
            List<ModuleState> next = new ArrayList<>(run.state());
            for (WaveTask.Outcome o : outcomes) {
                next.set(o.module(), o.state());
                moduleImages[o.module()] += o.images();
                steps[o.module()] += o.steps();
                nanos[o.module()] += o.nanos();
                totalNanos[o.module()] += o.nanos();
                loss[o.module()] += o.lossSum();
                busyS += o.taskNanos() / 1e9;
                taskS[o.module()] += o.taskNanos() / 1e9;
                peak = Math.max(peak, o.peakMemoryBytes());
                run.noteExecutor(o.executor());
                if (o.module() == k - 1) {
                    lastModuleImages += o.images();
                }
            }
            run.setState(next);
            run.countRound();
            run.checkpoint(new Checkpoint.Position(w + 1, 0, 0, stepsPerEpoch, 1, run.rounds(), false));
            double waveS = TrainRun.seconds(tw);
            trainS += waveS;
            if (!cfg.pipeline().keepSpill()) {
                for (WaveTask.Outcome o : outcomes) {
                    if (o.module() > 0) {
                        SpillStore.delete(WaveTask.block(blocks, o.chunk(), o.module()), run.conf);
                    }
                }
            }
            System.out.printf(Locale.ROOT, "[train] staggered wave %d/%d | modules %s busy | %.1f s | elapsed %s | ETA %s%n", w + 1,
                    waves, active(outcomes), waveS, Progress.duration(TrainRun.seconds(run.t0)),
                    Progress.duration(trainS / (w + 1 - start) * (waves - w - 1)));
            int lastChunk = w - (k - 1);
            if (lastChunk >= 0 && (lastChunk + 1) % chunks.perEpoch() == 0) {
                long tv = System.nanoTime();
                List<HeadMetrics> val = run.validate(run.testImages(), RoundTask.Stage.all(run.assembler, k));
                double vs = TrainRun.seconds(tv);
                evalS += vs;
                int epoch = chunks.epochOf(lastChunk);
                double lineS = TrainRun.seconds(sinceLine) - vs;
                run.recordLine(metrics(run, epoch, (double) (w + 1) / waves, moduleImages, steps, nanos, loss, lineS, peak, val, vs));
                java.util.Arrays.fill(moduleImages, 0);
                java.util.Arrays.fill(steps, 0);
                java.util.Arrays.fill(nanos, 0);
                java.util.Arrays.fill(loss, 0);
                sinceLine = System.nanoTime();
            }
        }
        if (!cfg.pipeline().keepSpill()) {
            SpillStore.delete(blocks, run.conf);
        }
        double wall = TrainRun.seconds(t0);
        run.addTimes(trainS, evalS, lastModuleImages, totalNanos, peak, busyS);
        run.addStage(new TrainResult.StageReport("staggered waves", trainS, evalS, 0, 0, lastModuleImages,
                lastModuleImages / Math.max(trainS, 1e-9)));
        int ran = waves - start;
        long handoff = 0;
        for (int m = 0; m + 1 < k; m++) {
            int[] s = run.setup.plans().get(m).outputShape();
            handoff += (long) stepsPerWave * cfg.batchSize() * s[0] * s[1] * s[2] * cfg.pipeline().store().precision().bytes();
        }
        return new Pipeline(k, stepsPerEpoch, stepsPerWave, chunks.perEpoch(), chunks.total(), waves, k - 1, k - 1,
                (k - 1) * stepsPerWave, ran > 0 ? trainS / ran : 0, lastModuleImages / Math.max(trainS, 1e-9),
                busyS / Math.max(1e-9, k * trainS), handoff, java.util.Arrays.stream(taskS).boxed().toList());
    }

    private static String active(List<WaveTask.Outcome> outcomes) {
        StringBuilder sb = new StringBuilder();
        outcomes.stream().mapToInt(WaveTask.Outcome::module).sorted().forEach(m -> sb.append(sb.length() == 0 ? "" : ",").append(m + 1));
        return sb.toString();
    }

    private static EpochMetrics metrics(TrainRun run, int epoch, double progress, long[] images, long[] steps, long[] nanos,
                                        double[] loss, double trainS, long peak, List<HeadMetrics> val, double evalS) {
        List<EpochMetrics.ModuleTraining> mt = new ArrayList<>();
        for (int m = 0; m < images.length; m++) {
            double s = nanos[m] / 1e9;
            mt.add(new EpochMetrics.ModuleTraining(m + 1, steps[m] > 0 ? loss[m] / steps[m] : Double.NaN, s, s > 0 ? images[m] / s : 0));
        }
        long lastImages = images[images.length - 1];
        return new EpochMetrics(epoch + 1, run.cfg.epochs(), "staggered", progress,
                run.cfg.learningRateSchedule().at(epoch, 0, 1),
                new EpochMetrics.Training(lastImages, steps[steps.length - 1], trainS, lastImages / Math.max(trainS, 1e-9), peak, mt),
                TrainRun.validation(val, 0, evalS), TrainRun.seconds(run.t0));
    }
}
