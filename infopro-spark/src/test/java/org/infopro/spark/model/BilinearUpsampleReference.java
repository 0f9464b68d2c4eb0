package org.infopro.spark.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The bilinear upsampling as {@link BilinearUpsampleLayer} computed it before it used libnd4j's
 * {@code resize_bilinear} and the Kronecker backward: the separable products {@code Y = A_h · X · A_wᵀ} and
 * {@code dX = A_hᵀ · dY · A_w} with {@link BilinearUpsampleLayer#weights}, through dense copies. Kept as the
 * reference the layer must match, and as the "old" side of {@link BilinearUpsampleBench}.
 */
final class BilinearUpsampleReference {

    private BilinearUpsampleReference() {
    }

    static INDArray forward(INDArray input, int oh, int ow) {
        long n = input.size(0), c = input.size(1), h = input.size(2), w = input.size(3);
        INDArray ah = BilinearUpsampleLayer.weights(oh, (int) h, input.dataType());
        INDArray aw = BilinearUpsampleLayer.weights(ow, (int) w, input.dataType());
        INDArray rows = input.dup('c').reshape('c', n * c * h, w).mmul(aw.transpose());
        INDArray cols = rows.reshape('c', n * c, h, ow).permute(0, 2, 1).dup('c').reshape('c', n * c * ow, h)
                .mmul(ah.transpose());
        INDArray out = cols.reshape('c', n * c, ow, oh).permute(0, 2, 1);
        INDArray ret = Nd4j.createUninitialized(input.dataType(), new long[]{n, c, oh, ow}, 'c');
        ret.assign(out.reshape('c', n, c, oh, ow));
        return ret;
    }

    static INDArray backward(INDArray epsilon, long h, long w) {
        long n = epsilon.size(0), c = epsilon.size(1);
        int oh = (int) epsilon.size(2), ow = (int) epsilon.size(3);
        INDArray ah = BilinearUpsampleLayer.weights(oh, (int) h, epsilon.dataType());
        INDArray aw = BilinearUpsampleLayer.weights(ow, (int) w, epsilon.dataType());
        INDArray t = epsilon.dup('c').reshape('c', n * c, oh, ow).permute(0, 2, 1).dup('c').reshape('c', n * c * ow, oh)
                .mmul(ah);
        INDArray u = t.reshape('c', n * c, ow, h).permute(0, 2, 1).dup('c').reshape('c', n * c * h, ow).mmul(aw);
        INDArray eps = Nd4j.createUninitialized(epsilon.dataType(), new long[]{n, c, h, w}, 'c');
        eps.assign(u.reshape('c', n, c, h, w));
        return eps;
    }
}
