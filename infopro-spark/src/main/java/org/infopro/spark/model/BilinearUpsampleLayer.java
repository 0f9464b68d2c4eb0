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
import org.nd4j.linalg.factory.Nd4j;

/**
 * Align-corners bilinear resize as two small matrix products: {@code Y = A_h · X · A_wᵀ} per channel,
 * where {@code A} holds the interpolation weights. The backward pass is the transpose,
 * {@code dX = A_hᵀ · dY · A_w}, so the gradient is exact.
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

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        long n = input.size(0), c = input.size(1), h = input.size(2), w = input.size(3);
        int oh = layerConf().getOutHeight(), ow = layerConf().getOutWidth();
        INDArray ah = weights(oh, (int) h, input.dataType());
        INDArray aw = weights(ow, (int) w, input.dataType());
        // [n*c*h, w] x [w, ow] -> [n*c, h, ow] -> [n*c, ow, h] -> x [h, oh] -> [n*c, ow, oh] -> [n, c, oh, ow]
        INDArray rows = input.dup('c').reshape('c', n * c * h, w).mmul(aw.transpose());
        INDArray cols = rows.reshape('c', n * c, h, ow).permute(0, 2, 1).dup('c').reshape('c', n * c * ow, h)
                .mmul(ah.transpose());
        INDArray out = cols.reshape('c', n * c, ow, oh).permute(0, 2, 1);
        INDArray ret = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, input.dataType(), new long[]{n, c, oh, ow}, 'c');
        ret.assign(out.reshape('c', n, c, oh, ow));
        return ret;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        long n = input.size(0), c = input.size(1), h = input.size(2), w = input.size(3);
        int oh = layerConf().getOutHeight(), ow = layerConf().getOutWidth();
        INDArray ah = weights(oh, (int) h, epsilon.dataType());
        INDArray aw = weights(ow, (int) w, epsilon.dataType());
        // dY [n*c, oh, ow] -> [n*c, ow, oh] x A_h [oh, h] -> [n*c, ow, h] -> [n*c, h, ow] x A_w [ow, w] -> [n, c, h, w]
        INDArray t = epsilon.dup('c').reshape('c', n * c, oh, ow).permute(0, 2, 1).dup('c').reshape('c', n * c * ow, oh)
                .mmul(ah);
        INDArray u = t.reshape('c', n * c, ow, h).permute(0, 2, 1).dup('c').reshape('c', n * c * h, ow).mmul(aw);
        INDArray eps = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, epsilon.dataType(), new long[]{n, c, h, w}, 'c');
        eps.assign(u.reshape('c', n, c, h, w));
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
