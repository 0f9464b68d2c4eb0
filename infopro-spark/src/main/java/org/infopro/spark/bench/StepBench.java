package org.infopro.spark.bench;

import org.infopro.spark.metrics.TaskMemory;
import org.infopro.spark.module.SyntheticBatch;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.memory.MemoryUseMode;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.infopro.data.shard.ImageBatch;
import org.infopro.spark.module.LocalModule;
import org.infopro.spark.module.ModuleStack;
import org.infopro.spark.runtime.NativeMemory;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.factory.Nd4j;


/**
 * Times and sizes training steps of a {@link ModuleStack} on synthetic batches (speed and memory do not
 * depend on pixel values). Memory is ND4J's own accounting ({@link TaskMemory}), read after the timed steps:
 * <ul>
 *   <li>workspace bytes: the capacity of every ND4J workspace of the training thread. DL4J keeps each
 *       training step's activations, gradients and working memory in these workspaces, which grow to the
 *       largest step they have served and are shared by all modules of the thread, so the capacity is the
 *       high-water mark of activation memory;</li>
 *   <li>parameter and updater bytes of all modules (they persist between steps);</li>
 *   <li>peak = workspaces + parameters + updater state + the largest hand-off and batch.</li>
 * </ul>
 * DL4J's static estimate ({@code getMemoryReport}, training, no cache) is reported beside it, summed over
 * the modules for the network and its maximum over modules for what has to be live at once.
 */
public final class StepBench {

    /**
     * What the benchmark measured. {@code imagesPerS} is over all timed steps; {@code warmupSeconds} are the
     * untimed steps' times ({@code steady}: warm-up ended by the {@link SteadyState} rule, not at its maximum),
     * {@code stepSeconds} the timed ones; {@code trainableParams} per module excludes batch norm's running
     * statistics, which DL4J stores as parameters ({@code bnStatistics}, summed over modules).
     */
    public record Result(int steps, int batch, double imagesPerS, double[] moduleSeconds, long workspaceBytes,
                         java.util.Map<String, Long> workspaces, long parameterBytes, long updaterBytes, long batchBytes,
                         long peakBytes, long dl4jEstimateSumBytes, long dl4jEstimateMaxBytes, double[] warmupSeconds,
                         boolean steady, double[] stepSeconds, long[] trainableParams, long bnStatistics) {
    }

    private StepBench() {
    }

    /** Runs {@code warmup} then {@code steps} timed training steps on one batch of size {@code batch}. */
    public static Result run(ModuleStack.Setup setup, int batch, int warmup, int steps) {
        return run(setup, batch, SteadyState.fixed(warmup), steps, (phase, step, s) -> { });
    }

    /** Sees every step's time: phase "warm-up" or "timed", the 1-based step within it, seconds. */
    public interface StepListener {
        void step(String phase, int step, double seconds);
    }

    /** Warms up until {@code warmup} says so, then runs {@code steps} timed training steps on one batch. */
    public static Result run(ModuleStack.Setup setup, int batch, SteadyState warmup, int steps, StepListener listener) {
        return run(setup, batch, warmup, steps, listener, setup.modules());
    }

    /**
     * As {@link #run(ModuleStack.Setup, int, SteadyState, int, StepListener)}, but training only the first {@code modules}
     * modules (the rest are built, never run), so the figures are those of that prefix: which module sets the peak.
     */
    public static Result run(ModuleStack.Setup setup, int batch, SteadyState warmup, int steps, StepListener listener, int modules) {
        var spec = setup.spec();
        int[] in0 = spec.inputShape();
        // workspaces are per thread and grow lazily: start from none so the capacities measure this stack only
        NativeMemory.freshThread();
        try (ModuleStack stack = setup.build()) {
            return measure(stack, spec, in0, batch, warmup, steps, listener, modules);
        }
    }

    private static Result measure(ModuleStack stack, org.infopro.spark.model.Trunk spec, int[] in0, int batch, SteadyState warmup,
                                  int steps, StepListener listener, int k) {
        long[] nanos = new long[k];
        double[] warm = new double[warmup.maxSteps()];
        double[] timed = new double[steps];
        int warmed = 0;
        double seconds;
        long batchBytes;
        try (ImageBatch b = SyntheticBatch.of(batch, in0[0], in0[1], in0[2], spec.numClasses(), 7)) {
            batchBytes = TaskMemory.bytes(b.features()) + TaskMemory.bytes(b.pixels01()) + TaskMemory.bytes(b.labels());
            while (warmed == 0 || !warmup.done(warm, warmed)) {
                long t = System.nanoTime();
                stack.trainStep(b, 0, k - 1, new long[k]);
                warm[warmed++] = (System.nanoTime() - t) / 1e9;
                listener.step("warm-up", warmed, warm[warmed - 1]);
            }
            long t0 = System.nanoTime();
            for (int i = 0; i < steps; i++) {
                long t = System.nanoTime();
                stack.trainStep(b, 0, k - 1, nanos);
                timed[i] = (System.nanoTime() - t) / 1e9;
                listener.step("timed", i + 1, timed[i]);
            }
            seconds = (System.nanoTime() - t0) / 1e9;
        }
        long ws = TaskMemory.workspaceBytes();
        long params = 0;
        long maxHandoff = 0;
        long estSum = 0;
        long estMax = 0;
        long[] trainable = new long[k];
        long bnStats = 0;
        for (int i = 0; i < k; i++) {
            LocalModule m = stack.module(i);
            params += m.network().numParams() * 4L;
            long stats = bnStatistics(m.network());
            trainable[i] = m.network().numParams() - stats;
            bnStats += stats;
            int[] out = m.plan().outputShape();
            if (!m.plan().isLast()) {
                maxHandoff = Math.max(maxHandoff, 4L * batch * out[0] * out[1] * out[2]);
            }
            int[] in = m.plan().inputShape();
            long est = m.network().getConfiguration()
                    .getMemoryReport(InputType.convolutional(in[1], in[2], in[0]))
                    .getTotalMemoryBytes(batch, MemoryUseMode.TRAINING, CacheMode.NONE, DataType.FLOAT);
            estSum += est;
            estMax = Math.max(estMax, est);
        }
        double[] perModule = new double[k];
        for (int i = 0; i < k; i++) {
            perModule[i] = nanos[i] / 1e9;
        }
        long updater = TaskMemory.persistentBytes(stack.modules().subList(0, k).stream().map(LocalModule::network).toList()) - params;
        long peak = ws + params + updater + maxHandoff + batchBytes;
        java.util.Map<String, Long> byName = new java.util.TreeMap<>();
        for (MemoryWorkspace w : Nd4j.getWorkspaceManager().getAllWorkspacesForCurrentThread()) {
            byName.merge(w.getId(), w.getCurrentSize(), Long::sum);
        }
        return new Result(steps, batch, (double) steps * batch / seconds, perModule, ws, byName, params, updater, batchBytes,
                peak, estSum, estMax, java.util.Arrays.copyOf(warm, warmed), warmup.reached(warm, warmed), timed, trainable, bnStats);
    }

    /** Batch norm's running mean and variance (or log-std), which DL4J keeps among a network's parameters. */
    public static long bnStatistics(ComputationGraph net) {
        long n = 0;
        for (Layer l : net.getLayers()) {
            if (l instanceof org.deeplearning4j.nn.layers.normalization.BatchNormalization) {
                for (var e : l.paramTable().entrySet()) {
                    if (STATISTICS.contains(e.getKey())) {
                        n += e.getValue().length();
                    }
                }
            }
        }
        return n;
    }

    /** Parameters the optimiser trains: all of DL4J's parameters but batch norm's running statistics. */
    public static long trainableParams(ComputationGraph net) {
        return net.numParams() - bnStatistics(net);
    }

    private static final java.util.Set<String> STATISTICS = java.util.Set.of(BatchNormalizationParamInitializer.GLOBAL_MEAN,
            BatchNormalizationParamInitializer.GLOBAL_VAR, BatchNormalizationParamInitializer.GLOBAL_LOG_STD);
}
