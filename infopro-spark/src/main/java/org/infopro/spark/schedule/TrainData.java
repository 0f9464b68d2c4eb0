package org.infopro.spark.schedule;

import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.storage.StorageLevel;
import org.infopro.data.shard.KeyHash;
import org.infopro.data.shard.LabeledImage;
import org.infopro.data.shard.ShardChunk;
import org.infopro.data.shard.ShardReader;
import org.infopro.data.shard.StreamPlan;
import scala.Tuple2;

import java.util.List;

/**
 * A run's input, planned from the manifest and never cached: the training split as one list of shard chunks per
 * replica ({@link StreamPlan}), which training tasks stream themselves, and the validation split (the test split,
 * else val) as images decoded while they are read, over all cores. Only spilled module outputs, which the
 * sequential schedule writes to disk on purpose, are partitioned by replica and persisted.
 */
public final class TrainData {
    private final ShardReader reader;
    private final int limit;
    private final int valLimit;
    private final int replicas;
    private final long seed;
    private final int parallelism;
    private StreamPlan plan;
    private Long testCount;
    private JavaRDD<LabeledImage> test;

    public TrainData(ShardReader reader, int limit, int valLimit, int replicas, long seed, int parallelism) {
        this.reader = reader;
        this.limit = limit;
        this.valLimit = valLimit;
        this.replicas = replicas;
        this.seed = seed;
        this.parallelism = parallelism;
    }

    /** The training split's chunks, one list per replica. */
    public StreamPlan plan() {
        if (plan == null) {
            plan = reader.plan("train", limit, replicas, seed);
        }
        return plan;
    }

    /** One partition per replica, holding that replica's chunk list (what {@code StreamedImages} reads). */
    public JavaRDD<List<ShardChunk>> shares(JavaSparkContext jsc) {
        return jsc.parallelize(plan().parts(), replicas);
    }

    /** Training images per replica. */
    public long[] perReplica() {
        return plan().sizes();
    }

    /** Steps of one epoch at {@code batchSize} per replica ({@link RoundLoop#stepsPerEpoch}). */
    public int stepsPerEpoch(int batchSize) {
        return RoundLoop.stepsPerEpoch(perReplica(), replicas, batchSize);
    }

    /** Training images in the run. */
    public long trainCount() {
        return plan().rows();
    }

    /** The training images, decoded as they are read, over all cores (the sequential schedule's spill input). */
    public JavaRDD<LabeledImage> trainImages() {
        return reader.images("train", limit, parallelism);
    }

    /** The validation images, decoded as they are read. */
    public JavaRDD<LabeledImage> test() {
        // planned (and the shards checked) once; the RDD is not persisted, so every validation reads the chunks again
        if (test == null) {
            test = reader.images(valSplit(), valLimit, parallelism);
        }
        return test;
    }

    /** Validation images in the run. */
    public long testCount() {
        if (testCount == null) {
            testCount = reader.plan(valSplit(), valLimit, 1, seed).rows();
        }
        return testCount;
    }

    private String valSplit() {
        return reader.firstSplit("test", "val");
    }

    /**
     * {@code items} with one partition per replica, by a seeded hash of the image key (so a spill of module k lands
     * on the replica its images trained on), cached.
     */
    public <T> JavaRDD<T> byReplica(JavaRDD<T> items, Function<T, String> key) {
        int n = replicas;
        long s = seed;
        return items.mapToPair(x -> new Tuple2<>(KeyHash.shard(key.call(x), s, n), x))
                .partitionBy(new HashPartitioner(n))
                .values()
                .persist(StorageLevel.MEMORY_AND_DISK_SER());
    }
}
