package org.infopro.spark.model;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.infopro.data.config.ConfigException;
import org.infopro.spark.loss.PixelCrossEntropy;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeepLabV3NetworkFactoryTest {
    private static final Hyper HYPER = new Hyper(3, 0.01, 0.9, 5e-4);

    @Test
    void anAtrousConvolutionTakesTapsDilationApartAsComputedByHand() {
        Layers l = Layers.graph(HYPER, 0, new int[]{1, 5, 5});
        l.g.addLayer("c", l.conv(3, 1, 2, 2, 1, 1, false), Layers.INPUT);
        l.g.setOutputs("c");
        ComputationGraph net = Layers.init(l.g.build());
        net.setParams(Nd4j.ones(DataType.FLOAT, 1, 9));
        float[] v = new float[25];
        for (int i = 0; i < 25; i++) {
            v[i] = i; // pixel (r, c) holds 5r + c
        }
        assertNull(((org.deeplearning4j.nn.layers.convolution.ConvolutionLayer) net.getLayer("c")).getHelper(),
                "no oneDNN helper for a dilated convolution: libnd4j's oneDNN build refuses them");
        INDArray out = net.outputSingle(Nd4j.create(v, new long[]{1, 1, 5, 5}, DataType.FLOAT));
        assertArrayEquals(new long[]{1, 1, 5, 5}, out.shape(), "padding = dilation keeps the size");
        // centre: the taps at rows and columns 0, 2, 4: sum of 5r + c = 3·5·(0+2+4) + 3·(0+2+4) = 108
        assertEquals(108, out.getDouble(0, 0, 2, 2), 1e-4);
        // corner: only (0,0), (0,2), (2,0), (2,2) fall inside: 0 + 2 + 10 + 12
        assertEquals(24, out.getDouble(0, 0, 0, 0), 1e-4);
        // (1, 2): rows -1, 1, 3 and columns 0, 2, 4; row -1 is padding: (5 + 7 + 9) + (15 + 17 + 19)
        assertEquals(72, out.getDouble(0, 0, 1, 2), 1e-4);
        net.close();
    }

    @Test
    void theBackboneEndsAtOneEighthAndAsppConcatenatesFiveBranchesBeforeHeadsAtTheInputSize() {
        DeepLabV3Spec spec = new DeepLabV3Spec(18, 8, 64, 96, 3, 5);
        ComputationGraph net = new DeepLabV3NetworkFactory(spec, HYPER).endToEnd();
        Map<String, INDArray> acts = net.feedForward(new INDArray[]{Nd4j.rand(DataType.FLOAT, 2, 3, 64, 96)}, false, false);
        assertArrayEquals(new long[]{2, 8, 16, 24}, acts.get("stem_pool").shape());
        assertArrayEquals(new long[]{2, 16, 8, 12}, acts.get("l2b1_out").shape(), "layer 2 strides to 1/8");
        assertArrayEquals(new long[]{2, 64, 8, 12}, acts.get("l4b1_out").shape(), "layers 3 and 4 dilate instead of striding");
        assertArrayEquals(new long[]{2, 5 * 64, 8, 12}, acts.get("aspp_cat").shape(), "pooling + 1x1 + three atrous branches");
        assertArrayEquals(new long[]{2, 5, 64, 96}, acts.get("decode_up").shape());
        assertArrayEquals(new long[]{2, 5, 64, 96}, acts.get("aux_up").shape());
        INDArray pooled = acts.get("aspp_pool_up");
        assertEquals(pooled.getDouble(1, 3, 0, 0), pooled.getDouble(1, 3, 7, 11), 1e-6, "the image-pooling branch is constant");
        net.close();
    }

    @Test
    void parameterCountsEqualTheCountsDerivedFromTheDefinition() {
        for (int depth : new int[]{18, 50}) {
            DeepLabV3Spec spec = new DeepLabV3Spec(depth, 8, 32, 32, 3, 19);
            ComputationGraph net = new DeepLabV3NetworkFactory(spec, HYPER).endToEnd();
            assertEquals(derivedParams(spec), net.numParams(), "depth " + depth);
            net.close();
        }
    }

    @Test
    void trainingStepsOnMasksWithIgnoredPixelsGiveAFiniteLossThatFalls() {
        DeepLabV3Spec spec = new DeepLabV3Spec(18, 8, 32, 32, 3, 4);
        ComputationGraph net = new DeepLabV3NetworkFactory(spec, HYPER).endToEnd();
        SplittableRandom r = new SplittableRandom(5);
        int[][] masks = new int[2][32 * 32];
        for (int[] m : masks) {
            for (int i = 0; i < m.length; i++) {
                m[i] = r.nextInt(10) == 0 ? PixelCrossEntropy.IGNORE : (i % 32) / 8;
            }
        }
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 3, 32, 32);
        try (PixelCrossEntropy.Targets t = PixelCrossEntropy.targets(masks, 4, 32, 32)) {
            MultiDataSet b = new MultiDataSet(new INDArray[]{x}, new INDArray[]{t.labels(), t.labels()}, null,
                    new INDArray[]{t.mask(), t.mask()});
            net.fit(b);
            double first = net.score();
            for (int i = 0; i < 9; i++) {
                net.fit(b);
            }
            double last = net.score();
            assertTrue(Double.isFinite(first) && Double.isFinite(last), first + " -> " + last);
            assertTrue(last < first, "ten steps on one batch lower its training loss: " + first + " -> " + last);
        }
        net.close();
    }

    @Test
    void aDepthOrInputTheNetworkCannotTakeIsRefusedWithTheFix() {
        ConfigException d = assertThrows(ConfigException.class, () -> new DeepLabV3Spec(34, 64, 512, 1024, 3, 19));
        assertTrue(d.getMessage().contains("not one of 18, 50, 101"), d.getMessage());
        ConfigException s = assertThrows(ConfigException.class, () -> new DeepLabV3Spec(50, 64, 500, 1024, 3, 19));
        assertTrue(s.getMessage().contains("divisible by 8"), s.getMessage());
    }

    @Test
    void theInfoProSplitHandsModule2TheLayer3ActivationAndAddsOnlyModule1sTwoHeads() {
        DeepLabV3Spec spec = new DeepLabV3Spec(50, 8, 32, 48, 3, 6);
        assertEquals(3, spec.split(), "R-50: the reference's 13 of 23 layer-3 blocks, proportionally");
        DeepLabV3NetworkFactory f = new DeepLabV3NetworkFactory(spec, HYPER);
        ComputationGraph m1 = f.module1(1.5, 1);
        ComputationGraph m2 = f.module2();
        ComputationGraph e2e = f.endToEnd();
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 3, 32, 48);
        Map<String, INDArray> a1 = m1.feedForward(new INDArray[]{x}, false, false);
        assertArrayEquals(new long[]{2, spec.layerChannels(3), 4, 6}, a1.get(f.handoff()).shape());
        assertArrayEquals(new long[]{2, 6, 32, 48}, a1.get("inter_ce_up").shape());
        assertArrayEquals(new long[]{2, 3, 32, 48}, a1.get("dec_out").shape());
        Map<String, INDArray> a2 = m2.feedForward(new INDArray[]{a1.get(f.handoff()).dup()}, false, false);
        assertArrayEquals(new long[]{2, 6, 32, 48}, a2.get("decode_up").shape());
        assertArrayEquals(new long[]{2, 6, 32, 48}, a2.get("aux_up").shape());
        int c3 = spec.layerChannels(3);
        int inter = spec.scaled(512);
        long heads = (9L * c3 * inter + inter + 4L * inter) + ((long) inter * 6 + 6)
                + (1L * c3 * spec.scaled(128) + 4L * spec.scaled(128)) + (9L * spec.scaled(128) * spec.scaled(32) + 4L * spec.scaled(32))
                + (9L * spec.scaled(32) * 12 + 4L * 12) + (9L * 12 * 3 + 3);
        assertEquals(e2e.numParams() + heads, m1.numParams() + m2.numParams(), "the split adds head_inter and decoder_inter only");
        m1.close();
        m2.close();
        e2e.close();
    }

    @Test
    void trainingModule2OnModule1sOutputLeavesModule1Untouched() {
        DeepLabV3Spec spec = new DeepLabV3Spec(18, 8, 32, 32, 3, 4);
        DeepLabV3NetworkFactory f = new DeepLabV3NetworkFactory(spec, HYPER);
        ComputationGraph m1 = f.module1(1.5, 1);
        ComputationGraph m2 = f.module2();
        int[][] masks = new int[2][32 * 32];
        for (int[] m : masks) {
            for (int i = 0; i < m.length; i++) {
                m[i] = (i / 32) / 8;
            }
        }
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 3, 32, 32);
        try (PixelCrossEntropy.Targets t = PixelCrossEntropy.targets(masks, 4, 32, 32)) {
            INDArray m1Before = m1.params().dup();
            m1.fit(new MultiDataSet(new INDArray[]{x}, new INDArray[]{t.labels(), x}, null, new INDArray[]{t.mask(), null}));
            assertTrue(m1.params().sub(m1Before).amaxNumber().doubleValue() > 0, "module 1 trains on its own heads");
            INDArray handoff = m1.feedForward(new INDArray[]{x}, true, false).get(f.handoff()).dup();
            INDArray m1After = m1.params().dup();
            INDArray m2Before = m2.params().dup();
            m2.fit(new MultiDataSet(new INDArray[]{handoff}, new INDArray[]{t.labels(), t.labels()}, null,
                    new INDArray[]{t.mask(), t.mask()}));
            assertTrue(m2.params().sub(m2Before).amaxNumber().doubleValue() > 0, "module 2 trains");
            assertEquals(0, m1.params().sub(m1After).amaxNumber().doubleValue(), 0.0, "module 2's loss never reaches module 1");
        }
        m1.close();
        m2.close();
    }

    @Test
    void aSplitOutsideLayer3IsRefusedWithTheDefault() {
        assertEquals(13, DeepLabV3Spec.defaultSplit(101));
        assertEquals(1, DeepLabV3Spec.defaultSplit(18));
        ConfigException e = assertThrows(ConfigException.class, () -> new DeepLabV3Spec(50, 64, 512, 1024, 3, 19, 13));
        assertEquals("DeepLab-V3-R50 module 1 ends after layer-3 block 13, but layer 3 has 6 blocks: give 1 to 5 (default 3).",
                e.getMessage());
    }

    /** Parameters as DL4J counts them: conv weights (and biases), and 4 per BN channel (γ, β, running mean and variance). */
    static long derivedParams(DeepLabV3Spec s) {
        int half = s.base() / 2;
        long n = convBn(3, s.channels(), half) + convBn(3, half, half) + convBn(3, half, s.base());
        int c = s.base();
        for (int layer = 1; layer <= 4; layer++) {
            int planes = s.planes(layer);
            int out = s.layerChannels(layer);
            for (int b = 0; b < s.blocks()[layer - 1]; b++) {
                int stride = b == 0 ? DeepLabV3Spec.STRIDES[layer - 1] : 1;
                n += s.bottleneck()
                        ? convBn(1, c, planes) + convBn(3, planes, planes) + convBn(1, planes, out)
                        : convBn(3, c, out) + convBn(3, out, out);
                if (stride != 1 || c != out) {
                    n += convBn(1, c, out);
                }
                c = out;
            }
        }
        int aspp = s.scaled(512);
        n += convBn(1, c, aspp) + convBn(1, c, aspp) + 3 * convBn(3, c, aspp) + convBn(3, 5 * aspp, aspp);
        n += (long) aspp * s.numClasses() + s.numClasses();
        int fcn = s.scaled(256);
        n += convBn(3, s.layerChannels(3), fcn) + (long) fcn * s.numClasses() + s.numClasses();
        return n;
    }

    private static long convBn(int k, int in, int out) {
        return (long) k * k * in * out + 4L * out;
    }

    @Test
    void asATrunkTheSplitTableGivesModulePlansThatMatchTheFixedSplitAndGrowToWholeFrames() {
        DeepLabV3Spec spec = new DeepLabV3Spec(50, 8, 32, 64, 3, 4);
        java.util.List<SplitPoint> splits = ReferenceTables.splits("infopro*-cityscapes", 50, 2);
        assertEquals(java.util.List.of(new SplitPoint(3, 2)), splits, "R-50: 3 of 6 layer-3 blocks");
        assertEquals(spec.splitUnit(), spec.unitOf(splits.get(0)));
        assertArrayEquals(new int[]{spec.layerChannels(3), 4, 8}, spec.shapeAfter(spec.splitUnit()));
        assertArrayEquals(new int[]{8, 8, 16}, spec.shapeAfter(0), "the deep stem and its pool: 1/4");
        ConfigException late = assertThrows(ConfigException.class, () -> spec.unitOf(new SplitPoint(3, 5)));
        assertTrue(late.getMessage().contains("FCN auxiliary head") && late.getMessage().contains("[3,2]"), late.getMessage());

        org.infopro.spark.loss.LambdaSchedule lambda = org.infopro.spark.loss.LambdaSchedule.parse("1.5,1,0,0");
        org.infopro.spark.module.ModuleStack.Setup setup = new org.infopro.spark.module.ModuleStack.Setup(spec,
                ModulePlan.plan(spec, splits, lambda), HYPER, HeadSpec.of(org.infopro.spark.loss.LossMode.INFOPRO_SOFTMAX, AuxNet.C1F2));
        DeepLabV3NetworkFactory fixed = new DeepLabV3NetworkFactory(spec, HYPER);
        ComputationGraph m1 = fixed.module1(1.5, 1);
        ComputationGraph m2 = fixed.module2();
        org.infopro.spark.module.ModuleStack.Setup frames = setup.atInput(64, 128);
        try (org.infopro.spark.module.ModuleStack crops = setup.build(); org.infopro.spark.module.ModuleStack whole = frames.build()) {
            assertEquals(m1.numParams(), crops.module(0).network().numParams(), "module 1 as the fixed split builds it");
            assertEquals(m2.numParams(), crops.module(1).network().numParams(), "module 2 as the fixed split builds it");
            for (int k = 0; k < 2; k++) {
                assertEquals(crops.module(k).network().numParams(), whole.module(k).network().numParams(),
                        "module " + (k + 1) + ": the same parameters at the whole-frame size");
            }
            whole.load(crops.state());
            INDArray x = Nd4j.rand(DataType.FLOAT, 1, 3, 64, 128);
            INDArray[] out = whole.module(1).network().output(false, whole.module(0).network()
                    .feedForward(new INDArray[]{x}, false, false).get(fixed.handoff()));
            assertArrayEquals(new long[]{1, 4, 64, 128}, out[0].shape(), "decode-head probabilities at the frame size");
        } finally {
            m1.close();
            m2.close();
        }
    }

    @Test
    void dropoutMasksFollowTheStepSeedWhateverTheThreadsGeneratorDrewBefore() {
        DeepLabV3Spec spec = new DeepLabV3Spec(18, 8, 32, 64, 3, 4);
        org.infopro.spark.module.ModuleStack.Setup setup = new org.infopro.spark.module.ModuleStack.Setup(spec,
                ModulePlan.plan(spec, java.util.List.of(), org.infopro.spark.loss.LambdaSchedule.parse("0,1,0,0")), HYPER,
                HeadSpec.of(org.infopro.spark.loss.LossMode.E2E, AuxNet.C1F2));
        int[] ids = new int[2 * 32 * 64];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = (i % 64) / 16;
        }
        float[] state;
        try (org.infopro.spark.module.ModuleStack s = setup.build()) {
            state = s.module(0).state().params();
        }
        java.util.function.LongFunction<float[]> stepWith = seed -> {
            try (org.infopro.spark.module.ModuleStack s = setup.build();
                 org.infopro.data.shard.ImageBatch b = new org.infopro.data.shard.ImageBatch(Nd4j.ones(DataType.FLOAT, 2, 3, 32, 64)
                         .muli(0).addi(0.5), Nd4j.zeros(DataType.FLOAT, 2, 3, 32, 64), Nd4j.create(
                         org.infopro.data.shard.ImageBatch.PixelLabels.oneHot(ids, 4, 32 * 64, e -> "image " + e), new long[]{2, 4, 32, 64},
                         DataType.FLOAT), new int[2], org.infopro.data.shard.ImageBatch.PixelLabels.of(ids, 2, 32, 64))) {
                assertArrayEquals(state, s.module(0).state().params(), "every build starts from the same parameters");
                Nd4j.getRandom().nextLong(); // whatever the thread drew before
                s.trainStep(b, 0, 0, new long[1], seed);
                return s.module(0).state().params();
            }
        };
        float[] a = stepWith.apply(7);
        assertArrayEquals(a, stepWith.apply(7), "the same step seed: the same dropout masks");
        assertTrue(!java.util.Arrays.equals(a, stepWith.apply(8)), "another step seed: other masks");
    }
}
