package org.infopro.spark.loss;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class LossSupConTest {
    private static INDArray oneHot(int... labels) {
        INDArray y = Nd4j.zeros(DataType.DOUBLE, labels.length, 3);
        for (int i = 0; i < labels.length; i++) {
            y.putScalar(i, labels[i], 1.0);
        }
        return y;
    }

    @Test
    void matchesAHandComputedBatchIncludingAnAnchorWithoutPositives() {
        // three 2-d points; unnormalised (3,0) normalises to (1,0). Labels 0,0,1: anchor 2 has no positive.
        INDArray p = Nd4j.createFromArray(new double[][]{{3, 0}, {0, 1}, {1, 0}});
        double tau = 0.5;
        INDArray scores = new LossSupCon(tau, 1.0).computeScoreArray(oneHot(0, 0, 1), p, new ActivationIdentity(), null);
        // z0=(1,0), z1=(0,1), z2=(1,0): s01 = 0, s02 = 1/τ = 2, s12 = 0
        // L0 = -(s01 - log(e^s01 + e^s02)) = log(1 + e^2); L1 = -(s10 - log(e^s10 + e^s12)) = log 2; L2 = 0
        assertEquals(Math.log(1 + Math.exp(2)), scores.getDouble(0), 1e-12);
        assertEquals(Math.log(2), scores.getDouble(1), 1e-12);
        assertEquals(0.0, scores.getDouble(2), 0.0);
        double mean = new LossSupCon(tau, 1.0).computeScore(oneHot(0, 0, 1), p, new ActivationIdentity(), null, true);
        assertEquals((Math.log(1 + Math.exp(2)) + Math.log(2)) / 3, mean, 1e-12, "no-positive anchors count in the mean");
    }

    @Test
    void weightScalesScoreAndGradient() {
        INDArray p = Nd4j.createFromArray(new double[][]{{1, 2}, {2, 1}, {-1, 0.5}, {0.3, -2}});
        INDArray y = oneHot(0, 0, 1, 1);
        LossSupCon one = new LossSupCon(0.07, 1.0);
        LossSupCon three = new LossSupCon(0.07, 3.0);
        assertEquals(3 * one.computeScore(y, p, new ActivationIdentity(), null, false),
                three.computeScore(y, p, new ActivationIdentity(), null, false), 1e-9);
        assertArrayEquals(one.computeGradient(y, p, new ActivationIdentity(), null).mul(3).toDoubleMatrix()[1],
                three.computeGradient(y, p, new ActivationIdentity(), null).toDoubleMatrix()[1], 1e-9);
    }

    @Test
    void analyticGradientMatchesFiniteDifferences() {
        Nd4j.getRandom().setSeed(3);
        INDArray p = Nd4j.randn(DataType.DOUBLE, 6, 5);
        INDArray y = oneHot(0, 1, 0, 2, 1, 1);
        LossSupCon loss = new LossSupCon(0.07, 1.0);
        double[][] g = loss.computeGradient(y, p, new ActivationIdentity(), null).toDoubleMatrix();
        double h = 1e-6;
        for (int i = 0; i < 6; i++) {
            for (int k = 0; k < 5; k++) {
                INDArray plus = p.dup();
                plus.putScalar(i, k, p.getDouble(i, k) + h);
                INDArray minus = p.dup();
                minus.putScalar(i, k, p.getDouble(i, k) - h);
                double numeric = (loss.computeScore(y, plus, new ActivationIdentity(), null, false)
                        - loss.computeScore(y, minus, new ActivationIdentity(), null, false)) / (2 * h);
                assertEquals(numeric, g[i][k], 1e-5 * Math.max(1, Math.abs(numeric)), "d/dp[" + i + "][" + k + "]");
            }
        }
    }
}
