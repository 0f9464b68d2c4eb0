package org.infopro.data.shard;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One minibatch on an executor, NCHW float32. {@code features} are normalised with the manifest's
 * per-channel mean/std; {@code pixels01} is the same (augmented) image in [0, 1], the reconstruction
 * target of InfoPro's decoder; {@code labels} are one-hot: per image {@code [n, classes]}, or for a segmentation
 * dataset per pixel {@code [n, classes, h, w]}, with {@code pixels} (else null) holding the label mask and the
 * train ids. The batch owns its native memory: close it.
 */
public record ImageBatch(INDArray features, INDArray pixels01, INDArray labels, int[] labelIndices, PixelLabels pixels)
        implements AutoCloseable {

    /** The per-pixel labels of a segmentation batch: the label mask {@code [n, 1, h, w]} and the train ids, row-major. */
    public record PixelLabels(INDArray mask, int[] ids, int height, int width) {
        /** The train id of pixels that count for nothing (Cityscapes' void); the crop's fill. */
        public static final int IGNORE = Augmentations.IGNORE;

        /**
         * One-hot per-pixel labels {@code [n, classes, plane]} of {@code ids} ({@code n·plane}, each a class or
         * {@link #IGNORE}, which stays all zero); any other id is an error naming {@code name.apply(example)}, the
         * pixel and the id.
         */
        public static float[] oneHot(int[] ids, int classes, int plane, java.util.function.IntFunction<String> name) {
            float[] out = new float[ids.length / plane * classes * plane];
            for (int k = 0; k < ids.length; k++) {
                int id = ids[k];
                if (id == IGNORE) {
                    continue;
                }
                int e = k / plane;
                if (id < 0 || id >= classes) {
                    throw new IllegalArgumentException(name.apply(e) + ", pixel " + k % plane + ": class " + id + " is not in [0, "
                            + classes + ") nor " + IGNORE + " (ignored); the masks and the manifest's classes disagree. Check "
                            + "the class count in the dataset's manifest, or prepare it again (prep-cityscapes).");
                }
                out[(e * classes + id) * plane + k % plane] = 1f;
            }
            return out;
        }

        /**
         * The per-pixel labels of {@code n} images of {@code height}×{@code width} ({@code ids} row-major per image), in
         * native memory.
         */
        public static PixelLabels of(int[] ids, int n, int height, int width) {
            return new PixelLabels(Nd4j.create(mask(ids), new long[]{n, 1, height, width}, DataType.FLOAT), ids, height, width);
        }

        /** The label mask of {@code ids}: 1 where a pixel counts, 0 where it is {@link #IGNORE}. */
        public static float[] mask(int[] ids) {
            float[] m = new float[ids.length];
            for (int k = 0; k < ids.length; k++) {
                m[k] = ids[k] == IGNORE ? 0f : 1f;
            }
            return m;
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
