package org.infopro.spark.measure;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Top-1 and top-5 hits and summed cross-entropy of one batch's class scores (softmax outputs, one row per image)
 * against class indices.
 *
 * <p>A prediction is a top-k hit when the true class's score is strictly greater than the scores of all but at most
 * k - 1 other classes: a class scoring the same as the true class counts as ranked above it, so a tie never
 * earns a hit it would not earn with the tie broken against the true class (top-1 included: a row whose largest
 * score is shared is a miss, not the lowest index's hit). Hence top-5 hits are never fewer than top-1 hits. With
 * no more than k classes every image is a top-k hit by definition: top-5 accuracy is 1.0 for 5 classes or fewer.
 * A NaN true score is a miss whenever the rule can fail. The rule depends only on the order of the scores, so
 * softmax outputs and their logits count the same.
 */
public record Classification(long correct, long correctTop5, double crossEntropySum) {
    /** The k of the top-k accuracy reported next to top-1. */
    public static final int TOP_K = 5;

    public static Classification of(INDArray probs, int[] labels) {
        double[][] scores = probs.toDoubleMatrix();
        long correct = 0;
        long correctTop5 = 0;
        double ce = 0;
        for (int n = 0; n < labels.length; n++) {
            if (inTopK(scores[n], labels[n], 1)) {
                correct++;
            }
            if (inTopK(scores[n], labels[n], TOP_K)) {
                correctTop5++;
            }
            ce -= Math.log(Math.max(scores[n][labels[n]], 1e-12));
        }
        return new Classification(correct, correctTop5, ce);
    }

    /** Whether {@code label} is among the top {@code k} of {@code scores} under the rule of this type. */
    public static boolean inTopK(double[] scores, int label, int k) {
        if (scores.length <= k) {
            return true;
        }
        double own = scores[label];
        if (Double.isNaN(own)) {
            return false;
        }
        int atLeastAsHigh = 0;
        for (int c = 0; c < scores.length; c++) {
            if (c != label && scores[c] >= own && ++atLeastAsHigh >= k) {
                return false;
            }
        }
        return true;
    }
}
