package org.infopro.spark.model;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.LayerValidation;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.regularization.Regularization;

import java.util.Collection;
import java.util.List;

/**
 * Batch normalisation whose scale γ and shift β take the layer's regularisation. DL4J's own layer never
 * regularises them, but the InfoPro reference (PyTorch SGD with weight_decay) decays every parameter, batch
 * norm included. Running statistics are never regularised. Everything else is DL4J's batch norm; on the CPU
 * backend its helper is {@link ChannelBatchNormHelper}.
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
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners,
                                                       int layerIndex, INDArray layerParamsView, boolean initializeParams,
                                                       DataType networkDataType) {
        LayerValidation.assertNOutSet(getClass().getSimpleName(), getLayerName(), layerIndex, getNOut());
        org.deeplearning4j.nn.layers.normalization.BatchNormalization ret = newLayer(conf, networkDataType);
        ret.setListeners(listeners);
        ret.setIndex(layerIndex);
        ret.setParamsViewArray(layerParamsView);
        ret.setParamTable(initializer().init(conf, layerParamsView, initializeParams));
        ret.setConf(conf);
        ChannelBatchNormHelper.install(ret, overwritesInput());
        return ret;
    }

    /** Whether a training forward pass may write its output over its input ({@link InPlaceBatchNormalization}). */
    protected boolean overwritesInput() {
        return false;
    }

    /** The layer implementation: DL4J's batch norm. */
    protected org.deeplearning4j.nn.layers.normalization.BatchNormalization newLayer(NeuralNetConfiguration conf,
                                                                                    DataType dataType) {
        return new org.deeplearning4j.nn.layers.normalization.BatchNormalization(conf, dataType);
    }

    @Override
    public DecayedBatchNormalization clone() {
        return (DecayedBatchNormalization) super.clone();
    }
}
