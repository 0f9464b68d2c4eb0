package org.infopro.spark.model;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.infopro.spark.loss.LambdaSchedule;
import org.infopro.spark.loss.LossMode;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class AuxNetTest {
    private static final ResNetSpec SPEC = new ResNetSpec(8, 32, 32, 3, 10);

    /** Parameters of module 1's auxiliary head when module 1 ends after the stem (16 channels, 32x32). */
    private static long headParams(LossMode mode, AuxNet aux) {
        ModulePlan plan = ModulePlan.plan(SPEC, SplitPoint.parseList("0,0"), new LambdaSchedule(0, 1, 0, 1)).get(0);
        ComputationGraph g = new InfoProNetworkFactory(SPEC, new Hyper(0, 0.1, 0.9, 0), HeadSpec.of(mode, aux)).build(plan);
        long trunk = 16 * 3 * 9 + 4 * 16; // stem conv (no bias) + BN gamma, beta, mean, log-std
        return g.numParams() - trunk;
    }

    private static long bn(int c) {
        return 4L * c;
    }

    @Test
    void headsHaveTheReferenceLayersAndWidths() {
        // C_in = 16: convs go 16 -> 32 with stride 2; hidden FC width 128; output 10 classes or 128-d
        assertEquals(16 * 10 + 10, headParams(LossMode.GREEDY, AuxNet.C0F1));
        assertEquals(16 * 128 + 128 + 128 * 10 + 10, headParams(LossMode.INFOPRO_SOFTMAX, AuxNet.C0F2));
        assertEquals(16 * 32 * 9 + bn(32) + 32 * 10 + 10, headParams(LossMode.INFOPRO_SOFTMAX, AuxNet.C1F1));
        long c1f2 = 16 * 32 * 9 + bn(32) + 32 * 128 + 128 + 128 * 10 + 10;
        assertEquals(c1f2, headParams(LossMode.INFOPRO_SOFTMAX, AuxNet.C1F2));
        assertEquals(c1f2 + 128 * 128 + 128, headParams(LossMode.INFOPRO_SOFTMAX, AuxNet.C1F3));
        assertEquals(c1f2 + 32 * 32 * 9 + bn(32), headParams(LossMode.INFOPRO_SOFTMAX, AuxNet.C2F2));
        // contrast mode projects to 128 dimensions instead of the classes
        assertEquals(16 * 32 * 9 + bn(32) + 32 * 128 + 128 + 128 * 128 + 128, headParams(LossMode.INFOPRO_CONTRAST, AuxNet.C1F2));
    }

    @Test
    void labelsAreTheReferenceNames() {
        assertEquals(List.of("0c1f", "0c2f", "1c1f", "1c2f", "1c3f", "2c2f"),
                java.util.Arrays.stream(AuxNet.values()).map(AuxNet::label).toList());
    }
}
