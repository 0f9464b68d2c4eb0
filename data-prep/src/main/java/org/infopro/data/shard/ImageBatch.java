package org.infopro.data.shard;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One minibatch on an executor, NCHW float32. {@code features} are normalised with the manifest's
 * per-channel mean/std; {@code pixels01} is the same (augmented) image in [0, 1], the reconstruction
 * target of InfoPro's decoder; {@code labels} are one-hot: per image {@code [n, classes]}, or for a segmentation
 * dataset per pixel {@code [n, classes, h, w]}, with {@code pixels} (else null) holding the label mask and the
 * train ids. The batch owns its native memory: close it.
 */
public record ImageBatch(INDArray features, INDArray pixels01, INDArray labels, int[] labelIndices, PixelLabels pixels)
        implements AutoCloseable {

    /** The per-pixel labels of a segmentation batch. */
    public record PixelLabels(INDArray mask, int[] ids, int height, int width) {
        /** Label-mask value 1 where a pixel counts, 0 where its id is {@link #IGNORE}. */
        public static final int IGNORE = 255;

        /** Image {@code i}'s train ids, row-major {@code height × width}. */
        public int[] idsOf(int i) {
            int plane = height * width;
            return java.util.Arrays.copyOfRange(ids, i * plane, (i + 1) * plane);
        }
    }

    public ImageBatch(INDArray features, INDArray pixels01, INDArray labels, int[] labelIndices) {
        this(features, pixels01, labels, labelIndices, null);
    }

    public int size() {
        return labelIndices.length;
    }

    /** The same labels on other features (a later module's input). */
    public ImageBatch withFeatures(INDArray features) {
        return new ImageBatch(features, pixels01, labels, labelIndices, pixels);
    }

    @Override
    public void close() {
        features.close();
        pixels01.close();
        labels.close();
        if (pixels != null) {
            pixels.mask().close();
        }
    }
}
