package org.infopro.spark.module;

import org.infopro.spark.measure.HeadMetrics;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.infopro.data.shard.ImageBatch;
import org.infopro.spark.loss.LambdaSchedule;
import org.infopro.spark.model.Hyper;
import org.infopro.spark.model.ModulePlan;
import org.infopro.spark.model.ResNetSpec;
import org.infopro.spark.model.SplitPoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.infopro.spark.loss.LossMode;
import org.infopro.spark.model.AuxNet;
import org.infopro.spark.model.HeadSpec;
import java.util.stream.Stream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Proves through the public API that InfoPro modules are gradient-isolated. */
class GradientIsolationTest {

    static ImageBatch batch(int n, int seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.rand(DataType.FLOAT, n, 1, 28, 28);
        INDArray y = Nd4j.zeros(DataType.FLOAT, n, 10);
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = (i * 3) % 10;
            y.putScalar(i, labels[i], 1f);
        }
        return new ImageBatch(x.sub(0.5f), x, y, labels);
    }

    static ModuleStack stack(String splits) {
        return stack(splits, LossMode.INFOPRO_SOFTMAX, AuxNet.C1F2, LambdaSchedule.parse("5,1,1,1"));
    }

    static ModuleStack stack(String splits, LossMode mode, AuxNet aux, LambdaSchedule lambda) {
        ResNetSpec spec = new ResNetSpec(8, 28, 28, 1, 10);
        List<ModulePlan> plans = ModulePlan.plan(spec, SplitPoint.parseList(splits), lambda);
        return new ModuleStack.Setup(spec, plans, new Hyper(3, 0.1, 0.9, 1e-4), HeadSpec.of(mode, aux)).build();
    }

    private static List<float[]> params(ModuleStack s) {
        List<float[]> p = new ArrayList<>();
        for (LocalModule m : s.modules()) {
            p.add(m.network().params().toFloatVector());
        }
        return p;
    }

    /** Every loss mode, each with an auxiliary net it is used with. */
    static Stream<Arguments> lossModes() {
        return Stream.of(
                Arguments.of(LossMode.GREEDY, AuxNet.C0F1, new LambdaSchedule(0, 1, 0, 1)),
                Arguments.of(LossMode.INFOPRO_SOFTMAX, AuxNet.C1F2, new LambdaSchedule(5, 1, 1, 1)),
                Arguments.of(LossMode.INFOPRO_SOFTMAX, AuxNet.C2F2, new LambdaSchedule(5, 0, 1, 1)),
                Arguments.of(LossMode.INFOPRO_CONTRAST, AuxNet.C1F2, new LambdaSchedule(5, 1, 0, 2)),
                Arguments.of(LossMode.INFOPRO_CONTRAST, AuxNet.C1F3, new LambdaSchedule(0, 1, 1, 1)));
    }

    /** Module states after {@code steps} training steps of modules {@code 0..last} on batches 10, 11, ... */
    private static List<ModuleState> trained(ModuleStack s, int last, int steps) {
        long[] nanos = new long[s.modules().size()];
        for (int step = 0; step < steps; step++) {
            try (ImageBatch b = batch(16, 10 + step)) {
                s.trainStep(b, 0, last, nanos);
            }
        }
        return s.state();
    }

    /**
     * Gradient isolation as the method means it: module 1 learns exactly what it would learn alone. Two stacks
     * built from one setup (so bit-identical initial weights) see the same batches; in one, modules 2 and 3 train
     * on the hand-offs of the modules before them, in the other only module 1 trains. After several steps module
     * 1's parameters, momentum and counters must be bit-identical.
     *
     * <p>This can fail, unlike a check that one module's update leaves the others' parameters alone (every module
     * is its own network, so that holds by construction). If module 2's loss reached module 1 (modules 1 and 2 in
     * one graph, or module 2 backpropagating into the activation module 1 produced), module 1's first update would
     * already carry module 2's gradient. If the hand-off shared memory with module 1 (a view of its activations,
     * or of a workspace both networks use on this thread), or the modules shared mutable state (an updater, a
     * random stream, an iteration counter), module 1's trajectory would depend on whether module 2 trains. Handing
     * on the raw activation instead of {@link Handoff#detach}'s copy makes this test fail (module 2's forward pass
     * errors on it). That the comparison is not vacuous is checked too: modules 2 and 3 learned
     * in the first run and kept their initial weights in the second.
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("lossModes")
    void moduleOneLearnsTheSameWhetherOrNotLaterModulesTrainOnItsOutput(LossMode mode, AuxNet aux, LambdaSchedule lambda) {
        List<ModuleState> initial = stack("1,0;2,0", mode, aux, lambda).state();
        List<ModuleState> all = trained(stack("1,0;2,0", mode, aux, lambda), 2, 4);
        List<ModuleState> alone = trained(stack("1,0;2,0", mode, aux, lambda), 0, 4);

        assertArrayEquals(alone.get(0).params(), all.get(0).params(), "module 1 parameters");
        assertArrayEquals(alone.get(0).updater(), all.get(0).updater(), "module 1 momentum");
        assertEquals(alone.get(0).iterations(), all.get(0).iterations(), "module 1 iterations");
        assertFalse(java.util.Arrays.equals(initial.get(0).params(), alone.get(0).params()), "module 1 learned");
        for (int k = 1; k < 3; k++) {
            assertFalse(java.util.Arrays.equals(initial.get(k).params(), all.get(k).params()), "module " + (k + 1) + " learned");
            assertArrayEquals(initial.get(k).params(), alone.get(k).params(), "module " + (k + 1) + " was not trained");
        }
    }

    @Test
    void handedOffTensorHasNoPathBackIntoItsModule() {
        ModuleStack s = stack("2,0");
        LocalModule first = s.module(0);
        LocalModule second = s.module(1);
        try (ImageBatch b = batch(16, 2)) {
            Handoff h = first.train(Handoff.images(b.features()), b);
            INDArray a = h.activation();
            assertFalse(a.isAttached(), "the hand-off must live outside any workspace");
            assertFalse(a.isView(), "the hand-off must not be a view of the producing network's memory");
            assertArrayEquals(new long[]{16, 32, 14, 14}, a.shape());

            float[] firstParams = first.network().params().toFloatVector();
            INDArray firstView = first.network().params();
            float[] handoffBefore = a.ravel().toFloatVector();
            for (int i = 0; i < 3; i++) {
                second.train(h, b);
            }
            // module 2's backward passes and updates reached neither module 1 nor the tensor it received
            assertArrayEquals(firstParams, first.network().params().toFloatVector());
            assertArrayEquals(handoffBefore, a.ravel().toFloatVector());
            // and the tensor is storage of its own: writing to it changes nothing in module 1
            a.assign(7f);
            assertArrayEquals(firstParams, firstView.toFloatVector());
            h.close();
        }
    }

    @Test
    void eachModuleRunsOneForwardPassPerTrainingStep() {
        ModuleStack s = stack("1,0;2,0");
        long[] nanos = new long[3];
        try (ImageBatch b = batch(8, 3)) {
            for (int i = 0; i < 4; i++) {
                s.trainStep(b, nanos);
            }
        }
        for (LocalModule m : s.modules()) {
            assertEquals(4, m.forwardPasses(), m.plan().name());
        }
        for (long n : nanos) {
            assertTrue(n > 0);
        }
    }

    @Test
    void stateRoundTripReproducesTheModulesExactly() {
        ModuleStack s = stack("2,0");
        long[] nanos = new long[2];
        try (ImageBatch b = batch(16, 4)) {
            s.trainStep(b, nanos);
            s.trainStep(b, nanos);
            ModuleStack copy = stack("2,0");
            copy.load(s.state());
            List<HeadMetrics> a = s.evaluate(b);
            List<HeadMetrics> c = copy.evaluate(b);
            assertEquals(a, c);
            // the updater state (momentum) came along: one more identical step stays identical
            s.trainStep(b, nanos);
            copy.trainStep(b, nanos);
            for (int k = 0; k < 2; k++) {
                assertArrayEquals(params(s).get(k), params(copy).get(k), "module " + (k + 1));
            }
            ComputationGraph g = copy.module(0).network();
            assertEquals(s.module(0).network().getConfiguration().getIterationCount(), g.getConfiguration().getIterationCount());
        }
    }
}
