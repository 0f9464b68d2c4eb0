package org.infopro.spark.model;

import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.nd4j.linalg.learning.regularization.Regularization;

import java.util.List;

/**
 * Batch normalisation whose scale γ and shift β take the layer's regularisation. DL4J's own layer never
 * regularises them, but the InfoPro reference (PyTorch SGD with weight_decay) decays every parameter, batch
 * norm included. Running statistics are never regularised. Everything else is DL4J's batch norm, including
 * its oneDNN helper.
 */
public class DecayedBatchNormalization extends BatchNormalization {

    /** Defaults of DL4J's builder (decay 0.9, eps 1e-5, log-std running statistics); also for JSON. */
    public DecayedBatchNormalization() {
        super();
    }

    @Override
    public List<Regularization> getRegularizationByParam(String paramName) {
        return BatchNormalizationParamInitializer.GAMMA.equals(paramName) || BatchNormalizationParamInitializer.BETA.equals(paramName)
                ? regularization : null;
    }

    @Override
    public DecayedBatchNormalization clone() {
        return (DecayedBatchNormalization) super.clone();
    }
}
