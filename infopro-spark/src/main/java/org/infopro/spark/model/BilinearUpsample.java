package org.infopro.spark.model;

import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.InputTypeUtil;
import org.deeplearning4j.nn.conf.layers.NoParamLayer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;
import java.util.Map;

/**
 * Bilinear upsampling of NCHW activations to a fixed size with align-corners semantics, as in InfoPro's
 * decoder ({@code F.interpolate(h, size, mode='bilinear', align_corners=True)}). DL4J's Upsampling2D is
 * nearest-neighbour only. Configuration half; the computation is {@link BilinearUpsampleLayer}.
 */
public class BilinearUpsample extends NoParamLayer {
    private int outHeight;
    private int outWidth;

    /** For JSON deserialisation of saved networks. */
    public BilinearUpsample() {
    }

    public BilinearUpsample(String name, int outHeight, int outWidth) {
        this.layerName = name;
        this.outHeight = outHeight;
        this.outWidth = outWidth;
    }

    public int getOutHeight() {
        return outHeight;
    }

    public void setOutHeight(int outHeight) {
        this.outHeight = outHeight;
    }

    public int getOutWidth() {
        return outWidth;
    }

    public void setOutWidth(int outWidth) {
        this.outWidth = outWidth;
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
                                                       Collection<TrainingListener> listeners, int layerIndex,
                                                       INDArray layerParamsView, boolean initializeParams,
                                                       DataType networkDataType) {
        BilinearUpsampleLayer ret = new BilinearUpsampleLayer(conf, networkDataType);
        ret.setListeners(listeners);
        ret.setIndex(layerIndex);
        ret.setParamsViewArray(layerParamsView);
        Map<String, INDArray> paramTable = initializer().init(conf, layerParamsView, initializeParams);
        ret.setParamTable(paramTable);
        ret.setConf(conf);
        return ret;
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        if (inputType == null || inputType.getType() != InputType.Type.CNN) {
            throw new IllegalStateException("BilinearUpsample '" + layerName + "' needs CNN input, got " + inputType);
        }
        InputType.InputTypeConvolutional c = (InputType.InputTypeConvolutional) inputType;
        return InputType.convolutional(outHeight, outWidth, c.getChannels());
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return InputTypeUtil.getPreProcessorForInputTypeCnnLayers(inputType, getLayerName());
    }

    @Override
    public LayerMemoryReport getMemoryReport(InputType inputType) {
        InputType out = getOutputType(-1, inputType);
        InputType.InputTypeConvolutional in = (InputType.InputTypeConvolutional) inputType;
        long c = in.getChannels(), h = in.getHeight(), w = in.getWidth();
        boolean identity = h == outHeight && w == outWidth;
        // forward: the NHWC copies of input and result; backward: the two separable products' results
        long forward = identity ? 0 : c * h * w + out.arrayElementsPerExample();
        long backward = identity ? 0 : c * outHeight * w + c * w * h;
        return new LayerMemoryReport.Builder(layerName, BilinearUpsample.class, inputType, out)
                .standardMemory(0, 0)
                .workingMemory(0, forward, 0, Math.max(forward, backward))
                .cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS)
                .build();
    }

    @Override
    public BilinearUpsample clone() {
        return (BilinearUpsample) super.clone();
    }
}
