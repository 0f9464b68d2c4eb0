package org.infopro.spark.model;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Batch norm followed by ReLU as one layer ({@link BatchNormReluLayer}): the same parameters, regularisation
 * and values as {@link DecayedBatchNormalization} then {@link Relu}, without keeping the batch-norm output for
 * the backward pass.
 */
public class BatchNormRelu extends DecayedBatchNormalization {

    /** Also for JSON deserialisation of saved networks. */
    public BatchNormRelu() {
        super();
    }

    @Override
    protected org.deeplearning4j.nn.layers.normalization.BatchNormalization newLayer(NeuralNetConfiguration conf,
                                                                                    DataType dataType) {
        return new BatchNormReluLayer(conf, dataType);
    }

    @Override
    public BatchNormRelu clone() {
        return (BatchNormRelu) super.clone();
    }
}
