package org.infopro.spark.model;

import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.distribution.NormalDistribution;
import org.deeplearning4j.nn.conf.distribution.UniformDistribution;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInitDistribution;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.impl.LossBinaryXENT;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.infopro.spark.loss.LossSupCon;

import java.util.ArrayList;
import java.util.List;

/**
 * Builds the DL4J network of one InfoPro local module (Wang et al., "Revisiting Locally Supervised
 * Learning", ICLR 2021) from a {@link ModulePlan}: its trunk segment of a CIFAR-style ResNet, plus
 * <ul>
 *   <li>for a local module, the decoder (bilinear upsample to the image size, conv3x3 C→12, BN, ReLU,
 *       conv3x3 12→image channels, sigmoid; BCE against the image in [0, 1], weighted λ1 and scaled to the
 *       per-element mean as PyTorch's BCELoss) when λ1 > 0, and the auxiliary head ({@link AuxNet}, softmax
 *       cross-entropy or supervised contrastive, weighted λ2) when λ2 > 0;</li>
 *   <li>for the last module, global average pooling and the classifier (plain cross-entropy).</li>
 * </ul>
 * Every layer gets its seed, data type, updater, weight init and L2 here explicitly; nothing relies on
 * DL4J's global-to-layer inheritance. Convolutions: no bias in trunk and heads, He-normal fan-out init
 * N(0, √(2/(k²·C_out))); linear layers U(±1/√fan_in), biases 0. Padding is explicit (Truncate mode) so
 * stride-2 shapes match PyTorch's.
 */
public final class InfoProNetworkFactory {
    /** The module's input vertex. */
    public static final String INPUT = "in";
    /** Reconstruction output (local modules with λ1 > 0). */
    public static final String RECONSTRUCTION = "rec";
    /** Auxiliary classifier output (local modules with λ2 > 0). */
    public static final String AUX = "aux";
    /** The network's classifier output (last module). */
    public static final String CLASSIFIER = "out";

    private static final int DECODER_WIDTH = 12;
    private static final int AUX_FEATURES = 128;
    private static final double BN_DECAY = 0.9;
    private static final double BN_EPS = 1e-5;

    private final ResNetSpec spec;
    private final Hyper hyper;
    private final HeadSpec head;

    public InfoProNetworkFactory(ResNetSpec spec, Hyper hyper, HeadSpec head) {
        this.spec = spec;
        this.hyper = hyper;
        this.head = head;
    }

    public HeadSpec head() {
        return head;
    }

    /** Name of the vertex whose activation a module hands to the next one. */
    public static String trunkOutput(ModulePlan plan) {
        return unitOutput(plan.lastUnit());
    }

    /** Output names in the order a module's labels must be given. */
    public static List<String> outputs(ModulePlan plan) {
        List<String> out = new ArrayList<>();
        if (plan.isLast()) {
            out.add(CLASSIFIER);
        } else {
            if (plan.weights().reconstruction() > 0) {
                out.add(RECONSTRUCTION);
            }
            if (plan.weights().task() > 0) {
                out.add(AUX);
            }
        }
        return out;
    }

    /** Builds and initialises the module's network; parameters are drawn from the seed and module index. */
    public ComputationGraph build(ModulePlan plan) {
        IUpdater updater = new Nesterovs(hyper.learningRate(), hyper.momentum());
        GraphBuilder g = new NeuralNetConfiguration.Builder()
                .seed(hyper.seed() * 1_000_003L + plan.index())
                .dataType(DataType.FLOAT)
                .updater(updater)
                .trainingWorkspaceMode(WorkspaceMode.ENABLED)
                .inferenceWorkspaceMode(WorkspaceMode.ENABLED)
                .cacheMode(CacheMode.NONE)
                .miniBatch(true)
                .graphBuilder()
                .addInputs(INPUT)
                .setInputTypes(InputType.convolutional(plan.inputShape()[1], plan.inputShape()[2], plan.inputShape()[0]));
        Layers l = new Layers(g, updater, hyper.weightDecay());

        String prev = INPUT;
        int channels = plan.inputShape()[0];
        for (int u = plan.firstUnit(); u <= plan.lastUnit(); u++) {
            if (u == 0) {
                prev = l.convBnRelu("stem", prev, channels, ResNetSpec.STAGE_WIDTHS[0], 1);
                channels = ResNetSpec.STAGE_WIDTHS[0];
            } else {
                int stage = spec.stageOf(u);
                int out = ResNetSpec.STAGE_WIDTHS[stage];
                int stride = (spec.blockOf(u) == 0 && stage > 1) ? 2 : 1;
                prev = basicBlock(l, u, prev, channels, out, stride);
                channels = out;
            }
        }

        if (plan.isLast()) {
            g.addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), prev);
            g.addLayer(CLASSIFIER, new OutputLayer.Builder(new LossMCXENT())
                    .nIn(channels).nOut(spec.numClasses()).activation(Activation.SOFTMAX)
                    .weightInit(l.uniform(channels)).biasInit(0).updater(updater).biasUpdater(updater)
                    .l2(hyper.weightDecay()).l2Bias(hyper.weightDecay()).build(), "gap");
        } else {
            if (plan.weights().reconstruction() > 0) {
                decoder(l, prev, channels, plan.weights().reconstruction());
            }
            if (plan.weights().task() > 0) {
                auxClassifier(l, prev, channels, plan.weights().task());
            }
        }
        g.setOutputs(outputs(plan).toArray(String[]::new));
        ComputationGraphConfiguration conf = g.build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        return net;
    }

    private String basicBlock(Layers l, int unit, String in, int cIn, int cOut, int stride) {
        String p = unitPrefix(unit);
        String a = l.convBnRelu(p + "_a", in, cIn, cOut, stride);
        String b = l.convBn(p + "_b", a, cOut, cOut, 3, 1, 1);
        String shortcut = in;
        if (stride != 1 || cIn != cOut) {
            shortcut = l.convBn(p + "_sc", in, cIn, cOut, 1, stride, 0);
        }
        l.g.addVertex(p + "_add", new ElementWiseVertex(ElementWiseVertex.Op.Add), b, shortcut);
        l.g.addLayer(unitOutput(unit), new ActivationLayer.Builder().activation(Activation.RELU).build(), p + "_add");
        return unitOutput(unit);
    }

    /** InfoPro's decoder: upsample to the image size, conv-BN-ReLU, conv, sigmoid, BCE. */
    private void decoder(Layers l, String in, int cIn, double lambda) {
        l.g.addLayer("dec_up", new BilinearUpsample("dec_up", spec.height(), spec.width()), in);
        ConvolutionLayer c1 = l.conv(3, 1, 1, cIn, DECODER_WIDTH, true);
        l.g.addLayer("dec_conv1", c1, "dec_up");
        l.g.addLayer("dec_bn", l.bn(DECODER_WIDTH), "dec_conv1");
        l.g.addLayer("dec_relu", new ActivationLayer.Builder().activation(Activation.RELU).build(), "dec_bn");
        l.g.addLayer("dec_conv2", l.conv(3, 1, 1, DECODER_WIDTH, spec.channels(), true), "dec_relu");
        // DL4J sums BCE over elements and averages over the batch; PyTorch's BCELoss averages over all
        // N·C·H·W elements, so each element is weighted λ1/(C·H·W).
        double perElement = lambda / ((double) spec.channels() * spec.height() * spec.width());
        float[] w = new float[spec.channels()];
        java.util.Arrays.fill(w, (float) perElement);
        l.g.addLayer(RECONSTRUCTION, new CnnLossLayer.Builder(new LossBinaryXENT(Nd4j.createFromArray(w)))
                .activation(Activation.SIGMOID).build(), "dec_conv2");
    }

    /**
     * The auxiliary head of the configured {@link AuxNet}: convs (the first with stride 2 and doubled channels
     * below 64 channels), global average pooling, hidden FCs of 128 with ReLU, and an output FC to the classes
     * (softmax, cross-entropy weighted λ2) or, in contrast mode, to 128 dimensions (SupCon weighted λ2).
     */
    private void auxClassifier(Layers l, String in, int cIn, double lambda) {
        AuxNet net = head.auxNet();
        String h = in;
        int c = cIn;
        if (net.convs() >= 1) {
            boolean wide = cIn >= 64;
            int cOut = wide ? cIn : 2 * cIn;
            h = l.convBnRelu("aux_c", h, cIn, cOut, wide ? 1 : 2);
            c = cOut;
        }
        if (net.convs() >= 2) {
            h = l.convBnRelu("aux_c2", h, c, c, 1);
        }
        l.g.addLayer("aux_gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), h);
        h = "aux_gap";
        for (int i = 1; i < net.fcs(); i++) {
            String name = "aux_fc" + i;
            l.g.addLayer(name, new DenseLayer.Builder().nIn(c).nOut(AuxNet.HIDDEN).activation(Activation.RELU)
                    .weightInit(l.uniform(c)).biasInit(0).updater(l.updater).biasUpdater(l.updater)
                    .l2(l.wd).l2Bias(l.wd).build(), h);
            h = name;
            c = AuxNet.HIDDEN;
        }
        OutputLayer.Builder out;
        if (head.mode().contrastive()) {
            out = new OutputLayer.Builder(new LossSupCon(head.temperature(), lambda))
                    .nOut(AuxNet.HIDDEN).activation(Activation.IDENTITY);
        } else {
            float[] w = new float[spec.numClasses()];
            java.util.Arrays.fill(w, (float) lambda);
            out = new OutputLayer.Builder(new LossMCXENT(Nd4j.createFromArray(w)))
                    .nOut(spec.numClasses()).activation(Activation.SOFTMAX);
        }
        l.g.addLayer(AUX, out.nIn(c).weightInit(l.uniform(c)).biasInit(0).updater(l.updater).biasUpdater(l.updater)
                .l2(l.wd).l2Bias(l.wd).build(), h);
    }

    private static String unitPrefix(int unit) {
        return "u" + unit;
    }

    private static String unitOutput(int unit) {
        return unit == 0 ? "stem_relu" : unitPrefix(unit) + "_out";
    }

    /** Layer builders with this network's explicit settings. */
    private static final class Layers {
        final GraphBuilder g;
        final IUpdater updater;
        final double wd;

        Layers(GraphBuilder g, IUpdater updater, double wd) {
            this.g = g;
            this.updater = updater;
            this.wd = wd;
        }

        ConvolutionLayer conv(int k, int stride, int pad, int nIn, int nOut, boolean bias) {
            return new ConvolutionLayer.Builder(k, k).stride(stride, stride).padding(pad, pad)
                    .convolutionMode(ConvolutionMode.Truncate)
                    .nIn(nIn).nOut(nOut).hasBias(bias).activation(Activation.IDENTITY)
                    .weightInit(new WeightInitDistribution(new NormalDistribution(0, Math.sqrt(2.0 / (k * k * nOut)))))
                    .biasInit(0).updater(updater).biasUpdater(updater).l2(wd).l2Bias(wd)
                    .build();
        }

        BatchNormalization bn(int c) {
            return new BatchNormalization.Builder().nIn(c).nOut(c).decay(BN_DECAY).eps(BN_EPS).updater(updater).build();
        }

        WeightInitDistribution uniform(int fanIn) {
            double b = 1.0 / Math.sqrt(fanIn);
            return new WeightInitDistribution(new UniformDistribution(-b, b));
        }

        String convBn(String name, String in, int cIn, int cOut, int k, int stride, int pad) {
            g.addLayer(name + "_conv", conv(k, stride, pad, cIn, cOut, false), in);
            g.addLayer(name + "_bn", bn(cOut), name + "_conv");
            return name + "_bn";
        }

        String convBnRelu(String name, String in, int cIn, int cOut, int stride) {
            String bn = convBn(name, in, cIn, cOut, 3, stride, 1);
            g.addLayer(name + "_relu", new ActivationLayer.Builder().activation(Activation.RELU).build(), bn);
            return name + "_relu";
        }
    }
}
