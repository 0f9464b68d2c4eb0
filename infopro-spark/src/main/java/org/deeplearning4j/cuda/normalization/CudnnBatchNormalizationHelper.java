package org.deeplearning4j.cuda.normalization;

import org.deeplearning4j.cuda.LibNd4jHelper;
import org.deeplearning4j.cuda.LibNd4jOps;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.normalization.BatchNormalizationHelper;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The batch-normalisation helper DL4J 1.0.0-M2.1 looks for on the CUDA backend
 * ({@code BatchNormalization.BATCH_NORM_CUDNN_HELPER_CLASS_NAME}): libnd4j's batchnorm and batchnorm_bp,
 * which the cuDNN build of ND4J executes with cuDNN (see {@link LibNd4jOps}). In training the batch's mean
 * and (biased) variance come from one libnd4j moments op; DL4J reads them back through
 * {@link #getMeanCache}/{@link #getVarCache} to update its running statistics with the layer's decay.
 * Rank-2 and NCHW rank-4 input; fixed γ and β are left to DL4J, as its oneDNN helper does.
 */
public class CudnnBatchNormalizationHelper extends LibNd4jHelper implements BatchNormalizationHelper {
    private static final int CHANNEL_AXIS = 1;
    private static final int[] RANK2_DIMS = {0};
    private static final int[] RANK4_NCHW_DIMS = {0, 2, 3};

    // The last training batch's statistics: batchnorm_bp needs them after the forward pass's workspaces have
    // been reset, so they live outside every workspace (one pair per layer, reused).
    private INDArray batchMean;
    private INDArray batchVar;

    /** What DL4J's HelperUtils calls on the CUDA backend: it passes the layer's arguments wrapped in one array. */
    public CudnnBatchNormalizationHelper(Object... layerArguments) {
    }

    /** What HelperUtils calls when it retries with DL4J's own class loader (arguments unwrapped). */
    public CudnnBatchNormalizationHelper(DataType dataType) {
    }

    @Override
    public boolean checkSupported(double eps, boolean fixedGammaBeta) {
        return !fixedGammaBeta;
    }

    @Override
    public INDArray preOutput(INDArray x, boolean training, long[] shape, INDArray gamma, INDArray beta, INDArray mean,
                              INDArray var, double decay, double eps, CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
        if (!accepts(x, format)) {
            return null;
        }
        INDArray m;
        INDArray v;
        if (training) {
            long channels = x.size(CHANNEL_AXIS);
            if (batchMean == null || batchMean.length() != channels || batchMean.dataType() != x.dataType()) {
                try (MemoryWorkspace ws = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                    batchMean = Nd4j.createUninitialized(x.dataType(), channels);
                    batchVar = Nd4j.createUninitialized(x.dataType(), channels);
                }
            }
            LibNd4jOps.exec("moments", new INDArray[]{x}, new INDArray[]{batchMean, batchVar}, x.rank() == 2 ? RANK2_DIMS : RANK4_NCHW_DIMS);
            m = batchMean;
            v = batchVar;
        } else {
            m = LibNd4jOps.vector(mean);
            v = LibNd4jOps.vector(var);
        }
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, x.dataType(), x.shape());
        LibNd4jOps.exec("batchnorm", new INDArray[]{x, m, v, LibNd4jOps.vector(gamma), LibNd4jOps.vector(beta)},
                new INDArray[]{out}, new int[]{1, 1, CHANNEL_AXIS}, eps);
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray input, INDArray epsilon, long[] shape, INDArray gamma, INDArray beta,
                                                     INDArray dGammaView, INDArray dBetaView, double eps, CNN2DFormat format,
                                                     LayerWorkspaceMgr workspaceMgr) {
        if (!accepts(input, format) || batchMean == null) {
            return null;
        }
        if (!Shape.hasDefaultStridesForShape(epsilon)) {
            // as DL4J's oneDNN helper does: batchnorm_bp is given a gradient with default strides (DL4J issue 8860)
            epsilon = epsilon.dup('c');
        }
        INDArray epsilonOut = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, input.dataType(), input.shape());
        INDArray dMean = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, batchMean.dataType(), batchMean.shape());
        INDArray dVar = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, batchVar.dataType(), batchVar.shape());
        LibNd4jOps.exec("batchnorm_bp",
                new INDArray[]{input, batchMean, batchVar, LibNd4jOps.vector(gamma), LibNd4jOps.vector(beta), epsilon},
                new INDArray[]{epsilonOut, dMean, dVar, LibNd4jOps.vector(dGammaView), LibNd4jOps.vector(dBetaView)},
                new int[]{1, 1, CHANNEL_AXIS}, eps);

        Gradient g = new DefaultGradient();
        g.setGradientFor(BatchNormalizationParamInitializer.GAMMA, dGammaView);
        g.setGradientFor(BatchNormalizationParamInitializer.BETA, dBetaView);
        return new Pair<>(g, epsilonOut);
    }

    private static boolean accepts(INDArray x, CNN2DFormat format) {
        return LibNd4jOps.accepts(x, format) && (x.rank() == 2 || x.rank() == 4);
    }

    @Override
    public INDArray getMeanCache(DataType dataType) {
        return batchMean;
    }

    @Override
    public INDArray getVarCache(DataType dataType) {
        return batchVar;
    }
}
