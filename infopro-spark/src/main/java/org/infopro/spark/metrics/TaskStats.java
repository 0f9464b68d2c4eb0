package org.infopro.spark.metrics;

import org.infopro.data.shard.ImageStream;

import java.io.Serializable;

/**
 * What one training task measured, whatever the schedule: images and steps trained, nanoseconds and summed
 * step losses per module (arrays over all K modules; modules the task did not train stay 0), the task's peak
 * memory ({@link TaskMemory}) with its executor, the task's whole busy time, and what its input stream measured
 * ({@link ImageStream.Stats#NONE} for tasks reading spills).
 */
public record TaskStats(long images, long steps, long[] nanosPerModule, double[] lossSum, long peakMemoryBytes,
                        ExecutorPeak executor, long taskNanos, ImageStream.Stats input) implements Serializable {
}
