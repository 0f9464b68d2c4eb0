package org.infopro.spark.task;

import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.infopro.data.shard.ImageBatch;
import org.infopro.spark.measure.HeadMetrics;
import org.infopro.spark.module.ModuleStack;
import org.infopro.spark.module.ModuleState;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;

/**
 * Validation of a segment's modules (all of them for the composed network) on one partition, read a batch at a
 * time as the partition's iterator yields it (images are decoded as they are read, never held all at once);
 * partial sums are reduced on the driver with {@link #add}.
 */
public final class EvalTask<T> implements FlatMapFunction<Iterator<T>, List<HeadMetrics>> {
    /** Images per batch: at most 256, and about 2^22 input pixels (16 MiB of floats per channel) for large frames. */
    private static final int BATCH = 256;
    private static final long PIXELS = 1L << 22;

    private final ModuleStack.Setup setup;
    private final Segment<T> segment;
    private final Broadcast<List<ModuleState>> state;
    private final int threads;
    private final int reclaimEverySeconds;

    public EvalTask(ModuleStack.Setup setup, Segment<T> segment, Broadcast<List<ModuleState>> state, int threads,
                    int reclaimEverySeconds) {
        this.setup = setup;
        this.segment = segment;
        this.state = state;
        this.threads = threads;
        this.reclaimEverySeconds = reclaimEverySeconds;
    }

    @Override
    public Iterator<List<HeadMetrics>> call(Iterator<T> it) {
        if (!it.hasNext()) {
            return Collections.emptyIterator();
        }
        try (TaskScope scope = TaskScope.enter(threads, reclaimEverySeconds)) {
            ModuleStack stack = scope.stack(setup, state.value());
            List<HeadMetrics> sums = null;
            int[] in = setup.spec().inputShape();
            int size = (int) Math.max(1, Math.min(BATCH, PIXELS / ((long) in[1] * in[2])));
            List<T> batch = new ArrayList<>(size);
            while (it.hasNext()) {
                batch.clear();
                while (it.hasNext() && batch.size() < size) {
                    batch.add(it.next());
                }
                try (ImageBatch b = segment.source().assemble(batch, 0, batch.size(), null, stack)) {
                    List<HeadMetrics> m = stack.evaluate(b, segment.first(), segment.last());
                    sums = sums == null ? m : add(sums, m);
                }
                scope.stepDone();
            }
            return List.of(sums).iterator();
        }
    }

    public static List<HeadMetrics> add(List<HeadMetrics> a, List<HeadMetrics> b) {
        List<HeadMetrics> out = new ArrayList<>(a.size());
        for (int i = 0; i < a.size(); i++) {
            out.add(a.get(i).plus(b.get(i)));
        }
        return out;
    }
}
