package org.infopro.spark.model;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertNotSame;

class BilinearUpsampleTest {

    private static BilinearUpsampleLayer layer(int oh, int ow) {
        NeuralNetConfiguration conf = new NeuralNetConfiguration.Builder().layer(new BilinearUpsample("up", oh, ow)).build();
        return new BilinearUpsampleLayer(conf, DataType.FLOAT);
    }

    @Test
    void alignCornersKeepsCornersAndInterpolatesBetweenThem() {
        // 2x2 -> 3x3 with align_corners=True: corners kept, edges are pair means, the centre is the mean of all four
        INDArray x = Nd4j.createFromArray(new float[]{1, 3, 5, 11}).reshape(1, 1, 2, 2);
        BilinearUpsampleLayer up = layer(3, 3);
        up.setInput(x, LayerWorkspaceMgr.noWorkspaces());
        INDArray y = up.activate(false, LayerWorkspaceMgr.noWorkspaces());
        assertArrayEquals(new float[]{1, 2, 3, 3, 5, 7, 5, 8, 11}, y.reshape(9).toFloatVector(), 1e-6f);
    }

    @Test
    void matchesTorchAlignCornersValuesFor2To4() {
        // torch.nn.functional.interpolate(x, size=(4, 4), mode='bilinear', align_corners=True) samples input
        // position i/3 on both axes, so for x = [[0, 1], [2, 3]] the output is y[i][j] = j/3 + 2i/3.
        INDArray x = Nd4j.createFromArray(new float[]{0, 1, 2, 3}).reshape(1, 1, 2, 2);
        BilinearUpsampleLayer up = layer(4, 4);
        up.setInput(x, LayerWorkspaceMgr.noWorkspaces());
        float[] y = up.activate(false, LayerWorkspaceMgr.noWorkspaces()).reshape(16).toFloatVector();
        float[] expected = new float[16];
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                expected[i * 4 + j] = j / 3f + 2 * i / 3f;
            }
        }
        assertArrayEquals(expected, y, 1e-5f);
    }

    @Test
    void backwardIsTheExactAdjointOfForward() {
        // <f(x), g> = <x, f*(g)> for random x and g proves the backward pass is the transpose of the forward map
        Nd4j.getRandom().setSeed(5);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 2, 3, 5, 7).castTo(DataType.FLOAT);
        INDArray g = Nd4j.rand(DataType.DOUBLE, 2, 3, 11, 13).castTo(DataType.FLOAT);
        BilinearUpsampleLayer up = layer(11, 13);
        up.setInput(x, LayerWorkspaceMgr.noWorkspaces());
        INDArray y = up.activate(true, LayerWorkspaceMgr.noWorkspaces());
        INDArray dx = up.backpropGradient(g, LayerWorkspaceMgr.noWorkspaces()).getSecond();
        assertArrayEquals(x.shape(), dx.shape());
        double lhs = y.mul(g).sumNumber().doubleValue();
        double rhs = x.mul(dx).sumNumber().doubleValue();
        assertEquals(lhs, rhs, 1e-3 * Math.abs(lhs));
    }

    /** Cases of the networks' decoders (CIFAR 16→32, 8→32; Fashion-MNIST-like 7→28) and non-square ones. */
    private static final int[][] SHAPES = {
            // n, c, h, w, oh, ow
            {4, 16, 16, 16, 32, 32},
            {4, 64, 8, 8, 32, 32},
            {3, 5, 7, 7, 28, 28},
            {2, 3, 7, 9, 28, 20},
            {2, 3, 7, 10, 28, 40},
            {2, 3, 1, 5, 4, 9},
            {2, 2, 5, 4, 5, 11},      // one axis kept, the other upsampled
            {3, 32, 64, 64, 128, 128} // 2 MiB per output sample: slices of 2 samples and 1
    };

    private static void assertClose(INDArray expected, INDArray actual, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        float[] e = expected.dup('c').reshape(expected.length()).toFloatVector();
        float[] a = actual.dup('c').reshape(actual.length()).toFloatVector();
        float scale = 0;
        for (float v : e) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < e.length; i++) {
            // float rounding of a different summation order: relative 1e-5 of the array's largest value
            assertEquals(e[i], a[i], 1e-5f * scale, what + ": element " + i);
        }
    }

    /** Bitwise equality; {@code INDArray.equals} allows a difference of 1e-5. */
    private static void assertBitIdentical(INDArray expected, INDArray actual, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        assertArrayEquals(expected.dup('c').reshape(expected.length()).toFloatVector(),
                actual.dup('c').reshape(actual.length()).toFloatVector(), what);
    }

    private static String name(int[] s) {
        return s[0] + "x" + s[1] + "x" + s[2] + "x" + s[3] + " -> " + s[4] + "x" + s[5];
    }

    @Test
    void forwardThroughResizeBilinearMatchesTheSeparableProductsWithOurWeights() {
        Nd4j.getRandom().setSeed(11);
        for (int[] s : SHAPES) {
            INDArray x = Nd4j.rand(DataType.FLOAT, s[0], s[1], s[2], s[3]).subi(0.5);
            BilinearUpsampleLayer up = layer(s[4], s[5]);
            up.setInput(x, LayerWorkspaceMgr.noWorkspaces());
            assertClose(BilinearUpsampleReference.forward(x, s[4], s[5]), up.activate(true, LayerWorkspaceMgr.noWorkspaces()),
                    "forward " + name(s));
        }
    }

    @Test
    void backwardMatchesTheOldSeparableProducts() {
        Nd4j.getRandom().setSeed(12);
        for (int[] s : SHAPES) {
            INDArray x = Nd4j.rand(DataType.FLOAT, s[0], s[1], s[2], s[3]);
            INDArray g = Nd4j.rand(DataType.FLOAT, s[0], s[1], s[4], s[5]).subi(0.5);
            BilinearUpsampleLayer up = layer(s[4], s[5]);
            up.setInput(x, LayerWorkspaceMgr.noWorkspaces());
            INDArray dx = up.backpropGradient(g, LayerWorkspaceMgr.noWorkspaces()).getSecond();
            assertClose(BilinearUpsampleReference.backward(g, s[2], s[3]), dx, "backward " + name(s));
        }
    }

    @Test
    void aSliceOfTheBatchAtATimeKeepsTheTemporariesToAFewMiB() {
        // 64 channels 8x8 -> 32x32 at batch 64: 16 MiB per full-size tensor, 256 KiB per sample, slices of 16 samples
        Nd4j.getRandom().setSeed(14);
        INDArray x = Nd4j.rand(DataType.FLOAT, 64, 64, 8, 8);
        INDArray g = Nd4j.rand(DataType.FLOAT, 64, 64, 32, 32);
        BilinearUpsampleLayer up = layer(32, 32);
        up.setInput(x, LayerWorkspaceMgr.noWorkspaces());
        up.activate(true, LayerWorkspaceMgr.noWorkspaces());
        up.backpropGradient(g, LayerWorkspaceMgr.noWorkspaces());
        long slice = Nd4j.getWorkspaceManager().getWorkspaceForCurrentThread(BilinearUpsampleLayer.SLICE_WORKSPACE_ID)
                .getCurrentSize();
        long full = g.length() * 4;
        assertTrue(slice > 0 && slice <= 2.5 * BilinearUpsampleLayer.SLICE_BYTES,
                "slice workspace " + slice + " bytes for full-size tensors of " + full);
    }

    @Test
    void stridedAndOffsetArraysAreReadAsTheirValuesNotTheirBuffers() {
        // libnd4j's resize_bilinear reads raw buffers; a view with an offset or f-order strides must be copied first
        Nd4j.getRandom().setSeed(13);
        INDArray big = Nd4j.rand(DataType.FLOAT, 5, 3, 8, 8);
        INDArray offsetView = big.get(NDArrayIndex.interval(2, 5));
        INDArray fOrder = big.dup('f');
        INDArray gBig = Nd4j.rand(DataType.FLOAT, 5, 3, 16, 16);
        for (INDArray x : new INDArray[]{offsetView, fOrder}) {
            BilinearUpsampleLayer up = layer(16, 16);
            up.setInput(x, LayerWorkspaceMgr.noWorkspaces());
            assertClose(BilinearUpsampleReference.forward(x, 16, 16), up.activate(true, LayerWorkspaceMgr.noWorkspaces()),
                    "forward of " + (x == fOrder ? "f-order" : "offset view"));
            INDArray g = x == fOrder ? gBig.dup('f') : gBig.get(NDArrayIndex.interval(2, 5));
            assertClose(BilinearUpsampleReference.backward(g, 8, 8), up.backpropGradient(g, LayerWorkspaceMgr.noWorkspaces())
                    .getSecond(), "backward of " + (x == fOrder ? "f-order" : "offset view"));
        }
    }

    @Test
    void equalSizesPassTheInputAndTheGradientThroughUnchanged() {
        Nd4j.getRandom().setSeed(14);
        INDArray x = Nd4j.rand(DataType.FLOAT, 3, 4, 32, 32);
        INDArray g = Nd4j.rand(DataType.FLOAT, 3, 4, 32, 32);
        BilinearUpsampleLayer up = layer(32, 32);
        up.setInput(x, LayerWorkspaceMgr.noWorkspaces());
        INDArray y = up.activate(true, LayerWorkspaceMgr.noWorkspaces());
        INDArray dx = up.backpropGradient(g, LayerWorkspaceMgr.noWorkspaces()).getSecond();
        // align corners at equal sizes is the unit matrix, so the old products gave the input bit for bit
        assertBitIdentical(BilinearUpsampleReference.forward(x, 32, 32), y, "forward against the old products");
        assertBitIdentical(x, y, "forward against the input");
        assertBitIdentical(BilinearUpsampleReference.backward(g, 32, 32), dx, "backward against the old products");
        assertBitIdentical(g, dx, "backward against the gradient");
        assertNotSame(g, dx, "the gradient is a copy: DL4J closes the epsilon's workspace after this layer");
    }

    /**
     * in -> c0 -> {middle -> c1 -> MSE, average pool -> softmax}: the middle layer's input has two consumers,
     * so DL4J sums its epsilons in place, and every array crosses DL4J's per-vertex workspaces.
     */
    private static ComputationGraph graph(org.deeplearning4j.nn.conf.layers.Layer middle, int inSize, WorkspaceMode mode) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.FLOAT)
                .updater(new Sgd(0.1)).weightInit(WeightInit.XAVIER)
                .trainingWorkspaceMode(mode).inferenceWorkspaceMode(mode)
                .graphBuilder().addInputs("in").setInputTypes(InputType.convolutional(inSize, inSize, 2))
                .addLayer("c0", new ConvolutionLayer.Builder(3, 3).padding(1, 1).nOut(3).activation(Activation.TANH).build(), "in")
                .addLayer("middle", middle, "c0")
                .addLayer("c1", new ConvolutionLayer.Builder(3, 3).padding(1, 1).nOut(2).activation(Activation.IDENTITY).build(),
                        "middle")
                .addLayer("rec", new CnnLossLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY).build(), "c1")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "c0")
                .addLayer("cls", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(3).nOut(4)
                        .activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("rec", "cls").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }

    private static MultiDataSet graphBatch(int inSize, int size) {
        Nd4j.getRandom().setSeed(15);
        INDArray x = Nd4j.rand(DataType.FLOAT, 6, 2, inSize, inSize);
        INDArray target = Nd4j.rand(DataType.FLOAT, 6, 2, size, size);
        INDArray labels = Nd4j.zeros(DataType.FLOAT, 6, 4);
        for (int i = 0; i < 6; i++) {
            labels.putScalar(i, i % 4, 1);
        }
        return new MultiDataSet(new INDArray[]{x}, new INDArray[]{target, labels});
    }

    private static INDArray gradient(ComputationGraph g, MultiDataSet batch) {
        g.setInputs(batch.getFeatures());
        g.setLabels(batch.getLabels());
        g.computeGradientAndScore();
        return g.gradient().gradient().dup();
    }

    @Test
    void equalSizeUpsampleInsideWorkspacesTrainsAndInfersLikeAnIdentityLayer() {
        MultiDataSet batch = graphBatch(4, 4);
        ComputationGraph up = graph(new BilinearUpsample("middle", 4, 4), 4, WorkspaceMode.ENABLED);
        ComputationGraph id = graph(new ActivationLayer.Builder().activation(Activation.IDENTITY).build(), 4, WorkspaceMode.ENABLED);
        id.setParams(up.params());
        for (int step = 0; step < 2; step++) {   // the second step reuses the workspaces the first one sized
            assertBitIdentical(gradient(id, batch), gradient(up, batch), "gradient, step " + step);
            assertEquals(id.score(), up.score(), 0.0);
        }
        INDArray[] a = id.output(false, batch.getFeatures());
        INDArray[] b = up.output(false, batch.getFeatures());
        assertBitIdentical(a[0], b[0], "inference, reconstruction");
        assertBitIdentical(a[1], b[1], "inference, classes");
    }

    @Test
    void upsampleInsideWorkspacesGivesTheGradientsOfARunWithoutWorkspaces() {
        for (int[] io : new int[][]{{4, 8}, {5, 12}}) {
            int size = io[1];
            MultiDataSet batch = graphBatch(io[0], size);
            ComputationGraph ws = graph(new BilinearUpsample("middle", size, size), io[0], WorkspaceMode.ENABLED);
            ComputationGraph none = graph(new BilinearUpsample("middle", size, size), io[0], WorkspaceMode.NONE);
            none.setParams(ws.params());
            for (int step = 0; step < 2; step++) {
                assertBitIdentical(gradient(none, batch), gradient(ws, batch), io[0] + " -> " + size + ", step " + step);
            }
            assertBitIdentical(none.output(false, batch.getFeatures())[0], ws.output(false, batch.getFeatures())[0],
                    io[0] + " -> " + size + ", inference");
        }
    }
}
