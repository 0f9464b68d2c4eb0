package org.infopro.spark.schedule;

import org.infopro.spark.spill.SpillMode;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkContext;
import org.infopro.data.io.Fs;
import org.infopro.data.shard.ImageBatch;
import org.infopro.spark.model.ModulePlan;
import org.infopro.spark.model.Trunk;
import org.infopro.spark.module.Handoff;
import org.infopro.spark.module.ModuleStack;
import org.infopro.spark.module.SyntheticBatch;
import org.infopro.spark.spill.Precision;
import org.infopro.spark.spill.SpillLayout;
import org.infopro.spark.spill.SpillStore;
import org.infopro.spark.task.SpillSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The sequential schedule's plan, made before training and printed: for every module k before the last, the
 * bytes its spill would take (training views + validation, uncompressed upper bound) against the forward FLOPs
 * that recomputing modules 1..k costs over the run, and the free space of the spill store. Both are turned into
 * time with rates measured on the driver (a forward pass of the trunk, a write and read of the spill store), and
 * auto picks the cheaper; a spill that does not fit is never chosen.
 * <p>What a spill occupies at once, and what its I/O costs, follow the sequential schedule: module k+1 reads module
 * k's spill, which Spark shuffles to the replicas ({@code TrainData.byReplica}) and caches
 * ({@code MEMORY_AND_DISK_SER}), so while it trains the spill exists three times (the store, the shuffle files, the
 * cache once it outgrows executor memory, as an ImageNet spill does); while module k+1's own spill is written, the
 * store still holds module k's and the shuffle files may not be cleaned yet. All of it is counted against the spill
 * store's free space (the same disk in local mode; an upper bound where Spark's local dirs are elsewhere). The cached
 * copy is counted as read back once per epoch, at the spill store's rate.
 */
public record SpillPlan(SpillMode requested, SpillMode chosen, String reason, List<Stage> stages, long spillBytes,
                        long peakSpillBytes, long freeBytes, long heldBytesPerTask, long taskMemoryBytes, double recomputeGflop,
                        double spillForwardGflop,
                        double measuredGflops, double measuredDiskMBps, double estimatedSpillS, double estimatedRecomputeS)
        implements ScheduleReport {
    private static final double FITS = 0.9;
    /** The part of a task's share of executor heap that a replica's spilled records may take while it trains on them. */
    static final double HELD_FITS = 0.5;
    /** Copies of a spill while the next module trains on it: the spill store, Spark's shuffle files, Spark's cache. */
    static final int COPIES_WHILE_READ = 3;
    private static final int PROBE_MB = 16;

    /** One module's spill against its recompute. */
    public record Stage(int module, long trainRecords, long validationRecords, long spillBytes, double recomputeGflop) {
    }

    /**
     * What the planner measures before deciding: the spill store's free bytes, its MB/s, the driver's forward GFLOP/s,
     * and the heap one task has on an executor ({@link #taskHeapBytes}).
     */
    public record Rates(long freeBytes, double gflops, double diskMBps, long taskMemoryBytes) {
    }

    /**
     * The heap one training task has: the executor heap ({@code spark.executor.memory}, default 1g) over its cores
     * ({@code spark.executor.cores}, default 1); in local mode the driver's heap over the local cores.
     */
    public static long taskHeapBytes(SparkContext sc) {
        if (sc.isLocal()) {
            return Runtime.getRuntime().maxMemory() / Math.max(1, sc.defaultParallelism());
        }
        return sc.getConf().getSizeAsBytes("spark.executor.memory", "1g") / Math.max(1, sc.getConf().getInt("spark.executor.cores", 1));
    }

    /** Measures the {@link Rates} on the driver and the spill store, then {@link #plan}s. */
    public static SpillPlan make(SpillMode requested, Trunk spec, List<ModulePlan> plans, Trunk eval, boolean pixelLabels,
                                 long train, long validation, int epochs, int views, int replicas, Precision precision,
                                 ModuleStack driverStack, Path spillDir, SparkContext sc) {
        Configuration conf = sc.hadoopConfiguration();
        long free = freeBytes(spillDir, conf);
        Rates rates = new Rates(free, measureGflops(spec, plans, driverStack), measureDiskMBps(spillDir, conf), taskHeapBytes(sc));
        return plan(requested, spec, plans, eval, pixelLabels, train, validation, epochs, views, replicas, precision, rates);
    }

    /**
     * The plan from shapes and counts alone, with the measured {@code rates}: what {@link #make} decides, without a
     * network or a spill store (so ImageNet-sized plans can be checked without building ImageNet-sized networks).
     * Training views are spilled at {@code spec}'s input size, validation images at {@code eval}'s (whole frames for
     * segmentation, whose records also carry per-pixel labels: {@code pixelLabels}); recompute runs at the same sizes.
     */
    public static SpillPlan plan(SpillMode requested, Trunk spec, List<ModulePlan> plans, Trunk eval, boolean pixelLabels,
                                 long train, long validation, int epochs, int views, int replicas, Precision precision, Rates rates) {
        List<Stage> stages = new ArrayList<>();
        long total = 0;
        long peak = 0;
        long held = 0;
        long previous = 0;
        double recompute = 0;
        double spillForward = 0;
        double spillIo = 0;
        for (int k = 0; k + 1 < plans.size(); k++) {
            ModulePlan m = plans.get(k);
            SpillLayout layout = SpillSource.layout(spec, m, precision, pixelLabels);
            long bytes = SpillStore.estimateBytes(train * views, layout)
                    + SpillStore.estimateBytes(validation, SpillSource.layout(eval, m.on(eval), precision, pixelLabels));
            // a training task holds its replica's records of the epoch's view (ListedItems)
            held = Math.max(held, SpillStore.estimateBytes((train + replicas - 1) / replicas, layout));
            // module k+1 trains on module k's outputs: recompute runs modules 1..k for every training and validation pass
            double gflop = ((double) spec.flops(0, m.lastUnit()) * train + (double) eval.flops(0, m.lastUnit()) * validation)
                    * epochs / 1e9;
            stages.add(new Stage(k + 1, train * views, validation, bytes, gflop));
            total += bytes;
            // written while the previous spill is still in the store and its shuffle files; then read three times over
            peak = Math.max(peak, Math.max(2 * previous + bytes, COPIES_WHILE_READ * bytes));
            previous = bytes;
            // written and read in the store, shuffle written and read, cache written, then the cache read every epoch
            spillIo += (5.0 + epochs) * bytes;
            recompute += gflop;
            spillForward += ((double) spec.flops(m.firstUnit(), m.lastUnit()) * (train * views)
                    + (double) eval.flops(m.firstUnit(), m.lastUnit()) * validation) / 1e9;
        }
        long free = rates.freeBytes();
        double gflops = rates.gflops();
        double mbps = rates.diskMBps();
        double spillS = spillIo / (mbps * 1e6) + spillForward / gflops;
        double recomputeS = recompute / gflops;
        Choice c = choose(requested, total, peak, free, held, rates.taskMemoryBytes(), recompute, spillS, recomputeS);
        return new SpillPlan(requested, c.mode(), c.reason(), stages, total, peak, free, held, rates.taskMemoryBytes(), recompute,
                spillForward, gflops, mbps, spillS, recomputeS);
    }

    /** The planner's decision and why. */
    public record Choice(SpillMode mode, String reason) {
    }

    /**
     * The decision rule: an explicit --spill wins (with a warning when a spill may not fit the disk or a task's
     * heap); auto never spills what does not fit in 90 % of the free space, nor a replica's share of spilled records
     * that would take more than half of a task's heap, and otherwise takes the cheaper estimated time.
     */
    public static Choice choose(SpillMode requested, long total, long peak, long free, long held, long taskMemory,
                                double recomputeGflop, double spillS, double recomputeS) {
        boolean fits = peak <= FITS * free;
        boolean heldFits = held <= HELD_FITS * taskMemory;
        if (requested != SpillMode.AUTO) {
            return new Choice(requested, "requested with --spill " + requested.label()
                    + (requested == SpillMode.SPILL && !fits ? "; WARNING: the spill may not fit the free space" : "")
                    + (requested == SpillMode.SPILL && !heldFits ? String.format(Locale.ROOT, "; WARNING: a training task holds its "
                    + "replica's spilled records, %s, and has %s of heap (raise spark.executor.memory or --replicas)", mib(held),
                    mib(taskMemory)) : ""));
        }
        if (!fits) {
            return new Choice(SpillMode.RECOMPUTE, String.format(Locale.ROOT,
                    "the spill is %s (%,d bytes) and needs up to %s at once with Spark's shuffle and cache copies, more than "
                            + "90 %% of the %s free in the spill store; recomputing costs %.1f GFLOP, about %.0f s",
                    mib(total), total, mib(peak), mib(free), recomputeGflop, recomputeS));
        }
        if (!heldFits) {
            return new Choice(SpillMode.RECOMPUTE, String.format(Locale.ROOT,
                    "a training task would hold its replica's spilled records, %s, more than half of the %s of heap a task has "
                            + "(spark.executor.memory over spark.executor.cores); recomputing costs %.1f GFLOP, about %.0f s",
                    mib(held), mib(taskMemory), recomputeGflop, recomputeS));
        }
        if (spillS <= recomputeS) {
            return new Choice(SpillMode.SPILL, String.format(Locale.ROOT,
                    "spilling %s (%,d bytes, up to %s at once of %s free) costs about %.1f s against %.1f s of recompute "
                            + "(%.1f GFLOP)", mib(total), total, mib(peak), mib(free), spillS, recomputeS, recomputeGflop));
        }
        return new Choice(SpillMode.RECOMPUTE, String.format(Locale.ROOT,
                "recomputing %.1f GFLOP costs about %.1f s against %.1f s to spill %s (%,d bytes)", recomputeGflop, recomputeS,
                spillS, mib(total), total));
    }

    public String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "[plan] sequential schedule: %s (%s)%n", chosen.label(), reason));
        for (Stage s : stages) {
            sb.append(String.format(Locale.ROOT, "[plan]   module %d -> %d: spill %s (%d train views + %d validation) | recompute %.1f GFLOP%n",
                    s.module(), s.module() + 1, mib(s.spillBytes()), s.trainRecords(), s.validationRecords(), s.recomputeGflop()));
        }
        sb.append(String.format(Locale.ROOT, "[plan]   total spill %s (peak %s at once), free %s | held per training task %s of "
                        + "%s heap | driver forward %.1f GFLOP/s, spill store %.0f MB/s | estimated spill %.1f s vs recompute %.1f s",
                mib(spillBytes), mib(peakSpillBytes), mib(freeBytes), mib(heldBytesPerTask), mib(taskMemoryBytes), measuredGflops,
                measuredDiskMBps, estimatedSpillS, estimatedRecomputeS));
        return sb.toString();
    }

    static String mib(long bytes) {
        return bytes >= 1L << 40 ? String.format(Locale.ROOT, "%.2f TiB", bytes / (double) (1L << 40))
                : bytes >= 1L << 30 ? String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30))
                : String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1L << 20));
    }

    private static long freeBytes(Path dir, Configuration conf) {
        try {
            FileSystem fs = Fs.of(dir, conf);
            fs.mkdirs(dir);
            return fs.getStatus(dir).getRemaining();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot query the free space of the spill store " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Trunk forward GFLOP/s of modules 1..K-1 on a synthetic batch (second of two passes, after warm-up). */
    private static double measureGflops(Trunk spec, List<ModulePlan> plans, ModuleStack stack) {
        int n = 32;
        int[] in = spec.inputShape();
        int k = plans.size() - 1;
        double flops = spec.flops(0, plans.get(k - 1).lastUnit()) * n;
        long best = Long.MAX_VALUE;
        try (ImageBatch b = SyntheticBatch.of(n, in[0], in[1], in[2], spec.numClasses(), 1)) {
            for (int i = 0; i < 2; i++) {
                long t = System.nanoTime();
                try (Handoff h = stack.forward(b, 0, k)) {
                    best = Math.min(best, System.nanoTime() - t);
                }
            }
        }
        return flops / best;
    }

    /** Sequential write then read of a probe file in the spill store, MB/s of the slower. */
    private static double measureDiskMBps(Path dir, Configuration conf) {
        Path probe = new Path(dir, "_planner-probe");
        byte[] block = new byte[1 << 20];
        new java.util.Random(1).nextBytes(block);
        try {
            FileSystem fs = Fs.of(dir, conf);
            long t = System.nanoTime();
            try (FSDataOutputStream out = fs.create(probe, true)) {
                for (int i = 0; i < PROBE_MB; i++) {
                    out.write(block);
                }
                out.hsync();
            }
            double writeS = (System.nanoTime() - t) / 1e9;
            t = System.nanoTime();
            try (FSDataInputStream in = fs.open(probe)) {
                while (in.read(block) > 0) {
                    // reading is the measurement
                }
            }
            double readS = (System.nanoTime() - t) / 1e9;
            fs.delete(probe, false);
            return PROBE_MB * 1.048576 / Math.max(writeS, readS);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write a probe file into the spill store " + dir + ": " + e.getMessage(), e);
        }
    }
}
