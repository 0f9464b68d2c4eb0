package org.infopro.spark.train;

import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.infopro.data.shard.BatchAssembler;
import org.infopro.data.shard.ImageBatch;
import org.infopro.data.shard.LabeledImage;
import org.infopro.spark.module.HeadMetrics;
import org.infopro.spark.module.ModuleStack;
import org.infopro.spark.module.ModuleState;
import org.infopro.spark.runtime.GpuBinding;
import org.infopro.spark.runtime.NativeRuntime;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;

/**
 * Validation of modules {@code first..last} (all of them for the composed network) on one partition; partial
 * sums are reduced on the driver.
 */
public final class EvalTask<T> implements FlatMapFunction<Iterator<T>, List<HeadMetrics>> {
    private static final int BATCH = 256;

    private final ModuleStack.Setup setup;
    private final RoundTask.Stage<T> stage;
    private final Broadcast<List<ModuleState>> state;
    private final int threads;

    /** The composed network on images: every module, as inference will run it. */
    public static EvalTask<LabeledImage> all(ModuleStack.Setup setup, BatchAssembler assembler,
                                             Broadcast<List<ModuleState>> state, int threads) {
        return new EvalTask<>(setup, RoundTask.Stage.all(assembler, setup.plans().size()), state, threads);
    }

    public EvalTask(ModuleStack.Setup setup, RoundTask.Stage<T> stage, Broadcast<List<ModuleState>> state, int threads) {
        this.setup = setup;
        this.stage = stage;
        this.state = state;
        this.threads = threads;
    }

    @Override
    public Iterator<List<HeadMetrics>> call(Iterator<T> it) {
        NativeRuntime.useThreads(threads);
        GpuBinding.bindCurrentTask();
        List<T> images = new ArrayList<>();
        it.forEachRemaining(images::add);
        if (images.isEmpty()) {
            return Collections.emptyIterator();
        }
        ModuleStack stack = setup.build();
        stack.load(state.value());
        List<HeadMetrics> sums = null;
        for (int from = 0; from < images.size(); from += BATCH) {
            try (ImageBatch batch = stage.source().assemble(images, from, Math.min(images.size(), from + BATCH), null, stack)) {
                List<HeadMetrics> m = stack.evaluate(batch, stage.first(), stage.last());
                sums = sums == null ? m : add(sums, m);
            }
        }
        return List.of(sums).iterator();
    }

    public static List<HeadMetrics> add(List<HeadMetrics> a, List<HeadMetrics> b) {
        List<HeadMetrics> out = new ArrayList<>(a.size());
        for (int i = 0; i < a.size(); i++) {
            out.add(a.get(i).plus(b.get(i)));
        }
        return out;
    }
}
