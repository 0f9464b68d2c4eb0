package org.infopro.spark.loss;

import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.infopro.data.shard.ImageBatch;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

/**
 * Per-pixel cross-entropy for segmentation, as the InfoPro reference's mmsegmentation (0.x) computes it: softmax over
 * the classes of logits already upsampled to the label size, {@code ignore_index} {@value #IGNORE}, and the mean over
 * <em>all</em> N·H·W pixels, ignored ones counting as zero ({@code F.cross_entropy(reduction='none')} then
 * {@code mean()}; mmsegmentation's {@code avg_non_ignore} did not exist yet and defaults to false where it does).
 *
 * <p>DL4J's {@link CnnLossLayer} sums the per-pixel losses times the label mask and divides by the minibatch. So the
 * mask is 1 for a counted pixel and 0 for an ignored one, and the loss weighs every class {@code weight}/(H·W): the
 * score and its gradient are then mmsegmentation's mean times the head's loss weight (1 for the decode head, 0.4 for
 * the FCN auxiliary head).
 */
public final class PixelCrossEntropy {
    /** The label of pixels that count for nothing (Cityscapes' void). */
    public static final int IGNORE = ImageBatch.PixelLabels.IGNORE;

    private PixelCrossEntropy() {
    }

    /**
     * The loss layer for {@code classes}-channel NCHW logits at the label size {@code height}×{@code width}: softmax over
     * the channels, cross-entropy against {@link #targets}, weighted {@code weight}.
     */
    public static CnnLossLayer layer(int classes, double weight, int height, int width) {
        float[] w = new float[classes];
        java.util.Arrays.fill(w, (float) (weight / ((double) height * width)));
        return new CnnLossLayer.Builder(new LossMCXENT(Nd4j.createFromArray(w))).activation(Activation.SOFTMAX).build();
    }

    /** One-hot labels {@code [N, C, H, W]} and the mask {@code [N, 1, H, W]} (0 where ignored); the caller closes both. */
    public record Targets(INDArray labels, INDArray mask) implements AutoCloseable {
        @Override
        public void close() {
            labels.close();
            mask.close();
        }
    }

    /**
     * The targets of {@code masks}: one label image per example, row-major {@code h × w}, each pixel a class in
     * {@code [0, classes)} or {@link #IGNORE}, encoded as segmentation batches are
     * ({@link ImageBatch.PixelLabels#oneHot}); any other value is an error naming the example, the pixel and the value.
     */
    public static Targets targets(int[][] masks, int classes, int h, int w) {
        int n = masks.length;
        int hw = h * w;
        int[] ids = new int[n * hw];
        for (int e = 0; e < n; e++) {
            if (masks[e].length != hw) {
                throw new IllegalArgumentException("label image " + e + " has " + masks[e].length + " pixels, expected " + h + "x" + w);
            }
            System.arraycopy(masks[e], 0, ids, e * hw, hw);
        }
        float[] oneHot = ImageBatch.PixelLabels.oneHot(ids, classes, hw, e -> "label image " + e);
        return new Targets(Nd4j.create(oneHot, new long[]{n, classes, h, w}, DataType.FLOAT),
                ImageBatch.PixelLabels.of(ids, n, h, w).mask());
    }
}
