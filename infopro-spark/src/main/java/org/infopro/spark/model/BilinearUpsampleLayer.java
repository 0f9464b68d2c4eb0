package org.infopro.spark.model;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.AbstractLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.ResetPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.image.ResizeBilinear;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Align-corners bilinear resize of NCHW activations. The map is {@code Y = A_h · X · A_wᵀ} per channel, where
 * {@link #weights} holds the interpolation weights; the backward pass is its transpose,
 * {@code dX = A_hᵀ · dY · A_w}, so the gradient is exact.
 * <ul>
 *   <li>Equal input and output sizes are the identity ({@code A} is the unit matrix): the input is returned
 *       and the gradient passed through.</li>
 *   <li>The forward pass is libnd4j's {@code resize_bilinear} (align corners, no half-pixel centres), which is
 *       NHWC only: the input is copied to NHWC and the result back to NCHW, a slice of the batch at a time, so
 *       the temporaries take a few MiB of this thread's {@value #SLICE_WORKSPACE_ID} workspace whatever the
 *       batch. Viewing NCHW as NHWC with one
 *       channel, {@code [n·c, h, w, 1]}, would need no copy but runs 3–4x slower than the copies.</li>
 *   <li>libnd4j has no backward op for any resize, so the backward pass is ours: the two separable products,
 *       the first written in f-order so that the only transpose is the write into the result, slice by slice as
 *       well. A single GEMM
 *       with the Kronecker matrix {@code A_h ⊗ A_w} was measured no faster even for 8x8 inputs.</li>
 * </ul>
 */
public class BilinearUpsampleLayer extends AbstractLayer<BilinearUpsample> {
    /** Bytes of one slice's full-resolution tensor: 4 MiB. */
    static final long SLICE_BYTES = 4L << 20;
    static final String SLICE_WORKSPACE_ID = "WS_BILINEAR_SLICE";
    /** Sized by the first slice, reset at every slice's end: DL4J's settings for its per-layer working memory. */
    private static final WorkspaceConfiguration SLICE_WORKSPACE = WorkspaceConfiguration.builder()
            .initialSize(0).overallocationLimit(0.05).policyLearning(LearningPolicy.FIRST_LOOP)
            .policyReset(ResetPolicy.BLOCK_LEFT).policySpill(SpillPolicy.REALLOCATE)
            .policyAllocation(AllocationPolicy.OVERALLOCATE).build();

    public BilinearUpsampleLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    /**
     * The {@code [out, in]} align-corners interpolation matrix: output i samples input position
     * {@code i·(in−1)/(out−1)} and blends its two neighbours.
     */
    public static INDArray weights(int out, int in, DataType type) {
        float[][] a = new float[out][in];
        for (int i = 0; i < out; i++) {
            double src = out > 1 ? (double) i * (in - 1) / (out - 1) : 0.0;
            int i0 = (int) Math.floor(src);
            int i1 = Math.min(i0 + 1, in - 1);
            double frac = src - i0;
            a[i][i0] += (float) (1 - frac);
            a[i][i1] += (float) frac;
        }
        return Nd4j.createFromArray(a).castTo(type);
    }

    private boolean isIdentity() {
        return input.size(2) == layerConf().getOutHeight() && input.size(3) == layerConf().getOutWidth();
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        if (isIdentity()) {
            // a copy only when the input lives in another workspace than this layer's activations
            return workspaceMgr.leverageTo(ArrayType.ACTIVATIONS, input);
        }
        long n = input.size(0), c = input.size(1), h = input.size(2), w = input.size(3);
        int oh = layerConf().getOutHeight(), ow = layerConf().getOutWidth();
        INDArray ret = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, input.dataType(), new long[]{n, c, oh, ow}, 'c');
        int per = samplesPerSlice(c * oh * ow);
        for (long s0 = 0; s0 < n; s0 += per) {
            long s1 = Math.min(n, s0 + per);
            try (MemoryWorkspace ignored = slices()) {
                // libnd4j reads raw buffers, so the NHWC layout must be a dense copy, not a permuted view
                INDArray nhwc = input.get(NDArrayIndex.interval(s0, s1)).permute(0, 2, 3, 1).dup('c');
                INDArray up = Nd4j.createUninitialized(input.dataType(), new long[]{s1 - s0, oh, ow, c}, 'c');
                Nd4j.exec(new ResizeBilinear(nhwc, up, oh, ow, true, false));
                ret.get(NDArrayIndex.interval(s0, s1)).assign(up.permute(0, 3, 1, 2));
            }
        }
        return ret;
    }

    /**
     * Samples per slice of the batch: a slice's full-resolution temporaries stay near {@value #SLICE_BYTES} bytes
     * however large the batch, where one pass over the batch needed two or three full-size ones (34 MiB of
     * working memory for the decoders of ResNet-32 InfoPro K=4 at batch 128; 9.0 MiB plus 5.2 MiB for the slices
     * since, measured by bench-step).
     */
    private static int samplesPerSlice(long floatsPerSample) {
        return (int) Math.max(1, SLICE_BYTES / (4 * floatsPerSample));
    }

    /** This thread's workspace for one slice's temporaries, reused slice after slice. */
    private static MemoryWorkspace slices() {
        return Nd4j.getWorkspaceManager().getAndActivateWorkspace(SLICE_WORKSPACE, SLICE_WORKSPACE_ID);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        if (isIdentity()) {
            // the epsilon lives in the next layer's gradient workspace, which DL4J closes after this step
            return new Pair<>(new DefaultGradient(), workspaceMgr.dup(ArrayType.ACTIVATION_GRAD, epsilon, 'c'));
        }
        long n = input.size(0), c = input.size(1), h = input.size(2), w = input.size(3);
        int oh = layerConf().getOutHeight(), ow = layerConf().getOutWidth();
        DataType type = epsilon.dataType();
        INDArray eps = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, type, new long[]{n, c, h, w}, 'c');
        INDArray ah = weights(oh, (int) h, type);
        INDArray aw = weights(ow, (int) w, type);
        boolean dense = epsilon.ordering() == 'c' && Shape.hasDefaultStridesForShape(epsilon);
        INDArray denseEpsilon = dense ? null : workspaceMgr.dup(ArrayType.BP_WORKING_MEM, epsilon, 'c');
        int per = samplesPerSlice(c * oh * ow);
        for (long s0 = 0; s0 < n; s0 += per) {
            long m = Math.min(n, s0 + per) - s0;
            try (MemoryWorkspace ignored = slices()) {
                // a slice along the batch of a dense c-order array is itself a dense block, read in place
                INDArray dy = (dense ? epsilon : denseEpsilon).get(NDArrayIndex.interval(s0, s0 + m));
                // dY [m·c·oh, ow] x A_w [ow, w]; the f-order product is laid out [w, m·c, oh], which puts oh last for free
                INDArray t = Nd4j.createUninitialized(type, new long[]{m * c * oh, w}, 'f');
                dy.reshape('c', m * c * oh, ow).mmuli(aw, t);
                // [w·m·c, oh] x A_h [oh, h] -> [w, m·c·h]; its one transpose is the write into the result
                INDArray u = Nd4j.createUninitialized(type, new long[]{w * m * c, h}, 'c');
                t.transpose().reshape('c', w * m * c, oh).mmuli(ah, u);
                eps.get(NDArrayIndex.interval(s0, s0 + m)).reshape('c', m * c * h, w)
                        .assign(u.reshape('c', w, m * c * h).transpose());
            }
        }
        return new Pair<>(new DefaultGradient(), eps);
    }

    @Override
    public Layer.Type type() {
        return Layer.Type.UPSAMPLING;
    }

    @Override
    public boolean isPretrainLayer() {
        return false;
    }

    @Override
    public void clearNoiseWeightParams() {
    }

    @Override
    public Gradient gradient() {
        throw new UnsupportedOperationException("BilinearUpsample has no parameters");
    }

    @Override
    public void fit() {
    }

    @Override
    public long numParams() {
        return 0;
    }

    @Override
    public void fit(INDArray input, LayerWorkspaceMgr workspaceMgr) {
        throw new UnsupportedOperationException("BilinearUpsample is not trained on its own");
    }

    @Override
    public double score() {
        return 0;
    }

    @Override
    public void update(INDArray gradient, String paramType) {
    }

    @Override
    public INDArray params() {
        return null;
    }

    @Override
    public INDArray getParam(String param) {
        return null;
    }

    @Override
    public void setParams(INDArray params) {
    }
}
