package org.infopro.spark.bench;

import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.infopro.data.config.ConfigException;
import org.infopro.data.io.Fs;
import org.infopro.data.shard.DatasetManifest;
import org.infopro.spark.schedule.StaggeredReport;
import org.infopro.spark.metrics.RunTotals;
import org.infopro.spark.metrics.StageReport;
import org.infopro.spark.metrics.ExecutorPeak;
import org.infopro.spark.config.ScheduleKind;
import org.infopro.spark.config.TrainConfig;
import org.infopro.spark.train.TrainJob;
import org.infopro.spark.train.TrainResult;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The schedules benchmark: the same ResNet-32, K = 4 recipe trained simultaneous, sequential with spill,
 * sequential with recompute and staggered, on whatever cluster the session runs on; then, from each run's
 * measured stage times, a model of what 4, 16 and 64 executors would give. Method in {@link #METHOD}.
 */
public final class ScheduleBenchJob {
    private static final int DEPTH = 32;
    /** The executor counts the model covers beside the measured one. */
    static final int[] MODELLED_EXECUTORS = {4, 16, 64};

    /** One run's figures. */
    public record Row(ScheduleBenchRun run, String schedule, String spill, double wallS, double trainS, double spillS,
                      double validationS, double imagesPerS, long spillBytes, Long peakExecutorRssBytes,
                      long peakNd4jBytes, int executors, double testAccuracy, List<StageReport> stages,
                      double computeS, double overheadS, Map<String, Double> modelledTrainS, long rounds,
                      double averagingS, double checkpointS, long stateBytes, StaggeredReport pipeline) {
    }

    static final String METHOD = "Each run is one `train` of the jobs jar on the cluster, one after another, nothing else running. "
            + "wall = result.json timings.total (setup, training, spill, validation after every epoch of every stage, the composed "
            + "network's final validation, export). images/s = training images x epochs / (training + spill seconds). Peak executor "
            + "memory = the largest VmHWM (peak resident set) any executor JVM reported from a training task; ND4J peak = the "
            + "largest per-task workspace high-water mark + parameters + updater. Model: compute = the training tasks' summed "
            + "busy time (what more executors divide), overhead = training wall - compute / executors used "
            + "(scheduling, broadcast, averaging, data loading, hand-off I/O); for E executors the data-parallel schedules take "
            + "compute / E + overhead (+ spill and validation scaled by used/E). The staggered one runs R = max(1, E / K) replicas "
            + "per module (K x R tasks per wave, K = 4): a replica's chunk is stepsPerWave(R) / stepsPerWave(measured) of the "
            + "measured one (its share of the images shrinks with R, in full batches), so a wave takes max(slowest active "
            + "module's replica chunk, all active tasks' chunks / E), plus the measured overhead per wave (assumed not to grow "
            + "with R) and the driver's replica averaging, R x the measured cost of averaging one replica's state per wave; "
            + "it assumes the chunks per epoch stay as measured and ignores the growing transfer of R states to the driver. "
            + "Each run is its own Spark application (fresh executor JVMs), so a JVM's peak RSS is that run's.";

    private ScheduleBenchJob() {
    }

    static TrainConfig runConfig(ScheduleBenchConfig c, ScheduleBenchRun run) {
        ReproductionConfig rc = new ReproductionConfig(c.dataset(), c.out(), c.results(), List.of(ReproductionRun.SOFTMAX_K4),
                c.epochs(), c.limit(), c.valLimit(), c.threads());
        TrainConfig base = ReproductionJob.runConfig(rc, ReproductionRun.SOFTMAX_K4);
        TrainConfig.Pipeline p = new TrainConfig.Pipeline(run.spill(), "", TrainConfig.Pipeline.DEFAULT.store(), 1, false,
                c.waveFraction());
        // the staggered run is measured with one replica per module (K tasks per wave); the model scales it to R per module
        int replicas = run.schedule() == ScheduleKind.STAGGERED ? 1 : c.replicas();
        return base.toBuilder()
                .out(new Path(c.out(), run.label()).toString())
                .schedule(run.schedule())
                .parallel(new TrainConfig.Parallel(replicas, c.syncSteps(), false))
                .pipeline(p)
                .build();
    }

    public static Map<String, Object> run(ScheduleBenchConfig c, SparkSession spark) {
        DatasetManifest m = DatasetManifest.read(c.dataset(), spark.sparkContext().hadoopConfiguration());
        if (!"fashion-mnist".equals(m.dataset())) {
            throw new ConfigException(c.dataset() + " is '" + m.dataset() + "'; the benchmark needs Fashion-MNIST as "
                    + "submit/demo.sh prepares it in data/fashion-mnist.");
        }
        List<Row> rows = new ArrayList<>();
        Map<String, Object> doc = new LinkedHashMap<>();
        for (ScheduleBenchRun run : c.runs()) {
            TrainConfig tc = runConfig(c, run);
            TrainResult r = ReproductionJob.completed(tc, spark);
            if (r != null) {
                System.err.printf(Locale.ROOT, "[bench-schedules] %s: reusing the completed run in %s%n", run.label(), tc.out());
            } else {
                System.err.printf(Locale.ROOT, "[bench-schedules] %s ...%n", run.label());
                r = TrainJob.run(tc, spark);
            }
            rows.add(row(run, tc, r, stateBytes(tc, spark), rows, c.replicas()));
            System.err.printf(Locale.ROOT, "[bench-schedules] %s: %.0f s, test accuracy %.4f%n", run.label(), r.timingsS().total(),
                    r.testAccuracy());
            doc.put("created_at", Instant.now().toString());
            doc.put("command", "submit/bench-schedules.sh (bench-schedules --dataset " + c.dataset() + ")");
            doc.put("master", spark.sparkContext().master());
            doc.put("default_parallelism", spark.sparkContext().defaultParallelism());
            doc.put("recipe", ReproductionJob.RECIPE + "; InfoPro softmax, K = 4 (infopro:k4 splits), " + c.epochs()
                    + " epochs of every module, " + c.limit() + " training images, replicas " + c.replicas() + " (staggered: 1 per "
                    + "module, modelled with more), replica average every " + c.syncSteps() + " steps, staggered wave " + c.waveFraction()
                    + " of an epoch, spill binary fp16 zstd");
            doc.put("method", METHOD);
            doc.put("rows", rows);
            MemoryBenchJob.write(c.results(), doc, markdown(c, rows));
        }
        return doc;
    }

    /** Bytes of one replica's state (every module's parameters and momentum): the checkpoint's .state files. */
    private static long stateBytes(TrainConfig tc, SparkSession spark) {
        var conf = spark.sparkContext().hadoopConfiguration();
        Path dir = new Path(tc.out(), TrainJob.CHECKPOINT);
        try {
            long n = 0;
            for (var st : Fs.of(dir, conf).listStatus(dir, p -> p.getName().endsWith(".state"))) {
                n += st.getLen();
            }
            return n;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Row row(ScheduleBenchRun run, TrainConfig tc, TrainResult r, long stateBytes, List<Row> before,
                           int dataParallelReplicas) {
        RunTotals.Timings t = r.timingsS();
        double trainS = t.train();
        double spillS = t.spill();
        double valS = t.validation();
        double computeS = t.trainingTasksBusy();
        Long rss = null;
        long nd4j = 0;
        for (ExecutorPeak e : r.executors().values()) {
            if (e.processPeakRssBytes() != null) {
                rss = rss == null ? e.processPeakRssBytes() : Math.max(rss, e.processPeakRssBytes());
            }
            nd4j = Math.max(nd4j, e.nd4jPeakBytes());
        }
        int used = Math.max(1, r.executors().size());
        Map<String, Double> model = new LinkedHashMap<>();
        double overhead;
        if (tc.schedule() == ScheduleKind.STAGGERED) {
            StaggeredReport p = r.pipeline();
            overhead = (trainS - staggeredWaves(p, p.replicas(), p.stepsPerWave(), used)) / p.waves();
            model.put(Integer.toString(used), trainS);
            double syncPerReplica = averagingPerReplicaS(t.replicaAveraging(), p.waves(), p.replicas(), before,
                    dataParallelReplicas);
            for (int e : MODELLED_EXECUTORS) {
                model.put(Integer.toString(e), staggeredModel(p, tc, overhead, syncPerReplica, e));
            }
        } else {
            int replicas = tc.parallel().replicas();
            overhead = trainS - computeS / replicas;
            model.put(Integer.toString(replicas), computeS / replicas + overhead + spillS + valS);
            for (int e : MODELLED_EXECUTORS) {
                model.put(Integer.toString(e), computeS / e + overhead + (spillS + valS) * replicas / e);
            }
        }
        return new Row(run, tc.schedule().label(), r.plan() == null ? "-" : r.plan().chosen().label(),
                t.total(), trainS, spillS, valS, r.imagesPerS().endToEnd(), r.spillBytes() == null ? 0 : r.spillBytes(), rss, nd4j,
                r.executors().size(), r.testAccuracy(), r.stages(), computeS, overhead, model, r.rounds() == null ? 0 : r.rounds(),
                t.replicaAveraging(), t.checkpoints(), stateBytes, r.pipeline());
    }

    /**
     * The driver's cost of averaging one replica's state (all modules) once: the simultaneous run, when measured
     * before this one, gives averaging s / rounds / its replicas; else this staggered run's own averaging per wave
     * and replica.
     */
    static double averagingPerReplicaS(double averagingS, int waves, int replicas, List<Row> before, int dataParallelReplicas) {
        for (Row b : before) {
            if (b.run() == ScheduleBenchRun.SIMULTANEOUS && b.rounds() > 0) {
                return b.averagingS() / b.rounds() / dataParallelReplicas;
            }
        }
        return averagingS / Math.max(1, waves) / replicas;
    }

    /**
     * Modelled staggered training time on {@code e} executors: R = max(1, e / K) replicas per module, each replica's
     * chunk scaled by the steps per wave at R against the measured run's, the measured overhead per wave and R replica
     * states averaged by the driver after every wave.
     */
    static double staggeredModel(StaggeredReport p, TrainConfig tc, double overheadPerWave, double averagingPerReplicaS, int e) {
        int r = Math.max(1, e / p.modules());
        long images = tc.limit() > 0 ? tc.limit() : (long) p.stepsPerEpoch() * tc.batchSize() * p.replicas();
        int spw = stepsPerWave(images, r, tc.batchSize(), tc.pipeline().waveFraction());
        return staggeredWaves(p, r, spw, e) + p.waves() * (overheadPerWave + r * averagingPerReplicaS);
    }

    /** Steps per wave with {@code replicas} replicas sharing {@code images}: the largest share in full batches, cut by the fraction. */
    static int stepsPerWave(long images, int replicas, int batchSize, double waveFraction) {
        long share = (images + replicas - 1) / replicas;
        int stepsPerEpoch = (int) ((share + batchSize - 1) / batchSize);
        return Math.max(1, (int) Math.ceil(stepsPerEpoch * waveFraction));
    }

    /** A sentence on what bounds this run's speed-up, with its own numbers. */
    static String limits(Row r) {
        double busy = r.computeS() / Math.max(1e-9, r.trainS());
        double fixed = r.run() == ScheduleBenchRun.STAGGERED ? r.overheadS() * r.rounds() : r.overheadS();
        String common = String.format(Locale.ROOT, "tasks were busy %.0f s in %.0f s of training wall (%.2f executors' worth); "
                + "fixed cost %.0f s (%.0f %% of the training wall)", r.computeS(), r.trainS(), busy, fixed,
                100 * fixed / Math.max(1e-9, r.trainS()));
        List<Double> m = new ArrayList<>(r.modelledTrainS().values());
        String model = String.format(Locale.ROOT, "; modelled %.0f s at 4, %.0f s at 16 and %.0f s at 64 executors", m.get(1), m.get(2),
                m.get(3));
        return switch (r.run()) {
            case STAGGERED -> common + ". Measured with one task per module; beyond K = 4 executors each module runs E / K "
                    + "replicas averaged after every wave, which divides every wave's length, but the slowest module still sets it, "
                    + "K - 1 waves at each end run with idle modules, and the per-wave overhead and averaging stay" + model + ".";
            case SEQUENTIAL_SPILL -> common + String.format(Locale.ROOT, ", plus %.0f s writing %.0f MiB of spill: module k "
                    + "reads its inputs instead of recomputing them, and each stage is data-parallel like the simultaneous "
                    + "schedule, so the same round costs bound it", r.spillS(), r.spillBytes() / 1048576.0) + model + ".";
            case SEQUENTIAL_RECOMPUTE -> common + ": every batch of module k also runs the frozen modules 1..k-1 forward "
                    + "(inside the tasks' busy time), which more executors divide but never remove" + model + ".";
            case SIMULTANEOUS -> common + ": with 2 replicas every round rebuilds the networks in each task, broadcasts the state and "
                    + "averages it on the driver; those costs stay while the compute divides" + model + ".";
        };
    }

    /**
     * Compute time of the staggered waves with {@code replicas} replicas per module on {@code e} executors: in wave w
     * the modules k with chunk w-k in range run at once, each replica taking the measured mean chunk time of one of
     * its module's tasks scaled by {@code stepsPerWave} against the measured steps per wave; the wave lasts as long
     * as the slowest of them, or all its tasks' time / e.
     */
    static double staggeredWaves(StaggeredReport p, int replicas, int stepsPerWave, int e) {
        double total = 0;
        List<Double> moduleS = p.moduleTaskS();
        double scale = (double) stepsPerWave / p.stepsPerWave();
        for (int w = 0; w < p.waves(); w++) {
            double slowest = 0;
            double sum = 0;
            for (int k = 0; k < moduleS.size(); k++) {
                if (w - k >= 0 && w - k < p.chunks()) {
                    double task = moduleS.get(k) / p.chunks() / p.replicas() * scale;
                    slowest = Math.max(slowest, task);
                    sum += task * replicas;
                }
            }
            total += Math.max(slowest, sum / e);
        }
        return total;
    }

    private static String markdown(ScheduleBenchConfig c, List<Row> rows) {
        StringBuilder sb = new StringBuilder("# Training schedules on a 2-worker standalone cluster\n\n");
        sb.append("Generated by `submit/bench-schedules.sh`. ResNet-32, InfoPro softmax, K = 4, ").append(c.epochs())
                .append(" epochs, the first ").append(c.limit()).append(" real Fashion-MNIST training images, all test images.\n\n");
        sb.append("| run | wall s | train s | spill s | validation s | images/s | spill MiB | peak executor RSS MiB | ND4J peak MiB | test accuracy |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|---|\n");
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT, "| %s | %.0f | %.0f | %.0f | %.0f | %.1f | %.1f | %s | %.0f | %.4f |%n", r.run().label(),
                    r.wallS(), r.trainS(), r.spillS(), r.validationS(), r.imagesPerS(), r.spillBytes() / 1048576.0,
                    r.peakExecutorRssBytes() == null ? "-" : String.format(Locale.ROOT, "%.0f", r.peakExecutorRssBytes() / 1048576.0),
                    r.peakNd4jBytes() / 1048576.0, r.testAccuracy()));
        }
        sb.append("\n## Modelled training time with more executors (seconds, from the measured stage times)\n\n");
        sb.append("| run | compute s | overhead s | measured executors | 4 executors | 16 executors | 64 executors |\n"
                + "|---|---|---|---|---|---|---|\n");
        for (Row r : rows) {
            List<Double> v = new ArrayList<>(r.modelledTrainS().values());
            sb.append(String.format(Locale.ROOT, "| %s | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f |%n", r.run().label(), r.computeS(),
                    r.overheadS(), v.get(0), v.get(1), v.get(2), v.get(3)));
        }
        sb.append("\n## Synchronisation: what a round costs the driver\n\n");
        sb.append("| run | rounds | state per replica MiB | averaging s (per round ms) | checkpoints s (per round ms) | training s |\n"
                + "|---|---|---|---|---|---|\n");
        for (Row r : rows) {
            long n = Math.max(1, r.rounds());
            sb.append(String.format(Locale.ROOT, "| %s | %d | %.1f | %.1f (%.0f) | %.1f (%.0f) | %.0f |%n", r.run().label(), r.rounds(),
                    r.stateBytes() / 1048576.0, r.averagingS(), 1000 * r.averagingS() / n, r.checkpointS(),
                    1000 * r.checkpointS() / n, r.trainS()));
        }
        sb.append("\n## What limits each schedule (from the figures above)\n\n");
        for (Row r : rows) {
            sb.append("* **").append(r.run().label()).append("**: ").append(limits(r)).append('\n');
        }
        sb.append("\nMethod: ").append(METHOD).append('\n');
        return sb.toString();
    }
}
