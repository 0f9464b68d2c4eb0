package org.infopro.spark.model;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.infopro.data.shard.ImageBatch;
import org.infopro.spark.module.SyntheticBatch;
import org.infopro.spark.loss.LambdaSchedule;
import org.infopro.spark.loss.LossMode;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.learning.regularization.L2Regularization;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Batch-norm γ and β are weight-decayed like every other parameter, as in the reference's PyTorch SGD. */
class DecayedBatchNormalizationTest {
    private static final ResNetSpec SPEC = new ResNetSpec(8, 8, 8, 1, 10);

    private static ComputationGraph lastModule(double wd) {
        ModulePlan plan = ModulePlan.plan(SPEC, List.of(), new LambdaSchedule(0, 0, 0, 0)).get(0);
        return new InfoProNetworkFactory(SPEC, new Hyper(2, 0.1, 0.9, wd), HeadSpec.of(LossMode.E2E, AuxNet.C1F2)).build(plan);
    }

    @Test
    void scaleAndShiftAreRegularisedButRunningStatisticsAreNot() {
        var bn = (DecayedBatchNormalization) lastModule(1e-4).getLayer("stem_bnrelu").conf().getLayer();
        assertInstanceOf(L2Regularization.class, bn.getRegularizationByParam("gamma").get(0));
        assertInstanceOf(L2Regularization.class, bn.getRegularizationByParam("beta").get(0));
        assertNull(bn.getRegularizationByParam("mean"));
        assertNull(bn.getRegularizationByParam("log10stdev"));
    }

    @Test
    void oneNesterovStepDecaysGammaByOnePlusMomentumTimesLrTimesWd() {
        double wd = 0.01;
        ComputationGraph plain = lastModule(0);
        ComputationGraph decayed = lastModule(wd);
        try (ImageBatch b = SyntheticBatch.of(8, 1, 8, 8, 10, 4)) {
            MultiDataSet ds = new MultiDataSet(new INDArray[]{b.features()}, new INDArray[]{b.labels()});
            plain.fit(ds);
            decayed.fit(ds);
        }
        // γ starts at 1; the data gradient is the same in both; L2 adds wd·γ before the Nesterov update:
        // Δγ differs by −(1 + μ)·lr·wd·γ on the first step
        double g0 = plain.getLayer("stem_bnrelu").getParam("gamma").getDouble(0);
        double g1 = decayed.getLayer("stem_bnrelu").getParam("gamma").getDouble(0);
        assertEquals(-(1 + 0.9) * 0.1 * wd, g1 - g0, 1e-5);
    }
}
