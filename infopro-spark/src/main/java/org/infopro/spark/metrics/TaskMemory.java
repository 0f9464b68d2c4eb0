package org.infopro.spark.metrics;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.infopro.spark.runtime.NativeMemory;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;

/**
 * The one definition of a task's peak memory, ND4J's own accounting: the parameters and updater state of the
 * networks the task holds (they persist between steps) plus the capacity of every ND4J workspace of the
 * task's thread. DL4J keeps a step's activations, gradients and working memory in those workspaces, which grow
 * to the largest step they have served, so their capacity is the high-water mark of step memory. The thread's
 * workspaces are destroyed when a task starts ({@code TaskScope}), so the figure is the task's own.
 */
public final class TaskMemory {
    private TaskMemory() {
    }

    /** Parameters plus updater state plus workspace capacities. */
    public static long peakBytes(Collection<ComputationGraph> networks) {
        return persistentBytes(networks) + workspaceBytes();
    }

    /** Capacity of every ND4J workspace of the calling thread: the high-water mark of its step memory. */
    public static long workspaceBytes() {
        return NativeMemory.workspaceBytes();
    }

    /** Parameters and updater state: the memory that persists between steps. */
    public static long persistentBytes(Collection<ComputationGraph> networks) {
        long b = 0;
        for (ComputationGraph net : networks) {
            b += bytes(net.params());
            INDArray u = net.getUpdater().getStateViewArray();
            b += u == null ? 0 : bytes(u);
        }
        return b;
    }

    public static long bytes(INDArray a) {
        return a.length() * a.dataType().width();
    }
}
