package org.infopro.spark.model;

import org.infopro.spark.seed.Seeds;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.distribution.NormalDistribution;
import org.deeplearning4j.nn.conf.distribution.UniformDistribution;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.weights.WeightInitDistribution;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.regularization.L2Regularization;
import org.nd4j.linalg.lossfunctions.impl.LossBinaryXENT;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;

/**
 * Layer builders with a network's explicit settings (updater, L2, init, padding), shared by the network
 * factories: convolutions without inherited defaults, He-normal fan-out N(0, √(2/(k²·C_out))), explicit
 * padding in Truncate mode so stride-2 shapes match PyTorch's; batch norm with PyTorch's momentum 0.1
 * (DL4J decay 0.9) and eps 1e-5, its γ and β weight-decayed; linear layers U(±1/√fan_in).
 */
final class Layers {
    static final double BN_DECAY = 0.9;
    static final double BN_EPS = 1e-5;

    /** The input vertex of every module network. */
    static final String INPUT = "in";

    final GraphBuilder g;
    final IUpdater updater;
    final double wd;

    Layers(GraphBuilder g, IUpdater updater, double wd) {
        this.g = g;
        this.updater = updater;
        this.wd = wd;
    }

    /** Creates and initialises a module's network; its initial parameters follow from the configuration's seed. */
    static org.deeplearning4j.nn.graph.ComputationGraph init(org.deeplearning4j.nn.conf.ComputationGraphConfiguration conf) {
        org.deeplearning4j.nn.graph.ComputationGraph net = new org.deeplearning4j.nn.graph.ComputationGraph(conf);
        net.init();
        return net;
    }

    /**
     * A module network's graph with every global setting explicit: seed (per module), float32, SGD with
     * Nesterov momentum, workspaces on, no cache, gradients averaged over the minibatch.
     */
    static Layers graph(Hyper hyper, int moduleIndex, int[] inputShape) {
        IUpdater updater = new Nesterovs(hyper.learningRate(), hyper.momentum());
        GraphBuilder g = new NeuralNetConfiguration.Builder()
                .seed(Seeds.module(hyper.seed(), moduleIndex))
                .dataType(DataType.FLOAT)
                .updater(updater)
                .trainingWorkspaceMode(WorkspaceMode.ENABLED)
                .inferenceWorkspaceMode(WorkspaceMode.ENABLED)
                .cacheMode(CacheMode.NONE)
                .miniBatch(true)
                .graphBuilder()
                .addInputs(INPUT)
                .setInputTypes(InputType.convolutional(inputShape[1], inputShape[2], inputShape[0]));
        return new Layers(g, updater, hyper.weightDecay());
    }

    /** A residual sum and its ReLU, the end of every block. */
    String addRelu(String name, String a, String b) {
        g.addVertex(name, new AddRelu(), a, b);
        return name;
    }

    /** BCE reconstruction output: sigmoid, each element weighted λ1/(C·H·W) so the loss is PyTorch's mean BCE. */
    void reconstruction(String name, String in, double lambda, int channels, int height, int width) {
        float[] w = new float[channels];
        java.util.Arrays.fill(w, (float) (lambda / ((double) channels * height * width)));
        g.addLayer(name, new CnnLossLayer.Builder(new LossBinaryXENT(Nd4j.createFromArray(w)))
                .activation(Activation.SIGMOID).build(), in);
    }

    /** A softmax classifier with cross-entropy weighted {@code weight}. */
    OutputLayer softmax(int nIn, int classes, double weight) {
        float[] w = new float[classes];
        java.util.Arrays.fill(w, (float) weight);
        return new OutputLayer.Builder(new LossMCXENT(Nd4j.createFromArray(w))).nIn(nIn).nOut(classes)
                .activation(Activation.SOFTMAX).weightInit(uniform(nIn)).biasInit(0).updater(updater).biasUpdater(updater)
                .l2(wd).l2Bias(wd).build();
    }

    /** A convolution that runs its forward pass once per training step ({@link NoRecomputeConvolution}). */
    ConvolutionLayer conv(int k, int stride, int pad, int nIn, int nOut, boolean bias) {
        return conv(k, stride, pad, 1, nIn, nOut, bias);
    }

    /** The same with {@code dilation} (an atrous convolution: the kernel's taps {@code dilation} pixels apart). */
    ConvolutionLayer conv(int k, int stride, int pad, int dilation, int nIn, int nOut, boolean bias) {
        return new NoRecomputeConvolution.Builder(k, k).stride(stride, stride).padding(pad, pad).dilation(dilation, dilation)
                .convolutionMode(ConvolutionMode.Truncate)
                .nIn(nIn).nOut(nOut).hasBias(bias).activation(Activation.IDENTITY)
                .weightInit(new WeightInitDistribution(new NormalDistribution(0, Math.sqrt(2.0 / (k * k * nOut)))))
                .biasInit(0).updater(updater).biasUpdater(updater).l2(wd).l2Bias(wd)
                .build();
    }

    /** Batch norm (γ and β decayed like every other parameter, as the reference's optimiser does) and ReLU, as one layer. */
    BatchNormalization bnRelu(int c) {
        return configure(new BatchNormRelu(), c);
    }

    private BatchNormalization configure(DecayedBatchNormalization b, int c) {
        b.setNIn(c);
        b.setNOut(c);
        b.setDecay(BN_DECAY);
        b.setEps(BN_EPS);
        b.setIUpdater(updater);
        b.setRegularization(wd > 0 ? java.util.List.of(new L2Regularization(wd)) : java.util.List.of());
        return b;
    }

    WeightInitDistribution uniform(int fanIn) {
        double b = 1.0 / Math.sqrt(fanIn);
        return new WeightInitDistribution(new UniformDistribution(-b, b));
    }

    /** Convolution, then batch norm that overwrites the convolution's output ({@link InPlaceBatchNormalization}). */
    String convBn(String name, String in, int cIn, int cOut, int k, int stride, int pad) {
        return convBn(name, in, cIn, cOut, k, stride, pad, 1);
    }

    /** The same, dilated. */
    String convBn(String name, String in, int cIn, int cOut, int k, int stride, int pad, int dilation) {
        g.addLayer(name + "_conv", conv(k, stride, pad, dilation, cIn, cOut, false), in);
        g.addLayer(name + "_bn", configure(new InPlaceBatchNormalization(), cOut), name + "_conv");
        return name + "_bn";
    }

    String convBnRelu(String name, String in, int cIn, int cOut, int stride) {
        return convBnRelu(name, in, cIn, cOut, 3, stride, 1, false);
    }

    /** Convolution, then batch norm and ReLU as one layer named {@code name + "_bnrelu"}. */
    String convBnRelu(String name, String in, int cIn, int cOut, int k, int stride, int pad, boolean bias) {
        return convBnRelu(name, in, cIn, cOut, k, stride, pad, 1, bias);
    }

    /** The same, dilated. */
    String convBnRelu(String name, String in, int cIn, int cOut, int k, int stride, int pad, int dilation, boolean bias) {
        g.addLayer(name + "_conv", conv(k, stride, pad, dilation, cIn, cOut, bias), in);
        g.addLayer(name + "_bnrelu", bnRelu(cOut), name + "_conv");
        return name + "_bnrelu";
    }

    /**
     * InfoPro's decoder for the reconstruction term at 1/8 of the input (the ImageNet and Cityscapes auxiliary nets):
     * conv1x1 → {@code c1} + BN + ReLU, bilinear ×2, conv3x3 → {@code c2} + BN + ReLU, ×2, conv3x3 → 12 + BN + ReLU, ×2
     * to {@code height}×{@code width}, conv3x3 (with bias) to the image channels, sigmoid; BCE weighted {@code lambda}.
     * {@code bias}: whether the convolutions before a batch norm have one (the ImageNet reference's do, mmsegmentation's
     * ConvModule with a norm has none).
     */
    void decoder(String in, int cIn, int c1, int c2, int height, int width, int channels, double lambda, boolean bias) {
        String h = convBnRelu("dec_a", in, cIn, c1, 1, 1, 0, bias);
        g.addLayer("dec_up1", new BilinearUpsample("dec_up1", height / 4, width / 4), h);
        h = convBnRelu("dec_b", "dec_up1", c1, c2, 3, 1, 1, bias);
        g.addLayer("dec_up2", new BilinearUpsample("dec_up2", height / 2, width / 2), h);
        h = convBnRelu("dec_c", "dec_up2", c2, 12, 3, 1, 1, bias);
        g.addLayer("dec_up3", new BilinearUpsample("dec_up3", height, width), h);
        g.addLayer("dec_out", conv(3, 1, 1, 12, channels, true), "dec_up3");
        reconstruction(InfoProNetworkFactory.RECONSTRUCTION, "dec_out", lambda, channels, height, width);
    }
}
