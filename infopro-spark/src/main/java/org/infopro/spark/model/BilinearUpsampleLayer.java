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
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.image.ResizeBilinear;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Align-corners bilinear resize of NCHW activations. The map is {@code Y = A_h · X · A_wᵀ} per channel, where
 * {@link #weights} holds the interpolation weights; the backward pass is its transpose,
 * {@code dX = A_hᵀ · dY · A_w}, so the gradient is exact.
 * <ul>
 *   <li>Equal input and output sizes are the identity ({@code A} is the unit matrix): the input is returned
 *       and the gradient passed through.</li>
 *   <li>The forward pass is libnd4j's {@code resize_bilinear} (align corners, no half-pixel centres), which is
 *       NHWC only: the input is copied to NHWC and the result back to NCHW. Viewing NCHW as NHWC with one
 *       channel, {@code [n·c, h, w, 1]}, would need no copy but runs 3–4x slower than the copies.</li>
 *   <li>libnd4j has no backward op for any resize, so the backward pass is ours: the two separable products,
 *       the first written in f-order so that the only transpose is the write into the result. A single GEMM
 *       with the Kronecker matrix {@code A_h ⊗ A_w} was measured no faster even for 8x8 inputs.</li>
 * </ul>
 */
public class BilinearUpsampleLayer extends AbstractLayer<BilinearUpsample> {

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

    /** The array itself if it is dense c-order, so its reshapes are views, else a copy. */
    private static INDArray dense(INDArray a, ArrayType copyType, LayerWorkspaceMgr workspaceMgr) {
        boolean dense = a.ordering() == 'c' && a.offset() == 0 && Shape.hasDefaultStridesForShape(a);
        return dense ? a : workspaceMgr.dup(copyType, a, 'c');
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
        // libnd4j reads raw buffers, so the NHWC layout must be a dense copy, not a permuted view
        INDArray nhwc = workspaceMgr.dup(ArrayType.FF_WORKING_MEM, input.permute(0, 2, 3, 1), 'c');
        INDArray up = workspaceMgr.createUninitialized(ArrayType.FF_WORKING_MEM, input.dataType(), new long[]{n, oh, ow, c}, 'c');
        Nd4j.exec(new ResizeBilinear(nhwc, up, oh, ow, true, false));
        INDArray ret = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, input.dataType(), new long[]{n, c, oh, ow}, 'c');
        ret.assign(up.permute(0, 3, 1, 2));
        return ret;
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
        INDArray dy = dense(epsilon, ArrayType.BP_WORKING_MEM, workspaceMgr);
        INDArray eps = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, type, new long[]{n, c, h, w}, 'c');
        INDArray ah = weights(oh, (int) h, type);
        INDArray aw = weights(ow, (int) w, type);
        // dY [n·c·oh, ow] x A_w [ow, w]; the f-order product is laid out [w, n·c, oh], which puts oh last for free
        INDArray t = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, type, new long[]{n * c * oh, w}, 'f');
        dy.reshape('c', n * c * oh, ow).mmuli(aw, t);
        // [w·n·c, oh] x A_h [oh, h] -> [w, n·c·h]; its one transpose is the write into the result
        INDArray u = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, type, new long[]{w * n * c, h}, 'c');
        t.transpose().reshape('c', w * n * c, oh).mmuli(ah, u);
        eps.reshape('c', n * c * h, w).assign(u.reshape('c', w, n * c * h).transpose());
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
