package org.infopro.spark.model;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.ConvolutionUtils;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A convolution whose backward pass skips DL4J's recomputation of the forward result. Under
 * {@code CacheMode.NONE}, {@link ConvolutionLayer#backpropGradient} runs the whole forward convolution again
 * only to pass its result through the activation's derivative; with the identity activation (every
 * convolution of our networks: batch norm and ReLU are layers of their own) that derivative ignores the values,
 * and the oneDNN or cuDNN helper computes the gradients from the input alone. So the backward pass gets an
 * uninitialised array of the right shape instead: one forward convolution per step instead of two, no extra
 * memory (a cache would keep every output), and bit-identical gradients. Without a helper, or for another
 * activation, DL4J's own path runs unchanged.
 */
public class NoRecomputeConvolutionLayer extends ConvolutionLayer {

    public NoRecomputeConvolutionLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
        if (helper != null && !helper.getClass().getName().equals(CUDA_CNN_HELPER_CLASS_NAME) && dilated()) {
            // libnd4j's oneDNN build cannot create a dilated convolution primitive: the helper fails on the first call and
            // DL4J logs the failure with a stack trace for every such layer before using its built-in path, which is
            // where the layer ends up anyway. cuDNN's helper takes dilations and stays.
            helper = null;
        }
    }

    private boolean dilated() {
        int[] d = layerConf().getDilation();
        return d != null && (d[0] > 1 || d[1] > 1);
    }

    @Override
    protected Pair<INDArray, INDArray> preOutput4d(boolean training, boolean forBackprop, LayerWorkspaceMgr workspaceMgr) {
        boolean helperRuns = helper != null && helperCountFail == 0;
        if (!forBackprop || !helperRuns || !(layerConf().getActivationFn() instanceof ActivationIdentity)) {
            return super.preOutput4d(training, forBackprop, workspaceMgr);
        }
        // No im2col array either: DL4J's fallback path recomputes it when the helper should fail.
        return new Pair<>(workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, outputShape(), 'c'), null);
    }

    private long[] outputShape() {
        org.deeplearning4j.nn.conf.layers.ConvolutionLayer c = layerConf();
        boolean nchw = c.getCnn2dDataFormat() == CNN2DFormat.NCHW;
        INDArray nchwInput = nchw ? input : input.permute(0, 3, 1, 2);
        int[] out = ConvolutionUtils.getOutputSize(nchwInput, c.getKernelSize(), c.getStride(),
                c.getConvolutionMode() == org.deeplearning4j.nn.conf.ConvolutionMode.Same ? null : c.getPadding(),
                c.getConvolutionMode(), c.getDilation(), CNN2DFormat.NCHW);
        long n = input.size(0);
        return nchw ? new long[]{n, c.getNOut(), out[0], out[1]} : new long[]{n, out[0], out[1], c.getNOut()};
    }
}
