package org.infopro.spark.model;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.layers.normalization.BatchNormalizationHelper;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.factory.Nd4j;

import java.lang.reflect.Field;
import java.nio.FloatBuffer;
import java.util.Map;

/**
 * The batch-norm helper our batch norm layers use on the CPU backend, in place of DL4J's
 * {@code MKLDNNBatchNormHelper}. What differs is measured to cost a third of a ResNet step there:
 * <ul>
 *   <li>batch statistics in one pass, where DL4J runs a mean and a slow {@code Variance} summary-stats
 *       reduction over dimensions 0, 2, 3;</li>
 *   <li>the normalisation as one scale and shift per channel;</li>
 *   <li>the backward pass from two per-channel sums, Σg and Σg·x, and one affine map per channel,
 *       {@code dx = a·g + b·x + c} with {@code a = γ/σ}, {@code b = −a·dγ/(σM)}, {@code c = −a·dβ/M − b·μ}
 *       (M elements per channel), where libnd4j's {@code batchnorm_bp} adds the mean and variance terms to
 *       oneDNN's global-statistics backward with about ten generic broadcast ops.</li>
 * </ul>
 * For float NCHW tensors these passes are {@link ChannelKernels}, several times faster than the libnd4j ops
 * (oneDNN's plain-layout batch norm, {@code moments}, a multiply and sums) that every other case still runs.
 * The per-channel coefficients are computed in double.
 * Variance is the biased (population) one, as in DL4J's helper and PyTorch's training-mode normalisation.
 *
 * <p>For a layer built to overwrite its input ({@link InPlaceBatchNormalization}), a training forward pass writes
 * y = γ·x̂ + β over x, and the backward pass recovers x̂ = (y − β)/γ from y (the approach of In-Place Activated
 * BatchNorm, Rota Bulò et al., CVPR 2018): the network then keeps one tensor where it kept two. It does so only
 * while every |γ| ≥ {@value #MIN_ABS_GAMMA} and the input lies in the workspace its output belongs to (a
 * training pass); otherwise it writes a new array as usual.
 */
public final class ChannelBatchNormHelper implements BatchNormalizationHelper {
    private static final Field HELPER = helperField();

    /** Below this |γ| in any channel the input is not overwritten: x̂ = (y − β)/γ would lose its precision. */
    static final double MIN_ABS_GAMMA = 1e-2;

    private final boolean overwriteInput;
    /** Batch mean and variance of the last training forward pass, kept outside workspaces for the backward. */
    private INDArray mean;
    private INDArray var;
    /** Whether the last training forward pass wrote its output over its input. */
    private boolean overwrote;

    ChannelBatchNormHelper(boolean overwriteInput) {
        this.overwriteInput = overwriteInput;
    }

    /**
     * Replaces a batch norm layer's oneDNN helper with this one on the CPU backend. A layer without a helper
     * (helpers disabled, or oneDNN not active) keeps DL4J's built-in path; on CUDA the cuDNN helper stays.
     */
    static void install(BatchNormalization layer, boolean overwriteInput) {
        if (layer.getHelper() == null
                || !"CPU".equalsIgnoreCase(Nd4j.getExecutioner().getEnvironmentInformation().getProperty("backend"))) {
            return;
        }
        try {
            HELPER.set(layer, new ChannelBatchNormHelper(overwriteInput));
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("cannot set the batch-norm helper of layer " + layer.getIndex(), e);
        }
    }

    private static Field helperField() {
        try {
            Field f = BatchNormalization.class.getDeclaredField("helper");
            f.setAccessible(true);
            return f;
        } catch (NoSuchFieldException e) {
            throw new ExceptionInInitializerError("DL4J's BatchNormalization has no 'helper' field: this code expects "
                    + "deeplearning4j-nn 1.0.0-M2.1");
        }
    }

    /** Whether the last training forward pass wrote its output over its input. */
    boolean overwroteInput() {
        return overwrote;
    }

    @Override
    public boolean checkSupported() {
        return true;
    }

    @Override
    public boolean checkSupported(double eps, boolean fixedGammaBeta) {
        return !fixedGammaBeta;
    }

    @Override
    public INDArray preOutput(INDArray x, boolean training, long[] shape, INDArray gamma, INDArray beta,
                              INDArray globalMean, INDArray globalVar, double decay, double eps, CNN2DFormat format,
                              LayerWorkspaceMgr mgr) {
        boolean nchw = format == CNN2DFormat.NCHW;
        boolean kernels = nchw && ChannelKernels.supports(x);
        int c = (int) x.size(nchw ? 1 : 3);
        INDArray m;
        INDArray v;
        if (training) {
            if (mean == null || mean.length() != c || mean.dataType() != x.dataType()) {
                try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                    mean = Nd4j.createUninitialized(x.dataType(), c);
                    var = Nd4j.createUninitialized(x.dataType(), c);
                }
            }
            if (kernels) {
                double[] mu = new double[c];
                double[] sigma2 = new double[c];
                ChannelKernels.moments(x, mu, sigma2);
                put(mean, mu);
                put(var, sigma2);
            } else {
                Nd4j.exec(DynamicCustomOp.builder("moments").addInputs(x).addOutputs(mean, var)
                        .addIntegerArguments(nchw ? new int[]{0, 2, 3} : new int[]{0, 1, 2}).addBooleanArguments(false)
                        .build());
            }
            m = mean;
            v = var;
        } else {
            m = globalMean.reshape(globalMean.length());
            v = globalVar.reshape(globalVar.length());
        }
        double[] gam = gamma.toDoubleVector();
        overwrote = training && overwriteInput && isContiguous(x) && inOutputWorkspace(x, mgr)
                && minAbs(gam) >= MIN_ABS_GAMMA;
        INDArray out = overwrote ? x : mgr.createUninitialized(ArrayType.ACTIVATIONS, x.dataType(), x.shape());
        if (kernels) {
            double[] mu = m.toDoubleVector();
            double[] sigma2 = v.toDoubleVector();
            double[] bet = beta.toDoubleVector();
            float[] scale = new float[c];
            float[] shift = new float[c];
            for (int ch = 0; ch < c; ch++) {
                double s = gam[ch] / Math.sqrt(sigma2[ch] + eps);
                scale[ch] = (float) s;
                shift[ch] = (float) (bet[ch] - mu[ch] * s);
            }
            ChannelKernels.scaleShift(x, scale, shift, out);
        } else {
            Nd4j.exec(DynamicCustomOp.builder("batchnorm")
                    .addInputs(x, m, v, gamma.reshape(gamma.length()), beta.reshape(beta.length()))
                    .addOutputs(out)
                    .addIntegerArguments(1, 1, nchw ? 1 : 3)
                    .addFloatingPointArguments(eps)
                    .build());
        }
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray input, INDArray epsilon, long[] shape, INDArray gamma,
                                                     INDArray beta, INDArray dGammaView, INDArray dBetaView, double eps,
                                                     CNN2DFormat format, LayerWorkspaceMgr mgr) {
        boolean nchw = format == CNN2DFormat.NCHW;
        // z is the layer's input x, or its output y where the forward pass overwrote x: x̂ = (z − offset)·scale
        INDArray z = contiguous(input);
        INDArray g = contiguous(epsilon);
        boolean kernels = nchw && ChannelKernels.supports(z) && ChannelKernels.supports(g);
        int c = (int) mean.length();
        double[] sumG = new double[c];
        double[] sumGz = new double[c];
        INDArray gz = null;
        if (kernels) {
            ChannelKernels.sums(g, z, sumG, sumGz);
        } else {
            gz = mgr.createUninitialized(ArrayType.BP_WORKING_MEM, z.dataType(), z.shape(), 'c');
            Nd4j.exec(new MulOp(g, z, gz));
            sumG = channelSums(g, nchw).toDoubleVector();
            sumGz = channelSums(gz, nchw).toDoubleVector();
        }

        double count = (double) z.length() / c;
        double[] gam = gamma.toDoubleVector();
        double[] bet = beta.toDoubleVector();
        double[] mu = mean.toDoubleVector();
        double[] sigma2 = var.toDoubleVector();
        double[] dGamma = new double[c];
        double[] a = new double[c];
        double[] b = new double[c];
        double[] shift = new double[c];
        for (int ch = 0; ch < c; ch++) {
            double invStd = 1 / Math.sqrt(sigma2[ch] + eps);
            double offset = overwrote ? bet[ch] : mu[ch];
            double scale = overwrote ? 1 / gam[ch] : invStd;
            dGamma[ch] = (sumGz[ch] - offset * sumG[ch]) * scale;
            double ac = invStd * gam[ch];
            double bc = -ac * dGamma[ch] * scale / count;
            a[ch] = ac;
            b[ch] = bc;
            shift[ch] = -ac * sumG[ch] / count - bc * offset;
        }

        INDArray dx = mgr.createUninitialized(ArrayType.ACTIVATION_GRAD, z.dataType(), z.shape(), 'c');
        if (kernels) {
            ChannelKernels.combine(g, z, toFloat(a), toFloat(b), toFloat(shift), dx);
        } else {
            affine(g, a, new double[c], dx, nchw);
            affine(z, b, shift, gz, nchw);
            dx.addi(gz);
        }

        dGammaView.assign(Nd4j.createFromArray(dGamma).castTo(dGammaView.dataType()).reshape(dGammaView.shape()));
        dBetaView.assign(Nd4j.createFromArray(sumG).castTo(dBetaView.dataType()).reshape(dBetaView.shape()));
        Gradient grad = new DefaultGradient();
        grad.setGradientFor(BatchNormalizationParamInitializer.GAMMA, dGammaView);
        grad.setGradientFor(BatchNormalizationParamInitializer.BETA, dBetaView);
        return new Pair<>(grad, dx);
    }

    private static void put(INDArray dst, double[] values) {
        FloatBuffer buf = dst.data().asNioFloat();
        for (int i = 0; i < values.length; i++) {
            buf.put(i, (float) values[i]);
        }
    }

    private static float[] toFloat(double[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (float) values[i];
        }
        return out;
    }

    private static double minAbs(double[] values) {
        double min = Double.POSITIVE_INFINITY;
        for (double v : values) {
            min = Math.min(min, Math.abs(v));
        }
        return min;
    }

    /** Per-channel sums; in NCHW over contiguous rows of H·W elements, then over the batch. */
    private static INDArray channelSums(INDArray a, boolean nchw) {
        long n = a.size(0);
        if (nchw) {
            long c = a.size(1);
            return a.reshape('c', n * c, a.length() / (n * c)).sum(1).reshape('c', n, c).sum(0);
        }
        long c = a.size(a.rank() - 1);
        return a.reshape('c', a.length() / c, c).sum(0);
    }

    /**
     * {@code out = scale[c]·in + shift[c]} in one pass: libnd4j's {@code batchnorm} op (oneDNN on the CPU) with
     * mean 0, variance 1 and ε 0. ND4J's broadcast ops along the channel dimension walk strided vectors and are
     * several times slower.
     */
    private static void affine(INDArray in, double[] scale, double[] shift, INDArray out, boolean nchw) {
        int c = scale.length;
        DataType type = in.dataType();
        Nd4j.exec(DynamicCustomOp.builder("batchnorm")
                .addInputs(in, Nd4j.zeros(type, c), Nd4j.ones(type, c), Nd4j.createFromArray(scale).castTo(type),
                        Nd4j.createFromArray(shift).castTo(type))
                .addOutputs(out)
                .addIntegerArguments(1, 1, nchw ? 1 : in.rank() - 1)
                .addFloatingPointArguments(0.0)
                .build());
    }

    /**
     * Whether {@code x} lives where this layer's output must: in a training pass DL4J keeps every activation in one
     * workspace; in an inference pass the input sits in the layer before's workspace and stays a new array.
     */
    private static boolean inOutputWorkspace(INDArray x, LayerWorkspaceMgr mgr) {
        if (mgr.isScopedOut(ArrayType.ACTIVATIONS)) {
            return !x.isAttached();
        }
        return x.isAttached() && x.data().getParentWorkspace() != null
                && x.data().getParentWorkspace().getId().equals(mgr.getWorkspaceName(ArrayType.ACTIVATIONS));
    }

    private static INDArray contiguous(INDArray a) {
        return isContiguous(a) ? a : a.dup('c');
    }

    private static boolean isContiguous(INDArray a) {
        return a.ordering() == 'c' && org.nd4j.linalg.api.shape.Shape.hasDefaultStridesForShape(a) && !a.isView();
    }

    @Override
    public INDArray getMeanCache(DataType dataType) {
        return mean;
    }

    @Override
    public INDArray getVarCache(DataType dataType) {
        return var;
    }

    @Override
    public Map<String, Long> helperMemoryUse() {
        return Map.of();
    }
}
