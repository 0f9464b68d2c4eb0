package org.infopro.spark.model;

import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.infopro.data.config.ConfigException;

import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A network family that exists only in the tests, to show the seam: a plain (non-residual) stack of
 * {@code depth} conv3x3-BN-ReLU units at the input resolution, {@code 8 × width} channels, split at
 * {@code 1,b} (after unit b + 1) or {@code 0,0} (after the stem). Its local heads are a conv1x1 + sigmoid
 * decoder (BCE, λ1) and a pooled softmax classifier (CE, λ2); the last module pools and classifies. Adding it
 * took this class, its trunk and factory, and one line in {@code META-INF/services} of the test resources:
 * nothing in the schedules or the tasks.
 */
public class PlainConvFamily implements NetworkFamily {
    public static final String NAME = "test-plain-conv";

    @Override
    public String name() {
        return NAME;
    }

    /** How many loss evaluations of the last module stay finite before it diverges; 0 = never. */
    int divergeAfter() {
        return 0;
    }

    @Override
    public String summary() {
        return "tests only: plain conv3x3 units, no residuals";
    }

    @Override
    public int defaultDepth() {
        return 3;
    }

    @Override
    public void check(int depth, double width) {
        if (depth < 2 || width <= 0) {
            throw new ConfigException("train: --arch " + NAME + " needs --depth >= 2 and --width > 0");
        }
    }

    @Override
    public Trunk trunk(int depth, double width, int[] chw, int numClasses) {
        check(depth, width);
        return new Spec(name(), depth, Math.max(2, (int) Math.round(8 * width)), chw[0], chw[1], chw[2], numClasses, divergeAfter());
    }

    /** The trunk: units 0..depth-1, all at the input resolution. */
    public record Spec(String family, int depth, int channelsWide, int channels, int height, int width, int numClasses,
                       int divergeAfter) implements Trunk {

        @Override
        public int units() {
            return depth;
        }

        @Override
        public int unitOf(SplitPoint p) {
            int u = p.stage() == 0 ? 0 : p.block() + 1;
            if (p.stage() > 1 || u >= depth) {
                throw new ConfigException("split point " + p + " does not exist in " + NAME + " of depth " + depth);
            }
            return u;
        }

        @Override
        public int[] shapeAfter(int unit) {
            return new int[]{channelsWide, height, width};
        }

        @Override
        public int[] inputShape() {
            return new int[]{channels, height, width};
        }

        @Override
        public long flops(int first, int last) {
            long f = 0;
            for (int u = first; u <= last; u++) {
                f += 2L * 9 * (u == 0 ? channels : channelsWide) * channelsWide * height * width;
            }
            return f;
        }

        @Override
        public ModuleNetworkFactory networks(Hyper hyper, HeadSpec head) {
            return new Factory(this, hyper, head);
        }
    }

    /**
     * The same family, except that its last module's loss turns NaN after {@code DivergingLoss.FINITE} evaluations
     * (counted in this JVM, which in local mode runs the tasks): a run that diverges mid-training.
     */
    public static final class Diverging extends PlainConvFamily {
        public static final String NAME = "test-diverging-conv";

        @Override
        public String name() {
            return NAME;
        }

        @Override
        int divergeAfter() {
            return DivergingLoss.FINITE;
        }
    }

    /** Cross-entropy that returns NaN from its {@code FINITE + 1}-th evaluation in this JVM on. */
    public static final class DivergingLoss extends LossMCXENT {
        public static final int FINITE = 2;
        public static final AtomicInteger CALLS = new AtomicInteger();
        private int after;

        public DivergingLoss() {
        }

        DivergingLoss(int after) {
            this.after = after;
        }

        public int getAfter() {
            return after;
        }

        public void setAfter(int after) {
            this.after = after;
        }

        @Override
        public double computeScore(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask, boolean average) {
            double s = super.computeScore(labels, preOutput, activationFn, mask, average);
            return CALLS.incrementAndGet() > after ? Double.NaN : s;
        }
    }

    private record Factory(Spec spec, Hyper hyper, HeadSpec head) implements ModuleNetworkFactory {
        @Override
        public ComputationGraph build(ModulePlan plan) {
            Layers l = Layers.graph(hyper, plan.index(), plan.inputShape());
            String prev = Layers.INPUT;
            int c = plan.inputShape()[0];
            for (int u = plan.firstUnit(); u <= plan.lastUnit(); u++) {
                prev = l.convBnRelu("u" + u, prev, c, spec.channelsWide(), 1);
                c = spec.channelsWide();
            }
            if (plan.isLast()) {
                l.g.addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), prev);
                l.g.addLayer(InfoProNetworkFactory.CLASSIFIER, spec.divergeAfter() > 0
                        ? new OutputLayer.Builder(new DivergingLoss(spec.divergeAfter())).nIn(c).nOut(spec.numClasses())
                        .activation(Activation.SOFTMAX).updater(l.updater).build()
                        : l.softmax(c, spec.numClasses(), 1.0), "gap");
            } else {
                if (plan.weights().reconstruction() > 0) {
                    l.g.addLayer("dec", l.conv(1, 1, 0, c, spec.channels(), true), prev);
                    l.reconstruction(InfoProNetworkFactory.RECONSTRUCTION, "dec", plan.weights().reconstruction(), spec.channels(),
                            spec.height(), spec.width());
                }
                if (plan.weights().task() > 0) {
                    l.g.addLayer("aux_gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), prev);
                    l.g.addLayer(InfoProNetworkFactory.AUX, l.softmax(c, spec.numClasses(), plan.weights().task()), "aux_gap");
                }
            }
            l.g.setOutputs(outputsOf(plan).toArray(String[]::new));
            return Layers.init(l.g.build());
        }

        @Override
        public String trunkOutputOf(ModulePlan plan) {
            return "u" + plan.lastUnit() + "_bnrelu";
        }

        @Override
        public List<String> outputsOf(ModulePlan plan) {
            return InfoProNetworkFactory.outputs(plan);
        }
    }
}
