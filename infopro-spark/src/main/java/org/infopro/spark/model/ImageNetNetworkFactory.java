package org.infopro.spark.model;

import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.infopro.data.config.ConfigException;

import java.util.List;

/**
 * Builds the local modules of an ImageNet bottleneck ResNet for InfoPro (Wang et al., ICLR 2021, the
 * reference's {@code Experiments on ImageNet/networks/resnet.py}), with the ImageNet auxiliary nets:
 * <ul>
 *   <li>decoder: conv1x1 C→128 + BN + ReLU, bilinear ×2 (align corners), conv3x3 128→32 + BN + ReLU, ×2,
 *       conv3x3 32→12 + BN + ReLU, ×2 to the input size, conv3x3 12→3, sigmoid; BCE against the image in
 *       [0, 1]; decoder convs have bias;</li>
 *   <li>auxiliary classifier: conv1x1 C→128, conv3x3/2 128→256, conv3x3/2 256→512, conv1x1 512→2048
 *       (each + BN + ReLU, no bias), global average pooling, FC to the classes; softmax cross-entropy
 *       (ImageNet has no contrastive variant).</li>
 * </ul>
 * The auxiliary widths scale with the trunk's base width (base/64), so reduced networks stay consistent.
 */
public final class ImageNetNetworkFactory implements ModuleNetworkFactory {
    private final ImageNetResNetSpec spec;
    private final Hyper hyper;
    private final HeadSpec head;

    public ImageNetNetworkFactory(ImageNetResNetSpec spec, Hyper hyper, HeadSpec head) {
        if (head.mode().contrastive()) {
            throw new ConfigException("ImageNet ResNets have no contrastive InfoPro variant in the reference; use infopro-softmax.");
        }
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
        return plan.lastUnit() == 0 ? "stem_pool" : "u" + plan.lastUnit() + "_out";
    }

    @Override
    public List<String> outputsOf(ModulePlan plan) {
        return InfoProNetworkFactory.outputs(plan);
    }

    @Override
    public ComputationGraph build(ModulePlan plan) {
        Layers l = Layers.graph(hyper, plan.index(), plan.inputShape());
        String prev = Layers.INPUT;
        int channels = plan.inputShape()[0];
        for (int u = plan.firstUnit(); u <= plan.lastUnit(); u++) {
            if (u == 0) {
                String s = l.convBnRelu("stem", prev, channels, spec.base(), 7, 2, 3, false);
                l.g.addLayer("stem_pool", new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(3, 3).stride(2, 2)
                        .padding(1, 1).convolutionMode(ConvolutionMode.Truncate).build(), s);
                prev = "stem_pool";
                channels = spec.base();
            } else {
                int stage = spec.stageOf(u);
                int stride = spec.blockOf(u) == 0 && stage > 1 ? 2 : 1;
                prev = bottleneck(l, u, prev, channels, stage, stride);
                channels = spec.stageChannels(stage);
            }
        }
        if (plan.isLast()) {
            l.g.addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), prev);
            l.g.addLayer(InfoProNetworkFactory.CLASSIFIER, l.softmax(channels, spec.numClasses(), 1.0), "gap");
        } else {
            if (plan.weights().reconstruction() > 0) {
                decoder(l, prev, channels, plan.weights().reconstruction());
            }
            if (plan.weights().task() > 0) {
                auxClassifier(l, prev, channels, plan.weights().task());
            }
        }
        l.g.setOutputs(outputsOf(plan).toArray(String[]::new));
        return Layers.init(l.g.build());
    }

    /** conv1x1 → conv3x3 (stride here, torchvision v1.5) → conv1x1 ×4, each with BN; projection when needed. */
    private String bottleneck(Layers l, int unit, String in, int cIn, int stage, int stride) {
        String p = "u" + unit;
        int width = spec.base() << (stage - 1);
        int out = spec.stageChannels(stage);
        String a = l.convBnRelu(p + "_a", in, cIn, width, 1, 1, 0, false);
        String b = l.convBnRelu(p + "_b", a, width, width, 3, stride, 1, false);
        String c = l.convBn(p + "_c", b, width, out, 1, 1, 0);
        String shortcut = stride != 1 || cIn != out ? l.convBn(p + "_sc", in, cIn, out, 1, stride, 0) : in;
        return l.addRelu(p + "_out", c, shortcut);
    }

    private int scaled(int channels) {
        return Math.max(4, channels * spec.base() / 64);
    }

    private void decoder(Layers l, String in, int cIn, double lambda) {
        l.decoder(in, cIn, scaled(128), scaled(32), spec.height(), spec.width(), spec.channels(), lambda, true);
    }

    private void auxClassifier(Layers l, String in, int cIn, double lambda) {
        int a = scaled(128), b = scaled(256), c = scaled(512), d = scaled(2048);
        String h = l.convBnRelu("aux_a", in, cIn, a, 1, 1, 0, false);
        h = l.convBnRelu("aux_b", h, a, b, 3, 2, 1, false);
        h = l.convBnRelu("aux_c", h, b, c, 3, 2, 1, false);
        h = l.convBnRelu("aux_d", h, c, d, 1, 1, 0, false);
        l.g.addLayer("aux_gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), h);
        l.g.addLayer(InfoProNetworkFactory.AUX, l.softmax(d, spec.numClasses(), lambda), "aux_gap");
    }
}
