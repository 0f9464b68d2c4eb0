package org.infopro.spark.train;

import org.infopro.data.io.Status;
import org.infopro.spark.metrics.EpochMetrics;

import java.util.List;
import java.util.Map;

/**
 * result.json: the orchestrator contract of a training run. {@code status} is ok, skipped, failed or
 * invalid (a refused configuration or input, with the error); on success it holds the final validation metrics of the composed network, throughput, timings per
 * phase and per stage, the spill written, the peak memory of every executor, the sequential schedule's
 * spill plan or the staggered schedule's pipeline figures, and the paths of the outputs.
 */
public record TrainResult(Status status, String error, String schedule, Map<String, Object> config, Double testAccuracy,
                          EpochMetrics lastEpoch, Map<String, Double> imagesPerS, Long peakMemoryBytes,
                          Map<String, Double> timingsS, Long rounds, List<StageReport> stages, Long spillBytes,
                          Map<String, ExecutorPeak> executors, Object plan, Object pipeline,
                          Map<String, String> paths, String nativeRuntime, Map<String, String> versions) {
    /**
     * One stage of a run: the simultaneous schedule's single stage, a sequential module, or the staggered
     * pipeline. {@code spillS}/{@code spillBytes}: writing the stage's outputs for the next one.
     */
    public record StageReport(String name, double trainS, double validationS, double spillS, long spillBytes,
                              long images, double imagesPerS) {
    }

    static TrainResult notRun(Status status, String error, TrainConfig cfg, Map<String, Double> timings,
                              Map<String, String> paths, Map<String, String> versions) {
        return new TrainResult(status, error, cfg.schedule().label(), cfg.asMap(), null, null, Map.of(), null, timings, null,
                List.of(), null, Map.of(), null, null, paths, null, versions);
    }
}
