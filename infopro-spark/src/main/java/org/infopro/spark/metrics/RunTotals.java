package org.infopro.spark.metrics;

import org.infopro.data.shard.ImageStream;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The run's totals for result.json, accumulated from the schedule's events: time training, validating,
 * spilling, in training tasks, merging replicas and checkpointing; rounds; spill bytes; the peak memory of
 * every executor; per-module busy time; the stages; the last metrics line; the replicas' synchronisation.
 */
public final class RunTotals implements RunListener {
    private final long[] moduleNanos;
    private final Map<String, ExecutorPeak> executors = ExecutorPeak.newMap();
    private final List<StageReport> stages = new ArrayList<>();
    private long moduleImages;
    private double trainS;
    private double validationS;
    private double spillS;
    private double taskS;
    private double syncS;
    private double checkpointS;
    private long spillBytes;
    private long syncRounds;
    private long syncDriverBytes;
    private long syncShuffleBytes;
    private long peakMemory;
    private EpochMetrics last;
    private ImageStream.Stats input = ImageStream.Stats.NONE;

    public RunTotals(int modules) {
        moduleNanos = new long[modules];
    }

    @Override
    public void onRound(List<TaskStats> tasks, RoundSync sync) {
        if (sync.averaged()) {
            syncRounds++;
            syncS += sync.seconds();
            syncDriverBytes += sync.driverBytes();
            syncShuffleBytes += sync.shuffleBytes();
        }
        for (TaskStats t : tasks) {
            taskS += t.taskNanos() / 1e9;
            input = input.plus(t.input());
            peakMemory = Math.max(peakMemory, t.peakMemoryBytes());
            ExecutorPeak.merge(executors, t.executor());
            for (int k = 0; k < moduleNanos.length; k++) {
                moduleNanos[k] += t.nanosPerModule()[k];
            }
        }
    }

    @Override
    public void onCheckpoint(double seconds) {
        checkpointS += seconds;
    }

    @Override
    public void onEpoch(EpochMetrics line) {
        last = line;
    }

    @Override
    public void onStage(StageReport s) {
        stages.add(s);
        trainS += s.trainS();
        validationS += s.validationS();
        spillS += s.spillS();
        spillBytes += s.spillBytes();
        moduleImages = s.images();
    }

    /** Images/s end to end (training and spilling) and per module (time in that module only). */
    public Throughput throughput() {
        double busy = trainS + spillS;
        List<Double> modules = new ArrayList<>();
        for (long n : moduleNanos) {
            modules.add(n > 0 ? moduleImages / (n / 1e9) : 0);
        }
        return new Throughput(busy > 0 ? moduleImages / busy : 0, modules);
    }

    /** result.json's timings, with the set-up, the final validation and the whole run's wall time added. */
    public Timings timings(double setupS, double finalValidationS, double totalS) {
        return new Timings(setupS, trainS, spillS, validationS + finalValidationS, taskS, syncS, checkpointS, totalS);
    }

    /** The synchronisation of the averaged rounds of this run (a resumed run: since the resume). */
    public Sync sync() {
        return syncRounds == 0 ? null : new Sync(syncRounds, syncS / syncRounds, syncDriverBytes / syncRounds,
                syncShuffleBytes / syncRounds, syncS, syncDriverBytes, syncShuffleBytes);
    }

    public EpochMetrics last() {
        return last;
    }

    public long peakMemory() {
        return peakMemory;
    }

    public long spillBytes() {
        return spillBytes;
    }

    public List<StageReport> stages() {
        return List.copyOf(stages);
    }

    public Map<String, ExecutorPeak> executors() {
        return executors;
    }

    /** What the training tasks' input streams measured, over the run. */
    public Input input() {
        double decodeS = input.decodeNanos() / 1e9;
        return new Input(input.waitNanos() / 1e9, decodeS, input.images(), decodeS > 0 ? input.images() / decodeS : 0,
                input.maxDecodedAlive(), input.bound());
    }

    /**
     * The training input over the run: seconds training tasks waited for a batch (summed over tasks), seconds the
     * input threads spent reading rows out of windows, decoding and augmenting (summed over threads), images
     * streamed, the pipeline's images/s per input thread, and the most decoded images any task held against
     * its bound (prefetch × batch).
     */
    public record Input(double waitS, double decodeS, long images, double imagesPerSecondPerThread, int maxDecodedImages,
                        int decodedImagesBound) {
    }

    /**
     * result.json's synchronisation figures: averaged rounds, seconds per round from the end of the training stage
     * until the driver held the average, bytes the driver received per round (task results) and shuffle bytes per
     * round, and the run's totals of the three.
     */
    public record Sync(long rounds, double secondsPerRound, long driverBytesPerRound, long shuffleBytesPerRound,
                       double seconds, long driverBytes, long shuffleBytes) {
    }

    /** Images per second: end to end, and for each module 1..K in order. */
    public record Throughput(double endToEnd, List<Double> modules) {
    }

    /**
     * Seconds per phase: set-up, training, spilling, validation, training tasks' busy time summed over tasks (what
     * more executors would divide), the replicas' synchronisation ({@link Sync#seconds}), checkpoint writing, and the
     * whole run.
     */
    public record Timings(double setup, double train, double spill, double validation, double trainingTasksBusy,
                          double replicaAveraging, double checkpoints, double total) {
        /** The timings of a run that did not train: only its wall time. */
        public static Timings only(double total) {
            return new Timings(0, 0, 0, 0, 0, 0, 0, total);
        }
    }
}
