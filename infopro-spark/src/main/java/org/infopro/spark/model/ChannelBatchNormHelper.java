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
import org.nd4j.linalg.ops.transforms.Transforms;

import java.lang.reflect.Field;
import java.util.Map;

/**
 * The batch-norm helper our batch norm layers use on the CPU backend, in place of DL4J's
 * {@code MKLDNNBatchNormHelper}. The normalisation itself is the same libnd4j {@code batchnorm} op (oneDNN);
 * what differs is measured to cost a third of a ResNet step there:
 * <ul>
 *   <li>batch statistics through one {@code moments} op, where DL4J runs a mean and a slow {@code Variance}
 *       summary-stats reduction over dimensions 0, 2, 3;</li>
 *   <li>the backward pass from two per-channel sums, Σg and Σg·x, and one affine map per channel,
 *       {@code dx = a·g + b·x + c} with {@code a = γ/σ}, {@code b = −a·dγ/(σM)}, {@code c = −a·dβ/M − b·μ}
 *       (M elements per channel), where libnd4j's {@code batchnorm_bp} adds the mean and variance terms to
 *       oneDNN's global-statistics backward with about ten generic broadcast ops. The sums run over
 *       contiguous rows (a channel's H·W block in NCHW), the affine maps through oneDNN.</li>
 * </ul>
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
        INDArray m;
        INDArray v;
        if (training) {
            long c = x.size(nchw ? 1 : 3);
            if (mean == null || mean.length() != c || mean.dataType() != x.dataType()) {
                try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                    mean = Nd4j.createUninitialized(x.dataType(), c);
                    var = Nd4j.createUninitialized(x.dataType(), c);
                }
            }
            Nd4j.exec(DynamicCustomOp.builder("moments").addInputs(x).addOutputs(mean, var)
                    .addIntegerArguments(nchw ? new int[]{0, 2, 3} : new int[]{0, 1, 2}).addBooleanArguments(false).build());
            m = mean;
            v = var;
        } else {
            m = globalMean.reshape(globalMean.length());
            v = globalVar.reshape(globalVar.length());
        }
        overwrote = training && overwriteInput && isContiguous(x) && inOutputWorkspace(x, mgr)
                && Transforms.abs(gamma, true).minNumber().doubleValue() >= MIN_ABS_GAMMA;
        INDArray out = overwrote ? x : mgr.createUninitialized(ArrayType.ACTIVATIONS, x.dataType(), x.shape());
        Nd4j.exec(DynamicCustomOp.builder("batchnorm")
                .addInputs(x, m, v, gamma.reshape(gamma.length()), beta.reshape(beta.length()))
                .addOutputs(out)
                .addIntegerArguments(1, 1, nchw ? 1 : 3)
                .addFloatingPointArguments(eps)
                .build());
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
        INDArray gz = mgr.createUninitialized(ArrayType.BP_WORKING_MEM, z.dataType(), z.shape(), 'c');
        Nd4j.exec(new MulOp(g, z, gz));
        INDArray sumG = channelSums(g, nchw);
        INDArray sumGz = channelSums(gz, nchw);

        long count = z.length() / mean.length();
        INDArray gammaV = gamma.reshape(gamma.length());
        INDArray invStd = Transforms.pow(var.add(eps), -0.5, false);
        INDArray offset = overwrote ? beta.reshape(beta.length()) : mean;
        INDArray scale = overwrote ? Transforms.pow(gammaV, -1, true) : invStd;
        INDArray dGamma = sumGz.sub(offset.mul(sumG)).muli(scale);
        INDArray a = invStd.mul(gammaV);
        INDArray b = a.mul(dGamma).muli(scale).divi(-count);
        INDArray c = a.mul(sumG).divi(-count).subi(b.mul(offset));

        INDArray dx = mgr.createUninitialized(ArrayType.ACTIVATION_GRAD, z.dataType(), z.shape(), 'c');
        affine(g, a, Nd4j.zeros(a.dataType(), a.length()), dx, nchw);
        affine(z, b, c, gz, nchw);
        dx.addi(gz);

        dGammaView.assign(dGamma.reshape(dGammaView.shape()));
        dBetaView.assign(sumG.reshape(dBetaView.shape()));
        Gradient grad = new DefaultGradient();
        grad.setGradientFor(BatchNormalizationParamInitializer.GAMMA, dGammaView);
        grad.setGradientFor(BatchNormalizationParamInitializer.BETA, dBetaView);
        return new Pair<>(grad, dx);
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
    private static void affine(INDArray in, INDArray scale, INDArray shift, INDArray out, boolean nchw) {
        long c = scale.length();
        Nd4j.exec(DynamicCustomOp.builder("batchnorm")
                .addInputs(in, Nd4j.zeros(in.dataType(), c), Nd4j.ones(in.dataType(), c), scale, shift)
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
