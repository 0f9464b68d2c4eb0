package org.deeplearning4j.cuda;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.util.ConvolutionUtils;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

/**
 * What the three cuDNN layer helpers of this package share: which inputs they hand to libnd4j, a layer's
 * kernel window as libnd4j's integer arguments, and running one libnd4j op into given output arrays.
 *
 * <p>The helpers stand in for DL4J's {@code deeplearning4j-cuda} module, which is not published for
 * 1.0.0-M2.1. They run each layer as one libnd4j op (conv2d, batchnorm, maxpool2d/avgpool2d and their
 * {@code _bp} ops). The cuDNN build of ND4J (nd4j-cuda-11.6, classifier linux-x86_64-cudnn) executes
 * those ops with cuDNN; any other backend executes them with its own kernels, so the helpers are
 * backend-neutral and are tested on the CPU backend against DL4J's built-in path.
 */
public final class LibNd4jOps {
    /** libnd4j's data-format argument for NCHW. */
    public static final int NCHW = 0;

    private LibNd4jOps() {
    }

    /**
     * Whether a helper runs this input: NCHW and floating point. For anything else a helper returns null
     * and DL4J runs its built-in path (NHWC would need libnd4j's other layout arguments; no network here uses it).
     */
    public static boolean accepts(INDArray input, CNN2DFormat format) {
        return format == CNN2DFormat.NCHW && input.dataType().isFPType();
    }

    /** {@link #accepts} for a windowed layer; Causal padding is for 1-d convolutions only. */
    public static boolean accepts(INDArray input, CNN2DFormat format, ConvolutionMode mode) {
        return accepts(input, format) && input.rank() == 4 && mode != ConvolutionMode.Causal;
    }

    /**
     * A convolution or pooling window over an NCHW input, with DL4J's output size and, in Same mode, DL4J's
     * top-left padding (libnd4j adds the bottom-right remainder itself, as DL4J's built-in path does).
     */
    public record Window(int[] kernel, int[] strides, int[] pad, int[] dilation, boolean same, int outH, int outW) {

        public static Window of(INDArray input, int[] kernel, int[] strides, int[] pad, int[] dilation, ConvolutionMode mode) {
            boolean same = mode == ConvolutionMode.Same;
            int[] out = ConvolutionUtils.getOutputSize(input, kernel, strides, same ? null : pad, mode, dilation, CNN2DFormat.NCHW);
            int[] padding = same
                    ? ConvolutionUtils.getSameModeTopLeftPadding(out, new int[]{(int) input.size(2), (int) input.size(3)}, kernel, strides, dilation)
                    : pad;
            return new Window(kernel, strides, padding, dilation, same, out[0], out[1]);
        }

        /** libnd4j's integer arguments of conv2d and the 2-d pooling ops: kH, kW, sH, sW, pH, pW, dH, dW, same, then {@code tail}. */
        public int[] args(int... tail) {
            int[] head = {kernel[0], kernel[1], strides[0], strides[1], pad[0], pad[1], dilation[0], dilation[1], same ? 1 : 0};
            int[] all = Arrays.copyOf(head, head.length + tail.length);
            System.arraycopy(tail, 0, all, head.length, tail.length);
            return all;
        }
    }

    /** Runs libnd4j's op {@code name}, writing into {@code outputs} (arrays the caller placed in the right workspace). */
    public static void exec(String name, INDArray[] inputs, INDArray[] outputs, int[] intArgs, double... floatArgs) {
        DynamicCustomOp.DynamicCustomOpsBuilder op = DynamicCustomOp.builder(name)
                .addInputs(inputs).addOutputs(outputs).addIntegerArguments(intArgs);
        if (floatArgs.length > 0) {
            op.addFloatingPointArguments(Arrays.stream(floatArgs).boxed().toArray(Double[]::new));
        }
        Nd4j.exec(op.build());
    }

    /** A [1, n] parameter or gradient view as the rank-1 view libnd4j expects (a view, so outputs land in the original). */
    public static INDArray vector(INDArray a) {
        return a.rank() == 1 ? a : a.reshape(a.length());
    }
}
