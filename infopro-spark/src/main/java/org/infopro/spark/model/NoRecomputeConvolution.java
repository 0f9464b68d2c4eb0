package org.infopro.spark.model;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.LayerValidation;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.util.ConvolutionUtils;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;

/**
 * DL4J's 2-D convolution whose backward pass does not run the forward convolution a second time
 * ({@link NoRecomputeConvolutionLayer}). Configuration, parameters and JSON form are DL4J's
 * {@link ConvolutionLayer}'s; only the layer implementation differs.
 */
public class NoRecomputeConvolution extends ConvolutionLayer {

    /** For JSON deserialisation of saved networks. */
    public NoRecomputeConvolution() {
        super();
    }

    private NoRecomputeConvolution(Builder builder) {
        super(builder);
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners,
                                                       int layerIndex, INDArray layerParamsView, boolean initializeParams,
                                                       DataType networkDataType) {
        LayerValidation.assertNInNOutSet("NoRecomputeConvolution", getLayerName(), layerIndex, getNIn(), getNOut());
        NoRecomputeConvolutionLayer ret = new NoRecomputeConvolutionLayer(conf, networkDataType);
        ret.setListeners(listeners);
        ret.setIndex(layerIndex);
        ret.setParamsViewArray(layerParamsView);
        ret.setParamTable(initializer().init(conf, layerParamsView, initializeParams));
        ret.setConf(conf);
        return ret;
    }

    @Override
    public NoRecomputeConvolution clone() {
        return (NoRecomputeConvolution) super.clone();
    }

    /** DL4J's convolution builder, building this layer. */
    public static final class Builder extends ConvolutionLayer.Builder {
        public Builder(int kernelHeight, int kernelWidth) {
            super(kernelHeight, kernelWidth);
        }

        @Override
        public NoRecomputeConvolution build() {
            ConvolutionUtils.validateConvolutionModePadding(convolutionMode, padding);
            ConvolutionUtils.validateCnnKernelStridePadding(kernelSize, stride, padding);
            return new NoRecomputeConvolution(this);
        }
    }
}
