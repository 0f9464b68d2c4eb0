package org.infopro.spark.schedule;

import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.infopro.data.shard.InputTransform;
import org.infopro.data.shard.LabeledImage;
import org.infopro.spark.checkpoint.Checkpoint;
import org.infopro.spark.config.TrainConfig;
import org.infopro.spark.metrics.StageReport;
import org.infopro.spark.module.ModuleStack;
import org.infopro.spark.spill.SpillLayout;
import org.infopro.spark.spill.SpillMode;
import org.infopro.spark.spill.SpillRecord;
import org.infopro.spark.spill.SpillStats;
import org.infopro.spark.spill.SpillStore;
import org.infopro.spark.task.BatchSource;
import org.infopro.data.shard.ShardChunk;
import org.infopro.spark.task.ImageSource;
import org.infopro.spark.task.ListedItems;
import org.infopro.spark.task.StreamedImages;
import org.infopro.spark.task.Segment;
import org.infopro.spark.task.SpillSource;
import org.infopro.spark.task.SpillWriteTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * The sequential schedule (sequential greedy training with InfoPro's local losses): module k trains alone for
 * all its epochs, data-parallel over the replicas, then module k+1 trains on module k's detached outputs,
 * which are either spilled once to the spill store (train views and validation, then read back; the spill of
 * module k-1 is deleted once module k's is written, unless kept) or recomputed by the frozen modules 1..k for
 * every batch. Modules before the resume position are finished and never trained again; a missing spill is
 * rewritten from the best source left (the previous spill, or the images through the frozen modules).
 */
public final class SequentialSchedule implements Schedule {
    private static final Logger LOG = LoggerFactory.getLogger(SequentialSchedule.class);

    @Override
    public ScheduleReport run(RunContext ctx) {
        TrainConfig.Pipeline p = ctx.cfg().pipeline();
        int k = ctx.modules();
        boolean augment = ctx.cfg().transform().augment() != InputTransform.Augment.NONE;
        Path root = SpillRoot.of(ctx);
        SpillPlan plan = SpillPlan.make(p.spill(), ctx.setup().spec(), ctx.setup().plans(), ctx.evalSetup().spec(),
                ctx.assembler().segmentation(), ctx.data().trainCount(), ctx.data().testCount(), ctx.cfg().epochs(), p.views(),
                ctx.cfg().parallel().replicas(), p.store().precision(), ctx.store().modules(), root, ctx.spark().sparkContext());
        LOG.info(plan.describe());
        boolean spill = plan.chosen() == SpillMode.SPILL;

        Checkpoint.Position resume = ctx.store().resumeAt();
        int start = resume == null ? 0 : resume.stage();
        for (int m = 0; m < start; m++) {
            LOG.info("[train] module {}/{}: finished in the checkpoint, not retrained", m + 1, k);
        }
        for (int m = start; m < k; m++) {
            StageReport report = spill && m > 0 ? fromSpill(ctx, root, m, augment) : fromImages(ctx, m);
            if (spill && m + 1 < k) {
                long t = System.nanoTime();
                long bytes = writeSpill(ctx, root, m, augment);
                report = report.withSpill(RoundLoop.seconds(t), bytes);
            }
            ctx.listener().onStage(report);
            if (m + 1 < k) {
                Checkpoint.Position at = ctx.store().last();
                ctx.store().checkpoint(new Checkpoint.Position(m + 1, 0, 0, at.stepsPerEpoch(), at.replicas(), ctx.store().rounds(), false));
            }
            if (spill && m >= 1 && !p.keepSpill()) {
                // module m+1 reads module m's spill from here on: module m-1's is no longer needed
                SpillStore.delete(SpillRoot.module(root, m - 1), ctx.conf());
            }
        }
        return plan;
    }

    private static String label(int m, int k) {
        return "module " + (m + 1) + "/" + k;
    }

    /** Module {@code m} on images, through the frozen modules before it (recompute, or module 1 of a spilled run). */
    private static StageReport fromImages(RunContext ctx, int m) {
        int k = ctx.modules();
        RoundLoop.Training<List<ShardChunk>> t = new RoundLoop.Training<>(m, label(m, k), ctx.data().shares(ctx.jsc()),
                new StreamedImages(ctx.assembler(), m, ctx.hadoopConf()), m, m, ctx.data().perReplica());
        return RoundLoop.train(ctx, t, ctx.data().test(), Segment.recomputed(ctx.assembler(), m), (double) m / k, (double) (m + 1) / k);
    }

    /** Module {@code m} on module {@code m-1}'s spill (rewritten first if a resume finds it missing). */
    private static StageReport fromSpill(RunContext ctx, Path root, int m, boolean augment) {
        int k = ctx.modules();
        ensureSpill(ctx, root, m - 1, augment);
        SpillSource source = spillSource(ctx, SpillRoot.train(root, m - 1));
        // validation records are whole frames for segmentation: a layout of their own
        SpillSource valSource = spillSource(ctx, SpillRoot.validation(root, m - 1));
        JavaRDD<SpillRecord> data = ctx.data().byReplica(SpillStore.read(ctx.spark(), SpillRoot.train(root, m - 1)), SpillRecord::key);
        JavaRDD<SpillRecord> val = SpillStore.read(ctx.spark(), SpillRoot.validation(root, m - 1));
        try {
            RoundLoop.Training<SpillRecord> t = new RoundLoop.Training<>(m, label(m, k), data,
                    new ListedItems<>(source, ctx.cfg().pipeline().views()), m, m, RoundLoop.countPerPartition(data, source));
            return RoundLoop.train(ctx, t, val, new Segment<>(valSource, m, m, 1), (double) m / k, (double) (m + 1) / k);
        } finally {
            data.unpersist(false);
        }
    }

    /** The batches of the complete spill in {@code dir}, with its recorded layout. */
    private static SpillSource spillSource(RunContext ctx, Path dir) {
        return new SpillSource(SpillStore.meta(dir, ctx.conf()).layout(), ctx.setup().spec().numClasses());
    }

    /** Makes sure module {@code m}'s spill is complete, rewriting it if a resume finds it missing. */
    private static void ensureSpill(RunContext ctx, Path root, int m, boolean augment) {
        if (complete(ctx, root, m)) {
            return;
        }
        LOG.warn("[train] the spill of module {} at {} is missing or incomplete; rewriting it", m + 1, SpillRoot.module(root, m));
        writeSpill(ctx, root, m, augment);
    }

    private static boolean complete(RunContext ctx, Path root, int m) {
        return SpillStore.complete(SpillRoot.train(root, m), ctx.conf()) && SpillStore.complete(SpillRoot.validation(root, m), ctx.conf());
    }

    /**
     * Writes module {@code m}'s outputs for the training views and the validation images; returns the bytes written.
     * The input is module {@code m-1}'s spill when it is complete, else the images through the frozen modules.
     * Validation images are spilled at the evaluation size (whole frames for segmentation), through the same modules
     * rebuilt at that size; segmentation records carry their pixels' train ids.
     */
    private static long writeSpill(RunContext ctx, Path root, int m, boolean augment) {
        TrainConfig cfg = ctx.cfg();
        TrainConfig.Pipeline p = cfg.pipeline();
        boolean fromSpill = m > 0 && complete(ctx, root, m - 1);
        return ctx.withState(state -> {
            long bytes = 0;
            for (boolean training : new boolean[]{true, false}) {
                Path dir = training ? SpillRoot.train(root, m) : SpillRoot.validation(root, m);
                ModuleStack.Setup setup = training ? ctx.setup() : ctx.evalSetup();
                SpillLayout layout = SpillSource.layout(setup.spec(), setup.plans().get(m), p.store().precision(),
                        ctx.assembler().segmentation());
                JavaRDD<SpillRecord> records;
                if (fromSpill) {
                    Path in = training ? SpillRoot.train(root, m - 1) : SpillRoot.validation(root, m - 1);
                    records = SpillStore.read(ctx.spark(), in).mapPartitionsWithIndex(new SpillWriteTask<>(setup, spillSource(ctx, in),
                            m, 1, false, p.store().precision(), state, cfg.seed(), cfg.threads(), cfg.reclaimEvery()), false);
                } else {
                    BatchSource<LabeledImage> source = new ImageSource(ctx.assembler(), m);
                    records = (training ? ctx.data().trainImages() : ctx.data().test()).mapPartitionsWithIndex(new SpillWriteTask<>(
                            setup, source, m, training ? p.views() : 1, training && augment, p.store().precision(), state,
                            cfg.seed(), cfg.threads(), cfg.reclaimEvery()), false);
                }
                SpillStats stats = SpillStore.write(ctx.spark(), records, dir, layout, p.store());
                LOG.info("[train] spilled module {} {}: {} records, {} bytes, {} files -> {}", m + 1, training ? "train" : "validation",
                        stats.records(), stats.bytes(), stats.files(), dir);
                bytes += stats.bytes();
            }
            return bytes;
        });
    }
}
