package org.infopro.data.shard;

import java.util.List;

/**
 * A minibatch assembled in the JVM heap, before any native memory: NCHW {@code features} (normalised) and
 * {@code pixels01}, one-hot {@code onehot}, the label indices and the images' keys. Input threads build these;
 * the task's own thread turns one into an {@link ImageBatch} ({@link BatchAssembler#toDevice}), so native
 * memory keeps one owner.
 */
public record HostBatch(float[] features, float[] pixels01, float[] onehot, int[] labels, List<String> keys, long[] shape,
                        int numClasses) {

    public int size() {
        return labels.length;
    }
}
