package org.infopro.spark.bench;

import org.infopro.data.shard.ImageBatch;
import org.infopro.spark.module.ModuleStack;
import org.infopro.spark.module.SyntheticBatch;
import org.infopro.spark.runtime.NativeMemory;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The peak memory of {@code metrics.TaskMemory} and the benchmarks is the capacity of the thread's workspaces, which is
 * the high-water mark of step memory only if no workspace still serves its arrays from outside itself. DL4J's
 * activation-gradient workspaces ({@code WS_LAYER_ACT_0..}, opened by {@code ComputationGraph.calcBackpropGradients})
 * learn their size over as many uses as the graph has vertices; until then every activation gradient of the backward
 * pass is a separate allocation that no capacity shows. End-to-end, a ResNet's backward pass uses each of them fewer
 * times than that, so two steps left them empty while InfoPro's module 2 filled the ones module 1 had opened.
 */
class TrainingStepWorkspacesTest {
    private static final String[] E2E = {"--loss", "e2e", "--splits", "none"};
    private static final String[] K2 = {"--loss", "infopro-softmax", "--splits", "infopro*-imagenet:k2", "--lambda", "imagenet/infopro*"};

    @Test
    void afterOneEndToEndStepEveryWorkspaceHoldsTheLargestUseItServed() {
        Map<String, long[]> ws = oneStep(BenchNetworks.imagenet("resnet101", 0.0625, 64, E2E), 1);
        assertEveryUseFits(ws);
        assertActivationGradientsInWorkspaces(ws);
    }

    @Test
    void afterOneStepOfModuleOneAloneEveryWorkspaceHoldsTheLargestUseItServed() {
        Map<String, long[]> ws = oneStep(BenchNetworks.imagenet("resnet101", 0.0625, 64, K2), 1);
        assertEveryUseFits(ws);
        assertActivationGradientsInWorkspaces(ws);
    }

    @Test
    void afterOneInfoProK2StepEveryWorkspaceHoldsTheLargestUseItServed() {
        Map<String, long[]> ws = oneStep(BenchNetworks.imagenet("resnet101", 0.0625, 64, K2), 2);
        assertEveryUseFits(ws);
        assertActivationGradientsInWorkspaces(ws);
    }

    /** Trains the first {@code modules} modules one step on a fresh thread; per workspace: capacity, largest use. */
    private static Map<String, long[]> oneStep(ModuleStack.Setup setup, int modules) {
        NativeMemory.freshThread();
        int[] in = setup.spec().inputShape();
        Map<String, long[]> out = new TreeMap<>();
        try (ModuleStack stack = setup.build();
             ImageBatch b = SyntheticBatch.of(2, in[0], in[1], in[2], setup.spec().numClasses(), 7)) {
            stack.trainStep(b, 0, modules - 1, new long[modules]);
            for (MemoryWorkspace w : Nd4j.getWorkspaceManager().getAllWorkspacesForCurrentThread()) {
                out.put(w.getId(), new long[]{w.getCurrentSize(), w.getMaxCycleAllocations()});
            }
        } finally {
            NativeMemory.releaseThread();
        }
        return out;
    }

    private static void assertEveryUseFits(Map<String, long[]> ws) {
        ws.forEach((id, s) -> assertTrue(s[0] >= s[1], id + " holds " + s[0] + " B but served a use of " + s[1]
                + " B from outside itself, which no workspace capacity counts: " + describe(ws)));
    }

    private static void assertActivationGradientsInWorkspaces(Map<String, long[]> ws) {
        for (int i = 0; i < 3; i++) {
            long[] s = ws.get("WS_LAYER_ACT_" + i);
            assertTrue(s != null && s[0] > 0, "WS_LAYER_ACT_" + i + " holds no activation gradients: " + describe(ws));
        }
    }

    private static String describe(Map<String, long[]> ws) {
        StringBuilder sb = new StringBuilder();
        ws.forEach((id, s) -> sb.append(id).append('=').append(s[0]).append('/').append(s[1]).append(' '));
        return sb.toString().trim();
    }
}
