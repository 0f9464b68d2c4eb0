package org.infopro.spark.schedule;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.SerializableConfiguration;
import org.infopro.data.shard.BatchAssembler;
import org.infopro.spark.checkpoint.StateStore;
import org.infopro.spark.config.TrainConfig;
import org.infopro.spark.measure.HeadMetrics;
import org.infopro.spark.metrics.RunListener;
import org.infopro.spark.module.ModuleStack;
import org.infopro.spark.module.ModuleState;
import org.infopro.spark.task.DivergedException;
import org.infopro.spark.task.EvalTask;
import org.infopro.spark.task.Segment;
import org.infopro.spark.task.TaskSettings;

import java.util.List;
import java.util.function.Function;

/**
 * What a schedule runs with, read-only: the validated config, the Spark session, the network's setup (of any
 * family) and its input assembler, the data, the state store, the run's listeners and its output folder.
 */
public record RunContext(TrainConfig cfg, SparkSession spark, ModuleStack.Setup setup, BatchAssembler assembler,
                         TrainData data, StateStore store, RunListener listener, Path out, long startNanos) {

    public JavaSparkContext jsc() {
        return JavaSparkContext.fromSparkContext(spark.sparkContext());
    }

    public Configuration conf() {
        return spark.sparkContext().hadoopConfiguration();
    }

    /** The Hadoop configuration as tasks carry it. */
    public SerializableConfiguration hadoopConf() {
        return new SerializableConfiguration(conf());
    }

    public int modules() {
        return setup.modules();
    }

    /** What training tasks need of the config. */
    public TaskSettings taskSettings() {
        return new TaskSettings(cfg.batchSize(), cfg.seed(), cfg.threads(), cfg.logEvery(), cfg.epochs(),
                cfg.learningRateSchedule(), cfg.input().prefetch(), cfg.input().threads(), cfg.reclaimEvery());
    }

    /** Seconds since the run started. */
    public double elapsedS() {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    /**
     * Runs {@code job} on the current state, broadcast once and destroyed however the job ends; a training task's
     * divergence surfaces as a {@link DivergedException} naming the checkpoint kept.
     */
    public <R> R withState(Function<Broadcast<List<ModuleState>>, R> job) {
        Broadcast<List<ModuleState>> b = jsc().broadcast(store.state());
        try {
            return job.apply(b);
        } catch (Exception e) { // Spark's SparkException is checked, thrown from Scala undeclared
            DivergedException d = DivergedException.in(e);
            if (d == null) {
                throw RunContext.<RuntimeException>rethrow(e);
            }
            throw d.withHint("the last good checkpoint (" + store.rounds() + " rounds) is kept in " + store.dir()
                    + "; lower --lr or raise --warmup-epochs and start a new run");
        } finally {
            b.destroy();
        }
    }

    /** Rethrows {@code e} as it is, checked or not. */
    @SuppressWarnings("unchecked")
    private static <E extends Exception> E rethrow(Exception e) throws E {
        throw (E) e;
    }

    /** The network at the assembler's evaluation size ({@link BatchAssembler#evalShape}): whole frames for segmentation. */
    public ModuleStack.Setup evalSetup() {
        int[] hwc = assembler.evalShape();
        return setup.atInput(hwc[0], hwc[1]);
    }

    /**
     * Distributed validation of {@code segment}'s modules with the current state, reduced on the driver; at the
     * assembler's evaluation size ({@link BatchAssembler#evalShape}: whole frames for segmentation).
     */
    public <V> List<HeadMetrics> validate(JavaRDD<V> val, Segment<V> segment) {
        ModuleStack.Setup eval = evalSetup();
        return withState(b -> val.mapPartitions(new EvalTask<>(eval, segment, b, cfg.threads(), cfg.reclaimEvery())).reduce(EvalTask::add));
    }
}
