package org.infopro.spark.train;

import org.infopro.spark.metrics.EpochMetrics;

import java.util.Map;

/**
 * result.json: the orchestrator contract of a training run. {@code status} is ok, skipped or failed;
 * on success it holds the final validation metrics, throughput, timings and the paths of the outputs.
 */
public record TrainResult(String status, String error, Map<String, Object> config, Double testAccuracy,
                          EpochMetrics lastEpoch, Map<String, Double> imagesPerS, Long peakMemoryBytes,
                          Map<String, Double> timingsS,
                          Map<String, String> paths, String nativeRuntime, Map<String, String> versions) {
    public static final String OK = "ok";
    public static final String SKIPPED = "skipped";
    public static final String FAILED = "failed";
}
