package org.infopro.spark.model;

import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNBatchNormHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNConvHelper;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.profiler.OpProfiler;
import org.nd4j.linalg.profiler.ProfilerConfig;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Our convolution, ReLU and batch-norm implementations against DL4J's stock layers on the same residual graph,
 * parameters and batch: {@link NoRecomputeConvolutionLayer}, {@link BatchNormReluLayer}'s ReLU and
 * {@link AddReluVertex} give bit-identical outputs and gradients, {@link ChannelBatchNormHelper} (also where it
 * overwrites its input) the same within float rounding, and a few Nesterov steps keep
 * the parameters and running statistics together.
 */
class FastLayersMatchDl4jTest {
    private static final int N = 16;

    /**
     * conv3x3-BN-ReLU, conv3x3-BN, 1x1 stride-2 projection + BN, add, ReLU, GAP, softmax. Stock: DL4J's
     * convolution, batch norm, activation layers and add vertex; ours: {@link NoRecomputeConvolution},
     * {@link BatchNormRelu}, {@link InPlaceBatchNormalization} and {@link AddRelu}, under the same names where a
     * layer has parameters.
     */
    private static ComputationGraph graph(boolean ours) {
        GraphBuilder g = new NeuralNetConfiguration.Builder().seed(11).dataType(DataType.FLOAT)
                .updater(new Nesterovs(0.1, 0.9))
                .trainingWorkspaceMode(WorkspaceMode.ENABLED).inferenceWorkspaceMode(WorkspaceMode.ENABLED)
                .cacheMode(CacheMode.NONE).graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(8, 8, 3));
        g.addLayer("c1", conv(ours, 3, 2, 1, 3, 8, false), "in");
        if (ours) {
            g.addLayer("b1", bn(new BatchNormRelu(), 8), "c1");
        } else {
            g.addLayer("b1", bn(new BatchNormalization.Builder().build(), 8), "c1");
            g.addLayer("r1", new ActivationLayer.Builder().activation(Activation.RELU).build(), "b1");
        }
        g.addLayer("c2", conv(ours, 3, 1, 1, 8, 8, true), ours ? "b1" : "r1");
        g.addLayer("b2", bn(ours ? new InPlaceBatchNormalization() : new BatchNormalization.Builder().build(), 8), "c2");
        g.addLayer("sc", conv(ours, 1, 2, 0, 3, 8, false), "in");
        g.addLayer("bsc", bn(ours ? new InPlaceBatchNormalization() : new BatchNormalization.Builder().build(), 8), "sc");
        if (ours) {
            g.addVertex("r2", new AddRelu(), "b2", "bsc");
        } else {
            g.addVertex("add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "b2", "bsc");
            g.addLayer("r2", new ActivationLayer.Builder().activation(Activation.RELU).build(), "add");
        }
        g.addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "r2");
        g.addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(8).nOut(5)
                .activation(Activation.SOFTMAX).build(), "gap");
        g.setOutputs("out");
        ComputationGraph net = new ComputationGraph(g.build());
        net.init();
        return net;
    }

    private static ConvolutionLayer conv(boolean ours, int k, int stride, int pad, int nIn, int nOut, boolean bias) {
        ConvolutionLayer.Builder b = ours ? new NoRecomputeConvolution.Builder(k, k) : new ConvolutionLayer.Builder(k, k);
        return b.stride(stride, stride).padding(pad, pad).convolutionMode(ConvolutionMode.Truncate)
                .nIn(nIn).nOut(nOut).hasBias(bias).activation(Activation.IDENTITY).build();
    }

    private static BatchNormalization bn(BatchNormalization b, int c) {
        b.setNIn(c);
        b.setNOut(c);
        b.setDecay(0.9);
        b.setEps(1e-5);
        return b;
    }

    private static MultiDataSet batch(long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.rand(DataType.FLOAT, N, 3, 8, 8).subi(0.3).muli(2);
        INDArray y = Nd4j.zeros(DataType.FLOAT, N, 5);
        for (int i = 0; i < N; i++) {
            y.putScalar(i, (i * 7 + seed) % 5, 1f);
        }
        return new MultiDataSet(new INDArray[]{x}, new INDArray[]{y});
    }

    private static Map<String, INDArray> gradients(ComputationGraph net, MultiDataSet b) {
        net.setInputs(b.getFeatures());
        net.setLabels(b.getLabels());
        net.computeGradientAndScore();
        Gradient g = net.gradient();
        Map<String, INDArray> copy = new java.util.TreeMap<>();
        g.gradientForVariable().forEach((k, v) -> copy.put(k, v.dup()));
        return copy;
    }

    @Test
    void ourLayersAreTheOnesThatRun() {
        ComputationGraph net = graph(true);
        assertInstanceOf(NoRecomputeConvolutionLayer.class, net.getLayer("c1"));
        assertInstanceOf(MKLDNNConvHelper.class, net.getLayer("c1").getHelper(),
                "the no-recompute path needs DL4J's oneDNN convolution helper");
        assertInstanceOf(BatchNormReluLayer.class, net.getLayer("b1"));
        assertInstanceOf(ChannelBatchNormHelper.class, net.getLayer("b1").getHelper());
        assertInstanceOf(ChannelBatchNormHelper.class, net.getLayer("b2").getHelper());
        assertInstanceOf(AddReluVertex.class, net.getVertex("r2"));
    }

    @Test
    void configurationSurvivesJsonRoundTrip() {
        org.deeplearning4j.nn.conf.ComputationGraphConfiguration conf = graph(true).getConfiguration();
        org.deeplearning4j.nn.conf.ComputationGraphConfiguration back =
                org.deeplearning4j.nn.conf.ComputationGraphConfiguration.fromJson(conf.toJson());
        assertEquals(conf, back);
        ComputationGraph net = new ComputationGraph(back);
        net.init();
        assertInstanceOf(NoRecomputeConvolutionLayer.class, net.getLayer("c1"));
        assertInstanceOf(BatchNormReluLayer.class, net.getLayer("b1"));
        assertInstanceOf(AddReluVertex.class, net.getVertex("r2"));
    }

    @Test
    void outputsAndGradientsEqualDl4jStockLayers() {
        ComputationGraph stock = graph(false);
        ComputationGraph ours = graph(true);
        ours.setParams(stock.params().dup());
        assertOutputsAndGradientsMatch(stock, ours, batch(3));
    }

    @Test
    void aNearZeroGammaKeepsTheInputAndTheSameGradients() {
        // |γ| = 1e-4 beside β = 1 in one channel: y = 1 + 1e-4·x̂ keeps only three digits of x̂, so recovering
        // x̂ = (y − β)/γ would miss the gradient tolerance; b2 must write a new array instead
        ComputationGraph stock = graph(false);
        ComputationGraph ours = graph(true);
        stock.getLayer("b2").getParam("gamma").putScalar(3, 1e-4f);
        stock.getLayer("b2").getParam("beta").putScalar(3, 1f);
        ours.setParams(stock.params().dup());
        assertOutputsAndGradientsMatch(stock, ours, batch(4));
        assertFalse(((ChannelBatchNormHelper) ours.getLayer("b2").getHelper()).overwroteInput());
        assertTrue(((ChannelBatchNormHelper) ours.getLayer("bsc").getHelper()).overwroteInput());
    }

    @Test
    void inPlaceBatchNormKeepsOneTensorForConvolutionAndBatchNorm() {
        // the activation workspace of one training pass, with b2 and bsc overwriting their convolutions' outputs
        // and with both writing new arrays (DecayedBatchNormalization): the difference is those two outputs
        ComputationGraph overwriting = graph(true);
        long inPlace = activationWorkspaceBytes(overwriting);
        assertTrue(((ChannelBatchNormHelper) overwriting.getLayer("b2").getHelper()).overwroteInput());
        ComputationGraph copying = graph(true);
        for (String bn : new String[]{"b2", "bsc"}) {
            setHelper(copying.getLayer(bn), new ChannelBatchNormHelper(false));
        }
        long copied = activationWorkspaceBytes(copying);
        long twoOutputs = 2L * N * 8 * 4 * 4 * 4;
        assertTrue(copied - inPlace >= twoOutputs * 0.9 && copied - inPlace <= twoOutputs * 1.3,
                "workspace " + copied + " B copying, " + inPlace + " B in place; two batch-norm outputs are " + twoOutputs + " B");
    }

    private static long activationWorkspaceBytes(ComputationGraph net) {
        Nd4j.getWorkspaceManager().destroyAllWorkspacesForCurrentThread();
        MultiDataSet b = batch(6);
        gradients(net, b);
        gradients(net, b);
        long bytes = 0;
        for (org.nd4j.linalg.api.memory.MemoryWorkspace w : Nd4j.getWorkspaceManager().getAllWorkspacesForCurrentThread()) {
            if (w.getId().equals("WS_ALL_LAYERS_ACT")) {
                bytes += w.getCurrentSize();
            }
        }
        Nd4j.getWorkspaceManager().destroyAllWorkspacesForCurrentThread();
        assertTrue(bytes > 0, "no WS_ALL_LAYERS_ACT workspace after two training passes");
        return bytes;
    }

    private static void assertOutputsAndGradientsMatch(ComputationGraph stock, ComputationGraph ours, MultiDataSet b) {
        INDArray outStock = stock.outputSingle(true, b.getFeatures(0));
        INDArray outOurs = ours.outputSingle(true, b.getFeatures(0));
        assertArrayEquals(outStock.ravel().toFloatVector(), outOurs.ravel().toFloatVector(), 1e-6f);

        Map<String, INDArray> gs = gradients(stock, b);
        double scoreStock = stock.score();
        Map<String, INDArray> go = gradients(ours, b);
        assertEquals(scoreStock, ours.score(), 1e-6);
        assertNoFallback(ours);
        assertEquals(gs.keySet(), go.keySet());
        // a conv bias right before batch norm has a zero gradient up to cancellation, so tolerances also scale
        // with the largest gradient of the network
        float largest = 0;
        for (INDArray g : gs.values()) {
            largest = Math.max(largest, g.amaxNumber().floatValue());
        }
        for (String k : gs.keySet()) {
            float[] expected = gs.get(k).ravel().toFloatVector();
            float[] actual = go.get(k).ravel().toFloatVector();
            float scale = gs.get(k).amaxNumber().floatValue();
            assertArrayEquals(expected, actual, 1e-5f * Math.max(scale, largest), "gradient of " + k);
        }
        assertTrue(largest > 0);
    }

    @Test
    void convolutionAndReluAloneAreBitIdentical() {
        // with DL4J's oneDNN batch-norm helper on both sides, only our convolution and the fused ReLUs differ
        ComputationGraph stock = graph(false);
        ComputationGraph ours = graph(true);
        for (String bn : new String[]{"b1", "b2", "bsc"}) {
            setHelper(ours.getLayer(bn), new MKLDNNBatchNormHelper(DataType.FLOAT));
        }
        ours.setParams(stock.params().dup());
        MultiDataSet b = batch(5);
        Map<String, INDArray> gs = gradients(stock, b);
        Map<String, INDArray> go = gradients(ours, b);
        assertNoFallback(ours);
        for (String k : gs.keySet()) {
            assertArrayEquals(gs.get(k).ravel().toFloatVector(), go.get(k).ravel().toFloatVector(), 0f, "gradient of " + k);
        }
    }

    /** DL4J falls back to its built-in path, with a warning only, when a helper throws: that must not happen here. */
    private static void assertNoFallback(ComputationGraph net) {
        for (org.deeplearning4j.nn.api.Layer l : net.getLayers()) {
            for (Class<?> c = l.getClass(); c != Object.class; c = c.getSuperclass()) {
                try {
                    java.lang.reflect.Field f = c.getDeclaredField("helperCountFail");
                    f.setAccessible(true);
                    assertEquals(0, f.getInt(l), "helper of " + l.conf().getLayer().getLayerName() + " failed");
                    break;
                } catch (NoSuchFieldException e) {
                    // not declared at this level
                } catch (IllegalAccessException e) {
                    throw new AssertionError(e);
                }
            }
        }
    }

    private static void setHelper(org.deeplearning4j.nn.api.Layer layer, Object helper) {
        try {
            java.lang.reflect.Field f = org.deeplearning4j.nn.layers.normalization.BatchNormalization.class.getDeclaredField("helper");
            f.setAccessible(true);
            f.set(layer, helper);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    /** conv2d executions of one forward-backward pass, counted by ND4J's op profiler. */
    private static long convForwards(ComputationGraph net, MultiDataSet b) {
        OpProfiler.getInstance().reset();
        Nd4j.getExecutioner().setProfilingConfig(ProfilerConfig.builder().checkElapsedTime(true).build());
        try {
            gradients(net, b);
            return OpProfiler.getInstance().getOpCounter().getCount("conv2d");
        } finally {
            Nd4j.getExecutioner().setProfilingConfig(ProfilerConfig.builder().build());
            OpProfiler.getInstance().reset();
        }
    }

    @Test
    void backwardRunsNoSecondForwardConvolution() {
        MultiDataSet b = batch(9);
        ComputationGraph stock = graph(false);
        ComputationGraph ours = graph(true);
        gradients(stock, b);
        gradients(ours, b);
        assertEquals(6, convForwards(stock, b), "DL4J's stock layers: 3 convolutions, each run forward twice");
        assertEquals(3, convForwards(ours, b));
    }

    @Test
    void trainingStepsKeepParametersAndRunningStatisticsTogether() {
        ComputationGraph stock = graph(false);
        ComputationGraph ours = graph(true);
        ours.setParams(stock.params().dup());
        for (int step = 0; step < 5; step++) {
            MultiDataSet b = batch(100 + step);
            stock.fit(b);
            ours.fit(b);
        }
        assertNoFallback(ours);
        float[] ps = stock.params().ravel().toFloatVector();
        float[] po = ours.params().ravel().toFloatVector();
        for (int i = 0; i < ps.length; i++) {
            assertEquals(ps[i], po[i], 1e-4f * Math.max(1f, Math.abs(ps[i])), "parameter " + i);
        }
    }
}
