package org.infopro.spark.task;

import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;
import org.infopro.data.shard.ImageBatch;
import org.infopro.spark.metrics.TaskStats;
import org.infopro.spark.module.ModuleStack;
import org.infopro.spark.module.ModuleState;
import org.infopro.spark.seed.Seeds;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * One round of training inside a Spark task, for one replica: builds the modules from the setup (never from
 * a closure-captured network), loads the driver's state from a broadcast, trains steps
 * [{@code fromStep}, {@code toStep}) of the epoch on this replica's images, and returns the new state with the
 * round's statistics. The epoch's order of a replica's images and each step's augmentation come from
 * {@link Seeds}, so a round's result depends on its inputs only: a retried task, or the same steps cut into
 * other rounds, computes the same thing.
 * With several replicas every replica runs the same number of full batches, wrapping around its shuffled
 * images; a single replica keeps the short last batch.
 */
public final class RoundTask<T> implements Function2<Integer, Iterator<T>, Iterator<RoundTask.Outcome>> {
    private static final Logger LOG = LoggerFactory.getLogger(RoundTask.class);

    /** What a replica's round produced: the new state and what the task measured. */
    public record Outcome(int replica, List<ModuleState> state, TaskStats stats) implements Serializable {
    }

    /** Where a round lies: steps [{@code fromStep}, {@code toStep}) of {@code epoch}, of {@code replicas} replicas. */
    public record Round(int epoch, int fromStep, int toStep, int stepsPerEpoch, int replicas) implements Serializable {
    }

    private final ModuleStack.Setup setup;
    private final Segment<T> segment;
    private final Broadcast<List<ModuleState>> state;
    private final Round round;
    private final TaskSettings settings;

    public RoundTask(ModuleStack.Setup setup, Segment<T> segment, Broadcast<List<ModuleState>> state, Round round,
                     TaskSettings settings) {
        this.setup = setup;
        this.segment = segment;
        this.state = state;
        this.round = round;
        this.settings = settings;
    }

    @Override
    public Iterator<Outcome> call(Integer replica, Iterator<T> it) {
        try (TaskScope scope = TaskScope.enter(settings.threads())) {
            List<T> images = epochOrder(it, replica);
            ModuleStack stack = scope.stack(setup, state.value());
            int k = setup.modules();
            long[] nanos = new long[k];
            double[] lossSum = new double[k];
            long seen = 0;
            int batchSize = settings.batchSize();
            int epoch = round.epoch();
            List<T> batchImages = new ArrayList<>(batchSize);
            for (int step = round.fromStep(); step < round.toStep(); step++) {
                batchImages.clear();
                int from = step * batchSize;
                int to = round.replicas() == 1 ? Math.min(images.size(), from + batchSize) : from + batchSize;
                for (int i = from; i < to; i++) {
                    batchImages.add(images.get(i % images.size()));
                }
                stack.setLearningRate(settings.learningRate().at(epoch, step, round.stepsPerEpoch()));
                try (ImageBatch batch = segment.source().assemble(batchImages, 0, batchImages.size(),
                        new Random(Seeds.step(settings.seed(), epoch, replica, step)), stack)) {
                    stack.trainStep(batch, segment.first(), segment.last(), nanos);
                }
                seen += batchImages.size();
                for (int m = segment.first(); m <= segment.last(); m++) {
                    double loss = stack.module(m).lastLoss();
                    DivergedException.check(loss, m, epoch, step);
                    lossSum[m] += loss;
                }
                log(replica, step, stack, seen, scope);
            }
            Outcome o = new Outcome(replica, stack.state(), scope.stats(seen, round.toStep() - round.fromStep(), nanos, lossSum));
            return List.of(o).iterator();
        }
    }

    /** This replica's items of the segment's current view, in key order, then in the epoch's seeded order. */
    private List<T> epochOrder(Iterator<T> it, int replica) {
        BatchSource<T> source = segment.source();
        int view = round.epoch() % segment.views();
        List<T> images = new ArrayList<>();
        it.forEachRemaining(item -> {
            if (source.view(item) == view) {
                images.add(item);
            }
        });
        if (images.isEmpty()) {
            throw new IllegalStateException("replica " + replica + " has no training images; use fewer --replicas than images / batch size");
        }
        images.sort(Comparator.comparing(source::order));
        Seeds.shuffleEpoch(images, settings.seed(), round.epoch(), replica);
        return images;
    }

    private void log(int replica, int step, ModuleStack stack, long seen, TaskScope scope) {
        int done = step + 1 - round.fromStep();
        int every = settings.logEvery();
        if (replica != 0 || every <= 0 || (done % every != 0 && step + 1 != round.stepsPerEpoch())) {
            return;
        }
        StringBuilder sb = new StringBuilder();
        for (int m = segment.first(); m <= segment.last(); m++) {
            sb.append(String.format(Locale.ROOT, " m%d=%.4f", m + 1, stack.module(m).lastLoss()));
        }
        int k = setup.modules();
        LOG.info(String.format(Locale.ROOT, "[train] %sepoch %d/%d step %d/%d loss%s | %.1f img/s per replica | lr %.4g",
                segment.first() == segment.last() && k > 1 ? "module " + (segment.first() + 1) + "/" + k + " " : "",
                round.epoch() + 1, settings.epochs(), step + 1, round.stepsPerEpoch(), sb, seen / scope.seconds(),
                settings.learningRate().at(round.epoch(), step, round.stepsPerEpoch())));
    }
}
