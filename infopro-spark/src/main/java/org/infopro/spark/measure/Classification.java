package org.infopro.spark.measure;

import org.nd4j.linalg.api.ndarray.INDArray;

/** Correct predictions and summed cross-entropy of softmax outputs against class indices. */
public record Classification(long correct, double crossEntropySum) {

    public static Classification of(INDArray probs, int[] labels) {
        int[] pred = probs.argMax(1).toIntVector();
        long correct = 0;
        double ce = 0;
        for (int n = 0; n < labels.length; n++) {
            if (pred[n] == labels[n]) {
                correct++;
            }
            ce -= Math.log(Math.max(probs.getDouble(n, labels[n]), 1e-12));
        }
        return new Classification(correct, ce);
    }
}
