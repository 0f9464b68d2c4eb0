package org.infopro.spark.model;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;
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
public final class InfoProNetworkFactory implements ModuleNetworkFactory {
    /** The module's input vertex. */
    public static final String INPUT = Layers.INPUT;
    /** Reconstruction output (local modules with λ1 > 0). */
    public static final String RECONSTRUCTION = "rec";
    /** Auxiliary classifier output (local modules with λ2 > 0). */
    public static final String AUX = "aux";
    /** The network's classifier output (last module). */
    public static final String CLASSIFIER = "out";

    private static final int DECODER_WIDTH = 12;
    private static final int AUX_FEATURES = 128;

    private final ResNetSpec spec;
    private final Hyper hyper;
    private final HeadSpec head;

    public InfoProNetworkFactory(ResNetSpec spec, Hyper hyper, HeadSpec head) {
        this.spec = spec;
        this.hyper = hyper;
        this.head = head;
    }

    @Override
    public HeadSpec head() {
        return head;
    }

    @Override
    public String trunkOutputOf(ModulePlan plan) {
        return trunkOutput(plan);
    }

    @Override
    public List<String> outputsOf(ModulePlan plan) {
        return outputs(plan);
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
    @Override
    public ComputationGraph build(ModulePlan plan) {
        Layers l = Layers.graph(hyper, plan.index(), plan.inputShape());
        GraphBuilder g = l.g;

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
            g.addLayer(CLASSIFIER, l.softmax(channels, spec.numClasses(), 1.0), "gap");
        } else {
            if (plan.weights().reconstruction() > 0) {
                decoder(l, prev, channels, plan.weights().reconstruction());
            }
            if (plan.weights().task() > 0) {
                auxClassifier(l, prev, channels, plan.weights().task());
            }
        }
        g.setOutputs(outputs(plan).toArray(String[]::new));
        return Layers.init(g.build());
    }

    private String basicBlock(Layers l, int unit, String in, int cIn, int cOut, int stride) {
        String p = unitPrefix(unit);
        String a = l.convBnRelu(p + "_a", in, cIn, cOut, stride);
        String b = l.convBn(p + "_b", a, cOut, cOut, 3, 1, 1);
        String shortcut = in;
        if (stride != 1 || cIn != cOut) {
            shortcut = l.convBn(p + "_sc", in, cIn, cOut, 1, stride, 0);
        }
        return l.addRelu(unitOutput(unit), b, shortcut);
    }

    /** InfoPro's decoder: upsample to the image size, conv-BN-ReLU, conv, sigmoid, BCE. */
    private void decoder(Layers l, String in, int cIn, double lambda) {
        l.g.addLayer("dec_up", new BilinearUpsample("dec_up", spec.height(), spec.width()), in);
        ConvolutionLayer c1 = l.conv(3, 1, 1, cIn, DECODER_WIDTH, true);
        l.g.addLayer("dec_conv1", c1, "dec_up");
        l.g.addLayer("dec_bnrelu", l.bnRelu(DECODER_WIDTH), "dec_conv1");
        l.g.addLayer("dec_conv2", l.conv(3, 1, 1, DECODER_WIDTH, spec.channels(), true), "dec_bnrelu");
        // DL4J sums BCE over elements and averages over the batch; PyTorch's BCELoss averages over all
        // N·C·H·W elements, so each element is weighted λ1/(C·H·W).
        l.reconstruction(RECONSTRUCTION, "dec_conv2", lambda, spec.channels(), spec.height(), spec.width());
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
        if (head.mode().contrastive()) {
            OutputLayer.Builder out = new OutputLayer.Builder(new LossSupCon(head.temperature(), lambda))
                    .nOut(AuxNet.HIDDEN).activation(Activation.IDENTITY);
            l.g.addLayer(AUX, out.nIn(c).weightInit(l.uniform(c)).biasInit(0).updater(l.updater).biasUpdater(l.updater)
                    .l2(l.wd).l2Bias(l.wd).build(), h);
        } else {
            l.g.addLayer(AUX, l.softmax(c, spec.numClasses(), lambda), h);
        }
    }

    private static String unitPrefix(int unit) {
        return "u" + unit;
    }

    private static String unitOutput(int unit) {
        return unit == 0 ? "stem_bnrelu" : unitPrefix(unit) + "_out";
    }
}
