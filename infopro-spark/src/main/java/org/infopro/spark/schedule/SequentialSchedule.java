package org.infopro.spark.schedule;

import org.apache.hadoop.fs.Path;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import org.infopro.data.shard.InputTransform;
import org.infopro.data.shard.KeyHash;
import org.infopro.data.shard.LabeledImage;
import org.infopro.spark.checkpoint.Checkpoint;
import org.infopro.spark.module.ModuleState;
import org.infopro.spark.spill.SpillLayout;
import org.infopro.spark.spill.SpillRecord;
import org.infopro.spark.spill.SpillStats;
import org.infopro.spark.spill.SpillStore;
import org.infopro.spark.train.BatchSource;
import org.infopro.spark.train.ImageSource;
import org.infopro.spark.train.RoundTask;
import org.infopro.spark.train.TrainConfig;
import org.infopro.spark.train.TrainResult;
import org.infopro.spark.train.TrainRun;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

import java.util.List;

/**
 * The sequential schedule (sequential greedy training with InfoPro's local losses): module k trains alone for
 * all its epochs, data-parallel over the replicas, then module k+1 trains on module k's detached outputs,
 * which are either spilled once to the spill store (train views and validation, then read back; the spill of
 * module k-1 is deleted once module k's is written, unless kept) or recomputed by the frozen modules 1..k for
 * every batch. Modules before the resume position are finished and never trained again; a missing spill is
 * rewritten from the best source left (the previous spill, or the images through the frozen modules).
 */
public final class SequentialSchedule {
    private static final Logger LOG = LoggerFactory.getLogger(SequentialSchedule.class);

    private SequentialSchedule() {
    }

    public static SpillPlan run(TrainRun run) {
        TrainConfig cfg = run.cfg;
        TrainConfig.Pipeline p = cfg.pipeline();
        int k = run.modules();
        boolean augment = cfg.transform().augment() != InputTransform.Augment.NONE;
        Path spillRoot = spillRoot(run);
        long train = run.trainImages().count();
        long validation = run.testImages().count();
        int[] hwc = run.assembler.outputShape();
        int[] target = {hwc[2], hwc[0], hwc[1]};
        SpillPlan plan = SpillPlan.make(p.spill(), run.setup.spec(), run.setup.plans(), target, train, validation, cfg.epochs(),
                p.views(), p.store().precision(), run.driverStack, spillRoot, run.conf);
        System.out.println(plan.describe());
        boolean spill = plan.chosen() == SpillMode.SPILL;

        int start = run.resumeAt == null ? 0 : run.resumeAt.stage();
        for (int m = 0; m < start; m++) {
            System.out.printf("[train] module %d/%d: finished in the checkpoint, not retrained%n", m + 1, k);
        }
        for (int m = start; m < k; m++) {
            String label = "module " + (m + 1) + "/" + k;
            TrainResult.StageReport report;
            if (m == 0 || !spill) {
                ImageSource source = new ImageSource(run.assembler, m);
                report = run.trainStage(m, label, run.trainImages(), new RoundTask.Stage<>(source, m, m, 1),
                        run.testImages(), new RoundTask.Stage<>(source, m, m, 1), (double) m / k, (double) (m + 1) / k);
            } else {
                ensureSpill(run, spillRoot, m - 1, augment);
                SpillSource source = new SpillSource(SpillStore.meta(trainDir(spillRoot, m - 1), run.conf).layout(),
                        run.setup.spec().numClasses());
                JavaRDD<SpillRecord> data = byReplica(SpillStore.read(run.spark, trainDir(spillRoot, m - 1)), cfg);
                JavaRDD<SpillRecord> val = SpillStore.read(run.spark, valDir(spillRoot, m - 1));
                report = run.trainStage(m, label, data, new RoundTask.Stage<>(source, m, m, p.views()),
                        val, new RoundTask.Stage<>(source, m, m, 1), (double) m / k, (double) (m + 1) / k);
                data.unpersist(false);
            }
            if (spill && m + 1 < k) {
                long t = System.nanoTime();
                long bytes = writeSpill(run, spillRoot, m, augment);
                report = new TrainResult.StageReport(report.name(), report.trainS(), report.validationS(),
                        TrainRun.seconds(t), bytes, report.images(), report.imagesPerS());
            }
            run.addStage(report);
            if (m + 1 < k) {
                Checkpoint.Position at = run.lastPosition();
                run.checkpoint(new Checkpoint.Position(m + 1, 0, 0, at.stepsPerEpoch(), at.replicas(), run.rounds(), false));
            }
            if (spill && m >= 1 && !p.keepSpill()) {
                // module m+1 reads module m's spill from here on: module m-1's is no longer needed
                SpillStore.delete(spillDir(spillRoot, m - 1), run.conf);
            }
        }
        return plan;
    }

    /**
     * The spill store: --spill-dir, or {@code <out>/spill}, qualified on the driver (executors run in other working
     * directories, so a relative path would name another folder in each); warns when executors elsewhere could not
     * reach it.
     */
    static Path spillRoot(TrainRun run) {
        String dir = run.cfg.pipeline().spillDir();
        Path root = qualified(dir.isEmpty() ? new Path(run.out, "spill") : new Path(dir), run.conf);
        String scheme = root.toUri().getScheme();
        if (!run.spark.sparkContext().isLocal() && "file".equals(scheme)) {
            LOG.warn("[train] the spill store {} is on a local file system: executors on other hosts cannot read what another "
                    + "wrote. On a multi-host cluster give --spill-dir (or --out) on hdfs://, s3a:// or a shared mount.", root);
        }
        return root;
    }

    /** {@code p} with scheme and, when relative, the driver's working directory. */
    static Path qualified(Path p, org.apache.hadoop.conf.Configuration conf) {
        return org.infopro.data.io.Fs.of(p, conf).makeQualified(p);
    }

    static Path spillDir(Path root, int module) {
        return new Path(root, "module-" + (module + 1));
    }

    static Path trainDir(Path root, int module) {
        return new Path(spillDir(root, module), "train");
    }

    static Path valDir(Path root, int module) {
        return new Path(spillDir(root, module), "validation");
    }

    /** Makes sure module {@code m}'s spill is complete, rewriting it if a resume finds it missing. */
    private static void ensureSpill(TrainRun run, Path root, int m, boolean augment) {
        if (SpillStore.complete(trainDir(root, m), run.conf) && SpillStore.complete(valDir(root, m), run.conf)) {
            return;
        }
        LOG.warn("[train] the spill of module {} at {} is missing or incomplete; rewriting it", m + 1, spillDir(root, m));
        writeSpill(run, root, m, augment);
    }

    /**
     * Writes module {@code m}'s outputs for the training views and the validation images; returns the bytes written.
     * The input is module {@code m-1}'s spill when it is complete, else the images through the frozen modules.
     */
    private static long writeSpill(TrainRun run, Path root, int m, boolean augment) {
        TrainConfig cfg = run.cfg;
        TrainConfig.Pipeline p = cfg.pipeline();
        SpillLayout layout = new SpillLayout(run.setup.plans().get(m).outputShape(), p.store().precision(),
                new int[]{run.assembler.outputShape()[2], run.assembler.outputShape()[0], run.assembler.outputShape()[1]});
        Broadcast<List<ModuleState>> state = run.jsc.broadcast(run.state());
        long bytes = 0;
        boolean fromSpill = m > 0 && SpillStore.complete(trainDir(root, m - 1), run.conf)
                && SpillStore.complete(valDir(root, m - 1), run.conf);
        for (boolean training : new boolean[]{true, false}) {
            Path dir = training ? trainDir(root, m) : valDir(root, m);
            JavaRDD<SpillRecord> records;
            if (fromSpill) {
                Path in = training ? trainDir(root, m - 1) : valDir(root, m - 1);
                SpillSource source = new SpillSource(SpillStore.meta(in, run.conf).layout(), run.setup.spec().numClasses());
                records = SpillStore.read(run.spark, in).mapPartitionsWithIndex(
                        new SpillWriteTask<>(run.setup, source, m, 1, false, p.store().precision(), state, cfg.seed(), cfg.threads()),
                        false);
            } else {
                BatchSource<LabeledImage> source = new ImageSource(run.assembler, m);
                int views = training ? p.views() : 1;
                records = (training ? run.trainImages() : run.testImages()).mapPartitionsWithIndex(
                        new SpillWriteTask<>(run.setup, source, m, views, training && augment, p.store().precision(), state,
                                cfg.seed(), cfg.threads()), false);
            }
            SpillStats stats = SpillStore.write(run.spark, records, dir, layout, p.store());
            LOG.info("[train] spilled module {} {}: {} records, {} bytes, {} files -> {}", m + 1, training ? "train" : "validation",
                    stats.records(), stats.bytes(), stats.files(), dir);
            bytes += stats.bytes();
        }
        state.destroy();
        return bytes;
    }

    /** Spilled records, one partition per replica by the same seeded key hash as the images, cached for the stage. */
    private static JavaRDD<SpillRecord> byReplica(JavaRDD<SpillRecord> records, TrainConfig cfg) {
        int replicas = cfg.parallel().replicas();
        long seed = cfg.seed();
        return records.mapToPair(r -> new Tuple2<>(KeyHash.shard(r.key(), seed, replicas), r))
                .partitionBy(new HashPartitioner(replicas))
                .values()
                .persist(StorageLevel.MEMORY_AND_DISK_SER());
    }
}
