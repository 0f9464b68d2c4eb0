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

/** Validation of every module on one partition; partial sums are reduced on the driver. */
public final class EvalTask implements FlatMapFunction<Iterator<LabeledImage>, List<HeadMetrics>> {
    private static final int BATCH = 256;

    private final ModuleStack.Setup setup;
    private final BatchAssembler assembler;
    private final Broadcast<List<ModuleState>> state;
    private final int threads;

    public EvalTask(ModuleStack.Setup setup, BatchAssembler assembler, Broadcast<List<ModuleState>> state, int threads) {
        this.setup = setup;
        this.assembler = assembler;
        this.state = state;
        this.threads = threads;
    }

    @Override
    public Iterator<List<HeadMetrics>> call(Iterator<LabeledImage> it) {
        NativeRuntime.useThreads(threads);
        GpuBinding.bindCurrentTask();
        List<LabeledImage> images = new ArrayList<>();
        it.forEachRemaining(images::add);
        if (images.isEmpty()) {
            return Collections.emptyIterator();
        }
        ModuleStack stack = setup.build();
        stack.load(state.value());
        List<HeadMetrics> sums = null;
        for (int from = 0; from < images.size(); from += BATCH) {
            try (ImageBatch batch = assembler.assemble(images, from, Math.min(images.size(), from + BATCH))) {
                List<HeadMetrics> m = stack.evaluate(batch);
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
