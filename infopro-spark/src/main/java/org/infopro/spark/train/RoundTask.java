package org.infopro.spark.train;

import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;
import org.infopro.data.shard.BatchAssembler;
import org.infopro.data.shard.ImageBatch;
import org.infopro.data.shard.LabeledImage;
import org.infopro.spark.bench.StepBench;
import org.infopro.spark.module.ModuleStack;
import org.infopro.spark.module.ModuleState;
import org.infopro.spark.runtime.GpuBinding;
import org.infopro.spark.runtime.NativeRuntime;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * One round of training inside a Spark task, for one replica: builds the modules from the setup (never from
 * a closure-captured network), loads the driver's state from a broadcast, trains steps
 * [{@code fromStep}, {@code toStep}) of the epoch on this replica's images, and returns the new state with the
 * round's statistics. The epoch's order of a replica's images is a seeded shuffle and each step's augmentation
 * has its own seed from (seed, epoch, replica, step), so a round's result depends on its inputs only: a
 * retried task, or the same steps cut into other rounds, computes the same thing.
 * With several replicas every replica runs the same number of full batches, wrapping around its shuffled
 * images; a single replica keeps the short last batch.
 */
public final class RoundTask<T> implements Function2<Integer, Iterator<T>, Iterator<RoundTask.Outcome>> {
    private static final Logger LOG = LoggerFactory.getLogger(RoundTask.class);

    /** What a replica's round produced, and where: the executor and its peak memory. */
    public record Outcome(int replica, List<ModuleState> state, long images, long steps, long[] nanosPerModule,
                          double[] lossSum, long peakMemoryBytes, ExecutorPeak executor, long taskNanos) implements Serializable {
    }

    /** The modules a round trains, and from what: modules {@code first..last}, fed by {@code source}. */
    public record Stage<T>(BatchSource<T> source, int first, int last, int views) implements Serializable {
        public static Stage<LabeledImage> all(BatchAssembler assembler, int modules) {
            return new Stage<>(new ImageSource(assembler, 0), 0, modules - 1, 1);
        }
    }

    private final ModuleStack.Setup setup;
    private final Stage<T> stage;
    private final Broadcast<List<ModuleState>> state;
    private final int epoch;
    private final int fromStep;
    private final int toStep;
    private final int stepsPerEpoch;
    private final int replicas;
    private final TrainConfig cfg;

    public RoundTask(ModuleStack.Setup setup, Stage<T> stage, Broadcast<List<ModuleState>> state, int epoch,
                     int fromStep, int toStep, int stepsPerEpoch, int replicas, TrainConfig cfg) {
        this.setup = setup;
        this.stage = stage;
        this.state = state;
        this.epoch = epoch;
        this.fromStep = fromStep;
        this.toStep = toStep;
        this.stepsPerEpoch = stepsPerEpoch;
        this.replicas = replicas;
        this.cfg = cfg;
    }

    /** The seed of one step's augmentation (SplitMix64 of the position). */
    public static long stepSeed(long seed, int epoch, int replica, int step) {
        long z = seed * 0x9E3779B97F4A7C15L + epoch * 1_000_003L + replica * 7_919L + step;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Override
    public Iterator<Outcome> call(Integer replica, Iterator<T> it) {
        long t0 = System.nanoTime();
        NativeRuntime.useThreads(cfg.threads());
        GpuBinding.bindCurrentTask();
        LearningRate lr = cfg.learningRateSchedule();
        int batchSize = cfg.batchSize();
        BatchSource<T> source = stage.source();
        int view = epoch % stage.views();
        List<T> images = new ArrayList<>();
        it.forEachRemaining(item -> {
            if (source.view(item) == view) {
                images.add(item);
            }
        });
        if (images.isEmpty()) {
            throw new IllegalStateException("replica " + replica + " has no training images; use fewer --replicas than images / batch size");
        }
        images.sort(java.util.Comparator.comparing(source::key));
        Collections.shuffle(images, new Random(cfg.seed() * 7919L + epoch + replica * 1_000_003L));

        // workspaces are per thread and Spark reuses task threads: start from none so the peak is this task's
        Nd4j.getWorkspaceManager().destroyAllWorkspacesForCurrentThread();
        ModuleStack stack = setup.build();
        stack.load(state.value());
        int k = stack.modules().size();
        long[] nanos = new long[k];
        double[] lossSum = new double[k];
        long seen = 0;
        List<T> batchImages = new ArrayList<>(batchSize);
        for (int step = fromStep; step < toStep; step++) {
            batchImages.clear();
            int from = step * batchSize;
            int to = replicas == 1 ? Math.min(images.size(), from + batchSize) : from + batchSize;
            for (int i = from; i < to; i++) {
                batchImages.add(images.get(i % images.size()));
            }
            stack.setLearningRate(lr.at(epoch, step, stepsPerEpoch));
            try (ImageBatch batch = source.assemble(batchImages, 0, batchImages.size(),
                    new Random(stepSeed(cfg.seed(), epoch, replica, step)), stack)) {
                stack.trainStep(batch, stage.first(), stage.last(), nanos);
            }
            seen += batchImages.size();
            for (int m = stage.first(); m <= stage.last(); m++) {
                lossSum[m] += stack.module(m).lastLoss();
            }
            int done = step + 1 - fromStep;
            if (replica == 0 && cfg.logEvery() > 0 && (done % cfg.logEvery() == 0 || step + 1 == stepsPerEpoch)) {
                double secs = (System.nanoTime() - t0) / 1e9;
                StringBuilder sb = new StringBuilder();
                for (int m = stage.first(); m <= stage.last(); m++) {
                    sb.append(String.format(Locale.ROOT, " m%d=%.4f", m + 1, stack.module(m).lastLoss()));
                }
                LOG.info(String.format(Locale.ROOT, "[train] %sepoch %d/%d step %d/%d loss%s | %.1f img/s per replica | lr %.4g",
                        stage.first() == stage.last() && k > 1 ? "module " + (stage.first() + 1) + "/" + k + " " : "", epoch + 1, cfg.epochs(), step + 1, stepsPerEpoch, sb, seen / secs, lr.at(epoch, step, stepsPerEpoch)));
            }
        }
        long peak = StepBench.persistentBytes(stack) + StepBench.workspaceBytes();
        Outcome o = new Outcome(replica, stack.state(), seen, toStep - fromStep, nanos, lossSum, peak, ExecutorPeak.here(peak),
                System.nanoTime() - t0);
        return List.of(o).iterator();
    }
}
