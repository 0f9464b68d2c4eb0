package org.infopro.spark.model;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.infopro.data.config.ConfigException;
import org.infopro.data.shard.ImageBatch;
import org.infopro.spark.module.SyntheticBatch;
import org.infopro.spark.loss.LambdaSchedule;
import org.infopro.spark.loss.LossMode;
import org.infopro.spark.module.Handoff;
import org.infopro.spark.module.LocalModule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageNetResNetTest {
    private static final Hyper HYPER = new Hyper(0, 0.05, 0.9, 1e-4);
    private static final HeadSpec SOFTMAX = HeadSpec.of(LossMode.INFOPRO_SOFTMAX, AuxNet.C1F2);

    /** Trainable parameters (DL4J also stores BN running mean and log-std as parameters). */
    private static long trainable(ComputationGraph g) {
        long n = g.numParams();
        for (Layer l : g.getLayers()) {
            if (l instanceof org.deeplearning4j.nn.layers.normalization.BatchNormalization) {
                n -= l.getParam("mean").length() + l.getParam("log10stdev").length();
            }
        }
        return n;
    }

    @ParameterizedTest(name = "ResNet-{0}")
    @CsvSource({"50, 25557032", "101, 44549160", "152, 60192808"})
    void fullSizeNetworksHaveTorchvisionsParameterCounts(int depth, long torchvision) {
        ImageNetResNetSpec spec = new ImageNetResNetSpec(depth, 64, 224, 224, 3, 1000);
        ModulePlan whole = ModulePlan.plan(spec, List.of(), new LambdaSchedule(0, 0, 0, 0)).get(0);
        ComputationGraph g = new ImageNetNetworkFactory(spec, HYPER, HeadSpec.of(LossMode.E2E, AuxNet.C1F2)).build(whole);
        assertEquals(torchvision, trainable(g));
    }

    @ParameterizedTest(name = "ResNet-{0}")
    @CsvSource({"50", "101", "152"})
    void reducedNetworksTrainAStepAsTwoInfoProModules(int depth) {
        // base width 8 instead of 64 and 32x32 input instead of 224x224; the reference's K=2 InfoPro* split
        ImageNetResNetSpec spec = new ImageNetResNetSpec(depth, 8, 32, 32, 3, 10);
        List<SplitPoint> splits = ReferenceTables.splits("infopro*-imagenet", depth, 2);
        List<ModulePlan> plans = ModulePlan.plan(spec, splits, new LambdaSchedule(5, 1, 0, 0));
        ImageNetNetworkFactory f = new ImageNetNetworkFactory(spec, HYPER, SOFTMAX);
        LocalModule first = new LocalModule(plans.get(0), f);
        LocalModule second = new LocalModule(plans.get(1), f);
        // module 1 ends inside conv3_x: 4·2·base channels at 1/8 resolution
        assertArrayEquals(new int[]{64, 4, 4}, plans.get(0).outputShape());
        try (ImageBatch b = SyntheticBatch.of(4, 3, 32, 32, 10, 3)) {
            float[] before1 = first.network().params().toFloatVector();
            float[] before2 = second.network().params().toFloatVector();
            try (Handoff h = first.train(Handoff.images(b.features()), b)) {
                assertArrayEquals(new long[]{4, 64, 4, 4}, h.activation().shape());
                float[] mid1 = first.network().params().toFloatVector();
                second.train(h, b);
                assertArrayEquals(mid1, first.network().params().toFloatVector(), "module 2's step reached module 1");
            }
            assertFalse(Arrays.equals(before1, first.network().params().toFloatVector()));
            assertFalse(Arrays.equals(before2, second.network().params().toFloatVector()));
            assertTrue(Double.isFinite(first.lastLoss()) && Double.isFinite(second.lastLoss()));
            // the decoder rebuilds the full-resolution image; the auxiliary classifier predicts the classes
            INDArrayShapes.assertOutputs(first.network(), b, new long[]{4, 3, 32, 32}, new long[]{4, 10});
        }
    }

    @Test
    void shippedImageNetLambdasAndTheMissingContrastVariant() {
        assertEquals(new LambdaSchedule(5, 0.75, 0, 0), ReferenceTables.lambda("imagenet", "infopro*", 101, 2));
        assertEquals(List.of(new SplitPoint(2, 5)), ReferenceTables.splits("infopro*-imagenet", 152, 2));
        assertThrows(ConfigException.class, () -> new ImageNetNetworkFactory(new ImageNetResNetSpec(50, 8, 32, 32, 3, 10), HYPER,
                HeadSpec.of(LossMode.INFOPRO_CONTRAST, AuxNet.C1F2)));
        assertThrows(ConfigException.class, () -> new ImageNetResNetSpec(34, 64, 224, 224, 3, 1000));
    }

    /** Output shapes of a module's heads. */
    private static final class INDArrayShapes {
        static void assertOutputs(ComputationGraph g, ImageBatch b, long[] rec, long[] aux) {
            var out = g.output(false, b.features());
            assertArrayEquals(rec, out[0].shape());
            assertArrayEquals(aux, out[1].shape());
        }
    }
}
