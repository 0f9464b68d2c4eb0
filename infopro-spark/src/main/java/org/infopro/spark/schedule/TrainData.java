package org.infopro.spark.schedule;

import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.storage.StorageLevel;
import org.infopro.data.shard.KeyHash;
import org.infopro.data.shard.LabeledImage;
import org.infopro.data.shard.ShardReader;
import scala.Tuple2;

/**
 * A run's input: the training images, one partition per replica, and the validation images (the test split,
 * else val) spread over all cores, each read once and cached for the run.
 */
public final class TrainData {
    private final ShardReader reader;
    private final int limit;
    private final int valLimit;
    private final int replicas;
    private final long seed;
    private final int parallelism;
    private JavaRDD<LabeledImage> train;
    private JavaRDD<LabeledImage> test;

    public TrainData(ShardReader reader, int limit, int valLimit, int replicas, long seed, int parallelism) {
        this.reader = reader;
        this.limit = limit;
        this.valLimit = valLimit;
        this.replicas = replicas;
        this.seed = seed;
        this.parallelism = parallelism;
    }

    /** The training images, one partition per replica. */
    public JavaRDD<LabeledImage> train() {
        if (train == null) {
            train = byReplica(reader.images("train", limit), LabeledImage::key);
        }
        return train;
    }

    /** The validation images, cached. */
    public JavaRDD<LabeledImage> test() {
        if (test == null) {
            test = reader.images(reader.firstSplit("test", "val"), valLimit).repartition(parallelism)
                    .persist(StorageLevel.MEMORY_AND_DISK_SER());
        }
        return test;
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

    /** Drops the cached images. */
    public void release() {
        if (train != null) {
            train.unpersist(false);
        }
        if (test != null) {
            test.unpersist(false);
        }
    }
}
