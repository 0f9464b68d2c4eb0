package org.deeplearning4j.cuda.convolution.subsampling;

import org.deeplearning4j.cuda.LibNd4jHelper;
import org.deeplearning4j.cuda.LibNd4jOps;
import org.deeplearning4j.cuda.LibNd4jOps.Window;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingHelper;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The max/average pooling helper DL4J 1.0.0-M2.1 looks for on the CUDA backend
 * ({@code SubsamplingLayer.CUDNN_SUBSAMPLING_HELPER_CLASS_NAME}): libnd4j's maxpool2d/avgpool2d and their
 * {@code _bp} ops, which the cuDNN build of ND4J executes with cuDNN (see {@link LibNd4jOps}). DL4J's
 * built-in pooling calls the same ops with the same arguments, and M2.1's SubsamplingLayer asks a helper only
 * for the backward pass (its forward pass always runs the op itself), so this helper changes little; it
 * spares every pooling layer DL4J's failed lookup (an error and two warnings per layer) and keeps the
 * backward pass's output in the layer's gradient workspace. Sum and p-norm pooling return null, so DL4J runs
 * those itself.
 */
public class CudnnSubsamplingHelper extends LibNd4jHelper implements SubsamplingHelper {
    /** libnd4j's avgpool2d argument: divide by the window's elements inside the input, as DL4J's built-in path does. */
    private static final int AVG_EXCLUDES_PADDING = 0;

    /** What DL4J's HelperUtils calls on the CUDA backend: it passes the layer's arguments wrapped in one array. */
    public CudnnSubsamplingHelper(Object... layerArguments) {
    }

    /** What HelperUtils calls when it retries with DL4J's own class loader (arguments unwrapped). */
    public CudnnSubsamplingHelper(DataType dataType) {
    }

    @Override
    public INDArray activate(INDArray input, boolean training, int[] kernel, int[] strides, int[] pad, PoolingType poolingType,
                             ConvolutionMode convolutionMode, int[] dilation, CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
        String op = opName(poolingType);
        if (op == null || !LibNd4jOps.accepts(input, format, convolutionMode)) {
            return null;
        }
        Window w = Window.of(input, kernel, strides, pad, dilation, convolutionMode);
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, input.dataType(),
                input.size(0), input.size(1), w.outH(), w.outW());
        LibNd4jOps.exec(op, new INDArray[]{input}, new INDArray[]{out}, w.args(AVG_EXCLUDES_PADDING, LibNd4jOps.NCHW));
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray input, INDArray epsilon, int[] kernel, int[] strides, int[] pad,
                                                     PoolingType poolingType, ConvolutionMode convolutionMode, int[] dilation,
                                                     CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
        String op = opName(poolingType);
        if (op == null || !LibNd4jOps.accepts(input, format, convolutionMode)) {
            return null;
        }
        Window w = Window.of(input, kernel, strides, pad, dilation, convolutionMode);
        INDArray epsilonOut = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, input.dataType(), input.shape());
        LibNd4jOps.exec(op + "_bp", new INDArray[]{input, epsilon}, new INDArray[]{epsilonOut},
                w.args(AVG_EXCLUDES_PADDING, LibNd4jOps.NCHW));
        return new Pair<>(new DefaultGradient(), epsilonOut);
    }

    private static String opName(PoolingType type) {
        return switch (type) {
            case MAX -> "maxpool2d";
            case AVG -> "avgpool2d";
            default -> null;
        };
    }
}
