package org.infopro.data.shard;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A segmentation minibatch, NCHW float32 features normalised with the manifest's statistics and
 * {@code [n, h, w]} masks of train ids as floats (255 = ignore). Owns its native memory: close it.
 */
public record SegmentationBatch(INDArray features, INDArray masks) implements AutoCloseable {
    @Override
    public void close() {
        features.close();
        masks.close();
    }
}
