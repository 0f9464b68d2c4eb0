package org.infopro.spark.task;

import java.io.Serializable;

/**
 * What a training task needs of the run's configuration: the batch size, the run's seed (every random stream
 * derives from it, see {@code Seeds}), native threads per task, how often replica 0 logs a step line, the
 * number of epochs (for those lines) and the learning-rate schedule.
 */
public record TaskSettings(int batchSize, long seed, int threads, int logEvery, int epochs, LearningRate learningRate)
        implements Serializable {
}
