package org.infopro.spark.module;

import org.nd4j.linalg.api.ndarray.INDArray;

/** Test access to LocalModule's package-private validation arithmetic. */
public final class LocalModuleProbe {
    private LocalModuleProbe() {
    }

    public static double bceSum(INDArray probs, INDArray target) {
        return LocalModule.bceSumOfImageMeans(probs, target);
    }
}
