package org.infopro.spark.runtime;

import org.bytedeco.javacpp.Pointer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.infopro.spark.metrics.ProcessMemory;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NativeMemoryTest {

    @Test
    void trimReturnsFreedHeapPagesBelowTheTopToTheOs() {
        assertTrue(NativeMemory.canTrim(), "this test machine runs glibc, which has malloc_trim");
        // 3,072 blocks of 64 KiB (below glibc's mmap threshold, so they come from the heap), touched, then all freed
        // but the last: the heap cannot shrink from its top, so only malloc_trim gives the pages back
        int blocks = 3072;
        long size = 64 * 1024;
        List<Pointer> held = new ArrayList<>();
        for (int i = 0; i < blocks; i++) {
            Pointer p = Pointer.malloc(size);
            assertTrue(p.address() != 0, "malloc failed");
            Pointer.memset(p, 1, size);
            held.add(p);
        }
        for (int i = 0; i < blocks - 1; i++) {
            Pointer.free(held.get(i));
        }
        long before = ProcessMemory.residentBytes();
        assertTrue(NativeMemory.trim(), "malloc_trim released nothing");
        long after = ProcessMemory.residentBytes();
        Pointer.free(held.get(blocks - 1));
        long freed = (blocks - 1) * size;
        assertTrue(before - after > freed / 2,
                "RSS " + (before >> 20) + " -> " + (after >> 20) + " MiB; " + (freed >> 20) + " MiB were free in the heap");
    }

    @Test
    void dl4jTrainsInTheExactActivationWorkspaceOfAFreshThread() {
        NativeMemory.freshThread();
        MemoryWorkspace ours = Nd4j.getWorkspaceManager().getWorkspaceForCurrentThread(NativeMemory.TRAINING_ACTIVATIONS);
        assertEquals(AllocationPolicy.STRICT, ours.getWorkspaceConfiguration().getPolicyAllocation());

        ComputationGraph net = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.FLOAT)
                .trainingWorkspaceMode(WorkspaceMode.ENABLED).graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(8, 8, 2))
                .addLayer("c", new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.RELU).build(), "in")
                .addLayer("p", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "c")
                .addLayer("o", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build(), "p")
                .setOutputs("o").build());
        net.init();
        MultiDataSet b = new MultiDataSet(Nd4j.rand(DataType.FLOAT, 4, 2, 8, 8), Nd4j.eye(3).getRows(0, 1, 2, 0).castTo(DataType.FLOAT));
        net.fit(b);
        net.fit(b);
        assertSame(ours, Nd4j.getWorkspaceManager().getWorkspaceForCurrentThread(NativeMemory.TRAINING_ACTIVATIONS),
                "DL4J replaced the workspace");
        assertTrue(ours.getCurrentSize() > 0, "DL4J did not train in it");
        net.close();
        NativeMemory.releaseThread();
        assertTrue(Nd4j.getWorkspaceManager().getAllWorkspacesForCurrentThread().isEmpty());
    }

    @Test
    void reclaimCollectsAtMostOncePerIntervalAndNeverWhenOff() throws InterruptedException {
        assertFalse(NativeMemory.reclaim(0), "0 means off");
        Thread.sleep(2);
        assertTrue(NativeMemory.reclaim(1e-3), "more than 1 ms since the last collection");
        assertFalse(NativeMemory.reclaim(3600), "one collection an hour: the last was just now");
        Thread.sleep(20);
        assertTrue(NativeMemory.reclaim(0.01), "20 ms later, a 10 ms interval is up");
    }

    @Test
    void reclaimFreesTheNativeMemoryOfArraysNoLongerReferenced() throws InterruptedException {
        assertTrue(NativeMemory.canTrim(), "this test machine runs glibc, which has malloc_trim");
        // 2,048 arrays of 64 KiB (below glibc's mmap threshold: heap memory), filled, then unreferenced. Their native
        // memory stays allocated until a collection finds them dead and ND4J's deallocator thread frees it; then
        // malloc_trim can give it back, so the RSS after a trim tells whether it was freed.
        long bytes = 2048L * 64 * 1024;
        WeakReference<Object> probe = deadArrays(2048, 16 * 1024);
        NativeMemory.trim();
        long before = ProcessMemory.residentBytes();
        assertTrue(probe.get() != null, "no collection may have run yet (this JVM collected on its own; rerun)");
        Thread.sleep(2);
        assertTrue(NativeMemory.reclaim(1e-3));
        long after = before;
        for (int i = 0; i < 50 && before - after < bytes / 2; i++) {
            Thread.sleep(100);
            NativeMemory.trim();
            after = ProcessMemory.residentBytes();
        }
        assertTrue(probe.get() == null, "the collection did not find the arrays dead");
        assertTrue(before - after >= bytes / 2, "RSS " + (before >> 20) + " -> " + (after >> 20) + " MiB after reclaim; "
                + (bytes >> 20) + " MiB of arrays were dead");
    }

    /** {@code n} filled arrays of {@code floats} each, none referenced on return; a weak reference to the last. */
    private static WeakReference<Object> deadArrays(int n, int floats) {
        Object last = null;
        for (int i = 0; i < n; i++) {
            last = Nd4j.rand(DataType.FLOAT, floats);
        }
        return new WeakReference<>(last);
    }
}
