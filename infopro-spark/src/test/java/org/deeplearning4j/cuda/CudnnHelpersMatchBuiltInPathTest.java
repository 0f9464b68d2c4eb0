package org.deeplearning4j.cuda;

import org.deeplearning4j.cuda.convolution.CudnnConvolutionHelper;
import org.deeplearning4j.cuda.convolution.subsampling.CudnnSubsamplingHelper;
import org.deeplearning4j.cuda.normalization.CudnnBatchNormalizationHelper;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.LayerHelper;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.infopro.spark.model.DecayedBatchNormalization;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.executioner.OpExecutioner;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * On the CPU backend, the cuDNN helpers (which run libnd4j's conv2d, batchnorm and pooling ops) give what
 * DL4J's built-in path gives: outputs, the gradient at the layer's input (epsilon) and every parameter
 * gradient, within float tolerance, for the layer settings our networks use. Each case runs one network
 * twice from the same parameters, once with the layer's helper set to ours and once with no helper (DL4J's
 * built-in path), with workspaces on and ND4J's workspace scope checks panicking on a misplaced array.
 * The helpers are wrapped in a counting proxy, so a helper that silently declined (returned null, and so
 * let DL4J fall back) fails the case; DL4J's fallback on exceptions is switched off.
 */
class CudnnHelpersMatchBuiltInPathTest {
    private static final int BATCH = 2;
    private static final int CHANNELS = 3;

    private OpExecutioner.ProfilingMode profiling;

    @BeforeEach
    void panicOnWorkspaceMisuse() {
        profiling = Nd4j.getExecutioner().getProfilingMode();
        Nd4j.getExecutioner().setProfilingMode(OpExecutioner.ProfilingMode.SCOPE_PANIC);
        Nd4j.getRandom().setSeed(42);
    }

    @AfterEach
    void restoreProfiling() {
        Nd4j.getExecutioner().setProfilingMode(profiling);
    }

    static Stream<Arguments> convolutions() {
        return Stream.of(
                // kernel, stride, pad, mode, bias, input size: the 3x3 convolutions of every block
                Arguments.of(3, 1, 1, ConvolutionMode.Truncate, false, 9),
                Arguments.of(3, 2, 1, ConvolutionMode.Truncate, false, 9),
                Arguments.of(3, 2, 1, ConvolutionMode.Truncate, true, 8),
                Arguments.of(3, 1, 1, ConvolutionMode.Truncate, true, 8),
                // the 1x1 stride-2 shortcut, the ImageNet 7x7 stem
                Arguments.of(1, 2, 0, ConvolutionMode.Truncate, false, 8),
                Arguments.of(7, 2, 3, ConvolutionMode.Truncate, false, 16),
                // Same mode, with the asymmetric padding of an even kernel or an even input at stride 2
                Arguments.of(3, 1, 0, ConvolutionMode.Same, true, 9),
                Arguments.of(3, 2, 0, ConvolutionMode.Same, false, 8),
                Arguments.of(2, 2, 0, ConvolutionMode.Same, true, 9));
    }

    @ParameterizedTest(name = "k{0} s{1} p{2} {3} bias={4} {5}x{5}")
    @MethodSource("convolutions")
    void convolutionOutputEpsilonAndGradientsMatchBuiltIn(int k, int s, int p, ConvolutionMode mode, boolean bias, int size) {
        Supplier<Layer> layer = () -> new ConvolutionLayer.Builder(k, k).stride(s, s).padding(p, p).convolutionMode(mode)
                .nIn(CHANNELS).nOut(4).hasBias(bias).biasInit(0.1).activation(Activation.IDENTITY).cudnnAllowFallback(false).build();
        Map<String, Integer> calls = compareTraining(layer, size, () -> new CudnnConvolutionHelper());
        assertTrue(calls.getOrDefault("preOutput", 0) > 0 && calls.getOrDefault("backpropGradient", 0) > 0, "helper calls: " + calls);
    }

    static Stream<Arguments> poolings() {
        return Stream.of(PoolingType.MAX, PoolingType.AVG).flatMap(type -> Stream.of(
                // the ImageNet stem's 3x3 stride-2 max pool with padding 1, a plain 2x2, and Same mode
                Arguments.of(type, 3, 2, 1, ConvolutionMode.Truncate, 9),
                Arguments.of(type, 2, 2, 0, ConvolutionMode.Truncate, 8),
                Arguments.of(type, 3, 2, 0, ConvolutionMode.Same, 8),
                Arguments.of(type, 3, 1, 0, ConvolutionMode.Same, 9)));
    }

    @ParameterizedTest(name = "{0} k{1} s{2} p{3} {4} {5}x{5}")
    @MethodSource("poolings")
    void poolingOutputAndEpsilonMatchBuiltIn(PoolingType type, int k, int s, int p, ConvolutionMode mode, int size) {
        Supplier<Layer> layer = () -> new SubsamplingLayer.Builder(type).kernelSize(k, k).stride(s, s).padding(p, p)
                .convolutionMode(mode).cudnnAllowFallback(false).build();
        Map<String, Integer> calls = compareTraining(layer, size, () -> new CudnnSubsamplingHelper());
        assertTrue(calls.getOrDefault("backpropGradient", 0) > 0, "helper calls: " + calls);

        // M2.1's SubsamplingLayer never asks a helper for the forward pass, so ours is compared directly.
        INDArray x = input(size);
        MultiLayerNetwork net = network(layer.get(), x);
        INDArray builtIn = net.feedForward(x, true).get(1);
        INDArray ours = new CudnnSubsamplingHelper().activate(x, true, new int[]{k, k}, new int[]{s, s}, new int[]{p, p}, type,
                mode, new int[]{1, 1}, CNN2DFormat.NCHW, LayerWorkspaceMgr.noWorkspaces());
        assertClose("pooling forward", builtIn, ours);
    }

    @Test
    void batchNormTrainingOutputEpsilonAndGradientsMatchBuiltIn() {
        Map<String, Integer> calls = compareTraining(CudnnHelpersMatchBuiltInPathTest::batchNorm, 5, () -> new CudnnBatchNormalizationHelper());
        assertTrue(calls.getOrDefault("preOutput", 0) > 0 && calls.getOrDefault("backpropGradient", 0) > 0, "helper calls: " + calls);
    }

    @Test
    void batchNormRunningStatisticsAndInferenceMatchBuiltInAfterTraining() {
        INDArray x = input(5);
        Pair<MultiLayerNetwork, MultiLayerNetwork> nets = pair(CudnnHelpersMatchBuiltInPathTest::batchNorm, x);
        Map<String, Integer> calls = install(nets.getSecond(), () -> new CudnnBatchNormalizationHelper());
        INDArray labels = Nd4j.randn(DataType.FLOAT, nets.getFirst().output(x).shape());
        for (int step = 0; step < 3; step++) {
            INDArray batch = input(5).muli(1 + step).addi(step);   // the running statistics must follow shifting batches
            nets.getFirst().fit(batch, labels);
            nets.getSecond().fit(batch, labels);
        }
        // params include the running mean and log-std updated with decay 0.9 from the helper's batch statistics
        assertClose("parameters after 3 steps", nets.getFirst().params(), nets.getSecond().params());
        INDArray test = input(5).muli(2).addi(1);
        assertClose("inference output", nets.getFirst().output(test, false), nets.getSecond().output(test, false));
        assertTrue(calls.getOrDefault("preOutput", 0) >= 4 && calls.getOrDefault("backpropGradient", 0) >= 3, "helper calls: " + calls);
    }

    /** Our networks' batch norm: DecayedBatchNormalization with decay 0.9 and eps 1e-5 (Layers.bn). */
    private static Layer batchNorm() {
        DecayedBatchNormalization b = new DecayedBatchNormalization();
        b.setNIn(CHANNELS);
        b.setNOut(CHANNELS);
        b.setDecay(0.9);
        b.setEps(1e-5);
        b.setCudnnAllowFallback(false);
        return b;
    }

    /**
     * Training forward pass and backprop of the same network without a helper (DL4J's built-in path) and with
     * ours: activations, loss-driven gradients of every parameter and the epsilon at the input must agree.
     */
    private Map<String, Integer> compareTraining(Supplier<Layer> layer, int size, Supplier<LayerHelper> helper) {
        INDArray x = input(size);
        Pair<MultiLayerNetwork, MultiLayerNetwork> nets = pair(layer, x);
        Map<String, Integer> calls = install(nets.getSecond(), helper);
        INDArray labels = Nd4j.randn(DataType.FLOAT, nets.getFirst().output(x).shape());

        assertClose("training output", nets.getFirst().feedForward(x, true).get(1), nets.getSecond().feedForward(x, true).get(1));
        Pair<Gradient, INDArray> builtIn = detached(nets.getFirst().calculateGradients(x, labels, null, null));
        Pair<Gradient, INDArray> ours = detached(nets.getSecond().calculateGradients(x, labels, null, null));
        assertClose("epsilon at the input", builtIn.getSecond(), ours.getSecond());
        Map<String, INDArray> expected = builtIn.getFirst().gradientForVariable();
        Map<String, INDArray> actual = ours.getFirst().gradientForVariable();
        assertEquals(new TreeSet<>(expected.keySet()), new TreeSet<>(actual.keySet()), "gradient entries");
        expected.forEach((name, g) -> assertClose("gradient " + name, g, actual.get(name)));
        return calls;
    }

    /** The same network twice, from the same parameters; the layer under test is layer 0. */
    private static Pair<MultiLayerNetwork, MultiLayerNetwork> pair(Supplier<Layer> layer, INDArray x) {
        MultiLayerNetwork a = network(layer.get(), x);
        MultiLayerNetwork b = network(layer.get(), x);
        b.setParams(a.params().dup());
        setHelper(a, null);
        return new Pair<>(a, b);
    }

    private static MultiLayerNetwork network(Layer underTest, INDArray x) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
                .seed(7).dataType(DataType.FLOAT).updater(new Sgd(0.1)).weightInit(WeightInit.XAVIER)
                .trainingWorkspaceMode(WorkspaceMode.ENABLED).inferenceWorkspaceMode(WorkspaceMode.ENABLED)
                .cacheMode(CacheMode.NONE)
                .list()
                .layer(underTest)
                // a per-element loss, so every output position sends its own gradient back
                .layer(new CnnLossLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY).build())
                .setInputType(InputType.convolutional(x.size(2), x.size(3), x.size(1)))
                .build());
        net.init();
        return net;
    }

    /** Installs {@code helper} as layer 0's helper, behind a proxy that counts the calls that returned a result. */
    private static Map<String, Integer> install(MultiLayerNetwork net, Supplier<LayerHelper> helper) {
        LayerHelper real = helper.get();
        Map<String, Integer> calls = new HashMap<>();
        Object counted = Proxy.newProxyInstance(real.getClass().getClassLoader(), real.getClass().getInterfaces(), (proxy, m, args) -> {
            try {
                Object r = m.invoke(real, args);
                if (r != null) {
                    calls.merge(m.getName(), 1, Integer::sum);
                }
                return r;
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        });
        setHelper(net, counted);
        return calls;
    }

    private static void setHelper(MultiLayerNetwork net, Object helper) {
        Object layer = net.getLayer(0);
        for (Class<?> c = layer.getClass(); c != null; c = c.getSuperclass()) {
            try {
                Field f = c.getDeclaredField("helper");
                f.setAccessible(true);
                f.set(layer, helper);
                return;
            } catch (NoSuchFieldException e) {
                // declared further up
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        }
        throw new IllegalStateException("no helper field in " + layer.getClass());
    }

    private static INDArray input(int size) {
        return Nd4j.randn(DataType.FLOAT, BATCH, CHANNELS, size, size);
    }

    private static Pair<Gradient, INDArray> detached(Pair<Gradient, INDArray> p) {
        Gradient g = new org.deeplearning4j.nn.gradient.DefaultGradient();
        p.getFirst().gradientForVariable().forEach((k, v) -> g.setGradientFor(k, v.dup()));
        return new Pair<>(g, p.getSecond().dup());
    }

    /** Equal shapes, and every element within 1e-4 of the expected array's largest magnitude (at least 1e-4). */
    private static void assertClose(String what, INDArray expected, INDArray actual) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        double scale = Math.max(1, expected.amaxNumber().doubleValue());
        assertTrue(expected.amaxNumber().doubleValue() > 0, what + ": the built-in path gave all zeros; the case proves nothing");
        double diff = expected.sub(actual).amaxNumber().doubleValue();
        assertTrue(diff <= 1e-4 * scale, what + ": max |built-in - helper| = " + diff + " (scale " + scale + ")");
    }
}
