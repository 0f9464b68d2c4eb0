package org.infopro.spark.task;

import org.apache.spark.TaskContext;
import org.apache.spark.util.TaskCompletionListener;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.infopro.data.shard.ImageStream;
import org.infopro.spark.metrics.ExecutorPeak;
import org.infopro.spark.metrics.TaskMemory;
import org.infopro.spark.metrics.TaskStats;
import org.infopro.spark.module.LocalModule;
import org.infopro.spark.module.ModuleStack;
import org.infopro.spark.module.ModuleState;
import org.infopro.spark.runtime.GpuBinding;
import org.infopro.spark.runtime.NativeMemory;
import org.infopro.spark.runtime.NativeRuntime;

import java.util.ArrayList;
import java.util.List;

/**
 * How every Spark task of a run (training rounds, waves, validation, spill writes, evaluation) starts and ends:
 * ND4J's native threads, the task's GPU binding, a clean slate of ND4J workspaces on the thread (Spark reuses
 * task threads, so the peak measured is the task's own), the modules the task builds, and its peak memory
 * ({@link TaskMemory}) when it reports. Closing releases the modules' native memory, the thread's workspaces and the
 * C heap's free memory ({@link NativeMemory#releaseThread}), so an idle task thread holds none while other tasks
 * run; it also happens when the Spark task completes, for tasks that return lazy iterators.
 */
public final class TaskScope implements AutoCloseable {
    private final long t0 = System.nanoTime();
    private final List<AutoCloseable> owned = new ArrayList<>();
    private final List<ComputationGraph> networks = new ArrayList<>();
    private final int reclaimEverySeconds;
    private boolean closed;

    private TaskScope(int reclaimEverySeconds) {
        this.reclaimEverySeconds = reclaimEverySeconds;
    }

    /** Enters a task on this thread with {@code threads} native threads. */
    public static TaskScope enter(int threads) {
        return enter(threads, 0);
    }

    /**
     * Enters a training task on this thread with {@code threads} native threads, whose {@link #stepDone} frees dead
     * ND4J buffers at least every {@code reclaimEverySeconds} ({@link NativeMemory#reclaim}; 0 = never).
     */
    public static TaskScope enter(int threads, int reclaimEverySeconds) {
        NativeRuntime.useThreads(threads);
        GpuBinding.bindCurrentTask();
        NativeMemory.freshThread();
        TaskScope scope = new TaskScope(reclaimEverySeconds);
        TaskContext task = TaskContext.get();
        if (task != null) {
            task.addTaskCompletionListener((TaskCompletionListener) t -> scope.close());
        }
        return scope;
    }

    /** All modules of {@code setup}, loaded with {@code state}; released when the scope closes. */
    public ModuleStack stack(ModuleStack.Setup setup, List<ModuleState> state) {
        ModuleStack s = setup.build();
        s.load(state);
        owned.add(s);
        s.modules().forEach(m -> networks.add(m.network()));
        return s;
    }

    /** Module {@code index} of {@code setup} alone, loaded with {@code state}; released when the scope closes. */
    public LocalModule module(ModuleStack.Setup setup, int index, ModuleState state) {
        LocalModule m = setup.module(index);
        m.load(state);
        owned.add(m);
        networks.add(m.network());
        return m;
    }

    /** A network the task restored itself (evaluation of an exported model); released when the scope closes. */
    public ComputationGraph network(ComputationGraph net) {
        owned.add(net::close);
        networks.add(net);
        return net;
    }

    /** After every training step: the native memory of the step's dead arrays is reclaimed when the interval is up. */
    public void stepDone() {
        NativeMemory.reclaim(reclaimEverySeconds);
    }

    /** The task's peak memory so far: its networks' parameters and updater state plus the thread's workspaces. */
    public long peakBytes() {
        return TaskMemory.peakBytes(networks);
    }

    /** The task's statistics, with its peak memory, executor and busy time up to now. */
    public TaskStats stats(long images, long steps, long[] nanosPerModule, double[] lossSum, ImageStream.Stats input) {
        long peak = peakBytes();
        return new TaskStats(images, steps, nanosPerModule, lossSum, peak, ExecutorPeak.here(peak), System.nanoTime() - t0, input);
    }

    /** Seconds since the task entered its scope. */
    public double seconds() {
        return (System.nanoTime() - t0) / 1e9;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (AutoCloseable c : owned) {
            try {
                c.close();
            } catch (Exception e) {
                throw new IllegalStateException("releasing a task's module failed: " + e.getMessage(), e);
            }
        }
        owned.clear();
        networks.clear();
        NativeMemory.releaseThread();
    }
}
