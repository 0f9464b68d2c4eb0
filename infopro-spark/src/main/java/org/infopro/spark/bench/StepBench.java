package org.infopro.spark.bench;

import org.infopro.spark.metrics.TaskMemory;
import org.infopro.spark.module.SyntheticBatch;

import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.memory.MemoryUseMode;
import org.infopro.data.shard.ImageBatch;
import org.infopro.spark.module.LocalModule;
import org.infopro.spark.module.ModuleStack;
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

    /** What the benchmark measured. */
    public record Result(int steps, int batch, double imagesPerS, double[] moduleSeconds, long workspaceBytes,
                         java.util.Map<String, Long> workspaces, long parameterBytes, long updaterBytes, long batchBytes,
                         long peakBytes, long dl4jEstimateSumBytes, long dl4jEstimateMaxBytes) {
    }

    private StepBench() {
    }

    /** Runs {@code warmup} then {@code steps} timed training steps on one batch of size {@code batch}. */
    public static Result run(ModuleStack.Setup setup, int batch, int warmup, int steps) {
        var spec = setup.spec();
        int[] in0 = spec.inputShape();
        // workspaces are per thread and grow lazily: start from none so the capacities measure this stack only
        Nd4j.getWorkspaceManager().destroyAllWorkspacesForCurrentThread();
        ModuleStack stack = setup.build();
        int k = stack.modules().size();
        long[] nanos = new long[k];
        double seconds;
        long batchBytes;
        try (ImageBatch b = SyntheticBatch.of(batch, in0[0], in0[1], in0[2], spec.numClasses(), 7)) {
            batchBytes = TaskMemory.bytes(b.features()) + TaskMemory.bytes(b.pixels01()) + TaskMemory.bytes(b.labels());
            for (int i = 0; i < warmup; i++) {
                stack.trainStep(b, new long[k]);
            }
            long t0 = System.nanoTime();
            for (int i = 0; i < steps; i++) {
                stack.trainStep(b, nanos);
            }
            seconds = (System.nanoTime() - t0) / 1e9;
        }
        long ws = TaskMemory.workspaceBytes();
        long params = 0;
        long maxHandoff = 0;
        long estSum = 0;
        long estMax = 0;
        for (LocalModule m : stack.modules()) {
            params += m.network().numParams() * 4L;
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
        long updater = TaskMemory.persistentBytes(stack.modules().stream().map(LocalModule::network).toList()) - params;
        long peak = ws + params + updater + maxHandoff + batchBytes;
        java.util.Map<String, Long> byName = new java.util.TreeMap<>();
        for (MemoryWorkspace w : Nd4j.getWorkspaceManager().getAllWorkspacesForCurrentThread()) {
            byName.merge(w.getId(), w.getCurrentSize(), Long::sum);
        }
        return new Result(steps, batch, (double) steps * batch / seconds, perModule, ws, byName, params, updater, batchBytes,
                peak, estSum, estMax);
    }


}
