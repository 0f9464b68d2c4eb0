package org.infopro.spark.task;

import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;
import org.infopro.data.shard.ImageBatch;
import org.infopro.spark.module.Handoff;
import org.infopro.spark.module.ModuleStack;
import org.infopro.spark.module.ModuleState;
import org.infopro.spark.seed.Seeds;
import org.infopro.spark.spill.Precision;
import org.infopro.spark.spill.SpillRecord;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Random;

/**
 * Computes module {@code k}'s detached outputs (inference mode, the trained module frozen) for one partition
 * of its inputs, as spill records, streaming: the partition is read {@value #BATCH} items at a time, in its own
 * order (a shard chunk's rows, a spill file's records: the same in a retried task), and only that batch of inputs
 * and its outputs are in memory, whatever the partition's size. From images, {@code views} augmented views of
 * each batch (seeded by the view, the partition and the batch, so a retried task writes the same records); from a
 * spill of module {@code k-1} ({@code views} = 1), each spilled view in turn. The records stream out after
 * {@link #call} returns, so the task's scope closes when the partition is exhausted.
 */
public final class SpillWriteTask<T> implements Function2<Integer, Iterator<T>, Iterator<SpillRecord>> {
    private static final int BATCH = 128;

    private final ModuleStack.Setup setup;
    private final BatchSource<T> source;
    private final int module;
    private final int views;
    private final boolean augment;
    private final Precision precision;
    private final Broadcast<List<ModuleState>> state;
    private final long seed;
    private final int threads;
    private final int reclaimEverySeconds;

    public SpillWriteTask(ModuleStack.Setup setup, BatchSource<T> source, int module, int views, boolean augment,
                          Precision precision, Broadcast<List<ModuleState>> state, long seed, int threads, int reclaimEverySeconds) {
        this.setup = setup;
        this.source = source;
        this.module = module;
        this.views = views;
        this.augment = augment;
        this.precision = precision;
        this.state = state;
        this.seed = seed;
        this.threads = threads;
        this.reclaimEverySeconds = reclaimEverySeconds;
    }

    @Override
    public Iterator<SpillRecord> call(Integer partition, Iterator<T> it) {
        TaskScope scope = TaskScope.enter(threads, reclaimEverySeconds);
        ModuleStack stack = scope.stack(setup, state.value());
        return new Iterator<>() {
            private final List<T> items = new ArrayList<>(BATCH);
            private int batch;
            private int view = views;
            private List<SpillRecord> buffered = Collections.emptyList();
            private int next;
            private boolean closed;

            @Override
            public boolean hasNext() {
                while (next == buffered.size()) {
                    if (view == views) {
                        items.clear();
                        while (items.size() < BATCH && it.hasNext()) {
                            items.add(it.next());
                        }
                        if (items.isEmpty()) {
                            if (!closed) {
                                closed = true;
                                scope.close();
                            }
                            return false;
                        }
                        view = 0;
                        batch++;
                    }
                    buffered = compute(stack, items, view++, batch - 1, partition);
                    next = 0;
                    scope.stepDone();
                }
                return true;
            }

            @Override
            public SpillRecord next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return buffered.get(next++);
            }
        };
    }

    private List<SpillRecord> compute(ModuleStack stack, List<T> items, int view, int batch, int partition) {
        // negative "epochs" keep the spill's augmentation streams apart from the training steps'
        Random rng = augment ? new Random(Seeds.step(seed, -1 - view, partition, batch)) : null;
        List<String> keys = new ArrayList<>(items.size());
        int[] viewOf = new int[items.size()];
        for (int i = 0; i < items.size(); i++) {
            keys.add(source.key(items.get(i)));
            // images are view 0 and get the view drawn here; spilled records (views = 1) keep their own
            viewOf[i] = view + source.view(items.get(i));
        }
        try (ImageBatch b = source.assemble(items, 0, items.size(), rng, stack);
             Handoff h = stack.forward(b, module, module + 1)) {
            return SpillRecord.ofBatch(keys, b.labelIndices(), viewOf, WaveTask.flat(h.activation()), WaveTask.flat(b.pixels01()),
                    b.pixels() == null ? null : b.pixels().ids(), precision);
        }
    }
}
