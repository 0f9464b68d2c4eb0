package org.infopro.spark.train;

import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.infopro.data.shard.BatchAssembler;
import org.infopro.data.shard.ImageBatch;
import org.infopro.data.shard.LabeledImage;
import org.infopro.spark.bench.StepBench;
import org.infopro.spark.module.ModuleStack;
import org.nd4j.linalg.factory.Nd4j;
import org.infopro.spark.module.ModuleState;
import org.infopro.spark.runtime.NativeRuntime;
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
 * One training epoch inside a Spark task: builds the modules from the setup, loads the driver's state
 * from a broadcast, trains on this partition's images in a seeded order, and returns the new state with
 * the epoch's statistics.
 */
public final class EpochTask implements FlatMapFunction<Iterator<LabeledImage>, EpochTask.Outcome> {
    private static final Logger LOG = LoggerFactory.getLogger(EpochTask.class);

    /** What an epoch of training produced. */
    public record Outcome(List<ModuleState> state, long images, long steps, long[] nanosPerModule, double[] meanLoss,
                          long peakMemoryBytes) implements Serializable {
    }

    private final ModuleStack.Setup setup;
    private final BatchAssembler assembler;
    private final Broadcast<List<ModuleState>> state;
    private final int epoch;
    private final TrainConfig cfg;

    public EpochTask(ModuleStack.Setup setup, BatchAssembler assembler, Broadcast<List<ModuleState>> state, int epoch,
                     TrainConfig cfg) {
        this.setup = setup;
        this.assembler = assembler;
        this.state = state;
        this.epoch = epoch;
        this.cfg = cfg;
    }

    @Override
    public Iterator<Outcome> call(Iterator<LabeledImage> it) {
        long t0 = System.nanoTime();
        NativeRuntime.useThreads(cfg.threads());
        LearningRate lr = cfg.learningRateSchedule();
        int batchSize = cfg.batchSize();
        List<LabeledImage> images = new ArrayList<>();
        it.forEachRemaining(images::add);
        if (images.isEmpty()) {
            return Collections.emptyIterator();
        }
        Collections.shuffle(images, new Random(cfg.seed() * 7919L + epoch));
        Random augment = new Random(cfg.seed() * 104_729L + epoch);

        // workspaces are per thread and Spark reuses task threads: start from none so the peak is this task's
        Nd4j.getWorkspaceManager().destroyAllWorkspacesForCurrentThread();
        ModuleStack stack = setup.build();
        stack.load(state.value());
        int k = stack.modules().size();
        long[] nanos = new long[k];
        double[] lossSum = new double[k];
        long steps = 0;
        int total = (images.size() + batchSize - 1) / batchSize;
        for (int from = 0; from < images.size(); from += batchSize) {
            int to = Math.min(images.size(), from + batchSize);
            stack.setLearningRate(lr.at(epoch, (int) steps, total));
            try (ImageBatch batch = assembler.assemble(images, from, to, augment)) {
                stack.trainStep(batch, nanos);
            }
            for (int m = 0; m < k; m++) {
                lossSum[m] += stack.module(m).lastLoss();
            }
            steps++;
            if (cfg.logEvery() > 0 && (steps % cfg.logEvery() == 0 || steps == total)) {
                double secs = (System.nanoTime() - t0) / 1e9;
                StringBuilder sb = new StringBuilder();
                for (int m = 0; m < k; m++) {
                    sb.append(String.format(Locale.ROOT, " m%d=%.4f", m + 1, stack.module(m).lastLoss()));
                }
                LOG.info(String.format(Locale.ROOT, "[train] epoch %d/%d step %d/%d loss%s | %.1f img/s | lr %.4g",
                        epoch + 1, cfg.epochs(), steps, total, sb, to / secs, lr.at(epoch, (int) steps - 1, total)));
            }
        }
        double[] mean = new double[k];
        for (int m = 0; m < k; m++) {
            mean[m] = lossSum[m] / steps;
        }
        Outcome o = new Outcome(stack.state(), images.size(), steps, nanos, mean,
                StepBench.persistentBytes(stack) + StepBench.workspaceBytes());
        return List.of(o).iterator();
    }
}
