package org.infopro.spark.measure;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Top-1 and top-5 hits counted by hand on small score matrices, ties and fewer than 5 classes included. */
class ClassificationTest {
    private static final double U = 1.0 / 7;

    /** Seven classes; the comment of each row says how many other classes score at least as high as the true one. */
    private static final double[][] SEVEN = {
            {0.70, 0.10, 0.05, 0.05, 0.04, 0.03, 0.03}, // label 0: none          top-1 hit, top-5 hit
            {0.30, 0.25, 0.05, 0.20, 0.10, 0.05, 0.05}, // label 3: 2 above       top-5 hit only
            {0.30, 0.20, 0.15, 0.12, 0.10, 0.08, 0.05}, // label 5: 5 above       miss
            {0.40, 0.40, 0.05, 0.05, 0.04, 0.03, 0.03}, // label 0: 1 tied at max top-5 hit only (argmax would say hit)
            {0.30, 0.25, 0.15, 0.12, 0.10, 0.05, 0.03}, // label 4: 4 above       top-5 hit, the boundary
            {0.30, 0.20, 0.15, 0.12, 0.09, 0.09, 0.05}, // label 5: 4 above, 1 tied: miss, the tie counts against
            {U, U, U, U, U, U, U},                      // label 2: 6 tied        miss
            {0.25, 0.25, 0.20, 0.10, 0.10, 0.05, 0.05}, // label 3: 3 above, 1 tied: top-5 hit
    };
    private static final int[] SEVEN_LABELS = {0, 3, 5, 0, 4, 5, 2, 3};

    @Test
    void countsTopOneAndTopFiveHitsWithTiesAgainstTheTrueClass() {
        for (DataType type : new DataType[]{DataType.DOUBLE, DataType.FLOAT}) {
            try (INDArray d = Nd4j.createFromArray(SEVEN); INDArray probs = d.castTo(type)) {
                Classification c = Classification.of(probs, SEVEN_LABELS);
                assertEquals(1, c.correct(), type + " top-1");
                assertEquals(5, c.correctTop5(), type + " top-5");
                double ce = -(Math.log(0.70) + Math.log(0.20) + Math.log(0.08) + Math.log(0.40) + Math.log(0.10)
                        + Math.log(0.09) + Math.log(U) + Math.log(0.10));
                assertEquals(ce, c.crossEntropySum(), type == DataType.DOUBLE ? 1e-12 : 1e-5, type + " cross-entropy");
            }
        }
    }

    @Test
    void withThreeClassesEveryImageIsATopFiveHit() {
        double[][] three = {
                {0.2, 0.3, 0.5},       // label 0: the lowest score
                {0.6, 0.3, 0.1},       // label 0: top-1 hit
                {1.0 / 3, 1.0 / 3, 1.0 / 3}, // label 1: all tied, a top-1 miss
        };
        try (INDArray probs = Nd4j.createFromArray(three)) {
            Classification c = Classification.of(probs, new int[]{0, 0, 1});
            assertEquals(1, c.correct());
            assertEquals(3, c.correctTop5());
        }
    }

    @Test
    void topKIsTrueByDefinitionUpToKClassesAndFalseForANanScoreBeyond() {
        assertTrue(Classification.inTopK(new double[]{0.2, 0.2, 0.2, 0.2, 0.2}, 3, 5), "5 classes, all tied");
        assertTrue(Classification.inTopK(new double[]{Double.NaN, 1, 2}, 0, 5), "fewer classes than k");
        assertFalse(Classification.inTopK(new double[]{Double.NaN, 1, 2, 3, 4, 5}, 0, 5), "NaN true score");
        assertFalse(Classification.inTopK(new double[]{0.1, Double.NaN, 0.2, 0.3, 0.4, 0.5, 0.6}, 0, 5),
                "a NaN score of another class is not above; the 5 larger ones are");
        assertTrue(Classification.inTopK(new double[]{0.9, Double.NaN}, 0, 1), "two classes, top-1: NaN is not above");
    }

    @Test
    void headMetricsAddTopFiveHitsAndReportTheirShare() {
        HeadMetrics a = new HeadMetrics(4, 1, 3, 2.0, 0, 0, true, false, false);
        HeadMetrics b = new HeadMetrics(6, 2, 5, 3.0, 0, 0, true, false, false);
        HeadMetrics s = a.plus(b);
        assertEquals(8, s.correctTop5());
        assertEquals(0.3, s.accuracy(), 1e-12);
        assertEquals(0.8, s.top5Accuracy(), 1e-12);
        assertNull(new HeadMetrics(4, 0, 0, 0, 0, 1.5, false, false, true).top5Accuracy(), "a contrastive head has no top-5");
    }
}
