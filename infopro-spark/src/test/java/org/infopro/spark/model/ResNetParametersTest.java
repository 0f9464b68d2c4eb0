package org.infopro.spark.model;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.infopro.spark.loss.LambdaSchedule;
import org.infopro.spark.loss.LossMode;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ResNetParametersTest {

    /** Trainable parameters of the end-to-end network; DL4J also stores BN running mean and log-std as params. */
    private static long trainable(int depth) {
        ResNetSpec spec = new ResNetSpec(depth, 32, 32, 3, 10);
        ModulePlan plan = ModulePlan.plan(spec, SplitPoint.parseList("none"), new LambdaSchedule(0, 0, 0, 0)).get(0);
        ComputationGraph g = new InfoProNetworkFactory(spec, new Hyper(0, 0.1, 0.9, 0), HeadSpec.of(LossMode.E2E, AuxNet.C1F2))
                .build(plan);
        long n = g.numParams();
        for (Layer l : g.getLayers()) {
            if (l instanceof org.deeplearning4j.nn.layers.normalization.BatchNormalization) {
                n -= l.getParam("mean").length() + l.getParam("log10stdev").length();
            }
        }
        return n;
    }

    /** The same count by hand: stem, 3 stages of n basic blocks (1x1 conv + BN shortcut at stages 2, 3), FC. */
    private static long byHand(int n) {
        long stem = 3 * 16 * 9 + 2 * 16;
        long total = stem;
        int[] w = {16, 16, 32, 64};
        for (int s = 1; s <= 3; s++) {
            for (int b = 0; b < n; b++) {
                int in = b == 0 ? w[s - 1] : w[s];
                total += (long) in * w[s] * 9 + 2 * w[s] + (long) w[s] * w[s] * 9 + 2 * w[s];
                if (in != w[s]) {
                    total += (long) in * w[s] + 2 * w[s];
                }
            }
        }
        return total + 64 * 10 + 10;
    }

    @Test
    void resNet32HasTheReferences046MParameters() {
        assertEquals(byHand(5), trainable(32));
        // 0.46M as the paper rounds it; the two 1x1 projection shortcuts of the reference code add 2,752
        // parameters to the 464,154 of identity-shortcut ResNet-32.
        assertEquals(464_154 + 2_752, trainable(32));
        assertEquals(0.46, trainable(32) / 1e6, 0.01);
    }

    @Test
    void resNet110HasTheReferences17MParameters() {
        assertEquals(byHand(18), trainable(110));
        assertEquals(1_730_714, trainable(110));
        assertEquals(1.7, trainable(110) / 1e6, 0.05);
    }
}
