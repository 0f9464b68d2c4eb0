package org.infopro.spark.bench;

import com.fasterxml.jackson.annotation.JsonValue;
import org.infopro.spark.loss.LambdaSchedule;
import org.infopro.spark.loss.LossMode;
import org.infopro.spark.model.AuxNet;

import java.util.Locale;

/** The runs of the Fashion-MNIST reproduction recipe: loss, number of modules, auxiliary head and λ of each. */
public enum ReproductionRun {
    E2E(LossMode.E2E, 1, AuxNet.C1F2, new LambdaSchedule(0, 0, 0, 0)),
    CONTRAST_K4(LossMode.INFOPRO_CONTRAST, 4, AuxNet.C1F2, new LambdaSchedule(6, 0, 1, 2)),
    GREEDY_K4(LossMode.GREEDY, 4, AuxNet.C0F1, new LambdaSchedule(0, 1, 0, 1)),
    SOFTMAX_K4(LossMode.INFOPRO_SOFTMAX, 4, AuxNet.C1F2, new LambdaSchedule(6, 0, 1, 2)),
    GREEDY_K8(LossMode.GREEDY, 8, AuxNet.C0F1, new LambdaSchedule(0, 1, 0, 1)),
    CONTRAST_K8(LossMode.INFOPRO_CONTRAST, 8, AuxNet.C1F2, new LambdaSchedule(5, 0, 0, 2));

    private final LossMode loss;
    private final int modules;
    private final AuxNet auxNet;
    private final LambdaSchedule lambda;

    ReproductionRun(LossMode loss, int modules, AuxNet auxNet, LambdaSchedule lambda) {
        this.loss = loss;
        this.modules = modules;
        this.auxNet = auxNet;
        this.lambda = lambda;
    }

    public LossMode loss() {
        return loss;
    }

    /** K, the number of local modules (1 = end-to-end). */
    public int modules() {
        return modules;
    }

    public AuxNet auxNet() {
        return auxNet;
    }

    public LambdaSchedule lambda() {
        return lambda;
    }

    /** The run's name on the command line, in results and as its output folder: {@code contrast-k4}. */
    @JsonValue
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
