package org.infopro.spark.train;

import com.fasterxml.jackson.annotation.JsonProperty;
import org.infopro.data.io.ConfigHash;
import org.infopro.data.io.Status;
import org.infopro.spark.metrics.EpochMetrics;
import org.infopro.spark.metrics.ExecutorPeak;
import org.infopro.spark.metrics.HeapWatch;
import org.infopro.spark.metrics.RunTotals;
import org.infopro.spark.metrics.StageReport;
import org.infopro.spark.schedule.SpillPlan;
import org.infopro.spark.schedule.StaggeredReport;

import java.util.List;
import java.util.Map;

/**
 * result.json: the orchestrator contract of a training run. {@code status} is ok, skipped, failed or invalid;
 * on success it holds the final validation metrics of the composed network ({@code testAccuracy}: top-1,
 * {@code testTop5Accuracy}: top-5, 1.0 with 5 classes or fewer), throughput, timings per
 * phase and per stage, the spill written, the driver's peak resident set size ({@code VmHWM}: in local mode the
 * whole run's, training and validation tasks included) and its heap after garbage collections ({@link HeapWatch}), the replicas' synchronisation per round (seconds, bytes the
 * driver received, shuffle bytes), the peak memory of every executor, what the input streams measured (time
 * waited for input, the pipeline's images/s, decoded images held), the sequential schedule's
 * spill plan or the staggered schedule's pipeline figures, and the paths of the outputs. A segmentation run adds the
 * composed network's mean IoU ({@code testMiou}) and its {@code segmentation} scores: per-class IoU and accuracy,
 * pixel accuracy and mean class accuracy ({@link org.infopro.spark.measure.ConfusionMatrix#scores}).
 */
public record TrainResult(Status status, String error, String schedule, Map<String, Object> config, Double testAccuracy,
                          Double testTop5Accuracy, Double testMiou, Map<String, Object> segmentation, EpochMetrics lastEpoch, RunTotals.Throughput imagesPerS, Long peakMemoryBytes,
                          Long driverPeakRssBytes, HeapWatch.DriverHeap driverHeap, RunTotals.Timings timingsS, Long rounds, RunTotals.Sync sync, List<StageReport> stages,
                          Long spillBytes, Map<String, ExecutorPeak> executors, RunTotals.Input input, SpillPlan plan,
                          StaggeredReport pipeline,
                          Paths paths, String nativeRuntime, Map<String, String> versions) {
    /** The identity of the run's options, as {@code --if-exists skip-ok} and {@code resume} compare them. */
    @JsonProperty("config_hash")
    public String configHash() {
        return config == null ? null : ConfigHash.of(config);
    }

    /** Where a run's outputs are; only {@code result} for a run that did not train. */
    public record Paths(String out, String metrics, String checkpoint, String inferenceModel, String result) {
        static Paths resultOnly(String result) {
            return new Paths(null, null, null, null, result);
        }
    }

    static TrainResult notRun(Status status, String error, String schedule, Map<String, Object> config, Long driverPeakRssBytes,
                              HeapWatch.DriverHeap driverHeap, double totalS, String resultPath, Map<String, String> versions) {
        return new TrainResult(status, error, schedule, config, null, null, null, null, null, null, null, driverPeakRssBytes, driverHeap,
                RunTotals.Timings.only(totalS), null, null,
                List.of(), null, Map.of(), null, null, null, Paths.resultOnly(resultPath), null, versions);
    }
}
