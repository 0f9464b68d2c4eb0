package org.deeplearning4j.cuda.convolution;

import org.deeplearning4j.cuda.LibNd4jHelper;
import org.deeplearning4j.cuda.LibNd4jOps;
import org.deeplearning4j.cuda.LibNd4jOps.Window;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.AlgoMode;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.BwdDataAlgo;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.BwdFilterAlgo;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.FwdAlgo;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.ConvolutionHelper;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The convolution helper DL4J 1.0.0-M2.1 looks for on the CUDA backend, under the name it looks for
 * ({@code ConvolutionLayer.CUDA_CNN_HELPER_CLASS_NAME}). It runs a 2-d convolution as libnd4j's conv2d and
 * conv2d_bp, which the cuDNN build of ND4J executes with cuDNN (see {@link LibNd4jOps}). Weights stay in
 * DL4J's [out, in, kH, kW] layout, libnd4j's weight format 1 and cuDNN's own, so they are neither permuted
 * nor copied, and the weight gradient is written straight into DL4J's gradient view.
 */
public class CudnnConvolutionHelper extends LibNd4jHelper implements ConvolutionHelper {
    /** libnd4j's weight-format argument for [out, in, kH, kW]. */
    private static final int WEIGHTS_OIHW = 1;

    /** What DL4J's HelperUtils calls on the CUDA backend: it passes the layer's arguments wrapped in one array. */
    public CudnnConvolutionHelper(Object... layerArguments) {
    }

    /** What HelperUtils calls when it retries with DL4J's own class loader (arguments unwrapped). */
    public CudnnConvolutionHelper(DataType dataType) {
    }

    @Override
    public INDArray preOutput(INDArray input, INDArray weights, INDArray bias, int[] kernel, int[] strides, int[] pad,
                              AlgoMode mode, FwdAlgo fwdAlgo, ConvolutionMode convolutionMode, int[] dilation,
                              CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
        if (!LibNd4jOps.accepts(input, format, convolutionMode)) {
            return null;
        }
        Window w = Window.of(input, kernel, strides, pad, dilation, convolutionMode);
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, input.dataType(),
                input.size(0), weights.size(0), w.outH(), w.outW());
        // DL4J passes zeros for a layer without bias here
        INDArray[] in = bias == null ? new INDArray[]{input, weights} : new INDArray[]{input, weights, bias};
        LibNd4jOps.exec("conv2d", in, new INDArray[]{out}, w.args(LibNd4jOps.NCHW, WEIGHTS_OIHW));
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray input, INDArray weights, INDArray bias, INDArray delta,
                                                     int[] kernel, int[] strides, int[] pad, INDArray biasGradView,
                                                     INDArray weightGradView, IActivation afn, AlgoMode mode,
                                                     BwdFilterAlgo bwdFilterAlgo, BwdDataAlgo bwdDataAlgo,
                                                     ConvolutionMode convolutionMode, int[] dilation, CNN2DFormat format,
                                                     LayerWorkspaceMgr workspaceMgr) {
        if (!LibNd4jOps.accepts(input, format, convolutionMode)) {
            return null;
        }
        Window w = Window.of(input, kernel, strides, pad, dilation, convolutionMode);
        INDArray epsilon = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, input.dataType(), input.shape());
        // Here bias is null for a layer without bias, while DL4J still hands a placeholder bias gradient view.
        boolean hasBias = bias != null;
        INDArray[] in = hasBias ? new INDArray[]{input, weights, bias, delta} : new INDArray[]{input, weights, delta};
        INDArray[] out = hasBias ? new INDArray[]{epsilon, weightGradView, biasGradView} : new INDArray[]{epsilon, weightGradView};
        LibNd4jOps.exec("conv2d_bp", in, out, w.args(LibNd4jOps.NCHW, WEIGHTS_OIHW));

        Gradient g = new DefaultGradient();
        if (hasBias) {
            g.setGradientFor(ConvolutionParamInitializer.BIAS_KEY, biasGradView);
        }
        g.setGradientFor(ConvolutionParamInitializer.WEIGHT_KEY, weightGradView, 'c');
        return new Pair<>(g, epsilon);
    }

    @Override
    public INDArray activate(INDArray z, IActivation afn, boolean training) {
        return afn.getActivation(z, training);
    }
}
