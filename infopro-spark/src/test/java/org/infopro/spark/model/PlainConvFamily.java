package org.infopro.spark.model;

import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.infopro.data.config.ConfigException;

import java.util.List;

/**
 * A network family that exists only in the tests, to show the seam: a plain (non-residual) stack of
 * {@code depth} conv3x3-BN-ReLU units at the input resolution, {@code 8 × width} channels, split at
 * {@code 1,b} (after unit b + 1) or {@code 0,0} (after the stem). Its local heads are a conv1x1 + sigmoid
 * decoder (BCE, λ1) and a pooled softmax classifier (CE, λ2); the last module pools and classifies. Adding it
 * took this class, its trunk and factory, and one line in {@code META-INF/services} of the test resources:
 * nothing in the schedules or the tasks.
 */
public final class PlainConvFamily implements NetworkFamily {
    public static final String NAME = "test-plain-conv";

    @Override
    public String name() {
        return NAME;
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
        return new Spec(depth, Math.max(2, (int) Math.round(8 * width)), chw[0], chw[1], chw[2], numClasses);
    }

    /** The trunk: units 0..depth-1, all at the input resolution. */
    public record Spec(int depth, int channelsWide, int channels, int height, int width, int numClasses) implements Trunk {
        @Override
        public String family() {
            return NAME;
        }

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
                l.g.addLayer(InfoProNetworkFactory.CLASSIFIER, l.softmax(c, spec.numClasses(), 1.0), "gap");
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
            return "u" + plan.lastUnit() + "_relu";
        }

        @Override
        public List<String> outputsOf(ModulePlan plan) {
            return InfoProNetworkFactory.outputs(plan);
        }
    }
}
