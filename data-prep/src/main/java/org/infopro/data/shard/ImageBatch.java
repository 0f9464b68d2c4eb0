package org.infopro.data.shard;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One minibatch on an executor, NCHW float32. {@code features} are normalised with the manifest's
 * per-channel mean/std; {@code pixels01} is the same (augmented) image in [0, 1], the reconstruction
 * target of InfoPro's decoder; {@code labels} are one-hot. The batch owns its native memory: close it.
 */
public record ImageBatch(INDArray features, INDArray pixels01, INDArray labels, int[] labelIndices)
        implements AutoCloseable {

    public int size() {
        return labelIndices.length;
    }

    @Override
    public void close() {
        features.close();
        pixels01.close();
        labels.close();
    }
}
