package org.infopro.spark.model;

import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.dropout.SpatialDropout;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.infopro.data.config.ConfigException;
import org.infopro.data.shard.ImageBatch;
import org.infopro.spark.loss.LambdaSchedule;
import org.infopro.spark.loss.LossMode;
import org.infopro.spark.loss.PixelCrossEntropy;
import org.infopro.spark.measure.ConfusionMatrix;
import org.infopro.spark.measure.HeadMetrics;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;

/**
 * Builds {@link DeepLabV3Spec}'s network end to end in DL4J: the backbone, the ASPP decode head and the FCN auxiliary
 * head, each head's logits upsampled to the input size into its per-pixel loss ({@link #DECODE} weight 1,
 * {@link #AUX} weight 0.4), or as InfoPro* K=2's two modules (Wang et al., ICLR 2021, §3.5 and §4.4 of the reference
 * note: the reference's mmsegmentation {@code forward_train1}/{@code forward_train2}).
 */
public final class DeepLabV3NetworkFactory implements ModuleNetworkFactory {
    /** The decode head's loss output. */
    public static final String DECODE = "decode";
    /** The decode head's logits at the input size (what sliding-window inference averages). */
    public static final String DECODE_LOGITS = DECODE + "_up";
    /** The FCN auxiliary head's loss output. */
    public static final String AUX = "aux";
    /** Module 1's {@code head_inter} loss output. */
    public static final String INTER = "inter_ce";
    /** Module 1's {@code decoder_inter} loss output. */
    public static final String RECONSTRUCTION = InfoProNetworkFactory.RECONSTRUCTION;
    /** Layer 3's output, the FCN head's input. */
    private static final String LAYER3 = "layer3";

    private final DeepLabV3Spec spec;
    private final Hyper hyper;
    private final HeadSpec head;

    public DeepLabV3NetworkFactory(DeepLabV3Spec spec, Hyper hyper, HeadSpec head) {
        if (head.mode().contrastive()) {
            throw new ConfigException("DeepLab-V3 has no contrastive InfoPro variant in the reference; use infopro-softmax.");
        }
        this.spec = spec;
        this.hyper = hyper;
        this.head = head;
    }

    /** The factory with InfoPro softmax heads, for the fixed-split helpers ({@link #endToEnd}, {@link #module1}, {@link #module2}). */
    public DeepLabV3NetworkFactory(DeepLabV3Spec spec, Hyper hyper) {
        this(spec, hyper, HeadSpec.of(LossMode.INFOPRO_SOFTMAX, AuxNet.C1F2));
    }

    @Override
    public HeadSpec head() {
        return head;
    }

    @Override
    public String trunkOutputOf(ModulePlan plan) {
        return unitOutput(plan.lastUnit());
    }

    /** The last module: the decode head, then the FCN head; a local one: {@code head_inter} (λ2 > 0), then the decoder (λ1 > 0). */
    @Override
    public List<String> outputsOf(ModulePlan plan) {
        List<String> out = new ArrayList<>();
        if (plan.isLast()) {
            out.add(DECODE);
            out.add(AUX);
        } else {
            if (plan.weights().task() > 0) {
                out.add(INTER);
            }
            if (plan.weights().reconstruction() > 0) {
                out.add(RECONSTRUCTION);
            }
        }
        return out;
    }

    /**
     * Trunk units {@code plan.firstUnit()..plan.lastUnit()} with, for the last module, the ASPP decode head and the FCN
     * auxiliary head, and for a local module (InfoPro*, the reference's mmsegmentation {@code forward_train1}) its
     * {@code head_inter} (conv3x3 → 512, BN, ReLU, dropout 0.1, conv1x1 → classes, per-pixel CE weighted λ2) and
     * {@code decoder_inter} (conv1x1 → 128, three bilinear ×2 upsamplings between 3x3 convs to 32 and 12 channels, each
     * with BN and ReLU, a 3x3 conv to the image channels and a sigmoid; BCE against the image in [0, 1] weighted λ1).
     */
    @Override
    public ComputationGraph build(ModulePlan plan) {
        Layers l = Layers.graph(hyper, plan.index(), plan.inputShape());
        String x = trunk(l, Layers.INPUT, plan.firstUnit(), plan.lastUnit());
        if (plan.isLast()) {
            aspp(l, x, spec.layerChannels(4));
            fcn(l, LAYER3, spec.layerChannels(3));
        } else {
            int c = channelsAfter(plan.lastUnit());
            if (plan.weights().task() > 0) {
                String h = l.convBnRelu("inter", x, c, spec.scaled(512), 3, 1, 1, true);
                classify(l, INTER, h, spec.scaled(512), plan.weights().task());
            }
            if (plan.weights().reconstruction() > 0) {
                decoder(l, x, c, plan.weights().reconstruction());
            }
        }
        l.g.setOutputs(outputsOf(plan).toArray(String[]::new));
        return Layers.init(l.g.build());
    }

    /**
     * Validation of a segmentation module: the pixel confusion matrix of its per-pixel classifier (the decode head for the
     * last module, {@code head_inter} for a local one; the FCN head is a training aid, not scored) and the decoder's BCE.
     */
    @Override
    public HeadMetrics measure(ModulePlan plan, INDArray[] values, ImageBatch batch) {
        if (batch.pixels() == null) {
            throw new IllegalArgumentException("DeepLab-V3 validates per pixel, but the batch has no masks; train it on a "
                    + "segmentation dataset (prep-cityscapes).");
        }
        List<String> outputs = outputsOf(plan);
        ConfusionMatrix confusion = null;
        double bce = 0;
        for (int i = 0; i < outputs.size(); i++) {
            String o = outputs.get(i);
            if (o.equals(RECONSTRUCTION)) {
                bce = ClassifierHeads.bceSumOfImageMeans(values[i], batch.pixels01());
            } else if (o.equals(DECODE) || o.equals(INTER)) {
                try (INDArray predicted = Nd4j.argMax(values[i], 1)) {
                    confusion = new ConfusionMatrix(spec.numClasses()).add(batch.pixels().ids(), predicted.data().asInt());
                }
            }
        }
        return new HeadMetrics(batch.size(), 0, 0, 0, bce, 0, false, outputs.contains(RECONSTRUCTION), false, confusion);
    }

    /** The whole network, initialised; outputs {@link #DECODE} and {@link #AUX}, both against the same label image. */
    public ComputationGraph endToEnd() {
        return build(ModulePlan.of(0, 1, 0, spec.units() - 1, spec, null));
    }

    /** InfoPro* K=2 module 1 at the spec's split, with λ1 = {@code lambdaRec} and λ2 = {@code lambdaTask}. */
    public ComputationGraph module1(double lambdaRec, double lambdaTask) {
        return build(ModulePlan.of(0, 2, 0, spec.splitUnit(), spec, new LambdaSchedule.Weights(lambdaRec, lambdaTask)));
    }

    /** The activation of module 1 that is module 2's input: the output of its last layer-3 block. */
    public String handoff() {
        return unitOutput(spec.splitUnit());
    }

    /** InfoPro* K=2 module 2 at the spec's split: the rest of layer 3 and layer 4 with the decode and FCN heads. */
    public ComputationGraph module2() {
        return build(ModulePlan.of(1, 2, spec.splitUnit() + 1, spec.units() - 1, spec, null));
    }

    private String unitOutput(int unit) {
        return unit == 0 ? "stem_pool" : "l" + spec.layerOf(unit) + "b" + spec.blockOf(unit) + "_out";
    }

    /** Units {@code first..last} (0 = the stem, then the blocks in order) from {@code in}; the last one's name. */
    private String trunk(Layers l, String in, int first, int last) {
        String x = in;
        int c = first == 0 ? spec.channels() : channelsAfter(first - 1);
        for (int u = first; u <= last; u++) {
            if (u == 0) {
                x = stem(l);
                c = spec.base();
                continue;
            }
            int layer = spec.layerOf(u);
            int b = spec.blockOf(u);
            int stride = b == 0 ? DeepLabV3Spec.STRIDES[layer - 1] : 1;
            String name = "l" + layer + "b" + b;
            x = spec.bottleneck() ? bottleneck(l, name, x, c, layer, stride) : basic(l, name, x, c, layer, stride);
            c = spec.layerChannels(layer);
            if (u == spec.lastUnitOf(3)) {
                l.g.addLayer(LAYER3, new org.deeplearning4j.nn.conf.layers.ActivationLayer.Builder()
                        .activation(org.nd4j.linalg.activations.Activation.IDENTITY).build(), x);
                x = LAYER3;
            }
        }
        return x;
    }

    private int channelsAfter(int unit) {
        return unit == 0 ? spec.base() : spec.layerChannels(spec.layerOf(unit));
    }

    private void decoder(Layers l, String in, int cIn, double lambda) {
        l.decoder(in, cIn, spec.scaled(128), spec.scaled(32), spec.height(), spec.width(), spec.channels(), lambda, false);
    }

    private String stem(Layers l) {
        int half = spec.base() / 2;
        String s = l.convBnRelu("stem1", Layers.INPUT, spec.channels(), half, 3, 2, 1, false);
        s = l.convBnRelu("stem2", s, half, half, 3, 1, 1, false);
        s = l.convBnRelu("stem3", s, half, spec.base(), 3, 1, 1, false);
        l.g.addLayer("stem_pool", new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(3, 3).stride(2, 2).padding(1, 1)
                .convolutionMode(ConvolutionMode.Truncate).build(), s);
        return "stem_pool";
    }

    /** conv1x1 → conv3x3 (stride and dilation) → conv1x1 ×4, each with BN; a 1x1 projection where the shape changes. */
    private String bottleneck(Layers l, String p, String in, int cIn, int layer, int stride) {
        int width = spec.planes(layer);
        int out = spec.layerChannels(layer);
        int d = DeepLabV3Spec.DILATIONS[layer - 1];
        String a = l.convBnRelu(p + "_a", in, cIn, width, 1, 1, 0, false);
        String b = l.convBnRelu(p + "_b", a, width, width, 3, stride, d, d, false);
        String c = l.convBn(p + "_c", b, width, out, 1, 1, 0);
        String shortcut = stride != 1 || cIn != out ? l.convBn(p + "_sc", in, cIn, out, 1, stride, 0) : in;
        return l.addRelu(p + "_out", c, shortcut);
    }

    /** conv3x3 (stride and dilation) → conv3x3, each with BN; a 1x1 projection where the shape changes. */
    private String basic(Layers l, String p, String in, int cIn, int layer, int stride) {
        int out = spec.layerChannels(layer);
        int d = DeepLabV3Spec.DILATIONS[layer - 1];
        String a = l.convBnRelu(p + "_a", in, cIn, out, 3, stride, d, d, false);
        String b = l.convBn(p + "_b", a, out, out, 3, 1, 1);
        String shortcut = stride != 1 || cIn != out ? l.convBn(p + "_sc", in, cIn, out, 1, stride, 0) : in;
        return l.addRelu(p + "_out", b, shortcut);
    }

    private void aspp(Layers l, String in, int cIn) {
        int ch = spec.scaled(512);
        int h = spec.height() / 8;
        int w = spec.width() / 8;
        l.g.addLayer("aspp_gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).collapseDimensions(false).build(), in);
        String pool = l.convBnRelu("aspp_pool", "aspp_gap", cIn, ch, 1, 1, 0, false);
        l.g.addLayer("aspp_pool_up", new BilinearUpsample("aspp_pool_up", h, w), pool);
        String[] branches = new String[DeepLabV3Spec.ASPP_DILATIONS.length + 1];
        branches[0] = "aspp_pool_up";
        for (int i = 0; i < DeepLabV3Spec.ASPP_DILATIONS.length; i++) {
            int d = DeepLabV3Spec.ASPP_DILATIONS[i];
            branches[i + 1] = d == 1 ? l.convBnRelu("aspp_d1", in, cIn, ch, 1, 1, 0, false)
                    : l.convBnRelu("aspp_d" + d, in, cIn, ch, 3, 1, d, d, false);
        }
        l.g.addVertex("aspp_cat", new MergeVertex(), branches);
        String fused = l.convBnRelu("aspp_fuse", "aspp_cat", branches.length * ch, ch, 3, 1, 1, false);
        classify(l, DECODE, fused, ch, 1.0);
    }

    private void fcn(Layers l, String in, int cIn) {
        int ch = spec.scaled(256);
        String h = l.convBnRelu("fcn", in, cIn, ch, 3, 1, 1, false);
        classify(l, AUX, h, ch, DeepLabV3Spec.AUX_WEIGHT);
    }

    /** Spatial dropout, a 1x1 conv to the classes (with bias), upsampling to the input size and the per-pixel loss. */
    private void classify(Layers l, String name, String in, int cIn, double weight) {
        l.g.addLayer(name + "_drop", new DropoutLayer.Builder(new SpatialDropout(1 - DeepLabV3Spec.DROPOUT)).build(), in);
        l.g.addLayer(name + "_seg", l.conv(1, 1, 0, cIn, spec.numClasses(), true), name + "_drop");
        l.g.addLayer(name + "_up", new BilinearUpsample(name + "_up", spec.height(), spec.width()), name + "_seg");
        l.g.addLayer(name, PixelCrossEntropy.layer(spec.numClasses(), weight, spec.height(), spec.width()), name + "_up");
    }
}
