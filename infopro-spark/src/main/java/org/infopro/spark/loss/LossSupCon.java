package org.infopro.spark.loss;

import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.ILossFunction;

/**
 * Supervised contrastive loss (Khosla et al., "Supervised Contrastive Learning", NeurIPS 2020), as InfoPro's
 * contrast mode uses it: one view per sample, contrast mode 'all', temperature τ = 0.07 = base temperature.
 * The head's output p is L2-normalised to z, and for anchor i with positives P(i) (other samples of its class)
 * <pre>  L_i = −1/|P(i)| · Σ_{p∈P(i)} log( exp(z_i·z_p/τ) / Σ_{a≠i} exp(z_i·z_a/τ) )</pre>
 * An anchor without positives contributes 0 (and still counts in the batch mean). The gradient is analytic:
 * with W_ij = softmax_{a≠i}(S_i)_j − [j∈P(i)]/|P(i)| for anchors with positives and S = zzᵀ/τ,
 * dL/dz = (W + Wᵀ)z/τ, then through the normalisation dL/dp = (g − z(z·g))/‖p‖.
 * DL4J's convention holds: the score array is per example, the gradient is of the summed score, and
 * {@code weight} (InfoPro's λ2) scales both.
 */
public class LossSupCon implements ILossFunction {
    private double temperature = 0.07;
    private double weight = 1.0;

    /** For JSON deserialisation. */
    public LossSupCon() {
    }

    public LossSupCon(double temperature, double weight) {
        this.temperature = temperature;
        this.weight = weight;
    }

    public double getTemperature() {
        return temperature;
    }

    public void setTemperature(double temperature) {
        this.temperature = temperature;
    }

    public double getWeight() {
        return weight;
    }

    public void setWeight(double weight) {
        this.weight = weight;
    }

    /** Per-anchor losses and the gradient of their sum with respect to the head's pre-activation output. */
    private Pair<INDArray, INDArray> compute(INDArray labels, INDArray preOutput, IActivation activationFn, boolean gradient) {
        INDArray out = activationFn.getActivation(preOutput.dup(), true);
        double[][] p = out.castTo(DataType.DOUBLE).toDoubleMatrix();
        int[] y = labels.argMax(1).toIntVector();
        int n = p.length;
        int d = p[0].length;
        double[][] z = new double[n][d];
        double[] norm = new double[n];
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (double v : p[i]) {
                s += v * v;
            }
            norm[i] = Math.max(Math.sqrt(s), 1e-12);
            for (int k = 0; k < d; k++) {
                z[i][k] = p[i][k] / norm[i];
            }
        }
        double[][] sim = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = i; j < n; j++) {
                double s = 0;
                for (int k = 0; k < d; k++) {
                    s += z[i][k] * z[j][k];
                }
                sim[i][j] = s / temperature;
                sim[j][i] = sim[i][j];
            }
        }
        double[] loss = new double[n];
        double[][] w = new double[n][n];
        for (int i = 0; i < n; i++) {
            int positives = 0;
            for (int j = 0; j < n; j++) {
                if (j != i && y[j] == y[i]) {
                    positives++;
                }
            }
            if (positives == 0) {
                continue;
            }
            // log-sum-exp over a ≠ i, stabilised by the row maximum
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < n; j++) {
                if (j != i) {
                    max = Math.max(max, sim[i][j]);
                }
            }
            double den = 0;
            for (int j = 0; j < n; j++) {
                if (j != i) {
                    den += Math.exp(sim[i][j] - max);
                }
            }
            double logDen = max + Math.log(den);
            double sumPos = 0;
            for (int j = 0; j < n; j++) {
                if (j != i) {
                    if (y[j] == y[i]) {
                        sumPos += sim[i][j] - logDen;
                        w[i][j] -= 1.0 / positives;
                    }
                    w[i][j] += Math.exp(sim[i][j] - logDen);
                }
            }
            loss[i] = -weight * sumPos / positives;
        }
        INDArray scores = Nd4j.createFromArray(loss).reshape(n, 1).castTo(preOutput.dataType());
        if (!gradient) {
            return new Pair<>(scores, null);
        }
        double[][] grad = new double[n][d];
        for (int i = 0; i < n; i++) {
            double[] g = new double[d];
            for (int j = 0; j < n; j++) {
                double c = (w[i][j] + w[j][i]) / temperature;
                if (c != 0) {
                    for (int k = 0; k < d; k++) {
                        g[k] += c * z[j][k];
                    }
                }
            }
            double zg = 0;
            for (int k = 0; k < d; k++) {
                zg += z[i][k] * g[k];
            }
            for (int k = 0; k < d; k++) {
                grad[i][k] = weight * (g[k] - z[i][k] * zg) / norm[i];
            }
        }
        INDArray dOut = Nd4j.createFromArray(grad).castTo(preOutput.dataType());
        INDArray dPre = activationFn.backprop(preOutput.dup(), dOut).getFirst();
        return new Pair<>(scores, dPre);
    }

    private static void checkNoMask(INDArray mask) {
        if (mask != null) {
            throw new UnsupportedOperationException("LossSupCon does not support masks");
        }
    }

    @Override
    public double computeScore(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask, boolean average) {
        checkNoMask(mask);
        double sum = compute(labels, preOutput, activationFn, false).getFirst().sumNumber().doubleValue();
        return average ? sum / preOutput.size(0) : sum;
    }

    @Override
    public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        checkNoMask(mask);
        return compute(labels, preOutput, activationFn, false).getFirst();
    }

    @Override
    public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        checkNoMask(mask);
        return compute(labels, preOutput, activationFn, true).getSecond();
    }

    @Override
    public Pair<Double, INDArray> computeGradientAndScore(INDArray labels, INDArray preOutput, IActivation activationFn,
                                                          INDArray mask, boolean average) {
        checkNoMask(mask);
        Pair<INDArray, INDArray> r = compute(labels, preOutput, activationFn, true);
        double sum = r.getFirst().sumNumber().doubleValue();
        return new Pair<>(average ? sum / preOutput.size(0) : sum, r.getSecond());
    }

    @Override
    public String name() {
        return "LossSupCon(tau=" + temperature + ", weight=" + weight + ")";
    }

    @Override
    public String toString() {
        return name();
    }
}
