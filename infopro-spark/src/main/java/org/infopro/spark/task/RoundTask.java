package org.infopro.spark.task;

import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.util.LongAccumulator;
import org.infopro.data.shard.ImageBatch;
import org.infopro.spark.metrics.TaskStats;
import org.infopro.spark.module.ModuleStack;
import org.infopro.spark.seed.Seeds;
import org.infopro.spark.module.ModuleState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Serializable;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

/**
 * One round of training inside a Spark task, for one replica: builds the modules from the setup (never from
 * a closure-captured network), loads the driver's state from a broadcast, trains steps
 * [{@code fromStep}, {@code toStep}) of the epoch on this replica's images, and returns the new state with the
 * round's statistics. Its batches come from a {@link TrainInput}, whose steps are a pure function of (replica,
 * epoch, step), so a round's result depends on its inputs only: a retried task, or the same steps cut into
 * other rounds, computes the same thing.
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
    private final TrainInput<T> input;
    private final int first;
    private final int last;
    private final Broadcast<List<ModuleState>> state;
    private final Round round;
    private final TaskSettings settings;
    private final LongAccumulator steps;

    /** Trains modules {@code first..last} (0-based) on {@code input}'s batches, adding each step done to {@code steps}. */
    public RoundTask(ModuleStack.Setup setup, TrainInput<T> input, int first, int last, Broadcast<List<ModuleState>> state,
                     Round round, TaskSettings settings, LongAccumulator steps) {
        this.setup = setup;
        this.input = input;
        this.first = first;
        this.last = last;
        this.state = state;
        this.round = round;
        this.settings = settings;
        this.steps = steps;
    }

    @Override
    public Iterator<Outcome> call(Integer replica, Iterator<T> it) {
        try (TaskScope scope = TaskScope.enter(settings.threads(), settings.reclaimEverySeconds());
             TrainInput.Feed feed = input.open(it, replica, round, settings)) {
            ModuleStack stack = scope.stack(setup, state.value());
            int k = setup.modules();
            long[] nanos = new long[k];
            double[] lossSum = new double[k];
            long seen = 0;
            int epoch = round.epoch();
            for (int step = round.fromStep(); step < round.toStep(); step++) {
                stack.setLearningRate(settings.learningRate().at(epoch, step, round.stepsPerEpoch()));
                try (ImageBatch batch = feed.next(stack)) {
                    stack.trainStep(batch, first, last, nanos, Seeds.step(settings.seed(), epoch, replica, step));
                    seen += batch.size();
                }
                for (int m = first; m <= last; m++) {
                    double loss = stack.module(m).lastLoss();
                    DivergedException.check(loss, m, epoch, step);
                    lossSum[m] += loss;
                }
                steps.add(1);
                scope.stepDone();
                log(replica, step, stack, seen, scope);
            }
            Outcome o = new Outcome(replica, stack.state(), scope.stats(seen, round.toStep() - round.fromStep(), nanos, lossSum,
                    feed.stats()));
            return List.of(o).iterator();
        }
    }

    private void log(int replica, int step, ModuleStack stack, long seen, TaskScope scope) {
        int done = step + 1 - round.fromStep();
        int every = settings.logEvery();
        if (replica != 0 || every <= 0 || (done % every != 0 && step + 1 != round.stepsPerEpoch())) {
            return;
        }
        StringBuilder sb = new StringBuilder();
        for (int m = first; m <= last; m++) {
            sb.append(String.format(Locale.ROOT, " m%d=%.4f", m + 1, stack.module(m).lastLoss()));
        }
        int k = setup.modules();
        LOG.info(String.format(Locale.ROOT, "[train] %sepoch %d/%d step %d/%d loss%s | %.1f img/s per replica | lr %.4g",
                first == last && k > 1 ? "module " + (first + 1) + "/" + k + " " : "",
                round.epoch() + 1, settings.epochs(), step + 1, round.stepsPerEpoch(), sb, seen / scope.seconds(),
                settings.learningRate().at(round.epoch(), step, round.stepsPerEpoch())));
    }
}
