package org.infopro.spark.task;

import org.infopro.data.shard.ImageStream;

import java.io.Serializable;

/**
 * What a training task needs of the run's configuration: the batch size, the run's seed (every random stream
 * derives from it, see {@code Seeds}), native threads per task, how often replica 0 logs a step line, the
 * number of epochs (for those lines), the learning-rate schedule, the input stream's steps in flight and
 * decoding threads, and how often dead native buffers are reclaimed ({@code NativeMemory.reclaim}, seconds).
 */
public record TaskSettings(int batchSize, long seed, int threads, int logEvery, int epochs, LearningRate learningRate,
                           int prefetch, int inputThreads, int reclaimEverySeconds) implements Serializable {

    /** The input stream's settings. */
    public ImageStream.Settings input() {
        return new ImageStream.Settings(batchSize, prefetch, inputThreads);
    }
}
