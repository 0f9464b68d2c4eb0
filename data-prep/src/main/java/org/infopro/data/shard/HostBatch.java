package org.infopro.data.shard;

import java.util.List;

/**
 * A minibatch assembled in the JVM heap, before any native memory: NCHW {@code features} (normalised) and
 * {@code pixels01}, one-hot {@code onehot}, the label indices and the images' keys. Input threads build these;
 * the task's own thread turns one into an {@link ImageBatch} ({@link BatchAssembler#toDevice}), so native
 * memory keeps one owner. For a segmentation dataset {@code pixelIds} holds every pixel's train id
 * ({@code n·h·w}, 255 = ignore) and {@code onehot} is per pixel ({@code n·classes·h·w}); else it is null.
 */
public record HostBatch(float[] features, float[] pixels01, float[] onehot, int[] labels, List<String> keys, long[] shape,
                        int numClasses, int[] pixelIds) {

    public HostBatch(float[] features, float[] pixels01, float[] onehot, int[] labels, List<String> keys, long[] shape,
                     int numClasses) {
        this(features, pixels01, onehot, labels, keys, shape, numClasses, null);
    }

    public int size() {
        return labels.length;
    }
}
