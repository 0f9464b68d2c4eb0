package org.infopro.spark.model;

import org.infopro.data.shard.ImageBatch;
import org.infopro.spark.loss.LossSupCon;
import org.infopro.spark.measure.Classification;
import org.infopro.spark.measure.HeadMetrics;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.List;

/**
 * What validating a classification family's heads measures: the classifier's (or auxiliary softmax head's)
 * top-1 and top-5 hits and cross-entropy, the contrastive head's SupCon loss at the trained temperature, and the
 * decoder's per-element BCE as PyTorch's BCELoss reports it.
 */
public final class ClassifierHeads {
    private ClassifierHeads() {
    }

    public static HeadMetrics measure(ModulePlan plan, HeadSpec head, List<String> outputs, INDArray[] values, ImageBatch batch) {
        boolean contrastive = !plan.isLast() && head.mode().contrastive() && outputs.contains(InfoProNetworkFactory.AUX);
        boolean hasClassifier = plan.isLast() || (!contrastive && outputs.contains(InfoProNetworkFactory.AUX));
        boolean hasRec = outputs.contains(InfoProNetworkFactory.RECONSTRUCTION);
        long correct = 0;
        long correctTop5 = 0;
        double ce = 0;
        double bce = 0;
        double supcon = 0;
        for (int i = 0; i < outputs.size(); i++) {
            if (outputs.get(i).equals(InfoProNetworkFactory.RECONSTRUCTION)) {
                bce = bceSumOfImageMeans(values[i], batch.pixels01());
            } else if (contrastive) {
                supcon = new LossSupCon(head.temperature(), 1.0)
                        .computeScore(batch.labels(), values[i], new ActivationIdentity(), null, false);
            } else {
                Classification c = Classification.of(values[i], batch.labelIndices());
                correct = c.correct();
                correctTop5 = c.correctTop5();
                ce = c.crossEntropySum();
            }
        }
        return new HeadMetrics(batch.size(), correct, correctTop5, ce, bce, supcon, hasClassifier, hasRec, contrastive);
    }

    /** Σ over images of the mean per-element binary cross-entropy, with DL4J's clipping (1e-5). */
    public static double bceSumOfImageMeans(INDArray probs, INDArray target) {
        try (INDArray p = Transforms.max(Transforms.min(probs, 1 - 1e-5, true), 1e-5, false);
             INDArray logP = Transforms.log(p, true);
             INDArray log1mP = Transforms.log(p.rsub(1.0), false);
             INDArray pos = target.mul(logP);
             INDArray neg = target.rsub(1.0).muli(log1mP)) {
            return -pos.addi(neg).sumNumber().doubleValue() / (probs.length() / probs.size(0));
        }
    }
}
