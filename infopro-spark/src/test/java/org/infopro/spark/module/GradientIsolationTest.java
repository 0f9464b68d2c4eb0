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

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("lossModes")
    void updatingOneModuleLeavesEveryOtherModuleBitIdentical(LossMode mode, AuxNet aux, LambdaSchedule lambda) {
        ModuleStack s = stack("1,0;2,0", mode, aux, lambda);
        try (ImageBatch b = batch(16, 1)) {
            for (int k = 0; k < 3; k++) {
                // bring module k its real input: the hand-offs of the modules before it
                Handoff in = Handoff.images(b.features());
                for (int j = 0; j < k; j++) {
                    LocalModule.Evaluated e = s.module(j).evaluate(in, b);
                    in.close();
                    in = e.next();
                }
                List<float[]> before = params(s);
                Handoff out = s.module(k).train(in, b);
                List<float[]> after = params(s);
                for (int j = 0; j < 3; j++) {
                    if (j == k) {
                        assertFalse(java.util.Arrays.equals(before.get(j), after.get(j)), "module " + k + " should have learned");
                    } else {
                        assertArrayEquals(before.get(j), after.get(j), "module " + j + " changed by module " + k + "'s update");
                    }
                }
                in.close();
                if (out != null) {
                    out.close();
                }
            }
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
