package org.infopro.spark.loss;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.infopro.data.shard.ImageBatch;
import org.infopro.spark.module.SyntheticBatch;
import org.infopro.spark.model.AuxNet;
import org.infopro.spark.model.HeadSpec;
import org.infopro.spark.model.Hyper;
import org.infopro.spark.model.InfoProNetworkFactory;
import org.infopro.spark.model.ModulePlan;
import org.infopro.spark.model.ResNetSpec;
import org.infopro.spark.model.SplitPoint;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A local module's loss is exactly λ1·BCE + λ2·CE with PyTorch's reductions: BCELoss averaged over all
 * N·C·H·W elements, cross-entropy averaged over the batch. Checked against the heads' outputs by hand.
 */
class LocalLossScalingTest {

    @Test
    void moduleLossIsLambda1MeanBceplusLambda2MeanCrossEntropy() {
        ResNetSpec spec = new ResNetSpec(8, 12, 12, 2, 5);
        double l1 = 3.0, l2 = 0.7;
        ModulePlan plan = ModulePlan.plan(spec, SplitPoint.parseList("1,0"), new LambdaSchedule(l1, l2, 0, 0)).get(0);
        // no weight decay, so the score is the data loss only
        ComputationGraph net = new InfoProNetworkFactory(spec, new Hyper(4, 0.1, 0.9, 0),
                HeadSpec.of(LossMode.INFOPRO_SOFTMAX, AuxNet.C1F2)).build(plan);
        try (ImageBatch b = SyntheticBatch.of(6, 2, 12, 12, 5, 2)) {
            double score = net.score(new MultiDataSet(new INDArray[]{b.features()}, new INDArray[]{b.pixels01(), b.labels()}), false);
            List<String> outputs = InfoProNetworkFactory.outputs(plan);
            assertEquals(List.of(InfoProNetworkFactory.RECONSTRUCTION, InfoProNetworkFactory.AUX), outputs);
            INDArray[] out = net.output(false, b.features());
            double[] p = out[0].dup().data().asDouble();
            double[] t = b.pixels01().dup().data().asDouble();
            double bce = 0;
            for (int i = 0; i < p.length; i++) {
                double q = Math.min(Math.max(p[i], 1e-5), 1 - 1e-5); // DL4J's clipping
                bce -= t[i] * Math.log(q) + (1 - t[i]) * Math.log(1 - q);
            }
            bce /= p.length;
            double ce = 0;
            for (int n = 0; n < 6; n++) {
                ce -= Math.log(out[1].getDouble(n, b.labelIndices()[n]));
            }
            ce /= 6;
            assertEquals(l1 * bce + l2 * ce, score, 1e-4 * score);
            // the validation path reports the same mean BCE
            assertEquals(bce * 6, org.infopro.spark.model.ClassifierHeads.bceSumOfImageMeans(out[0], b.pixels01()), 1e-4);
        }
    }
}
